//! Conversations over the API: texts by the other party's number, both ways, with MMS media
//! passed on from Twilio, paged, found by a number in any common format, and another
//! client's refused.

use serde_json::{json, Value};

use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const ANNA: &str = "+12125550188";
const BEN: &str = "+12125550177";
const CARD: &[u8] = b"\xff\xd8\xff\xe0 a picture of an insurance card";

async fn spawn(fake: &FakeTwilio) -> TestApp {
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        // After hours, so a call leaves a voicemail that alerts the staff.
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    crate::alerts::share_clock(fake, &app);
    app
}

/// A text from `from` to Acme, signed as Twilio signs it; `media` is (address, type).
async fn text_in(app: &TestApp, sid: &str, from: &str, body: &str, media: Option<(&str, &str)>) {
    let mut params = vec![
        ("MessageSid", sid),
        ("From", from),
        ("To", ACME),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    if let Some((url, kind)) = media {
        params.retain(|(k, _)| *k != "NumMedia");
        params.extend([("NumMedia", "1"), ("MediaUrl0", url), ("MediaContentType0", kind)]);
    }
    app.post("/twilio/sms", &params).await.assert_twiml();
}

async fn send(app: &TestApp, token: &str, to: &str, body: &str) -> (u16, Value) {
    let request = json!({ "client": "acme-dental", "to": to, "body": body });
    app.api("POST", "/api/twilio/send-sms", Some(token), Some(request))
        .await
}

/// Anna texts, Ben sends a picture, an admin answers Anna; a voicemail alerts the staff.
async fn exchange(app: &TestApp, fake: &FakeTwilio, token: &str) -> String {
    text_in(
        app,
        "SM000000000000000000000000000c0001",
        ANNA,
        "Can I move my appointment?",
        None,
    )
    .await;
    app.advance(60);
    let media = fake.add_media(
        "MM000000000000000000000000000c0002",
        "ME000000000000000000000000000c0002",
        "image/jpeg",
        CARD,
    );
    let mms = Some((media.as_str(), "image/jpeg"));
    text_in(app, "MM000000000000000000000000000c0002", BEN, "Here is my card", mms).await;
    app.advance(60);
    assert_eq!(send(app, token, ANNA, "Yes: Thursday at 3?").await.0, 202);
    voicemail(
        app,
        "CA000000000000000000000000000c0003",
        "RE000000000000000000000000000c0003",
        "9",
    )
    .await;
    app.drain_outbox().await;
    media
}

#[tokio::test]
async fn texts_are_grouped_by_number_latest_first_without_the_staffs_alerts() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    let token = app.admin_token(Some("acme-dental")).await;
    exchange(&app, &fake, &token).await;
    let alerts = app.outbox("acme-dental").await;
    assert!(
        alerts.iter().any(|m| m.purpose.starts_with("voicemail")),
        "the voicemail alerts the staff: {alerts:?}"
    );

    let (status, page) = app
        .api("GET", "/api/clients/acme-dental/conversations", Some(&token), None)
        .await;

    assert_eq!(status, 200, "{page}");
    let list = page["conversations"].as_array().unwrap();
    let numbers: Vec<&str> = list.iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, [ANNA, BEN], "latest first, and no assistant: {page}");
    let anna = &list[0];
    assert_eq!(anna["last"]["direction"], "sent");
    assert_eq!(anna["last"]["body"], "Yes: Thursday at 3?");
    assert_eq!(anna["last"]["state"], "sent");
    assert_eq!((anna["received"].as_u64(), anna["sent"].as_u64()), (Some(1), Some(2)));
    assert_eq!(anna["unanswered"], false, "an admin answered");
    let ben = &list[1];
    assert_eq!(ben["unanswered"], true, "the automatic reply answers nobody: {ben}");
    assert!(page["next"].is_null());
}

