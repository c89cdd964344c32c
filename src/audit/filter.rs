//! Who reads the audit trail, and which events a list or an export shows: the
//! domain's side of `auditEvents` and its `AuditEventFilter`.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};

use super::entity as audit_event;
use crate::{
    auth::{Principal, Viewer},
    error::ApiError,
    filters::{equals_condition, matches_nothing},
    keys::{AccountKey, Key, Reference},
};

/// Officials and admins read the audit trail; FORBIDDEN for other accounts,
/// UNAUTHENTICATED when anonymous. The API and the exports both ask this.
pub fn may_read(viewer: &Viewer) -> Result<&Principal, ApiError> {
    viewer.require_official()
}

/// The subject an event filter names: an object of ours, or something that is
/// the subject of no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Object(Reference),
    Unknown,
}

/// Narrows the audit trail; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditEventFilter {
    /// The mutation's name, exactly.
    pub action: Option<String>,
    pub actor: Option<AccountKey>,
    pub subject: Option<Subject>,
    /// Events at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events before this instant.
    pub to: Option<DateTime<Utc>>,
}

impl AuditEventFilter {
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(action) = &self.action {
            condition = condition.add(equals_condition(audit_event::Column::Action, action));
        }
        if let Some(actor) = self.actor {
            condition = condition.add(audit_event::Column::ActorId.eq(actor.get()));
        }
        match self.subject {
            Some(Subject::Object(reference)) => {
                condition = condition.add(audit_event::Column::SubjectId.eq(reference.to_string()));
            }
            Some(Subject::Unknown) => condition = condition.add(matches_nothing()),
            None => {}
        }
        if let Some(from) = self.from {
            condition = condition.add(audit_event::Column::At.gte(from));
        }
        if let Some(to) = self.to {
            condition = condition.add(audit_event::Column::At.lt(to));
        }
        condition
    }
}
