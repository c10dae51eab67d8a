//! Twilio retries callbacks and delivers them out of order: the record must end the same.

use crate::helpers::*;

const CALL: &str = "CA00000000000000000000000000000f01";
const REC: &str = "RE00000000000000000000000000000f02";

#[tokio::test]
async fn duplicate_and_out_of_order_callbacks_end_in_one_consistent_record() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    let vm = app.call(CALL, ACME).await;
    let record = vm.first("Record");
    let (done, recording_cb, transcription_cb) = (
        record.attr("action").unwrap().to_owned(),
        record.attr("recordingStatusCallback").unwrap().to_owned(),
        record.attr("transcribeCallback").unwrap().to_owned(),
    );
    let transcript = [
        ("CallSid", CALL),
        ("RecordingSid", REC),
        ("TranscriptionSid", "TR00000000000000000000000000000f03"),
        ("TranscriptionText", "Please call me back."),
        ("TranscriptionStatus", "completed"),
    ];
    let completed = [
        ("CallSid", CALL),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "completed"),
        ("CallDuration", "40"),
    ];
    let late_ringing = [
        ("CallSid", CALL),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "ringing"),
    ];
    let recording = [
        ("CallSid", CALL),
        ("RecordingSid", REC),
        (
            "RecordingUrl",
            "https://api.twilio.com/x/RE00000000000000000000000000000f02",
        ),
        ("RecordingDuration", "21"),
        ("RecordingStatus", "completed"),
    ];

    // Transcript first, status before the recording, everything twice, a stale `ringing` last.
    for _ in 0..2 {
        assert_eq!(app.post(&transcription_cb, &transcript).await.status, 204);
        assert_eq!(app.post("/twilio/voice/status", &completed).await.status, 204);
        assert_eq!(app.post(&recording_cb, &recording).await.status, 204);
        assert_eq!(app.post(&done, &recording).await.status, 200);
        assert_eq!(app.post("/twilio/voice/status", &late_ringing).await.status, 204);
    }

    let detail = app.call_detail(CALL).await;
    assert_eq!(detail.call.status, "completed", "a final status never goes back");
    assert_eq!(detail.call.outcome.as_deref(), Some("voicemail"));
    assert_eq!(detail.call.duration, Some(40));
    let [r] = detail.recordings.as_slice() else {
        panic!("one recording, got {:?}", detail.recordings)
    };
    assert_eq!((r.duration, r.status.as_deref()), (Some(21), Some("completed")));
    assert_eq!(r.transcription_text.as_deref(), Some("Please call me back."));
}

#[tokio::test]
async fn a_status_for_a_call_we_never_saw_creates_its_record() {
    let app = spawn_app().await;
    let status = app
        .post(
            "/twilio/voice/status",
            &[
                ("CallSid", CALL),
                ("From", CALLER),
                ("To", ACME),
                ("CallStatus", "no-answer"),
                ("Direction", "inbound"),
            ],
        )
        .await;
    assert_eq!(status.status, 204);
    let detail = app.call_detail(CALL).await;
    assert_eq!(detail.call.client_id.as_deref(), Some("acme-dental"));
    assert_eq!(detail.call.status, "no-answer");
    assert_eq!(detail.call.outcome.as_deref(), Some("missed"));
}

#[tokio::test]
async fn a_call_whose_status_came_first_gets_its_routing_facts_from_the_incoming_webhook() {
    let app = spawn_app().await;
    let status = [
        ("CallSid", CALL),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ];
    assert_eq!(app.post("/twilio/voice/status", &status).await.status, 204);
    let before = app.call_detail(CALL).await.call;
    assert_eq!((before.rules_version, before.trace), (None, None));

    app.call(CALL, ACME).await.assert_twiml();
    let after = app.call_detail(CALL).await.call;
    assert_eq!(after.client_id.as_deref(), Some("acme-dental"));
    assert!(after.rules_version.is_some());
    assert!(
        after.trace.is_some_and(|t| t.contains("In turn:")),
        "the decision's trace is kept"
    );
}

#[tokio::test]
async fn a_retried_incoming_webhook_keeps_one_call_record() {
    let app = spawn_app().await;
    let a = app.call(CALL, ACME).await;
    let b = app.call(CALL, ACME).await;
    a.assert_twiml();
    b.assert_twiml();
    let detail = app.call_detail(CALL).await;
    assert_eq!(detail.call.status, "ringing");
    assert_eq!(detail.legs.len(), 1, "the retry rang the same leg: {:?}", detail.legs);
}
