//! Calls the office places (click-to-call): recorded as the office's call to the customer,
//! answered by the assistant it rang first, with its recording and status, counted apart
//! from callers' calls, and shown in the console as placed by the office.

use serde_json::json;

use crate::console::{get, sign_in};
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const CUSTOMER: &str = "+12125550188";
const JOHN: &str = "+12125550112";

#[tokio::test]
async fn a_click_to_call_is_recorded_as_the_offices_call_to_the_customer() {
    let fake = FakeTwilio::start().await;
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 10, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    crate::alerts::share_clock(&fake, &app);
    let token = app.admin_token(Some("acme-dental")).await;
    let request = json!({ "client": "acme-dental", "assistant": "john", "to": CUSTOMER });
    let (status, body) = app
        .api("POST", "/api/twilio/make-call", Some(&token), Some(request))
        .await;
    assert_eq!(status, 202, "{body}");
    app.drain_outbox().await;
    let sid = fake.calls()[0].sid.clone();

    // Recorded once Twilio placed it: the customer is the other party, John answered it.
    let call = app.call_detail(&sid).await.call;
    assert_eq!(
        (
            call.direction.as_str(),
            call.from_number.as_str(),
            call.to_number.as_str()
        ),
        ("outbound-api", ACME, CUSTOMER)
    );
    assert_eq!(call.answered_by.as_deref(), Some("john"));
    assert_eq!(call.status, "queued");

    // Twilio reports the call to John's phone; the record keeps the customer.
    let ended = [
        ("CallSid", sid.as_str()),
        ("From", ACME),
        ("To", JOHN),
        ("CallStatus", "completed"),
        ("Direction", "outbound-api"),
        ("CallDuration", "95"),
    ];
    assert_eq!(app.post("/twilio/voice/status", &ended).await.status, 204);
    let recorded = [
        ("CallSid", sid.as_str()),
        ("RecordingSid", "RE00000000000000000000000000000c01"),
        (
            "RecordingUrl",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE00000000000000000000000000000c01",
        ),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "80"),
    ];
    let path = "/twilio/voice/recording?client=acme-dental&kind=call";
    assert_eq!(app.post(path, &recorded).await.status, 204);
    let detail = app.call_detail(&sid).await;
    assert_eq!(
        (
            detail.call.to_number.as_str(),
            detail.call.status.as_str(),
            detail.call.duration
        ),
        (CUSTOMER, "completed", Some(95))
    );
    assert_eq!(detail.call.answered_by.as_deref(), Some("john"));
    assert_eq!(detail.call.outcome, None, "a placed call is never missed");
    assert_eq!(detail.recordings.len(), 1);

    // Found by the customer's number.
    let (_, found) = app.api("GET", "/api/calls?caller=2125550188", Some(&token), None).await;
    assert!(found.to_string().contains(&sid), "{found}");

    // Counted as placed by the office, not as a caller's call.
    let stats = "/api/clients/acme-dental/stats?since=2026-12-01T00:00:00Z&until=2026-12-02T00:00:00Z";
    let (_, stats) = app.api("GET", stats, Some(&token), None).await;
    assert_eq!(
        (stats["outbound"].as_u64(), stats["inbound"].as_u64()),
        (Some(1), Some(0)),
        "{stats}"
    );

    // The console says who placed it and whom it called.
    let (cookie, _) = sign_in(&app, &token).await;
    let (_, list) = get(&app, "/admin/calls?client=acme-dental", Some(&cookie)).await;
    assert!(list.contains("Placed by the office to"), "{list}");
    assert!(list.contains("(212) 555-0188"), "{list}");
    let (_, page) = get(&app, &format!("/admin/calls/{sid}"), Some(&cookie)).await;
    assert!(page.contains("Call to"), "{page}");
    assert!(page.contains("Placed by the office"), "{page}");
    assert!(page.contains("John"), "{page}");
}
