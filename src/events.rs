//! Live changes: the change log, the listener that reads it, and the hub that fans
//! it out to this process's subscribers.
//!
//! A mutation names what it changed ([`MutationTx::notify`]). When it commits,
//! [`record`] writes one row per change into the `changes` table, in the same
//! transaction, with the object's state as of that commit: a subscriber receives
//! exactly that state, every change once, never a later state twice. Change ids are
//! in commit order: on PostgreSQL the last step of every transaction that records
//! changes runs under one advisory lock, so ids are handed out in the order the
//! transactions commit; SQLite has one writer.
//!
//! Delivery: on SQLite the committing task publishes its changes to the hub right
//! after the commit, in order (the commit and the publication happen under one
//! lock). On PostgreSQL the transaction sends a `NOTIFY` with its last change id;
//! every instance's listener then reads the log from the last id it delivered,
//! which also catches up whatever a dropped connection missed, and publishes. So a
//! change is read from the database once per instance, not once per subscriber.
//!
//! The hub is a broadcast channel of shared events, read by each shared feed and
//! by each socket with operations of its own; visibility is decided per viewer
//! class (anonymous, each enterprise, officials) once per event
//! ([`Event::visible_to`]). Signed-in sockets also read the revocations, a channel
//! that carries only the accounts whose sessions a change ends.
//!
//! [`MutationTx::notify`]: crate::audit::MutationTx::notify

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryResult, Statement,
    sea_query::{Alias, Expr, ExprTrait, Func, Order, Query},
    sqlx::postgres::PgListener,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::{
    agenda::{entity as agenda_item, rules::can_see},
    auth::{Role, Viewer, entity as account},
    dialogues::entity as dialogue,
    notifications::entity as notification,
};

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "donghanh_changes";

/// The advisory lock under which transactions record their changes on PostgreSQL.
const RECORD_LOCK: i64 = 0x646f_6e67_6368_616e;

/// The advisory lock that lets one instance at a time prune the log.
const PRUNE_LOCK: i64 = 0x646f_6e67_7072_756e;

/// How many events a socket may fall behind the hub before it is cut off.
const HUB_CAPACITY: usize = 4096;

/// What a mutation changed: an object of a kind that subscribers follow, or an
/// account (its sessions are closed when it changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Dialogue(i64),
    AgendaItem(i64),
    Account(i64),
    /// A notification recorded for one account.
    Notification(i64),
}

/// An account as its sessions need to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    pub id: i64,
    pub token_generation: i32,
    pub disabled: bool,
}

/// An object as it was when a change committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum State {
    Dialogue(Box<dialogue::Model>),
    AgendaItem(Box<agenda_item::Model>),
    Account(AccountState),
    Notification(Box<notification::Model>),
}

impl State {
    fn kind(&self) -> &'static str {
        match self {
            State::Dialogue(_) => "Dialogue",
            State::AgendaItem(_) => "AgendaItem",
            State::Account(_) => "Account",
            State::Notification(_) => "Notification",
        }
    }

    fn object_id(&self) -> i64 {
        match self {
            State::Dialogue(model) => model.id,
            State::AgendaItem(model) => model.id,
            State::Account(account) => account.id,
            State::Notification(model) => model.id,
        }
    }
}

/// Who sees the same things: visibility depends on nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Anonymous,
    Enterprise(i64),
    /// A signed-in account of neither an enterprise nor the government.
    Member,
    Officials,
}

impl Audience {
    pub fn of(viewer: &Viewer) -> Audience {
        match &viewer.principal {
            None => Audience::Anonymous,
            Some(p) if matches!(p.role, Role::Official | Role::Admin) => Audience::Officials,
            Some(p) => p
                .enterprise_id
                .map_or(Audience::Member, Audience::Enterprise),
        }
    }
}

/// One committed change, shared by every subscriber of this process.
#[derive(Debug)]
pub struct Event {
    /// The change's id, in commit order.
    pub id: i64,
    pub state: State,
    pub committed_at: DateTime<Utc>,
    /// Visibility, decided once per audience.
    decided: Mutex<Vec<(Audience, bool)>>,
}

impl Event {
    fn new(id: i64, state: State, committed_at: DateTime<Utc>) -> Event {
        Event {
            id,
            state,
            committed_at,
            decided: Mutex::new(Vec::new()),
        }
    }

