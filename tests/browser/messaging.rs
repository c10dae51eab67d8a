//! The Templates and Scheduled pages in a real browser: an office manager adds a template,
//! changes and removes one; sees a text scheduled through the API on the business's clock,
//! moves it to another time written on that clock, and cancels another.

use serde_json::json;

use crate::browser::with_browser;
use crate::helpers::*;

#[tokio::test]
async fn an_admin_adds_changes_and_removes_templates() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    let api = app.admin_token(Some("acme-dental")).await;
    let kept = json!({ "name": "recall", "body": "Hi {first_name}, it is time for your check-up." });
    let (status, body) = app
        .api("POST", "/api/clients/acme-dental/templates", Some(&api), Some(kept))
        .await;
    assert_eq!(status, 201, "{body}");
    with_browser(app, "templates", |b, app| async move {
        b.sign_in(&token).await;
        b.click("nav a[href='/admin/clients/acme-dental/templates']").await;
        assert_eq!(b.text("h1").await, "Templates");
        assert!(b.text("#recall").await.contains("recall"));

        b.fill("#name", "reminder").await;
        b.fill("#body", "Hi {{first_name}}, see you {day} at {time}.").await;
        b.click("form[action='/admin/clients/acme-dental/templates'] button[type=submit]")
            .await;
        assert_eq!(
            b.value("#body-reminder").await,
            "Hi {{first_name}}, see you {day} at {time}."
        );
        b.screenshot("templates").await;

        b.fill("#body-reminder", "See you {day} at {time}, {first_name}!").await;
        b.click("form[action='/admin/clients/acme-dental/templates/reminder'] button")
            .await;
        assert_eq!(
            b.value("#body-reminder").await,
            "See you {day} at {time}, {first_name}!"
        );
        let (_, stored) = app
            .api("GET", "/api/clients/acme-dental/templates/reminder", Some(&api), None)
            .await;
        assert_eq!(stored["body"], "See you {day} at {time}, {first_name}!");

        // A text that cannot be a template is refused in words.
        b.fill("#body-reminder", "Hi {first_name").await;
        b.click("form[action='/admin/clients/acme-dental/templates/reminder'] button")
            .await;
        let refused = b.text("main").await;
        assert!(refused.contains("Bad Request"), "{refused}");

        b.goto("/admin/clients/acme-dental/templates").await;
        b.click("form[action='/admin/clients/acme-dental/templates/recall/remove'] button")
            .await;
        let page = b.text("main").await;
        assert!(!page.contains("check-up"), "{page}");
        assert!(page.contains("reminder"), "{page}");
    })
    .await;
}

#[tokio::test]
async fn an_admin_moves_a_scheduled_text_on_the_business_clock_and_cancels_another() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 9, 0),
        ..Options::default()
    })
    .await;
    let token = app.admin_token(Some("acme-dental")).await;
    let mut ids = Vec::new();
    for (to, at) in [
        ("+12125550181", "2026-12-02T15:00:00Z"),
        ("+12125550182", "2026-12-03T15:00:00Z"),
    ] {
        let request = json!({ "client": "acme-dental", "to": to, "body": "Your cleaning is tomorrow.", "send_at": at });
        let (status, queued) = app
            .api("POST", "/api/twilio/send-sms", Some(&token), Some(request))
            .await;
        assert_eq!(status, 202, "{queued}");
        ids.push(queued["id"].as_i64().unwrap());
    }
    with_browser(app, "scheduled", |b, app| async move {
        b.sign_in(&token).await;
        b.click("nav a[href='/admin/clients/acme-dental/scheduled']").await;
        assert_eq!(b.text("h1").await, "Scheduled");
        let first = format!("#m{}", ids[0]);
        let card = b.text(&first).await;
        assert!(card.contains("Wed 2 Dec 2026, 10:00 AM EST"), "{card}");
        assert!(card.contains("(212) 555-0181"), "{card}");
        b.screenshot("scheduled").await;

        // Moved to 4:30 PM New York time: 21:30 UTC.
        b.fill(&format!("#at-{}", ids[0]), "2026-12-02T16:30").await;
        b.click(&format!("{first} form.move button")).await;
        assert!(b.text(&first).await.contains("Wed 2 Dec 2026, 4:30 PM EST"));
        let (_, listed) = app
            .api("GET", "/api/clients/acme-dental/scheduled", Some(&token), None)
            .await;
        assert_eq!(listed["messages"][0]["send_at"], "2026-12-02T21:30:00Z", "{listed}");

        b.click(&format!("#m{} form[action$='/cancel'] button", ids[1])).await;
        let (_, listed) = app
            .api("GET", "/api/clients/acme-dental/scheduled", Some(&token), None)
            .await;
        assert_eq!(listed["messages"].as_array().map(Vec::len), Some(1), "{listed}");
        assert!(!b.text("main").await.contains("(212) 555-0182"));
    })
    .await;
}
