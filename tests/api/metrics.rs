//! `/metrics` lists every client with its calls: it stays open for a local Prometheus unless a
//! token or an address of its own is set.

use crate::helpers::*;

const METRICS_TOKEN: &str = "metrics-test-token-0123456789";

async fn metrics(port: u16, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/metrics"));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn without_settings_metrics_are_served_as_before() {
    let app = spawn_app().await;
    app.call("CA00000000000000000000000000000e01", ACME)
        .await
        .assert_twiml();

    let (status, body) = metrics(app.port, None).await;

    assert_eq!(status, 200);
    assert!(body.contains("switchboard_calls_total"), "{body}");
}

#[tokio::test]
async fn with_a_metrics_token_metrics_need_it_and_nothing_else_opens_them() {
    let app = spawn_with(Options {
        settings: |s| s.metrics_token = Some(METRICS_TOKEN.into()),
        ..Options::default()
    })
    .await;
    let admin = app.admin_token(None).await;

    let anonymous = metrics(app.port, None).await;
    let wrong = metrics(app.port, Some("metrics-test-token-0123456780")).await;
    let with_admin_token = metrics(app.port, Some(&admin)).await;
    let right = metrics(app.port, Some(METRICS_TOKEN)).await;

    for (refused, why) in [
        (anonymous, "none"),
        (wrong, "a wrong one"),
        (with_admin_token, "an admin token"),
    ] {
        assert_eq!(refused.0, 401, "{why}");
        assert!(!refused.1.contains("acme"), "{why}: {}", refused.1);
    }
    assert_eq!(right.0, 200);
    assert!(right.1.contains("switchboard_http_request_seconds"), "{}", right.1);
}

#[tokio::test]
async fn with_a_metrics_address_metrics_are_served_there_and_no_longer_on_the_public_listener() {
    let app = spawn_with(Options {
        settings: |s| s.metrics_bind = Some("127.0.0.1:0".parse().unwrap()),
        ..Options::default()
    })
    .await;
    let metrics_port = app.metrics_port.expect("a metrics listener");

    let public = metrics(app.port, None).await;
    let own = metrics(metrics_port, None).await;
    let (http, base) = app.raw();
    let health = http.get(format!("{base}/health")).send().await.unwrap().status();

    assert_eq!(public.0, 404, "{}", public.1);
    assert_eq!(own.0, 200);
    assert!(own.1.contains("switchboard_"), "{}", own.1);
    assert_eq!(health, 200, "the public listener still serves the rest");
}
