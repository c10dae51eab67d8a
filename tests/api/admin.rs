//! The admin API: tenancy on every route, rules versions, simulation, duty, audit.

use serde_json::{json, Value};

use crate::helpers::*;

const CALL: &str = "CA0000000000000000000000000000d001";

/// Every route in the OpenAPI document, with its path parameters filled in for Acme.
fn acme_routes() -> Vec<(String, String)> {
    let doc = serde_json::to_value(switchboard::http::openapi()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let filled = path
                .replace("{id}", "acme-dental")
                .replace("{assistant}", "maria")
                .replace("{version}", "1")
                .replace("{sid}", CALL)
                .replace("{number}", "+12125550188")
                .replace("{index}", "0")
                .replace("{endpoint}", "ep_x")
                .replace("{delivery}", "1")
                .replace("{name}", "reminder")
                .replace("{message}", "1");
            let query = match path.as_str() {
                p if p.ends_with("/diff") => "?from=1&to=1",
                p if p.ends_with("/available-numbers") => "?client=acme-dental&area_code=212",
                _ => "",
            };
            routes.push((method.to_uppercase(), format!("{filled}{query}")));
        }
    }
    routes
}

fn body_for(path: &str) -> Option<Value> {
    if path.ends_with("/duty") {
        Some(json!({ "on_duty": true }))
    } else if path.ends_with("/rollback") {
        Some(json!({ "version": 1 }))
    } else if path.ends_with("/handled") {
        Some(json!({ "handled": true }))
    } else if path.ends_with("/simulate") {
        Some(json!({ "at": "2026-12-01T10:00" }))
    } else if path.ends_with("/notify-call") {
        Some(json!({ "to": "+12125550188", "message": "hello" }))
    } else if path.ends_with("/make-call") {
        Some(json!({ "client": "acme-dental", "assistant": "maria", "to": "+12125550188" }))
    } else if path.ends_with("/send-bulk") {
        Some(json!({ "template": "hello", "recipients": [{ "to": "+12125550188" }] }))
    } else if path.ends_with("/templates") {
        Some(json!({ "name": "reminder", "body": "See you {when}" }))
    } else if path.contains("/templates/") {
        Some(json!({ "body": "See you {{when}}" }))
    } else if path.contains("/scheduled/") {
        Some(json!({ "send_at": "2026-12-01T10:00:00Z" }))
    } else if path.contains("/opt-outs/") {
        Some(json!({ "opted_out": true }))
    } else if path.ends_with("/phone/validate") {
        Some(json!({ "number": "+12125550188" }))
    } else if path.ends_with("/twilio-account") {
        let sid = "AC22222222222222222222222222222222";
        Some(json!({ "account_sid": sid, "auth_token": "0123456789abcdef0123456789abcdef" }))
    } else if path.ends_with("/purchase-number") {
        Some(json!({ "client": "acme-dental", "phone_number": "+12125550101" }))
    } else if path.ends_with("/send-sms") {
        Some(json!({ "client": "acme-dental", "to": "+12125550188", "body": "hi" }))
    } else if path.ends_with("/webhooks") {
        Some(json!({ "url": "https://crm.example.com/hooks", "events": ["call.completed"] }))
    } else if path.contains("/webhooks/") {
        Some(json!({ "enabled": true }))
    } else if path.contains("/rules") {
        Some(Value::String(
            std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap(),
        ))
    } else {
        None
    }
}

