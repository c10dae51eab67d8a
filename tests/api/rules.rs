//! Rule versions: reloads, invalid folders, and calls pinned to the version they started with.

use std::path::Path;

use crate::helpers::*;

fn copy_examples(to: &Path) {
    for entry in std::fs::read_dir(example_rules()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// A server on its own copy of the example rule folder, which the test may edit.
async fn spawn_on_copied_examples() -> (tempfile::TempDir, TestApp) {
    let dir = tempfile::tempdir().unwrap();
    copy_examples(dir.path());
    let app = spawn_with(Options {
        rules_dir: dir.path().to_owned(),
        ..Options::default()
    })
    .await;
    (dir, app)
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

#[tokio::test]
async fn an_invalid_folder_on_reload_keeps_the_running_rules() {
    let (dir, app) = spawn_on_copied_examples().await;

    edit(
        dir.path(),
        "acme-dental.toml",
        "then = [\"external\", \"voicemail\"]",
        "then = [\"external\"]",
    );
    let err = app
        .state
        .reloader
        .reload()
        .await
        .expect_err("the broken folder is refused");
    assert!(err.to_string().contains("acme-dental.toml:"), "{err}");
    assert!(err.to_string().contains("can end in silence"), "{err}");

    let answer = app.call("CA00000000000000000000000000000c71", ACME).await;
    assert_eq!(answer.dialled(), ["+12125550111"], "the previous rules still route");
}

#[tokio::test]
async fn a_call_keeps_the_rules_version_it_started_with() {
    let (dir, app) = spawn_on_copied_examples().await;
    let call = "CA00000000000000000000000000000c72";
    let first = app.call(call, ACME).await;
    let maria = first.first("Dial").attr("action").unwrap().to_owned();

    // The answering service changes while the call is ringing Maria.
    edit(
        dir.path(),
        "acme-dental.toml",
        "phone = \"+16465550199\"",
        "phone = \"+16465550177\"",
    );
    app.state.reloader.reload().await.unwrap();
    assert_eq!(
        switchboard::store::rule_versions::count(&app.db, "acme-dental")
            .await
            .unwrap(),
        2
    );

    let john = app
        .dial_result(&maria, call, ACME, "no-answer", "CA00000000000000000000000000000c73")
        .await;
    let external = app
        .dial_result(
            john.first("Dial").attr("action").unwrap(),
            call,
            ACME,
            "busy",
            "CA00000000000000000000000000000c74",
        )
        .await;
    assert_eq!(
        external.dialled(),
        ["+16465550199"],
        "version 1 to the end of this call"
    );

    let next_call = app.call("CA00000000000000000000000000000c75", ACME).await;
    assert!(next_call.first("Dial").attr("action").unwrap().contains("version=2"));
}

#[tokio::test]
async fn an_unchanged_folder_creates_no_new_version() {
    let app = spawn_app().await;
    app.state.reloader.reload().await.unwrap();
    assert_eq!(
        switchboard::store::rule_versions::count(&app.db, "acme-dental")
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn the_server_refuses_to_start_on_an_invalid_folder_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_examples(dir.path());
    edit(
        dir.path(),
        "sunrise-vet.toml",
        "numbers = [\"+61255501234\"]",
        "numbers = [\"+12125550100\"]",
    );
    let mut settings = switchboard::app::settings::Settings::defaults();
    settings.rules_dir = dir.path().to_owned();
    settings.database_url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    settings.bind = "127.0.0.1:0".parse().unwrap();
    let Err(err) = switchboard::app::startup::Application::build(settings).await else {
        panic!("started on invalid rules")
    };
    let message = err.to_string();
    assert!(
        message.contains("sunrise-vet.toml:5:12: number +12125550100 is also claimed by"),
        "{message}"
    );
}

async fn count(app: &TestApp, client: &str) -> u64 {
    switchboard::store::rule_versions::count(&app.db, client).await.unwrap()
}

fn names(clients: &[switchboard::ids::ClientId]) -> Vec<String> {
    clients.iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn a_reload_after_one_file_changed_imports_only_that_client() {
    let (dir, app) = spawn_on_copied_examples().await;

    edit(
        dir.path(),
        "acme-dental.toml",
        "phone = \"+16465550199\"",
        "phone = \"+16465550177\"",
    );
    // Written again with the same text: not a change.
    let harbor = dir.path().join("harbor-plumbing.toml");
    std::fs::write(&harbor, std::fs::read_to_string(&harbor).unwrap()).unwrap();
    let imported = app.state.reloader.reload().await.unwrap();

    assert_eq!(names(&imported), ["acme-dental"]);
    assert_eq!(count(&app, "acme-dental").await, 2);
    assert_eq!(count(&app, "harbor-plumbing").await, 1);
    assert_eq!(count(&app, "sunrise-vet").await, 1);
    let acme = app.call("CA00000000000000000000000000000c81", ACME).await;
    assert!(acme.first("Dial").attr("action").unwrap().contains("version=2"));
    let harbor = app.call("CA00000000000000000000000000000c82", HARBOR).await;
    assert!(harbor.first("Dial").attr("action").unwrap().contains("version=1"));
    assert_eq!(names(&app.state.reloader.reload().await.unwrap()), Vec::<String>::new());
}

#[tokio::test]
async fn a_refused_reload_imports_nothing_and_the_next_one_imports_the_change() {
    let (dir, app) = spawn_on_copied_examples().await;
    edit(
        dir.path(),
        "acme-dental.toml",
        "phone = \"+16465550199\"",
        "phone = \"+16465550177\"",
    );
    edit(
        dir.path(),
        "sunrise-vet.toml",
        "numbers = [\"+61255501234\"]",
        "numbers = [\"+12125550100\"]",
    );

    app.state
        .reloader
        .reload()
        .await
        .expect_err("two files claim one number");
    assert_eq!(count(&app, "acme-dental").await, 1, "nothing imported");

    edit(
        dir.path(),
        "sunrise-vet.toml",
        "numbers = [\"+12125550100\"]",
        "numbers = [\"+61255501234\"]",
    );
    let imported = app.state.reloader.reload().await.unwrap();
    assert_eq!(names(&imported), ["acme-dental"], "the valid change is still new");
    assert_eq!(count(&app, "acme-dental").await, 2);
}

#[tokio::test]
async fn a_reload_checks_a_changed_file_against_the_unchanged_ones() {
    let (dir, app) = spawn_on_copied_examples().await;

    // Acme claims Sunrise's number; Sunrise's file, unchanged, is where it is reported.
    edit(
        dir.path(),
        "acme-dental.toml",
        "numbers = [\"+12125550100\"]",
        "numbers = [\"+12125550100\", \"+61255501234\"]",
    );
    let err = app
        .state
        .reloader
        .reload()
        .await
        .expect_err("two files claim one number")
        .to_string();

    assert!(
        err.contains("sunrise-vet.toml:5:12: number +61255501234 is also claimed by")
            && err.contains("acme-dental.toml"),
        "{err}"
    );
    let sunrise = app.call("CA00000000000000000000000000000c83", VET).await;
    assert_ne!(sunrise.verbs(), ["Say", "Hangup"], "Sunrise is still served");
    assert_eq!(count(&app, "acme-dental").await, 1);
}
