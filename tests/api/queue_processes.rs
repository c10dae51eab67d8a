//! An assistant is offered one queue caller at a time, however many processes serve the
//! queue: two connections that offer one assistant two callers at once leave one of them
//! offered, and two real `switchboard serve` processes never have Twilio ring one
//! assistant with two offers at once, whatever order the callers' wait turns reach them in.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::TransactionTrait;
use switchboard::store::{
    self,
    queue::{NewCaller, QueueCaller},
};

use crate::chain::{sid, ANN, OFFICE};
use crate::database::TestDb;
use crate::fake_twilio::{AcceptedCall, FakeTwilio};
use crate::queue::{always_open, caller, duty, PROCESS_ADMIN};
use crate::server_process::{deliver, ServerProcess};

const CLIENT: &str = "small-office";

/// Caller `n` in the queue, on hold; a lower `n` waited longer.
async fn joined(db: &store::Db, n: u32) -> QueueCaller {
    let (call_sid, from, now) = (sid('a', n), caller(n), Utc::now());
    let new = NewCaller {
        client: CLIENT,
        call_sid: &call_sid,
        from: &from,
        to: OFFICE,
        position: "client=small-office",
        arrived_at: now - chrono::Duration::seconds(i64::from(100 - n)),
    };
    store::queue::join(db, &new, now).await.unwrap()
}

/// The caller's state and the assistant they are offered to, as stored now.
async fn stored(db: &store::Db, caller: &QueueCaller) -> (String, Option<String>) {
    let now = store::queue::by_id(db, caller.id).await.unwrap().unwrap();
    (now.state, now.assistant_id)
}

fn offered_to(assistant: &str) -> (String, Option<String>) {
    (store::queue::OFFERED.to_owned(), Some(assistant.to_owned()))
}

