//! Alert and reply templates: any template and any values in → a text or a template error out,
//! never a panic. Plain text renders as itself, and a value is inserted verbatim, never read as
//! template syntax itself.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use switchboard::routing::templates::{check, render, render_with, Vars};

#[derive(Debug, Arbitrary)]
struct Input {
    template: String,
    prefix: String,
    suffix: String,
    caller: String,
    client: String,
    transcript: String,
    row: BTreeMap<String, String>,
}

/// Text tinytemplate copies through untouched: no braces, no escapes.
fn plain(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, '{' | '}' | '\\')).collect()
}

fuzz_target!(|input: Input| {
    let vars = Vars {
        caller: input.caller.clone(),
        client: input.client.clone(),
        transcript: input.transcript.clone(),
        ..Vars::default()
    };
    let _ = render(&input.template, &vars);
    let _ = check(&input.template);
    let _ = render_with(&input.template, &input.row);

    let (prefix, suffix) = (plain(&input.prefix), plain(&input.suffix));
    assert_eq!(render(&prefix, &vars).as_deref(), Ok(prefix.as_str()));
    let template = format!("{prefix}{{caller}}-{{transcript}}{suffix}");
    let expected = format!("{prefix}{}-{}{suffix}", input.caller, input.transcript);
    assert_eq!(render(&template, &vars).as_deref(), Ok(expected.as_str()));
    check(&template).expect("a template naming known variables passes the check");
});
