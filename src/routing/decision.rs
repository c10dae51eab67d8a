//! What the engine answers: the steps of a call's chain, and why.

use std::sync::Arc;

use serde::Serialize;

use super::decide::Unavailable;
use super::rules::{MenuInput, RouteKey, Target};
use super::schedule::OpenStatus;
use crate::phone::{AssistantId, E164};

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
    NobodyRung(RouteKey),
    Priority(RouteKey),
    RoundRobin { key: RouteKey, position: u64 },
    AllAtOnce(RouteKey),
    Menu { attempt: u32, retries: u32 },
    Chose(RouteKey),
    NoChoice(RouteKey),
    NotConfigured(Target),
    Apology,
}

/// One step of the chain. `index` is its place in the route's plan before unavailable
/// assistants were skipped, so a callback naming it finds the same step again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub index: u32,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Menu {
        prompt: Arc<str>,
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
        greeting: Arc<str>,
        max_seconds: u32,
        transcribe: bool,
    },
    /// The chain ran out with no voicemail to take a message: say so, then hang up.
    Apology { text: String },
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
    /// by `+`, `external`, `voicemail`, `menu` or `apology`.
    pub fn label(&self) -> String {
        match &self.action {
            Action::Menu { .. } => "menu".into(),
            Action::Dial { targets, .. } => targets
                .iter()
                .map(|t| t.assistant.as_ref().map_or("external", AssistantId::as_str))
                .collect::<Vec<_>>()
                .join("+"),
            Action::Voicemail { .. } => "voicemail".into(),
            Action::Apology { .. } => "apology".into(),
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
            Action::Voicemail { .. } | Action::Apology { .. } | Action::Menu { .. }
        )
    }
}

impl Decision {
    pub fn labels(&self) -> Vec<String> {
        self.steps.iter().map(Step::label).collect()
    }

    /// The first step after the one at plan index `after` (`None`: the first step).
    pub fn next_after(&self, after: Option<u32>) -> Option<&Step> {
        self.steps.iter().find(|s| after.is_none_or(|a| s.index > a))
    }

    pub fn step(&self, index: u32) -> Option<&Step> {
        self.steps.iter().find(|s| s.index == index)
    }
}
