//! The audit trail. Every successful mutation runs in one [`MutationTx`]; its only
//! way to commit is [`MutationTx::commit`], which writes the audit event in the same
//! transaction. A mutation that fails (a `userError` or a top-level error) drops the
//! transaction, which rolls back: nothing is written, not even the audit event.

pub mod entity;
pub mod graphql;

use std::{ops::Deref, sync::Arc};

use async_graphql::ID;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;

use crate::{
    auth::Role,
    db::Db,
    events::{Bus, CHANNEL, Change},
    graphql::errors::ApiError,
};

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
}

impl MutationTx {
    /// Opens the write transaction of mutation `action`.
    pub async fn begin(
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
        })
    }

    /// Attributes the event to an account the viewer was not yet signed in as (a
    /// sign-in, a registration).
    pub fn attribute_to(&mut self, actor: Actor) {
        self.actor = Some(actor);
    }

    /// Tells subscribers about a change once (and only if) this transaction commits.
    pub fn notify(&mut self, change: Change) {
        if !self.changes.contains(&change) {
            self.changes.push(change);
        }
    }

    /// Writes the audit event and commits.
    pub async fn commit(self, subject: Option<&ID>) -> Result<(), ApiError> {
        entity::ActiveModel {
            at: Set(Utc::now()),
            action: Set(self.action.to_owned()),
            actor_id: Set(self.actor.map(|a| a.account_id)),
            actor_role: Set(self.actor.map(|a| a.role)),
            subject_id: Set(subject.map(|id| id.to_string())),
            summary: Set(self.summary.to_string()),
            request_id: Set(self.request_id),
            ..Default::default()
        }
        .insert(&self.txn)
        .await?;
        let backend = self.txn.get_database_backend();
        if backend == DbBackend::Postgres {
            // Sent by PostgreSQL at commit, to every instance's listener (ours too).
            for change in &self.changes {
                let payload = serde_json::to_string(change).map_err(ApiError::internal)?;
                self.txn
                    .execute_raw(Statement::from_sql_and_values(
                        backend,
                        "SELECT pg_notify($1, $2)",
                        [CHANNEL.into(), payload.into()],
                    ))
                    .await?;
            }
        }
        self.txn.commit().await?;
        if backend != DbBackend::Postgres {
            for change in self.changes {
                self.events.deliver(change);
            }
        }
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
