//! `decide`: from the rules, the instant and what we know of the call, the chain of
//! steps the call follows. Pure: the caller passes the time, who is unavailable and the
//! round-robin position, so every case is a plain unit test.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::decision::{Action, Decision, DialTarget, Step, Why};
use super::rules::{CallerId, Language, MenuId, Queue, Route, RouteKey, Rules, Spoken, Strategy, Target};
use crate::ids::AssistantId;
use crate::phone::E164;

/// Why an assistant cannot be rung now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    OffDuty,
    /// Outside the assistant's own shifts, or on a day they are away.
    OffShift,
    OnCall,
    /// Could not be rung when the call's chain was fixed (why is in the trace of that
    /// moment). Later steps pass it again so the chain comes out the same.
    WhenRouted,
}

/// Where the caller is in the menu they are at ([`CallInput::at_menu`]).
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
    /// The menu the caller is at: `[menu]` until an option opened another.
    pub at_menu: MenuId,
    pub menu: MenuChoice,
    /// The language a menu option chose: what the caller hears from then on. `None`, or
    /// a code the rules have no table for: the file's own words.
    pub language: Option<&'a str>,
    /// Who could not be rung when the chain was fixed: at arrival, or at the menu choice.
    pub unavailable: &'a HashMap<AssistantId, Unavailable>,
    /// The round-robin position for this call's route (see [`rotation_route`]).
    pub rotation: u64,
    /// The caller's number as Twilio gives it, E.164 (for `[block]` and `[vip]`).
    pub from: Option<&'a str>,
    /// The assistant who last answered this caller within `[sticky] days`: rung first
    /// when the route rings them.
    pub spoke_with: Option<&'a AssistantId>,
}

/// The route a call from `from` takes, or `None` when the menu is played first. Callers
/// use it to learn whether a round-robin position is needed before calling [`decide`].
pub fn select_route<'r>(
    rules: &'r Rules,
    open: bool,
    at_menu: MenuId,
    menu: MenuChoice,
    from: Option<&str>,
) -> Option<(RouteKey, &'r Route)> {
    if let Some(vip) = rules.vip_route(from) {
        return Some((RouteKey::Vip, vip));
    }
    if !open {
        return Some((RouteKey::AfterHours, &rules.after_hours));
    }
    let Some(m) = rules.menu_at(at_menu) else {
        return Some((RouteKey::Open, &rules.open));
    };
    let option = match menu {
        MenuChoice::NotAsked | MenuChoice::Retry { .. } => return None,
        MenuChoice::Option(d) => Some(d),
        MenuChoice::Default => m.default,
    };
    // An option that opens a menu is followed before this is asked; one that still names
    // a menu here (a stale URL) plays the menu the caller is at again.
    match option.and_then(|d| rules.menu_option(at_menu, d)) {
        Some(o) if o.opens.is_some() => None,
        Some(o) => Some((RouteKey::Option(at_menu, o.digit), &o.route)),
        None => Some((RouteKey::Open, &rules.open)),
    }
}

/// The route that needs a round-robin position for this call, if any.
pub fn rotation_route(
    rules: &Rules,
    now: DateTime<Utc>,
    at_menu: MenuId,
    menu: MenuChoice,
    from: Option<&str>,
) -> Option<RouteKey> {
    // Most clients have no rotation: then there is no need to find out whether they are
    // open, which after hours means searching for the next opening.
    let rotates = |route: &Route| route.strategy == Some(Strategy::RoundRobin);
    if !rules.routes().any(|(_, route)| rotates(route)) || rules.blocked(from).is_some() {
        return None;
    }
    let open = rules.hours.status_at(rules.timezone, now).open;
    select_route(rules, open, at_menu, menu, from)
        .filter(|(_, route)| rotates(route))
        .map(|(key, _)| key)
}

pub fn decide(rules: &Rules, now: DateTime<Utc>, call: &CallInput<'_>) -> Decision {
    let status = rules.hours.status_at(rules.timezone, now);
    // Room for the usual reasons (the route, a choice, a skip or two) without regrowing.
    let mut why = Vec::with_capacity(4);
    if let Some(answer) = rules.blocked(call.from) {
        why.push(Why::Blocked);
        let step = Step {
            index: 0,
            action: Action::Blocked { answer: answer.clone() },
        };
        return Decision {
            status,
            steps: vec![step],
            why,
        };
    }
    let language = rules.language(call.language);
    if let Some(l) = language {
        why.push(Why::Language(l.code.clone()));
    }
    let steps = match select_route(rules, status.open, call.at_menu, call.menu, call.from) {
        None => vec![menu_step(rules, call.at_menu, call.menu, language, &mut why)],
        Some((key, route)) => {
            match (key, call.menu) {
                (RouteKey::Vip, _) => why.push(Why::Vip),
                (_, MenuChoice::Option(_)) => why.push(Why::Chose(key)),
                (_, MenuChoice::Default) => why.push(Why::NoChoice(key)),
                (_, MenuChoice::NotAsked | MenuChoice::Retry { .. }) => {}
            }
            chain(rules, now, key, route, call, language, &mut why)
        }
    };
    Decision { status, steps, why }
}