#[tokio::test]
async fn every_admin_route_refuses_no_token_and_hides_other_clients() {
    let app = spawn_app().await;
    app.call(CALL, ACME).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let routes = acme_routes();
    assert!(routes.len() >= 19, "{routes:?}");
    for (i, (method, path)) in routes.iter().enumerate() {
        let (status, body) = app.api(method, path, None, body_for(path)).await;
        assert_eq!(status, 401, "{method} {path} without a token: {body}");
        // Each guess from its own address, so the brute-force limit (hostile.rs) stays out of it.
        let guesser = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 1, u8::try_from(i + 1).unwrap()]))
            .build()
            .unwrap();
        let (status, body) = app
            .api_from(&guesser, method, path, Some("sb_not_a_token"), body_for(path))
            .await;
        assert_eq!(status, 401, "{method} {path} with a wrong token: {body}");
        let (status, body) = app.api(method, path, Some(&harbor), body_for(path)).await;
        let text = body.to_string();
        if status == 200 {
            assert!(
                !text.contains("acme") && !text.contains(ACME),
                "{method} {path} leaks Acme to Harbor: {text}"
            );
        } else {
            assert_eq!(status, 404, "{method} {path} with Harbor's token: {text}");
        }
    }
}

#[tokio::test]
async fn a_scoped_admin_sees_only_their_client() {
    let app = spawn_app().await;
    let acme = app.admin_token(Some("acme-dental")).await;
    let (status, clients) = app.api("GET", "/api/clients", Some(&acme), None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = clients
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme-dental"]);
    let global = app.admin_token(None).await;
    let (_, clients) = app.api("GET", "/api/clients", Some(&global), None).await;
    assert_eq!(clients.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn an_edit_that_breaks_a_rules_test_is_refused_naming_the_case() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    let good = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let broken = good.replace(
        "closed = [\"2026-11-26\", \"2026-12-25\", \"2027-01-01\"]",
        "closed = [\"2026-11-26\", \"2027-01-01\"]",
    );
    let (status, body) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules",
            Some(&token),
            Some(Value::String(broken.clone())),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let error = &body["error"]["details"][0];
    let line = broken
        .lines()
        .position(|l| l.contains("at = \"2026-12-25T10:00\""))
        .unwrap();
    assert_eq!(
        error["line"].as_u64().unwrap() as usize,
        line,
        "the [[tests]] header line of the failing case"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("test at 2026-12-25 10:00:00: expected [voicemail]"),
        "{error}"
    );
    let (_, versions) = app
        .api("GET", "/api/clients/acme-dental/rules/versions", Some(&token), None)
        .await;
    assert_eq!(versions.as_array().unwrap().len(), 1, "nothing was saved");
}

#[tokio::test]
async fn a_good_edit_is_live_for_the_next_call_while_a_call_in_progress_keeps_its_version_and_can_be_rolled_back() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let ringing = app.call(CALL, ACME).await;
    let maria_action = ringing.first("Dial").attr("action").unwrap().to_owned();

    let good = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let edited = good.replace("priority = 1\n", "priority = 3\n").replace(
        r#"["maria", "john", "external", "voicemail"]"#,
        r#"["john", "maria", "external", "voicemail"]"#,
    );
    let path = "/api/clients/acme-dental/rules?comment=John%20answers%20first";
    let (status, body) = app.api("PUT", path, Some(&token), Some(Value::String(edited))).await;
    assert_eq!((status, body["version"].as_i64()), (200, Some(2)), "{body}");

    let next = app.call("CA0000000000000000000000000000d002", ACME).await;
    assert_eq!(next.dialled(), ["+12125550112"], "John first from the next call on");
    let in_progress = app
        .dial_result(
            &maria_action,
            CALL,
            ACME,
            "no-answer",
            "CA0000000000000000000000000000d003",
        )
        .await;
    assert_eq!(
        in_progress.dialled(),
        ["+12125550112"],
        "the ringing call continues with version 1 (Maria, then John)"
    );

    let (_, diff) = app
        .api(
            "GET",
            "/api/clients/acme-dental/rules/diff?from=1&to=2",
            Some(&token),
            None,
        )
        .await;
    assert!(
        diff["unified"]
            .as_str()
            .unwrap()
            .contains("-priority = 1\n+priority = 3"),
        "{diff}"
    );
    let (_, versions) = app
        .api("GET", "/api/clients/acme-dental/rules/versions", Some(&token), None)
        .await;
    assert_eq!(
        (&versions[0]["summary"], &versions[1]["summary"]),
        (
            &json!("Order of assistants changed; checks updated"),
            &json!("First version")
        ),
        "{versions}"
    );

    let (status, body) = app
        .api(
            "POST",
            "/api/clients/acme-dental/rules/rollback",
            Some(&token),
            Some(json!({ "version": 1 })),
        )
        .await;
    assert_eq!((status, body["version"].as_i64()), (200, Some(3)), "{body}");
    assert_eq!(
        app.call("CA0000000000000000000000000000d004", ACME).await.dialled(),
        ["+12125550111"]
    );

    let (_, audit) = app
        .api("GET", "/api/audit?client=acme-dental", Some(&token), None)
        .await;
    let details: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        ["version 3: rollback to version 1", "version 2: John answers first"]
    );
    assert!(audit[0]["address"].as_str().unwrap().starts_with("127.0.0.1"));
}

