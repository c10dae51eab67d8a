//! A draft of the rules tried on the client's real calls of the last 30 days, before saving:
//! `POST /api/clients/{id}/rules/replay`.

use serde_json::json;

use crate::helpers::*;

/// Acme's calls: two on Saturday mornings (closed: voicemail), one on a Saturday afternoon
/// and one on a Monday morning that a Saturday opening changes nothing for, one on a
/// Saturday morning more than 30 days ago; and one of Harbor's on a Saturday morning.
async fn history(app: &TestApp) {
    let calls = [
        (ACME, new_york(2026, 11, 28, 10, 0)),
        (ACME, new_york(2026, 11, 21, 11, 30)),
        (ACME, new_york(2026, 11, 28, 14, 0)),
        (ACME, new_york(2026, 11, 30, 10, 0)),
        (ACME, new_york(2026, 10, 31, 10, 0)),
        (HARBOR, new_york(2026, 11, 28, 10, 0)),
    ];
    for (n, (to, at)) in calls.into_iter().enumerate() {
        app.call_at(&format!("CA{n:032x}"), to, at).await.assert_twiml();
    }
    app.clock.set(new_york(2026, 12, 3, 9, 0));
}

/// Acme's rules, open on Saturday mornings as well.
pub fn open_saturday_mornings() -> String {
    let current = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let weekday = "fri = [\"09:00-16:00\"]\n";
    assert!(current.contains(weekday));
    current.replace(weekday, &format!("{weekday}sat = [\"09:00-12:00\"]\n"))
}

#[tokio::test]
async fn a_draft_is_tried_on_the_last_30_days_of_calls_and_the_changed_ones_are_grouped() {
    let app = spawn_app().await;
    history(&app).await;
    let token = app.admin_token(Some("acme-dental")).await;
    let (status, body) = app
        .api(
            "POST",
            "/api/clients/acme-dental/rules/replay",
            Some(&token),
            Some(json!(open_saturday_mornings())),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["calls"], 4, "Acme's calls since 3 November: {body}");
    assert_eq!(body["changed"], 2, "{body}");
    assert_eq!(body["cut_short"], false);
    assert_eq!(
        body["groups"],
        json!([{
            "calls": 2,
            "part_of_day": "morning",
            "weekdays": [{ "weekday": "sat", "calls": 2 }],
            "before": ["voicemail"],
            "after": ["maria", "john", "external", "voicemail"],
            "examples": ["2026-11-21T16:30:00Z", "2026-11-28T15:00:00Z"],
        }])
    );

    let (status, same) = app
        .api(
            "POST",
            "/api/clients/acme-dental/rules/replay",
            Some(&token),
            Some(json!(
                std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap()
            )),
        )
        .await;
    assert_eq!(
        (status, &same["changed"], &same["groups"]),
        (200, &json!(0), &json!([]))
    );
}

#[tokio::test]
async fn a_draft_that_does_not_parse_or_is_another_clients_is_refused_on_its_line() {
    let app = spawn_app().await;
    let global = app.admin_token(None).await;
    let broken = open_saturday_mornings().replace("sat = [\"09:00-12:00\"]", "sat = [\"09:00-1200\"]");
    let (status, body) = app
        .api(
            "POST",
            "/api/clients/acme-dental/rules/replay",
            Some(&global),
            Some(json!(broken)),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    assert!(text.contains("09:00-1200"), "the mistake is named: {text}");

    let harbors = std::fs::read_to_string(example_rules().join("harbor-plumbing.toml")).unwrap();
    let (status, body) = app
        .api(
            "POST",
            "/api/clients/acme-dental/rules/replay",
            Some(&global),
            Some(json!(harbors)),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("not `acme-dental`"), "{body}");
}

#[tokio::test]
async fn another_clients_token_cannot_replay_its_calls() {
    let app = spawn_app().await;
    history(&app).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let (status, body) = app
        .api(
            "POST",
            "/api/clients/acme-dental/rules/replay",
            Some(&harbor),
            Some(json!(open_saturday_mornings())),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        !body.to_string().contains("voicemail"),
        "nothing of Acme's calls: {body}"
    );
}