#[tokio::test]
async fn conversations_page_by_cursor() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    let token = app.admin_token(Some("acme-dental")).await;
    exchange(&app, &fake, &token).await;
    let path = "/api/clients/acme-dental/conversations?limit=1";

    let (_, first) = app.api("GET", path, Some(&token), None).await;
    let next = first["next"].as_str().expect("a next page");
    let (_, second) = app
        .api("GET", &format!("{path}&cursor={next}"), Some(&token), None)
        .await;

    assert_eq!(first["conversations"][0]["number"], ANNA);
    assert_eq!(second["conversations"][0]["number"], BEN);
    assert_eq!(second["conversations"].as_array().unwrap().len(), 1);
    assert!(second["next"].is_null(), "{second}");
    let (status, _) = app
        .api("GET", &format!("{path}&cursor=nonsense"), Some(&token), None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_conversation_found_by_its_national_number_shows_both_ways_and_its_picture() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    let token = app.admin_token(Some("acme-dental")).await;
    exchange(&app, &fake, &token).await;

    let (status, ben) = app
        .api(
            "GET",
            "/api/clients/acme-dental/conversations/(212)%20555-0177",
            Some(&token),
            None,
        )
        .await;

    assert_eq!(status, 200, "{ben}");
    assert_eq!(ben["number"], BEN);
    assert_eq!(ben["opted_out"], false);
    let texts = ben["texts"].as_array().unwrap();
    let directions: Vec<&str> = texts.iter().map(|t| t["direction"].as_str().unwrap()).collect();
    assert_eq!(
        directions,
        ["sent", "received"],
        "the automatic reply after the text: {ben}"
    );
    let received = &texts[1];
    assert_eq!(received["body"], "Here is my card");
    assert_eq!(received["media"][0]["content_type"], "image/jpeg");
    let url = received["media"][0]["url"].as_str().unwrap();
    let (http, base) = app.raw();
    let picture = http
        .get(format!("{base}{url}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(picture.status(), 200);
    assert_eq!(picture.headers()["content-type"], "image/jpeg");
    assert_eq!(picture.headers()["x-content-type-options"], "nosniff");
    assert_eq!(picture.bytes().await.unwrap().as_ref(), CARD);
}

#[tokio::test]
async fn a_conversation_pages_back_to_its_first_text() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    let token = app.admin_token(Some("acme-dental")).await;
    exchange(&app, &fake, &token).await;
    let path = "/api/clients/acme-dental/conversations/+12125550188?limit=2";

    let (_, first) = app.api("GET", path, Some(&token), None).await;
    let next = first["next"].as_str().expect("earlier texts");
    let (_, second) = app
        .api("GET", &format!("{path}&cursor={next}"), Some(&token), None)
        .await;

    let bodies = |page: &Value| -> Vec<String> {
        page["texts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| format!("{} {}", t["direction"].as_str().unwrap(), t["body"].as_str().unwrap()))
            .collect()
    };
    let first = bodies(&first);
    assert_eq!(first[0], "sent Yes: Thursday at 3?");
    assert!(
        first[1].starts_with("sent Thanks for texting Acme Dental."),
        "{first:?}"
    );
    assert_eq!(bodies(&second), ["received Can I move my appointment?"]);
    assert!(second["next"].is_null());
}

#[tokio::test]
async fn another_clients_token_gets_404_for_its_conversations_and_pictures() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    let acme = app.admin_token(Some("acme-dental")).await;
    exchange(&app, &fake, &acme).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;

    for path in [
        "/api/clients/acme-dental/conversations",
        "/api/clients/acme-dental/conversations/+12125550177",
        "/api/messages/received/MM000000000000000000000000000c0002/media/0",
    ] {
        let (status, body) = app.api("GET", path, Some(&harbor), None).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.to_string().contains("card"), "{path}: {body}");
    }
    let (status, _) = app
        .api("GET", "/api/clients/harbor-plumbing/conversations", Some(&harbor), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .api(
            "GET",
            "/api/messages/received/MM000000000000000000000000000c0002/media/1",
            Some(&acme),
            None,
        )
        .await;
    assert_eq!(status, 404, "no second attachment");
}

#[tokio::test]
async fn a_number_that_replied_stop_is_refused_at_once_in_words() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    let token = app.admin_token(Some("acme-dental")).await;
    text_in(&app, "SM000000000000000000000000000c0004", ANNA, "STOP", None).await;

    let (status, refused) = send(&app, &token, ANNA, "Are you still coming?").await;

    assert_eq!(status, 409, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "(212) 555-0188 replied STOP, so no texts can be sent to it until it texts START"
    );
    let (_, anna) = app
        .api(
            "GET",
            "/api/clients/acme-dental/conversations/2125550188",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(anna["opted_out"], true);
    assert_eq!(anna["texts"].as_array().unwrap().len(), 1, "only the STOP: {anna}");
    app.drain_outbox().await;
    assert!(fake.accepted().is_empty());
}

#[tokio::test]
async fn a_number_that_is_not_one_is_refused_in_words() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    let (status, body) = app
        .api(
            "GET",
            "/api/clients/acme-dental/conversations/call-me",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a valid phone number"),
        "{body}"
    );
}
