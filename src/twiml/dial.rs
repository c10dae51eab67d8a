//! `<Dial>`: connecting the caller to one or more phones (simultaneous ring,
//! ring timeout, caller ID, recording of the bridged call). The `<Number>`
//! nouns it rings live in `number.rs`.

use super::number::Number;
use super::record::RecordingEvent;
use super::xml::{Element, Out, Token};
use super::Method;

/// Whether and from when Twilio records the bridged call. The `Dual` variants
/// put the caller on channel 1 and the callee on channel 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialRecord {
    /// Twilio's default.
    DoNotRecord,
    RecordFromAnswer,
    RecordFromRinging,
    RecordFromAnswerDual,
    RecordFromRingingDual,
}

impl Token for DialRecord {
    fn token(self) -> &'static str {
        match self {
            Self::DoNotRecord => "do-not-record",
            Self::RecordFromAnswer => "record-from-answer",
            Self::RecordFromRinging => "record-from-ringing",
            Self::RecordFromAnswerDual => "record-from-answer-dual",
            Self::RecordFromRingingDual => "record-from-ringing-dual",
        }
    }
}

/// Rings its numbers at once (Twilio allows at most 10); the first to answer
/// is bridged. A `Dial` needs at least one [`Number`] or a [`Queue`] to do anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dial {
    nouns: Vec<Noun>,
    action: Option<String>,
    method: Option<Method>,
    timeout: Option<u32>,
    caller_id: Option<String>,
    record: Option<DialRecord>,
    recording_status_callback: Option<String>,
    recording_status_callback_event: Vec<RecordingEvent>,
    answer_on_bridge: Option<bool>,
    time_limit: Option<u32>,
    hangup_on_star: Option<bool>,
}

impl Dial {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Bridges to the caller at the front of a queue.
    #[must_use]
    pub fn queue(mut self, queue: Queue) -> Self {
        self.nouns.push(Noun::Queue(queue));
        self
    }

    /// Adds a number to ring; call once per number.
    #[must_use]
    pub fn number(mut self, number: Number) -> Self {
        self.nouns.push(Noun::Number(number));
        self
    }

    /// Where Twilio posts `DialCallStatus`; without it the document simply
    /// continues with the next verb.
    #[must_use]
    pub fn action(mut self, url: impl Into<String>) -> Self {
        self.action = Some(url.into());
        self
    }

    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Ring time in seconds (Twilio: default 30, range 5–600, plus about 5 s).
    #[must_use]
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }

    /// The number the callee sees; by default, the original caller's.
    #[must_use]
    pub fn caller_id(mut self, caller_id: impl Into<String>) -> Self {
        self.caller_id = Some(caller_id.into());
        self
    }

    #[must_use]
    pub fn record(mut self, record: DialRecord) -> Self {
        self.record = Some(record);
        self
    }

    #[must_use]
    pub fn recording_status_callback(mut self, url: impl Into<String>) -> Self {
        self.recording_status_callback = Some(url.into());
        self
    }

    /// An empty list leaves the attribute out.
    #[must_use]
    pub fn recording_status_callback_event(mut self, events: &[RecordingEvent]) -> Self {
        self.recording_status_callback_event = events.to_vec();
        self
    }

    /// Keeps the caller hearing ringback, unanswered, until a callee picks up.
    #[must_use]
    pub fn answer_on_bridge(mut self, on: bool) -> Self {
        self.answer_on_bridge = Some(on);
        self
    }

    /// Maximum call length in seconds (Twilio's default is 14400).
    #[must_use]
    pub fn time_limit(mut self, seconds: u32) -> Self {
        self.time_limit = Some(seconds);
        self
    }

    /// Lets the caller press `*` to drop the callee and carry on.
    #[must_use]
    pub fn hangup_on_star(mut self, on: bool) -> Self {
        self.hangup_on_star = Some(on);
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Dial")
            .attr("action", self.action.as_deref())
            .token("method", self.method)
            .num("timeout", self.timeout)
            .attr("callerId", self.caller_id.as_deref())
            .token("record", self.record)
            .attr("recordingStatusCallback", self.recording_status_callback.as_deref())
            .list("recordingStatusCallbackEvent", &self.recording_status_callback_event)
            .flag("answerOnBridge", self.answer_on_bridge)
            .num("timeLimit", self.time_limit)
            .flag("hangupOnStar", self.hangup_on_star)
            .children(out, &self.nouns, |noun, out| match noun {
                Noun::Number(n) => n.write(out),
                Noun::Queue(q) => q.write(out),
            });
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Noun {
    Number(Number),
    Queue(Queue),
}

/// `<Queue>` in a `<Dial>`: bridges to the caller at the front of the named queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    name: String,
    url: Option<String>,
}

