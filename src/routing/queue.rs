//! The queue's decisions, pure: what a waiting caller hears on each turn of Twilio's
//! wait loop, what their keys mean, and where the chain goes once they leave the queue.
//! The order of the queue itself lives in the database (`store::queue`).

use chrono::{DateTime, Utc};

use super::rules::{Queue, QueueWords};

/// Why a caller left the queue before anyone took them, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Pressed the voicemail key.
    Voicemail,
    /// Pressed the callback key: hangs up and keeps their place.
    Callback,
    /// Waited the longest the rules allow.
    MaxWait,
    /// Twilio's queue no longer held them, though their hang-up never reached us.
    Gone,
}

impl Exit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Voicemail => "voicemail",
            Self::Callback => "callback",
            Self::MaxWait => "max_wait",
            Self::Gone => "gone",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Voicemail, Self::Callback, Self::MaxWait, Self::Gone]
            .into_iter()
            .find(|e| e.as_str() == text)
    }
}

/// What Twilio tells the wait URL, and the caller's place by the database's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitFacts {
    /// Seconds this caller has waited (`QueueTime`).
    pub waited: u32,
    /// Seconds callers of this queue wait on average (`AvgQueueTime`).
    pub average: u32,
    /// 1 for the caller who is next.
    pub place: u32,
}

/// One turn of the wait loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// `<Leave>`: the caller waited the longest allowed.
    Leave,
    /// Hold on; `announce` is their place and estimated wait when it is time to tell them.
    Hold { announce: Option<String> },
}

pub fn wait(queue: &Queue, facts: WaitFacts, announced: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Wait {
    if facts.waited >= queue.max_wait_seconds {
        return Wait::Leave;
    }
    let due = announced.is_none_or(|at| (now - at).num_seconds() >= i64::from(queue.announce_seconds));
    Wait::Hold {
        announce: due.then(|| announcement(&queue.words, facts)),
    }
}

/// The caller's place and estimated wait, in the `words` written for it ("{position}",
/// "{minutes}"), or by default "You are caller number 2 in line. The wait is about 3
/// minutes."
pub fn announcement(words: &QueueWords, facts: WaitFacts) -> String {
    let wait = estimated_wait(facts);
    let next = facts.place <= 1;
    let written = if next { &words.announce_next } else { &words.announce };
    let values = [
        ("position".to_owned(), facts.place.max(1).to_string()),
        ("minutes".to_owned(), (wait / 60).to_string()),
    ];
    // Checked when the file was read; should one still fail, the caller hears the default.
    let filled = (written.as_deref()).and_then(|w| super::templates::render_with(w, &values.into()).ok());
    filled.unwrap_or_else(|| {
        let place = match facts.place {
            0 | 1 => "You are next in line.".to_owned(),
            n => format!("You are caller number {n} in line."),
        };
        format!("{place} The wait is about {}.", duration_words(wait))
    })
}

/// Twilio's average wait less what this caller already waited, but never under a
/// minute for each caller ahead: an estimate that runs out while callers are still
/// ahead would promise what cannot happen.
pub fn estimated_wait(facts: WaitFacts) -> u32 {
    let floor = 60 * facts.place.max(1);
    let left = facts.average.saturating_sub(facts.waited).max(floor);
    left.div_ceil(60) * 60
}

/// "5 minutes", "1 minute", "45 seconds", "1 minute 30 seconds".
pub fn duration_words(seconds: u32) -> String {
    let unit = |n: u32, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (seconds / 60, seconds % 60) {
        (0, s) => unit(s, "second"),
        (m, 0) => unit(m, "minute"),
        (m, s) => format!("{} {}", unit(m, "minute"), unit(s, "second")),
    }
}

/// What a key pressed while waiting asks for.
pub fn key(queue: &Queue, digits: Option<&str>) -> Option<Exit> {
    let key = digits?.chars().next()?;
    if queue.voicemail_key == Some(key) {
        Some(Exit::Voicemail)
    } else if queue.callback_key == Some(key) {
        Some(Exit::Callback)
    } else {
        None
    }
}

/// Where the call goes when Twilio ends its `<Enqueue>` (the action's `QueueResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterQueue {
    /// Bridged to an assistant, or the caller hung up: the call is over.
    Over,
    /// The chain's voicemail.
    Voicemail,
    /// A call back was promised: say so, and hang up.
    Callback,
    /// The chain's next step (the longest wait passed, or Twilio could not queue them).
    NextStep,
    /// Twilio refused them a place (`queue-full`): the chain's next step.
    Full,
}

