//! The audit trail. Every successful mutation runs in one [`MutationTx`]; its only
//! way to commit is [`MutationTx::commit`], which writes the audit event in the same
//! transaction. A mutation that fails (a `userError` or a top-level error) drops the
//! transaction, which rolls back: nothing is written, not even the audit event.
//!
//! A mutation's typed input is a [`Command`]: it names the mutation, says who may
//! attempt it at all, and serialises to the summary the audit event keeps.
//! [`MutationTx::begin`] checks the first before it opens the transaction, so no
//! way in skips it.

pub mod entity;
pub mod filter;
pub mod graphql;

use std::{ops::Deref, sync::Arc};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseTransaction, DbBackend,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;

use crate::{
    app::AppState,
    auth::{Permitted, Role, Session},
    db::Db,
    error::ApiError,
    events::{self, Bus, Change},
    keys::Reference,
};

/// A mutation's typed input, decoded and checked before any rule runs.
pub trait Command: Serialize {
    /// The mutation's name, recorded as the audit event's action.
    const ACTION: &'static str;

    /// Who may attempt the mutation at all (the role table of DESIGN §3); what
    /// depends on the objects it names is the rule's to check.
    const PERMITTED: Permitted;
}

/// Declares a [`Command`]: `command!(CreateCommune, "createCommune", Officials)`.
#[macro_export]
macro_rules! command {
    ($command:ty, $action:literal, $permitted:ident) => {
        impl $crate::audit::Command for $command {
            const ACTION: &'static str = $action;
            const PERMITTED: $crate::auth::Permitted = $crate::auth::Permitted::$permitted;
        }
    };
}

/// Who a recorded mutation is attributed to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Actor {
    pub account_id: i64,
    pub role: Role,
}

pub struct MutationTx {
    txn: DatabaseTransaction,
    events: Arc<Bus>,
    changes: Vec<Change>,
    action: &'static str,
    actor: Option<Actor>,
    request_id: Option<String>,
    summary: Value,
    /// False for the work of the server itself (scheduled notifications), which is
    /// no one's mutation and is recorded by its own rows.
    audited: bool,
}

impl MutationTx {
    /// Opens the write transaction of `command` for the session's viewer, once the
    /// viewer is found to be permitted to attempt it.
    pub async fn begin<C: Command>(
        app: &AppState,
        session: &Session,
        command: &C,
    ) -> Result<MutationTx, ApiError> {
        C::PERMITTED.check(&session.viewer)?;
        MutationTx::open(
            &app.db,
            C::ACTION,
            session.actor(),
            Some(&session.request_id),
            command,
        )
        .await
    }

    /// Opens the write transaction of a change made outside any request (the
    /// command line, the demo data).
    pub async fn open(
        db: &Db,
        action: &'static str,
        actor: Option<Actor>,
        request_id: Option<&str>,
        input: &impl Serialize,
    ) -> Result<MutationTx, ApiError> {
        let txn = db.write.begin().await?;
        Ok(MutationTx {
            txn,
            events: db.events.clone(),
            changes: Vec::new(),
            action,
            actor,
            request_id: request_id.map(str::to_owned),
            summary: redacted(serde_json::to_value(input).unwrap_or(Value::Null)),
            audited: true,
        })
    }

    /// Opens the write transaction of the server's own scheduled work: changes
    /// reach subscribers as any mutation's do, but no audit event is written.
    pub async fn open_unaudited(db: &Db) -> Result<MutationTx, ApiError> {
        let mut tx = MutationTx::open(db, "scheduled", None, None, &()).await?;
        tx.audited = false;
        Ok(tx)
    }

    /// Attributes the event to an account the viewer was not yet signed in as (a
    /// sign-in, a registration).
    pub fn attribute_to(&mut self, actor: Actor) {
        self.actor = Some(actor);
    }

    /// Records a change for subscribers: written to the change log with the
    /// object's state at commit, and delivered once (and only if) this transaction
    /// commits.
    pub fn notify(&mut self, change: Change) {
        if !self.changes.contains(&change) {
            self.changes.push(change);
        }
    }

    /// Writes the audit event, with the object the mutation created or changed as
    /// its subject, and commits.
    pub async fn commit(self, subject: impl Into<Reference>) -> Result<(), ApiError> {
        self.commit_about(Some(subject.into())).await
    }

    /// Writes an audit event about no object in particular, and commits.
    pub async fn commit_without_subject(self) -> Result<(), ApiError> {
        self.commit_about(None).await
    }

    async fn commit_about(self, subject: Option<Reference>) -> Result<(), ApiError> {
        if self.audited {
            self.write_audit_event(subject).await?;
        }
        let events = events::record(&self.txn, &self.changes).await?;
        if events.is_empty() || self.txn.get_database_backend() == DbBackend::Postgres {
            // PostgreSQL tells every instance's listener, this one's included.
            self.txn.commit().await?;
        } else {
            // One writer: publish in the order of the commits.
            let _in_order = self.events.ordered().await;
            self.txn.commit().await?;
            self.events.publish(events);
        }
        Ok(())
    }

    async fn write_audit_event(&self, subject: Option<Reference>) -> Result<(), ApiError> {
        entity::ActiveModel {
            at: Set(Utc::now()),
            action: Set(self.action.to_owned()),
            actor_id: Set(self.actor.map(|a| a.account_id)),
            actor_role: Set(self.actor.map(|a| a.role)),
            subject_id: Set(subject.map(|reference| reference.to_string())),
            summary: Set(self.summary.to_string()),
            request_id: Set(self.request_id.clone()),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        Ok(())
    }
}

impl Deref for MutationTx {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// The input without secrets: any key naming a password or token is replaced.
fn redacted(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let lower = key.to_lowercase();
                    if lower.contains("password")
                        || lower.contains("token")
                        || lower.contains("secret")
                    {
                        (key, Value::String("[redacted]".into()))
                    } else {
                        (key, redacted(value))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redacted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let input = serde_json::json!({
            "email": "a@b.vn",
            "password": "hunter2hunter2",
            "nested": {"currentPassword": "x", "newPassword": "y", "note": "kept"}
        });
        assert_eq!(
            redacted(input),
            serde_json::json!({
                "email": "a@b.vn",
                "password": "[redacted]",
                "nested": {"currentPassword": "[redacted]", "newPassword": "[redacted]", "note": "kept"}
            })
        );
    }
}
