//! The client against the fake Twilio (tests/api/fake_twilio.rs): every way a send can end, and
//! the token kept out of every error.

use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use secrecy::SecretString;
use serde_json::Value;

use super::*;

#[path = "../../../tests/api/fake_twilio.rs"]
mod fake_twilio;
use fake_twilio::{FakeTwilio, Step};

pub(super) const SID: &str = "AC00000000000000000000000000000001";
const TOKEN: &str = "f00dfeedf00dfeedf00dfeedf00dfeed";
pub(super) const TO: &str = "+15557654321";
pub(super) const FROM: &str = "+12125550100";

pub(super) fn account() -> Account {
    Account {
        sid: SID.into(),
        token: SecretString::from(TOKEN),
    }
}

fn client(fake: &FakeTwilio) -> TwilioClient {
    TwilioClient::new(fake.url.clone(), Duration::from_secs(5))
}

pub(super) fn sms(body: &str) -> NewMessage<'_> {
    NewMessage {
        to: TO,
        from: FROM,
        body,
        media_urls: &[],
        status_callback: None,
    }
}

/// Sends one message that the fake answers with `step`, and checks the token stayed secret.
async fn send_with(step: Step) -> (SendError, FakeTwilio) {
    let fake = FakeTwilio::start().await;
    fake.script(vec![step]);
    let error = client(&fake)
        .send_message(&account(), &sms("Voicemail"))
        .await
        .unwrap_err();
    assert_keeps_the_token_secret(&error);
    (error, fake)
}

fn assert_keeps_the_token_secret(error: &SendError) {
    let shown = format!("{error:?} {error}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

#[test]
fn account_debug_shows_the_sid_and_never_the_token() {
    let shown = format!("{:?}", account());
    assert!(shown.contains(SID) && !shown.contains(TOKEN), "{shown}");
}

#[tokio::test]
async fn an_accepted_message_parses_sid_segments_and_price() {
    let fake = FakeTwilio::start().await;
    let media = vec!["https://switchboard.example.test/media/1.png".to_owned()];
    let body = "x".repeat(200);
    let msg = NewMessage {
        media_urls: &media,
        status_callback: Some("https://cb.example.test/sms"),
        ..sms(&body)
    };
    let sent = client(&fake).send_message(&account(), &msg).await.unwrap();
    assert!(sent.sid.starts_with("SM") && sent.status == "queued", "{sent:?}");
    assert_eq!(
        (sent.segments(), sent.price.as_deref(), sent.error_code),
        (Some(2), None, None)
    );
    assert!(sent
        .created_at()
        .is_some_and(|at| (Utc::now() - at).abs() < TimeDelta::minutes(1)));
    let [accepted] = &fake.accepted()[..] else {
        panic!("{:?}", fake.accepted())
    };
    assert_eq!(
        (
            accepted.account_sid.as_str(),
            accepted.to.as_str(),
            accepted.from.as_str()
        ),
        (SID, TO, FROM)
    );
    assert_eq!(
        (accepted.body.as_str(), accepted.sid.as_str()),
        (body.as_str(), sent.sid.as_str())
    );
    assert_eq!(
        (&accepted.media_urls, accepted.status_callback.as_deref()),
        (&media, msg.status_callback)
    );
    let (account, since) = (account(), Utc::now() - TimeDelta::minutes(1));
    let listed = client(&fake)
        .find_recent_message(&account, TO, FROM, &body, since)
        .await
        .unwrap();
    assert_eq!(listed.and_then(|m| m.price).as_deref(), Some("-0.01580"));
}

#[tokio::test]
async fn too_many_requests_is_retryable_after_the_time_twilio_asks_for() {
    let (error, fake) = send_with(Step::Status {
        status: 429,
        code: Some(20429),
        retry_after: Some("1"),
    })
    .await;
    let SendError::Retryable { retry_after, reason } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(1)));
    assert!(reason.contains("20429"), "{reason}");
    assert_eq!((fake.requests(), fake.accepted().len(), error.code()), (1, 0, None));
}

