//! One client's own Twilio account speaks for that client only (`accounts::signing`): on every
//! Twilio-facing path and alias, a webhook signed with Acme's own token that names Harbor in any
//! way (its URL's `client`, a number, a call, leg, recording or message of Harbor's) is refused
//! with a 403, writes nothing and sends nothing. The server's own account speaks for both.

use serde_json::json;
use switchboard::store::{self, calls::CallFilter};

use crate::alerts::share_clock;
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const KEY: &str = "5c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba1";
const ACME_SID: &str = "AC22222222222222222222222222222222";
const ACME_TOKEN: &str = "7f3e9c1b5d2a4f6e8c0b1a2d3c4e5f60";
const ACME_CALL: &str = "CA0000000000000000000000000000a001";
const ACME_LEG: &str = "CA0000000000000000000000000000a002";
const ACME_RECORDING: &str = "RE0000000000000000000000000000a003";
const HARBOR_CALL: &str = "CA0000000000000000000000000000b001";
const HARBOR_RECORDING: &str = "RE0000000000000000000000000000b003";
const PATIENT: &str = "+12125550188";
const CLIENTS: [&str; 3] = ["acme-dental", "harbor-plumbing", "sunrise-vet"];

/// One webhook as Twilio would post it: where, what, and the answer it gets when accepted.
#[derive(Debug, Clone)]
struct Hook {
    path: String,
    params: Vec<(&'static str, String)>,
    accepted: u16,
}

impl Hook {
    fn new(path: &str, params: &[(&'static str, &str)], accepted: u16) -> Self {
        Self {
            path: path.to_owned(),
            params: params.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            accepted,
        }
    }

    fn is_dialled_leg(&self) -> bool {
        self.params.iter().any(|(k, _)| *k == "ParentCallSid")
    }

    /// This webhook with `name` set to `value` (added when it has no such parameter).
    fn with(&self, name: &'static str, value: &str) -> Self {
        let mut hook = self.clone();
        hook.params.retain(|(k, _)| *k != name);
        hook.params.push((name, value.to_owned()));
        hook
    }

    /// This webhook with its URL's `client` set to `client`.
    fn for_client(&self, client: &str) -> Self {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .filter(|(k, _)| k != "client")
            .collect();
        pairs.push(("client".into(), client.into()));
        pairs.sort();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        Self {
            path: format!("{path}?{query}"),
            ..self.clone()
        }
    }

    async fn post(&self, app: &TestApp, account_sid: &str, token: &str) -> Answer {
        let mut params: Vec<(&str, &str)> = vec![("AccountSid", account_sid)];
        params.extend(self.params.iter().map(|(k, v)| (*k, v.as_str())));
        app.post_signed_with(token, &self.path, &params).await
    }
}

/// The app with Acme's own account stored, and calls, legs, recordings and messages of both Acme
/// and Harbor (Harbor's through the server's account); Acme's webhooks on every path and alias.
struct Scene {
    fake: FakeTwilio,
    app: TestApp,
    hooks: Vec<Hook>,
    harbor_message: String,
}

async fn scene(without_server_account: bool) -> Scene {
    let fake = FakeTwilio::with_accounts(&[(TEST_ACCOUNT_SID, TEST_TOKEN), (ACME_SID, ACME_TOKEN)]).await;
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        secret_key: Some(KEY),
        without_server_account,
        ..Options::default()
    })
    .await;
    share_clock(&fake, &app);
    let admin = app.admin_token(None).await;
    let credentials = json!({ "account_sid": ACME_SID, "auth_token": ACME_TOKEN });
    let (status, body) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/twilio-account",
            Some(&admin),
            Some(credentials),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let harbor = app.call(HARBOR_CALL, HARBOR).await;
    assert!(
        !harbor.dialled().is_empty(),
        "Harbor's call rings its team: {}",
        harbor.body
    );
    let recorded = Hook::new(
        "/twilio/voice/recording?client=harbor-plumbing&kind=call",
        &[
            ("CallSid", HARBOR_CALL),
            ("RecordingSid", HARBOR_RECORDING),
            ("RecordingStatus", "completed"),
            ("RecordingDuration", "40"),
        ],
        204,
    );
    assert_eq!(recorded.post(&app, &app.account_sid, &app.token).await.status, 204);

