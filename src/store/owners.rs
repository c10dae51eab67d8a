//! Whose a call, recording or message is, found by its Twilio SID: what a webhook signed with a
//! client's own account may touch is decided from this, never from the request
//! (`accounts::signing`).

use sea_orm::{ConnectionTrait, Value};

use super::{sql, StoreError};

/// The SIDs a webhook refers to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sids<'a> {
    /// `CallSid`, `ParentCallSid`.
    pub calls: Vec<&'a str>,
    pub recordings: Vec<&'a str>,
    pub messages: Vec<&'a str>,
}

impl Sids<'_> {
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty() && self.recordings.is_empty() && self.messages.is_empty()
    }
}

/// The clients of the stored rows these SIDs name, in one statement: a call, the call a
/// recording belongs to, a message we sent or received. A SID of nothing stored, or of a row of
/// no client (a call to a number nobody owns), adds none.
///
/// # Errors
/// On database failure.
pub async fn clients_of(db: &impl ConnectionTrait, sids: &Sids<'_>) -> Result<Vec<String>, StoreError> {
    let selects = [
        ("SELECT client_id FROM calls WHERE call_sid", &sids.calls),
        (
            "SELECT c.client_id FROM recordings r JOIN calls c ON c.call_sid = r.call_sid WHERE r.recording_sid",
            &sids.recordings,
        ),
        ("SELECT client_id FROM outbox WHERE message_sid", &sids.messages),
        (
            "SELECT client_id FROM inbound_messages WHERE message_sid",
            &sids.messages,
        ),
    ];
    let mut parts = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for (select, list) in selects.into_iter().filter(|(_, list)| !list.is_empty()) {
        let marks = vec!["?"; list.len()].join(", ");
        parts.push(format!("{select} IN ({marks})"));
        values.extend(list.iter().map(|sid| Value::from(*sid)));
    }
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let statement = sql::statement(db.get_database_backend(), &parts.join(" UNION "), values);
    let rows = db.query_all(statement).await?;
    let mut clients = Vec::with_capacity(rows.len());
    for row in rows {
        clients.extend(row.try_get_by_index::<Option<String>>(0)?);
    }
    Ok(clients)
}
