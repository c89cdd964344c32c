//! Which dialogues a list or an export shows: the domain's side of
//! `DialogueFilter`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    commune_link,
    entity::{self as dialogue, DialogueFormat, DialogueStatus},
};
use crate::keys::{CommuneKey, Key};

/// Narrows a list of dialogues; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DialogueFilter {
    pub statuses: Option<Vec<DialogueStatus>>,
    pub formats: Option<Vec<DialogueFormat>>,
    /// Dialogues that start at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Dialogues that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Dialogues whose communes include this one.
    pub commune: Option<CommuneKey>,
}

impl DialogueFilter {
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(statuses) = &self.statuses {
            condition = condition.add(dialogue::Column::Status.is_in(statuses.iter().copied()));
        }
        if let Some(formats) = &self.formats {
            condition = condition.add(dialogue::Column::Format.is_in(formats.iter().copied()));
        }
        if let Some(from) = self.from {
            condition = condition.add(dialogue::Column::StartsAt.gte(from));
        }
        if let Some(to) = self.to {
            condition = condition.add(dialogue::Column::StartsAt.lt(to));
        }
        if let Some(key) = self.commune {
            let linked = Query::select()
                .column(commune_link::Column::DialogueId)
                .from(commune_link::Entity)
                .and_where(Expr::col(commune_link::Column::CommuneId).eq(key.get()))
                .to_owned();
            condition = condition.add(dialogue::Column::Id.in_subquery(linked));
        }
        condition
    }
}
