//! Messaging as admins run it over the API: stored templates used by name (send-sms, bulk
//! JSON and CSV) with both variable forms; consent required by a client's rules, given by
//! the API or a text, with its history; scheduled messages listed, moved and cancelled.

use serde_json::{json, Value};

use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const PATIENT: &str = "+12125550188";

async fn spawn(fake: &FakeTwilio) -> (TestApp, String) {
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    crate::alerts::share_clock(fake, &app);
    let token = app.admin_token(Some("acme-dental")).await;
    (app, token)
}

async fn csv_bulk(app: &TestApp, token: &str, query: &str, csv: &str) -> (u16, Value) {
    let url = format!(
        "http://127.0.0.1:{}/api/clients/acme-dental/send-bulk?{query}",
        app.port
    );
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_str(&response.text().await.unwrap()).unwrap())
}

async fn audit_actions(app: &TestApp, token: &str) -> Vec<String> {
    let (_, audit) = app.api("GET", "/api/audit", Some(token), None).await;
    audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_template_is_created_listed_changed_and_deleted_each_audited() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let base = "/api/clients/acme-dental/templates";
    let reminder = json!({ "name": "reminder", "body": "Hi {{name}}, see you at {time}." });

    let (status, created) = app.api("POST", base, Some(&token), Some(reminder.clone())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["variables"], json!(["name", "time"]));
    let (status, again) = app.api("POST", base, Some(&token), Some(reminder)).await;
    assert_eq!(status, 409, "a name is taken once: {again}");
    let (status, bad) = app
        .api("POST", base, Some(&token), Some(json!({ "name": "x y", "body": "hi" })))
        .await;
    assert_eq!(status, 400, "{bad}");
    let (status, bad) = app
        .api(
            "POST",
            base,
            Some(&token),
            Some(json!({ "name": "block", "body": "{{ if x }}hi{{ endif }}" })),
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    assert!(
        bad["error"]["message"].as_str().unwrap().contains("only variables"),
        "{bad}"
    );

    let (status, changed) = app
        .api(
            "PUT",
            &format!("{base}/reminder"),
            Some(&token),
            Some(json!({ "body": "Hello {name}, your visit is at {{ time }}." })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let (_, listed) = app.api("GET", base, Some(&token), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["body"], "Hello {name}, your visit is at {{ time }}.");
    let (status, _) = app
        .api(
            "PUT",
            &format!("{base}/nothing"),
            Some(&token),
            Some(json!({ "body": "x" })),
        )
        .await;
    assert_eq!(status, 404);

    assert_eq!(
        app.api("DELETE", &format!("{base}/reminder"), Some(&token), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.api("GET", &format!("{base}/reminder"), Some(&token), None).await.0,
        404
    );
    assert_eq!(
        app.api("DELETE", &format!("{base}/reminder"), Some(&token), None)
            .await
            .0,
        404
    );
    let actions = audit_actions(&app, &token).await;
    assert_eq!(
        actions[..3],
        ["template.delete", "template.update", "template.create"],
        "{actions:?}"
    );
}

#[tokio::test]
async fn another_clients_token_cannot_read_change_or_use_a_template() {
    let fake = FakeTwilio::start().await;
    let (app, acme) = spawn(&fake).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let base = "/api/clients/acme-dental/templates";
    let body = json!({ "name": "reminder", "body": "Acme: see you {when}" });
    assert_eq!(app.api("POST", base, Some(&acme), Some(body.clone())).await.0, 201);

    assert_eq!(app.api("GET", base, Some(&harbor), None).await.0, 404);
    assert_eq!(app.api("POST", base, Some(&harbor), Some(body)).await.0, 404);
    let one = format!("{base}/reminder");
    assert_eq!(app.api("GET", &one, Some(&harbor), None).await.0, 404);
    let change = json!({ "body": "changed" });
    assert_eq!(app.api("PUT", &one, Some(&harbor), Some(change)).await.0, 404);
    assert_eq!(app.api("DELETE", &one, Some(&harbor), None).await.0, 404);
    // Harbor's own sends look templates up among Harbor's only.
    let send =
        json!({ "client": "harbor-plumbing", "to": PATIENT, "template_name": "reminder", "vars": { "when": "now" } });
    let (status, refused) = app.api("POST", "/api/twilio/send-sms", Some(&harbor), Some(send)).await;
    assert_eq!(status, 400, "{refused}");

    let (_, kept) = app.api("GET", &one, Some(&acme), None).await;
    assert_eq!(kept["body"], "Acme: see you {when}");
}

#[tokio::test]
async fn a_stored_template_is_used_by_name_from_send_sms_bulk_json_and_csv() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let template = json!({ "name": "reminder", "body": "Hi {{name}}, see you at {time}." });
    let (status, _) = app
        .api(
            "POST",
            "/api/clients/acme-dental/templates",
            Some(&token),
            Some(template),
        )
        .await;
    assert_eq!(status, 201);

    let one = json!({ "client": "acme-dental", "to": PATIENT, "template_name": "reminder", "vars": { "name": "Ann", "time": "9:00" } });
    let (status, queued) = app.api("POST", "/api/twilio/send-sms", Some(&token), Some(one)).await;
    assert_eq!(status, 202, "{queued}");
    let missing =
        json!({ "client": "acme-dental", "to": PATIENT, "template_name": "reminder", "vars": { "name": "Ann" } });
    let (status, refused) = app
        .api("POST", "/api/twilio/send-sms", Some(&token), Some(missing))
        .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no value for {time}"),
        "{refused}"
    );
    let both = json!({ "client": "acme-dental", "to": PATIENT, "body": "x", "template_name": "reminder" });
    assert_eq!(
        app.api("POST", "/api/twilio/send-sms", Some(&token), Some(both))
            .await
            .0,
        400
    );

    let bulk = json!({ "template_name": "reminder", "recipients": [
        { "to": "+12125550181", "vars": { "name": "Bo", "time": "10:00" } },
        { "to": "+12125550182", "vars": { "name": "Cy", "time": "11:00" } },
    ] });
    let (status, outcome) = app
        .api("POST", "/api/clients/acme-dental/send-bulk", Some(&token), Some(bulk))
        .await;
    assert_eq!(status, 202, "every row queued: {outcome}");
    assert_eq!(
        (outcome["queued"].as_u64(), outcome["refused"].as_u64()),
        (Some(2), Some(0))
    );

    let (status, outcome) = csv_bulk(
        &app,
        &token,
        "template_name=reminder",
        "to,name,time\n+12125550183,Di,12:00\n",
    )
    .await;
    assert_eq!(status, 202, "{outcome}");
    let (status, unknown) = csv_bulk(&app, &token, "template_name=nothing", "to\n+12125550184\n").await;
    assert_eq!(status, 400, "{unknown}");
    assert!(
        unknown["error"]["message"].as_str().unwrap().contains("nothing"),
        "{unknown}"
    );

    app.drain_outbox().await;
    let mut bodies: Vec<String> = fake.accepted().into_iter().map(|m| m.body).collect();
    bodies.sort();
    assert_eq!(
        bodies,
        [
            "Hi Ann, see you at 9:00.",
            "Hi Bo, see you at 10:00.",
            "Hi Cy, see you at 11:00.",
            "Hi Di, see you at 12:00."
        ]
    );
}

#[tokio::test]
async fn a_bulk_send_answers_how_many_rows_were_queued_and_names_each_refused_row() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let url = "/api/clients/acme-dental/send-bulk";
    let some = json!({ "template": "Hi {{name}}, at {time}", "recipients": [
        { "to": "+12125550181", "vars": { "name": "Ann", "time": "9" } },
        { "to": "+12125550182", "vars": { "name": "Bo" } },
        { "to": "+12125550183", "vars": { "time": "11" } },
    ] });
    let (status, outcome) = app.api("POST", url, Some(&token), Some(some)).await;
    assert_eq!(status, 207, "{outcome}");
    assert_eq!(
        (outcome["queued"].as_u64(), outcome["refused"].as_u64()),
        (Some(1), Some(2))
    );
    let errors: Vec<&str> = outcome["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["error"].as_str())
        .collect();
    assert_eq!(
        errors,
        [
            "row 2: template: no value for {time}",
            "row 3: template: no value for {name}"
        ]
    );

    let none = json!({ "template": "Hi {{name}}", "recipients": [{ "to": "+12125550184" }, { "to": "+12125550185" }] });
    let (status, outcome) = app.api("POST", url, Some(&token), Some(none)).await;
    assert_eq!(status, 422, "no row queued: {outcome}");
    assert_eq!(
        (outcome["queued"].as_u64(), outcome["refused"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(outcome["rows"][1]["row"], 2);

    let (status, outcome) = csv_bulk(
        &app,
        &token,
        "template=Hi%20%7B%7Bname%7D%7D",
        "to,name\n+12125550186,Ed\n+12125550187,\n",
    )
    .await;
    assert_eq!(status, 202, "an empty cell is a value: {outcome}");
    let (status, outcome) = csv_bulk(&app, &token, "template=Hi%20%7B%7Bname%7D%7D", "to\n+12125550188\n").await;
    assert_eq!(status, 422, "{outcome}");
    assert_eq!(outcome["rows"][0]["error"], "row 2: template: no value for {name}");
}

/// Acme's rules with `[sms]` opting numbers in only by consent, `JOIN` opting in by text.
async fn require_consent(app: &TestApp) {
    let global = app.admin_token(None).await;
    let rules = std::fs::read_to_string(example_rules().join("acme-dental.toml"))
        .unwrap()
        .replace(
            "[sms]\n",
            "[sms]\nopt_in = \"required\"\nopt_in_keywords = [\"join\"]\n",
        );
    let (status, body) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules",
            Some(&global),
            Some(Value::String(rules)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn text_in(app: &TestApp, sid: &str, from: &str, body: &str) {
    let params = [
        ("MessageSid", sid),
        ("From", from),
        ("To", ACME),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    assert_eq!(app.post("/twilio/sms", &params).await.status, 200);
}

#[tokio::test]
async fn with_consent_required_only_numbers_that_opted_in_are_texted_and_the_others_refused_at_once() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    require_consent(&app).await;
    let send = |to: &str| json!({ "client": "acme-dental", "to": to, "body": "Your results are ready." });

    let (status, refused) = app
        .api("POST", "/api/twilio/send-sms", Some(&token), Some(send(PATIENT)))
        .await;
    assert_eq!(status, 409, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("(212) 555-0188 has not opted in"), "{message}");

    // By the API, by START, by the client's own word.
    let path = format!("/api/clients/acme-dental/opt-outs/{PATIENT}");
    let (status, consent) = app
        .api("PUT", &path, Some(&token), Some(json!({ "opted_out": false })))
        .await;
    assert_eq!(status, 200, "{consent}");
    assert_eq!(
        (consent["opted_in"].as_bool(), consent["may_text"].as_bool()),
        (Some(true), Some(true))
    );
    text_in(&app, "SM0000000000000000000000000000c001", "+12125550181", "START").await;
    text_in(&app, "SM0000000000000000000000000000c002", "+12125550182", " Join ").await;
    for to in [PATIENT, "+12125550181", "+12125550182"] {
        let (status, body) = app
            .api("POST", "/api/twilio/send-sms", Some(&token), Some(send(to)))
            .await;
        assert_eq!(status, 202, "{to}: {body}");
    }

    let bulk = json!({ "template": "Closed {day}", "recipients": [
        { "to": "+12125550181", "vars": { "day": "Friday" } },
        { "to": "+12125550183", "vars": { "day": "Friday" } },
    ] });
    let (status, outcome) = app
        .api("POST", "/api/clients/acme-dental/send-bulk", Some(&token), Some(bulk))
        .await;
    assert_eq!(status, 207, "{outcome}");
    let error = outcome["rows"][1]["error"].as_str().unwrap();
    assert!(error.starts_with("row 2: (212) 555-0183 has not opted in"), "{error}");

    app.drain_outbox().await;
    let texted: Vec<String> = (fake.accepted().into_iter())
        .filter(|m| m.body.starts_with("Your results") || m.body.starts_with("Closed"))
        .map(|m| m.to)
        .collect();
    assert_eq!(texted, [PATIENT, "+12125550181", "+12125550182", "+12125550181"]);
}

#[tokio::test]
async fn a_numbers_opt_ins_and_opt_outs_are_kept_with_how_by_whom_and_when() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let path = format!("/api/clients/acme-dental/opt-outs/{PATIENT}");
    let (_, never) = app.api("GET", &path, Some(&token), None).await;
    assert_eq!(never["history"], json!([]));
    assert_eq!(
        (never["opted_in"].as_bool(), never["may_text"].as_bool()),
        (Some(false), Some(true))
    );

    text_in(&app, "SM0000000000000000000000000000c003", PATIENT, "stop").await;
    app.advance(60);
    let (status, _) = app
        .api("PUT", &path, Some(&token), Some(json!({ "opted_out": false })))
        .await;
    assert_eq!(status, 200);
    app.advance(60);
    text_in(&app, "SM0000000000000000000000000000c004", PATIENT, "STOP").await;

    let (status, consent) = app.api("GET", &path, Some(&token), None).await;
    assert_eq!(status, 200, "{consent}");
    assert_eq!(
        (consent["opted_out"].as_bool(), consent["may_text"].as_bool()),
        (Some(true), Some(false))
    );
    let history: Vec<(bool, &str, &str)> = consent["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["opted_out"].as_bool().unwrap(),
                h["source"].as_str().unwrap(),
                h["what"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            (true, "keyword", "Opted out: texted \u{201c}STOP\u{201d}"),
            (false, "admin", "Opted in: recorded by acme-dental"),
            (true, "keyword", "Opted out: texted \u{201c}stop\u{201d}"),
        ],
        "{consent}"
    );
    let at = |i: usize| consent["history"][i]["at"].as_str().unwrap().to_owned();
    assert!(at(0) > at(1) && at(1) > at(2), "{consent}");
}

#[tokio::test]
async fn a_scheduled_message_is_listed_moved_and_cancelled_until_it_is_sent() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let now = app.clock_now();
    let at = |minutes: i64| (now + chrono::Duration::minutes(minutes)).to_rfc3339();
    let mut ids = Vec::new();
    for (to, minutes) in [("+12125550181", 90), ("+12125550182", 30), ("+12125550183", 60)] {
        let send = json!({ "client": "acme-dental", "to": to, "body": "Reminder", "send_at": at(minutes) });
        let (status, queued) = app.api("POST", "/api/twilio/send-sms", Some(&token), Some(send)).await;
        assert_eq!(status, 202, "{queued}");
        ids.push(queued["id"].as_i64().unwrap());
    }

    let (status, page) = app
        .api("GET", "/api/clients/acme-dental/scheduled?limit=2", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{page}");
    let to = |page: &Value| -> Vec<String> {
        page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["to"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(to(&page), ["+12125550182", "+12125550183"], "soonest first");
    let next = page["next"].as_str().unwrap();
    let (_, rest) = app
        .api(
            "GET",
            &format!("/api/clients/acme-dental/scheduled?limit=2&cursor={next}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(to(&rest), ["+12125550181"]);
    assert!(rest["next"].is_null());

    let one = |id: i64| format!("/api/clients/acme-dental/scheduled/{id}");
    let (status, moved) = app
        .api("PATCH", &one(ids[0]), Some(&token), Some(json!({ "send_at": at(10) })))
        .await;
    assert_eq!(status, 200, "{moved}");
    let (status, cancelled) = app.api("DELETE", &one(ids[2]), Some(&token), None).await;
    assert_eq!(
        (status, cancelled["state"].as_str()),
        (200, Some("cancelled")),
        "{cancelled}"
    );
    let (status, again) = app.api("DELETE", &one(ids[2]), Some(&token), None).await;
    assert_eq!(status, 409, "{again}");
    let (status, far) = app
        .api(
            "PATCH",
            &one(ids[1]),
            Some(&token),
            Some(json!({ "send_at": at(60 * 24 * 40) })),
        )
        .await;
    assert_eq!(status, 400, "{far}");

    app.advance(11 * 60);
    app.drain_outbox().await;
    let sent: Vec<String> = fake.accepted().into_iter().map(|m| m.to).collect();
    assert_eq!(sent, ["+12125550181"], "the moved message went first, alone");
    let (status, late) = app
        .api("PATCH", &one(ids[0]), Some(&token), Some(json!({ "send_at": at(120) })))
        .await;
    assert_eq!(status, 409, "a message sent cannot be moved: {late}");
    assert!(
        late["error"]["message"].as_str().unwrap().contains("already sent"),
        "{late}"
    );
    app.advance(30 * 60);
    app.drain_outbox().await;
    let sent: Vec<String> = fake.accepted().into_iter().map(|m| m.to).collect();
    assert_eq!(sent, ["+12125550181", "+12125550182"], "the cancelled one never goes");

    let actions = audit_actions(&app, &token).await;
    assert!(
        actions.contains(&"message.cancel".to_owned()) && actions.contains(&"message.reschedule".to_owned()),
        "{actions:?}"
    );
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    assert_eq!(
        app.api("GET", "/api/clients/acme-dental/scheduled", Some(&harbor), None)
            .await
            .0,
        404
    );
    assert_eq!(app.api("DELETE", &one(ids[1]), Some(&harbor), None).await.0, 404);
    let (status, _) = app
        .api("GET", "/api/clients/harbor-plumbing/scheduled", Some(&harbor), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.api(
            "DELETE",
            "/api/clients/harbor-plumbing/scheduled/1",
            Some(&harbor),
            None
        )
        .await
        .0,
        404
    );
}
