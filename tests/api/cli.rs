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
fn a_toml_syntax_error_is_one_problem_on_one_line_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example_rules().join("acme-dental.toml"))
        .unwrap()
        .replace("\"09:00-12:30\", \"13:30-17:00\"]", "\"09:00-12:30\" \"13:30-17:00\"]");
    std::fs::write(dir.path().join("acme-dental.toml"), &text).unwrap();
    let line = text.lines().position(|l| l.starts_with("mon = ")).unwrap() + 1;

    let out = switchboard(&["rules", "check", dir.path().to_str().unwrap()]);

    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    let at = format!("acme-dental.toml:{line}:");
    assert!(lines[0].contains(&at), "{stderr}");
    assert!(lines[0].ends_with("invalid array: expected `]`"), "{stderr}");
    assert_eq!(lines[1], "1 problem");
}

#[test]
fn call_reaches_the_server_at_switchboard_bind_and_prints_the_next_request_unescaped() {
    let dir = tempfile::tempdir().unwrap();
    let bind = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let mut server = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve"])
        .env("SWITCHBOARD_RULES_DIR", example_rules())
        .env("SWITCHBOARD_BIND", &bind)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display()),
        )
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("SWITCHBOARD_PUBLIC_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let call = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(args)
            .env("SWITCHBOARD_BIND", &bind)
            .output()
            .unwrap()
    };
    let mut first = call(&["call", "--to", "+442079460123"]);
    for _ in 0..100 {
        if first.status.success() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        first = call(&["call", "--to", "+442079460123"]);
    }
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();

    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.starts_with(&format!("200 OK http://{bind}/twilio/voice")),
        "{stdout}"
    );
    // Harbor Plumbing is open or not at the wall clock's time: a dial prints its next
    // request, voicemail none. Whichever it is, a printed path is unescaped and works.
    if let Some(path) = stdout.split("--path '").nth(1).and_then(|r| r.split('\'').next()) {
        assert!(
            !path.contains("&amp;") && path.contains("&client=harbor-plumbing"),
            "{path}"
        );
        let next = call(&[
            "call",
            "--to",
            "+442079460123",
            "--path",
            path,
            "--param",
            "DialCallStatus=no-answer",
        ]);
        assert!(String::from_utf8_lossy(&next.stdout).starts_with("200 OK"));
    }
    server.kill().unwrap();
    server.wait().unwrap();
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
        stdout.contains("Closed: outside Sunday hours; opens Mon 9 Mar 2026, 9:00 AM"),
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
fn simulate_follows_the_keys_pressed_at_each_menu_in_turn() {
    let out = switchboard(&[
        "simulate",
        "--client",
        "sunrise-vet",
        "--at",
        "2026-07-14T10:00",
        "--digits",
        "4,2",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("  - Chose 4: the prescriptions menu\n"), "{stdout}");
    assert!(stdout.contains("  - Chose 2\n"), "{stdout}");
    assert!(
        stdout.contains("1. dr-chen") && stdout.contains("2. dr-walsh"),
        "{stdout}"
    );
    let opened = switchboard(&[
        "simulate",
        "--client",
        "sunrise-vet",
        "--at",
        "2026-07-14T10:00",
        "--digits",
        "4",
    ]);
    let stdout = String::from_utf8_lossy(&opened.stdout);
    assert!(stdout.contains("1. menu"), "{stdout}");
    assert!(stdout.contains("menu=1"), "the next webhook knows the menu: {stdout}");
    assert!(stdout.contains("For a repeat prescription press 1."), "{stdout}");
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

#[test]
fn rules_check_warns_about_prompts_a_language_leaves_untranslated_but_passes() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example_rules().join("sunrise-vet.toml")).unwrap()
        + "\n[languages.cmn-CN]\nname = \"中文\"\nmenu = \"预约请按1。\"\n";
    let text = text.replace(
        "[menu.options.3]\n",
        "[menu.options.8]\nlanguage = \"cmn-CN\"\n\n[menu.options.3]\n",
    );
    std::fs::write(dir.path().join("sunrise-vet.toml"), &text).unwrap();
    let out = switchboard(&["rules", "check", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains(
            "sunrise-vet.toml: [languages.cmn-CN] has no `menus.prescriptions` prompt: callers hear it untranslated"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("[languages.cmn-CN] has no voicemail `greeting`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[languages.cmn-CN] has no `queue.announce`: callers hear it untranslated"),
        "{stdout}"
    );
    assert!(!stdout.contains("has no `menu` prompt"), "{stdout}");
}
