use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_legs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub client_id: String,
    /// The call's [`super::call::Model::id`]: the key, with step and number.
    pub call_id: i64,
    pub call_sid: String,
    pub step: i32,
    pub assistant_id: Option<String>,
    pub number: String,
    pub child_call_sid: Option<String>,
    pub status: String,
    pub status_rank: i16,
    pub duration: Option<i32>,
    pub accepted: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
