//! Whole calls, walked as Twilio walks them.

use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::*;

const CALL: &str = "CA00000000000000000000000000000a01";

#[tokio::test]
async fn an_open_hours_call_walks_the_whole_chain_to_a_transcribed_voicemail() {
    let app = spawn_app().await;

    // Twilio asks what to do with a call on Tuesday 10:00: ring Maria, screened.
    let first = app.call(CALL, ACME).await;
    first.assert_twiml();
    assert_eq!(first.dialled(), ["+12125550111"]);
    let screen_url = first.first("Number").attr("url").expect("maria is screened").to_owned();
    let action = first.first("Dial").attr("action").unwrap().to_owned();
    assert!(
        action.starts_with(&format!("{PUBLIC_URL}/twilio/voice/next?at=")),
        "{action}"
    );

    // Maria's phone picks up: she hears the whisper, but her voicemail cannot press 1.
    let whisper = app
        .post(
            &screen_url,
            &[
                ("CallSid", "CA00000000000000000000000000000b01"),
                ("ParentCallSid", CALL),
                ("From", CALLER),
                ("To", "+12125550111"),
            ],
        )
        .await;
    whisper.assert_twiml();
    assert_eq!(whisper.verbs(), ["Gather", "Say", "Hangup"]);
    assert!(
        whisper
            .first("Say")
            .text
            .contains("Call for Acme Dental from 1 5 5 5 7 6 5 4 3 2 1"),
        "{}",
        whisper.body
    );
    assert_eq!(whisper.first("Gather").attr("action"), Some(screen_url.as_str()));

    // The whisper hung up unaccepted; Twilio reports the dial as completed: move on to John.
    let second = app
        .dial_result(&action, CALL, ACME, "completed", "CA00000000000000000000000000000b01")
        .await;
    assert_eq!(second.dialled(), ["+12125550112"]);
    let action = second.first("Dial").attr("action").unwrap().to_owned();

    // John does not answer: the answering service.
    let third = app
        .dial_result(&action, CALL, ACME, "no-answer", "CA00000000000000000000000000000b02")
        .await;
    assert_eq!(third.dialled(), ["+16465550199"]);
    assert!(
        third.first("Number").attr("url").is_none(),
        "the external number is not screened"
    );
    let action = third.first("Dial").attr("action").unwrap().to_owned();

    // Nobody there either: voicemail with transcription.
    let vm = app
        .dial_result(&action, CALL, ACME, "no-answer", "CA00000000000000000000000000000b03")
        .await;
    assert_eq!(vm.verbs(), ["Say", "Record"]);
    for answer in [&first, &whisper, &second, &third, &vm] {
        assert_sorted_queries(answer);
    }
    let record = vm.first("Record");
    assert_eq!(record.attr("transcribe"), Some("true"));
    let (done, recording_cb, transcription_cb) = (
        record.attr("action").unwrap().to_owned(),
        record.attr("recordingStatusCallback").unwrap().to_owned(),
        record.attr("transcribeCallback").unwrap().to_owned(),
    );

    let rec = [
        ("CallSid", CALL),
        ("RecordingSid", "RE00000000000000000000000000000c01"),
        (
            "RecordingUrl",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE00000000000000000000000000000c01",
        ),
        ("RecordingDuration", "14"),
        ("From", CALLER),
        ("To", ACME),
    ];
    let bye = app.post(&done, &[&rec[..], &[("Digits", "hangup")]].concat()).await;
    assert_eq!(bye.verbs(), ["Say", "Hangup"]);
    let status = app
        .post(&recording_cb, &[&rec[..], &[("RecordingStatus", "completed")]].concat())
        .await;
    assert_eq!(status.status, 204);
    let text = app
        .post(
            &transcription_cb,
            &[
                ("CallSid", CALL),
                ("RecordingSid", "RE00000000000000000000000000000c01"),
                ("TranscriptionSid", "TR00000000000000000000000000000d01"),
                (
                    "TranscriptionText",
                    "Hi, it's Sam, I need to move my cleaning to Friday.",
                ),
                ("TranscriptionStatus", "completed"),
            ],
        )
        .await;
    assert_eq!(text.status, 204);
    let done = app
        .post(
            "/twilio/voice/status",
            &[
                ("CallSid", CALL),
                ("From", CALLER),
                ("To", ACME),
                ("CallStatus", "completed"),
                ("CallDuration", "95"),
            ],
        )
        .await;
    assert_eq!(done.status, 204);

    let detail = app.call_detail(CALL).await;
    assert_eq!(detail.call.client_id.as_deref(), Some("acme-dental"));
    assert_eq!(detail.call.rules_version, Some(1));
    assert_eq!(detail.call.status, "completed");
    assert_eq!(detail.call.duration, Some(95));
    assert_eq!(detail.call.outcome.as_deref(), Some("voicemail"));
    assert!(detail.call.trace.as_deref().unwrap().contains("Open: Tuesday hours"));
    let legs: Vec<(Option<&str>, &str, bool)> = detail
        .legs
        .iter()
        .map(|l| (l.assistant_id.as_deref(), l.status.as_str(), l.accepted))
        .collect();
    assert_eq!(
        legs,
        [
            (Some("maria"), "completed", false),
            (Some("john"), "no-answer", false),
            (None, "no-answer", false)
        ]
    );
    let [recording] = detail.recordings.as_slice() else {
        panic!("one recording: {:?}", detail.recordings)
    };
    assert_eq!(recording.kind, "voicemail");
    assert_eq!(recording.duration, Some(14));
    assert_eq!(recording.status.as_deref(), Some("completed"));
    assert_eq!(
        recording.transcription_text.as_deref(),
        Some("Hi, it's Sam, I need to move my cleaning to Friday.")
    );
}

