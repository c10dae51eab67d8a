//! A client's figures are counted by the database and exact at any volume: a generated
//! history of more than 100,000 calls across a daylight-saving change, whose true figures
//! the test works out call by call, against `GET /api/clients/{id}/stats`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde_json::{json, Value as Json};
use switchboard::store::calls::status_rank;

use crate::helpers::*;

/// One generated call of Acme's (or of Harbor's, which must not count).
struct Generated {
    sid: String,
    client: &'static str,
    started: DateTime<Utc>,
    outcome: Option<&'static str>,
    answered_by: Option<&'static str>,
    /// Seconds from the call coming in to the assistant's answer.
    wait: Option<i64>,
}

/// A small deterministic generator (64-bit LCG), so a failure can be run again as it was.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn history(count: usize) -> Vec<Generated> {
    // Four weeks around New York's fall-back (2026-11-01 06:00 UTC), a day either side
    // outside the period asked for.
    let first = Utc.with_ymd_and_hms(2026, 10, 19, 0, 0, 0).unwrap();
    let span = (Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap() - first).num_seconds() as u64;
    let mut random = Lcg(20_261_101);
    (0..count)
        .map(|n| {
            let started = first + Duration::seconds(random.next(span) as i64);
            let outcome = [Some("answered"), Some("missed"), Some("voicemail"), None][random.next(4) as usize];
            let answered_by = (outcome == Some("answered")).then(|| ["maria", "john"][random.next(2) as usize]);
            Generated {
                sid: format!("CA{n:032x}"),
                client: if random.next(10) == 0 {
                    "harbor-plumbing"
                } else {
                    "acme-dental"
                },
                started,
                outcome,
                answered_by,
                wait: answered_by.map(|_| 1 + random.next(40) as i64),
            }
        })
        .collect()
}

/// `INSERT … VALUES (…), …` with each backend's placeholders.
fn insert(backend: DbBackend, head: &str, rows: Vec<Vec<Value>>) -> Statement {
    let mut sql = format!("{head} VALUES ");
    let mut values = Vec::new();
    for (r, row) in rows.into_iter().enumerate() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for (c, value) in row.into_iter().enumerate() {
            values.push(value);
            let mark = match backend {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => "?".to_owned(),
            };
            sql.push_str(&if c == 0 { mark } else { format!(", {mark}") });
        }
        sql.push(')');
    }
    Statement::from_sql_and_values(backend, sql, values)
}

async fn store(app: &TestApp, calls: &[Generated]) {
    let backend = app.db.get_database_backend();
    let completed = status_rank("completed");
    for (chunk, part) in calls.chunks(1000).enumerate() {
        let rows = part
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    Value::from(1_000_000 + (chunk * 1000 + i) as i64),
                    c.sid.clone().into(),
                    c.client.into(),
                    "inbound".into(),
                    CALLER.into(),
                    ACME.into(),
                    "completed".into(),
                    completed.into(),
                    c.outcome.map(str::to_owned).into(),
                    c.answered_by.map(str::to_owned).into(),
                    c.started.into(),
                    c.started.into(),
                ]
            })
            .collect();
        let head = "INSERT INTO calls (id, call_sid, client_id, direction, from_number, to_number, status, \
                    status_rank, outcome, answered_by, started_at, updated_at)";
        app.db.execute(insert(backend, head, rows)).await.unwrap();
        let legs: Vec<Vec<Value>> = part
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                Some(vec![
                    Value::from(1_000_000 + (chunk * 1000 + i) as i64),
                    c.sid.clone().into(),
                    c.client.into(),
                    0i32.into(),
                    c.answered_by?.into(),
                    "+12125550111".into(),
                    "completed".into(),
                    completed.into(),
                    false.into(),
                    c.started.into(),
                    c.started.into(),
                    (c.started + Duration::seconds(c.wait?)).into(),
                ])
            })
            .collect();
        if !legs.is_empty() {
            let head = "INSERT INTO call_legs (call_id, call_sid, client_id, step, assistant_id, number, status, \
                        status_rank, accepted, created_at, updated_at, answered_at)";
            app.db.execute(insert(backend, head, legs)).await.unwrap();
        }
    }
}

