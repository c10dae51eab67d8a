//! What the client puts on the wire and reads back, without a server: status classification,
//! resource parsing, endpoint paths, and every field name against Twilio's OpenAPI spec.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;

use super::numbers::{self, Purchase, PURCHASE_FIELDS, SEARCH_QUERY};
use super::queues::{self, LIST_QUERY, QUEUE_FIELDS};
use super::tests::{account, sms, FROM, SID, TO};
use super::*;

fn retryable(reason: &str) -> SendError {
    SendError::Retryable {
        retry_after: None,
        reason: reason.into(),
    }
}

fn ambiguous(reason: &str) -> SendError {
    SendError::Ambiguous { reason: reason.into() }
}

fn rejected(status: u16, code: Option<i64>, message: &str) -> SendError {
    SendError::Rejected {
        status,
        code,
        message: message.into(),
    }
}

#[test]
fn answers_are_sorted_into_retry_look_up_or_give_up() {
    let twilio = |code: i64| format!(r#"{{"code":{code},"message":"m{code}","more_info":"x","status":400}}"#);
    let rfc_9457 = r#"{"type":"t","title":"Bad","status":422,"code":60200,"detail":"Invalid parameter"}"#;
    let cases = [
        (429, twilio(20429), retryable("HTTP 429, error 20429: m20429")),
        (503, "<html>".into(), retryable("HTTP 503: Service Unavailable")),
        (500, String::new(), ambiguous("HTTP 500: Internal Server Error")),
        (504, String::new(), ambiguous("HTTP 504: Gateway Timeout")),
        (302, String::new(), ambiguous("HTTP 302: Found")),
        (400, twilio(21211), rejected(400, Some(21211), "m21211")),
        (404, "Not here".into(), rejected(404, None, "Not Found")),
        (422, rfc_9457.into(), rejected(422, Some(60200), "Invalid parameter")),
    ];
    for (status, body, expected) in cases {
        let status = StatusCode::from_u16(status).unwrap();
        assert_eq!(status_error(status, None, body.as_bytes()), expected, "{status}");
    }
}

#[test]
fn a_read_that_may_have_reached_twilio_is_simply_retried() {
    assert_eq!(read_error(ambiguous("timed out")), retryable("timed out"));
    let refused = rejected(401, Some(20003), "Authenticate");
    assert_eq!(read_error(refused.clone()), refused);
}

#[test]
fn numbers_and_dates_sent_as_strings_are_read() {
    let json = r#"{"sid":"SM1","status":"sent","to":"+1","from":"+2","num_segments":"3",
        "date_created":"Tue, 10 Mar 2026 12:00:00 +0000","error_code":30003}"#;
    let message: MessageResource = serde_json::from_str(json).unwrap();
    assert_eq!((message.segments(), message.error_code), (Some(3), Some(30003)));
    assert_eq!(
        message.created_at().map(|at| at.to_rfc3339()).as_deref(),
        Some("2026-03-10T12:00:00+00:00")
    );
    let odd = MessageResource {
        num_segments: Some("n/a".into()),
        date_created: Some("2026-03-10".into()),
        ..message
    };
    assert_eq!((odd.segments(), odd.created_at()), (None, None));
}

#[test]
fn endpoints_keep_the_base_path_and_encode_the_account_sid() {
    let client = |base: &str| TwilioClient::new(base.parse().unwrap(), Duration::from_secs(1));
    let odd = Account {
        sid: "AC1/../x?y".into(),
        ..account()
    };
    let cases = [
        (
            "https://api.twilio.com",
            &account(),
            &["Calls.json"][..],
            format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json"),
        ),
        (
            "http://127.0.0.1:9/proxy/",
            &account(),
            &[],
            format!("http://127.0.0.1:9/proxy/2010-04-01/Accounts/{SID}.json"),
        ),
        (
            "http://h.test",
            &odd,
            &["Messages.json"],
            "http://h.test/2010-04-01/Accounts/AC1%2F..%2Fx%3Fy/Messages.json".into(),
        ),
    ];
    for (base, account, resource, expected) in cases {
        assert_eq!(client(base).endpoint(account, resource).unwrap().as_str(), expected);
    }
    let error = client("mailto:ops@example.test").endpoint(&account(), &[]).unwrap_err();
    assert!(matches!(error, SendError::Rejected { status: 0, .. }), "{error:?}");
}