#[tokio::test]
async fn service_unavailable_is_retryable() {
    let (error, _) = send_with(Step::Status {
        status: 503,
        code: None,
        retry_after: None,
    })
    .await;
    assert!(
        matches!(error, SendError::Retryable { retry_after: None, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_invalid_number_or_an_opted_out_recipient_is_rejected_with_its_code() {
    for code in [21211, 21610] {
        let (error, fake) = send_with(Step::Status {
            status: 400,
            code: Some(code),
            retry_after: None,
        })
        .await;
        assert!(matches!(error, SendError::Rejected { status: 400, .. }), "{error:?}");
        assert_eq!((error.code(), fake.accepted().len()), (Some(code), 0));
    }
}

#[tokio::test]
async fn a_server_error_other_than_503_is_ambiguous() {
    let (error, _) = send_with(Step::Status {
        status: 500,
        code: Some(20500),
        retry_after: None,
    })
    .await;
    assert!(matches!(error, SendError::Ambiguous { .. }), "{error:?}");
}

#[tokio::test]
async fn wrong_credentials_are_rejected_with_20003_and_right_ones_fetch_an_active_account() {
    let fake = FakeTwilio::with_accounts(&[(SID, "the-right-token")]).await;
    let client = client(&fake);
    let error = client.send_message(&account(), &sms("hi")).await.unwrap_err();
    assert!(
        matches!(
            error,
            SendError::Rejected {
                status: 401,
                code: Some(20003),
                ..
            }
        ),
        "{error:?}"
    );
    assert_keeps_the_token_secret(&error);
    let error = client.fetch_account(&account()).await.unwrap_err();
    assert_eq!(error.code(), Some(20003));
    let right = Account {
        token: SecretString::from("the-right-token"),
        ..account()
    };
    let found = client.fetch_account(&right).await.unwrap();
    assert_eq!((found.sid.as_str(), found.status.as_str()), (SID, "active"));
    assert!(found.friendly_name.is_some());
}

#[tokio::test]
async fn a_send_that_times_out_after_twilio_accepted_it_is_ambiguous_and_the_lookup_finds_it() {
    let fake = FakeTwilio::start().await;
    let client = TwilioClient::new(fake.url.clone(), Duration::from_millis(300));
    let since = Utc::now();
    fake.script(vec![Step::AcceptThenHang(Duration::from_secs(5))]);
    let error = client
        .send_message(&account(), &sms("Voicemail from Ann"))
        .await
        .unwrap_err();
    assert!(matches!(error, SendError::Ambiguous { .. }), "{error:?}");
    assert_keeps_the_token_secret(&error);
    client
        .send_message(&account(), &sms("Voicemail from Bob"))
        .await
        .unwrap();

    let account = account();
    let find = |to, body, since| client.find_recent_message(&account, to, FROM, body, since);
    let found = find(TO, "Voicemail from Ann", since)
        .await
        .unwrap()
        .expect("the accepted message");
    assert_eq!(found.sid, fake.accepted()[0].sid);
    let later = Utc::now() + TimeDelta::minutes(5);
    let misses = [
        (TO, "Voicemail from Cy", since),
        (TO, "Voicemail from Ann", later),
        ("+15550000000", "Voicemail from Ann", since),
    ];
    for (to, body, since) in misses {
        assert_eq!(
            find(to, body, since).await.unwrap().map(|m| m.sid),
            None,
            "{to} {body} {since}"
        );
    }
}

#[tokio::test]
async fn the_lookup_compares_in_the_clock_frame_the_fake_was_given_to_the_second() {
    let fake = FakeTwilio::start().await;
    let created = Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap();
    fake.set_clock(move || created);
    let (client, account) = (client(&fake), account());
    client.send_message(&account, &sms("Missed call")).await.unwrap();
    assert_eq!(fake.accepted()[0].date_created, created);
    let find = |since| client.find_recent_message(&account, TO, FROM, "Missed call", since);
    let within_that_second = created + TimeDelta::milliseconds(900);
    assert!(
        find(within_that_second).await.unwrap().is_some(),
        "Twilio's dates have no fractions"
    );
    assert!(find(created + TimeDelta::seconds(1)).await.unwrap().is_none());
}

/// A reset after the request was written cannot tell "never read" from "done, then the
/// connection died", so it is ambiguous, like a timeout.
#[tokio::test]
async fn a_connection_reset_before_any_answer_is_ambiguous_and_the_fake_keeps_serving() {
    let (error, fake) = send_with(Step::Reset).await;
    assert!(matches!(error, SendError::Ambiguous { .. }), "{error:?}");
    assert!(fake.accepted().is_empty());
    client(&fake).send_message(&account(), &sms("again")).await.unwrap();
    assert_eq!((fake.requests(), fake.accepted().len()), (2, 1));
}

#[tokio::test]
async fn a_refused_connection_is_retryable_for_sends_and_reads() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base: Url = format!("http://{}/", listener.local_addr().unwrap()).parse().unwrap();
    drop(listener);
    let client = TwilioClient::new(base, Duration::from_secs(5));
    let send = client.send_message(&account(), &sms("hi")).await.unwrap_err();
    let read = client.fetch_account(&account()).await.unwrap_err();
    for error in [send, read] {
        assert!(
            matches!(error, SendError::Retryable { retry_after: None, .. }),
            "{error:?}"
        );
        assert_keeps_the_token_secret(&error);
    }
}

#[tokio::test]
async fn a_notification_call_sends_its_twiml_and_status_callback() {
    let fake = FakeTwilio::start().await;
    let twiml = "<Response><Say>New voicemail</Say></Response>";
    let call = NewCall {
        to: TO,
        from: FROM,
        twiml,
        status_callback: Some("https://cb.example.test/call"),
    };
    let created = client(&fake).create_call(&account(), &call).await.unwrap();
    assert!(
        created.sid.starts_with("CA") && created.status == "queued",
        "{created:?}"
    );
    let [placed] = &fake.calls()[..] else {
        panic!("{:?}", fake.calls())
    };
    assert_eq!(
        (placed.account_sid.as_str(), placed.to.as_str(), placed.from.as_str()),
        (SID, TO, FROM)
    );
    assert_eq!(
        (placed.twiml.as_str(), placed.status_callback.as_deref()),
        (twiml, call.status_callback)
    );
    assert_eq!(placed.sid, created.sid);
}

#[tokio::test]
async fn the_fake_refuses_a_field_twilio_does_not_define() {
    let fake = FakeTwilio::start().await;
    let url = fake
        .url
        .join(&format!("2010-04-01/Accounts/{SID}/Messages.json"))
        .unwrap();
    let form = [
        ("To", TO),
        ("From", FROM),
        ("Body", "hi"),
        ("StatusCallBack", "https://x.test"),
    ];
    let request = reqwest::Client::new()
        .post(url)
        .basic_auth(SID, Some(TOKEN))
        .form(&form);
    let answer: Value = serde_json::from_slice(&request.send().await.unwrap().bytes().await.unwrap()).unwrap();
    assert_eq!(
        (answer["status"].as_i64(), answer["code"].as_i64()),
        (Some(400), Some(21999))
    );
    assert_eq!(answer["message"], "unknown parameter StatusCallBack");
    assert_eq!((fake.requests(), fake.accepted().len()), (1, 0));
}
