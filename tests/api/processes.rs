//! Two real `switchboard serve` processes on one database behave as one: round robin
//! stays fair across them, and a rules edit, a new client or a deleted one made through
//! one is used by the other.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::database::TestDb;
use crate::server_process::{deliver, ServerProcess};

const NUMBER: &str = "+12125550150";
const ADMIN: &str = "sb_processes_test_token";

fn rules(round_robin: bool) -> String {
    let strategy = if round_robin { "round_robin" } else { "priority" };
    let mut text = format!(
        "client = \"rr-test\"\nname = \"Round Robin Test\"\nnumbers = [\"{NUMBER}\"]\ntimezone = \"UTC\"\n\n[hours]\n"
    );
    for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        text.push_str(&format!("{day} = [\"00:00-24:00\"]\n"));
    }
    for (n, id) in ["a", "b", "c", "d"].iter().enumerate() {
        text.push_str(&format!(
            "\n[[assistants]]\nid = \"{id}\"\nphone = \"+1212555016{n}\"\npriority = {n}\n"
        ));
    }
    text.push_str(&format!(
        "\n[open]\nstrategy = \"{strategy}\"\nthen = [\"voicemail\"]\n\n[voicemail]\ngreeting = \"Leave a message.\"\n"
    ));
    text
}

/// The number an incoming call rings first.
async fn first_rung(http: &reqwest::Client, port: u16, call: usize) -> String {
    let sid = format!("CA{call:032x}");
    let answer = deliver(
        http,
        port,
        "/twilio/voice",
        &[("CallSid", &sid), ("From", "+15557654321"), ("To", NUMBER)],
    )
    .await;
    answer
        .dialled()
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("nobody rung: {}", answer.body))
}

async fn serve(database: &str, rules_dir: &Path) -> ServerProcess {
    ServerProcess::start(
        database,
        rules_dir,
        &[
            ("SWITCHBOARD_ADMIN_TOKEN", ADMIN),
            ("SWITCHBOARD_OUTBOX_WORKER", "false"),
        ],
    )
    .await
}

#[tokio::test]
async fn two_processes_share_one_fair_rotation_and_each_others_rules_edits() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rr-test.toml"), rules(true)).unwrap();
    // The first process migrates; the second starts on a ready database.
    let a = serve(&db.url, dir.path()).await;
    let b = serve(&db.url, dir.path()).await;
    let http = reqwest::Client::new();

    let mut firsts: HashMap<String, usize> = HashMap::new();
    for call in 0..500 {
        let port = if call % 2 == 0 { a.port } else { b.port };
        *firsts.entry(first_rung(&http, port, call).await).or_default() += 1;
    }
    assert_eq!(firsts.len(), 4, "{firsts:?}");
    assert!(
        firsts.values().all(|n| (124..=126).contains(n)),
        "each of 4 assistants first 125 ± 1 times: {firsts:?}"
    );

    // An edit through A: priority order, so `a` (+12125550160) is always first.
    let response = http
        .put(format!("http://127.0.0.1:{}/api/clients/rr-test/rules", a.port))
        .bearer_auth(ADMIN)
        .header("content-type", "text/plain")
        .body(rules(false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let saved = Instant::now();
    let mut call = 1000;
    loop {
        call += 2;
        if first_rung(&http, b.port, call).await == "+12125550160"
            && first_rung(&http, b.port, call + 1).await == "+12125550160"
        {
            break;
        }
        assert!(
            saved.elapsed() < Duration::from_secs(2),
            "B still routes with the old rules after 2 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("B used A's edit after {:?}", saved.elapsed());
}

#[tokio::test]
async fn a_client_created_or_deleted_through_one_process_is_served_or_dropped_by_the_other() {
    const SHOP: &str = "+12125550170";
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rr-test.toml"), rules(false)).unwrap();
    let a = serve(&db.url, dir.path()).await;
    let b = serve(&db.url, dir.path()).await;
    let http = reqwest::Client::new();
    let port = b.port;
    let answer_at_b = |call: usize| {
        let http = http.clone();
        let sid = format!("CA{call:032x}");
        async move {
            deliver(
                &http,
                port,
                "/twilio/voice",
                &[("CallSid", &sid), ("From", "+15557654321"), ("To", SHOP)],
            )
            .await
        }
    };

    let created = http
        .put(format!("http://127.0.0.1:{}/api/clients/new-shop/rules", a.port))
        .bearer_auth(ADMIN)
        .header("content-type", "text/plain")
        .body(rules(false).replace("rr-test", "new-shop").replace(NUMBER, SHOP))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200, "{}", created.text().await.unwrap());
    let mut call = 2000;
    // Not a timing target: a bound on waiting for what never comes.
    let deadline = Instant::now() + Duration::from_secs(20);
    while answer_at_b(call).await.dialled().is_empty() {
        assert!(Instant::now() < deadline, "B never serves the client created through A");
        call += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let deleted = http
        .delete(format!("http://127.0.0.1:{}/api/clients/new-shop", a.port))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    while answer_at_b(call).await.verbs() != ["Say", "Hangup"] {
        assert!(Instant::now() < deadline, "B still serves the client deleted through A");
        call += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
