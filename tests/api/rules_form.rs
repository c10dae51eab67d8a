//! The rules form and "Add a business" over plain HTTP: what is saved, what is refused and
//! where it is said. The whole journey in a browser is in `tests/browser/rules_form.rs`.

use reqwest::StatusCode;

use crate::console::{base, client, csrf, get, sign_in};
use crate::helpers::*;

async fn post(app: &TestApp, session: &str, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let r = client()
        .post(format!("{}{path}", base(app)))
        .header("cookie", session)
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or(r.text().await.unwrap()))
}

#[tokio::test]
async fn a_global_admin_adds_a_business_with_minimal_rules_saved_as_the_api_saves_them() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/new-client", Some(&session)).await;
    let form = |name: &'static str, number: &'static str| {
        [
            ("csrf", csrf(&page)),
            ("name", name.into()),
            ("number", number.into()),
            ("timezone", "Europe/London".into()),
        ]
    };
    let fields = form("Bright Smiles", "020 7946 0150");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = post(&app, &session, "/admin/new-client", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(location, "/admin/clients/bright-smiles/rules/form?created=true");
    let versions = switchboard::store::rule_versions::list(&app.db, "bright-smiles", None, 10)
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].origin, "api");
    assert!(versions[0].author.is_some(), "who created it is kept");
    let (status, rules) = app
        .api("GET", "/api/clients/bright-smiles/rules", Some(&token), None)
        .await;
    assert_eq!(status, 200);
    let source = rules["source"].as_str().unwrap_or_default().to_owned();
    assert!(
        source.contains(r#"numbers = ["+442079460150"]"#) && source.contains("Europe/London"),
        "{rules}"
    );
    let (status, page) = get(&app, &location, Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("The business is set up"), "{page}");

    // The same number again: refused next to the number, in words, and nothing is created.
    let fields = form("Bright Smiles Too", "+44 20 7946 0150");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page) = post(&app, &session, "/admin/new-client", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"<p class="field-error">number +442079460150 already belongs to `bright-smiles`"#),
        "{page}"
    );
    assert!(
        switchboard::store::rule_versions::list(&app.db, "bright-smiles-too", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_client_admin_cannot_add_a_business_nor_open_another_clients_form() {
    let app = spawn_app().await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let (session, _) = sign_in(&app, &harbor).await;
    for path in ["/admin/new-client", "/admin/clients/acme-dental/rules/form"] {
        let (status, page) = get(&app, path, Some(&session)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.contains("Acme"), "{path}");
    }
    let (_, own) = get(&app, "/admin/clients/harbor-plumbing/rules/form", Some(&session)).await;
    assert!(own.contains("Opening hours"), "{own}");
    let fields = [
        ("csrf", csrf(&own)),
        ("name", "Mine".into()),
        ("number", "+12125550177".into()),
        ("timezone", "America/New_York".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post(&app, &session, "/admin/new-client", &fields).await.0,
        StatusCode::NOT_FOUND
    );
    let source = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let fields = [("csrf", csrf(&own)), ("base", source), ("action", "save".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _) = post(&app, &session, "/admin/clients/acme-dental/rules/form", &fields).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        switchboard::store::rule_versions::list(&app.db, "acme-dental", None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_mistyped_field_is_refused_beside_the_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/clients/acme-dental/rules/form", Some(&session)).await;
    assert!(page.contains("Lunch break 12:30 PM–1:30 PM"), "{page}");
    let source = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let fields = [
        ("csrf", csrf(&page)),
        ("base", source),
        ("action", "save".into()),
        ("mon.0.from", "9am".into()),
        ("mon.0.until", "25:00".into()),
        ("assistant.0.id", "maria".into()),
        ("assistant.0.name", "Maria Lopez".into()),
        ("assistant.0.phone", "555".into()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = post(&app, &session, "/admin/clients/acme-dental/rules/form", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for (field, words) in [
        ("mon.0.until", "“25:00” is not a time"),
        ("assistant.0.phone", "“555” is not a number that can be called"),
    ] {
        let at = html
            .find(&format!(r#"id="err-{field}""#))
            .unwrap_or_else(|| panic!("{field}: {html}"));
        assert!(html[at..].split("</p>").next().unwrap().contains(words), "{field}");
    }
    assert!(html.contains(r#"value="9am""#), "what was typed is kept");
    assert_eq!(
        switchboard::store::rule_versions::list(&app.db, "acme-dental", None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
