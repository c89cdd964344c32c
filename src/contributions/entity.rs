//! The `contributions` table. Exactly one of `enterprise_id` and `agency_id` names
//! the contributor.

use chrono::NaiveDate;
use sea_orm::{entity::prelude::*, sea_query::StringLen};

/// What is given.
#[derive(DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContributionKind {
    /// Money.
    #[sea_orm(string_value = "CASH")]
    Cash,
    /// Goods.
    #[sea_orm(string_value = "IN_KIND")]
    InKind,
    /// Roads, schools, clean water and other works.
    #[sea_orm(string_value = "INFRASTRUCTURE")]
    Infrastructure,
    /// Houses of gratitude, scholarships and other welfare.
    #[sea_orm(string_value = "SOCIAL_WELFARE")]
    SocialWelfare,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// PLEDGED -> CONFIRMED -> FULFILLED (automatically, once disbursed reaches pledged).
/// PLEDGED or CONFIRMED -> CANCELLED, only while nothing has been disbursed.
#[derive(DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContributionStatus {
    /// Promised by the contributor.
    #[sea_orm(string_value = "PLEDGED")]
    Pledged,
    /// Confirmed by an official; disbursements may be recorded.
    #[sea_orm(string_value = "CONFIRMED")]
    Confirmed,
    /// Disbursed in full.
    #[sea_orm(string_value = "FULFILLED")]
    Fulfilled,
    /// Withdrawn before anything was disbursed.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "contributions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub commune_id: i64,
        pub enterprise_id: Option<i64>,
        pub agency_id: Option<i64>,
        pub kind: ContributionKind,
        pub purpose: String,
        pub pledged_amount: i64,
        pub disbursed_amount: i64,
        pub status: ContributionStatus,
        pub pledged_on: NaiveDate,
        pub due_on: Option<NaiveDate>,
        pub confirmed_at: Option<DateTimeUtc>,
        pub cancelled_at: Option<DateTimeUtc>,
        pub cancellation_reason: Option<String>,
        pub idempotency_key: Option<String>,
        /// The account that recorded the pledge (idempotency keys are per account).
        pub created_by: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
}

crate::text_enum_cells!(ContributionKind, ContributionStatus);

impl Model {
    /// pledged − disbursed; 0 when cancelled.
    pub fn outstanding(&self) -> i64 {
        if self.status == ContributionStatus::Cancelled {
            0
        } else {
            self.pledged_amount - self.disbursed_amount
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
