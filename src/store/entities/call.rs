use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub call_sid: String,
    /// Counts up: the legs' key, so they are appended to their index (SIDs are random).
    pub id: i64,
    pub client_id: Option<String>,
    pub rules_version: Option<i32>,
    pub direction: String,
    pub from_number: String,
    /// `from_number`'s digits, last first: the caller search's index.
    pub from_digits_reversed: Option<String>,
    pub to_number: String,
    pub status: String,
    pub status_rank: i16,
    pub outcome: Option<String>,
    pub answered_by: Option<String>,
    pub duration: Option<i32>,
    pub trace: Option<String>,
    pub started_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
