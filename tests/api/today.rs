//! A business's Today page over real HTTP: what "Right now" says.

use crate::console::{get, sign_in};
use crate::helpers::*;

#[tokio::test]
async fn right_now_says_closed_and_when_it_opens_once() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    let token = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/clients/acme-dental", Some(&session)).await;
    let at = page.find(r#"id="right-now""#).expect("a Right now card");
    let now = page[at..].split("</section>").next().unwrap();
    assert_eq!(now.matches("Closed").count(), 1, "{now}");
    assert_eq!(now.matches("opens").count(), 1, "{now}");
    assert!(now.contains("opens Wed 2 Dec 2026, 9:00 AM EST"), "{now}");
    assert!(now.contains("Outside Tuesday hours"), "{now}");
}
