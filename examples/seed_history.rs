//! Fills a database with a long history for `bench/history.sh`: calls spread evenly over
//! the clients of a rule folder and over a year, each with the outcome, assistant, leg and
//! voicemail transcript a real one leaves, and texts sent with their delivery status.
//! Rows go in the way the server writes them (numbers' reversed digits, calls' ids
//! counting up in time), many to a statement, so a million calls take a minute or two.
//! Run: `cargo run --release --example seed_history -- DATABASE_URL RULES_DIR CALLS MESSAGES [UNTIL]`
//! (UNTIL, RFC 3339, is when the year ends; default now).

#[path = "support/call_sid.rs"]
mod call_sid;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait, Value};
use switchboard::phone::digits_reversed;
use switchboard::routing::Rules;

const ROWS_PER_STATEMENT: usize = 500;
const CALLERS: u64 = 50_000;

struct Call {
    sid: String,
    client: usize,
    from: String,
    at: DateTime<Utc>,
    /// The assistant who answered, by index in the client's list; none for a missed call
    /// or a voicemail.
    answered_by: Option<usize>,
    voicemail: bool,
    duration: i32,
}

fn caller(rng: &mut StdRng) -> String {
    let k = rng.random_range(0..CALLERS);
    format!("+1{}555{:04}", 201 + k / 10_000, k % 10_000)
}

