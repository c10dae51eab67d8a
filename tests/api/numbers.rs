//! Numbers: searched and bought through the client's account on the fake Twilio, with the
//! webhooks pointing at this server, audited, and refused without a public URL.

use serde_json::json;

use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const NUMBER: &str = "+12125550101";

async fn spawn(fake: &FakeTwilio, options: Options) -> TestApp {
    spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..options
    })
    .await
}

#[tokio::test]
async fn a_search_lists_the_numbers_twilio_offers_in_the_area_code() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake, Options::default()).await;
    let admin = app.admin_token(Some("acme-dental")).await;

    let path = "/api/twilio/available-numbers?client=acme-dental&area_code=212&country=us";
    let (status, found) = app.api("GET", path, Some(&admin), None).await;

    assert_eq!(status, 200, "{found}");
    let numbers: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["phone_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["+12125550101", "+12125550102"]);
    assert_eq!(found[0]["sms"], true);
}

#[tokio::test]
async fn a_purchase_points_every_webhook_at_this_server_and_is_audited() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake, Options::default()).await;
    let admin = app.admin_token(Some("acme-dental")).await;

    let request = json!({ "client": "acme-dental", "phone_number": NUMBER });
    let (status, bought) = app
        .api("POST", "/api/twilio/purchase-number", Some(&admin), Some(request))
        .await;

    assert_eq!(status, 200, "{bought}");
    assert_eq!(bought["phone_number"], NUMBER);
    assert!(bought["next_step"].as_str().unwrap().contains("numbers"), "{bought}");
    let [(account, form)] = fake.numbers_bought().try_into().unwrap();
    assert_eq!(account, TEST_ACCOUNT_SID);
    let field = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(field("PhoneNumber"), NUMBER);
    assert_eq!(field("VoiceUrl"), format!("{PUBLIC_URL}/twilio/voice"));
    assert_eq!(field("VoiceMethod"), "POST");
    assert_eq!(field("VoiceFallbackUrl"), format!("{PUBLIC_URL}/twilio/voice/fallback"));
    assert_eq!(field("StatusCallback"), format!("{PUBLIC_URL}/twilio/voice/status"));
    assert_eq!(field("SmsUrl"), format!("{PUBLIC_URL}/twilio/sms"));
    let (_, audit) = app
        .api("GET", "/api/audit?client=acme-dental", Some(&admin), None)
        .await;
    assert_eq!(audit[0]["action"], "number.purchase", "{audit}");
    assert!(
        audit[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("bought {NUMBER}")),
        "{audit}"
    );
}

#[tokio::test]
async fn without_a_public_url_a_purchase_is_refused_before_twilio_is_asked() {
    let fake = FakeTwilio::start().await;
    let app = spawn(
        &fake,
        Options {
            without_public_url: true,
            ..Options::default()
        },
    )
    .await;
    let admin = app.admin_token(None).await;

    let request = json!({ "client": "acme-dental", "phone_number": NUMBER });
    let (status, body) = app
        .api("POST", "/api/twilio/purchase-number", Some(&admin), Some(request))
        .await;

    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("SWITCHBOARD_PUBLIC_URL"),
        "{body}"
    );
    assert!(fake.numbers_bought().is_empty());
}

/// Harbor's rules with one more number, as its admin would save them.
fn harbor_rules_with(number: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(example_rules().join("harbor-plumbing.toml")).unwrap();
    let with = text.replace(
        r#"numbers = ["+442079460123", "+442079460124"]"#,
        &format!(r#"numbers = ["+442079460123", "+442079460124", "{number}"]"#),
    );
    assert_ne!(text, with, "the example's numbers line moved");
    serde_json::Value::String(with)
}

const HARBOR_RULES: &str = "/api/clients/harbor-plumbing/rules";

#[tokio::test]
async fn a_number_bought_for_one_client_cannot_be_claimed_by_another_and_its_owner_is_not_revealed() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake, Options::default()).await;
    let acme = app.admin_token(Some("acme-dental")).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let global = app.admin_token(None).await;
    let request = json!({ "client": "acme-dental", "phone_number": NUMBER });
    let (bought, _) = app
        .api("POST", "/api/twilio/purchase-number", Some(&acme), Some(request))
        .await;
    assert_eq!(bought, 200);

    let (scoped, refusal) = app
        .api("PUT", HARBOR_RULES, Some(&harbor), Some(harbor_rules_with(NUMBER)))
        .await;
    let (by_global, named) = app
        .api("PUT", HARBOR_RULES, Some(&global), Some(harbor_rules_with(NUMBER)))
        .await;
    let acme_text = std::fs::read_to_string(example_rules().join("acme-dental.toml"))
        .unwrap()
        .replace(
            r#"numbers = ["+12125550100"]"#,
            &format!(r#"numbers = ["+12125550100", "{NUMBER}"]"#),
        );
    let (own, saved) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules",
            Some(&acme),
            Some(json!(acme_text)),
        )
        .await;

    assert_eq!(scoped, 422, "{refusal}");
    let message = refusal["error"]["details"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        format!("number {NUMBER} is not one of this business's numbers")
    );
    assert!(!refusal.to_string().to_lowercase().contains("acme"), "{refusal}");
    assert_eq!(by_global, 422, "{named}");
    assert!(
        named.to_string().contains("`acme-dental`"),
        "a global admin is told whose: {named}"
    );
    assert_eq!(own, 200, "the client it was bought for may use it: {saved}");
}

#[tokio::test]
async fn a_scoped_admin_naming_a_number_another_client_routes_is_not_told_whose_it_is() {
    let app = spawn_app().await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;

    let (status, refusal) = app
        .api("PUT", HARBOR_RULES, Some(&harbor), Some(harbor_rules_with(ACME)))
        .await;

    assert_eq!(status, 422, "{refusal}");
    let message = refusal["error"]["details"][0]["message"].as_str().unwrap();
    assert_eq!(message, format!("number {ACME} is not one of this business's numbers"));
    assert!(!refusal.to_string().to_lowercase().contains("acme"), "{refusal}");
}

#[tokio::test]
async fn a_global_admin_releases_a_reserved_number_and_another_client_may_then_name_it() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake, Options::default()).await;
    let acme = app.admin_token(Some("acme-dental")).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let global = app.admin_token(None).await;
    let request = json!({ "client": "acme-dental", "phone_number": NUMBER });
    assert_eq!(
        app.api("POST", "/api/twilio/purchase-number", Some(&acme), Some(request))
            .await
            .0,
        200
    );
    let release = format!("/api/twilio/purchased-numbers/{}", NUMBER.replace('+', "%2B"));

    let (by_scoped, _) = app.api("DELETE", &release, Some(&acme), None).await;
    let (refused, _) = app
        .api("PUT", HARBOR_RULES, Some(&harbor), Some(harbor_rules_with(NUMBER)))
        .await;
    let (released, _) = app.api("DELETE", &release, Some(&global), None).await;
    let (saved, body) = app
        .api("PUT", HARBOR_RULES, Some(&harbor), Some(harbor_rules_with(NUMBER)))
        .await;
    let (again, _) = app.api("DELETE", &release, Some(&global), None).await;

    assert_eq!(by_scoped, 403, "a scoped token may not release");
    assert_eq!(refused, 422, "still reserved for Acme");
    assert_eq!(released, 204);
    assert_eq!(saved, 200, "released, Harbor may route it: {body}");
    assert_eq!(again, 404, "nothing reserved any more");
    let (_, audit) = app
        .api("GET", "/api/audit?client=acme-dental", Some(&global), None)
        .await;
    assert!(audit.to_string().contains("number.release"), "{audit}");
}
