//! The `dialogue_communes` table: the communes of a cluster briefing.

use sea_orm::entity::prelude::*;

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dialogue_communes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub dialogue_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub commune_id: i64,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
