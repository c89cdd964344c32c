//! The `disbursements` table: what of a contribution was handed over, when, and the
//! evidence for it.

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "disbursements")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub contribution_id: i64,
        pub amount: i64,
        pub disbursed_on: NaiveDate,
        /// A receipt, transfer or handover record number.
        pub reference: String,
        pub recorded_by: i64,
        pub recorded_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
