use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The outbox row (kind `webhook`) this was an attempt at.
    pub delivery_id: i64,
    pub endpoint_id: String,
    pub attempted_at: DateTimeUtc,
    /// The receiver's answer; `None` when none came (refused, timed out).
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    /// What went wrong, in words; `None` for a 2xx answer.
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
