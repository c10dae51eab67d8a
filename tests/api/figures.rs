//! The figures the charts are drawn from, over real HTTP, from calls and texts made through
//! the webhooks and the API (`seeded_figures`): days, hours of the week, directions, call
//! lengths, answer rates and the numbers texted most, exact, across the end of daylight
//! saving time in the client's zone.

use serde_json::{json, Value};

use crate::console::{get, sign_in};
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;
use crate::seeded_figures::{self, OTHER_PATIENT, PATIENT, SINCE, UNTIL};

fn hours(set: &[(usize, u64)]) -> Value {
    let mut all = vec![0u64; 24];
    for (hour, n) in set {
        all[*hour] = *n;
    }
    json!(all)
}

#[tokio::test]
async fn stats_give_each_local_day_by_outcome_every_hour_of_the_week_and_who_was_texted_most() {
    let fake = FakeTwilio::start().await;
    let app = seeded_figures::spawn(&fake).await;
    let token = app.admin_token(Some("acme-dental")).await;
    seeded_figures::seed(&app, &token).await;

    let path = format!("/api/clients/acme-dental/stats?since={SINCE}&until={UNTIL}");
    let (status, stats) = app.api("GET", &path, Some(&token), None).await;

    assert_eq!(status, 200, "{stats}");
    let day = |date: &str, answered: u64, voicemail: u64, missed: u64, not_finished: u64, outbound: u64| {
        json!({
            "date": date, "calls": answered + voicemail + missed + not_finished + outbound,
            "answered": answered, "voicemail": voicemail, "missed": missed, "blocked": 0,
            "awaiting_callback": 0, "not_finished": not_finished, "outbound": outbound,
        })
    };
    assert_eq!(
        stats["by_day"],
        json!([
            day("2026-10-31", 0, 1, 0, 0, 0),
            // 25 hours long: both 01:30s are Sunday's.
            day("2026-11-01", 0, 1, 1, 1, 0),
            day("2026-11-02", 2, 0, 0, 0, 1),
        ])
    );
    let (mon, sat, sun) = (hours(&[(10, 2), (14, 1)]), hours(&[(22, 1)]), hours(&[(1, 2), (15, 1)]));
    let week: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .into_iter()
        .map(|d| {
            let hours = match d {
                "mon" => mon.clone(),
                "sat" => sat.clone(),
                "sun" => sun.clone(),
                _ => hours(&[]),
            };
            json!({ "weekday": d, "hours": hours })
        })
        .collect();
    assert_eq!(stats["by_hour_of_week"], json!(week));
    assert_eq!(
        (&stats["calls"], &stats["inbound"], &stats["outbound"]),
        (&json!(7), &json!(6), &json!(1))
    );
    assert_eq!(stats["mean_answered_call_seconds"], json!(140.0), "(185 + 95) / 2");
    assert_eq!(
        stats["assistants"],
        json!([
            { "assistant": "john", "name": "John Park", "answered": 1, "rung": 1, "answer_rate": 1.0,
              "mean_seconds_to_answer": 25.0 },
            { "assistant": "maria", "name": "Maria Lopez", "answered": 1, "rung": 2, "answer_rate": 0.5,
              "mean_seconds_to_answer": 12.0 },
        ])
    );
    // Customers only: each assistant's three alerts (two voicemails, the missed call) were
    // sent, but the business's own staff are not among the numbers it texts most.
    assert_eq!(
        stats["messages"]["top_recipients"],
        json!([
            { "number": PATIENT, "texts": 3 },
            { "number": OTHER_PATIENT, "texts": 1 },
        ])
    );
    let instant = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let (since, until) = (instant(SINCE), instant(UNTIL));
    let alerts = app.outbox("acme-dental").await;
    let to_maria = (alerts.iter())
        .filter(|m| m.to_number == "+12125550111" && m.created_at >= since && m.created_at < until)
        .count();
    assert_eq!(to_maria, 3, "the alerts were sent in the period");
    // The fields that were there before are as they were.
    assert_eq!(
        (&stats["answered"], &stats["missed"], &stats["voicemails"]),
        (&json!(2), &json!(1), &json!(2))
    );
    assert_eq!(
        stats["busiest_hours"],
        json!([{ "hour": 1, "calls": 2 }, { "hour": 10, "calls": 2 }, { "hour": 14, "calls": 1 }, { "hour": 15, "calls": 1 }, { "hour": 22, "calls": 1 }])
    );
}

