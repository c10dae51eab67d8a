use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_statuses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_sid: String,
    pub status: String,
    pub status_rank: i16,
    pub error_code: Option<i64>,
    /// As Twilio wrote it (negative: a charge).
    pub price: Option<String>,
    /// What was charged, in millionths of the currency unit.
    pub price_micros: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
