//! Scheduling, changing, cancelling and closing dialogues; registering for them;
//! ordering their agenda. Officials and admins run dialogues; verified firms
//! register. Capacity is one conditional UPDATE of `registered_count`, so it holds
//! under any concurrency on either engine.

use async_graphql::MaybeUndefined;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum, ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;

use super::{
    commune_link,
    entity::{self as dialogue, DialogueFormat, DialogueLevel, DialogueStatus},
    registration,
};
use crate::{
    agenda::entity as agenda_item,
    app::AppState,
    audit::MutationTx,
    auth::{Role, Session, rules::session_actor},
    communes::entity as commune,
    enterprises::entity as enterprise,
    events::Change,
    graphql::{
        errors::{ApiError, MutationError, UserError, UserErrorCode, is_unique_violation},
        ids::{self, NodeKind},
    },
    text::{self, TextKind},
};

/// The most people one enterprise may bring.
const MAX_ATTENDEES: i32 = 100;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub title: String,
    pub format: DialogueFormat,
    pub level: DialogueLevel,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub chair: String,
    pub capacity: Option<i32>,
    pub commune_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Update {
    pub dialogue_id: String,
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub venue: Option<String>,
    pub chair: Option<String>,
    #[serde(skip_serializing_if = "MaybeUndefined::is_undefined")]
    pub capacity: MaybeUndefined<i32>,
}

/// The venue as the overlap rule compares it.
pub fn venue_key(venue: &str) -> String {
    venue
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn dialogue_key(id: &str) -> Result<i64, UserError> {
    ids::key_for_input(&id.to_owned().into(), NodeKind::Dialogue, "dialogueId")
}

pub async fn find(db: &impl ConnectionTrait, key: i64) -> Result<dialogue::Model, MutationError> {
    dialogue::Entity::find_by_id(key)
        .one(db)
        .await?
        .ok_or_else(|| {
            UserError::at("dialogueId", UserErrorCode::NotFound, "no such dialogue").into()
        })
}

fn check_capacity(capacity: Option<i32>) -> Result<(), UserError> {
    match capacity {
        Some(c) if c < 1 => Err(UserError::at(
            "capacity",
            UserErrorCode::Invalid,
            "must be at least 1, or null for no limit",
        )),
        _ => Ok(()),
    }
}

/// CONFLICT when another SCHEDULED dialogue at the same venue overlaps
/// [starts, ends). On PostgreSQL a transaction-scoped advisory lock on the venue
/// makes two simultaneous schedulings at one venue take turns.
async fn check_venue_free(
    tx: &MutationTx,
    key: &str,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    except: Option<i64>,
) -> Result<(), MutationError> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [format!("venue:{key}").into()],
        ))
        .await?;
    }
    let mut clash = dialogue::Entity::find()
        .filter(dialogue::Column::VenueKey.eq(key))
        .filter(dialogue::Column::Status.eq(DialogueStatus::Scheduled))
        .filter(dialogue::Column::StartsAt.lt(ends))
        .filter(dialogue::Column::EndsAt.gt(starts));
    if let Some(id) = except {
        clash = clash.filter(dialogue::Column::Id.ne(id));
    }
    if clash.one(&**tx).await?.is_some() {
        return Err(UserError::at(
            "startsAt",
            UserErrorCode::Conflict,
            "another scheduled dialogue at this venue overlaps this time",
        )
        .into());
    }
    Ok(())
}

