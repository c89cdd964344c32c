//! The `audit_events` table: append-only; nothing updates or deletes its rows.

use sea_orm::entity::prelude::*;

use crate::auth::Role;

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        /// The mutation's name, e.g. `pledgeContribution`.
        pub action: String,
        pub actor_id: Option<i64>,
        pub actor_role: Option<Role>,
        /// The global ID of the node the mutation created or changed.
        pub subject_id: Option<String>,
        /// The input, as JSON, with secrets removed.
        pub summary: String,
        pub request_id: Option<String>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
