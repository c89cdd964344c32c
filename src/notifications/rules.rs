//! Who is told what, recorded in the transaction of the change that causes it; an
//! account's own notifications read and marked read; e-mail preferences and
//! unsubscribing; retrying failed deliveries.
//!
//! A notification is one row per recipient: the in-app notification and, when the
//! account gets e-mail for its category and e-mail is configured, the delivery job
//! that [`super::delivery`] works through. Recording it inside the [`MutationTx`]
//! means a change and its notifications commit together or not at all.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, OnConflict, Query},
};
use serde::Serialize;

use super::{
    entity::{self as notification, Category, DeliveryStatus, NotificationKind, preference},
    message::{self, ItemNotice, Message, Reader},
    token::Unsubscribe,
};
use crate::{
    agencies::entity as agency,
    agenda::entity as agenda_item,
    app::AppState,
    audit::{Actor, MutationTx},
    auth::{Role, Session, entity as account},
    dialogues::{commune_link, entity as dialogue, registration},
    enterprises::entity as enterprise,
    error::{ApiError, MutationError, UserError, UserErrorCode},
    events::Change,
    keys::{AccountKey, Key, NotificationKey},
    twinnings::entity as twinning,
};

/// Where e-mail links back to.
pub(super) fn link(app: &AppState) -> String {
    format!(
        "{}/dashboard",
        app.settings.public_url.trim_end_matches('/')
    )
}

/// Records `message_for(account)` for each recipient, in the mutation's
/// transaction, and tells the recipients' subscriptions once it commits.
pub async fn record(
    tx: &mut MutationTx,
    app: &AppState,
    recipients: &[account::Model],
    message_for: impl Fn(&account::Model) -> Message,
) -> Result<(), DbErr> {
    if recipients.is_empty() {
        return Ok(());
    }
    let email_off: Vec<(i64, Category)> = if app.notifier.sends_email() {
        preference::Entity::find()
            .filter(
                preference::Column::AccountId.is_in(recipients.iter().map(|account| account.id)),
            )
            .filter(preference::Column::Email.eq(false))
            .all(&**tx)
            .await?
            .into_iter()
            .map(|p| (p.account_id, p.category))
            .collect()
    } else {
        Vec::new()
    };
    let now = Utc::now();
    for account in recipients {
        let message = message_for(account);
        let category = message.kind.category();
        let email = app.notifier.sends_email() && !email_off.contains(&(account.id, category));
        let created = notification::ActiveModel {
            account_id: Set(account.id),
            kind: Set(message.kind),
            category: Set(category),
            subject_id: Set(message.subject_id.map(|reference| reference.to_string())),
            title: Set(message.title),
            body: Set(message.body),
            html: Set(message.html),
            created_at: Set(now),
            read_at: Set(None),
            email_to: Set(email.then(|| account.email.clone())),
            email_status: Set(email.then_some(DeliveryStatus::Queued)),
            attempts: Set(0),
            next_attempt_at: Set(email.then_some(now)),
            claimed_until: Set(None),
            claim: Set(None),
            last_error: Set(None),
            sent_at: Set(None),
            ..Default::default()
        }
        .insert(&**tx)
        .await?;
        tx.notify(Change::Notification(created.id));
    }
    Ok(())
}

fn active() -> Condition {
    Condition::all().add(account::Column::Disabled.eq(false))
}

/// The accounts of an enterprise.
pub async fn enterprise_accounts(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
) -> Result<Vec<account::Model>, DbErr> {
    account::Entity::find()
        .filter(active())
        .filter(account::Column::EnterpriseId.eq(enterprise_id))
        .all(db)
        .await
}

/// The officials (and admins) attached to an agency.
pub async fn agency_officials(
    db: &impl ConnectionTrait,
    agency_id: i64,
) -> Result<Vec<account::Model>, DbErr> {
    account::Entity::find()
        .filter(active())
        .filter(account::Column::AgencyId.eq(agency_id))
        .filter(account::Column::Role.is_in([Role::Official, Role::Admin]))
        .all(db)
        .await
}

