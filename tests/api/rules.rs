//! Rule versions: reloads, invalid folders, and calls pinned to the version they started with.

use std::path::Path;

use switchboard::app::startup;

use crate::helpers::*;

fn copy_examples(to: &Path) {
    for entry in std::fs::read_dir(example_rules()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

#[tokio::test]
async fn an_invalid_folder_on_reload_keeps_the_running_rules() {
    let dir = tempfile::tempdir().unwrap();
    copy_examples(dir.path());
    let app = spawn_with(Options {
        rules_dir: dir.path().to_owned(),
        ..Options::default()
    })
    .await;

    edit(
        dir.path(),
        "acme-dental.toml",
        "then = [\"external\", \"voicemail\"]",
        "then = [\"external\"]",
    );
    let err = startup::reload(&app.state)
        .await
        .expect_err("the broken folder is refused");
    assert!(err.to_string().contains("acme-dental.toml:"), "{err}");
    assert!(err.to_string().contains("can end in silence"), "{err}");

    let answer = app.call("CA00000000000000000000000000000c71", ACME).await;
    assert_eq!(answer.dialled(), ["+12125550111"], "the previous rules still route");
}

#[tokio::test]
async fn a_call_keeps_the_rules_version_it_started_with() {
    let dir = tempfile::tempdir().unwrap();
    copy_examples(dir.path());
    let app = spawn_with(Options {
        rules_dir: dir.path().to_owned(),
        ..Options::default()
    })
    .await;
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
    startup::reload(&app.state).await.unwrap();
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
    startup::reload(&app.state).await.unwrap();
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
