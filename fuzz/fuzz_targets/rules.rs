//! Rule files: any text in → rules or a list of problems out (each with its line and column),
//! never a panic. Runs the whole gate an uploaded version passes: parse, lint and the file's cases.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|source: &str| {
    match switchboard::rules::files::check_source(source) {
        Ok(rules) => assert!(!rules.client.as_str().is_empty()),
        Err(errors) => {
            assert!(!errors.0.is_empty(), "a refusal names at least one problem");
            for e in &errors.0 {
                assert!(e.line >= 1 && e.column >= 1, "positions are 1-based: {e:?}");
                assert!(e.line <= source.lines().count().max(1) + 1, "line past the end: {e:?}");
            }
            let _ = errors.to_string();
        }
    }
});
