//! The `dialogue_registrations` table: one per enterprise and dialogue.

use sea_orm::entity::prelude::*;

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dialogue_registrations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dialogue_id: i64,
        pub enterprise_id: i64,
        pub attendees: i32,
        pub registered_by: i64,
        pub registered_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
