//! Twilio sends every callback at least once and in no promised order. The same calls,
//! delivered cleanly and then with every request sent twice and the callbacks shuffled,
//! must end in the same records, field by field: calls, legs, recordings, transcripts,
//! outbox rows and the texts Twilio was asked to send.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::fake_twilio::FakeTwilio;
use crate::faults::seed;
use crate::helpers::*;

/// A callback to deliver: Twilio reports with it and ignores what we answer (204).
type Callback = (String, Vec<(String, String)>);

/// Delivers a set of calls as Twilio would. Clean: every request once, callbacks as soon
/// as they happen. Messy: every request twice; callbacks held back and sent later, at
/// random, shuffled across calls (a leg's own status still arrives before the next call
/// starts, since whether an assistant is on a call decides where the next one rings).
struct Delivery<'a> {
    app: &'a TestApp,
    messy: Option<StdRng>,
    legs: Vec<Callback>,
    later: Vec<Callback>,
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

impl Delivery<'_> {
    /// A request whose TwiML answer Twilio follows: a retry gets the same answer.
    async fn twiml(&mut self, url: &str, params: &[(&str, &str)]) -> Answer {
        let answer = self.app.post(url, params).await;
        answer.assert_twiml();
        if self.messy.is_some() {
            let again = self.app.post(url, params).await;
            assert_eq!(again.body, answer.body, "a retried {url} answered differently");
            self.send_some_held().await;
        }
        answer
    }

    async fn callback(&mut self, leg: bool, url: &str, params: &[(&str, &str)]) {
        let callback = (url.to_owned(), owned(params));
        match (&self.messy, leg) {
            (None, _) => send(self.app, &callback).await,
            (Some(_), true) => self.legs.extend([callback.clone(), callback]),
            (Some(_), false) => self.later.extend([callback.clone(), callback]),
        }
    }

    async fn send_some_held(&mut self) {
        let Some(rng) = &mut self.messy else { return };
        for _ in 0..rng.random_range(0..=3) {
            if self.later.is_empty() {
                break;
            }
            let n = rng.random_range(0..self.later.len());
            let callback = self.later.swap_remove(n);
            send(self.app, &callback).await;
        }
    }

    /// The end of one call: its legs' statuses are all in (in any order).
    async fn end_call(&mut self) {
        let mut legs = std::mem::take(&mut self.legs);
        if let Some(rng) = &mut self.messy {
            legs.shuffle(rng);
        }
        for callback in &legs {
            send(self.app, callback).await;
        }
    }

    async fn finish(&mut self) {
        self.end_call().await;
        let mut later = std::mem::take(&mut self.later);
        if let Some(rng) = &mut self.messy {
            later.shuffle(rng);
        }
        for callback in &later {
            send(self.app, callback).await;
        }
    }
}

async fn send(app: &TestApp, (url, params): &Callback) {
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let answer = app.post(url, &params).await;
    assert_eq!(answer.status, 204, "{url}: {}", answer.body);
}

fn sid(prefix: &str, call: usize, n: usize) -> String {
    format!("{prefix}{call:028x}{n:04x}")
}

/// What happens on one call after it rang Maria (screened): `Kind` picks the ending.
#[derive(Clone, Copy)]
enum Kind {
    /// Maria presses 1 and talks.
    Answered,
    /// Maria's voicemail takes the whisper, John and the answering service do not pick up:
    /// a voicemail, transcribed (or with a failed transcription).
    Voicemail { transcribed: bool },
    /// The caller hangs up while Maria's phone rings.
    Missed,
}

/// One caller's parameters, as Twilio sends them on each kind of request.
struct Call {
    n: usize,
    sid: String,
    caller: String,
}