#[tokio::test]
async fn two_connections_offering_one_assistant_two_callers_at_once_leave_one_offered() {
    let test_db = TestDb::new().await;
    let first = store::connect(&test_db.url).await.unwrap();
    store::migrate(&first).await.unwrap();
    // A pool of its own: another process's connection to the same database.
    let second = store::connect(&test_db.url).await.unwrap();
    let (a, b) = (joined(&first, 1).await, joined(&first, 2).await);
    let now = Utc::now();

    // One process offers A to Ann and has not committed when the other, which also read
    // Ann as free, offers her B.
    let claim = first.begin().await.unwrap();
    assert!(store::queue::offer(&claim, &a, "ann", now).await.unwrap());
    let racing = tokio::spawn({
        let (second, b) = (second.clone(), b.clone());
        async move {
            let txn = second.begin().await.unwrap();
            let to_ann = store::queue::offer(&txn, &b, "ann", now).await.unwrap();
            // The refusal leaves the transaction usable, on PostgreSQL too.
            let to_bob = store::queue::offer(&txn, &b, "bob", now).await.unwrap();
            txn.commit().await.unwrap();
            (to_ann, to_bob)
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    claim.commit().await.unwrap();
    let (to_ann, to_bob) = racing.await.unwrap();
    assert_eq!(
        (stored(&first, &a).await, stored(&first, &b).await),
        (offered_to("ann"), offered_to("bob")),
        "Ann is offered A alone, and B goes to Bob"
    );
    assert_eq!((to_ann, to_bob), (false, true));

    // An offer given up (its transaction rolled back) leaves the assistant to the other.
    let (c, d) = (joined(&first, 3).await, joined(&first, 4).await);
    let claim = first.begin().await.unwrap();
    assert!(store::queue::offer(&claim, &c, "cat", now).await.unwrap());
    let racing = tokio::spawn({
        let (second, d) = (second.clone(), d.clone());
        async move { store::queue::offer(&second, &d, "cat", now).await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    claim.rollback().await.unwrap();
    assert!(racing.await.unwrap(), "Cat is free once the first offer is given up");
    assert_eq!(stored(&first, &c).await, (store::queue::WAITING.to_owned(), None));
    assert_eq!(stored(&first, &d).await, offered_to("cat"));
}

/// A caller of the end-to-end test: their call, and the wait URL Twilio was given.
#[derive(Clone)]
struct Enqueued {
    call: String,
    from: String,
    wait: String,
}

/// Callers whose first wait turns come in one burst.
const BURST: usize = 6;

/// Which process gets the first wait turn of a burst's `i`th caller.
type Placing = fn(usize) -> usize;

/// The orders a burst's wait turns come in: where each is sent, and how many milliseconds
/// after the one before it.
fn interleavings() -> Vec<(Placing, u64)> {
    let patterns: [Placing; 5] = [
        |i| i % 2,
        |i| (i + 1) % 2,
        |i| usize::from(i >= BURST / 2),
        |_| 0,
        |_| 1,
    ];
    let mut all = Vec::new();
    for pattern in patterns {
        for stagger in [0, 1, 3] {
            all.push((pattern, stagger));
        }
    }
    all
}

/// The offers to Ann that are ringing (placed and not ended), once every offer the
/// processes made is placed.
async fn ringing_ann(db: &store::Db, fake: &FakeTwilio, ended: &HashSet<String>) -> Vec<AcceptedCall> {
    // Not a timing target: a bound on waiting for what never comes.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let offers: Vec<_> = store::outbox::for_client(db, CLIENT)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.purpose == store::queue::OFFER)
            .collect();
        let placed = fake.calls();
        let all_placed = offers.iter().all(|m| {
            m.message_sid
                .as_ref()
                .is_some_and(|s| placed.iter().any(|c| &c.sid == s))
        });
        if all_placed {
            return placed
                .into_iter()
                .filter(|c| c.to == ANN && !ended.contains(&c.sid))
                .collect();
        }
        assert!(Instant::now() < deadline, "offers never placed: {offers:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Twilio's final status of a call: `from` calling `to`, ended with `status`.
async fn call_ended(
    http: &reqwest::Client,
    on: &ServerProcess,
    call: (&str, &str, &str),
    direction: &str,
    status: &str,
) {
    let (sid, from, to) = call;
    let params = [
        ("CallSid", sid),
        ("From", from),
        ("To", to),
        ("CallStatus", status),
        ("Direction", direction),
        ("CallDuration", "30"),
    ];
    deliver(http, on.port, "/twilio/voice/status", &params).await;
}

/// The first turn of `caller`'s wait loop, sent to `on` after `delay` milliseconds: they
/// have waited `queue_time` seconds in Twilio's queue.
async fn first_turn(http: reqwest::Client, port: u16, caller: Enqueued, queue_time: String, delay: u64) {
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let params = [
        ("CallSid", caller.call.as_str()),
        ("From", caller.from.as_str()),
        ("To", OFFICE),
        ("QueueTime", queue_time.as_str()),
    ];
    deliver(&http, port, &caller.wait, &params).await;
}

#[tokio::test]
async fn two_processes_never_ring_one_assistant_with_two_offers_at_once() {
    let test_db = TestDb::new().await;
    let fake = FakeTwilio::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small-office.toml"), always_open()).unwrap();
    let base = fake.url.to_string();
    let env = [
        ("SWITCHBOARD_ADMIN_TOKEN", PROCESS_ADMIN),
        ("TWILIO_API_BASE", base.as_str()),
    ];
    let processes = [
        ServerProcess::start(&test_db.url, dir.path(), &env).await,
        ServerProcess::start(&test_db.url, dir.path(), &env).await,
    ];
    let http = reqwest::Client::new();
    let db = store::connect(&test_db.url).await.unwrap();
    let first = &processes[0];

    // Every caller is answered while nobody is on duty, so each is put in the queue; the
    // first turn of each one's wait loop (where they join it) comes in its burst.
    duty(&http, first, "ann", false).await;
    duty(&http, first, "bob", false).await;
    let rounds = interleavings();
    let mut callers = Vec::new();
    for n in 0..u32::try_from(rounds.len() * BURST).unwrap() {
        let (call, from) = (sid('c', n), caller(n));
        let params = [("CallSid", call.as_str()), ("From", from.as_str()), ("To", OFFICE)];
        let answer = deliver(&http, first.port, "/twilio/voice", &params).await;
        assert_eq!(answer.verbs(), ["Enqueue"], "{}", answer.body);
        let wait = answer.first("Enqueue").attr("waitUrl").unwrap().to_owned();
        callers.push(Enqueued { call, from, wait });
    }
    duty(&http, first, "ann", true).await;

    let mut ended = HashSet::new();
    for (round, (on, stagger)) in rounds.into_iter().enumerate() {
        let burst = &callers[round * BURST..(round + 1) * BURST];
        // Each caller sent later has waited longer in Twilio's queue, so a process may see
        // its own caller at the front when it reads the queue before the next one joined.
        let mut turns = tokio::task::JoinSet::new();
        for (i, c) in burst.iter().enumerate() {
            let waited = (10 * (i + 1)).to_string();
            let port = processes[on(i)].port;
            turns.spawn(first_turn(http.clone(), port, c.clone(), waited, stagger * i as u64));
        }
        while let Some(done) = turns.join_next().await {
            done.unwrap();
        }

        let ringing = ringing_ann(&db, &fake, &ended).await;
        let sids: Vec<&str> = ringing.iter().map(|c| c.sid.as_str()).collect();
        let sent_to: Vec<usize> = (0..BURST).map(on).collect();
        assert_eq!(
            ringing.len(),
            1,
            "round {round} (turns sent to processes {sent_to:?}, {stagger} ms apart): Ann is rung for one caller at a time, rung by {sids:?}"
        );

        // The callers hang up, the one offered last so nobody waits when Ann is free; then
        // her offer call ends unanswered.
        let offer = &ringing[0];
        let (offered, _) = store::queue::by_offer(&db, &offer.sid).await.unwrap().unwrap();
        let mut gone: Vec<&Enqueued> = burst.iter().collect();
        gone.sort_by_key(|c| c.call == offered.call_sid);
        for (i, c) in gone.into_iter().enumerate() {
            let on = &processes[(round + i) % 2];
            call_ended(&http, on, (&c.call, &c.from, OFFICE), "inbound", "completed").await;
        }
        let on = &processes[(round + 1) % 2];
        call_ended(&http, on, (&offer.sid, OFFICE, ANN), "outbound-api", "no-answer").await;
        ended.insert(offer.sid.clone());
    }
    let last = ringing_ann(&db, &fake, &ended).await;
    assert!(last.is_empty(), "nobody waits, so nobody is offered: {last:?}");
}
