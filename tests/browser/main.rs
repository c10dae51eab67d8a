//! Browser tests: the admin console and the assistants' call page in real headless Chromium, driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`). Without them each test says it was not
//! run and passes, unless `SWITCHBOARD_REQUIRE_BROWSER=1` (CI) makes that a failure.
//! Screenshots of the main pages go to `$CARGO_TARGET_DIR/screenshots/`.

// The API suite's harness, shared rather than copied; this suite uses part of it.
#[allow(dead_code)]
#[path = "../api/database.rs"]
mod database;
#[path = "../api/fake_twilio.rs"]
mod fake_twilio;
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "../api/seeded_figures.rs"]
mod seeded_figures;
#[allow(dead_code)]
#[path = "../api/webhook_receiver.rs"]
mod webhook_receiver;

mod assistants;
mod browser;
mod console;
mod conversations;
mod figures;
mod messaging;
mod rules_form;
mod tour;
mod webhooks;
