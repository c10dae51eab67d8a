//! Clients' own Twilio accounts: validated against the fake Twilio, stored encrypted, shown
//! masked, used for the client's messages and for the signatures of its webhooks.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::alerts::share_clock;
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const KEY: &str = "5c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba1";
const ACME_SID: &str = "AC22222222222222222222222222222222";
const ACME_TOKEN: &str = "7f3e9c1b5d2a4f6e8c0b1a2d3c4e5f60";
const HARBOR_SID: &str = "AC33333333333333333333333333333333";
const HARBOR_TOKEN: &str = "9a8b7c6d5e4f30211f2e3d4c5b6a7988";
const ACCOUNT: &str = "/api/clients/acme-dental/twilio-account";
const PATIENT: &str = "+12125550188";

async fn fake() -> FakeTwilio {
    FakeTwilio::with_accounts(&[
        (TEST_ACCOUNT_SID, TEST_TOKEN),
        (ACME_SID, ACME_TOKEN),
        (HARBOR_SID, HARBOR_TOKEN),
    ])
    .await
}

async fn spawn(fake: &FakeTwilio, options: Options) -> TestApp {
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        secret_key: Some(KEY),
        ..options
    })
    .await;
    share_clock(fake, &app);
    app
}

fn credentials(sid: &str, token: &str) -> Option<Value> {
    Some(json!({ "account_sid": sid, "auth_token": token }))
}

async fn store_acme(app: &TestApp, admin: &str) {
    let (status, body) = app
        .api("PUT", ACCOUNT, Some(admin), credentials(ACME_SID, ACME_TOKEN))
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn send_sms(app: &TestApp, admin: &str, client: &str) {
    let request = json!({ "client": client, "to": PATIENT, "body": format!("hello from {client}") });
    let (status, body) = app
        .api("POST", "/api/twilio/send-sms", Some(admin), Some(request))
        .await;
    assert_eq!(status, 202, "{body}");
}

fn call_params<'a>(sid: &'a str, to: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AccountSid", sid),
        ("CallSid", "CA0000000000000000000000000000c0a1"),
        ("From", CALLER),
        ("To", to),
        ("Direction", "inbound"),
    ]
}

/// A call to `to` as Twilio would post it for account `sid`, signed with `token`.
async fn call_signed(app: &TestApp, sid: &str, token: &str, to: &str) -> Answer {
    let mut params = call_params(sid, to);
    params.push(("CallStatus", "ringing"));
    app.post_signed_with(token, "/twilio/voice", &params).await
}

#[tokio::test]
async fn valid_credentials_are_stored_and_only_the_masked_token_is_ever_shown() {
    let fake = fake().await;
    let app = spawn(&fake, Options::default()).await;
    let admin = app.admin_token(None).await;

    let (status, stored) = app
        .api("PUT", ACCOUNT, Some(&admin), credentials(ACME_SID, ACME_TOKEN))
        .await;
    assert_eq!(status, 200, "{stored}");
    let (status, shown) = app.api("GET", ACCOUNT, Some(&admin), None).await;
    assert_eq!(status, 200, "{shown}");

    assert_eq!(shown, stored);
    assert_eq!(shown["account_sid"], ACME_SID);
    assert_eq!(shown["auth_token"], "••••••••5f60");
    assert_eq!(shown["token_readable"], true);
    assert!(shown["validated_at"].is_string(), "{shown}");
    let (_, audit) = app.api("GET", "/api/audit", Some(&admin), None).await;
    assert_eq!(audit[0]["action"], "twilio_account.set");
    for text in [stored.to_string(), audit.to_string()] {
        assert!(
            !text.contains(ACME_TOKEN) && !text.contains(&ACME_TOKEN[..12]),
            "{text}"
        );
    }
}

#[tokio::test]
async fn credentials_twilio_refuses_are_not_stored() {
    let fake = fake().await;
    let app = spawn(&fake, Options::default()).await;
    let admin = app.admin_token(None).await;

    let (status, body) = app
        .api("PUT", ACCOUNT, Some(&admin), credentials(ACME_SID, HARBOR_TOKEN))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_credentials");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("error 20003"),
        "{body}"
    );
    assert!(!body.to_string().contains(HARBOR_TOKEN));

    let (status, body) = app
        .api("PUT", ACCOUNT, Some(&admin), credentials("AC123", ACME_TOKEN))
        .await;
    assert_eq!(status, 400, "a malformed SID never reaches Twilio: {body}");
    let (status, _) = app.api("GET", ACCOUNT, Some(&admin), None).await;
    assert_eq!(status, 404, "nothing was stored");
}