#[tokio::test]
async fn the_simulation_of_a_dst_gap_time_explains_itself() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let request = json!({ "at": "2026-03-08T02:30", "from": CALLER });
    let (status, sim) = app
        .api("POST", "/api/clients/acme-dental/simulate", Some(&token), Some(request))
        .await;
    assert_eq!(status, 200, "{sim}");
    assert!(sim["note"]
        .as_str()
        .unwrap()
        .contains("does not exist in America/New_York"));
    assert_eq!(sim["open"], false);
    assert_eq!(sim["next_open"], "2026-03-09T13:00:00Z");
    assert_eq!(sim["steps"][0]["label"], "voicemail");
    assert!(sim["steps"][0]["twiml"].as_str().unwrap().contains("<Record "));
}

#[tokio::test]
async fn a_draft_can_be_simulated_before_it_is_saved() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let draft = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap().replace("closed = [\"2026-11-26\", \"2026-12-25\", \"2027-01-01\"]", "closed = [\"2026-12-01\", \"2026-12-25\"]").replace("at = \"2026-12-01T10:00\"          # a Tuesday morning\nexpect = [\"maria\", \"john\", \"external\", \"voicemail\"]", "at = \"2026-12-01T10:00\"\nexpect = [\"voicemail\"]").replace("at = \"2026-12-01T10:00\"\noff_duty = [\"maria\"]\nexpect = [\"john\", \"external\", \"voicemail\"]", "at = \"2026-12-01T10:00\"\noff_duty = [\"maria\"]\nexpect = [\"voicemail\"]");
    let request = json!({ "at": "2026-12-01T10:00", "draft": draft });
    let (status, sim) = app
        .api("POST", "/api/clients/acme-dental/simulate", Some(&token), Some(request))
        .await;
    assert_eq!(status, 200, "{sim}");
    assert_eq!(sim["steps"][0]["label"], "voicemail");
}

#[tokio::test]
async fn taking_an_assistant_off_duty_takes_effect_for_the_next_call_and_is_audited() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    let (status, _) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/assistants/maria/duty",
            Some(&token),
            Some(json!({ "on_duty": false })),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(app.call(CALL, ACME).await.dialled(), ["+12125550112"]);
    let (_, client) = app.api("GET", "/api/clients/acme-dental", Some(&token), None).await;
    assert_eq!(client["assistants"][0]["on_duty"], false);
    let (_, audit) = app.api("GET", "/api/audit", Some(&token), None).await;
    assert_eq!(audit[0]["detail"], "maria off duty");
}