impl Queue {
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            url: None,
        }
    }

    /// TwiML played to the dequeued caller just before the two are bridged.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    fn write(&self, out: &mut Out) {
        Element::new("Queue")
            .attr("url", self.url.as_deref())
            .text(out, &self.name);
    }
}

/// `<Enqueue>`: the caller waits in the named queue, hearing the TwiML of `waitUrl` in a
/// loop, until someone dials the queue or the wait TwiML says `<Leave>`; then Twilio asks
/// `action` what comes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueue {
    name: String,
    action: Option<String>,
    wait_url: Option<String>,
}

impl Enqueue {
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            action: None,
            wait_url: None,
        }
    }

    #[must_use]
    pub fn action(mut self, url: impl Into<String>) -> Self {
        self.action = Some(url.into());
        self
    }

    #[must_use]
    pub fn wait_url(mut self, url: impl Into<String>) -> Self {
        self.wait_url = Some(url.into());
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Enqueue")
            .attr("action", self.action.as_deref())
            .attr("waitUrl", self.wait_url.as_deref())
            .text(out, &self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Response;
    use super::*;

    fn body(dial: Dial) -> String {
        let xml = Response::new().push(dial).render();
        let start = xml.find("<Dial").expect("a Dial element");
        xml[start..xml.len() - "</Response>".len()].to_owned()
    }

    #[test]
    fn dial_without_options_renders_only_its_numbers() {
        assert_eq!(
            body(Dial::new().number(Number::new("+14155550100"))),
            "<Dial><Number>+14155550100</Number></Dial>"
        );
    }

    #[test]
    fn dial_queue_and_enqueue_name_the_queue_in_their_text() {
        assert_eq!(
            body(Dial::new().queue(Queue::new("acme").url("/bridged?a=1&b=2"))),
            r#"<Dial><Queue url="/bridged?a=1&amp;b=2">acme</Queue></Dial>"#
        );
        let xml = Response::new()
            .push(Enqueue::new("acme").action("/next").wait_url("/wait"))
            .push(super::super::Verb::Leave)
            .render();
        assert!(xml.ends_with(r#"<Enqueue action="/next" waitUrl="/wait">acme</Enqueue><Leave/></Response>"#));
    }

    #[test]
    fn dial_rings_numbers_in_the_order_added() {
        let xml = body(Dial::new().number(Number::new("+1")).number(Number::new("+2")));

        assert_eq!(xml, "<Dial><Number>+1</Number><Number>+2</Number></Dial>");
    }

    #[test]
    fn dial_renders_every_option_in_twilio_spelling() {
        let xml = body(
            Dial::new()
                .action("/next?rule=a&step=1")
                .method(Method::Get)
                .timeout(20)
                .caller_id("+14155550100")
                .record(DialRecord::RecordFromAnswerDual)
                .recording_status_callback("/rs")
                .recording_status_callback_event(&[RecordingEvent::Completed])
                .answer_on_bridge(true)
                .time_limit(600)
                .hangup_on_star(false),
        );

        assert_eq!(
            xml,
            concat!(
                r#"<Dial action="/next?rule=a&amp;step=1" method="GET" timeout="20" "#,
                r#"callerId="+14155550100" record="record-from-answer-dual" "#,
                r#"recordingStatusCallback="/rs" recordingStatusCallbackEvent="completed" "#,
                r#"answerOnBridge="true" timeLimit="600" hangupOnStar="false"/>"#
            )
        );
    }

    #[test]
    fn dial_record_modes_use_twilio_spelling() {
        let spelled = [
            DialRecord::DoNotRecord,
            DialRecord::RecordFromAnswer,
            DialRecord::RecordFromRinging,
            DialRecord::RecordFromAnswerDual,
            DialRecord::RecordFromRingingDual,
        ]
        .map(Token::token);

        assert_eq!(
            spelled,
            [
                "do-not-record",
                "record-from-answer",
                "record-from-ringing",
                "record-from-answer-dual",
                "record-from-ringing-dual",
            ]
        );
    }
}
