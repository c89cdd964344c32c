//! Scheduling, changing, cancelling and closing dialogues; registering for them;
//! ordering their agenda. Officials and admins run dialogues; verified firms
//! register. Capacity is one conditional UPDATE of `registered_count`, so it holds
//! under any concurrency on either engine.

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
    auth::{Role, Session, Viewer},
    communes::entity as commune,
    enterprises::entity as enterprise,
    error::{ApiError, Message, MutationError, UserError, UserErrorCode, on_constraint},
    events::Change,
    keys::{AgendaItemKey, CommuneKey, DialogueKey, Key},
    notifications::{self, entity::NotificationKind},
    patch::Patch,
    text::{Body, Name, Note},
};

/// Which dialogue registrations a viewer sees: officials all of them, a firm its
/// own enterprise's, anyone else none. The API and the exports both ask this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationsSeen {
    All,
    OfEnterprise(i64),
    None,
}

impl RegistrationsSeen {
    pub fn of(viewer: &Viewer) -> RegistrationsSeen {
        if viewer.is_official() {
            return RegistrationsSeen::All;
        }
        match viewer
            .principal
            .as_ref()
            .filter(|p| p.role == Role::Firm)
            .and_then(|p| p.enterprise_id)
        {
            Some(own) => RegistrationsSeen::OfEnterprise(own),
            None => RegistrationsSeen::None,
        }
    }

    pub fn sees(self, registration: &registration::Model) -> bool {
        match self {
            RegistrationsSeen::All => true,
            RegistrationsSeen::OfEnterprise(own) => registration.enterprise_id == own,
            RegistrationsSeen::None => false,
        }
    }
}

/// The most people one enterprise may bring.
const MAX_ATTENDEES: i32 = 100;

/// How many enterprises may register: at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Capacity(i32);

impl Capacity {
    pub fn parse(field: &str, capacity: i32) -> Result<Capacity, UserError> {
        if capacity < 1 {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!(
                    "phải từ 1 trở lên, hoặc để trống (null) nếu không giới hạn",
                    "must be at least 1, or null for no limit"
                ),
            ));
        }
        Ok(Capacity(capacity))
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// How many people an enterprise brings: 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Attendees(i32);

impl Attendees {
    pub fn parse(field: &str, attendees: i32) -> Result<Attendees, UserError> {
        if !(1..=MAX_ATTENDEES).contains(&attendees) {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!(
                    "phải từ 1 đến {MAX_ATTENDEES}",
                    "must be between 1 and {MAX_ATTENDEES}"
                ),
            ));
        }
        Ok(Attendees(attendees))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub title: Name,
    pub format: DialogueFormat,
    pub level: DialogueLevel,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: Name,
    pub chair: Name,
    pub capacity: Option<Capacity>,
    /// Each commune once, in the order given.
    pub commune_ids: Vec<CommuneKey>,
}

crate::command!(Schedule, "scheduleDialogue", Officials);

/// Changes to a scheduled dialogue; `None` and [`Patch::Keep`] leave a field as
/// it is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Update {
    pub dialogue_id: DialogueKey,
    pub title: Option<Name>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub venue: Option<Name>,
    pub chair: Option<Name>,
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub capacity: Patch<Capacity>,
}

crate::command!(Update, "updateDialogue", Officials);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cancel {
    pub dialogue_id: DialogueKey,
    pub reason: Note,
}

crate::command!(Cancel, "cancelDialogue", Officials);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Close {
    pub dialogue_id: DialogueKey,
    pub minutes: Body,
}

crate::command!(Close, "closeDialogue", Officials);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Register {
    pub dialogue_id: DialogueKey,
    pub attendees: Attendees,
}

crate::command!(Register, "registerForDialogue", Firms);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Withdraw {
    pub dialogue_id: DialogueKey,
}

crate::command!(Withdraw, "withdrawRegistration", Firms);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reorder {
    pub dialogue_id: DialogueKey,
    pub agenda_item_ids: Vec<AgendaItemKey>,
}

