//! `decide`, replay and TwiML rendering on the example clients.
//! Run: `cargo bench --bench routing`.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use switchboard::calls::position::Position;
use switchboard::calls::render;
use switchboard::routing::{decide, replay, CallInput, MenuChoice, Rules};
use switchboard::rules;
use switchboard::twilio::webhooks::Links;

fn client(name: &str) -> Rules {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("routing-rules")
        .join(format!("{name}.toml"));
    Rules::clone(&rules::files::load_file(&path).expect("example rules are valid").rules)
}

/// Acme's rules, open on Saturday mornings as well.
fn acme_open_on_saturday_mornings() -> Rules {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("routing-rules/acme-dental.toml");
    let text = std::fs::read_to_string(path).expect("example rules");
    let friday = "fri = [\"09:00-16:00\"]\n";
    assert!(text.contains(friday));
    switchboard::routing::parse(&text.replace(friday, &format!("{friday}sat = [\"09:00-12:00\"]\n"))).expect("valid")
}

fn benches(c: &mut Criterion) {
    let acme = client("acme-dental");
    let vet = client("sunrise-vet");
    let harbor = client("harbor-plumbing");
    let unavailable = HashMap::new();
    let tuesday = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap();
    let input = |called, menu, rotation| CallInput {
        called,
        at_menu: switchboard::routing::rules::MenuId::TOP,
        menu,
        language: None,
        unavailable: &unavailable,
        rotation,
        from: None,
        spoke_with: None,
    };

    c.bench_function("decide/priority_open", |b| {
        b.iter(|| {
            decide(
                black_box(&acme),
                black_box(tuesday),
                &input("+12125550100", MenuChoice::NotAsked, 0),
            )
        })
    });
    c.bench_function("decide/after_hours", |b| {
        let night = Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap();
        b.iter(|| {
            decide(
                black_box(&acme),
                black_box(night),
                &input("+12125550100", MenuChoice::NotAsked, 0),
            )
        })
    });
    c.bench_function("decide/round_robin", |b| {
        let london = Utc.with_ymd_and_hms(2026, 6, 3, 9, 0, 0).unwrap();
        b.iter(|| {
            decide(
                black_box(&harbor),
                black_box(london),
                &input("+442079460123", MenuChoice::NotAsked, 7),
            )
        })
    });
    c.bench_function("decide/menu_option", |b| {
        let sydney = Utc.with_ymd_and_hms(2026, 7, 14, 0, 0, 0).unwrap();
        b.iter(|| {
            decide(
                black_box(&vet),
                black_box(sydney),
                &input("+61255501234", MenuChoice::Option('2'), 0),
            )
        })
    });

    // A draft opening on Saturday mornings tried on 30 days of calls, at two volumes: the
    // cost should grow with the calls and nothing else.
    let saturdays = acme_open_on_saturday_mornings();
    for calls in [1_000, 10_000] {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let step = 30 * 24 * 3600 / calls;
        let instants: Vec<_> = (0..calls)
            .map(|n| start + chrono::Duration::seconds(n * step))
            .collect();
        c.bench_function(&format!("replay/30_days_{calls}_calls"), |b| {
            b.iter(|| replay::replay(black_box(&acme), black_box(&saturdays), black_box(&instants)))
        });
    }

    let decision = decide(&acme, tuesday, &input("+12125550100", MenuChoice::NotAsked, 0));
    let links = Links::new(Some(&"https://switchboard.example.com".parse().unwrap()));
    let pos = Position {
        client: "acme-dental".into(),
        version: 3,
        at: tuesday,
        at_menu: switchboard::routing::rules::MenuId::TOP,
        menu: MenuChoice::NotAsked,
        language: None,
        rotation: 0,
        away: Vec::new(),
        spoke_with: None,
        step: 0,
    };
    c.bench_function("twiml/dial_screened", |b| {
        b.iter(|| render::step(black_box(&acme), &decision.steps[0], &pos, &links).render())
    });
    let voicemail = decision.steps.last().expect("a voicemail step");
    c.bench_function("twiml/voicemail", |b| {
        b.iter(|| render::step(black_box(&acme), voicemail, &pos, &links).render())
    });
}

criterion_group!(routing, benches);
criterion_main!(routing);
