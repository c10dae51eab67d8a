//! The ceiling for `bench/load.sh`: a minimal axum server that answers every POST with
//! a fixed TwiML document and does no work, so the load script can say how close the
//! real server comes to what the HTTP stack alone allows on this machine.
//! Run: `cargo run --release --example ceiling -- 127.0.0.1:18181`.

use axum::routing::post;
use axum::Router;

const TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>You have reached us.</Say><Record action="/twilio/voice/voicemail" maxLength="120"/></Response>"#;

#[tokio::main]
async fn main() {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18181".into());
    let app = Router::new().route(
        "/twilio/voice",
        post(|| async { ([("content-type", "text/xml; charset=utf-8")], TWIML) }),
    );
    let listener = tokio::net::TcpListener::bind(&bind).await.expect("the address is free");
    axum::serve(listener, app).await.expect("the server runs");
}
