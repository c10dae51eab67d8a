//! The client's queue at Twilio itself, kept in step off the call path. Each client whose
//! rules have a `[queue]` gets a queue of its own through the Queues resource, named as
//! `<Enqueue>` names it and sized by `max_callers`: the worker's round queues an outbox row
//! whenever Twilio's size is not the rules' (the outbox does the REST work, with its
//! retries), and compares Twilio's members of each queue with the callers the database
//! holds on hold, so nobody is offered a caller whose hang-up never reached us.

use std::collections::{HashMap, HashSet};

use tracing::{info, warn};

use super::Webhooks;
use crate::accounts::Sender;
use crate::calls::render::queue::queue_name;
use crate::messaging::worker::{retry_later, Outcome, Worker};
use crate::store::outbox::{self, OutboxRow, CANCELLED, FAILED, TWILIO_QUEUE};
use crate::store::{self, StoreError};
use crate::twilio::rest::queues::QueueResource;
use crate::twilio::rest::{Account, SendError, TwilioClient};

/// Queues the creation or resizing of each client's Twilio queue whose size is not its
/// rules' `max_callers`; returns how many were queued. Keyed by the rules version and the
/// change, so a change is queued once, and again only when Twilio's size changed since.
///
/// # Errors
/// When the database fails.
pub async fn provision_due(hooks: &Webhooks) -> Result<usize, StoreError> {
    let known: HashMap<String, u32> = (store::twilio_queues::all(&hooks.db).await?.into_iter())
        .map(|q| (q.client_id, q.max_size))
        .collect();
    let now = hooks.clock.now();
    let mut queued = 0;
    for loaded in hooks.registry.clients() {
        let Some(queue) = &loaded.rules.queue else { continue };
        let client = loaded.rules.client.as_str();
        let had = known.get(client).copied();
        if had == Some(queue.max_callers) {
            continue;
        }
        let size = queue.max_callers.to_string();
        let had = had.map_or_else(|| "none".to_owned(), |s| s.to_string());
        let row = outbox::NewMessage {
            client,
            dedupe_key: format!("twilio_queue:{client}:v{}:{had}:{size}", loaded.version),
            purpose: TWILIO_QUEUE,
            call_sid: None,
            recording_sid: None,
            assistant: None,
            to: "",
            from: "",
            body: &size,
            send_at: now,
            kind: TWILIO_QUEUE,
            media_urls: &[],
            subject: None,
        };
        if outbox::enqueue(&hooks.db, &row, now).await? {
            queued += 1;
        }
    }
    if queued > 0 {
        hooks.outbound.wake.notify_one();
    }
    Ok(queued)
}

/// The outbox row [`provision_due`] queued: the client's queue is changed to the size in
/// its body, or created with it (or, when `<Enqueue>` already made one by that name,
/// adopted), and its sid kept.
///
/// # Errors
/// When the database fails.
pub async fn provision(worker: &Worker, row: &OutboxRow) -> Result<Outcome, StoreError> {
    let now = worker.clock.now();
    let Ok(size) = row.body.parse::<u32>() else {
        outbox::finish_unsent(&worker.db, row.id, CANCELLED, None, "no queue size", now).await?;
        return Ok(Outcome::GaveUp);
    };
    let account = match worker.sender(&row.client_id).await? {
        Sender::Twilio(account) => account,
        Sender::Log => {
            let why = "local mode: no Twilio queue to keep";
            outbox::finish_unsent(&worker.db, row.id, CANCELLED, None, why, now).await?;
            return Ok(Outcome::GaveUp);
        }
        Sender::Unusable(e) => return retry_later(worker, row, &e.to_string(), None).await,
    };
    let twilio = &worker.outbound.client;
    let name = queue_name(&row.client_id);
    let answer = match store::twilio_queues::find(&worker.db, &row.client_id).await? {
        Some(kept) => match twilio.update_queue(&account, &kept.queue_sid, name, size).await {
            // Deleted at Twilio since: made again.
            Err(SendError::Rejected { status: 404, .. }) => create_or_adopt(twilio, &account, name, size).await,
            answer => answer,
        },
        None => create_or_adopt(twilio, &account, name, size).await,
    };
    match answer {
        Ok(queue) => {
            store::twilio_queues::save(&worker.db, &row.client_id, &queue.sid, size, now).await?;
            outbox::mark_sent(&worker.db, row.id, &queue.sid, None, now).await?;
            info!(client = %row.client_id, queue_sid = %queue.sid, max_size = size, "Twilio queue in step with the rules");
            Ok(Outcome::Sent)
        }
        Err(SendError::Retryable { retry_after, reason }) => retry_later(worker, row, &reason, retry_after).await,
        // The next attempt looks for the queue by its name before creating one.
        Err(e @ SendError::Ambiguous { .. }) => retry_later(worker, row, &e.to_string(), None).await,
        Err(e) => {
            warn!(client = %row.client_id, error = %e, "Twilio refused the client's queue");
            outbox::finish_unsent(&worker.db, row.id, FAILED, e.code(), &e.to_string(), now).await?;
            Ok(Outcome::GaveUp)
        }
    }
}

/// The queue named `name`, resized when the account has one (`<Enqueue>` makes a queue on
/// demand, and an earlier attempt may have made it), else created.
async fn create_or_adopt(
    twilio: &TwilioClient,
    account: &Account,
    name: &str,
    size: u32,
) -> Result<QueueResource, SendError> {
    match twilio.find_queue(account, name).await? {
        Some(queue) => twilio.update_queue(account, &queue.sid, name, size).await,
        None => twilio.create_queue(account, name, size).await,
    }
}

/// Said in the trace of a caller Twilio's queue no longer held.
const GONE_LINE: &str = "The caller was no longer in Twilio's queue (their hang-up never reached us)";

/// For each client's queue with callers on hold: the callers Twilio no longer lists
/// (`ListMember`) are gone, and nobody is offered them; a caller Twilio lists whom the
/// database does not hold is logged. A queue whose members Twilio does not give is left
/// as it is.
///
/// # Errors
/// When the database fails.
pub async fn reconcile_all(worker: &Worker) -> Result<(), StoreError> {
    for queue in store::twilio_queues::all(&worker.db).await? {
        let waiting = store::queue::waiting(&worker.db, &queue.client_id).await?;
        if waiting.is_empty() {
            continue;
        }
        let Sender::Twilio(account) = worker.sender(&queue.client_id).await? else {
            continue;
        };
        let members = match worker.outbound.client.list_members(&account, &queue.queue_sid).await {
            Ok(members) => members,
            Err(e) => {
                warn!(client = %queue.client_id, error = %e, "Twilio did not list the queue's callers; the queue is left as it is");
                continue;
            }
        };
        let listed: HashSet<&str> = members.iter().map(|m| m.call_sid.as_str()).collect();
        let now = worker.clock.now();
        for caller in waiting.iter().filter(|c| !listed.contains(c.call_sid.as_str())) {
            if store::queue::mark_gone(&worker.db, caller.id, now).await? {
                store::calls::append_trace(&worker.db, &caller.call_sid, &[GONE_LINE.to_owned()]).await?;
                info!(client = %queue.client_id, call_sid = %caller.call_sid, "queue caller gone from Twilio's queue");
            }
        }
        for member in &members {
            if store::queue::find(&worker.db, &member.call_sid).await?.is_none() {
                warn!(client = %queue.client_id, call_sid = %member.call_sid, wait_time = member.wait_time,
                    "Twilio's queue holds a caller the database does not");
            }
        }
    }
    Ok(())
}
