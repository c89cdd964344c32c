//! The `agenda_items` table.

use chrono::NaiveDate;
use sea_orm::{entity::prelude::*, sea_query::StringLen};

/// SUBMITTED -> ACCEPTED (placed on a dialogue's agenda) -> ASSIGNED (to an agency,
/// with a due date) -> ANSWERED -> RESOLVED (the submitting firm is satisfied, or an
/// official closes it). An unsatisfied firm's feedback sends ANSWERED back to
/// ASSIGNED with a new due date. SUBMITTED or ACCEPTED -> REJECTED, with a reason.
/// SUBMITTED may go straight to ASSIGNED.
#[derive(
    DeriveActiveEnum,
    EnumIter,
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgendaItemStatus {
    /// Raised by or for the enterprise.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    /// Placed on a dialogue's agenda.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// Given to an agency to answer by a due date.
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    /// The agency has answered.
    #[sea_orm(string_value = "ANSWERED")]
    Answered,
    /// Closed: the enterprise is satisfied, or an official closed it.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    /// Not taken up, with a reason.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

/// What the difficulty is about.
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
pub enum AgendaCategory {
    /// đất đai
    #[sea_orm(string_value = "LAND")]
    Land,
    /// thuế
    #[sea_orm(string_value = "TAX")]
    Tax,
    /// đầu tư
    #[sea_orm(string_value = "INVESTMENT")]
    Investment,
    /// xây dựng
    #[sea_orm(string_value = "CONSTRUCTION")]
    Construction,
    /// môi trường
    #[sea_orm(string_value = "ENVIRONMENT")]
    Environment,
    /// lao động
    #[sea_orm(string_value = "LABOUR")]
    Labour,
    /// tín dụng
    #[sea_orm(string_value = "CREDIT")]
    Credit,
    /// hạ tầng
    #[sea_orm(string_value = "INFRASTRUCTURE")]
    Infrastructure,
    /// thủ tục hành chính
    #[sea_orm(string_value = "ADMINISTRATIVE_PROCEDURE")]
    AdministrativeProcedure,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// How the concern reached the government.
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
pub enum SubmissionChannel {
    /// Raised for a dialogue.
    #[sea_orm(string_value = "DIALOGUE")]
    Dialogue,
    /// By the hotline (đường dây nóng).
    #[sea_orm(string_value = "HOTLINE")]
    Hotline,
    /// In writing.
    #[sea_orm(string_value = "WRITTEN")]
    Written,
    /// At a citizen reception (tiếp công dân).
    #[sea_orm(string_value = "CITIZEN_RECEPTION")]
    CitizenReception,
}

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
    #[sea_orm(table_name = "agenda_items")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        pub body: String,
        /// `text::fold` of title and body, for search.
        pub search_text: String,
        pub category: AgendaCategory,
        pub channel: SubmissionChannel,
        pub status: AgendaItemStatus,
        pub enterprise_id: i64,
        pub confidential: bool,
        pub submitted_by: i64,
        pub submitted_at: DateTimeUtc,
        /// Proposed at submission, or the one it was accepted onto.
        pub dialogue_id: Option<i64>,
        /// Set once accepted onto the dialogue's agenda, from 1.
        pub position: Option<i32>,
        pub assigned_agency_id: Option<i64>,
        pub assigned_at: Option<DateTimeUtc>,
        pub response_due_on: Option<NaiveDate>,
        pub rejection_reason: Option<String>,
        pub feedback_satisfied: Option<bool>,
        pub feedback_comment: Option<String>,
        pub feedback_at: Option<DateTimeUtc>,
        pub version: i32,
        pub updated_at: DateTimeUtc,
    }
}

impl Model {
    /// Assigned, unanswered, and past its due date on `today`.
    pub fn overdue_on(&self, today: NaiveDate) -> bool {
        self.status == AgendaItemStatus::Assigned
            && self.response_due_on.is_some_and(|due| today > due)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::text_enum_cells!(AgendaItemStatus, AgendaCategory, SubmissionChannel);
