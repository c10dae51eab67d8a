//! What the engine answers: the steps of a call's chain, and why.

use std::collections::HashMap;

use serde::Serialize;

use super::decide::Unavailable;
use super::rules::{BlockAnswer, MenuId, MenuInput, Queue, RouteKey, Spoken, Target};
use super::schedule::OpenStatus;
use crate::ids::AssistantId;
use crate::phone::E164;

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub status: OpenStatus,
    pub steps: Vec<Step>,
    /// Why, as facts; [`Decision::trace`] puts them in plain words. Kept structured so
    /// routing a call does not pay for text nobody may read.
    pub why: Vec<Why>,
}

/// One reason the chain is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    Skip(AssistantId, Unavailable),
    /// At a later step of a call: an assistant of the chain fixed at arrival who has
    /// become unavailable since is not rung at the step of plan index `step`.
    PassOver {
        step: u32,
        assistant: AssistantId,
        reason: Unavailable,
    },
    NobodyRung(RouteKey),
    Priority(RouteKey),
    RoundRobin {
        key: RouteKey,
        position: u64,
    },
    AllAtOnce(RouteKey),
    Menu {
        menu: MenuId,
        attempt: u32,
        retries: u32,
    },
    /// A menu option chose this language (its code): the caller hears it from then on.
    Language(String),
    Chose(RouteKey),
    NoChoice(RouteKey),
    NotConfigured(Target),
    Apology,
    /// The caller's number is in `[block]`.
    Blocked,
    /// The caller's number is in `[vip]`: their own route, whatever the hour or the menu.
    Vip,
    /// `[sticky]`: the caller spoke with `assistant` lately. `first`: rung first; else
    /// this route does not ring them.
    Sticky {
        assistant: AssistantId,
        first: bool,
    },
}

/// One step of the chain. `index` is its place in the chain fixed when the call was
/// routed, so a callback naming it finds the same step again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub index: u32,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// The menu's prompt; from the second `attempt` on, the caller is first told their
    /// choice was not understood.
    Menu {
        /// Which menu: `[menu]` or one of `[menus.NAME]`.
        menu: MenuId,
        prompt: Spoken,
        input: Vec<MenuInput>,
        timeout_seconds: u32,
        attempt: u32,
    },
    Dial {
        targets: Vec<DialTarget>,
        ring_seconds: u32,
        caller_id: Option<E164>,
        record: bool,
    },
    Voicemail {
        greeting: Spoken,
        max_seconds: u32,
        transcribe: bool,
    },
    /// Wait in the client's queue (`<Enqueue>`) for the first of `targets` to be free.
    /// Not speech that ends a chain: after the longest wait the chain goes on.
    Queue {
        queue: Queue,
        /// Who may take the caller from the queue, in the route's order.
        targets: Vec<DialTarget>,
    },
    /// The chain ran out with no voicemail to take a message: say so, then hang up.
    Apology { message: Spoken },
    /// A blocked caller: a short message then the end, or `<Reject>`.
    Blocked { answer: BlockAnswer },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DialTarget {
    /// `None` for the external number.
    pub assistant: Option<AssistantId>,
    pub number: E164,
    pub screen: bool,
}

impl Step {
    /// A short name used by rule-file tests and traces: an assistant id, several joined
    /// by `+`, `external`, `queue`, `voicemail`, `menu`, `apology` or `blocked`.
    pub fn label(&self) -> String {
        match &self.action {
            Action::Menu { .. } => "menu".into(),
            Action::Dial { targets, .. } => targets
                .iter()
                .map(|t| t.assistant.as_ref().map_or("external", AssistantId::as_str))
                .collect::<Vec<_>>()
                .join("+"),
            Action::Voicemail { .. } => "voicemail".into(),
            Action::Queue { .. } => "queue".into(),
            Action::Apology { .. } => "apology".into(),
            Action::Blocked { .. } => "blocked".into(),
        }
    }

    /// Whether the caller hears a voice at this step without anyone answering.
    pub fn speaks(&self) -> bool {
        self.action.speaks()
    }
}

impl Action {
    /// Whether the caller hears a voice without anyone answering.
    pub fn speaks(&self) -> bool {
        matches!(
            self,
            Action::Voicemail { .. }
                | Action::Apology { .. }
                | Action::Menu { .. }
                | Action::Blocked {
                    answer: BlockAnswer::Message(_)
                }
        )
    }

    /// Whether the call ends here on purpose, unanswered and without a word: a blocked
    /// caller rejected.
    pub fn rejects(&self) -> bool {
        matches!(
            self,
            Action::Blocked {
                answer: BlockAnswer::Reject
            }
        )
    }
}

impl Decision {
    pub fn labels(&self) -> Vec<String> {
        self.steps.iter().map(Step::label).collect()
    }

    /// The step a caller is owed after the one at plan index `after` (`None`: the first
    /// step): the next step of this chain, the one fixed when the call was routed, with
    /// the assistants who are unavailable `now` passed over. A dial left with nobody to
    /// ring is passed over whole, so the caller goes on to the step after it; since every
    /// chain ends in speech, only an `after` past the end finds nothing.
    pub fn next_step(&self, after: Option<u32>, now: &HashMap<AssistantId, Unavailable>) -> NextStep {
        let mut passed = Vec::new();
        let later = self.steps.iter().filter(|s| after.is_none_or(|a| s.index > a));
        for step in later {
            let Action::Dial { targets, .. } = &step.action else {
                return NextStep {
                    step: Some(step.clone()),
                    passed,
                };
            };
            let mut kept = Vec::with_capacity(targets.len());
            for target in targets {
                match target.assistant.as_ref().and_then(|id| Some((id, now.get(id)?))) {
                    Some((id, reason)) => passed.push(Why::PassOver {
                        step: step.index,
                        assistant: id.clone(),
                        reason: *reason,
                    }),
                    None => kept.push(target.clone()),
                }
            }
            if kept.is_empty() {
                continue;
            }
            let mut step = step.clone();
            if let Action::Dial { targets, .. } = &mut step.action {
                *targets = kept;
            }
            return NextStep {
                step: Some(step),
                passed,
            };
        }
        NextStep { step: None, passed }
    }

    /// The assistants this chain leaves out because they could not be rung when it was
    /// fixed; passing them again as unavailable gives the same chain back.
    pub fn skipped(&self) -> impl Iterator<Item = &AssistantId> {
        self.why.iter().filter_map(|w| match w {
            Why::Skip(id, _) => Some(id),
            _ => None,
        })
    }

    pub fn step(&self, index: u32) -> Option<&Step> {
        self.steps.iter().find(|s| s.index == index)
    }
}

/// What [`Decision::next_step`] found: the step to answer (`None` past the end of the
/// chain), and the assistants it passed over on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct NextStep {
    pub step: Option<Step>,
    pub passed: Vec<Why>,
}
