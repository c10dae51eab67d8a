//! What assistants are told, and when: one alert per assistant for each voicemail (with
//! the transcript when it comes quickly, or as a follow-up), and missed-call alerts, each
//! by every channel the assistant chose (a text, an e-mail). Every alert is written to the
//! outbox in the caller's transaction, keyed per alert and channel so that a retried
//! callback never enqueues it twice.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;

use super::segments;
use super::transcript::TRANSCRIBED;
use crate::assistants::links::CallLinks;
use crate::phone;
use crate::routing::rules::{Assistant, Channel, Notify, NotifyMode, Rules};
use crate::routing::templates::{self, Vars};
use crate::store::outbox::{self, NewMessage};
use crate::store::StoreError;

/// Alerts stay within this many SMS segments; transcripts are trimmed to fit.
pub const MAX_SEGMENTS: usize = 3;
/// Missed-call alerts wait this long, so a voicemail callback that arrives after the
/// call's final status can still cancel them.
pub const MISSED_CALL_GRACE_SECONDS: i64 = 30;

/// The facts an alert is about.
#[derive(Debug, Clone)]
pub struct About<'a> {
    pub call_sid: &'a str,
    pub caller: &'a str,
    /// The business number that was called: alerts are sent from it.
    pub called: &'a str,
    /// Each alert carries a link of its own that opens the call for its assistant.
    pub links: &'a CallLinks,
    pub time: String,
}

impl About<'_> {
    async fn link_for(
        &self,
        db: &impl ConnectionTrait,
        client: &str,
        assistant: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.links.issue(db, self.call_sid, client, assistant, now).await
    }
}

/// The assistants the rules name for alerts, skipping those off duty or off shift at `now`
/// when the rules say `available`.
pub fn recipients<'r>(rules: &'r Rules, off_duty: &[String], now: DateTime<Utc>) -> Vec<&'r Assistant> {
    let notify = rules
        .voicemail
        .as_ref()
        .map_or(&Notify::Named(NotifyMode::All), |v| &v.notify);
    rules
        .assistants
        .iter()
        .filter(|a| match notify {
            Notify::Named(NotifyMode::All) => true,
            Notify::Named(NotifyMode::Available) => {
                !off_duty.iter().any(|o| o == a.id.as_str()) && a.on_shift(rules.timezone, now)
            }
            Notify::Only(ids) => ids.contains(&a.id),
        })
        .collect()
}

/// One alert to one assistant, before it is addressed to each of their channels.
#[derive(Debug, Clone)]
pub struct Alert<'a> {
    /// Unique per alert and assistant (`voicemail:{recording}:{assistant}`); the e-mail's
    /// key adds `:email`, the text's is the key as it is.
    pub key: String,
    pub purpose: &'a str,
    pub call_sid: Option<&'a str>,
    pub recording_sid: Option<&'a str>,
    /// The text, fitted to [`MAX_SEGMENTS`].
    pub text: String,
    /// The e-mail's subject and body, which has room for the whole transcript.
    pub subject: String,
    pub email: String,
    /// The business number texts come from.
    pub from: &'a str,
    pub send_at: DateTime<Utc>,
}

