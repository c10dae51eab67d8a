//! What a caller who asked to be called back came to, wherever a call's result is shown or
//! counted (the stats API, the call log's filter, the console's call log, call page and
//! Today, the daily summary): waiting for a call back while it is owed, answered once it
//! reaches them, missed (with why) once it is given up. The queue's flow is `queue`'s.

use crate::chain::{set_duty, sid};
use crate::console::{get, sign_in};
use crate::fake_twilio::FakeTwilio;
use crate::helpers::TestApp;
use crate::queue::callbacks::{call_back_dialled, call_back_unanswered};
use crate::queue::{accept, arrive, hang_up, left_queue, placed, press, queued_office_with, wait_turn};

/// The queued office, with a daily summary to Ann at 10:30 (the test clock starts at 10:00,
/// so the server's own round does not send it before the calls).
async fn office() -> (TestApp, FakeTwilio, tempfile::TempDir) {
    queued_office_with("[alerts]\ndaily_summary = { at = \"10:30\", to = [\"ann\"] }").await
}

/// Caller `n` presses the call back key and hangs up, as the call back promised asks.
async fn asks_for_a_call_back(app: &TestApp, fake: &FakeTwilio, call: &str, n: u32) {
    let enqueued = arrive(app, fake, call, n).await;
    let turn = wait_turn(app, &enqueued, call, n, "0").await;
    press(app, &turn, call, n, "2").await;
    left_queue(app, &enqueued, call, n, "leave").await;
    hang_up(app, call, n).await;
}