crate::command!(Reorder, "reorderAgenda", Officials);

/// The venue as the overlap rule compares it.
pub fn venue_key(venue: &str) -> String {
    venue
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

pub async fn find(db: &impl ConnectionTrait, key: i64) -> Result<dialogue::Model, MutationError> {
    dialogue::Entity::find_by_id(key)
        .one(db)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "dialogueId",
                UserErrorCode::NotFound,
                crate::msg!("không tìm thấy hội nghị đối thoại", "no such dialogue"),
            )
            .into()
        })
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
            crate::msg!(
                "một hội nghị đối thoại khác đã lên lịch tại địa điểm này trùng thời gian",
                "another scheduled dialogue at this venue overlaps this time"
            ),
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
            crate::msg!(
                "phải sau thời điểm bắt đầu (startsAt)",
                "must be after startsAt"
            ),
        ));
    }
    if starts <= app.clock.now() {
        return Err(UserError::at(
            "startsAt",
            UserErrorCode::Invalid,
            crate::msg!("phải ở tương lai", "must be in the future"),
        ));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(starts_at = %command.starts_at))]
pub async fn schedule(
    app: &AppState,
    session: &Session,
    command: Schedule,
) -> Result<dialogue::Model, MutationError> {
    check_times(app, command.starts_at, command.ends_at)?;
    let mut tx = MutationTx::begin(app, session, &command).await?;
    for key in &command.commune_ids {
        if commune::Entity::find_by_id(key.get())
            .one(&*tx)
            .await?
            .is_none()
        {
            return Err(UserError::at(
                "communeIds",
                UserErrorCode::NotFound,
                crate::msg!("không tìm thấy xã", "no such commune"),
            )
            .into());
        }
    }
    let key = venue_key(&command.venue);
    check_venue_free(&tx, &key, command.starts_at, command.ends_at, None).await?;
    let now = Utc::now();
    let created = dialogue::ActiveModel {
        title: Set(command.title.as_str().to_owned()),
        format: Set(command.format),
        level: Set(command.level),
        status: Set(DialogueStatus::Scheduled),
        starts_at: Set(command.starts_at),
        ends_at: Set(command.ends_at),
        venue: Set(command.venue.as_str().to_owned()),
        venue_key: Set(key),
        chair: Set(command.chair.as_str().to_owned()),
        capacity: Set(command.capacity.map(Capacity::get)),
        registered_count: Set(0),
        minutes: Set(None),
        cancellation_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await?;
    for commune_id in &command.commune_ids {
        commune_link::ActiveModel {
            dialogue_id: Set(created.id),
            commune_id: Set(commune_id.get()),
        }
        .insert(&*tx)
        .await?;
    }
    notifications::rules::dialogue_changed(
        &mut tx,
        app,
        NotificationKind::DialogueScheduled,
        &created,
    )
    .await?;
    finish(tx, created.id).await?;
    Ok(created)
}

fn not_scheduled(current: DialogueStatus, what: Message) -> MutationError {
    UserError::at(
        "dialogueId",
        UserErrorCode::InvalidTransition,
        what.then(crate::msg!(
            " (hội nghị đối thoại đang ở trạng thái {})",
            " (the dialogue is {})",
            current.to_value()
        )),
    )
    .into()
}

#[tracing::instrument(skip_all, fields(dialogue = command.dialogue_id.get()))]
pub async fn update(
    app: &AppState,
    session: &Session,
    command: Update,
) -> Result<dialogue::Model, MutationError> {
    let key = command.dialogue_id.get();
    let mut tx = MutationTx::begin(app, session, &command).await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled {
        return Err(not_scheduled(
            current.status,
            crate::msg!(
                "chỉ hội nghị đối thoại đã lên lịch (SCHEDULED) mới được thay đổi",
                "only a SCHEDULED dialogue can be changed"
            ),
        ));
    }
    let starts = command.starts_at.unwrap_or(current.starts_at);
    let ends = command.ends_at.unwrap_or(current.ends_at);
    if command.starts_at.is_some() || command.ends_at.is_some() {
        check_times(app, starts, ends)?;
    }
    let venue_key = command
        .venue
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
    for (column, text) in [
        (dialogue::Column::Title, &command.title),
        (dialogue::Column::Venue, &command.venue),
        (dialogue::Column::Chair, &command.chair),
    ] {
        if let Some(text) = text {
            changes = changes.col_expr(column, Expr::value(text.as_str()));
        }
    }
    match command.capacity {
        Patch::Keep => {}
        Patch::Clear => {
            changes = changes.col_expr(dialogue::Column::Capacity, Expr::value(Option::<i32>::None))
        }
        Patch::Set(capacity) => {
            let capacity = capacity.get();
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
            crate::msg!(
                "đã có {} doanh nghiệp đăng ký",
                "{} enterprises are registered already",
                current.registered_count
            ),
        )
        .into());
    }
    let updated = find(&*tx, key).await?;
    notifications::rules::dialogue_changed(
        &mut tx,
        app,
        NotificationKind::DialogueChanged,
        &updated,
    )
    .await?;
    finish(tx, key).await?;
    Ok(updated)
}