/// The accounts of the enterprises registered for a dialogue.
pub async fn registered_accounts(
    db: &impl ConnectionTrait,
    dialogue_id: i64,
) -> Result<Vec<account::Model>, DbErr> {
    let registered = Query::select()
        .column(registration::Column::EnterpriseId)
        .from(registration::Entity)
        .and_where(registration::Column::DialogueId.eq(dialogue_id))
        .to_owned();
    account::Entity::find()
        .filter(active())
        .filter(account::Column::EnterpriseId.in_subquery(registered))
        .all(db)
        .await
}

/// The accounts of the verified enterprises twinned (kết nghĩa, a twinning not
/// ended) with one of the dialogue's communes: those a new dialogue concerns, who
/// may register for it. A dialogue that names no commune invites nobody by name.
pub async fn twinned_accounts(
    db: &impl ConnectionTrait,
    dialogue_id: i64,
) -> Result<Vec<account::Model>, DbErr> {
    let communes = Query::select()
        .column(commune_link::Column::CommuneId)
        .from(commune_link::Entity)
        .and_where(commune_link::Column::DialogueId.eq(dialogue_id))
        .to_owned();
    let twinned = Query::select()
        .column(twinning::Column::EnterpriseId)
        .from(twinning::Entity)
        .and_where(twinning::Column::EnterpriseId.is_not_null())
        .and_where(twinning::Column::EndedOn.is_null())
        .and_where(twinning::Column::CommuneId.in_subquery(communes))
        .to_owned();
    let verified = Query::select()
        .column(enterprise::Column::Id)
        .from(enterprise::Entity)
        .and_where(enterprise::Column::Verified.eq(true))
        .and_where(enterprise::Column::Id.in_subquery(twinned))
        .to_owned();
    account::Entity::find()
        .filter(active())
        .filter(account::Column::EnterpriseId.in_subquery(verified))
        .all(db)
        .await
}

/// An agenda item moved: tells the submitting enterprise (accepted, rejected,
/// answered, resolved) or the assigned agency (assigned, feedback given).
pub async fn item_changed(
    tx: &mut MutationTx,
    app: &AppState,
    kind: NotificationKind,
    item: &agenda_item::Model,
    note: Option<&str>,
) -> Result<(), DbErr> {
    let (recipients, reader) = match kind {
        NotificationKind::ItemAssigned | NotificationKind::FeedbackGiven => {
            let Some(agency) = item.assigned_agency_id else {
                return Ok(());
            };
            (agency_officials(&**tx, agency).await?, Reader::Other)
        }
        _ => (
            enterprise_accounts(&**tx, item.enterprise_id).await?,
            Reader::Submitter,
        ),
    };
    if recipients.is_empty() {
        return Ok(());
    }
    let enterprise = enterprise::Entity::find_by_id(item.enterprise_id)
        .one(&**tx)
        .await?
        .map(|found| found.name)
        .unwrap_or_default();
    let agency = match item.assigned_agency_id {
        Some(id) => agency::Entity::find_by_id(id)
            .one(&**tx)
            .await?
            .map(|found| found.name),
        None => None,
    };
    let notice = ItemNotice {
        kind,
        item,
        enterprise: &enterprise,
        agency: agency.as_deref(),
        note,
    };
    let link = link(app);
    let rendered = message::item(&notice, reader, &link);
    record(tx, app, &recipients, |_| rendered.clone()).await
}

/// A dialogue was scheduled (the enterprises twinned with its communes), changed or
/// cancelled (the enterprises registered for it).
pub async fn dialogue_changed(
    tx: &mut MutationTx,
    app: &AppState,
    kind: NotificationKind,
    dialogue: &dialogue::Model,
) -> Result<(), DbErr> {
    let recipients = match kind {
        NotificationKind::DialogueScheduled => twinned_accounts(&**tx, dialogue.id).await?,
        _ => registered_accounts(&**tx, dialogue.id).await?,
    };
    let rendered = message::dialogue(kind, dialogue, app.clock.zone(), &link(app));
    record(tx, app, &recipients, |_| rendered.clone()).await
}