/// `INSERT … VALUES (…), (…)` with `?` or `$n` placeholders, one group per row.
fn insert(backend: DbBackend, head: &str, rows: &[Vec<Value>], tail: &str) -> Statement {
    let mut sql = format!("{head} VALUES ");
    let mut n = 0;
    for (i, row) in rows.iter().enumerate() {
        sql.push_str(if i == 0 { "(" } else { ", (" });
        for j in 0..row.len() {
            n += 1;
            if j > 0 {
                sql.push_str(", ");
            }
            match backend {
                DbBackend::Postgres => sql.push_str(&format!("${n}")),
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql.push_str(tail);
    Statement::from_sql_and_values(backend, sql, rows.iter().flatten().cloned())
}

async fn write_calls(db: &impl ConnectionTrait, clients: &[Arc<Rules>], calls: &[Call]) {
    let backend = db.get_database_backend();
    let rows: Vec<Vec<Value>> = calls
        .iter()
        .map(|c| {
            let rules = &clients[c.client];
            let outcome = match (c.answered_by, c.voicemail) {
                (Some(_), _) => "answered",
                (None, true) => "voicemail",
                (None, false) => "missed",
            };
            let answered_by = c.answered_by.map(|a| rules.assistants[a].id.to_string());
            vec![
                c.sid.clone().into(),
                rules.client.to_string().into(),
                1i32.into(),
                "inbound".into(),
                c.from.clone().into(),
                digits_reversed(&c.from).into(),
                rules.numbers[0].to_string().into(),
                "completed".into(),
                5i16.into(),
                outcome.into(),
                answered_by.into(),
                c.duration.into(),
                c.at.into(),
                (c.at + Duration::seconds(i64::from(c.duration))).into(),
            ]
        })
        .collect();
    let head = "INSERT INTO calls (call_sid, client_id, rules_version, direction, from_number, \
        from_digits_reversed, to_number, status, status_rank, outcome, answered_by, duration, started_at, updated_at)";
    let ids = db
        .query_all(insert(backend, head, &rows, " RETURNING id, call_sid"))
        .await
        .expect("the calls are written");
    let id_of: std::collections::HashMap<String, i64> = ids
        .iter()
        .map(|r| (r.try_get_by_index(1).unwrap(), r.try_get_by_index(0).unwrap()))
        .collect();
    let legs: Vec<Vec<Value>> = calls
        .iter()
        .filter_map(|c| {
            let rules = &clients[c.client];
            let a = &rules.assistants[c.answered_by?];
            let answered = c.at + Duration::seconds(5 + i64::from(c.duration % 20));
            Some(vec![
                rules.client.to_string().into(),
                id_of[&c.sid].into(),
                c.sid.clone().into(),
                0i32.into(),
                a.id.to_string().into(),
                a.phone.to_string().into(),
                "completed".into(),
                5i16.into(),
                c.duration.into(),
                true.into(),
                c.at.into(),
                answered.into(),
                answered.into(),
            ])
        })
        .collect();
    if !legs.is_empty() {
        let head = "INSERT INTO call_legs (client_id, call_id, call_sid, step, assistant_id, number, status, \
            status_rank, duration, accepted, created_at, updated_at, answered_at)";
        db.execute(insert(backend, head, &legs, ""))
            .await
            .expect("the legs are written");
    }
    let recordings: Vec<Vec<Value>> = calls
        .iter()
        .filter(|c| c.voicemail)
        .map(|c| {
            vec![
                format!("RE{}", &c.sid[2..]).into(),
                c.sid.clone().into(),
                "voicemail".into(),
                c.duration.into(),
                "completed".into(),
                "Hello, this is about my appointment next week, please call me back.".into(),
                "completed".into(),
                c.at.into(),
                c.at.into(),
            ]
        })
        .collect();
    if !recordings.is_empty() {
        let head = "INSERT INTO recordings (recording_sid, call_sid, kind, duration, status, transcription_text, \
            transcription_status, created_at, updated_at)";
        db.execute(insert(backend, head, &recordings, ""))
            .await
            .expect("the recordings are written");
    }
}

async fn write_messages(
    db: &impl ConnectionTrait,
    clients: &[Arc<Rules>],
    first: u64,
    at: &[(usize, DateTime<Utc>, String)],
) {
    let backend = db.get_database_backend();
    let mut messages = Vec::new();
    let mut statuses = Vec::new();
    for (n, (client, at, to)) in at.iter().enumerate() {
        let rules = &clients[*client];
        let sid = format!("SM{:032x}", first + n as u64);
        messages.push(vec![
            rules.client.to_string().into(),
            format!("seed:{sid}").into(),
            "api".into(),
            to.clone().into(),
            digits_reversed(to).into(),
            rules.numbers[0].to_string().into(),
            "Your appointment is tomorrow at 10:00. Reply STOP to opt out.".into(),
            (*at).into(),
            "sent".into(),
            1i32.into(),
            sid.clone().into(),
            1i32.into(),
            (*at).into(),
            (*at).into(),
            (*at).into(),
            "sms".into(),
        ]);
        statuses.push(vec![sid.into(), "delivered".into(), 4i16.into(), (*at).into()]);
    }
    let head = "INSERT INTO outbox (client_id, dedupe_key, purpose, to_number, to_digits_reversed, from_number, \
        body, send_at, state, attempts, message_sid, segments, created_at, updated_at, sent_at, kind)";
    db.execute(insert(backend, head, &messages, ""))
        .await
        .expect("the texts are written");
    let head = "INSERT INTO message_statuses (message_sid, status, status_rank, updated_at)";
    db.execute(insert(backend, head, &statuses, ""))
        .await
        .expect("the delivery statuses are written");
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, rules_dir, calls, messages, rest @ ..] = args.as_slice() else {
        eprintln!("usage: seed_history DATABASE_URL RULES_DIR CALLS MESSAGES [UNTIL]");
        std::process::exit(2);
    };
    let calls: u64 = calls.parse().expect("CALLS is a number");
    let messages: u64 = messages.parse().expect("MESSAGES is a number");
    let until = rest.first().map_or_else(Utc::now, |u| {
        DateTime::parse_from_rfc3339(u)
            .expect("UNTIL is RFC 3339")
            .with_timezone(&Utc)
    });
    let since = until - Duration::days(365);
    let clients: Vec<Arc<Rules>> = switchboard::rules::files::load_dir(std::path::Path::new(rules_dir))
        .unwrap_or_else(|e| panic!("the rule folder loads: {e:?}"))
        .into_iter()
        .map(|f| f.rules)
        .filter(|r| !r.assistants.is_empty() && !r.numbers.is_empty())
        .collect();
    assert!(
        !clients.is_empty(),
        "the rule folder has clients with numbers and assistants"
    );
    let db = switchboard::store::connect(url).await.expect("the database opens");
    switchboard::store::migrate(&db)
        .await
        .expect("the schema is up to date");

    let mut rng = StdRng::seed_from_u64(24);
    let span = (until - since).num_seconds();
    // In time order, as calls arrive: ids then count up with the start, as in service.
    let mut starts: Vec<i64> = (0..calls).map(|_| rng.random_range(0..span)).collect();
    starts.sort_unstable();
    for (chunk_no, chunk) in starts.chunks(ROWS_PER_STATEMENT).enumerate() {
        let batch: Vec<Call> = chunk
            .iter()
            .enumerate()
            .map(|(i, offset)| {
                let client = rng.random_range(0..clients.len());
                let roll = rng.random_range(0..100);
                let assistants = clients[client].assistants.len();
                Call {
                    sid: call_sid::unordered((chunk_no * ROWS_PER_STATEMENT + i) as u64),
                    client,
                    from: caller(&mut rng),
                    at: since + Duration::seconds(*offset),
                    answered_by: (roll < 70).then(|| rng.random_range(0..assistants)),
                    voicemail: (70..85).contains(&roll),
                    duration: rng.random_range(10..600),
                }
            })
            .collect();
        let txn = db.begin().await.expect("a transaction begins");
        write_calls(&txn, &clients, &batch).await;
        txn.commit().await.expect("the calls are committed");
    }
    let mut sent: Vec<(usize, DateTime<Utc>, String)> = (0..messages)
        .map(|_| {
            let at = since + Duration::seconds(rng.random_range(0..span));
            (rng.random_range(0..clients.len()), at, caller(&mut rng))
        })
        .collect();
    sent.sort_by_key(|m| m.1);
    for (n, chunk) in sent.chunks(ROWS_PER_STATEMENT).enumerate() {
        write_messages(&db, &clients, (n * ROWS_PER_STATEMENT) as u64, chunk).await;
    }
    println!(
        "{calls} calls and {messages} texts for {} clients, {since} to {until}",
        clients.len()
    );
}
