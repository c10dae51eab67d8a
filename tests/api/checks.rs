//! The rules editor when a change makes the file's own checks (`[[tests]]`) come out
//! differently: the page says which and how, in words, and the admin may save with the new
//! outcomes, which are written into the file with its comments kept.

use reqwest::StatusCode;

use crate::console::{base, client, csrf, get, sign_in};
use crate::helpers::*;

/// Acme's rules with a third receptionist, rung after John: four of its checks change.
fn with_sam(original: &str) -> String {
    original.replacen(
        "[open]",
        "[[assistants]]\nid = \"sam\"\nname = \"Sam Lee\"\nphone = \"+12125550113\"\npriority = 3\n\n[open]",
        1,
    )
}

async fn post(app: &TestApp, session: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
    let r = client()
        .post(format!("{}/admin/clients/acme-dental/rules", base(app)))
        .header("cookie", session)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, r.text().await.unwrap(), location)
}

/// The value of the hidden field `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} in the page")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_change_that_moves_the_files_checks_says_how_and_saves_them_updated_when_accepted() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &token).await;
    let original = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let draft = with_sam(&original);
    let (_, page) = get(&app, "/admin/clients/acme-dental/rules", Some(&session)).await;
    let form_csrf = csrf(&page);

    let (status, page, _) = post(
        &app,
        &session,
        &[
            ("csrf", &form_csrf),
            ("source", &draft),
            ("comment", "Sam joins"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("This change makes 4 checks in the file come out differently"),
        "{page}"
    );
    assert!(page.contains(
        "now ring Maria Lopez, then ring John Park, then ring Sam Lee, then the outside number, then voicemail"
    ));
    assert!(page.contains(
        "the check expected ring Maria Lopez, then ring John Park, then the outside number, then voicemail."
    ));
    assert!(page.contains("Tue 1 Dec 2026, 10:00 AM EST"));
    assert!(
        page.contains("EST</a>, Maria Lopez off duty: <strong>now ring John Park, then ring Sam Lee"),
        "{page}"
    );
    assert!(!page.contains("(America/New_York)"), "the zone as people read it");
    assert!(
        !page.contains("expected [maria"),
        "no raw test messages beside the lines"
    );
    assert!(
        !page.contains("value=\"save\""),
        "only the save that takes the new outcomes"
    );
    let versions = switchboard::store::rule_versions::list(&app.db, "acme-dental", None, 10)
        .await
        .unwrap();
    assert_eq!(versions.len(), 1, "nothing saved before the admin chooses");

    // What was shown must be what is accepted.
    let (status, page_again, _) = post(
        &app,
        &session,
        &[
            ("csrf", &form_csrf),
            ("source", &draft),
            ("action", "accept"),
            ("seen", "0000"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page_again.contains("not the ones you were shown"), "{page_again}");

    let seen = hidden(&page, "seen");
    let (status, _, location) = post(
        &app,
        &session,
        &[
            ("csrf", &form_csrf),
            ("source", &draft),
            ("comment", "Sam joins"),
            ("action", "accept"),
            ("seen", &seen),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/admin/clients/acme-dental/rules?saved=2"));
    let saved = switchboard::store::rule_versions::find(&app.db, "acme-dental", 2)
        .await
        .unwrap()
        .unwrap();
    assert!(saved.source.contains(
        "at = \"2026-12-01T10:00\"          # a Tuesday morning\nexpect = [\"maria\", \"john\", \"sam\", \"external\", \"voicemail\"]"
    ), "{}", saved.source);
    assert!(
        saved
            .source
            .contains("# Christmas, a holiday\nexpect = [\"voicemail\"]"),
        "untouched checks stay"
    );
    assert!(
        switchboard::rules::files::check_source(&saved.source).is_ok(),
        "the saved file passes its checks"
    );
    assert_eq!(
        saved.meta.comment.as_deref(),
        Some("Sam joins; accepted the new outcome of 4 checks")
    );
}
