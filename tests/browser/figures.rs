//! The figures page in a real browser: each chart is there, labelled for people and for
//! screen readers, and draws the seeded calls (`seeded_figures`).

use serde_json::json;

use crate::browser::{with_browser, Browser};
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;
use crate::seeded_figures;

/// What a script finds on the page, as JSON.
async fn eval(b: &Browser, script: &str) -> serde_json::Value {
    b.client.execute(script, vec![]).await.unwrap()
}

/// The chart's accessible name and description, as a screen reader gets them.
async fn named(b: &Browser, chart: &str) -> (String, String) {
    let script = format!(
        "const svg = document.getElementById('{chart}');
         const [name, desc] = svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id).textContent);
         return [svg.getAttribute('role'), name, desc];"
    );
    let got = eval(b, &script).await;
    assert_eq!(got[0], "img", "{chart}: {got}");
    (got[1].as_str().unwrap().to_owned(), got[2].as_str().unwrap().to_owned())
}

async fn axis_labels(b: &Browser, chart: &str) -> serde_json::Value {
    eval(
        b,
        &format!("return [...document.querySelectorAll('#{chart} .axis-label')].map(t => t.textContent);"),
    )
    .await
}

#[tokio::test]
async fn the_figures_page_draws_each_chart_labelled_from_the_seeded_calls() {
    let fake = FakeTwilio::start().await;
    let app = seeded_figures::spawn(&fake).await;
    let token = app.admin_token(Some("acme-dental")).await;
    seeded_figures::seed(&app, &token).await;
    with_browser(app, "figures", |b, _app| async move {
        b.sign_in(&token).await;
        b.click("nav a[href='/admin/clients/acme-dental/figures']").await;
        assert_eq!(b.text("h1").await, "Figures");
        assert_eq!(b.text("nav.periods a[aria-current=page]").await, "Last 30 days");
        let intro = b.text("main > p.muted").await;
        assert!(intro.contains("New York time (America/New_York)"), "{intro}");

        // Calls a day: 30 local days, five of them with calls, bars stacked by outcome.
        assert_eq!(b.text("#calls-a-day-h").await, "Calls a day");
        let (name, desc) = named(&b, "calls-by-day").await;
        assert_eq!(name, "Calls a day by outcome");
        assert!(desc.starts_with("9 calls in the last 30 days: 2 answered, 3 voicemail, 2 missed"), "{desc}");
        assert_eq!(axis_labels(&b, "calls-by-day").await, json!(["Day (New York time)", "Calls"]));
        let days = eval(
            &b,
            "const days = [...document.querySelectorAll('#calls-by-day g.day')];
             const drawn = days.filter(g => [...g.querySelectorAll('rect.bar')].some(r => r.getBoundingClientRect().height > 0));
             return [days.length, drawn.map(g => [g.dataset.day, Number(g.dataset.calls)])];",
        )
        .await;
        assert_eq!(
            days,
            json!([30, [["2026-10-30", 1], ["2026-10-31", 1], ["2026-11-01", 3], ["2026-11-02", 3], ["2026-11-03", 1]]])
        );
        let monday = eval(
            &b,
            "return [...document.querySelectorAll('#calls-by-day g.day[data-day=\"2026-11-02\"] rect.bar')]
                .map(r => [r.dataset.outcome, Number(r.dataset.calls), r.querySelector('title').textContent]);",
        )
        .await;
        assert_eq!(
            monday,
            json!([["answered", 2, "Mon 2 Nov: 2 answered"], ["outbound", 1, "Mon 2 Nov: 1 placed by the office"]])
        );
        assert!(b.text("#calls-a-day .legend").await.contains("Not finished"));

        // Busy hours: seven cells of 168 with calls, both 01:30s of the long Sunday in one.
        assert_eq!(b.text("#busy-hours-h").await, "Busy hours of the week");
        let (name, _) = named(&b, "busy-hours").await;
        assert_eq!(name, "Busy hours of the week");
        assert_eq!(
            axis_labels(&b, "busy-hours").await,
            json!(["Hour of the day (New York time)", "Day of the week"])
        );
        let cells = eval(
            &b,
            "const cells = [...document.querySelectorAll('#busy-hours rect.cell')];
             return [cells.length, cells.filter(c => c.dataset.calls !== '0')
                 .map(c => [c.dataset.weekday, Number(c.dataset.hour), Number(c.dataset.calls), c.getAttribute('class')])];",
        )
        .await;
        assert_eq!(
            cells,
            json!([168, [
                ["mon", 10, 2, "cell heat-4"], ["mon", 14, 1, "cell heat-2"], ["tue", 0, 1, "cell heat-2"],
                ["fri", 23, 1, "cell heat-2"], ["sat", 22, 1, "cell heat-2"],
                ["sun", 1, 2, "cell heat-4"], ["sun", 15, 1, "cell heat-2"],
            ]])
        );
        let legend = b.text("#busy-hours-card .legend").await;
        assert!(legend.contains("No calls") && legend.contains("2 calls"), "{legend}");

        // Answer rate and time to answer, by name.
        let (name, desc) = named(&b, "answer-rates").await;
        assert_eq!(name, "Answer rate and time to answer");
        assert_eq!(
            desc,
            "John Park answered 1 of 1 call (100%), after 25 s on average; \
             Maria Lopez answered 1 of 2 calls (50%), after 12 s on average"
        );
        let bars = eval(
            &b,
            "return [...document.querySelectorAll('#answer-rates g.assistant')].map(g =>
                [g.querySelector('text.name').textContent, Math.round(g.querySelector('rect.rate').getBoundingClientRect().width)]);",
        )
        .await;
        let (john, maria) = (bars[0][1].as_f64().unwrap(), bars[1][1].as_f64().unwrap());
        assert_eq!((&bars[0][0], &bars[1][0]), (&json!("John Park"), &json!("Maria Lopez")));
        assert!(john > 0.0 && (maria / john - 0.5).abs() < 0.02, "{bars}");
        assert_eq!(
            axis_labels(&b, "answer-rates").await,
            json!(["Share of the calls that rang them, answered"])
        );

        let top = b.text("#top-recipients tbody").await;
        assert!(top.starts_with("(212) 555-0177"), "customers, most texted first: {top}");
        assert!(!top.contains("Maria Lopez"), "not the staff's alerts: {top}");
        b.screenshot("figures").await;

        b.click("nav.periods a[href$='days=7']").await;
        assert_eq!(eval(&b, "return document.querySelectorAll('#calls-by-day g.day').length;").await, 7);
        // The same numbers in tables, folded under each chart.
        b.toggle("#calls-a-day details summary").await;
        b.toggle("#busy-hours-card details summary").await;
        let sunday = b.text("#busy-hours-card table.numbers tbody tr:nth-child(7)").await;
        assert!(sunday.starts_with("Sunday 0 2 0"), "{sunday}");
        b.screenshot("figures-7-days").await;
    })
    .await;
}

#[tokio::test]
async fn an_empty_period_says_so_without_charts() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    with_browser(app, "figures_empty", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental/figures?days=7").await;
        assert_eq!(b.text("#calls-a-day .empty").await, "No calls in the last 7 days.");
        assert_eq!(
            eval(&b, "return document.querySelectorAll('svg.chart').length;").await,
            0
        );
        b.screenshot("figures-empty").await;
    })
    .await;
}
