use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub client_id: String,
    pub dedupe_key: String,
    pub purpose: String,
    pub call_sid: Option<String>,
    pub recording_sid: Option<String>,
    pub assistant_id: Option<String>,
    pub to_number: String,
    /// `to_number`'s digits, last first: the recipient search's index.
    pub to_digits_reversed: Option<String>,
    pub from_number: String,
    pub body: String,
    pub send_at: DateTimeUtc,
    pub state: String,
    pub attempts: i32,
    pub claimed_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub error_code: Option<i64>,
    pub message_sid: Option<String>,
    pub segments: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// `sms` (with `media_urls` for MMS), `call` (a notification call or a click-to-call;
    /// `body` is its TwiML; a click-to-call rings `assistant_id` at `to_number`, and
    /// `subject` holds the customer's number it connects them to),
    /// `email` (`to_number` holds the address, `subject` the subject) or `webhook` (to a
    /// client's endpoint: `to_number` holds the endpoint's id, `purpose` the event type,
    /// `body` the JSON payload and `message_sid`, from the start, the `webhook-id`) or
    /// `price` (asking Twilio the price of the text `message_sid`).
    pub kind: String,
    pub media_urls: Option<String>,
    pub subject: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