pub fn after(queue_result: &str, exit: Option<Exit>) -> AfterQueue {
    match (queue_result, exit) {
        ("bridged" | "bridging-in-process" | "hangup", _) => AfterQueue::Over,
        ("leave", Some(Exit::Voicemail)) => AfterQueue::Voicemail,
        ("leave", Some(Exit::Callback)) => AfterQueue::Callback,
        ("queue-full", _) => AfterQueue::Full,
        _ => AfterQueue::NextStep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::rules::CallbackRetries;

    fn queue() -> Queue {
        Queue {
            words: QueueWords::default(),
            announce_seconds: 60,
            max_wait_seconds: 300,
            voicemail_key: Some('1'),
            callback_key: Some('2'),
            callback: CallbackRetries {
                attempts: 3,
                spacing_seconds: 300,
            },
            max_callers: 1000,
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn a_caller_hears_their_place_at_first_then_once_per_interval() {
        let facts = WaitFacts {
            waited: 0,
            average: 0,
            place: 3,
        };
        let first = wait(&queue(), facts, None, at(0));
        assert_eq!(
            first,
            Wait::Hold {
                announce: Some("You are caller number 3 in line. The wait is about 3 minutes.".into())
            }
        );
        assert_eq!(
            wait(&queue(), facts, Some(at(0)), at(59)),
            Wait::Hold { announce: None }
        );
        assert!(matches!(
            wait(&queue(), facts, Some(at(0)), at(60)),
            Wait::Hold { announce: Some(_) }
        ));
    }

    #[test]
    fn the_longest_wait_makes_the_caller_leave() {
        let facts = |waited| WaitFacts {
            waited,
            average: 0,
            place: 1,
        };
        assert_ne!(wait(&queue(), facts(299), Some(at(0)), at(1)), Wait::Leave);
        assert_eq!(wait(&queue(), facts(300), Some(at(0)), at(1)), Wait::Leave);
    }

    #[test]
    fn the_estimate_is_the_average_left_but_a_minute_per_caller_ahead_at_least() {
        let est = |waited, average, place| estimated_wait(WaitFacts { waited, average, place });
        assert_eq!(est(30, 400, 1), 420);
        assert_eq!(est(300, 400, 4), 240);
        assert_eq!(est(0, 0, 1), 60);
        assert_eq!(
            announcement(
                &QueueWords::default(),
                WaitFacts {
                    waited: 0,
                    average: 0,
                    place: 1
                }
            ),
            "You are next in line. The wait is about 1 minute."
        );
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_words(300), "5 minutes");
        assert_eq!(duration_words(60), "1 minute");
        assert_eq!(duration_words(45), "45 seconds");
        assert_eq!(duration_words(90), "1 minute 30 seconds");
    }

    #[test]
    fn keys_leave_for_voicemail_or_a_callback_and_others_do_nothing() {
        assert_eq!(key(&queue(), Some("1")), Some(Exit::Voicemail));
        assert_eq!(key(&queue(), Some("2")), Some(Exit::Callback));
        assert_eq!(key(&queue(), Some("9")), None);
        assert_eq!(key(&queue(), None), None);
        for exit in [Exit::Voicemail, Exit::Callback, Exit::MaxWait, Exit::Gone] {
            assert_eq!(Exit::parse(exit.as_str()), Some(exit));
        }
    }

    #[test]
    fn the_queue_result_and_the_exit_choose_what_comes_next() {
        assert_eq!(after("bridged", None), AfterQueue::Over);
        assert_eq!(after("hangup", Some(Exit::Callback)), AfterQueue::Over);
        assert_eq!(after("leave", Some(Exit::Voicemail)), AfterQueue::Voicemail);
        assert_eq!(after("leave", Some(Exit::Callback)), AfterQueue::Callback);
        assert_eq!(after("leave", Some(Exit::MaxWait)), AfterQueue::NextStep);
        assert_eq!(after("queue-full", None), AfterQueue::Full);
        assert_eq!(after("error", None), AfterQueue::NextStep);
    }
}