/// The viewer's notifications, optionally only read or unread ones.
pub fn own_condition(account_id: i64, read: Option<bool>) -> Condition {
    let mut condition = Condition::all().add(notification::Column::AccountId.eq(account_id));
    match read {
        Some(true) => condition = condition.add(notification::Column::ReadAt.is_not_null()),
        Some(false) => condition = condition.add(notification::Column::ReadAt.is_null()),
        None => {}
    }
    condition
}

pub async fn unread_count(db: &impl ConnectionTrait, account_id: i64) -> Result<i64, DbErr> {
    let count: Option<i64> = notification::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .filter(own_condition(account_id, Some(false)))
        .into_tuple()
        .one(db)
        .await?;
    Ok(count.unwrap_or(0))
}

/// Marks the viewer's own notifications read.
#[derive(Serialize)]
pub struct MarkRead {
    pub ids: Vec<NotificationKey>,
}

crate::command!(MarkRead, "markNotificationsRead", SignedIn);

/// Marks notifications read (those already read keep their time); an id that is
/// not one of the viewer's own is NOT_FOUND and nothing changes.
pub async fn mark_read(
    app: &AppState,
    session: &Session,
    command: MarkRead,
) -> Result<Vec<notification::Model>, MutationError> {
    let me = session.viewer.require_signed_in()?.account_id;
    let ids: Vec<i64> = command.ids.iter().map(|key| key.get()).collect();
    let tx = MutationTx::begin(app, session, &command).await?;
    let own = notification::Entity::find()
        .filter(notification::Column::Id.is_in(ids.clone()))
        .filter(notification::Column::AccountId.eq(me))
        .all(&*tx)
        .await?;
    if ids
        .iter()
        .any(|id| !own.iter().any(|found| found.id == *id))
    {
        return Err(UserError::at(
            "ids",
            UserErrorCode::NotFound,
            crate::msg!("không tìm thấy thông báo", "no such notification"),
        )
        .into());
    }
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::Id.is_in(ids.clone()))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&*tx)
        .await?;
    let marked = notification::Entity::find()
        .filter(notification::Column::Id.is_in(ids.clone()))
        .all(&*tx)
        .await?;
    tx.commit(AccountKey::new(me)).await?;
    Ok(in_order(marked, &ids))
}

fn in_order(models: Vec<notification::Model>, ids: &[i64]) -> Vec<notification::Model> {
    let mut by_id: HashMap<i64, notification::Model> =
        models.into_iter().map(|m| (m.id, m)).collect();
    let mut ordered = Vec::new();
    for id in ids {
        if let Some(model) = by_id.remove(id) {
            ordered.push(model);
        }
    }
    ordered
}

/// The viewer's e-mail preference for a category.
#[derive(Serialize)]
pub struct SetPreference {
    pub category: Category,
    pub email: bool,
}

crate::command!(SetPreference, "setNotificationPreference", SignedIn);

