use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_handling")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub call_sid: String,
    pub client_id: String,
    pub heard_at: Option<DateTimeUtc>,
    pub heard_by: Option<String>,
    pub handled_at: Option<DateTimeUtc>,
    pub handled_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