#[test]
fn the_field_lists_are_exactly_what_the_client_sends() {
    let media = ["https://m.test/1".to_owned(), "https://m.test/2".to_owned()];
    let msg = NewMessage {
        media_urls: &media,
        status_callback: Some("https://cb.test"),
        ..sms("hi")
    };
    let call = NewCall {
        to: TO,
        from: FROM,
        twiml: "<Response/>",
        status_callback: Some("https://cb.test"),
    };
    let names = |pairs: &[(&'static str, &str)]| pairs.iter().map(|(name, _)| *name).collect::<BTreeSet<_>>();
    assert_eq!(names(&message_form(&msg)), MESSAGE_FIELDS.iter().copied().collect());
    assert_eq!(names(&call_form(&call)), CALL_FIELDS.iter().copied().collect());
    assert_eq!(names(&lookup_query(TO, FROM)), MESSAGE_QUERY.iter().copied().collect());
    assert_eq!(
        names(&numbers::search_query(Some("212"))),
        SEARCH_QUERY.iter().copied().collect()
    );
    let purchase = Purchase {
        phone_number: TO,
        voice_url: "https://sb.test/twilio/voice",
        voice_fallback_url: "https://sb.test/twilio/voice/fallback",
        status_callback: "https://sb.test/twilio/voice/status",
        sms_url: "https://sb.test/twilio/sms",
    };
    assert_eq!(
        names(&numbers::purchase_form(&purchase)),
        PURCHASE_FIELDS.iter().copied().collect()
    );
    assert_eq!(
        names(&queues::queue_form("q", "10")),
        QUEUE_FIELDS.iter().copied().collect()
    );
    assert_eq!(names(&queues::list_query()), LIST_QUERY.iter().copied().collect());
    assert_eq!(
        message_form(&msg)
            .iter()
            .filter(|(name, _)| *name == "MediaUrl")
            .count(),
        2
    );
}

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/twilio/twilio_api_v2010.json");
const EXTRACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/twilio/operations.json");

type Operations = BTreeMap<String, BTreeSet<String>>;

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What tests/fixtures/twilio/extract.py keeps: each POST's form properties, each GET's query
/// parameters.
fn from_spec(spec: &Value) -> Operations {
    let extract = read_json(EXTRACT);
    let keys = extract["operations"].as_object().unwrap().keys();
    keys.map(|key| {
        let (method, path) = key.split_once(' ').unwrap();
        let operation = &spec["paths"][path][method.to_lowercase()];
        let names = match method {
            "POST" => {
                let form = &operation["requestBody"]["content"]["application/x-www-form-urlencoded"];
                form["schema"]["properties"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect()
            }
            _ => (operation["parameters"].as_array().unwrap().iter())
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect(),
        };
        (key.clone(), names)
    })
    .collect()
}

/// The full spec when it sits beside the repo (as in CI), else the committed extract.
fn operations() -> Operations {
    match std::path::Path::new(SPEC).exists() {
        true => from_spec(&read_json(SPEC)),
        false => serde_json::from_value(read_json(EXTRACT)["operations"].clone()).unwrap(),
    }
}

#[test]
fn every_field_the_client_sends_is_a_parameter_of_twilios_operation() {
    let operations = operations();
    let cases = [
        ("POST /2010-04-01/Accounts/{AccountSid}/Messages.json", MESSAGE_FIELDS),
        ("POST /2010-04-01/Accounts/{AccountSid}/Calls.json", CALL_FIELDS),
        ("GET /2010-04-01/Accounts/{AccountSid}/Messages.json", MESSAGE_QUERY),
        (
            "GET /2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json",
            SEARCH_QUERY,
        ),
        (
            "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json",
            PURCHASE_FIELDS,
        ),
        ("GET /2010-04-01/Accounts/{AccountSid}/Queues.json", LIST_QUERY),
        ("POST /2010-04-01/Accounts/{AccountSid}/Queues.json", QUEUE_FIELDS),
        ("POST /2010-04-01/Accounts/{AccountSid}/Queues/{Sid}.json", QUEUE_FIELDS),
        (
            "GET /2010-04-01/Accounts/{AccountSid}/Queues/{QueueSid}/Members.json",
            LIST_QUERY,
        ),
    ];
    for (operation, fields) in cases {
        let known = &operations[operation];
        for field in fields {
            assert!(known.contains(*field), "{operation} has no parameter {field}");
        }
    }
}

#[test]
fn the_committed_extract_matches_the_spec_when_the_spec_is_present() {
    if !std::path::Path::new(SPEC).exists() {
        eprintln!("{SPEC} is absent: only the committed extract was checked");
        return;
    }
    let committed: Operations = serde_json::from_value(read_json(EXTRACT)["operations"].clone()).unwrap();
    assert_eq!(
        committed,
        from_spec(&read_json(SPEC)),
        "re-run tests/fixtures/twilio/extract.py"
    );
}