/// The figures of Acme's calls in `[since, until)`, worked out one call at a time.
fn expected(calls: &[Generated], since: DateTime<Utc>, until: DateTime<Utc>) -> Json {
    let ours: Vec<&Generated> = calls
        .iter()
        .filter(|c| c.client == "acme-dental" && c.started >= since && c.started < until)
        .collect();
    let count = |o: &str| ours.iter().filter(|c| c.outcome == Some(o)).count();
    let mut per: BTreeMap<&str, (u64, i64)> = BTreeMap::new();
    let (mut hours, mut days, mut week) = ([0u64; 24], [0u64; 7], [[0u64; 24]; 7]);
    let zone = chrono_tz::America::New_York;
    let first = since.with_timezone(&zone).date_naive();
    let last = until.with_timezone(&zone).date_naive();
    let mut by_date: BTreeMap<chrono::NaiveDate, [u64; 4]> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| (d, [0; 4]))
        .collect();
    for c in &ours {
        let local = c.started.with_timezone(&zone);
        week[local.weekday().num_days_from_monday() as usize][local.hour() as usize] += 1;
        let outcome = ["answered", "voicemail", "missed"]
            .iter()
            .position(|o| c.outcome == Some(*o))
            .unwrap_or(3);
        by_date.get_mut(&local.date_naive()).unwrap()[outcome] += 1;
        if let (Some(a), Some(w)) = (c.answered_by, c.wait) {
            let entry = per.entry(a).or_default();
            entry.0 += 1;
            entry.1 += w;
        }
        hours[local.hour() as usize] += 1;
        days[local.weekday().num_days_from_monday() as usize] += 1;
    }
    let assistants: Vec<Json> = per
        .iter()
        .map(|(a, (n, waits))| json!({"assistant": a, "answered": n, "mean_seconds_to_answer": *waits as f64 / *n as f64}))
        .collect();
    let by_hour: Vec<Json> = (0..24).map(|h| json!({"hour": h, "calls": hours[h]})).collect();
    let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let by_weekday: Vec<Json> = (0..7).map(|d| json!({"weekday": names[d], "calls": days[d]})).collect();
    let by_hour_of_week: Vec<Json> = (0..7).map(|d| json!({"weekday": names[d], "hours": week[d]})).collect();
    let by_day: Vec<Json> = by_date
        .iter()
        .map(|(date, [a, v, m, n])| {
            json!({"date": date.to_string(), "calls": a + v + m + n, "answered": a, "voicemail": v, "missed": m,
                   "blocked": 0, "awaiting_callback": 0, "not_finished": n, "outbound": 0})
        })
        .collect();
    json!({
        "calls": ours.len(),
        "answered": count("answered"),
        "missed": count("missed"),
        "voicemails": count("voicemail"),
        "assistants": assistants,
        "by_hour": by_hour,
        "by_weekday": by_weekday,
        "by_hour_of_week": by_hour_of_week,
        "by_day": by_day,
        "inbound": ours.len(),
        "outbound": 0,
    })
}

#[tokio::test]
async fn stats_over_a_hundred_thousand_calls_across_a_dst_change_are_exact() {
    let app = spawn_app().await;
    let calls = history(130_000);
    store(&app, &calls).await;
    let token = app.admin_token(None).await;
    let (since, until) = ("2026-10-20T00:00:00Z", "2026-11-15T00:00:00Z");

    let path = format!("/api/clients/acme-dental/stats?since={since}&until={until}");
    let (status, stats) = app.api("GET", &path, Some(&token), None).await;

    assert_eq!(status, 200, "{stats}");
    let want = expected(&calls, since.parse().unwrap(), until.parse().unwrap());
    assert!(want["calls"].as_u64().unwrap() > 100_000, "{}", want["calls"]);
    for field in [
        "calls",
        "answered",
        "missed",
        "voicemails",
        "by_hour",
        "by_weekday",
        "by_hour_of_week",
        "by_day",
        "inbound",
        "outbound",
    ] {
        assert_eq!(stats[field], want[field], "{field}");
    }
    let (got, want) = (
        stats["assistants"].as_array().unwrap(),
        want["assistants"].as_array().unwrap(),
    );
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!((&g["assistant"], &g["answered"]), (&w["assistant"], &w["answered"]));
        let (g, w) = (
            g["mean_seconds_to_answer"].as_f64().unwrap(),
            w["mean_seconds_to_answer"].as_f64().unwrap(),
        );
        assert!((g - w).abs() < 1e-9, "{g} ≠ {w}");
    }
}
