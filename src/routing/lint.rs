//! Checks that a well-formed rule file would not hurt callers: every chain ends in a
//! voicemail that works, someone can take calls while the business is open, and
//! nothing asks Twilio for what it will not do.

use super::parse::{Report, Spans};
use super::rules::{
    MenuInput, Queue, QueueWords, Route, RouteKey, Rules, Spoken, Strategy, Target, MAX_SIMULTANEOUS,
    MAX_TRANSCRIBED_SECONDS,
};

pub(super) fn check(rules: &Rules, spans: &Spans, r: &mut Report<'_>) {
    for (key, route) in rules.routes() {
        let span = spans.routes.get(&key).cloned().unwrap_or(0..0);
        for problem in route_problems(rules, key, route) {
            r.at(span.clone(), problem);
        }
    }
    if rules.hours.has_open_window() && !anyone_can_answer(rules) {
        let span = spans.routes.get(&RouteKey::Open).cloned().unwrap_or(0..0);
        r.at(span, "the business has open hours but [open] rings nobody: add a strategy with assistants or \"external\" to `then`");
    }
    if let Some(vm) = &rules.voicemail {
        if vm.transcribe && vm.max_seconds > MAX_TRANSCRIBED_SECONDS {
            r.at(
                spans.voicemail.clone().unwrap_or(0..0),
                format!("voicemail max_seconds is {} but Twilio only transcribes recordings up to {MAX_TRANSCRIBED_SECONDS} s: lower it or turn transcribe off", vm.max_seconds),
            );
        }
    }
    for (id, menu) in rules.menus() {
        let speech_on = menu.input.contains(&MenuInput::Speech);
        for option in menu.options.iter().filter(|o| !o.speech.is_empty() && !speech_on) {
            let span = spans
                .routes
                .get(&RouteKey::Option(id, option.digit))
                .cloned()
                .unwrap_or(0..0);
            r.at(
                span,
                format!(
                    "option {} lists speech words but the menu's input has no \"speech\"",
                    option.digit
                ),
            );
        }
    }
}

fn anyone_can_answer(rules: &Rules) -> bool {
    let rings = |route: &Route| !route.assistants.is_empty() || route.then.contains(&Target::External);
    rings(&rules.open) || (rules.routes()).any(|(key, route)| matches!(key, RouteKey::Option(..)) && rings(route))
}

fn route_problems(rules: &Rules, key: RouteKey, route: &Route) -> Vec<String> {
    let mut problems = Vec::new();
    if route.strategy.is_some() && route.assistants.is_empty() {
        problems.push(format!("route `{key}` has a strategy but no assistants to ring"));
    }
    if route.strategy == Some(Strategy::Simultaneous) && route.assistants.len() > MAX_SIMULTANEOUS {
        problems.push(format!(
            "route `{key}` rings {} numbers at once; Twilio rings at most {MAX_SIMULTANEOUS}",
            route.assistants.len()
        ));
    }
    if route.then.contains(&Target::External) && rules.external.is_none() {
        problems.push(format!(
            "route `{key}` falls back to \"external\" but there is no [external] number"
        ));
    }
    if route.then.contains(&Target::Queue) {
        if rules.queue.is_none() {
            problems.push(format!(
                "route `{key}` puts callers in the \"queue\" but there is no [queue] section"
            ));
        }
        if route.assistants.is_empty() {
            problems.push(format!(
                "route `{key}` puts callers in the \"queue\" but rings nobody who could take them from it: give it a strategy"
            ));
        }
    }
    if route.then.contains(&Target::Voicemail) && rules.voicemail.is_none() {
        problems.push(format!(
            "route `{key}` falls back to \"voicemail\" but there is no [voicemail] section"
        ));
    }
    match route.then.iter().position(|t| *t == Target::Voicemail) {
        None => problems.push(format!(
            "route `{key}` can end in silence when nobody answers: end its `then` with \"voicemail\""
        )),
        Some(i) if i + 1 < route.then.len() => {
            problems.push(format!("route `{key}`: nothing after \"voicemail\" is ever reached"));
        }
        Some(_) => {}
    }
    problems
}

/// What a caller who chose a language would still hear in the file's own words: each a
/// warning, since the call still works.
pub fn untranslated(rules: &Rules) -> Vec<String> {
    let mut missing = Vec::new();
    for l in &rules.languages {
        let mut lack = |what: String| {
            missing.push(format!(
                "[languages.{}] has no {what}: callers hear it untranslated",
                l.code
            ))
        };
        for (id, menu) in rules.menus() {
            if !l.menus.iter().any(|(m, _)| *m == id) {
                lack(match &menu.name {
                    None => "`menu` prompt".to_owned(),
                    Some(name) => format!("`menus.{name}` prompt"),
                });
            }
        }
        if rules.voicemail.is_some() && l.greeting.is_none() {
            lack("voicemail `greeting`".to_owned());
        }
        if l.apology.is_none() {
            lack("`apology`".to_owned());
        }
        if let Some(queue) = &rules.queue {
            for phrase in untranslated_queue(queue, &l.queue) {
                lack(format!("`queue.{phrase}`"));
            }
        }
    }
    missing
}

/// The queue's phrases callers may hear that `words` (a language's) leave out. Hold music
/// has no language, so a recorded hold needs no translation.
fn untranslated_queue(queue: &Queue, words: &QueueWords) -> Vec<&'static str> {
    let own = &queue.words;
    let spoken_hold = !matches!(own.hold, Some(Spoken::Play(_)));
    [
        ("hold", spoken_hold, words.hold.is_none()),
        ("announce", true, words.announce.is_none()),
        ("announce_next", true, words.announce_next.is_none()),
        ("keys", own.keys.is_some(), words.keys.is_none()),
        (
            "callback_promise",
            queue.callback_key.is_some(),
            words.callback_promise.is_none(),
        ),
    ]
    .into_iter()
    .filter(|(_, heard, missing)| *heard && *missing)
    .map(|(phrase, _, _)| phrase)
    .collect()
}
