//! Prometheus metrics: webhook latency by route, call outcomes by client, outbox
//! results, depth and age, Twilio errors by code, and database pool use. One recorder
//! per process; `GET /metrics` renders it.

use std::sync::OnceLock;
use std::time::Duration;

use ::metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Webhooks answer within a few milliseconds; Twilio gives up at 15 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0,
];

/// A batch carries up to 64 items (`store::batch`).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// How often histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(1);

fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .expect("the bucket list is not empty")
            .set_buckets_for_metric(Matcher::Full("switchboard_batch_items".into()), BATCH_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Several servers in one process (tests) share the first recorder.
        let _ = metrics::set_global_recorder(recorder);
        // Histogram samples are kept until upkeep folds them into their buckets: without
        // it they piled up until `/metrics` was next read, growing without bound under
        // load when nothing read it. A thread, not a task, so it outlives any one runtime.
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "metrics: no upkeep thread; histograms are drained only by GET /metrics");
        }
        handle
    })
}

/// Makes sure the recorder exists before the first request is counted.
pub fn init() {
    let _ = handle();
}

pub fn webhook(route: &str, status: u16, took: Duration) {
    histogram!("switchboard_http_request_seconds", "route" => route.to_owned(), "status" => status.to_string())
        .record(took.as_secs_f64());
}

/// One committed batch (`store::batch`): how many webhooks shared it, and how long it
/// held the database, commit and flush included.
pub fn batch(items: usize, took: Duration) {
    #[allow(clippy::cast_precision_loss)] // at most 64
    histogram!("switchboard_batch_items").record(items as f64);
    histogram!("switchboard_batch_seconds").record(took.as_secs_f64());
}

/// One stage of a committed batch: `read` (its reads: on SQLite one request with
/// `BEGIN`, on PostgreSQL a round trip per statement), `decide` (deciding its calls and building its writes, without the
/// database) or `write` (its writes and the commit, the flush included).
pub fn batch_stage(stage: &'static str, took: Duration) {
    histogram!("switchboard_batch_stage_seconds", "stage" => stage).record(took.as_secs_f64());
}

pub fn call_outcome(client: &str, outcome: &str) {
    counter!("switchboard_call_outcomes_total", "client" => client.to_owned(), "outcome" => outcome.to_owned())
        .increment(1);
}

pub fn calls_routed(client: &str) {
    counter!("switchboard_calls_total", "client" => client.to_owned()).increment(1);
}

/// `sent`, `retry` or `gave_up`.
pub fn outbox(result: &'static str) {
    counter!("switchboard_outbox_messages_total", "result" => result).increment(1);
}

pub fn twilio_error(code: Option<i64>) {
    let code = code.map_or_else(|| "none".to_owned(), |c| c.to_string());
    counter!("switchboard_twilio_errors_total", "code" => code).increment(1);
}

/// What the database says now, for the gauges `GET /metrics` shows beside the counters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Messages waiting to be sent, and the oldest one's wait in seconds; none when the
    /// database did not answer (the gauges then keep their last values).
    pub outbox: Option<(u64, f64)>,
    /// The pool's open connections and how many of them are idle.
    pub pool: (u32, usize),
}

/// The text `GET /metrics` answers.
pub fn render(g: &Gauges) -> String {
    if let Some((pending, age)) = g.outbox {
        gauge!("switchboard_outbox_pending").set(pending as f64);
        gauge!("switchboard_outbox_oldest_pending_age_seconds").set(age);
    }
    gauge!("switchboard_db_pool_connections").set(f64::from(g.pool.0));
    gauge!("switchboard_db_pool_idle_connections").set(g.pool.1 as f64);
    handle().render()
}