fn check_times(
    app: &AppState,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> Result<(), UserError> {
    if ends <= starts {
        return Err(UserError::at(
            "endsAt",
            UserErrorCode::Invalid,
            "must be after startsAt",
        ));
    }
    if starts <= app.clock.now() {
        return Err(UserError::at(
            "startsAt",
            UserErrorCode::Invalid,
            "must be in the future",
        ));
    }
    Ok(())
}

pub async fn schedule(
    app: &AppState,
    session: &Session,
    input: Schedule,
) -> Result<dialogue::Model, MutationError> {
    session.viewer.require_official()?;
    let title = text::required("title", &input.title, TextKind::Name)?;
    let venue = text::required("venue", &input.venue, TextKind::Name)?;
    let chair = text::required("chair", &input.chair, TextKind::Name)?;
    check_times(app, input.starts_at, input.ends_at)?;
    check_capacity(input.capacity)?;
    let mut communes = Vec::new();
    for id in &input.commune_ids {
        let key = ids::key_for_input(&id.clone().into(), NodeKind::Commune, "communeIds")?;
        if !communes.contains(&key) {
            communes.push(key);
        }
    }
    let tx = MutationTx::begin(
        &app.db,
        "scheduleDialogue",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    for key in &communes {
        if commune::Entity::find_by_id(*key).one(&*tx).await?.is_none() {
            return Err(
                UserError::at("communeIds", UserErrorCode::NotFound, "no such commune").into(),
            );
        }
    }
    let key = venue_key(&venue);
    check_venue_free(&tx, &key, input.starts_at, input.ends_at, None).await?;
    let now = Utc::now();
    let created = dialogue::ActiveModel {
        title: Set(title),
        format: Set(input.format),
        level: Set(input.level),
        status: Set(DialogueStatus::Scheduled),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        venue: Set(venue),
        venue_key: Set(key),
        chair: Set(chair),
        capacity: Set(input.capacity),
        registered_count: Set(0),
        minutes: Set(None),
        cancellation_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await?;
    for commune_id in communes {
        commune_link::ActiveModel {
            dialogue_id: Set(created.id),
            commune_id: Set(commune_id),
        }
        .insert(&*tx)
        .await?;
    }
    finish(tx, created.id).await?;
    Ok(created)
}

fn not_scheduled(current: DialogueStatus, what: &str) -> MutationError {
    UserError::at(
        "dialogueId",
        UserErrorCode::InvalidTransition,
        format!("{what} (the dialogue is {})", current.to_value()),
    )
    .into()
}

pub async fn update(
    app: &AppState,
    session: &Session,
    input: Update,
) -> Result<dialogue::Model, MutationError> {
    session.viewer.require_official()?;
    let key = dialogue_key(&input.dialogue_id)?;
    let title = input
        .title
        .as_deref()
        .map(|t| text::required("title", t, TextKind::Name))
        .transpose()?;
    let venue = input
        .venue
        .as_deref()
        .map(|v| text::required("venue", v, TextKind::Name))
        .transpose()?;
    let chair = input
        .chair
        .as_deref()
        .map(|c| text::required("chair", c, TextKind::Name))
        .transpose()?;
    if let MaybeUndefined::Value(capacity) = input.capacity {
        check_capacity(Some(capacity))?;
    }
    let tx = MutationTx::begin(
        &app.db,
        "updateDialogue",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled {
        return Err(not_scheduled(
            current.status,
            "only a SCHEDULED dialogue can be changed",
        ));
    }
    let starts = input.starts_at.unwrap_or(current.starts_at);
    let ends = input.ends_at.unwrap_or(current.ends_at);
    if input.starts_at.is_some() || input.ends_at.is_some() {
        check_times(app, starts, ends)?;
    }
    let venue_key = venue
        .as_deref()
        .map(venue_key)
        .unwrap_or_else(|| current.venue_key.clone());
    check_venue_free(&tx, &venue_key, starts, ends, Some(key)).await?;
    let now = Utc::now();
    let mut changes = dialogue::Entity::update_many()
        .col_expr(dialogue::Column::StartsAt, Expr::value(starts))
        .col_expr(dialogue::Column::EndsAt, Expr::value(ends))
        .col_expr(dialogue::Column::VenueKey, Expr::value(venue_key))
        .col_expr(dialogue::Column::UpdatedAt, Expr::value(now))
        .filter(dialogue::Column::Id.eq(key))
        .filter(dialogue::Column::Status.eq(DialogueStatus::Scheduled));
    if let Some(title) = title {
        changes = changes.col_expr(dialogue::Column::Title, Expr::value(title));
    }
    if let Some(venue) = venue {
        changes = changes.col_expr(dialogue::Column::Venue, Expr::value(venue));
    }
    if let Some(chair) = chair {
        changes = changes.col_expr(dialogue::Column::Chair, Expr::value(chair));
    }
    match input.capacity {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => {
            changes = changes.col_expr(dialogue::Column::Capacity, Expr::value(Option::<i32>::None))
        }
        MaybeUndefined::Value(capacity) => {
            // Never below the registrations already accepted, checked in the same statement.
            changes = changes
                .col_expr(dialogue::Column::Capacity, Expr::value(capacity))
                .filter(dialogue::Column::RegisteredCount.lte(capacity));
        }
    }
    if changes.exec(&*tx).await?.rows_affected == 0 {
        let current = find(&*tx, key).await?;
        return Err(UserError::at(
            "capacity",
            UserErrorCode::LimitExceeded,
            format!(
                "{} enterprises are registered already",
                current.registered_count
            ),
        )
        .into());
    }
    let updated = find(&*tx, key).await?;
    finish(tx, key).await?;
    Ok(updated)
}

/// SCHEDULED → CANCELLED, with a reason.
pub async fn cancel(
    app: &AppState,
    session: &Session,
    dialogue_id: String,
    reason: String,
) -> Result<dialogue::Model, MutationError> {
    session.viewer.require_official()?;
    let key = dialogue_key(&dialogue_id)?;
    let reason = text::required("reason", &reason, TextKind::Note)?;
    let input = serde_json::json!({ "dialogueId": dialogue_id, "reason": reason });
    let tx = MutationTx::begin(
        &app.db,
        "cancelDialogue",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let cancelled = leave_scheduled(
        &tx,
        key,
        DialogueStatus::Cancelled,
        (dialogue::Column::CancellationReason, reason),
        "only a SCHEDULED dialogue can be cancelled",
    )
    .await?;
    finish(tx, key).await?;
    Ok(cancelled)
}

/// SCHEDULED → HELD once it has started, with its minutes.
pub async fn close(
    app: &AppState,
    session: &Session,
    dialogue_id: String,
    minutes: String,
) -> Result<dialogue::Model, MutationError> {
    session.viewer.require_official()?;
    let key = dialogue_key(&dialogue_id)?;
    let minutes = text::required("minutes", &minutes, TextKind::Body)?;
    let input = serde_json::json!({ "dialogueId": dialogue_id, "minutes": minutes });
    let tx = MutationTx::begin(
        &app.db,
        "closeDialogue",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled {
        return Err(not_scheduled(
            current.status,
            "only a SCHEDULED dialogue can be closed",
        ));
    }
    if app.clock.now() < current.starts_at {
        return Err(UserError::at(
            "dialogueId",
            UserErrorCode::InvalidTransition,
            "the dialogue has not started yet",
        )
        .into());
    }
    let closed = leave_scheduled(
        &tx,
        key,
        DialogueStatus::Held,
        (dialogue::Column::Minutes, minutes),
        "only a SCHEDULED dialogue can be closed",
    )
    .await?;
    finish(tx, key).await?;
    Ok(closed)
}

/// SCHEDULED → `to`, setting one text column (the reason, the minutes) in the same
/// conditional UPDATE; a dialogue that is no longer SCHEDULED is INVALID_TRANSITION.
async fn leave_scheduled(
    tx: &MutationTx,
    key: i64,
    to: DialogueStatus,
    (column, text): (dialogue::Column, String),
    refusal: &str,
) -> Result<dialogue::Model, MutationError> {
    let changed = dialogue::Entity::update_many()
        .col_expr(dialogue::Column::Status, Expr::value(to.to_value()))
        .col_expr(column, Expr::value(text))
        .col_expr(dialogue::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(dialogue::Column::Id.eq(key))
        .filter(dialogue::Column::Status.eq(DialogueStatus::Scheduled))
        .exec(&**tx)
        .await?;
    let current = find(&**tx, key).await?;
    if changed.rows_affected == 0 {
        return Err(not_scheduled(current.status, refusal));
    }
    Ok(current)
}

/// Tells subscribers the dialogue changed and commits with its audit event.
async fn finish(mut tx: MutationTx, key: i64) -> Result<(), ApiError> {
    tx.notify(Change::Dialogue(key));
    tx.commit(Some(&ids::encode(NodeKind::Dialogue, key))).await
}

/// The firm's own verified enterprise; registering is for firms only.
async fn firm_enterprise(
    session: &Session,
    db: &impl ConnectionTrait,
) -> Result<enterprise::Model, MutationError> {
    let principal = session.viewer.require_role(&[Role::Firm])?;
    let id = principal.enterprise_id.ok_or(ApiError::Forbidden)?;
    match enterprise::Entity::find_by_id(id).one(db).await? {
        Some(found) if found.verified => Ok(found),
        _ => Err(ApiError::Forbidden.into()),
    }
}

/// A verified firm registers its enterprise while the dialogue is SCHEDULED and
/// has not started, within its capacity.
pub async fn register(
    app: &AppState,
    session: &Session,
    dialogue_id: String,
    attendees: i32,
) -> Result<(registration::Model, dialogue::Model), MutationError> {
    let principal = session.viewer.require_role(&[Role::Firm])?.clone();
    let key = dialogue_key(&dialogue_id)?;
    if !(1..=MAX_ATTENDEES).contains(&attendees) {
        return Err(UserError::at(
            "attendees",
            UserErrorCode::Invalid,
            format!("must be between 1 and {MAX_ATTENDEES}"),
        )
        .into());
    }
    let input = serde_json::json!({ "dialogueId": dialogue_id, "attendees": attendees });
    let tx = MutationTx::begin(
        &app.db,
        "registerForDialogue",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let firm = firm_enterprise(session, &*tx).await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled {
        return Err(not_scheduled(
            current.status,
            "registration is open only while the dialogue is SCHEDULED",
        ));
    }
    let now = app.clock.now();
    if now >= current.starts_at {
        return Err(UserError::at(
            "dialogueId",
            UserErrorCode::InvalidTransition,
            "the dialogue has started; registration is closed",
        )
        .into());
    }
    let taken = || -> MutationError {
        UserError::at(
            "dialogueId",
            UserErrorCode::Taken,
            "your enterprise is registered for this dialogue already",
        )
        .into()
    };
    let existing = registration::Entity::find()
        .filter(registration::Column::DialogueId.eq(key))
        .filter(registration::Column::EnterpriseId.eq(firm.id))
        .one(&*tx)
        .await?;
    if existing.is_some() {
        return Err(taken());
    }
    let seat = dialogue::Entity::update_many()
        .col_expr(
            dialogue::Column::RegisteredCount,
            Expr::col(dialogue::Column::RegisteredCount).add(1),
        )
        .filter(dialogue::Column::Id.eq(key))
        .filter(dialogue::Column::Status.eq(DialogueStatus::Scheduled))
        .filter(dialogue::Column::StartsAt.gt(now))
        .filter(dialogue::Column::Capacity.is_null().or(
            Expr::col(dialogue::Column::RegisteredCount).lt(Expr::col(dialogue::Column::Capacity)),
        ))
        .exec(&*tx)
        .await?;
    if seat.rows_affected == 0 {
        return Err(UserError::at(
            "dialogueId",
            UserErrorCode::LimitExceeded,
            "the dialogue is full",
        )
        .into());
    }
    let registered = registration::ActiveModel {
        dialogue_id: Set(key),
        enterprise_id: Set(firm.id),
        attendees: Set(attendees),
        registered_by: Set(principal.account_id),
        registered_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            taken()
        } else {
            e.into()
        }
    })?;
    let updated = find(&*tx, key).await?;
    finish(tx, key).await?;
    Ok((registered, updated))
}

/// The firm withdraws its enterprise's registration before the dialogue starts.
pub async fn withdraw(
    app: &AppState,
    session: &Session,
    dialogue_id: String,
) -> Result<dialogue::Model, MutationError> {
    session.viewer.require_role(&[Role::Firm])?;
    let key = dialogue_key(&dialogue_id)?;
    let input = serde_json::json!({ "dialogueId": dialogue_id });
    let tx = MutationTx::begin(
        &app.db,
        "withdrawRegistration",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let firm = firm_enterprise(session, &*tx).await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled || app.clock.now() >= current.starts_at {
        return Err(UserError::at(
            "dialogueId",
            UserErrorCode::InvalidTransition,
            "registration can change only before a scheduled dialogue starts",
        )
        .into());
    }
    let removed = registration::Entity::delete_many()
        .filter(registration::Column::DialogueId.eq(key))
        .filter(registration::Column::EnterpriseId.eq(firm.id))
        .exec(&*tx)
        .await?;
    if removed.rows_affected == 0 {
        return Err(UserError::at(
            "dialogueId",
            UserErrorCode::NotFound,
            "your enterprise is not registered for this dialogue",
        )
        .into());
    }
    dialogue::Entity::update_many()
        .col_expr(
            dialogue::Column::RegisteredCount,
            Expr::col(dialogue::Column::RegisteredCount).sub(1),
        )
        .filter(dialogue::Column::Id.eq(key))
        .exec(&*tx)
        .await?;
    let updated = find(&*tx, key).await?;
    finish(tx, key).await?;
    Ok(updated)
}

/// Takes every agenda item of the dialogue in its new order.
pub async fn reorder(
    app: &AppState,
    session: &Session,
    dialogue_id: String,
    item_ids: Vec<String>,
) -> Result<dialogue::Model, MutationError> {
    session.viewer.require_official()?;
    let key = dialogue_key(&dialogue_id)?;
    let mut keys = Vec::with_capacity(item_ids.len());
    for id in &item_ids {
        keys.push(ids::key_for_input(
            &id.clone().into(),
            NodeKind::AgendaItem,
            "agendaItemIds",
        )?);
    }
    let input = serde_json::json!({ "dialogueId": dialogue_id, "agendaItemIds": item_ids });
    let mut tx = MutationTx::begin(
        &app.db,
        "reorderAgenda",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled {
        return Err(not_scheduled(
            current.status,
            "only a SCHEDULED dialogue's agenda can be reordered",
        ));
    }
    let on_agenda: Vec<i64> = agenda_item::Entity::find()
        .filter(agenda_item::Column::DialogueId.eq(key))
        .filter(agenda_item::Column::Position.is_not_null())
        .order_by_asc(agenda_item::Column::Position)
        .all(&*tx)
        .await?
        .into_iter()
        .map(|item| item.id)
        .collect();
    let mut given = keys.clone();
    given.sort_unstable();
    given.dedup();
    let mut expected = on_agenda.clone();
    expected.sort_unstable();
    if given.len() != keys.len() || given != expected {
        return Err(UserError::at(
            "agendaItemIds",
            UserErrorCode::Invalid,
            format!(
                "give every agenda item of the dialogue exactly once ({} items)",
                on_agenda.len()
            ),
        )
        .into());
    }
    for (index, item) in keys.iter().enumerate() {
        agenda_item::Entity::update_many()
            .col_expr(agenda_item::Column::Position, Expr::value(index as i32 + 1))
            .filter(agenda_item::Column::Id.eq(*item))
            .exec(&*tx)
            .await?;
        tx.notify(Change::AgendaItem(*item));
    }
    finish(tx, key).await?;
    Ok(current)
}