/// SCHEDULED → CANCELLED, with a reason.
#[tracing::instrument(skip_all, fields(dialogue = command.dialogue_id.get()))]
pub async fn cancel(
    app: &AppState,
    session: &Session,
    command: Cancel,
) -> Result<dialogue::Model, MutationError> {
    let key = command.dialogue_id.get();
    let mut tx = MutationTx::begin(app, session, &command).await?;
    let cancelled = leave_scheduled(
        &tx,
        key,
        DialogueStatus::Cancelled,
        (
            dialogue::Column::CancellationReason,
            command.reason.as_str(),
        ),
        crate::msg!(
            "chỉ hội nghị đối thoại đã lên lịch (SCHEDULED) mới được hủy",
            "only a SCHEDULED dialogue can be cancelled"
        ),
    )
    .await?;
    notifications::rules::dialogue_changed(
        &mut tx,
        app,
        NotificationKind::DialogueCancelled,
        &cancelled,
    )
    .await?;
    finish(tx, key).await?;
    Ok(cancelled)
}

/// SCHEDULED → HELD once it has started, with its minutes.
#[tracing::instrument(skip_all, fields(dialogue = command.dialogue_id.get()))]
pub async fn close(
    app: &AppState,
    session: &Session,
    command: Close,
) -> Result<dialogue::Model, MutationError> {
    let key = command.dialogue_id.get();
    let tx = MutationTx::begin(app, session, &command).await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled {
        return Err(not_scheduled(
            current.status,
            crate::msg!(
                "chỉ hội nghị đối thoại đã lên lịch (SCHEDULED) mới được kết thúc",
                "only a SCHEDULED dialogue can be closed"
            ),
        ));
    }
    if app.clock.now() < current.starts_at {
        return Err(UserError::at(
            "dialogueId",
            UserErrorCode::InvalidTransition,
            crate::msg!(
                "hội nghị đối thoại chưa bắt đầu",
                "the dialogue has not started yet"
            ),
        )
        .into());
    }
    let closed = leave_scheduled(
        &tx,
        key,
        DialogueStatus::Held,
        (dialogue::Column::Minutes, command.minutes.as_str()),
        crate::msg!(
            "chỉ hội nghị đối thoại đã lên lịch (SCHEDULED) mới được kết thúc",
            "only a SCHEDULED dialogue can be closed"
        ),
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
    (column, text): (dialogue::Column, &str),
    refusal: Message,
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
    tx.commit(DialogueKey::new(key)).await
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
/// has not started, within its capacity. A second registration of the enterprise
/// is refused by the database's unique key, before any place is taken.
#[tracing::instrument(skip_all, fields(dialogue = command.dialogue_id.get()))]
pub async fn register(
    app: &AppState,
    session: &Session,
    command: Register,
) -> Result<(registration::Model, dialogue::Model), MutationError> {
    let principal = session.viewer.require_role(&[Role::Firm])?.clone();
    let key = command.dialogue_id.get();
    let tx = MutationTx::begin(app, session, &command).await?;
    let firm = firm_enterprise(session, &*tx).await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled {
        return Err(not_scheduled(
            current.status,
            crate::msg!(
                "chỉ đăng ký được khi hội nghị đối thoại đang ở trạng thái đã lên lịch (SCHEDULED)",
                "registration is open only while the dialogue is SCHEDULED"
            ),
        ));
    }
    let now = app.clock.now();
    if now >= current.starts_at {
        return Err(UserError::at(
            "dialogueId",
            UserErrorCode::InvalidTransition,
            crate::msg!(
                "hội nghị đối thoại đã bắt đầu; đã hết hạn đăng ký",
                "the dialogue has started; registration is closed"
            ),
        )
        .into());
    }
    let registered = registration::ActiveModel {
        dialogue_id: Set(key),
        enterprise_id: Set(firm.id),
        attendees: Set(command.attendees.0),
        registered_by: Set(principal.account_id),
        registered_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&*tx)
    .await
    .map_err(on_constraint(
        "registrations_dialogue_enterprise_key",
        UserError::at(
            "dialogueId",
            UserErrorCode::Taken,
            crate::msg!(
                "doanh nghiệp của bạn đã đăng ký hội nghị đối thoại này",
                "your enterprise is registered for this dialogue already"
            ),
        ),
    ))?;
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
            crate::msg!("hội nghị đối thoại đã đủ chỗ", "the dialogue is full"),
        )
        .into());
    }
    let updated = find(&*tx, key).await?;
    finish(tx, key).await?;
    Ok((registered, updated))
}