/// Queues `alert` for `assistant` once by each channel they chose; returns how many
/// messages were new.
///
/// # Errors
/// On database failure.
pub async fn send_to(
    db: &impl ConnectionTrait,
    client: &str,
    assistant: &Assistant,
    alert: &Alert<'_>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for channel in &assistant.alerts {
        let (kind, to, key, body, subject) = match channel {
            Channel::Sms => ("sms", assistant.phone.as_str(), alert.key.clone(), &alert.text, None),
            // Validation refuses e-mail alerts without an address.
            Channel::Email => match &assistant.email {
                Some(address) => (
                    "email",
                    address.as_str(),
                    format!("{}:email", alert.key),
                    &alert.email,
                    Some(alert.subject.as_str()),
                ),
                None => continue,
            },
        };
        let message = NewMessage {
            client,
            dedupe_key: key,
            purpose: alert.purpose,
            call_sid: alert.call_sid,
            recording_sid: alert.recording_sid,
            assistant: Some(assistant.id.as_str()),
            to,
            from: alert.from,
            body,
            send_at: alert.send_at,
            kind,
            media_urls: &[],
            subject,
        };
        if outbox::enqueue(db, &message, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// "Voicemail from (917) 555-0142 for Acme Dental"
fn subject(what: &str, rules: &Rules, about: &About<'_>) -> String {
    format!(
        "{what} from {} for {}",
        phone::written(about.caller, about.called),
        rules.name
    )
}

fn sender<'a>(rules: &'a Rules, called: &'a str) -> &'a str {
    rules
        .numbers
        .iter()
        .map(|n| n.as_str())
        .find(|n| *n == called)
        .or(rules.numbers.first().map(|n| n.as_str()))
        .unwrap_or(called)
}

/// Renders `template` with nothing shortened, as e-mails carry it. A template that fails to
/// render (validation prevents it) falls back to the bare facts, so an alert is never lost
/// to a typo.
pub fn whole(template: &str, vars: &Vars) -> String {
    templates::render(template, vars)
        .unwrap_or_else(|_| format!("{}: call from {} {}", vars.client, vars.caller, vars.link))
}

/// Renders `template`, shortening the transcript until the message fits
/// [`MAX_SEGMENTS`].
pub fn fit(template: &str, vars: &Vars) -> String {
    let render = |v: &Vars| whole(template, v);
    let full = render(vars);
    if segments::count(&full).count <= MAX_SEGMENTS || vars.transcript.is_empty() {
        return full;
    }
    let without = render(&Vars {
        transcript: String::new(),
        ..vars.clone()
    });
    let room = segments::count(&without);
    // Budget for the transcript: what the rest leaves of MAX_SEGMENTS, in the worst case unit.
    let per_segment = if matches!(room.encoding, segments::Encoding::Gsm7) {
        153
    } else {
        67
    };
    let mut budget = (MAX_SEGMENTS * per_segment).saturating_sub(room.units);
    loop {
        let cut: String = vars.transcript.chars().take(budget).collect();
        let text = render(&Vars {
            transcript: format!("{}...", cut.trim_end()),
            ..vars.clone()
        });
        if segments::count(&text).count <= MAX_SEGMENTS || budget == 0 {
            return text;
        }
        budget = budget.saturating_sub(budget / 8 + 1);
    }
}

fn vars(rules: &Rules, about: &About<'_>, duration: Option<i32>, transcript: Option<&str>, link: String) -> Vars {
    Vars {
        caller: phone::written(about.caller, about.called),
        client: rules.name.clone(),
        duration: duration.map(|d| d.to_string()).unwrap_or_else(|| "?".into()),
        transcript: transcript.unwrap_or_default().to_owned(),
        link,
        time: about.time.clone(),
    }
}

/// One alert per assistant for a new voicemail. When a transcript is coming, the alert
/// waits for it (up to the client's wait) so one message carries both.
///
/// # Errors
/// On database failure.
#[allow(clippy::too_many_arguments)]
pub async fn voicemail(
    db: &impl ConnectionTrait,
    rules: &Rules,
    about: &About<'_>,
    recording_sid: &str,
    duration: Option<i32>,
    transcript: Option<&str>,
    off_duty: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let transcribing =
        rules.voicemail.as_ref().is_some_and(|v| v.transcribe) && duration.is_none_or(|d| TRANSCRIBED.contains(&d));
    let (purpose, template, send_at) = match transcript {
        Some(_) => (
            "voicemail_transcript",
            &rules.messaging.templates.voicemail_transcript,
            now,
        ),
        None if transcribing => {
            let wait = Duration::seconds(i64::from(rules.messaging.transcript_wait_seconds));
            ("voicemail", &rules.messaging.templates.voicemail, now + wait)
        }
        None => ("voicemail", &rules.messaging.templates.voicemail, now),
    };
    if transcript.is_none() && transcribing {
        crate::store::recordings::expect_transcript(db, recording_sid).await?;
    }
    for a in recipients(rules, off_duty, now) {
        let link = about.link_for(db, rules.client.as_str(), a.id.as_str(), now).await?;
        let v = vars(rules, about, duration, transcript, link);
        let alert = Alert {
            key: format!("voicemail:{recording_sid}:{}", a.id),
            purpose,
            call_sid: Some(about.call_sid),
            recording_sid: Some(recording_sid),
            text: fit(template, &v),
            subject: subject("Voicemail", rules, about),
            email: whole(template, &v),
            from: sender(rules, about.called),
            send_at,
        };
        send_to(db, rules.client.as_str(), a, &alert, now).await?;
    }
    outbox::cancel_missed_call(db, about.call_sid, now).await
}

/// The transcript arrived: fold it into alerts still waiting, or send it as a follow-up
/// to each assistant whose alert already went out.
///
/// # Errors
/// On database failure.
pub async fn transcript(
    db: &impl ConnectionTrait,
    rules: &Rules,
    about: &About<'_>,
    recording_sid: &str,
    duration: Option<i32>,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for alert in outbox::for_recording(db, recording_sid)
        .await?
        .into_iter()
        .filter(|m| m.purpose == "voicemail")
    {
        let assistant = alert.assistant_id.as_deref().unwrap_or_default();
        let link = about.link_for(db, &alert.client_id, assistant, now).await?;
        let v = vars(rules, about, duration, Some(text), link);
        let templates = &rules.messaging.templates;
        // Each channel's alert is its own row: a text fitted to its segments, an e-mail whole.
        let (combined, follow_up, key) = if alert.kind == "email" {
            (
                whole(&templates.voicemail_transcript, &v),
                whole(&templates.transcript, &v),
                format!("transcript:{recording_sid}:{assistant}:email"),
            )
        } else {
            (
                fit(&templates.voicemail_transcript, &v),
                fit(&templates.transcript, &v),
                format!("transcript:{recording_sid}:{assistant}"),
            )
        };
        if outbox::rewrite_pending(db, alert.id, "voicemail_transcript", &combined, now).await? {
            continue;
        }
        let subject = subject("Transcript of the voicemail", rules, about);
        let message = NewMessage {
            client: &alert.client_id,
            dedupe_key: key,
            purpose: "transcript",
            call_sid: alert.call_sid.as_deref(),
            recording_sid: Some(recording_sid),
            assistant: alert.assistant_id.as_deref(),
            to: &alert.to_number,
            from: &alert.from_number,
            body: &follow_up,
            send_at: now,
            kind: &alert.kind,
            media_urls: &[],
            subject: alert.subject.is_some().then_some(subject.as_str()),
        };
        outbox::enqueue(db, &message, now).await?;
    }
    Ok(())
}

/// A call ended unanswered without a voicemail: tell the assistants, if the client
/// wants to know.
///
/// # Errors
/// On database failure.
pub async fn missed_call(
    db: &impl ConnectionTrait,
    rules: &Rules,
    about: &About<'_>,
    off_duty: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if !rules.messaging.missed_call_alerts {
        return Ok(());
    }
    let template = &rules.messaging.templates.missed_call;
    for a in recipients(rules, off_duty, now) {
        let link = about.link_for(db, rules.client.as_str(), a.id.as_str(), now).await?;
        let v = vars(rules, about, None, None, link);
        let alert = Alert {
            key: format!("missed_call:{}:{}", about.call_sid, a.id),
            purpose: "missed_call",
            call_sid: Some(about.call_sid),
            recording_sid: None,
            text: fit(template, &v),
            subject: subject("Missed call", rules, about),
            email: whole(template, &v),
            from: sender(rules, about.called),
            send_at: now + Duration::seconds(MISSED_CALL_GRACE_SECONDS),
        };
        send_to(db, rules.client.as_str(), a, &alert, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_transcript_is_trimmed_to_fit_three_segments() {
        let vars = Vars {
            caller: "+15555550123".into(),
            client: "Acme Dental".into(),
            duration: "95".into(),
            transcript: "word ".repeat(400),
            link: "https://sb.example.com/admin/calls/CA1".into(),
            time: String::new(),
        };
        let text = fit("Voicemail from {caller}: \"{transcript}\" {link}", &vars);
        let count = segments::count(&text);
        assert!(count.count <= MAX_SEGMENTS, "{count:?}");
        assert!(text.ends_with("...\" https://sb.example.com/admin/calls/CA1"), "{text}");
    }

    #[test]
    fn a_short_message_is_left_as_it_is() {
        let vars = Vars {
            caller: "+1".into(),
            client: "A".into(),
            transcript: "Hi".into(),
            ..Vars::default()
        };
        assert_eq!(fit("{client} {caller}: {transcript}", &vars), "A +1: Hi");
    }
}