#[tokio::test]
async fn an_assistant_who_presses_one_takes_the_call_and_is_busy_for_the_next() {
    let app = spawn_app().await;
    let first = app.call(CALL, ACME).await;
    let screen_url = first.first("Number").attr("url").unwrap().to_owned();
    let action = first.first("Dial").attr("action").unwrap().to_owned();
    let child = [
        ("CallSid", "CA00000000000000000000000000000b11"),
        ("ParentCallSid", CALL),
        ("From", CALLER),
        ("To", "+12125550111"),
    ];
    let accepted = app.post(&screen_url, &[&child[..], &[("Digits", "1")]].concat()).await;
    assert_eq!(
        accepted.verbs(),
        Vec::<String>::new(),
        "an empty response bridges the call"
    );

    // While Maria is on that call, the next caller starts with John.
    let other = app.call("CA00000000000000000000000000000a02", ACME).await;
    assert_eq!(other.dialled(), ["+12125550112"]);

    let end = app
        .dial_result(&action, CALL, ACME, "completed", "CA00000000000000000000000000000b11")
        .await;
    assert_eq!(end.verbs(), ["Hangup"]);
    let detail = app.call_detail(CALL).await;
    assert_eq!(detail.call.outcome.as_deref(), Some("answered"));
    assert_eq!(detail.call.answered_by.as_deref(), Some("maria"));

    // Her leg is over, so she is first again.
    let again = app.call("CA00000000000000000000000000000a03", ACME).await;
    assert_eq!(again.dialled(), ["+12125550111"]);
}

#[tokio::test]
async fn an_assistant_whose_leg_is_answered_is_busy_and_a_leg_only_rung_is_not() {
    let app = spawn_app().await;
    let first = app.call(CALL, ACME).await;
    let maria = first.first("Number");
    assert_eq!(maria.text, "+12125550111");
    // Twilio reports Maria's leg answered (she has not pressed 1 yet: not accepted).
    let answered = app
        .post(
            maria.attr("statusCallback").unwrap(),
            &[
                ("CallSid", "CA00000000000000000000000000000b11"),
                ("ParentCallSid", CALL),
                ("From", CALLER),
                ("To", "+12125550111"),
                ("CallStatus", "in-progress"),
                ("Direction", "outbound-dial"),
            ],
        )
        .await;
    assert_eq!(answered.status, 204);

    let second = app.call("CA00000000000000000000000000000a02", ACME).await;
    assert_eq!(second.dialled(), ["+12125550112"], "Maria is on the first call");
    // John's leg of the second call is only ringing, and no callback ever comes for
    // it: it must not keep him from the third call.
    let third = app.call("CA00000000000000000000000000000a03", ACME).await;
    assert_eq!(third.dialled(), ["+12125550112"]);
}

#[tokio::test]
async fn a_key_other_than_one_hangs_up_the_assistants_leg() {
    let app = spawn_app().await;
    let first = app.call(CALL, ACME).await;
    let screen_url = first.first("Number").attr("url").unwrap().to_owned();
    let no = app
        .post(
            &screen_url,
            &[
                ("CallSid", "CA00000000000000000000000000000b21"),
                ("ParentCallSid", CALL),
                ("Digits", "7"),
            ],
        )
        .await;
    assert_eq!(no.verbs(), ["Hangup"]);
}

#[tokio::test]
async fn an_after_hours_call_goes_straight_to_voicemail() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    let answer = app.call(CALL, ACME).await;
    answer.assert_twiml();
    assert_eq!(answer.verbs(), ["Say", "Record"]);
    assert!(answer.first("Say").text.starts_with("You have reached Acme Dental"));
    let trace = app.call_detail(CALL).await.call.trace.unwrap();
    assert!(
        trace.contains("Closed: outside Tuesday hours; opens Wed 2 Dec 2026, 9:00 AM"),
        "{trace}"
    );
}