/// The firm withdraws its enterprise's registration before the dialogue starts.
#[tracing::instrument(skip_all, fields(dialogue = command.dialogue_id.get()))]
pub async fn withdraw(
    app: &AppState,
    session: &Session,
    command: Withdraw,
) -> Result<dialogue::Model, MutationError> {
    let key = command.dialogue_id.get();
    let tx = MutationTx::begin(app, session, &command).await?;
    let firm = firm_enterprise(session, &*tx).await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled || app.clock.now() >= current.starts_at {
        return Err(UserError::at(
            "dialogueId",
            UserErrorCode::InvalidTransition,
            crate::msg!(
                "chỉ được thay đổi đăng ký trước khi hội nghị đối thoại đã lên lịch bắt đầu",
                "registration can change only before a scheduled dialogue starts"
            ),
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
            crate::msg!(
                "doanh nghiệp của bạn chưa đăng ký hội nghị đối thoại này",
                "your enterprise is not registered for this dialogue"
            ),
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
#[tracing::instrument(skip_all, fields(dialogue = command.dialogue_id.get()))]
pub async fn reorder(
    app: &AppState,
    session: &Session,
    command: Reorder,
) -> Result<dialogue::Model, MutationError> {
    let key = command.dialogue_id.get();
    let keys: Vec<i64> = command
        .agenda_item_ids
        .iter()
        .map(|item| item.get())
        .collect();
    let mut tx = MutationTx::begin(app, session, &command).await?;
    let current = find(&*tx, key).await?;
    if current.status != DialogueStatus::Scheduled {
        return Err(not_scheduled(
            current.status,
            crate::msg!(
                "chỉ sắp xếp lại được chương trình của hội nghị đối thoại đã lên lịch (SCHEDULED)",
                "only a SCHEDULED dialogue's agenda can be reordered"
            ),
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
            crate::msg!(
                "hãy liệt kê mỗi kiến nghị của hội nghị đối thoại đúng một lần ({} kiến nghị)",
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
