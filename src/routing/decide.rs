//! `decide`: from the rules, the instant and what we know of the call, the chain of
//! steps the call follows. Pure: the caller passes the time, who is unavailable and the
//! round-robin position, so every case is a plain unit test.

use std::collections::HashMap;

use chrono::{DateTime, Utc, Weekday};

use super::decision::{Action, Decision, DialTarget, Step};
use super::rules::{CallerId, Route, RouteKey, Rules, Strategy, Target};
use super::schedule::{DayKind, OpenStatus};
use crate::phone::{AssistantId, E164};

/// Why an assistant cannot be rung now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    OffDuty,
    OnCall,
}

/// Where the caller is in the client's menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuChoice {
    /// Not asked yet: an open business with a menu plays it.
    NotAsked,
    /// Play the menu again (after no input or an unknown key); `attempt` counts from 1.
    Retry {
        attempt: u32,
    },
    Option(char),
    /// The caller never chose: the menu's default.
    Default,
}

#[derive(Debug, Clone)]
pub struct CallInput<'a> {
    /// The business number that was called, shown to assistants when caller id is `business`.
    pub called: &'a str,
    pub menu: MenuChoice,
    pub unavailable: &'a HashMap<AssistantId, Unavailable>,
    /// The round-robin position for this call's route (see [`rotation_route`]).
    pub rotation: u64,
}

const APOLOGY: &str = "Sorry, nobody can take your call right now. Please call again later. Goodbye.";

/// The route a call takes, or `None` when the menu is played first. Callers use it to
/// learn whether a round-robin position is needed before calling [`decide`].
pub fn select_route(rules: &Rules, open: bool, menu: MenuChoice) -> Option<(RouteKey, &Route)> {
    if !open {
        return Some((RouteKey::AfterHours, &rules.after_hours));
    }
    let Some(m) = &rules.menu else {
        return Some((RouteKey::Open, &rules.open));
    };
    let option = match menu {
        MenuChoice::NotAsked | MenuChoice::Retry { .. } => return None,
        MenuChoice::Option(d) => Some(d),
        MenuChoice::Default => m.default,
    };
    match option.and_then(|d| rules.menu_option(d)) {
        Some(o) => Some((RouteKey::Option(o.digit), &o.route)),
        None => Some((RouteKey::Open, &rules.open)),
    }
}

/// The route that needs a round-robin position for this call, if any.
pub fn rotation_route(rules: &Rules, now: DateTime<Utc>, menu: MenuChoice) -> Option<RouteKey> {
    let open = rules.hours.status_at(rules.timezone, now).open;
    select_route(rules, open, menu)
        .filter(|(_, r)| r.strategy == Some(Strategy::RoundRobin))
        .map(|(key, _)| key)
}

pub fn decide(rules: &Rules, now: DateTime<Utc>, call: &CallInput<'_>) -> Decision {
    let status = rules.hours.status_at(rules.timezone, now);
    let mut trace = vec![describe_time(rules, &status), describe_status(rules, &status)];
    let steps = match select_route(rules, status.open, call.menu) {
        None => vec![menu_step(rules, call.menu, &mut trace)],
        Some((key, route)) => {
            if let MenuChoice::Option(_) | MenuChoice::Default = call.menu {
                trace.push(describe_choice(call.menu, key));
            }
            chain(rules, key, route, call, &mut trace)
        }
    };
    let labels: Vec<String> = steps.iter().map(Step::label).collect();
    trace.push(format!("chain: {}", labels.join(" → ")));
    Decision { status, steps, trace }
}

fn menu_step(rules: &Rules, choice: MenuChoice, trace: &mut Vec<String>) -> Step {
    let menu = rules.menu.as_ref().expect("select_route returns None only for a menu");
    let attempt = match choice {
        MenuChoice::Retry { attempt } => attempt,
        _ => 0,
    };
    trace.push(if attempt == 0 {
        "menu: play the options".to_owned()
    } else {
        format!(
            "menu: no valid choice, play again (attempt {} of {})",
            attempt + 1,
            menu.retries + 1
        )
    });
    let prompt = if attempt == 0 {
        menu.prompt.clone()
    } else {
        format!("Sorry, I did not get that. {}", menu.prompt)
    };
    Step {
        index: 0,
        action: Action::Menu {
            prompt,
            input: menu.input.clone(),
            timeout_seconds: menu.timeout_seconds,
            attempt,
        },
    }
}

