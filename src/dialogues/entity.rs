//! The `dialogues` table.

use sea_orm::{entity::prelude::*, sea_query::StringLen};

/// The kind of meeting.
#[derive(
    DeriveActiveEnum,
    EnumIter,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DialogueFormat {
    /// đối thoại doanh nghiệp
    #[sea_orm(string_value = "BUSINESS_DIALOGUE")]
    BusinessDialogue,
    /// đối thoại với nhân dân
    #[sea_orm(string_value = "CITIZEN_DIALOGUE")]
    CitizenDialogue,
    /// giao ban cụm xã
    #[sea_orm(string_value = "CLUSTER_BRIEFING")]
    ClusterBriefing,
    /// tiếp xúc cử tri
    #[sea_orm(string_value = "VOTER_MEETING")]
    VoterMeeting,
}

/// Which tier of government holds it.
#[derive(
    DeriveActiveEnum,
    EnumIter,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DialogueLevel {
    /// The province.
    #[sea_orm(string_value = "PROVINCE")]
    Province,
    /// A district (where that tier still applies).
    #[sea_orm(string_value = "DISTRICT")]
    District,
    /// A commune.
    #[sea_orm(string_value = "COMMUNE")]
    Commune,
}

/// SCHEDULED -> HELD (closed with minutes, once started) or CANCELLED (with a reason).
#[derive(
    DeriveActiveEnum,
    EnumIter,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DialogueStatus {
    /// Planned; open for registration until it starts.
    #[sea_orm(string_value = "SCHEDULED")]
    Scheduled,
    /// Took place; minutes published.
    #[sea_orm(string_value = "HELD")]
    Held,
    /// Called off.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
    #[sea_orm(table_name = "dialogues")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        pub format: DialogueFormat,
        pub level: DialogueLevel,
        pub status: DialogueStatus,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub venue: String,
        /// Trimmed, lower-cased venue, for the overlap rule.
        pub venue_key: String,
        pub chair: String,
        pub capacity: Option<i32>,
        /// Registrations, kept here so the capacity check is one conditional UPDATE.
        pub registered_count: i32,
        pub minutes: Option<String>,
        pub cancellation_reason: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::text_enum_cells!(DialogueFormat, DialogueLevel, DialogueStatus);