    /// Whether `viewer` may see this change, as the lists and `node` decide it.
    /// Account changes are for no subscriber.
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        // A notification is for its recipient alone, not for an audience.
        if let State::Notification(model) = &self.state {
            return viewer.account_id() == Some(model.account_id);
        }
        let audience = Audience::of(viewer);
        let mut decided = self.decided.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, visible)) = decided.iter().find(|(a, _)| *a == audience) {
            return *visible;
        }
        let visible = match &self.state {
            State::Dialogue(_) => true,
            State::AgendaItem(item) => can_see(viewer, item),
            State::Account(_) | State::Notification(_) => false,
        };
        decided.push((audience, visible));
        visible
    }

    /// The account this change revokes the sessions of, if any.
    pub fn revoked_account(&self) -> Option<i64> {
        match &self.state {
            State::Account(account) => Some(account.id),
            _ => None,
        }
    }
}

/// Fans events out to this process's subscribers, in commit order.
#[derive(Debug)]
pub struct Bus {
    sender: broadcast::Sender<Arc<Event>>,
    /// The accounts whose sessions a change revokes, each sent before its change
    /// goes out on the hub: a socket that reads these first closes before it can
    /// pass on anything committed after the revocation.
    revocations: broadcast::Sender<i64>,
    /// Held across a commit and its publication on SQLite, so that events are
    /// published in the order their transactions committed.
    order: tokio::sync::Mutex<()>,
    /// The last change id published; the listener reads the log from here.
    last: AtomicI64,
}

impl Default for Bus {
    fn default() -> Self {
        Bus {
            sender: broadcast::channel(HUB_CAPACITY).0,
            revocations: broadcast::channel(HUB_CAPACITY).0,
            order: tokio::sync::Mutex::new(()),
            last: AtomicI64::new(0),
        }
    }
}

impl Bus {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    /// The accounts whose sessions are revoked from now on: the revocations of
    /// the hub's changes, each one ahead of its change.
    pub fn revocations(&self) -> broadcast::Receiver<i64> {
        self.revocations.subscribe()
    }

    /// The last change id delivered to this process's subscribers.
    pub fn last_delivered(&self) -> i64 {
        self.last.load(Ordering::Acquire)
    }

    /// Serialises a commit with the publication of its events.
    pub async fn ordered(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.order.lock().await
    }

    /// Hands committed events to local subscribers; nobody listening is fine.
    pub fn publish(&self, events: Vec<Event>) {
        for event in events {
            self.last.fetch_max(event.id, Ordering::AcqRel);
            if let Some(account) = event.revoked_account() {
                let _ = self.revocations.send(account);
            }
            let _ = self.sender.send(Arc::new(event));
        }
    }

    /// Starts delivering from after the newest change in the log.
    pub async fn start_at_log_end(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let newest = newest_id(db).await?;
        self.last.fetch_max(newest, Ordering::AcqRel);
        Ok(())
    }

    /// Listens on PostgreSQL and publishes every change, from any instance, read
    /// from the log in order. A notification only says "there is more"; the log is
    /// the truth, read again after a quiet spell too, so a listener whose connection
    /// died, even silently, catches up within seconds.
    pub async fn listen(
        self: &Arc<Self>,
        database_url: &str,
        db: sea_orm::DatabaseConnection,
    ) -> Result<(), sea_orm::sqlx::Error> {
        let mut listener = PgListener::connect(database_url).await?;
        listener.listen(CHANNEL).await?;
        let bus = self.clone();
        tokio::spawn(async move {
            loop {
                // A notification, an error or a quiet spell: in every case, read the
                // log from the last change delivered. A connection can die without a
                // word; notifications sent meanwhile are lost, the log is not.
                if let Ok(Err(error)) = tokio::time::timeout(QUIET_CHECK, listener.recv()).await {
                    tracing::warn!(%error, "change listener lost its connection; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                if let Err(error) = bus.catch_up(&db).await {
                    tracing::warn!(%error, "reading the change log");
                }
            }
        });
        Ok(())
    }

    /// Publishes every change after the last one delivered.
    async fn catch_up(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        loop {
            let events = read_after(db, self.last_delivered(), &[], PAGE).await?;
            let full = events.len() == PAGE as usize;
            self.publish(events);
            if !full {
                return Ok(());
            }
        }
    }
}

/// How long the listener waits for a notification before it reads the log anyway.
const QUIET_CHECK: Duration = Duration::from_secs(2);

/// How many changes one read of the log returns.
const PAGE: u64 = 1000;

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    state: String,
    committed_at: DateTime<Utc>,
}