#[tokio::test]
async fn without_a_secret_key_credentials_are_refused() {
    let fake = fake().await;
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let admin = app.admin_token(None).await;
    let (status, body) = app
        .api("PUT", ACCOUNT, Some(&admin), credentials(ACME_SID, ACME_TOKEN))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no SWITCHBOARD_SECRET_KEY"),
        "{body}"
    );
    let (status, _) = app.api("GET", ACCOUNT, Some(&admin), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_stored_token_cannot_be_read_in_the_database() {
    let fake = fake().await;
    let app = spawn(&fake, Options::default()).await;
    store_acme(&app, &app.admin_token(None).await).await;

    let row = app
        .row("SELECT account_sid, token_encrypted FROM client_accounts")
        .await;
    let sid: String = row.try_get("", "account_sid").unwrap();
    let sealed: String = row.try_get("", "token_encrypted").unwrap();
    assert_eq!(sid, ACME_SID);
    assert!(!sealed.contains(ACME_TOKEN), "{sealed}");
    let raw = base64::engine::general_purpose::STANDARD.decode(&sealed).unwrap();
    assert!(!contains(&raw, ACME_TOKEN), "nonce || ciphertext, not the token");

    if let Some(path) = app.database_url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap();
        let mut bytes = std::fs::read(file).unwrap();
        bytes.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
        assert!(
            contains(&bytes, ACME_SID),
            "these are the files the account was written to"
        );
        assert!(
            !contains(&bytes, ACME_TOKEN),
            "the token is nowhere in the database files"
        );
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_voicemail_alert_for_the_client_goes_through_its_own_account() {
    let fake = fake().await;
    let app = spawn(
        &fake,
        Options {
            at: new_york(2026, 12, 1, 20, 0),
            ..Options::default()
        },
    )
    .await;
    let admin = app.admin_token(None).await;
    store_acme(&app, &admin).await;
    voicemail(
        &app,
        "CA0000000000000000000000000000c0b1",
        "RE0000000000000000000000000000c0b1",
        "12",
    )
    .await;
    send_sms(&app, &admin, "harbor-plumbing").await;

    app.advance(31);
    app.drain_outbox().await;
    let accounts: Vec<(String, String)> = (fake.accepted().into_iter())
        .map(|m| (m.account_sid, m.body.chars().take(14).collect()))
        .collect();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    for (sid, body) in &accounts {
        let expected = if body.starts_with("Voicemail") {
            ACME_SID
        } else {
            TEST_ACCOUNT_SID
        };
        assert_eq!(sid, expected, "{accounts:?}");
    }
}

#[tokio::test]
async fn a_webhook_to_the_clients_number_is_accepted_only_with_the_clients_token() {
    let fake = fake().await;
    let app = spawn(&fake, Options::default()).await;
    let admin = app.admin_token(None).await;
    store_acme(&app, &admin).await;

    call_signed(&app, ACME_SID, ACME_TOKEN, ACME).await.assert_twiml();
    assert_eq!(call_signed(&app, ACME_SID, TEST_TOKEN, ACME).await.status, 403);
    assert_eq!(call_signed(&app, ACME_SID, HARBOR_TOKEN, ACME).await.status, 403);
    assert_eq!(
        call_signed(&app, ACME_SID, ACME_TOKEN, HARBOR).await.status,
        403,
        "a client's token never speaks for another client's number"
    );
    call_signed(&app, TEST_ACCOUNT_SID, TEST_TOKEN, ACME)
        .await
        .assert_twiml();
    let mut call_to_harbor = call_params(ACME_SID, HARBOR);
    let pretending = app
        .post_signed_with(ACME_TOKEN, "/twilio/voice?client=acme-dental", &call_to_harbor)
        .await;
    assert_eq!(
        pretending.status, 403,
        "a URL naming the client does not change whose number was called"
    );
    call_to_harbor.push(("CallStatus", "completed"));
    let leg = "/twilio/voice/status?client=acme-dental&number=%2B442079460123&step=0&version=1";
    let unrelated = app.post_signed_with(ACME_TOKEN, leg, &call_to_harbor).await;
    assert_eq!(
        unrelated.status, 403,
        "without a call of Acme's it is a leg of, a status naming Harbor's number is Harbor's"
    );
    call_to_harbor[1] = ("CallSid", "CA0000000000000000000000000000c0a2");
    call_to_harbor.push(("ParentCallSid", "CA0000000000000000000000000000c0a1"));
    let answered = app.post_signed_with(ACME_TOKEN, leg, &call_to_harbor).await;
    assert_eq!(answered.status, 204, "a leg of Acme's call may ring anyone's number");

    let (status, _) = app.api("DELETE", ACCOUNT, Some(&admin), None).await;
    assert_eq!(status, 204);
    assert_eq!(call_signed(&app, ACME_SID, ACME_TOKEN, ACME).await.status, 403);
}

#[tokio::test]
async fn an_account_stored_through_another_process_signs_webhooks_there_too() {
    let fake = fake().await;
    let database = crate::database::TestDb::new().await;
    let options = || Options {
        database: Some(database.url.clone()),
        ..Options::default()
    };
    let first = spawn(&fake, options()).await;
    let second = spawn(&fake, options()).await;
    store_acme(&first, &first.admin_token(None).await).await;
    call_signed(&second, ACME_SID, ACME_TOKEN, ACME).await.assert_twiml();
}

#[tokio::test]
async fn in_local_mode_a_client_with_its_own_account_sends_through_twilio_and_only_its_token_signs_for_it() {
    let fake = fake().await;
    let app = spawn(
        &fake,
        Options {
            without_server_account: true,
            ..Options::default()
        },
    )
    .await;
    let admin = app.admin_token(None).await;
    store_acme(&app, &admin).await;

    let local = switchboard::app::settings::LOCAL_AUTH_TOKEN;
    let local_sid = switchboard::app::settings::LOCAL_ACCOUNT_SID;
    assert_eq!(call_signed(&app, local_sid, local, ACME).await.status, 403);
    let mut to_vet = call_params(local_sid, VET);
    to_vet[1] = ("CallSid", "CA0000000000000000000000000000c0a3");
    to_vet.push(("CallStatus", "ringing"));
    app.post_signed_with(local, "/twilio/voice", &to_vet)
        .await
        .assert_twiml();
    call_signed(&app, ACME_SID, ACME_TOKEN, ACME).await.assert_twiml();

    send_sms(&app, &admin, "acme-dental").await;
    send_sms(&app, &admin, "sunrise-vet").await;
    app.drain_outbox().await;
    let sent: Vec<String> = fake.accepted().into_iter().map(|m| m.account_sid).collect();
    assert_eq!(sent, [ACME_SID]);
    let vet = app.outbox("sunrise-vet").await;
    assert!(
        vet[0].state == "sent" && vet[0].message_sid.as_deref().unwrap().starts_with("SMlocal"),
        "{vet:?}"
    );
}

#[tokio::test]
async fn another_clients_admin_gets_404_on_the_account_routes() {
    let fake = fake().await;
    let app = spawn(&fake, Options::default()).await;
    store_acme(&app, &app.admin_token(None).await).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    for (method, body) in [
        ("GET", None),
        ("PUT", credentials(HARBOR_SID, HARBOR_TOKEN)),
        ("DELETE", None),
    ] {
        let (status, answer) = app.api(method, ACCOUNT, Some(&harbor), body).await;
        assert_eq!(status, 404, "{method}: {answer}");
    }
    let acme = app.admin_token(Some("acme-dental")).await;
    let (status, shown) = app.api("GET", ACCOUNT, Some(&acme), None).await;
    assert_eq!((status, shown["account_sid"].as_str()), (200, Some(ACME_SID)));
}

#[tokio::test]
async fn a_client_whose_credentials_twilio_refuses_does_not_hold_up_another_clients_messages() {
    let fake = fake().await;
    let app = spawn(&fake, Options::default()).await;
    let admin = app.admin_token(None).await;
    store_acme(&app, &admin).await;
    fake.rotate_token(ACME_SID, "0000111122223333444455556666aaaa");

    send_sms(&app, &admin, "acme-dental").await;
    send_sms(&app, &admin, "acme-dental").await;
    send_sms(&app, &admin, "harbor-plumbing").await;
    app.drain_outbox().await;

    let acme: Vec<(String, Option<i64>)> = (app.outbox("acme-dental").await.into_iter())
        .map(|r| (r.state, r.error_code))
        .collect();
    assert_eq!(
        acme,
        [("failed".to_owned(), Some(20003)), ("failed".to_owned(), Some(20003))]
    );
    assert_eq!(app.outbox("harbor-plumbing").await[0].state, "sent");
    let sent: Vec<String> = fake.accepted().into_iter().map(|m| m.account_sid).collect();
    assert_eq!(sent, [TEST_ACCOUNT_SID]);

    let (status, report) = app.api("GET", "/api/twilio/status", Some(&admin), None).await;
    assert_eq!(status, 200, "{report}");
    let accounts = report["accounts"].as_array().unwrap();
    let summary: Vec<(Value, Value, Value, Value)> = (accounts.iter())
        .map(|a| {
            (
                a["client"].clone(),
                a["account_sid"].clone(),
                a["ok"].clone(),
                a["error_code"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Value::Null, json!(TEST_ACCOUNT_SID), json!(true), Value::Null),
            (json!("acme-dental"), json!(ACME_SID), json!(false), json!(20003)),
        ]
    );
    let acme = app.admin_token(Some("acme-dental")).await;
    let (_, mine) = app.api("GET", "/api/twilio/status", Some(&acme), None).await;
    assert_eq!(mine["accounts"].as_array().unwrap().len(), 1, "only its own: {mine}");
    assert_eq!(mine["accounts"][0]["client"], "acme-dental");
}