type Params = Vec<(&'static str, String)>;

impl Call {
    fn new(n: usize) -> Self {
        let (sid, caller) = (sid("CA", n, 0), format!("+1917555{n:04}"));
        Self { n, sid, caller }
    }

    /// The caller's call, with `extra`.
    fn with(&self, extra: &[(&'static str, &str)]) -> Params {
        let base = [("CallSid", self.sid.as_str()), ("From", &self.caller), ("To", ACME)];
        base.iter().chain(extra).map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    /// A status of the leg `child` that rang `to`.
    fn leg(&self, status: &str, to: &str, child: &str) -> Params {
        let mut p: Params = [
            ("CallSid", child),
            ("ParentCallSid", &self.sid),
            ("From", &self.caller),
            ("To", to),
        ]
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect();
        p.extend([
            ("CallStatus", status.to_owned()),
            ("Direction", "outbound-dial".to_owned()),
        ]);
        p
    }

    /// A `<Dial action>`: the caller's own status, then how the dialled leg ended.
    fn dial(&self, call: &str, status: &str, child: &str) -> Params {
        self.with(&[("CallStatus", call), ("DialCallStatus", status), ("DialCallSid", child)])
    }

    async fn ended(&self, d: &mut Delivery<'_>, duration: &str) {
        let completed = self.with(&[("CallStatus", "completed"), ("CallDuration", duration)]);
        d.callback(false, "/twilio/voice/status", &refs(&completed)).await;
        d.end_call().await;
    }
}

async fn one_call(d: &mut Delivery<'_>, n: usize, kind: Kind) {
    let call = Call::new(n);
    let first = d
        .twiml("/twilio/voice", &refs(&call.with(&[("CallStatus", "ringing")])))
        .await;
    let (number, maria) = (first.first("Number"), sid("CA", n, 1));
    let (screen, leg_status) = (number.attr("url").unwrap(), number.attr("statusCallback").unwrap());
    let action = first.first("Dial").attr("action").unwrap().to_owned();
    if matches!(kind, Kind::Missed) {
        d.callback(true, leg_status, &refs(&call.leg("canceled", "+12125550111", &maria)))
            .await;
        d.twiml(&action, &refs(&call.dial("completed", "no-answer", &maria)))
            .await;
        return call.ended(d, "12").await;
    }
    let whisper = call.leg("in-progress", "+12125550111", &maria);
    d.callback(true, leg_status, &refs(&whisper)).await;
    d.twiml(screen, &refs(&whisper[..4])).await;
    if matches!(kind, Kind::Answered) {
        let mut pressed = whisper[..4].to_vec();
        pressed.push(("Digits", "1".into()));
        d.twiml(screen, &refs(&pressed)).await;
    }
    let mut done = call.leg("completed", "+12125550111", &maria);
    done.push(("CallDuration", "20".into()));
    d.callback(true, leg_status, &refs(&done)).await;
    let next = d
        .twiml(&action, &refs(&call.dial("in-progress", "completed", &maria)))
        .await;
    match kind {
        Kind::Voicemail { transcribed } => voicemail(d, &call, next, transcribed).await,
        _ => call.ended(d, "60").await,
    }
}

/// John, then the answering service, do not answer; the caller leaves a message.
async fn voicemail(d: &mut Delivery<'_>, call: &Call, mut answer: Answer, transcribed: bool) {
    for (leg, to) in [(2, "+12125550112"), (3, "+16465550199")] {
        let child = sid("CA", call.n, leg);
        let status_url = answer.first("Number").attr("statusCallback").unwrap().to_owned();
        d.callback(true, &status_url, &refs(&call.leg("no-answer", to, &child)))
            .await;
        let action = answer.first("Dial").attr("action").unwrap().to_owned();
        answer = d
            .twiml(&action, &refs(&call.dial("in-progress", "no-answer", &child)))
            .await;
    }
    let record = answer.first("Record");
    let recording = sid("RE", call.n, 0);
    let url = format!("https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{recording}");
    let left = call.with(&[
        ("RecordingSid", &recording),
        ("RecordingUrl", &url),
        ("RecordingDuration", "17"),
        ("RecordingStatus", "completed"),
    ]);
    d.twiml(record.attr("action").unwrap(), &refs(&left)).await;
    d.callback(false, record.attr("recordingStatusCallback").unwrap(), &refs(&left))
        .await;
    let (transcription, text) = (
        sid("TR", call.n, 0),
        format!("Please call me back about visit {}.", call.n),
    );
    let mut transcript = call.with(&[("RecordingSid", &recording), ("TranscriptionSid", &transcription)]);
    match transcribed {
        true => transcript.extend([("TranscriptionStatus", "completed".into()), ("TranscriptionText", text)]),
        false => transcript.push(("TranscriptionStatus", "failed".into())),
    }
    d.callback(false, record.attr("transcribeCallback").unwrap(), &refs(&transcript))
        .await;
    call.ended(d, "95").await;
}

fn refs<'a>(params: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    params.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

const KINDS: [Kind; 4] = [
    Kind::Answered,
    Kind::Voicemail { transcribed: true },
    Kind::Missed,
    Kind::Voicemail { transcribed: false },
];
const CALLS: usize = 12;

/// Everything the calls left behind, with the ids the database and the fake hand out in
/// arrival order blanked: the end state must not depend on that order.
async fn run(messy: Option<StdRng>) -> (Vec<String>, Vec<String>, Vec<(String, String)>) {
    let fake = FakeTwilio::start().await;
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let clock = app.clock.clone();
    fake.set_clock(move || switchboard::clock::Clock::now(clock.as_ref()));
    let mut d = Delivery {
        app: &app,
        messy,
        legs: Vec::new(),
        later: Vec::new(),
    };
    for call in 0..CALLS {
        one_call(&mut d, call, KINDS[call % KINDS.len()]).await;
    }
    d.finish().await;
    app.advance(60); // past the transcript wait
    app.drain_outbox().await;

    let mut calls = Vec::new();
    for call in 0..CALLS {
        let mut detail = app.call_detail(&sid("CA", call, 0)).await;
        detail.call.id = 0;
        detail.legs.iter_mut().for_each(|l| (l.id, l.call_id) = (0, 0));
        calls.push(format!("{detail:#?}"));
    }
    let mut rows: Vec<String> = (app.outbox("acme-dental").await.into_iter())
        .map(|mut r| {
            (r.id, r.message_sid) = (0, None);
            r.body = without_link(&r.body);
            format!("{r:#?}")
        })
        .collect();
    rows.sort();
    let mut sent: Vec<(String, String)> = fake
        .accepted()
        .into_iter()
        .map(|m| (m.to, without_link(&m.body)))
        .collect();
    sent.sort();
    (calls, rows, sent)
}

/// A text with its call link's secret (random in each run) left out.
fn without_link(body: &str) -> String {
    match body.find("/l/") {
        Some(at) => {
            let end = body[at..].find(char::is_whitespace).map_or(body.len(), |e| at + e);
            format!("{}/l/…{}", &body[..at], &body[end..])
        }
        None => body.to_owned(),
    }
}

#[tokio::test]
async fn callbacks_sent_twice_and_shuffled_end_in_the_same_state_as_clean_delivery() {
    let seed = seed();
    eprintln!("redelivery seed {seed} (SWITCHBOARD_FAULT_SEED={seed} replays the same order)");
    let (clean_calls, clean_rows, clean_sent) = run(None).await;
    let (calls, rows, sent) = run(Some(StdRng::seed_from_u64(seed))).await;
    // The clean run did what the calls mean: 3 answered, 6 voicemails (3 transcribed), 3 missed,
    // and a text to both assistants for each voicemail and each missed call.
    let count = |text: &str| clean_calls.iter().filter(|c| c.contains(text)).count();
    assert_eq!(count("outcome: Some(\n            \"answered\""), 3, "{clean_calls:#?}");
    assert_eq!(count("outcome: Some(\n            \"voicemail\""), 6);
    assert_eq!(count("outcome: Some(\n            \"missed\""), 3);
    assert_eq!(count("transcription_text: Some("), 3);
    assert_eq!(
        clean_sent.len(),
        6 * 2 + 3 * 2,
        "texts sent on clean delivery: {clean_sent:#?}"
    );
    for (clean, messy) in clean_calls.iter().zip(&calls) {
        assert_eq!(clean, messy, "seed {seed}");
    }
    assert_eq!(clean_rows, rows, "outbox rows (seed {seed})");
    assert_eq!(clean_sent, sent, "texts Twilio was asked to send (seed {seed})");
}
