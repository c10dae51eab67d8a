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
    let (call_sid, from, now) = (sid('q', n), caller(n), Utc::now());
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
struct Enqueued {
    call: String,
    from: String,
    wait: String,
}

/// Which process gets the first wait turn of X (who waited longer) and of Y, which of the
/// two is sent late, and by how many milliseconds.
fn interleavings() -> Vec<(usize, usize, usize, u64)> {
    let mut all = Vec::new();
    for (x_on, y_on) in [(0, 1), (1, 0), (0, 0), (1, 1)] {
        for late in [0, 1] {
            for stagger in [0, 2, 5] {
                all.push((x_on, y_on, late, stagger));
            }
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
        let all_placed = offers
            .iter()
            .all(|m| m.message_sid.as_ref().is_some_and(|s| placed.iter().any(|c| &c.sid == s)));
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

/// The queue caller the offer call `offer_sid` was placed for.
async fn offered_caller(db: &store::Db, offer_sid: &str) -> String {
    let (caller, _) = store::queue::by_offer(db, offer_sid).await.unwrap().unwrap();
    caller.call_sid
}

/// Twilio's final status of a call: `from` calling `to`, ended with `status`.
async fn call_ended(http: &reqwest::Client, on: &ServerProcess, call: (&str, &str, &str), direction: &str, status: &str) {
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

#[tokio::test]
async fn two_processes_never_ring_one_assistant_with_two_offers_at_once() {
    let test_db = TestDb::new().await;
    let fake = FakeTwilio::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small-office.toml"), always_open()).unwrap();
    let base = fake.url.to_string();
    let env = [("SWITCHBOARD_ADMIN_TOKEN", PROCESS_ADMIN), ("TWILIO_API_BASE", base.as_str())];
    let processes = [
        ServerProcess::start(&test_db.url, dir.path(), &env).await,
        ServerProcess::start(&test_db.url, dir.path(), &env).await,
    ];
    let http = reqwest::Client::new();
    let db = store::connect(&test_db.url).await.unwrap();
    let first = &processes[0];

    // Every caller is answered while nobody is on duty, so each is put in the queue; the
    // first turn of each one's wait loop (where they join it) comes in its round.
    duty(&http, first, "ann", false).await;
    duty(&http, first, "bob", false).await;
    let rounds = interleavings();
    let mut callers = Vec::new();
    for n in 0..u32::try_from(rounds.len() * 2).unwrap() {
        let (call, from) = (sid('w', n), caller(n));
        let params = [("CallSid", call.as_str()), ("From", from.as_str()), ("To", OFFICE)];
        let answer = deliver(&http, first.port, "/twilio/voice", &params).await;
        assert_eq!(answer.verbs(), ["Enqueue"], "{}", answer.body);
        let wait = answer.first("Enqueue").attr("waitUrl").unwrap().to_owned();
        callers.push(Enqueued { call, from, wait });
    }
    duty(&http, first, "ann", true).await;

    let mut ended = HashSet::new();
    for (round, &(x_on, y_on, late, stagger)) in rounds.iter().enumerate() {
        let (x, y) = (&callers[2 * round], &callers[2 * round + 1]);
        let turn = |queue_time: &'static str, caller: &Enqueued, on: usize, delay: u64| {
            let (http, port) = (http.clone(), processes[on].port);
            let params = [
                ("CallSid", caller.call.clone()),
                ("From", caller.from.clone()),
                ("To", OFFICE.to_owned()),
                ("QueueTime", queue_time.to_owned()),
            ];
            let wait = caller.wait.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                deliver(&http, port, &wait, &params).await
            }
        };
        // X has been in Twilio's queue longer than Y: each process may read the queue
        // before the other's caller joined it, and see its own caller first.
        let (x_delay, y_delay) = if late == 0 { (stagger, 0) } else { (0, stagger) };
        tokio::join!(turn("30", x, x_on, x_delay), turn("0", y, y_on, y_delay));

        let ringing = ringing_ann(&db, &fake, &ended).await;
        let sids: Vec<&str> = ringing.iter().map(|c| c.sid.as_str()).collect();
        assert_eq!(
            ringing.len(),
            1,
            "round {round} (X on {x_on}, Y on {y_on}, {stagger} ms late: {}): Ann is rung for one caller at a time, rung by {sids:?}",
            ["X", "Y"][late]
        );

        // Both callers hang up, the one offered last so nobody waits when Ann is free;
        // then her offer call ends unanswered.
        let offer = &ringing[0];
        let offered = offered_caller(&db, &offer.sid).await;
        let mut gone = [x, y];
        gone.sort_by_key(|c| c.call == offered);
        for (i, c) in gone.iter().enumerate() {
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