fn chain(rules: &Rules, key: RouteKey, route: &Route, call: &CallInput<'_>, trace: &mut Vec<String>) -> Vec<Step> {
    let caller_id = match route.caller_id {
        CallerId::Caller => None,
        CallerId::Business => business_number(rules, call.called),
    };
    let dial = |targets: Vec<DialTarget>, ring_seconds| Action::Dial {
        targets,
        ring_seconds,
        caller_id: caller_id.clone(),
        record: route.record,
    };
    let target = |id: &AssistantId| {
        let a = rules.assistant(id).expect("routes name only known assistants");
        DialTarget {
            assistant: Some(a.id.clone()),
            number: a.phone.clone(),
            screen: a.screen.unwrap_or(route.screen),
        }
    };
    let available: Vec<&AssistantId> = route
        .assistants
        .iter()
        .filter(|id| match call.unavailable.get(*id) {
            None => true,
            Some(why) => {
                let why = match why {
                    Unavailable::OffDuty => "off duty",
                    Unavailable::OnCall => "on another call",
                };
                trace.push(format!("skip {id}: {why}"));
                false
            }
        })
        .collect();
    let mut plan: Vec<Action> = Vec::new();
    match route.strategy {
        None => trace.push(format!("route {key}: nobody is rung")),
        Some(Strategy::Priority) => {
            trace.push(format!("route {key}: ring one at a time in priority order"));
            plan.extend(available.iter().map(|id| dial(vec![target(id)], route.ring_seconds)));
        }
        Some(Strategy::RoundRobin) => {
            let mut order = available.clone();
            if !order.is_empty() {
                let start = usize::try_from(call.rotation % order.len() as u64).unwrap_or(0);
                order.rotate_left(start);
                trace.push(format!(
                    "route {key}: round robin at position {}, {} first",
                    call.rotation, order[0]
                ));
            } else {
                trace.push(format!("route {key}: round robin, but nobody is available"));
            }
            plan.extend(order.iter().map(|id| dial(vec![target(id)], route.ring_seconds)));
        }
        Some(Strategy::Simultaneous) => {
            trace.push(format!("route {key}: ring everyone available at once"));
            if !available.is_empty() {
                plan.push(dial(
                    available.iter().map(|id| target(id)).collect(),
                    route.ring_seconds,
                ));
            }
        }
    }
    for t in &route.then {
        match (t, &rules.external, &rules.voicemail) {
            (Target::External, Some(ext), _) => plan.push(dial(
                vec![DialTarget {
                    assistant: None,
                    number: ext.phone.clone(),
                    screen: false,
                }],
                ext.ring_seconds,
            )),
            (Target::Voicemail, _, Some(vm)) => plan.push(Action::Voicemail {
                greeting: vm.greeting.clone(),
                max_seconds: vm.max_seconds,
                transcribe: vm.transcribe,
            }),
            // Validation refuses these; skipping keeps the chain safe if one slips by.
            _ => trace.push(format!("skip {t:?}: not configured")),
        }
    }
    let mut steps: Vec<Step> = plan
        .into_iter()
        .zip(0u32..)
        .map(|(action, index)| Step { index, action })
        .collect();
    if !steps.last().is_some_and(Step::speaks) {
        trace.push("the chain would end in silence: apologise instead".to_owned());
        let index = steps.last().map_or(0, |s| s.index + 1);
        steps.push(Step {
            index,
            action: Action::Apology {
                text: APOLOGY.to_owned(),
            },
        });
    }
    steps
}

fn business_number(rules: &Rules, called: &str) -> Option<E164> {
    rules
        .numbers
        .iter()
        .find(|n| n.as_str() == called)
        .or(rules.numbers.first())
        .cloned()
}

fn describe_time(rules: &Rules, status: &OpenStatus) -> String {
    format!(
        "local time {} ({})",
        status.local.format("%a %Y-%m-%d %H:%M"),
        rules.timezone
    )
}

fn describe_status(rules: &Rules, status: &OpenStatus) -> String {
    let why = match (status.kind, status.open) {
        (DayKind::Weekday(day), true) => format!("{} hours", day_name(day)),
        (DayKind::Weekday(day), false) => format!("outside {} hours", day_name(day)),
        (DayKind::Holiday, _) => format!("holiday {}", status.day),
        (DayKind::Special, _) => format!("special hours {}", status.day),
    };
    let local = |t: DateTime<Utc>| t.with_timezone(&rules.timezone).format("%a %Y-%m-%d %H:%M").to_string();
    match (status.open, status.window, status.until, status.next_open) {
        (true, Some(w), Some(until), _) => format!("open: {why} {w}, until {}", local(until)),
        (true, _, _, _) => format!("open: {why}"),
        (false, _, _, Some(next)) => format!("closed: {why}; opens {}", local(next)),
        (false, _, _, None) => format!("closed: {why}; no opening hours ahead"),
    }
}

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn describe_choice(choice: MenuChoice, key: RouteKey) -> String {
    match choice {
        MenuChoice::Default => format!("menu: no choice made, default route {key}"),
        _ => format!("menu: caller chose {key}"),
    }
}