fn menu_step(rules: &Rules, at: MenuId, choice: MenuChoice, language: Option<&Language>, why: &mut Vec<Why>) -> Step {
    let menu = rules.menu_at(at).expect("select_route returns None only for a menu");
    let attempt = match choice {
        MenuChoice::Retry { attempt } => attempt,
        _ => 0,
    };
    why.push(Why::Menu {
        menu: at,
        attempt,
        retries: menu.retries,
    });
    Step {
        index: 0,
        action: Action::Menu {
            menu: at,
            prompt: translated(
                language,
                |l| l.menus.iter().find(|(id, _)| *id == at).map(|(_, p)| p),
                &menu.prompt,
            ),
            input: menu.input.clone(),
            timeout_seconds: menu.timeout_seconds,
            attempt,
        },
    }
}

fn chain(
    rules: &Rules,
    now: DateTime<Utc>,
    key: RouteKey,
    route: &Route,
    call: &CallInput<'_>,
    language: Option<&Language>,
    why: &mut Vec<Why>,
) -> Vec<Step> {
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
    let mut available: Vec<&AssistantId> = route
        .assistants
        .iter()
        .filter(|id| {
            let off_shift = || {
                let a = rules.assistant(id).expect("routes name only known assistants");
                (!a.on_shift(rules.timezone, now)).then_some(Unavailable::OffShift)
            };
            match call.unavailable.get(*id).copied().or_else(off_shift) {
                None => true,
                Some(reason) => {
                    why.push(Why::Skip((*id).clone(), reason));
                    false
                }
            }
        })
        .collect();
    // Sized once: a step per assistant, the caller's own, per fallback, and an apology.
    let mut plan = Plan {
        steps: Vec::with_capacity(available.len() + route.then.len() + 2),
    };
    // The assistant the caller spoke with lately is rung first, alone, then the route
    // goes on without them.
    let sticky = call.spoke_with.filter(|_| route.strategy.is_some());
    if let Some(first) = sticky {
        if let Some(at) = available.iter().position(|id| *id == first) {
            why.push(Why::Sticky {
                assistant: first.clone(),
                first: true,
            });
            available.remove(at);
            plan.push(dial(vec![target(first)], route.ring_seconds));
        } else if !route.assistants.contains(first) {
            why.push(Why::Sticky {
                assistant: first.clone(),
                first: false,
            });
        }
    }
    match route.strategy {
        None => why.push(Why::NobodyRung(key)),
        Some(Strategy::Priority) => {
            why.push(Why::Priority(key));
            for id in &available {
                plan.push(dial(vec![target(id)], route.ring_seconds));
            }
        }
        Some(Strategy::RoundRobin) => {
            if !available.is_empty() {
                let start = usize::try_from(call.rotation % available.len() as u64).unwrap_or(0);
                available.rotate_left(start);
            }
            why.push(Why::RoundRobin {
                key,
                position: call.rotation,
            });
            for id in &available {
                plan.push(dial(vec![target(id)], route.ring_seconds));
            }
        }
        Some(Strategy::Simultaneous) => {
            why.push(Why::AllAtOnce(key));
            if !available.is_empty() {
                plan.push(dial(
                    available.iter().map(|id| target(id)).collect(),
                    route.ring_seconds,
                ));
            }
        }
    }
    for t in &route.then {
        match (t, &rules.external, &rules.queue, &rules.voicemail) {
            (Target::External, Some(ext), _, _) => plan.push(dial(
                vec![DialTarget {
                    assistant: None,
                    number: ext.phone.clone(),
                    screen: false,
                }],
                ext.ring_seconds,
            )),
            // A queue needs someone who could take callers from it, now or later.
            (Target::Queue, _, Some(queue), _) if !route.assistants.is_empty() => plan.push(Action::Queue {
                queue: Queue {
                    words: rules.queue_words(language.map(|l| l.code.as_str())),
                    ..queue.clone()
                },
                targets: route.assistants.iter().map(&target).collect(),
            }),
            (Target::Voicemail, _, _, Some(vm)) => plan.push(Action::Voicemail {
                greeting: translated(language, |l| l.greeting.as_ref(), &vm.greeting),
                max_seconds: vm.max_seconds,
                transcribe: vm.transcribe,
            }),
            // Validation refuses these; skipping keeps the chain safe if one slips by.
            _ => why.push(Why::NotConfigured(*t)),
        }
    }
    if !plan.steps.last().is_some_and(Step::speaks) {
        why.push(Why::Apology);
        plan.push(Action::Apology {
            message: translated(language, |l| l.apology.as_ref(), &rules.apology),
        });
    }
    plan.steps
}

/// What `language` says in place of `own`, or `own` where it has no translation.
fn translated(language: Option<&Language>, pick: impl Fn(&Language) -> Option<&Spoken>, own: &Spoken) -> Spoken {
    language.and_then(pick).unwrap_or(own).clone()
}

/// A route's steps, numbered in the order they are planned.
struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    fn push(&mut self, action: Action) {
        let index = u32::try_from(self.steps.len()).expect("a route has fewer than 2^32 steps");
        self.steps.push(Step { index, action });
    }
}

fn business_number(rules: &Rules, called: &str) -> Option<E164> {
    rules
        .numbers
        .iter()
        .find(|n| n.as_str() == called)
        .or(rules.numbers.first())
        .cloned()
}