/// The stats API's (missed, awaiting_callback, answered), over the period and for today.
async fn figures(app: &TestApp) -> [(u64, u64, u64); 2] {
    let token = app.admin_token(None).await;
    let (status, stats) = app
        .api("GET", "/api/clients/small-office/stats", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{stats}");
    let today = stats["by_day"].as_array().unwrap().last().unwrap().clone();
    let three = |v: &serde_json::Value, voicemails: &str| {
        assert_eq!(v[voicemails], 0);
        let n = |f: &str| v[f].as_u64().unwrap_or_else(|| panic!("{f} in {v}"));
        (n("missed"), n("awaiting_callback"), n("answered"))
    };
    [three(&stats, "voicemails"), three(&today, "voicemail")]
}

/// The calls the API's call log lists with `outcome`.
async fn with_outcome(app: &TestApp, outcome: &str) -> Vec<String> {
    let token = app.admin_token(None).await;
    let path = format!("/api/calls?client=small-office&outcome={outcome}");
    let (status, page) = app.api("GET", &path, Some(&token), None).await;
    assert_eq!(status, 200, "{page}");
    let calls = page["calls"].as_array().unwrap();
    calls
        .iter()
        .map(|c| c["call_sid"].as_str().unwrap().to_owned())
        .collect()
}

/// A console page's text, signed in as the bootstrap admin.
async fn page(app: &TestApp, path: &str) -> String {
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(app, &token).await;
    let (status, html) = get(app, path, Some(&session)).await;
    assert_eq!(status, 200, "{path}: {html}");
    html
}

/// The daily summary Ann is sent, once its time (10:30) has come.
async fn summary(app: &TestApp) -> String {
    app.advance(31 * 60);
    let mut sent = switchboard::messaging::summary::Sent::default();
    switchboard::messaging::summary::send_due(&app.db, &app.state.registry, &mut sent, app.clock_now())
        .await
        .unwrap();
    let summaries: Vec<String> = app
        .outbox("small-office")
        .await
        .into_iter()
        .filter(|m| m.purpose == "summary")
        .map(|m| m.body)
        .collect();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    summaries[0].clone()
}

#[tokio::test]
async fn a_caller_waiting_for_a_call_back_is_counted_and_shown_apart_from_missed_callers() {
    let (app, fake, _dir) = office().await;
    let (owed, gone) = (sid('e', 1), sid('e', 2));
    asks_for_a_call_back(&app, &fake, &owed, 1).await;
    // Another caller hangs up while waiting: missed.
    let other = arrive(&app, &fake, &gone, 2).await;
    left_queue(&app, &other, &gone, 2, "hangup").await;
    hang_up(&app, &gone, 2).await;

    assert_eq!(
        app.call_detail(&owed).await.call.outcome.as_deref(),
        Some("awaiting_callback"),
        "the end of the call does not make it missed"
    );
    assert_eq!(figures(&app).await, [(1, 1, 0); 2]);
    assert_eq!(with_outcome(&app, "awaiting_callback").await, [owed.as_str()]);
    assert_eq!(with_outcome(&app, "missed").await, [gone.as_str()]);

    let log = page(&app, "/admin/calls?client=small-office&outcome=awaiting_callback").await;
    assert!(log.contains("Waiting for a call back"), "{log}");
    assert!(
        log.contains("No attempt yet; the next as soon as an assistant is free."),
        "{log}"
    );
    assert!(!log.contains(&gone), "filtered out: {log}");
    assert!(log.contains(r#"<option value="awaiting_callback" selected>Waiting for a call back</option>"#));
    let call = page(&app, &format!("/admin/calls/{owed}")).await;
    assert!(
        call.contains(">Waiting for a call back<") && !call.contains(">Missed<"),
        "{call}"
    );
    let today = page(&app, "/admin/clients/small-office").await;
    assert!(
        today.contains("<dt>Waiting for a call back</dt><dd>1</dd>") && today.contains("<dt>Missed</dt><dd>1</dd>"),
        "{today}"
    );
    assert!(
        today.contains("(917) 555-0001</span></a> called Tue 1 Dec 2026, 10:00 AM EST."),
        "{today}"
    );

    assert_eq!(
        summary(&app).await,
        "Small Office today: 2 calls, 1 missed, 1 waiting for a call back, 0 voicemails not handled yet."
    );
}

#[tokio::test]
async fn a_call_back_that_reaches_the_caller_makes_the_call_answered_by_whoever_called_back() {
    let (app, fake, _dir) = office().await;
    let call = sid('e', 3);
    asks_for_a_call_back(&app, &fake, &call, 1).await;
    set_duty(&app, &["ann"], true).await;
    switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
    let offers = placed(&app, &fake, 0).await;
    let ring = accept(&app, &fake, &offers[0]).await;
    let being_called = page(&app, &format!("/admin/calls/{call}")).await;
    assert!(
        being_called.contains("Call back attempt 1 of 2: ann is calling them now."),
        "{being_called}"
    );
    call_back_dialled(&app, &offers[0], &ring, "completed").await;

    assert_eq!(figures(&app).await, [(0, 0, 1); 2]);
    assert!(with_outcome(&app, "awaiting_callback").await.is_empty());
    let log = page(&app, "/admin/calls?client=small-office").await;
    assert!(log.contains("Called back by ann."), "{log}");
    let today = page(&app, "/admin/clients/small-office").await;
    assert!(!today.contains("Waiting for a call back"), "{today}");
    assert_eq!(
        summary(&app).await,
        "Small Office today: 1 call, 0 missed, 0 voicemails not handled yet."
    );
}

#[tokio::test]
async fn a_call_back_given_up_makes_the_call_missed_and_says_why() {
    let (app, fake, _dir) = office().await;
    let call = sid('e', 4);
    asks_for_a_call_back(&app, &fake, &call, 1).await;
    set_duty(&app, &["ann"], true).await;
    call_back_unanswered(&app, &fake, 0).await;
    let waiting = page(&app, &format!("/admin/calls/{call}")).await;
    assert!(
        waiting
            .contains("1 of 2 attempts made; the next from Tue 1 Dec 2026, 10:01 AM EST, when an assistant is free."),
        "{waiting}"
    );
    assert_eq!(figures(&app).await, [(0, 1, 0); 2]);
    app.advance(60);
    call_back_unanswered(&app, &fake, 1).await;

    assert_eq!(figures(&app).await, [(1, 0, 0); 2]);
    assert_eq!(with_outcome(&app, "missed").await, [call.as_str()]);
    let call_page = page(&app, &format!("/admin/calls/{call}")).await;
    assert!(call_page.contains(">Missed<"), "{call_page}");
    assert!(
        call_page
            .contains("Asked to be called back, but 2 attempts reached nobody: the assistants were told to call them."),
        "{call_page}"
    );
    // The two calls placed to Ann for the attempts count among the day's calls, as every
    // call the office places does.
    assert_eq!(
        summary(&app).await,
        "Small Office today: 3 calls, 1 missed, 0 voicemails not handled yet."
    );
}
