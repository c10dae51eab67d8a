//! The command line, run as a user would run it.

use std::process::Command;

use crate::helpers::example_rules;

fn switchboard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env("SWITCHBOARD_RULES_DIR", example_rules())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the binary runs")
}

#[test]
fn rules_check_passes_on_the_examples() {
    let out = switchboard(&["rules", "check", example_rules().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 files valid"));
}

#[test]
fn rules_check_fails_on_a_broken_copy_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(example_rules()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let broken = dir.path().join("acme-dental.toml");
    let text = std::fs::read_to_string(&broken)
        .unwrap()
        .replace("phone = \"+12125550112\"", "phone = \"555-0112\"");
    std::fs::write(&broken, &text).unwrap();
    let line = text.lines().position(|l| l.contains("555-0112")).unwrap() + 1;

    let out = switchboard(&["rules", "check", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("acme-dental.toml:{line}:")), "{stderr}");
    assert!(stderr.contains("E.164"), "{stderr}");
}

#[test]
fn simulate_prints_the_trace_and_the_twiml_of_each_step() {
    let out = switchboard(&[
        "simulate",
        "--client",
        "acme-dental",
        "--at",
        "2026-03-08T02:30:00",
        "--from",
        "+15557654321",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("does not exist in America/New_York"), "{stdout}");
    assert!(
        stdout.contains("closed: outside Sunday hours; opens Mon 2026-03-09 09:00"),
        "{stdout}"
    );
    assert!(stdout.contains("1. voicemail"), "{stdout}");
    assert!(stdout.contains("<Record action="), "{stdout}");
}

#[test]
fn simulate_shows_every_step_of_an_open_call() {
    let out = switchboard(&[
        "simulate",
        "--client",
        "sunrise-vet",
        "--at",
        "2026-07-14T10:00",
        "--digits",
        "2",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1. reception+dr-chen+dr-walsh"), "{stdout}");
    assert!(
        stdout.contains("2. external") && stdout.contains("3. voicemail"),
        "{stdout}"
    );
}

#[test]
fn token_create_refuses_an_unknown_client_and_says_how_to_list_the_clients() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("tokens.db").display());
    let create = |client: &str| {
        Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["token", "create", "--client", client])
            .env("SWITCHBOARD_RULES_DIR", example_rules())
            .env("DATABASE_URL", &database)
            .output()
            .expect("the binary runs")
    };

    let unknown = create("no-such-client");
    let known = create("acme-dental");

    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(!unknown.status.success(), "{stderr}");
    assert!(
        stderr.contains("no-such-client") && stderr.contains("switchboard rules check"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&unknown.stdout).contains("sb_"),
        "no token was made"
    );
    assert!(known.status.success(), "{}", String::from_utf8_lossy(&known.stderr));
    assert!(String::from_utf8_lossy(&known.stdout).contains("sb_"));
}
