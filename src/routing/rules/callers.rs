//! Caller lists: `[block]`, `[vip]` and `[sticky]`.

use super::*;

/// `[block]`: numbers whose calls reach nobody. Their calls are still recorded, as
/// "blocked".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub numbers: Vec<E164>,
    pub answer: BlockAnswer,
}

/// What a blocked caller gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum BlockAnswer {
    /// A short message, then the call ends.
    Message(Spoken),
    /// Refused unanswered with `<Reject>`: the caller hears a busy tone, and nothing is billed.
    Reject,
}

/// `[vip]`: these callers take their own route, at any hour and without the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    pub numbers: Vec<E164>,
    pub route: Route,
}

/// `[sticky]`: how far back an answered call makes its assistant the caller's first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sticky {
    pub days: u32,
}
