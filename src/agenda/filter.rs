//! Which agenda items a list or an export shows, before visibility: the domain's
//! side of `AgendaItemFilter`. Visibility ([`super::rules::visible_condition`]) is
//! always added on top.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, Condition};

use super::entity::{self as agenda_item, AgendaCategory, AgendaItemStatus};
use crate::{
    filters::search_condition,
    keys::{AgencyKey, DialogueKey, EnterpriseKey, Key},
};

/// Narrows a list of agenda items; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgendaItemFilter {
    pub statuses: Option<Vec<AgendaItemStatus>>,
    pub categories: Option<Vec<AgendaCategory>>,
    pub dialogue: Option<DialogueKey>,
    /// The assigned agency.
    pub agency: Option<AgencyKey>,
    /// The submitting enterprise.
    pub submitted_by: Option<EnterpriseKey>,
    pub overdue: Option<bool>,
    /// Case- and diacritic-insensitive over title and body.
    pub search: Option<String>,
}

impl AgendaItemFilter {
    pub fn condition(&self, today: NaiveDate) -> Condition {
        let mut condition = Condition::all();
        if let Some(statuses) = &self.statuses {
            condition = condition.add(agenda_item::Column::Status.is_in(statuses.iter().copied()));
        }
        if let Some(categories) = &self.categories {
            condition =
                condition.add(agenda_item::Column::Category.is_in(categories.iter().copied()));
        }
        if let Some(key) = self.dialogue {
            condition = condition.add(agenda_item::Column::DialogueId.eq(key.get()));
        }
        if let Some(key) = self.agency {
            condition = condition.add(agenda_item::Column::AssignedAgencyId.eq(key.get()));
        }
        if let Some(key) = self.submitted_by {
            condition = condition.add(agenda_item::Column::EnterpriseId.eq(key.get()));
        }
        if let Some(overdue) = self.overdue {
            let is_overdue = Condition::all()
                .add(agenda_item::Column::Status.eq(AgendaItemStatus::Assigned))
                .add(agenda_item::Column::ResponseDueOn.lt(today));
            condition = condition.add(if overdue {
                is_overdue
            } else {
                is_overdue.not()
            });
        }
        if let Some(search) = self
            .search
            .as_deref()
            .and_then(|s| search_condition(agenda_item::Column::SearchText, s))
        {
            condition = condition.add(search);
        }
        condition
    }
}