fn event_of(row: Row) -> Result<Event, DbErr> {
    let state: State =
        serde_json::from_str(&row.state).map_err(|error| DbErr::Json(error.to_string()))?;
    Ok(Event::new(row.id, state, row.committed_at))
}

async fn newest_id(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let select = Query::select()
        .expr_as(
            Expr::from(Func::max(Expr::col(Alias::new("id")))).cast_as("BIGINT"),
            Alias::new("id"),
        )
        .from(Alias::new("changes"))
        .to_owned();
    let row: Option<QueryResult> = db.query_one(&select).await?;
    Ok(row
        .and_then(|row| row.try_get::<Option<i64>>("", "id").ok().flatten())
        .unwrap_or(0))
}

/// Changes after `after`, of the given kinds (all when empty), oldest first.
async fn read_after(
    db: &impl ConnectionTrait,
    after: i64,
    kinds: &[&str],
    limit: u64,
) -> Result<Vec<Event>, DbErr> {
    let mut select = Query::select();
    select
        .columns([
            Alias::new("id"),
            Alias::new("state"),
            Alias::new("committed_at"),
        ])
        .from(Alias::new("changes"))
        .and_where(Expr::col(Alias::new("id")).gt(after))
        .order_by(Alias::new("id"), Order::Asc)
        .limit(limit);
    if !kinds.is_empty() {
        select.and_where(Expr::col(Alias::new("kind")).is_in(kinds.iter().copied()));
    }
    let rows = Row::find_by_statement(db.get_database_backend().build(&select))
        .all(db)
        .await?;
    rows.into_iter().map(event_of).collect()
}

/// The id of the last change committed so far (0 before the first). Ids are in
/// commit order, so every change committed later has a greater one.
pub async fn latest(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let last = Query::select()
        .expr_as(Func::max(Expr::col(Alias::new("id"))), Alias::new("last"))
        .from(Alias::new("changes"))
        .to_owned();
    let horizon = Query::select()
        .column(Alias::new("pruned_through"))
        .from(Alias::new("change_log_horizon"))
        .to_owned();
    let mut latest = 0;
    for (select, column) in [(last, "last"), (horizon, "pruned_through")] {
        if let Some(row) = db.query_one(&select).await? {
            latest = Ord::max(latest, row.try_get::<Option<i64>>("", column)?.unwrap_or(0));
        }
    }
    Ok(latest)
}

/// Writes the changes of a transaction into the log, with each object's state as
/// it stands in the transaction, and (on PostgreSQL) tells every instance. The
/// events are returned for publication after the commit.
pub(crate) async fn record(
    txn: &DatabaseTransaction,
    changes: &[Change],
) -> Result<Vec<Event>, DbErr> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_advisory_xact_lock($1)",
            [RECORD_LOCK.into()],
        ))
        .await?;
    }
    let now = Utc::now();
    let mut events = Vec::with_capacity(changes.len());
    for change in changes {
        let Some(state) = state_of(txn, *change).await? else {
            continue;
        };
        let json = serde_json::to_string(&state).map_err(|e| DbErr::Json(e.to_string()))?;
        let insert = Query::insert()
            .into_table(Alias::new("changes"))
            .columns([
                Alias::new("kind"),
                Alias::new("object_id"),
                Alias::new("state"),
                Alias::new("committed_at"),
            ])
            .values_panic([
                state.kind().into(),
                state.object_id().into(),
                json.into(),
                now.into(),
            ])
            .returning_col(Alias::new("id"))
            .to_owned();
        let id: i64 = txn
            .query_one(&insert)
            .await?
            .ok_or_else(|| DbErr::RecordNotInserted)?
            .try_get("", "id")?;
        events.push(Event::new(id, state, now));
    }
    if backend == DbBackend::Postgres
        && let Some(last) = events.last()
    {
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), last.id.to_string().into()],
        ))
        .await?;
    }
    Ok(events)
}

