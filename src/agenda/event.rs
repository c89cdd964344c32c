//! The `agenda_item_events` table: the history, oldest first.

use sea_orm::entity::prelude::*;

use super::entity::AgendaItemStatus;
use crate::auth::Role;

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "agenda_item_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub agenda_item_id: i64,
        pub at: DateTimeUtc,
        pub from_status: Option<AgendaItemStatus>,
        pub to_status: AgendaItemStatus,
        pub note: Option<String>,
        pub actor_role: Role,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