#[tokio::test]
async fn at_most_ten_numbers_are_listed_as_texted_most_and_only_this_clients() {
    let fake = FakeTwilio::start().await;
    let app = seeded_figures::spawn(&fake).await;
    let token = app.admin_token(Some("acme-dental")).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    for n in 0..12u64 {
        for _ in 0..=n {
            let to = format!("+1212555{:04}", 300 + n);
            let text = json!({ "client": "acme-dental", "to": to, "body": "Hello" });
            assert_eq!(
                app.api("POST", "/api/twilio/send-sms", Some(&token), Some(text))
                    .await
                    .0,
                202
            );
        }
    }
    let text = json!({ "client": "harbor-plumbing", "to": "+442079460999", "body": "Hello" });
    assert_eq!(
        app.api("POST", "/api/twilio/send-sms", Some(&harbor), Some(text))
            .await
            .0,
        202
    );
    app.drain_outbox().await;

    let (_, stats) = app
        .api("GET", "/api/clients/acme-dental/stats", Some(&token), None)
        .await;

    let top = stats["messages"]["top_recipients"].as_array().unwrap().clone();
    let want: Vec<Value> = (2..12u64)
        .rev()
        .map(|n| json!({ "number": format!("+1212555{:04}", 300 + n), "texts": n + 1 }))
        .collect();
    assert_eq!(top, want);
    let (_, theirs) = app
        .api("GET", "/api/clients/harbor-plumbing/stats", Some(&harbor), None)
        .await;
    assert_eq!(
        theirs["messages"]["top_recipients"],
        json!([{ "number": "+442079460999", "texts": 1 }])
    );
}

#[tokio::test]
async fn a_period_longer_than_ten_years_is_refused_in_words() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let path = "/api/clients/acme-dental/stats?since=2000-01-01T00:00:00Z&until=2026-01-01T00:00:00Z";
    let (status, body) = app.api("GET", path, Some(&token), None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("at most"), "{body}");
}

#[tokio::test]
async fn the_figures_page_offers_three_periods_refuses_others_and_only_for_the_tokens_client() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &token).await;
    let (status, page) = get(&app, "/admin/clients/acme-dental/figures", Some(&session)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"aria-current="page">Last 30 days"#),
        "30 days by default"
    );
    assert!(
        page.contains("No calls in the last 30 days."),
        "an empty period says so"
    );
    assert!(!page.contains("<svg"), "no empty axes");
    let (status, page) = get(&app, "/admin/clients/acme-dental/figures?days=365", Some(&session)).await;
    assert_eq!(status, 400);
    assert!(page.contains("last 7, 30 or 90 days"), "{page}");
    let (status, _) = get(&app, "/admin/clients/harbor-plumbing/figures", Some(&session)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_new_figures_are_described_in_the_openapi_document() {
    let app = spawn_app().await;
    let (_, doc) = app.api("GET", "/api/openapi.json", None, None).await;
    let schemas = &doc["components"]["schemas"];
    for field in [
        "by_day",
        "by_hour_of_week",
        "inbound",
        "outbound",
        "mean_answered_call_seconds",
        "awaiting_callback",
    ] {
        assert!(
            schemas["Stats"]["properties"][field].is_object(),
            "Stats.{field}: {}",
            schemas["Stats"]
        );
    }
    for field in [
        "date",
        "answered",
        "voicemail",
        "awaiting_callback",
        "missed",
        "not_finished",
        "outbound",
    ] {
        assert!(schemas["DayCount"]["properties"][field].is_object(), "DayCount.{field}");
    }
    assert_eq!(schemas["DayCount"]["properties"]["date"]["format"], "date");
    assert!(schemas["MessageStats"]["properties"]["top_recipients"].is_object());
    assert!(schemas["AssistantStats"]["properties"]["answer_rate"].is_object());
}