#[tokio::test]
async fn the_call_log_pages_newest_first_and_shows_a_call_in_full() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    for n in 0..5 {
        app.advance(60);
        app.call(&format!("CA0000000000000000000000000000e00{n}"), ACME).await;
    }
    let (_, page) = app.api("GET", "/api/calls?limit=2", Some(&token), None).await;
    let sids: Vec<&str> = page["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["call_sid"].as_str().unwrap())
        .collect();
    assert_eq!(
        sids,
        [
            "CA0000000000000000000000000000e004",
            "CA0000000000000000000000000000e003"
        ]
    );
    let next = page["next"].as_str().unwrap();
    let (_, page) = app
        .api("GET", &format!("/api/calls?limit=2&cursor={next}"), Some(&token), None)
        .await;
    assert_eq!(page["calls"][0]["call_sid"], "CA0000000000000000000000000000e002");
    let next = page["next"].as_str().unwrap();
    let (_, last) = app
        .api("GET", &format!("/api/calls?limit=2&cursor={next}"), Some(&token), None)
        .await;
    assert_eq!(last["calls"].as_array().unwrap().len(), 1);
    assert!(last["next"].is_null(), "the last page says so: {last}");
    let (_, all) = app.api("GET", "/api/calls?limit=5", Some(&token), None).await;
    assert!(
        all["next"].is_null(),
        "a page that ends exactly at the last call: {all}"
    );
    let (status, body) = app.api("GET", "/api/calls?cursor=nonsense", Some(&token), None).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("first page"),
        "{body}"
    );
    let (_, call) = app
        .api(
            "GET",
            "/api/calls/CA0000000000000000000000000000e004",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(call["legs"][0]["assistant"], "maria");
    assert!(
        call["trace"][1].as_str().unwrap().starts_with("Open: Tuesday hours"),
        "{call}"
    );
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let (status, doc) = app.api("GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert!(doc["paths"]["/api/clients/{id}/rules"]["put"].is_object());
}

#[tokio::test]
async fn stats_count_calls_outcomes_time_to_answer_and_busiest_hours() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    // Answered by Maria 12 s after the call came in.
    let first = app.call("CA0000000000000000000000000000f101", ACME).await;
    let screen = first.first("Number").attr("url").unwrap().to_owned();
    let action = first.first("Dial").attr("action").unwrap().to_owned();
    app.advance(12);
    app.post(
        &screen,
        &[
            ("CallSid", "CA0000000000000000000000000000f201"),
            ("ParentCallSid", "CA0000000000000000000000000000f101"),
            ("Digits", "1"),
        ],
    )
    .await;
    app.dial_result(
        &action,
        "CA0000000000000000000000000000f101",
        ACME,
        "completed",
        "CA0000000000000000000000000000f201",
    )
    .await;
    // A caller who hung up while it rang.
    app.call("CA0000000000000000000000000000f102", ACME).await;
    let gone = [
        ("CallSid", "CA0000000000000000000000000000f102"),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "completed"),
    ];
    app.post("/twilio/voice/status", &gone).await;

    let (status, stats) = app
        .api("GET", "/api/clients/acme-dental/stats", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(
        (
            stats["calls"].as_u64(),
            stats["answered"].as_u64(),
            stats["missed"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(stats["answer_rate"], 0.5);
    assert_eq!(stats["assistants"][0]["assistant"], "maria");
    assert_eq!(stats["assistants"][0]["mean_seconds_to_answer"], 12.0);
    assert_eq!(stats["busiest_hours"][0], json!({ "hour": 10, "calls": 2 }));
    assert_eq!(stats["messages"]["sent"], 0);
}

#[tokio::test]
async fn a_deleted_client_is_no_longer_served_and_only_a_global_token_may_delete() {
    let app = spawn_app().await;
    let scoped = app.admin_token(Some("acme-dental")).await;
    assert_eq!(
        app.api("DELETE", "/api/clients/acme-dental", Some(&scoped), None)
            .await
            .0,
        403
    );
    let global = app.admin_token(None).await;
    assert_eq!(
        app.api("DELETE", "/api/clients/acme-dental", Some(&global), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.call(CALL, ACME).await.verbs(),
        ["Say", "Hangup"],
        "the number is not in service"
    );
    assert_eq!(
        app.api("GET", "/api/clients/acme-dental", Some(&global), None).await.0,
        404
    );
    app.state.reloader.reload().await.unwrap();
    assert_eq!(
        app.api("GET", "/api/clients/acme-dental", Some(&global), None).await.0,
        404,
        "an unchanged file does not bring it back"
    );
    let text = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let (status, body) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules?comment=back",
            Some(&global),
            Some(serde_json::Value::String(text)),
        )
        .await;
    assert_eq!(status, 200, "a global token brings it back by saving its rules: {body}");
    assert_eq!(
        app.call("CA00000000000000000000000000000d99", ACME).await.dialled(),
        ["+12125550111"]
    );
}

#[tokio::test]
async fn a_caller_is_found_by_their_number_in_any_format_or_its_last_digits() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    for (n, from) in ["+19175550142", "+19175551142", "+442079460142", "+19175550142"]
        .iter()
        .enumerate()
    {
        let sid = format!("CA0000000000000000000000000000f00{n}");
        let params = [
            ("CallSid", sid.as_str()),
            ("From", from),
            ("To", ACME),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ];
        app.post("/twilio/voice", &params).await.assert_twiml();
        let ended = [
            ("CallSid", sid.as_str()),
            ("From", from),
            ("To", ACME),
            ("CallStatus", "completed"),
            ("Direction", "inbound"),
            ("CallDuration", "30"),
        ];
        assert_eq!(app.post("/twilio/voice/status", &ended).await.status, 204);
    }
    let found = |caller: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let query: String = url::form_urlencoded::byte_serialize(caller.as_bytes()).collect();
            let (status, page) = app
                .api("GET", &format!("/api/calls?caller={query}"), Some(token), None)
                .await;
            assert_eq!(status, 200, "{caller}: {page}");
            let mut sids: Vec<String> = page["calls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["call_sid"].as_str().unwrap()[32..].to_owned())
                .collect();
            sids.sort();
            sids
        }
    };
    for typed in ["+19175550142", "+1 917 555 0142", "(917) 555-0142", "917.555.0142"] {
        assert_eq!(found(typed).await, ["00", "03"], "{typed}");
    }
    assert_eq!(found("0142").await, ["00", "02", "03"]);
    assert_eq!(found("1142").await, ["01"]);
    assert_eq!(found("020 7946 0142").await, ["02"]);
    assert!(found("5550143").await.is_empty());
    let (status, body) = app.api("GET", "/api/calls?caller=Maria", Some(&token), None).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("no digits"),
        "{body}"
    );
}

