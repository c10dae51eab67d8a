//! Nothing unsigned gets in.

use crate::helpers::*;

const CALL: &str = "CA00000000000000000000000000000a71";

fn voice_params() -> Vec<(&'static str, &'static str)> {
    vec![
        ("CallSid", CALL),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "ringing"),
    ]
}

#[tokio::test]
async fn an_unsigned_request_is_refused_with_a_bare_403() {
    let app = spawn_app().await;
    let (http, base) = app.raw();
    let response = http
        .post(format!("{base}/twilio/voice"))
        .form(&voice_params())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn a_signature_over_other_parameters_is_refused() {
    let app = spawn_app().await;
    let (http, base) = app.raw();
    let owned: Vec<(String, String)> = voice_params().iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let signature = switchboard::twilio::signature::compute(&app.token, &format!("{PUBLIC_URL}/twilio/voice"), &owned);
    let mut changed = voice_params();
    changed[1] = ("From", "+15550000000");
    let response = http
        .post(format!("{base}/twilio/voice"))
        .header("X-Twilio-Signature", signature)
        .form(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_signature_for_another_url_is_refused() {
    let app = spawn_app().await;
    let (http, base) = app.raw();
    let owned: Vec<(String, String)> = voice_params().iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let signature =
        switchboard::twilio::signature::compute(&app.token, &format!("{PUBLIC_URL}/twilio/voice/fallback"), &owned);
    let response = http
        .post(format!("{base}/twilio/voice"))
        .header("X-Twilio-Signature", signature)
        .form(&owned)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn with_a_real_auth_token_the_local_token_no_longer_works() {
    let app = spawn_with(Options {
        real_token: Some("0123456789abcdef0123456789abcdef"),
        ..Options::default()
    })
    .await;
    let local = app
        .post_signed_with(
            switchboard::app::settings::LOCAL_AUTH_TOKEN,
            "/twilio/voice",
            &voice_params(),
        )
        .await;
    assert_eq!(local.status, 403);
    let real = app.call(CALL, ACME).await;
    real.assert_twiml();
}

#[tokio::test]
async fn every_twilio_route_and_alias_checks_the_signature() {
    let app = spawn_app().await;
    let (http, base) = app.raw();
    for path in [
        "/twilio/voice",
        "/api/twilio/incoming-call-handler",
        "/twilio/voice/next",
        "/twilio/voice/screen",
        "/twilio/voice/voicemail",
        "/api/twilio/voicemail-complete",
        "/twilio/voice/recording",
        "/twilio/voice/transcription",
        "/twilio/voice/status",
        "/api/twilio/call-status",
        "/twilio/voice/fallback",
    ] {
        let response = http
            .post(format!("{base}{path}"))
            .form(&voice_params())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{path}");
    }
}