#[tokio::test]
async fn a_holiday_call_goes_to_voicemail_and_the_trace_says_holiday() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 25, 10, 0),
        ..Options::default()
    })
    .await;
    let answer = app.call(CALL, ACME).await;
    assert_eq!(answer.verbs(), ["Say", "Record"]);
    let trace = app.call_detail(CALL).await.call.trace.unwrap();
    assert!(trace.contains("Closed: holiday 25 Dec 2026"), "{trace}");
}

#[tokio::test]
async fn an_ivr_choice_rings_every_vet_at_once() {
    // Tuesday 10:00 in Sydney.
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Australia::Sydney, 2026, 7, 14, 10, 0, 0).unwrap();
    let app = spawn_with(Options {
        at: at.with_timezone(&chrono::Utc),
        ..Options::default()
    })
    .await;
    let menu = app.call(CALL, VET).await;
    assert_eq!(menu.verbs(), ["Gather", "Say"]);
    let gather = menu.first("Gather");
    assert_eq!(gather.attr("input"), Some("dtmf speech"));
    let action = gather.attr("action").unwrap().to_owned();

    let choice = app
        .post(
            &action,
            &[
                ("CallSid", CALL),
                ("From", CALLER),
                ("To", VET),
                ("CallStatus", "in-progress"),
                ("Digits", "2"),
            ],
        )
        .await;
    assert_eq!(choice.dialled(), ["+61255501240", "+61412345678", "+61412345679"]);
    let numbers = choice.all("Number");
    assert!(
        numbers[0].attr("url").is_none() && numbers[1].attr("url").is_some(),
        "the vets are screened, the desk is not"
    );
    assert!(choice.first("Dial").attr("action").unwrap().contains("option=2"));

    // No input twice: the default option (appointments) rings reception.
    let silent = [
        ("CallSid", "CA00000000000000000000000000000a09"),
        ("From", CALLER),
        ("To", VET),
        ("CallStatus", "in-progress"),
        ("Digits", ""),
    ];
    let menu = app.call("CA00000000000000000000000000000a09", VET).await;
    let retry = app.post(menu.first("Gather").attr("action").unwrap(), &silent).await;
    assert!(retry.first("Say").text.starts_with("Sorry, I did not get that."));
    let default = app.post(retry.first("Gather").attr("action").unwrap(), &silent).await;
    assert_eq!(default.dialled(), ["+61255501240"]);
}

#[tokio::test]
async fn round_robin_continues_from_where_the_last_call_stopped() {
    // Wednesday 10:00 in London.
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Europe::London, 2026, 6, 3, 10, 0, 0).unwrap();
    let app = spawn_with(Options {
        at: at.with_timezone(&chrono::Utc),
        ..Options::default()
    })
    .await;
    let mut firsts = Vec::new();
    for n in 0..5 {
        let answer = app.call(&format!("CA00000000000000000000000000000e0{n}"), HARBOR).await;
        let dial = answer.first("Dial");
        assert_eq!(dial.attr("callerId"), Some(HARBOR), "the business number is shown");
        assert_eq!(dial.attr("record"), Some("record-from-answer"));
        firsts.push(answer.dialled()[0].clone());
    }
    assert_eq!(
        firsts,
        [
            "+447911123401",
            "+447911123402",
            "+447911123403",
            "+447911123404",
            "+447911123401"
        ]
    );
}

#[tokio::test]
async fn a_round_robin_call_rings_the_rest_of_its_own_rotation_in_order() {
    // Wednesday 10:00 in London; one call already took Dev's turn, so this one starts at Olivia.
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Europe::London, 2026, 6, 3, 10, 0, 0).unwrap();
    let app = spawn_with(Options {
        at: at.with_timezone(&chrono::Utc),
        ..Options::default()
    })
    .await;
    app.call("CA00000000000000000000000000000e10", HARBOR).await;
    let call = "CA00000000000000000000000000000e11";
    let mut answer = app.call(call, HARBOR).await;
    let mut rung = Vec::new();
    for leg in 0..4 {
        rung.push(answer.dialled()[0].clone());
        let action = answer.first("Dial").attr("action").unwrap().to_owned();
        answer = app
            .dial_result(
                &action,
                call,
                HARBOR,
                "no-answer",
                &format!("CA00000000000000000000000000000f0{leg}"),
            )
            .await;
    }
    assert_eq!(
        rung,
        ["+447911123402", "+447911123403", "+447911123404", "+447911123401"],
        "each assistant once, in the order this call's turn gave"
    );
    assert_eq!(answer.dialled(), ["+442079460999"], "then the external number");
    // Ringing the rest of the chain used no one else's turn: the next call starts at Sam.
    let next = app.call("CA00000000000000000000000000000e12", HARBOR).await;
    assert_eq!(next.dialled(), ["+447911123403"]);
}

