use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub client_id: String,
    pub url: String,
    /// The event types it takes, separated by commas.
    pub events: String,
    /// The `whsec_` secret, sealed for `client/id` (`accounts::secrets`).
    pub secret_encrypted: String,
    pub enabled: bool,
    /// The first failed attempt since the last one that worked.
    pub failing_since: Option<DateTimeUtc>,
    /// Attempts failed in a row since the last one that worked.
    pub consecutive_failures: i32,
    pub disabled_at: Option<DateTimeUtc>,
    /// `failing` (turned off by Switchboard) or `admin`.
    pub disabled_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
