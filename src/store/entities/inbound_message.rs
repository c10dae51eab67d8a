use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbound_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_sid: String,
    pub client_id: Option<String>,
    pub from_number: String,
    pub to_number: String,
    pub body: String,
    pub media_urls: Option<String>,
    /// Each attachment's type (`image/jpeg`…), in the order of `media_urls`; none before
    /// types were kept.
    pub media_types: Option<String>,
    pub keyword: Option<String>,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