#[tokio::test]
async fn a_number_nobody_owns_hears_a_polite_message() {
    let app = spawn_app().await;
    let answer = app.call(CALL, "+12125550999").await;
    answer.assert_twiml();
    assert_eq!(answer.verbs(), ["Say", "Hangup"]);
    assert_eq!(app.call_detail(CALL).await.call.client_id, None);
}

#[tokio::test]
async fn a_broken_database_still_gives_the_caller_a_voicemail() {
    let app = spawn_app().await;
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE calls")
        .await
        .unwrap();
    let answer = app.call(CALL, ACME).await;
    answer.assert_twiml();
    assert_eq!(answer.verbs(), ["Say", "Record", "Say"]);
    assert!(answer.first("Say").text.starts_with("You have reached Acme Dental"));
    assert!(answer
        .first("Record")
        .attr("action")
        .unwrap()
        .contains("/twilio/voice/voicemail"));
}

#[tokio::test]
async fn the_fallback_url_answers_a_voicemail_without_the_database() {
    let app = spawn_app().await;
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE rule_versions")
        .await
        .unwrap();
    let answer = app
        .post(
            "/twilio/voice/fallback",
            &[
                ("CallSid", CALL),
                ("From", CALLER),
                ("To", ACME),
                ("ErrorCode", "11200"),
            ],
        )
        .await;
    answer.assert_twiml();
    assert_eq!(answer.verbs(), ["Say", "Record", "Say"]);
}

#[tokio::test]
async fn an_assistant_taken_off_duty_is_skipped_on_the_next_call() {
    let app = spawn_app().await;
    switchboard::store::duty::set(&app.db, "acme-dental", "maria", false, chrono::Utc::now())
        .await
        .unwrap();
    let answer = app.call(CALL, ACME).await;
    assert_eq!(answer.dialled(), ["+12125550112"]);
    let trace = app.call_detail(CALL).await.call.trace.unwrap();
    assert!(trace.contains("Maria Lopez is skipped: off duty"), "{trace}");
}

#[tokio::test]
async fn a_recorded_call_keeps_its_recording_on_the_call_record() {
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Europe::London, 2026, 6, 3, 10, 0, 0).unwrap();
    let app = spawn_with(Options {
        at: at.with_timezone(&chrono::Utc),
        ..Options::default()
    })
    .await;
    let answer = app.call(CALL, HARBOR).await;
    let callback = answer.first("Dial").attr("recordingStatusCallback").unwrap().to_owned();
    let status = app
        .post(
            &callback,
            &[
                ("CallSid", CALL),
                ("RecordingSid", "RE00000000000000000000000000000a55"),
                (
                    "RecordingUrl",
                    "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE00000000000000000000000000000a55",
                ),
                ("RecordingStatus", "completed"),
                ("RecordingDuration", "312"),
                ("RecordingSource", "DialVerb"),
            ],
        )
        .await;
    assert_eq!(status.status, 204);
    let detail = app.call_detail(CALL).await;
    let [r] = detail.recordings.as_slice() else {
        panic!("{:?}", detail.recordings)
    };
    assert_eq!((r.kind.as_str(), r.duration), ("call", Some(312)));
    assert_eq!(detail.call.outcome, None, "a call recording is not a voicemail");
}

#[tokio::test]
async fn a_leg_of_a_call_never_recorded_is_answered_and_stored_nowhere() {
    let app = spawn_app().await;
    let first = app.call(CALL, ACME).await;
    let screen_url = first.first("Number").attr("url").unwrap().to_owned();
    let status_url = first.first("Number").attr("statusCallback").unwrap().to_owned();
    let unknown = "CA00000000000000000000000000000f99";
    let child = [
        ("CallSid", "CA00000000000000000000000000000b21"),
        ("ParentCallSid", unknown),
        ("From", CALLER),
        ("To", "+12125550111"),
    ];
    // The assistant presses 1 on a call whose record is not there: still bridged.
    let accepted = app.post(&screen_url, &[&child[..], &[("Digits", "1")]].concat()).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.verbs(), Vec::<String>::new());
    let status = app
        .post(&status_url, &[&child[..], &[("CallStatus", "completed")]].concat())
        .await;
    assert_eq!(status.status, 204, "{}", status.body);

    assert!(switchboard::store::calls::find(&app.db, unknown)
        .await
        .unwrap()
        .is_none());
    let legs = app.call_detail(CALL).await.legs;
    assert_eq!(legs.len(), 1, "{legs:#?}");
    assert_eq!((legs[0].status.as_str(), legs[0].accepted), ("initiated", false));
    let all = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) FROM call_legs",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(all.try_get_by_index::<i64>(0).unwrap(), 1, "no leg without its call");
}