/// The object a change names, as the transaction sees it; `None` if it is gone.
async fn state_of(txn: &DatabaseTransaction, change: Change) -> Result<Option<State>, DbErr> {
    Ok(match change {
        Change::Dialogue(id) => dialogue::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|model| State::Dialogue(Box::new(model))),
        Change::AgendaItem(id) => agenda_item::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|model| State::AgendaItem(Box::new(model))),
        Change::Account(id) => account::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|model| {
                State::Account(AccountState {
                    id: model.id,
                    token_generation: model.token_generation,
                    disabled: model.disabled,
                })
            }),
        Change::Notification(id) => notification::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|model| State::Notification(Box::new(model))),
    })
}

/// Why a resume cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResumeError {
    #[error("the change log no longer goes back to change {0}; read the current state again")]
    Pruned(i64),
    #[error("more than {0} changes were missed; read the current state again")]
    TooFar(u64),
}

/// The most changes a resume replays; beyond, reading the current state is cheaper.
pub const MAX_REPLAY: u64 = 10_000;

/// The changes of `kinds` after `after`, for a subscriber that resumes. Refused
/// when the log was pruned past `after`, or when too much was missed.
pub async fn replay(
    db: &impl ConnectionTrait,
    after: i64,
    kinds: &[&str],
) -> Result<Result<Vec<Event>, ResumeError>, DbErr> {
    let horizon = Query::select()
        .column(Alias::new("pruned_through"))
        .from(Alias::new("change_log_horizon"))
        .to_owned();
    let pruned_through: i64 = match db.query_one(&horizon).await? {
        Some(row) => row.try_get("", "pruned_through")?,
        None => 0,
    };
    if after < pruned_through {
        return Ok(Err(ResumeError::Pruned(after)));
    }
    let events = read_after(db, after, kinds, MAX_REPLAY + 1).await?;
    if events.len() as u64 > MAX_REPLAY {
        return Ok(Err(ResumeError::TooFar(MAX_REPLAY)));
    }
    Ok(Ok(events))
}

/// Deletes changes committed before `before`, on one instance at a time, and moves
/// the horizon up to the last id deleted. Returns how many were deleted, or `None`
/// when another instance is pruning.
pub async fn prune(
    db: &sea_orm::DatabaseConnection,
    before: DateTime<Utc>,
) -> Result<Option<u64>, DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        let locked = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT pg_try_advisory_xact_lock($1) AS locked",
                [PRUNE_LOCK.into()],
            ))
            .await?
            .map(|row| row.try_get::<bool>("", "locked"))
            .transpose()?
            .unwrap_or(false);
        if !locked {
            return Ok(None);
        }
    }
    let last = Query::select()
        .expr_as(
            Expr::from(Func::max(Expr::col(Alias::new("id")))).cast_as("BIGINT"),
            Alias::new("id"),
        )
        .from(Alias::new("changes"))
        .and_where(Expr::col(Alias::new("committed_at")).lt(before))
        .to_owned();
    let last: Option<i64> = txn
        .query_one(&last)
        .await?
        .and_then(|row| row.try_get::<Option<i64>>("", "id").ok().flatten());
    let Some(last) = last else {
        txn.commit().await?;
        return Ok(Some(0));
    };
    let deleted = Query::delete()
        .from_table(Alias::new("changes"))
        .and_where(Expr::col(Alias::new("id")).lte(last))
        .to_owned();
    let deleted = txn.execute(&deleted).await?.rows_affected();
    let horizon = Query::update()
        .table(Alias::new("change_log_horizon"))
        .value(Alias::new("pruned_through"), last)
        .and_where(Expr::col(Alias::new("pruned_through")).lt(last))
        .to_owned();
    txn.execute(&horizon).await?;
    txn.commit().await?;
    Ok(Some(deleted))
}

/// Prunes the log every hour, keeping `retention`.
pub fn spawn_pruning(db: sea_orm::DatabaseConnection, retention: Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let Ok(retention) = chrono::Duration::from_std(retention) else {
                return;
            };
            match prune(&db, Utc::now() - retention).await {
                Ok(Some(deleted)) if deleted > 0 => {
                    tracing::info!(deleted, "pruned the change log")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "pruning the change log"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_travel_as_json_and_back() {
        let state = State::Account(AccountState {
            id: 7,
            token_generation: 2,
            disabled: false,
        });
        let json = serde_json::to_string(&state).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"Account":{"id":7,"token_generation":2,"disabled":false}}"#
        );
        assert_eq!(serde_json::from_str::<State>(&json).ok(), Some(state));
    }
}
