//! The `accounts` table.

use sea_orm::entity::prelude::*;

use super::Role;

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Trimmed and lower-cased; unique.
        pub email: String,
        pub password_hash: String,
        pub display_name: String,
        pub role: Role,
        pub enterprise_id: Option<i64>,
        pub agency_id: Option<i64>,
        pub disabled: bool,
        /// Bumped by a password change; tokens carry it and older ones stop working.
        pub token_generation: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
