//! Connections that never finish a request, opened by the thousand on loopback: each is closed
//! within its limit, the cap makes newcomers wait rather than fail, and signed webhooks and
//! `/health` answer all the while. Run with `--nocapture` to see the figures.

use std::time::{Duration, Instant};

use switchboard::app::settings::Settings;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Of each kind: silent, and headers promising a body that never comes.
const STALLED: usize = 1_000;
const LIMIT: Duration = Duration::from_secs(3);
/// Time for the server to notice and the test's reader to see it, on a busy machine.
const SLACK: Duration = Duration::from_secs(3);
const HEADERS_WITHOUT_BODY: &[u8] = b"POST /twilio/voice HTTP/1.1\r\nHost: switchboard.example.test\r\n\
Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: AAAA\r\nContent-Length: 100\r\n\r\n";

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap()
}

fn short_limits(settings: &mut Settings) {
    settings.request_timeout_ms = millis(LIMIT);
    settings.idle_timeout_ms = millis(LIMIT);
}

/// Reads until the server closes the connection; how long after `opened` that was, or `None`
/// when it was still open at `give_up`.
async fn closed_after(mut stream: TcpStream, opened: Instant, give_up: Duration) -> Option<Duration> {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::from_std(opened) + give_up;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(opened.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Opens `count` connections, sending `first` on each, and watches each until it is closed.
async fn stall(port: u16, count: usize, first: &'static [u8]) -> Vec<tokio::task::JoinHandle<Option<Duration>>> {
    let mut watchers = Vec::with_capacity(count);
    for _ in 0..count {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        // From the connection's existence, as the server's limits count: a connect that waited
        // for room in the kernel's backlog is not the server's time.
        let opened = Instant::now();
        stream.write_all(first).await.unwrap();
        watchers.push(tokio::spawn(closed_after(stream, opened, LIMIT + SLACK * 3)));
    }
    watchers
}

async fn close_times(watchers: Vec<tokio::task::JoinHandle<Option<Duration>>>) -> Vec<Duration> {
    let mut times = Vec::with_capacity(watchers.len());
    for w in watchers {
        times.push(w.await.unwrap().expect("a stalled connection was never closed"));
    }
    times.sort_unstable();
    times
}

fn summary(times: &[Duration]) -> String {
    format!(
        "min {:?}, median {:?}, max {:?} (n = {})",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_stalled_connections_are_closed_in_time_while_signed_calls_and_health_answer() {
    let app = spawn_with(Options {
        settings: short_limits,
        ..Options::default()
    })
    .await;
    let silent = stall(app.port, STALLED, b"").await;
    let half_sent = stall(app.port, STALLED, HEADERS_WITHOUT_BODY).await;

    let mut answers = Vec::new();
    for i in 0..20 {
        let started = Instant::now();
        app.call(&format!("CA{i:032}"), ACME).await.assert_twiml();
        answers.push(started.elapsed());
    }
    let started = Instant::now();
    let (http, base) = app.raw();
    let health = http.get(format!("{base}/health")).send().await.unwrap().status();
    let health_time = started.elapsed();
    let silent = close_times(silent).await;
    let half_sent = close_times(half_sent).await;

    answers.sort_unstable();
    println!("with {STALLED} silent and {STALLED} half-sent connections open, limits {LIMIT:?}:");
    println!("  signed incoming calls answered in {}", summary(&answers));
    println!("  /health answered in {health_time:?}");
    println!("  silent connections closed after {}", summary(&silent));
    println!("  half-sent requests closed after {}", summary(&half_sent));
    assert_eq!(health, 200);
    assert!(
        answers[answers.len() - 1] < LIMIT,
        "a call waited {:?}",
        answers[answers.len() - 1]
    );
    assert!(health_time < LIMIT, "/health waited {health_time:?}");
    for (kind, times) in [("silent", &silent), ("half-sent", &half_sent)] {
        assert!(
            times[0] >= LIMIT - Duration::from_millis(100),
            "a {kind} connection closed early: {:?}",
            times[0]
        );
        assert!(
            times[times.len() - 1] < LIMIT + SLACK,
            "a {kind} connection closed late: {}",
            summary(times)
        );
    }
}

#[tokio::test]
async fn at_the_connection_cap_a_new_caller_waits_for_a_place_instead_of_failing() {
    let app = spawn_with(Options {
        settings: |s| {
            short_limits(s);
            s.max_connections = 2;
        },
        ..Options::default()
    })
    .await;
    let silent = stall(app.port, 2, b"").await;
    // Give the server time to take both before the call queues behind them.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let answer = app.call("CA00000000000000000000000000000c01", ACME).await;
    let waited = started.elapsed();

    answer.assert_twiml();
    println!("with the cap of 2 taken by silent connections, the call was answered after {waited:?}");
    assert!(
        waited >= LIMIT - Duration::from_millis(500),
        "answered before a place was free: {waited:?}"
    );
    assert!(waited < LIMIT + SLACK, "{waited:?}");
    close_times(silent).await;
}

/// One HTTP/2 frame: type, flags, stream and payload.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut out = vec![length[1], length[2], length[3], kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

const SETTINGS: u8 = 4;
const PING: u8 = 6;
const HEADERS: u8 = 1;
const ACK: u8 = 1;

/// Plays an HTTP/2 client with prior knowledge that asks for `/health` once and then only
/// acknowledges what the server sends (its pings included), as a live but idle client does.
/// Returns whether the answer came, and when after `opened` the server closed the connection.
async fn idle_http2_client(port: u16, give_up: Duration) -> (bool, Option<Duration>) {
    let opened = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    hello.extend(frame(SETTINGS, 0, 0, &[]));
    // HPACK: GET, http, :authority "x", :path "/health" (literal, not indexed).
    let mut request = vec![0x82, 0x86, 0x41, 0x01, b'x', 0x04, 0x07];
    request.extend_from_slice(b"/health");
    hello.extend(frame(HEADERS, 0x4 | 0x1, 1, &request));
    stream.write_all(&hello).await.unwrap();
    let deadline = tokio::time::Instant::from_std(opened) + give_up;
    let mut answered = false;
    loop {
        let mut head = [0u8; 9];
        match tokio::time::timeout_at(deadline, stream.read_exact(&mut head)).await {
            Err(_) => return (answered, None),
            Ok(Err(_)) => return (answered, Some(opened.elapsed())),
            Ok(Ok(_)) => {}
        }
        let length = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let mut payload = vec![0u8; length];
        if stream.read_exact(&mut payload).await.is_err() {
            return (answered, Some(opened.elapsed()));
        }
        let (kind, flags) = (head[3], head[4]);
        answered |= kind == HEADERS;
        let reply = match kind {
            PING if flags & ACK == 0 => frame(PING, ACK, 0, &payload),
            SETTINGS if flags & ACK == 0 => frame(SETTINGS, ACK, 0, &[]),
            _ => continue,
        };
        if stream.write_all(&reply).await.is_err() {
            return (answered, Some(opened.elapsed()));
        }
    }
}

#[tokio::test]
async fn an_http2_client_that_only_answers_pings_is_let_go_after_the_idle_limit() {
    let app = spawn_with(Options {
        settings: short_limits,
        ..Options::default()
    })
    .await;

    let (answered, closed) = idle_http2_client(app.port, LIMIT * 4).await;

    println!("an idle HTTP/2 connection answering pings was closed after {closed:?}");
    assert!(answered, "the request was served");
    let closed = closed.expect("still open: pings alone kept it");
    assert!(closed < LIMIT + SLACK, "{closed:?}");
}