    let acme = Hook::new(
        "/twilio/voice",
        &[
            ("CallSid", ACME_CALL),
            ("From", CALLER),
            ("To", ACME),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ],
        200,
    );
    let first = acme.post(&app, ACME_SID, ACME_TOKEN).await;
    let number = first.first("Number");
    let assistant = number.text.clone();
    let next = first.first("Dial").attr("action").unwrap().to_owned();
    let screen = number.attr("url").expect("Acme screens its calls").to_owned();
    let leg_status = number.attr("statusCallback").unwrap().to_owned();

    for client in ["acme-dental", "harbor-plumbing"] {
        let request = json!({ "client": client, "to": PATIENT, "body": "hello" });
        let (status, body) = app
            .api("POST", "/api/twilio/send-sms", Some(&admin), Some(request))
            .await;
        assert_eq!(status, 202, "{body}");
    }
    app.advance(31);
    app.drain_outbox().await;
    let (acme_message, harbor_message) = (sent(&app, "acme-dental").await, sent(&app, "harbor-plumbing").await);

    let voice = [
        ("CallSid", ACME_CALL),
        ("From", CALLER),
        ("To", ACME),
        ("Direction", "inbound"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        voice.iter().chain(extra).copied().collect()
    };
    let leg = [
        ("CallSid", ACME_LEG),
        ("ParentCallSid", ACME_CALL),
        ("From", CALLER),
        ("To", assistant.as_str()),
        ("Direction", "outbound-dial"),
    ];
    let leg_with = |extra: (&'static str, &'static str)| -> Vec<(&'static str, &str)> {
        leg.iter().copied().chain([extra]).collect()
    };
    let recording_url = format!("https://api.twilio.com/2010-04-01/Accounts/{ACME_SID}/Recordings/{ACME_RECORDING}");
    let recording = with(&[("RecordingSid", ACME_RECORDING), ("RecordingDuration", "12")]);
    let mut left: Vec<(&'static str, &str)> = recording.clone();
    left.push(("RecordingUrl", recording_url.as_str()));
    let sms = [
        ("MessageSid", "SM0000000000000000000000000000a004"),
        ("From", CALLER),
        ("To", ACME),
        ("Body", "hello"),
    ];
    let status = with(&[("CallStatus", "completed"), ("CallDuration", "30")]);
    let vm = "client=acme-dental&kind=voicemail";
    let leg_query = leg_status.split_once('?').unwrap().1;
    let hooks = vec![
        acme.clone(),
        Hook {
            path: "/api/twilio/incoming-call-handler".into(),
            ..acme
        },
        Hook::new(
            &next,
            &with(&[
                ("CallStatus", "in-progress"),
                ("DialCallStatus", "no-answer"),
                ("DialCallSid", ACME_LEG),
            ]),
            200,
        ),
        Hook::new(&screen, &leg_with(("CallStatus", "in-progress")), 200),
        Hook::new(&format!("/twilio/voice/voicemail?{vm}"), &left, 200),
        Hook::new(&format!("/api/twilio/voicemail-complete?{vm}"), &left, 200),
        Hook::new(
            &format!("/twilio/voice/recording?{vm}"),
            &[recording.clone(), vec![("RecordingStatus", "completed")]].concat(),
            204,
        ),
        Hook::new(
            &format!("/twilio/voice/transcription?{vm}"),
            &[
                recording.clone(),
                vec![
                    ("TranscriptionSid", "TR0000000000000000000000000000a005"),
                    ("TranscriptionText", "Please call me back."),
                    ("TranscriptionStatus", "completed"),
                ],
            ]
            .concat(),
            204,
        ),
        Hook::new("/twilio/voice/status", &status, 204),
        Hook::new("/api/twilio/call-status", &status, 204),
        Hook::new(&leg_status, &leg_with(("CallStatus", "completed")), 204),
        Hook::new(
            &format!("/api/twilio/call-status?{leg_query}"),
            &leg_with(("CallStatus", "completed")),
            204,
        ),
        Hook::new("/twilio/voice/fallback", &with(&[("CallStatus", "ringing")]), 200),
        Hook::new("/twilio/sms", &sms, 200),
        Hook::new("/api/twilio/incoming-sms", &sms, 200),
        Hook::new(
            "/twilio/sms/status",
            &[
                ("MessageSid", acme_message.as_str()),
                ("MessageStatus", "failed"),
                ("ErrorCode", "21610"),
                ("From", ACME),
                ("To", PATIENT),
            ],
            204,
        ),
    ];
    Scene {
        fake,
        app,
        hooks,
        harbor_message,
    }
}

/// The SID Twilio gave a message of `client`'s.
async fn sent(app: &TestApp, client: &str) -> String {
    (app.outbox(client).await.into_iter())
        .find_map(|m| m.message_sid)
        .expect("a message was sent")
}

/// Everything stored about every client's calls and messages, and every message Twilio took.
async fn everything(scene: &Scene) -> String {
    let app = &scene.app;
    app.drain_outbox().await;
    let calls = store::calls::list(&app.db, &CallFilter::default(), 1000).await.unwrap();
    let mut all = Vec::new();
    for call in &calls {
        all.push(format!("{:?}", app.call_detail(&call.call_sid).await));
    }
    let mut sids = Vec::new();
    for client in CLIENTS {
        let outbox = app.outbox(client).await;
        sids.extend(outbox.iter().filter_map(|m| m.message_sid.clone()));
        all.push(format!("{outbox:?}"));
    }
    all.push(format!("{:?}", store::messages::statuses(&app.db, sids).await.unwrap()));
    all.push(format!(
        "{:?}",
        store::messages::opt_outs(&app.db, None, None, 1000).await.unwrap()
    ));
    all.push(format!(
        "{:?}",
        store::messages::list_received(&app.db, &store::messages::ReceivedFilter::default(), 1000)
            .await
            .unwrap()
    ));
    all.push(format!("{:?}", scene.fake.accepted()));
    all.join("\n")
}

/// Posts each case signed with Acme's own token and asserts it is refused and changes nothing.
async fn assert_refused(scene: &Scene, cases: Vec<(String, Hook)>) {
    assert!(!cases.is_empty());
    for (what, hook) in cases {
        let before = everything(scene).await;

        let answer = hook.post(&scene.app, ACME_SID, ACME_TOKEN).await;

        assert_eq!(answer.status, 403, "{what} on {}: {}", hook.path, answer.body);
        assert_eq!(everything(scene).await, before, "{what} on {} wrote or sent", hook.path);
    }
}

#[tokio::test]
async fn a_clients_own_token_naming_another_client_in_its_url_or_any_number_is_refused_on_every_path() {
    let scene = scene(false).await;
    let mut cases = Vec::new();
    for hook in &scene.hooks {
        cases.push(("?client=harbor-plumbing".to_owned(), hook.for_client("harbor-plumbing")));
        // A dialled leg's number is whoever was rung, which may be anyone's (see below).
        if hook.is_dialled_leg() {
            cases.push(("From Harbor's number".to_owned(), hook.with("From", HARBOR)));
        } else {
            // `From` says whose a webhook is when no number called is a client's.
            let from_harbor = hook.with("From", HARBOR).with("To", PATIENT).with("Called", PATIENT);
            cases.push(("From Harbor's number to no client's".to_owned(), from_harbor));
            cases.push(("To Harbor's number".to_owned(), hook.with("To", HARBOR)));
            cases.push(("Called Harbor's number".to_owned(), hook.with("Called", HARBOR)));
        }
    }

    assert_refused(&scene, cases).await;
}

#[tokio::test]
async fn a_clients_own_token_referring_to_another_clients_call_leg_recording_or_message_is_refused_on_every_path() {
    let scene = scene(false).await;
    let mut cases = Vec::new();
    // The fallback reads and writes nothing stored, and answers with the database down: the
    // calls its answer leads to are checked where they lead (the voicemail paths).
    for hook in scene.hooks.iter().filter(|h| h.path != "/twilio/voice/fallback") {
        cases.push(("Harbor's CallSid".to_owned(), hook.with("CallSid", HARBOR_CALL)));
        cases.push((
            "Harbor's call as ParentCallSid".to_owned(),
            hook.with("ParentCallSid", HARBOR_CALL),
        ));
        cases.push((
            "Harbor's RecordingSid".to_owned(),
            hook.with("RecordingSid", HARBOR_RECORDING),
        ));
        cases.push((
            "Harbor's MessageSid".to_owned(),
            hook.with("MessageSid", &scene.harbor_message),
        ));
    }

    assert_refused(&scene, cases).await;
}

#[tokio::test]
async fn a_clients_own_token_still_speaks_for_its_own_calls_and_messages_on_every_path() {
    let scene = scene(false).await;
    let before = everything(&scene).await;

    for hook in &scene.hooks {
        let answer = hook.post(&scene.app, ACME_SID, ACME_TOKEN).await;
        assert_eq!(answer.status, hook.accepted, "{}: {}", hook.path, answer.body);
    }

    assert_ne!(everything(&scene).await, before, "Acme's webhooks were stored");
    let call = scene.app.call_detail(ACME_CALL).await;
    assert_eq!(call.call.client_id.as_deref(), Some("acme-dental"));
    assert_eq!(call.recordings[0].recording_sid, ACME_RECORDING);
    let harbor = scene.app.call_detail(HARBOR_CALL).await;
    assert_eq!(harbor.recordings.len(), 1, "Harbor's call is as it was: {harbor:?}");
}

#[tokio::test]
async fn a_call_from_another_clients_number_reaches_the_client_signed_for_it() {
    let scene = scene(false).await;
    let call = "CA0000000000000000000000000000a007";
    let incoming = Hook::new(
        "/twilio/voice",
        &[
            ("CallSid", call),
            ("From", HARBOR),
            ("Caller", HARBOR),
            ("To", ACME),
            ("Called", ACME),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ],
        200,
    );

    let answer = incoming.post(&scene.app, ACME_SID, ACME_TOKEN).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(!answer.dialled().is_empty(), "Acme's team is rung: {}", answer.body);
    let detail = scene.app.call_detail(call).await;
    assert_eq!(detail.call.client_id.as_deref(), Some("acme-dental"));
}

#[tokio::test]
async fn a_leg_of_a_clients_own_call_may_ring_another_clients_number() {
    let scene = scene(false).await;
    let leg = (scene.hooks.iter())
        .find(|h| h.path.contains("/twilio/voice/status?"))
        .unwrap();

    let answer = leg
        .with("To", HARBOR)
        .with("Called", HARBOR)
        .post(&scene.app, ACME_SID, ACME_TOKEN)
        .await;

    assert_eq!(answer.status, 204, "{}", answer.body);
    let legs = scene.app.call_detail(ACME_CALL).await.legs;
    assert!(
        legs.iter().any(|l| l.child_call_sid.as_deref() == Some(ACME_LEG)),
        "{legs:?}"
    );
    let unnamed = Hook::new("/twilio/voice/status", &[], 204)
        .with("CallSid", "CA0000000000000000000000000000a006")
        .with("ParentCallSid", ACME_CALL)
        .with("To", HARBOR)
        .with("CallStatus", "completed");
    let answer = unnamed.post(&scene.app, ACME_SID, ACME_TOKEN).await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    let harbor_calls = store::calls::list(
        &scene.app.db,
        &CallFilter {
            clients: Some(vec!["harbor-plumbing".into()]),
            ..CallFilter::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(
        harbor_calls.len(),
        1,
        "neither leg is taken for a call of Harbor's: {harbor_calls:?}"
    );
}

#[tokio::test]
async fn the_servers_own_account_speaks_for_every_client_on_every_path() {
    let scene = scene(false).await;
    let app = &scene.app;

    for hook in &scene.hooks {
        for hook in [
            hook.clone(),
            hook.for_client("harbor-plumbing").with("CallSid", HARBOR_CALL),
        ] {
            let answer = hook.post(app, &app.account_sid, &app.token).await;
            assert!(
                [200, 204].contains(&answer.status),
                "{} {:?}: {} {}",
                hook.path,
                hook.params,
                answer.status,
                answer.body
            );
        }
    }
}

#[tokio::test]
async fn the_local_token_never_refers_to_a_call_of_a_client_with_its_own_account() {
    let scene = scene(true).await;
    let (app, local) = (&scene.app, switchboard::app::settings::LOCAL_AUTH_TOKEN);
    let local_sid = switchboard::app::settings::LOCAL_ACCOUNT_SID;
    let harbor_status = Hook::new(
        "/twilio/voice/status",
        &[
            ("CallSid", HARBOR_CALL),
            ("From", CALLER),
            ("To", HARBOR),
            ("Direction", "inbound"),
            ("CallStatus", "completed"),
        ],
        204,
    );
    let cases = vec![
        ("Acme's CallSid".to_owned(), harbor_status.with("CallSid", ACME_CALL)),
        (
            "Acme's call as ParentCallSid".to_owned(),
            harbor_status.with("ParentCallSid", ACME_CALL),
        ),
    ];

    for (what, hook) in cases {
        let before = everything(&scene).await;
        let answer = hook.post(app, local_sid, local).await;
        assert_eq!(answer.status, 403, "{what}: {}", answer.body);
        assert_eq!(everything(&scene).await, before, "{what} wrote or sent");
    }
    assert_eq!(
        harbor_status.post(app, local_sid, local).await.status,
        204,
        "Harbor has no account of its own"
    );
}

/// A client-scoped admin token never reaches another client's webhook endpoints, nor their
/// deliveries, by the other client's path or by its own.
#[tokio::test]
async fn a_client_scoped_token_never_sees_or_changes_another_clients_webhooks() {
    let app = spawn_with(Options {
        secret_key: Some(KEY),
        ..Options::default()
    })
    .await;
    let global = app.admin_token(None).await;
    let body = json!({ "url": "https://harbor.example.com/hooks", "events": ["message.received"] });
    let (status, created) = app
        .api(
            "POST",
            "/api/clients/harbor-plumbing/webhooks",
            Some(&global),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let harbor_endpoint = created["id"].as_str().unwrap().to_owned();
    let params = [
        ("MessageSid", "SM0000000000000000000000000000b777"),
        ("From", PATIENT),
        ("To", HARBOR),
        ("Body", "hello"),
    ];
    app.post("/twilio/sms", &params).await;
    let delivery = store::outbox::for_client(&app.db, "harbor-plumbing")
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == "webhook")
        .expect("a delivery to Harbor's endpoint")
        .id;

    let acme = app.admin_token(Some("acme-dental")).await;
    for client in ["harbor-plumbing", "acme-dental"] {
        let base = format!("/api/clients/{client}/webhooks/{harbor_endpoint}");
        for (method, path, body) in [
            ("GET", base.clone(), None),
            ("PATCH", base.clone(), Some(json!({ "enabled": false }))),
            ("GET", format!("{base}/deliveries"), None),
            ("POST", format!("{base}/deliveries/{delivery}/redeliver"), None),
            ("DELETE", base.clone(), None),
        ] {
            let (status, answer) = app.api(method, &path, Some(&acme), body).await;
            assert_eq!(status, 404, "{method} {path}: {answer}");
        }
    }
    let (status, answer) = app
        .api("GET", "/api/clients/harbor-plumbing/webhooks", Some(&acme), None)
        .await;
    assert_eq!(status, 404, "{answer}");
    let (status, answer) = app
        .api("POST", "/api/clients/harbor-plumbing/webhooks", Some(&acme), Some(body))
        .await;
    assert_eq!(status, 404, "{answer}");
    let (status, own) = app
        .api("GET", "/api/clients/acme-dental/webhooks", Some(&acme), None)
        .await;
    assert_eq!((status, own), (200, json!([])));

    let (_, still) = app
        .api("GET", "/api/clients/harbor-plumbing/webhooks", Some(&global), None)
        .await;
    assert_eq!(still[0]["enabled"], true, "{still}");
    assert_eq!(still[0]["id"], harbor_endpoint.as_str());
}
