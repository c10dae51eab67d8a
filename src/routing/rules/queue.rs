//! The queue: how callers wait, how they may leave it, and the words it says, in the
//! file's language and in each language a caller may choose.

use super::*;

/// How long a caller waits in the queue when `[queue]` does not say.
pub const DEFAULT_QUEUE_WAIT_SECONDS: u32 = 600;
/// Said while callers wait when `[queue]` gives no `hold`.
pub const DEFAULT_HOLD: &str = "Please hold.";
pub const DEFAULT_CALLBACK_PROMISE: &str = "We will call you back from this number when it is your turn.";
pub const DEFAULT_CALLING_BACK: &str = "Calling back {caller} now.";
pub const DEFAULT_OFFER_GONE: &str = "Sorry, that caller is no longer waiting. Goodbye.";

/// `[queue]`: how callers wait, what they hear, and how they may leave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queue {
    /// What the queue says, in the file's own words.
    pub words: QueueWords,
    /// How often the caller is told their place and the estimated wait.
    pub announce_seconds: u32,
    /// After this long in the queue the caller goes on to the chain's next step.
    pub max_wait_seconds: u32,
    /// The key that leaves the queue for voicemail.
    pub voicemail_key: Option<char>,
    /// The key that leaves the queue for a call back, keeping the caller's place.
    pub callback_key: Option<char>,
    pub callback: CallbackRetries,
    /// The most callers Twilio holds in the queue (its `MaxSize`); one more is refused and
    /// goes on along the chain.
    pub max_callers: u32,
}

/// How often a callback that nobody took is tried before the assistants are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CallbackRetries {
    pub attempts: u32,
    pub spacing_seconds: u32,
}

/// What the queue says, as `[queue]` writes it or a `[languages.CODE.queue]` translates
/// it. A phrase `[queue]` leaves out is said in the words it always had; one a language
/// leaves out, as `[queue]` says it. The placeholders were checked when the file was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueWords {
    /// Played or said while callers wait, between announcements of their place.
    pub hold: Option<Spoken>,
    /// A caller's place and wait, with others ahead: `{position}` and `{minutes}`.
    pub announce: Option<String>,
    /// The wait of the caller who is next; `{minutes}` may be in it.
    pub announce_next: Option<String>,
    /// The keys that leave the queue, said with the hold message; `None`: not said.
    pub keys: Option<Spoken>,
    /// To a caller who asked for a call back, before they hang up.
    pub callback_promise: Option<Spoken>,
    /// To the assistant who took a call back, before the caller is rung: `{caller}`,
    /// `{client}`.
    pub calling_back: Option<String>,
    /// To an assistant who accepted a caller no longer waiting: `{caller}`, `{client}`.
    pub offer_gone: Option<String>,
}

impl QueueWords {
    /// These words, with `own`'s in place of each phrase these leave out.
    pub fn over(&self, own: &Self) -> Self {
        fn or<T: Clone>(mine: &Option<T>, own: &Option<T>) -> Option<T> {
            mine.as_ref().or(own.as_ref()).cloned()
        }
        Self {
            hold: or(&self.hold, &own.hold),
            announce: or(&self.announce, &own.announce),
            announce_next: or(&self.announce_next, &own.announce_next),
            keys: or(&self.keys, &own.keys),
            callback_promise: or(&self.callback_promise, &own.callback_promise),
            calling_back: or(&self.calling_back, &own.calling_back),
            offer_gone: or(&self.offer_gone, &own.offer_gone),
        }
    }

    pub fn hold(&self) -> Spoken {
        (self.hold.clone()).unwrap_or_else(|| Spoken::Say(DEFAULT_HOLD.into()))
    }

    pub fn callback_promise(&self) -> Spoken {
        (self.callback_promise.clone()).unwrap_or_else(|| Spoken::Say(DEFAULT_CALLBACK_PROMISE.into()))
    }
}

impl Rules {
    /// What the queue says to a caller speaking `code`: that language's words, and the
    /// file's where it has none.
    pub fn queue_words(&self, code: Option<&str>) -> QueueWords {
        let own = self.queue.as_ref().map(|q| q.words.clone()).unwrap_or_default();
        match self.language(code) {
            Some(l) => l.queue.over(&own),
            None => own,
        }
    }
}
