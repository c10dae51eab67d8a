//! Behind a trusted reverse proxy, the wrong-token limit counts against the client the proxy
//! names, not against the proxy; from any other peer the forwarding headers are ignored.

use switchboard::http::attempts::LIMIT;

use crate::helpers::*;

/// The test's own address, 127.0.0.1, is the proxy.
fn behind_a_proxy(settings: &mut switchboard::app::settings::Settings) {
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

async fn clients_via(app: &TestApp, http: &reqwest::Client, forwarded_for: &str, token: &str) -> u16 {
    let (_, base) = app.raw();
    http.get(format!("{base}/api/clients"))
        .header("x-forwarded-for", forwarded_for)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn ten_wrong_tokens_from_one_client_behind_the_proxy_do_not_lock_out_another() {
    let app = spawn_with(Options {
        settings: behind_a_proxy,
        ..Options::default()
    })
    .await;
    let token = app.admin_token(None).await;
    let (http, _) = app.raw();

    for guess in 0..LIMIT {
        // The guesser also writes an address of its own choosing to the left: it is ignored.
        let status = clients_via(&app, http, "198.51.100.1, 203.0.113.66", &format!("sb_guess_{guess}")).await;
        assert_eq!(status, 401);
    }
    let guesser = clients_via(&app, http, "203.0.113.66", &token).await;
    let neighbour = clients_via(&app, http, "203.0.113.77", &token).await;

    assert_eq!(guesser, 429, "the guessing client waits, even with the right token");
    assert_eq!(neighbour, 200, "another client behind the same proxy is not locked out");
}

#[tokio::test]
async fn forwarding_headers_from_a_peer_that_is_not_a_trusted_proxy_are_ignored() {
    let app = spawn_with(Options {
        settings: behind_a_proxy,
        ..Options::default()
    })
    .await;
    let token = app.admin_token(None).await;
    let untrusted = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();

    for guess in 0..LIMIT {
        // A new forged client address each time: were it believed, no limit would ever apply.
        let forged = format!("203.0.113.{guess}");
        let status = clients_via(&app, &untrusted, &forged, &format!("sb_guess_{guess}")).await;
        assert_eq!(status, 401);
    }
    let after = clients_via(&app, &untrusted, "198.51.100.200", &token).await;

    assert_eq!(after, 429, "the peer's own address was counted");
}

#[tokio::test]
async fn without_trusted_proxies_every_client_behind_one_address_shares_its_limit() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (http, _) = app.raw();

    for guess in 0..LIMIT {
        let status = clients_via(&app, http, "203.0.113.66", &format!("sb_guess_{guess}")).await;
        assert_eq!(status, 401);
    }
    let neighbour = clients_via(&app, http, "203.0.113.77", &token).await;

    assert_eq!(neighbour, 429, "as before: the TCP peer is the client");
}
