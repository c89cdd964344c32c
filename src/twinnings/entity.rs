//! The `twinnings` table. Exactly one of `enterprise_id` and `agency_id` is set.

use chrono::NaiveDate;
use sea_orm::{entity::prelude::*, sea_query::StringLen};

/// How a partner relates to a commune; it follows from the partner.
#[derive(DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TwinningKind {
    /// kết nghĩa: an enterprise twinned with a commune
    #[sea_orm(string_value = "TWINNED")]
    Twinned,
    /// phụ trách: an agency in charge of a commune
    #[sea_orm(string_value = "IN_CHARGE")]
    InCharge,
}

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "twinnings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub commune_id: i64,
        pub enterprise_id: Option<i64>,
        pub agency_id: Option<i64>,
        pub kind: TwinningKind,
        pub started_on: NaiveDate,
        pub ended_on: Option<NaiveDate>,
        pub created_at: DateTimeUtc,
    }
}

crate::text_enum_cells!(TwinningKind);

impl Model {
    /// True when `day` lies in [startedOn, endedOn].
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.started_on <= day && self.ended_on.is_none_or(|end| day <= end)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
