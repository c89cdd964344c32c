//! The `agenda_answers` table: every answer an agency gave, kept when unsatisfied
//! feedback sends the item back, so response statistics count them all.

use sea_orm::entity::prelude::*;

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "agenda_answers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub agenda_item_id: i64,
        pub agency_id: i64,
        pub body: String,
        pub answered_by: i64,
        pub answered_at: DateTimeUtc,
        /// Answered on or before the due date, in the programme's time zone.
        pub on_time: bool,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
