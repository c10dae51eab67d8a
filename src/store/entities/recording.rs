use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recordings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub recording_sid: String,
    pub call_sid: String,
    pub kind: String,
    pub url: Option<String>,
    pub duration: Option<i32>,
    pub status: Option<String>,
    pub transcription_sid: Option<String>,
    pub transcription_text: Option<String>,
    pub transcription_status: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