async fn upsert_preference(
    db: &impl ConnectionTrait,
    account_id: i64,
    category: Category,
    email: bool,
) -> Result<(), DbErr> {
    preference::Entity::insert(preference::ActiveModel {
        account_id: Set(account_id),
        category: Set(category),
        email: Set(email),
    })
    .on_conflict(
        OnConflict::columns([preference::Column::AccountId, preference::Column::Category])
            .update_column(preference::Column::Email)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

pub async fn set_preference(
    app: &AppState,
    session: &Session,
    command: SetPreference,
) -> Result<Vec<(Category, bool)>, MutationError> {
    let me = session.viewer.require_signed_in()?.account_id;
    let tx = MutationTx::begin(app, session, &command).await?;
    upsert_preference(&*tx, me, command.category, command.email).await?;
    let preferences = preferences(&*tx, me).await?;
    tx.commit(AccountKey::new(me)).await?;
    Ok(preferences)
}

/// Whether the account gets e-mail, for every category.
pub async fn preferences(
    db: &impl ConnectionTrait,
    account_id: i64,
) -> Result<Vec<(Category, bool)>, DbErr> {
    let kept = preference::Entity::find()
        .filter(preference::Column::AccountId.eq(account_id))
        .all(db)
        .await?;
    Ok(Category::ALL
        .into_iter()
        .map(|category| {
            let email = kept
                .iter()
                .find(|p| p.category == category)
                .is_none_or(|p| p.email);
            (category, email)
        })
        .collect())
}

/// Turns e-mail off for the account and category a signed unsubscribe token
/// names; no sign-in. `None` when the token is not ours or its account is gone.
pub async fn unsubscribe(app: &AppState, token: &str) -> Result<Option<Unsubscribe>, ApiError> {
    let Some(unsubscribe) = app.notifier.signer.verify(token) else {
        return Ok(None);
    };
    let Some(account) = account::Entity::find_by_id(unsubscribe.account_id)
        .one(&app.db.read)
        .await?
    else {
        return Ok(None);
    };
    #[derive(Serialize)]
    struct Input {
        category: Category,
    }
    let tx = MutationTx::open(
        &app.db,
        "unsubscribe",
        Some(Actor {
            account_id: account.id,
            role: account.role,
        }),
        None,
        &Input {
            category: unsubscribe.category,
        },
    )
    .await?;
    upsert_preference(&*tx, account.id, unsubscribe.category, false).await?;
    tx.commit(AccountKey::new(account.id)).await?;
    Ok(Some(unsubscribe))
}

/// Puts failed deliveries back in the queue, with their attempts counted afresh.
#[derive(Serialize)]
pub struct Retry {
    pub ids: Vec<NotificationKey>,
}

crate::command!(Retry, "retryNotificationDeliveries", Admins);

pub async fn retry(
    app: &AppState,
    session: &Session,
    command: Retry,
) -> Result<Vec<notification::Model>, MutationError> {
    let ids: Vec<i64> = command.ids.iter().map(|key| key.get()).collect();
    let tx = MutationTx::begin(app, session, &command).await?;
    let now = Utc::now();
    let retried = notification::Entity::update_many()
        .col_expr(
            notification::Column::EmailStatus,
            Expr::value(DeliveryStatus::Queued),
        )
        .col_expr(notification::Column::Attempts, Expr::value(0))
        .col_expr(notification::Column::NextAttemptAt, Expr::value(now))
        .filter(notification::Column::Id.is_in(ids.clone()))
        .filter(notification::Column::EmailStatus.eq(DeliveryStatus::Failed))
        .exec(&*tx)
        .await?;
    if retried.rows_affected != ids.len() as u64 {
        return Err(UserError::at(
            "ids",
            UserErrorCode::Invalid,
            crate::msg!(
                "chỉ gửi lại được thư đã gửi không thành công",
                "only failed deliveries can be retried"
            ),
        )
        .into());
    }
    let models = notification::Entity::find()
        .filter(notification::Column::Id.is_in(ids.clone()))
        .all(&*tx)
        .await?;
    tx.commit_without_subject().await?;
    app.notifier.wake();
    Ok(in_order(models, &ids))
}

/// Failed deliveries, for admins.
pub fn failed_condition() -> Condition {
    Condition::all().add(notification::Column::EmailStatus.eq(DeliveryStatus::Failed))
}

/// How many e-mails are in each delivery state.
pub async fn delivery_counts(
    db: &impl ConnectionTrait,
) -> Result<Vec<(DeliveryStatus, i64)>, DbErr> {
    notification::Entity::find()
        .select_only()
        .column(notification::Column::EmailStatus)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .filter(notification::Column::EmailStatus.is_not_null())
        .group_by(notification::Column::EmailStatus)
        .into_tuple()
        .all(db)
        .await
}