#[tokio::test]
async fn a_call_is_found_by_its_caller_once_it_ended_or_could_not_be_going_on_any_more() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    for sid in [
        "CA0000000000000000000000000000f100",
        "CA0000000000000000000000000000f101",
    ] {
        app.call(sid, ACME).await.assert_twiml();
    }
    let count = || async {
        let (_, page) = app.api("GET", "/api/calls?caller=7654321", Some(&token), None).await;
        page["calls"].as_array().unwrap().len()
    };
    assert_eq!(count().await, 0, "still going: not yet in the caller's index");
    let ended = [
        ("CallSid", "CA0000000000000000000000000000f100"),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
    ];
    assert_eq!(app.post("/twilio/voice/status", &ended).await.status, 204);
    assert_eq!(count().await, 1);
    // The other call's end was never reported: the upkeep makes it findable once Twilio
    // would have ended it.
    let later = app.clock_now() + chrono::Duration::hours(4) + chrono::Duration::seconds(1);
    assert_eq!(
        switchboard::store::calls::make_findable_unended(&app.db, app.clock_now(), 10)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        switchboard::store::calls::make_findable_unended(&app.db, later, 10)
            .await
            .unwrap(),
        1
    );
    assert_eq!(count().await, 2);
}

#[tokio::test]
async fn the_audit_log_filters_by_who_what_client_and_period_and_pages_and_exports() {
    let app = spawn_app().await;
    let global = app.admin_token(None).await;
    let acme = app.admin_token(Some("acme-dental")).await;
    let duty = |client: &str, assistant: &str, on: bool, token: &str| {
        let url = format!("/api/clients/{client}/assistants/{assistant}/duty");
        let token = token.to_owned();
        let app = &app;
        async move {
            let (status, body) = app.api("PUT", &url, Some(&token), Some(json!({ "on_duty": on }))).await;
            assert_eq!(status, 204, "{body}");
        }
    };
    duty("acme-dental", "maria", false, &global).await;
    duty("harbor-plumbing", "dev", false, &global).await;
    let yesterday = app.clock_now();
    app.advance(86_400);
    let today = app.clock_now();
    duty("acme-dental", "maria", true, &global).await;
    duty("acme-dental", "john", false, &acme).await;

    let details = |entries: &Value| -> Vec<String> {
        entries
            .as_array()
            .unwrap_or_else(|| panic!("{entries}"))
            .iter()
            .map(|e| e["detail"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, by_actor) = app
        .api("GET", "/api/audit?actor=acme-dental", Some(&global), None)
        .await;
    assert_eq!(details(&by_actor), ["john off duty"]);
    let (_, of_client) = app
        .api(
            "GET",
            "/api/audit?client=acme-dental&action=assistant.duty&limit=2",
            Some(&global),
            None,
        )
        .await;
    assert_eq!(details(&of_client), ["john off duty", "maria on duty"]);
    let last = of_client[1]["id"].as_i64().unwrap();
    let (_, older) = app
        .api(
            "GET",
            &format!("/api/audit?client=acme-dental&action=assistant.duty&limit=2&before={last}"),
            Some(&global),
            None,
        )
        .await;
    assert_eq!(details(&older), ["maria off duty"]);
    let (_, none) = app
        .api("GET", "/api/audit?action=rules.save", Some(&global), None)
        .await;
    assert_eq!(details(&none), Vec::<String>::new());

    let period = |since: chrono::DateTime<chrono::Utc>, until: chrono::DateTime<chrono::Utc>| {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("since", &since.to_rfc3339())
            .append_pair("until", &until.to_rfc3339())
            .finish();
        format!("/api/audit?{q}")
    };
    let (_, first_day) = app.api("GET", &period(yesterday, today), Some(&global), None).await;
    assert_eq!(details(&first_day), ["dev off duty", "maria off duty"]);

    let (_, mine) = app.api("GET", "/api/audit", Some(&acme), None).await;
    assert_eq!(
        details(&mine),
        ["john off duty", "maria on duty", "maria off duty"],
        "no other client's"
    );
    let (status, _) = app
        .api("GET", "/api/audit?client=harbor-plumbing", Some(&acme), None)
        .await;
    assert_eq!(status, 404);
    let (status, body) = app.api("GET", "/api/audit?limit=0", Some(&global), None).await;
    assert_eq!(status, 400, "{body}");

    let (status, csv) = app.api("GET", "/api/audit?format=csv", Some(&global), None).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.as_str().unwrap().lines().collect();
    assert_eq!(lines[0], "id,at,actor,client,action,detail,address");
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[1].contains(",acme-dental,acme-dental,assistant.duty,john off duty,127.0.0.1"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn rules_versions_page_newest_first_without_their_texts() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let text = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    for n in 2..=5 {
        let edited = Value::String(format!("{text}\n# edit {n}\n"));
        let (status, body) = app
            .api("PUT", "/api/clients/acme-dental/rules", Some(&token), Some(edited))
            .await;
        assert_eq!((status, body["version"].as_i64()), (200, Some(n)), "{body}");
    }
    let numbers = |page: &Value| -> Vec<i64> {
        page.as_array()
            .unwrap_or_else(|| panic!("{page}"))
            .iter()
            .map(|v| v["version"].as_i64().unwrap())
            .collect()
    };
    let url = "/api/clients/acme-dental/rules/versions";
    let (_, first) = app.api("GET", &format!("{url}?limit=2"), Some(&token), None).await;
    assert_eq!(numbers(&first), [5, 4], "{first}");
    assert!(first[0].get("source").is_none(), "no texts: {first}");
    assert_eq!(first[0]["summary"], "Comments or layout only", "{first}");
    let (_, rest) = app
        .api("GET", &format!("{url}?limit=2&before=4"), Some(&token), None)
        .await;
    assert_eq!(numbers(&rest), [3, 2]);
    let (_, last) = app.api("GET", &format!("{url}?before=2"), Some(&token), None).await;
    assert_eq!(numbers(&last), [1]);
    let (status, _) = app.api("GET", &format!("{url}?limit=0"), Some(&token), None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_clients_page_by_id() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let ids = |page: &Value| -> Vec<String> {
        page.as_array()
            .unwrap_or_else(|| panic!("{page}"))
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, first) = app.api("GET", "/api/clients?limit=2", Some(&token), None).await;
    assert_eq!(ids(&first), ["acme-dental", "harbor-plumbing"]);
    let (_, rest) = app
        .api("GET", "/api/clients?limit=2&after=harbor-plumbing", Some(&token), None)
        .await;
    assert_eq!(ids(&rest), ["sunrise-vet"]);
    let (status, _) = app.api("GET", "/api/clients?limit=5000", Some(&token), None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_assistants_own_shifts_decide_whether_a_call_rings_them_and_their_tests_say_so() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let text = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    // Maria works mornings and is away on Thursday the 3rd.
    let shifts = "priority = 1\n\n[assistants.shifts]\nmon = [\"08:00-12:00\"]\ntue = [\"08:00-12:00\"]\nwed = [\"08:00-12:00\"]\nthu = [\"08:00-12:00\"]\nfri = [\"08:00-12:00\"]\nclosed = [\"2026-12-03\"]\n\n[[assistants]]\nid = \"john\"";
    let mut edited = text.replacen("priority = 1\n\n[[assistants]]\nid = \"john\"", shifts, 1);
    edited.push_str("\n[[tests]]\nat = \"2026-12-03T10:00\"          # Maria is away\nexpect = [\"john\", \"external\", \"voicemail\"]\n");
    let (status, body) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules",
            Some(&token),
            Some(Value::String(edited.clone())),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let simulate = |at: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let (status, sim) = app
                .api(
                    "POST",
                    "/api/clients/acme-dental/simulate",
                    Some(&token),
                    Some(json!({ "at": at })),
                )
                .await;
            assert_eq!(status, 200, "{sim}");
            sim
        }
    };
    let afternoon = simulate("2026-12-01T14:00").await;
    assert_eq!(afternoon["steps"][0]["label"], "john", "{afternoon}");
    assert!(
        afternoon.to_string().contains("Maria Lopez is skipped: not on shift"),
        "{afternoon}"
    );
    let morning = simulate("2026-12-01T10:00").await;
    assert_eq!(morning["steps"][0]["label"], "maria", "{morning}");
    let call = app.call(CALL, ACME).await;
    assert_eq!(call.dialled(), ["+12125550111"], "Tuesday 10:00: on shift");

    // Asked at 14:00, Maria is told her duty and when her next shift starts.
    app.advance(4 * 3600);
    let status = [
        ("MessageSid", "SM0000000000000000000000000000e601"),
        ("From", "+12125550111"),
        ("To", ACME),
        ("Body", "STATUS"),
        ("NumMedia", "0"),
    ];
    app.post("/twilio/sms", &status).await.assert_twiml();
    let reply = app
        .outbox("acme-dental")
        .await
        .into_iter()
        .find(|m| m.purpose == "duty")
        .expect("an answer");
    assert_eq!(
        reply.body,
        "Maria Lopez, you are on duty for Acme Dental, but outside your shifts: your next shift starts Wed 8:00 AM."
    );

    // A test that expects Maria on her day away is refused, on its line.
    let wrong = edited.replace(
        "at = \"2026-12-03T10:00\"          # Maria is away\nexpect = [\"john\",",
        "at = \"2026-12-03T10:00\"          # Maria is away\nexpect = [\"maria\", \"john\",",
    );
    let (status, body) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules",
            Some(&token),
            Some(Value::String(wrong)),
        )
        .await;
    assert_eq!(status, 422, "{body}");
}
