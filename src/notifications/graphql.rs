//! `Notification`, the viewer's notifications and preferences, marking read,
//! failed deliveries for admins and retrying them, and `notificationReceived`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use sea_orm::{EntityTrait, QueryFilter};

use super::{
    entity::{self as notification, Category, DeliveryStatus, NotificationKind},
    rules::{self, MarkRead, Retry, SetPreference},
};
use crate::{
    connection,
    error::{ApiError, UserError, UserErrorCode},
    graphql::{
        app,
        errors::respond,
        ids::{self, input_key},
        mutate,
        pagination::{KeyOf, PageArgs, Sort, paginate},
        scalars::DateTime,
        session,
    },
    keys::{Key, NotificationKey, Reference},
};

/// What a notification tells.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "NotificationKind")]
pub enum NotificationKindValue {
    /// An agenda item (kiến nghị) was accepted onto a dialogue's agenda.
    ItemAccepted,
    /// An agenda item was rejected, with a reason.
    ItemRejected,
    /// An agenda item was assigned to the recipient's agency.
    ItemAssigned,
    /// The agency answered an agenda item.
    ItemAnswered,
    /// The submitting enterprise said whether the answer solved its problem.
    FeedbackGiven,
    /// An agenda item was resolved.
    ItemResolved,
    /// A dialogue (đối thoại) was scheduled.
    DialogueScheduled,
    /// A dialogue the enterprise registered for changed.
    DialogueChanged,
    /// A dialogue the enterprise registered for was cancelled.
    DialogueCancelled,
    /// A dialogue the enterprise registered for starts within a day.
    DialogueReminder,
    /// The daily digest of the agency's overdue items and those due within 3 working days.
    DeadlineDigest,
}

/// What an account may turn e-mail off for.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "NotificationCategory", remote = "Category")]
pub enum CategoryValue {
    /// Agenda items through their lifecycle.
    Agenda,
    /// Dialogues scheduled, changed, cancelled, and their reminders.
    Dialogue,
    /// The daily deadline digest.
    Digest,
}

/// Where a notification's e-mail stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "DeliveryStatus")]
pub enum DeliveryStatusValue {
    /// Waiting for its first or next attempt.
    Queued,
    /// Being sent.
    Sending,
    /// Delivered to the mail server.
    Sent,
    /// Given up after the configured attempts; an admin may retry it.
    Failed,
}

/// A message to one account: in-app, and by e-mail when the account gets e-mail
/// for its category.
#[derive(Clone)]
pub struct Notification(pub notification::Model);

/// A message to one account (thông báo): in-app, and by e-mail when the account
/// gets e-mail for its category.
#[Object]
impl Notification {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(NotificationKey::KIND, self.0.id)
    }

    /// What it tells.
    async fn kind(&self) -> NotificationKindValue {
        self.0.kind.into()
    }

    /// The category its e-mail preference is kept by.
    async fn category(&self) -> CategoryValue {
        self.0.category.into()
    }

    /// The title (the e-mail's subject), in Vietnamese.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The message, plain text, in Vietnamese.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The ID of the object it is about (an agenda item, a dialogue); null for a digest.
    async fn subject_id(&self) -> Option<ID> {
        self.0
            .subject_id
            .as_deref()
            .and_then(Reference::parse)
            .map(ids::encode_reference)
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }

    /// Whether the recipient has marked it read.
    async fn read(&self) -> bool {
        self.0.read_at.is_some()
    }

    /// When it was marked read.
    async fn read_at(&self) -> Option<DateTime> {
        self.0.read_at.map(Into::into)
    }

    /// Its e-mail; null when it was in-app only.
    async fn delivery(&self) -> Option<NotificationDelivery> {
        let status = self.0.email_status?;
        Some(NotificationDelivery {
            status: status.into(),
            recipient: self.0.email_to.clone().unwrap_or_default(),
            attempts: self.0.attempts,
            last_error: self.0.last_error.clone(),
            next_attempt_at: (status == DeliveryStatus::Queued)
                .then_some(self.0.next_attempt_at)
                .flatten()
                .map(Into::into),
            sent_at: self.0.sent_at.map(Into::into),
        })
    }
}

/// The e-mail of a notification.
#[derive(SimpleObject)]
pub struct NotificationDelivery {
    /// Where it stands.
    pub status: DeliveryStatusValue,
    /// The address it goes to.
    pub recipient: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it will be tried next, while queued.
    pub next_attempt_at: Option<DateTime>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime>,
}

connection!(
    Notification,
    NotificationConnection,
    NotificationEdge,
    "notifications"
);

/// Narrows the viewer's notifications.
#[derive(InputObject, Default)]
pub struct NotificationFilter {
    /// Only read (true) or only unread (false) ones.
    pub read: Option<bool>,
}

/// Whether an account gets e-mail for a category.
#[derive(SimpleObject)]
pub struct NotificationPreference {
    /// The category.
    pub category: CategoryValue,
    /// Whether notifications of the category also go out by e-mail.
    pub email: bool,
}

fn preferences(list: Vec<(Category, bool)>) -> Vec<NotificationPreference> {
    list.into_iter()
        .map(|(category, email)| NotificationPreference {
            category: category.into(),
            email,
        })
        .collect()
}

/// Unread first, then newest first.
fn unread_first() -> Sort<notification::Entity> {
    Sort::by(
        sea_orm::sea_query::Expr::cust("CASE WHEN notifications.read_at IS NULL THEN 1 ELSE 0 END"),
        notification::Column::Id,
        false,
        KeyOf::Int(|m: &notification::Model| i64::from(m.read_at.is_none())),
        |m: &notification::Model| m.id,
    )
}

/// Newest first.
const NEWEST_FIRST: Sort<notification::Entity> = Sort {
    key: None,
    id: notification::Column::Id,
    ascending: false,
    key_of: KeyOf::None,
    id_of: |m| m.id,
};

/// The account's notifications, unread first, then newest first; for the account itself.
pub async fn own_notifications(
    ctx: &Context<'_>,
    account_id: i64,
    args: PageArgs,
    filter: Option<NotificationFilter>,
) -> async_graphql::Result<Option<NotificationConnection>> {
    if session(ctx)?.viewer.account_id() != Some(account_id) {
        return Ok(None);
    }
    let read = filter.unwrap_or_default().read;
    let select = notification::Entity::find().filter(rules::own_condition(account_id, read));
    let want_total = ctx.look_ahead().field("totalCount").exists();
    let page = paginate(
        &app(ctx)?.db.read,
        select,
        &unread_first(),
        args,
        want_total,
    )
    .await?;
    Ok(Some(page.map(Notification).into()))
}

/// The account's unread notifications; for the account itself.
pub async fn own_unread_count(
    ctx: &Context<'_>,
    account_id: i64,
) -> async_graphql::Result<Option<i32>> {
    if session(ctx)?.viewer.account_id() != Some(account_id) {
        return Ok(None);
    }
    let count = rules::unread_count(&app(ctx)?.db.read, account_id)
        .await
        .map_err(ApiError::from)?;
    Ok(Some(i32::try_from(count).unwrap_or(i32::MAX)))
}

/// The account's e-mail preferences; for the account itself.
pub async fn own_preferences(
    ctx: &Context<'_>,
    account_id: i64,
) -> async_graphql::Result<Option<Vec<NotificationPreference>>> {
    if session(ctx)?.viewer.account_id() != Some(account_id) {
        return Ok(None);
    }
    let list = rules::preferences(&app(ctx)?.db.read, account_id)
        .await
        .map_err(ApiError::from)?;
    Ok(Some(preferences(list)))
}

/// A notification for its recipient, or for admins.
pub async fn notification_node(
    ctx: &Context<'_>,
    key: i64,
) -> Result<Option<Notification>, ApiError> {
    let viewer = &session(ctx)?.viewer;
    if viewer.account_id().is_none() {
        return Ok(None);
    }
    let found = notification::Entity::find_by_id(key)
        .one(&app(ctx)?.db.read)
        .await?;
    Ok(found
        .filter(|n| viewer.is_admin() || viewer.account_id() == Some(n.account_id))
        .map(Notification))
}

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// E-mail deliveries that gave up after the configured attempts, newest first; admins only.
    async fn failed_notification_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
    ) -> async_graphql::Result<NotificationConnection> {
        session(ctx)?
            .viewer
            .require_role(&[crate::auth::Role::Admin])?;
        let select = notification::Entity::find().filter(rules::failed_condition());
        let want_total = ctx.look_ahead().field("totalCount").exists();
        let page = paginate(
            &app(ctx)?.db.read,
            select,
            &NEWEST_FIRST,
            PageArgs::new(first, after, last, before),
            want_total,
        )
        .await?;
        Ok(page.map(Notification).into())
    }
}

const MAX_IDS: usize = 100;

fn notification_keys(ids: &[ID]) -> Result<Vec<NotificationKey>, UserError> {
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(UserError::at(
            "ids",
            UserErrorCode::Invalid,
            crate::msg!("hãy cho từ 1 đến {MAX_IDS} ID", "give 1 to {MAX_IDS} IDs"),
        ));
    }
    let mut keys: Vec<NotificationKey> = Vec::with_capacity(ids.len());
    for id in ids {
        let key = input_key(id, "ids")?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
}

/// Notifications to mark read.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// The viewer's own notifications (1 to 100 IDs).
    pub ids: Vec<ID>,
}

impl TryFrom<MarkNotificationsReadInput> for MarkRead {
    type Error = UserError;

    fn try_from(input: MarkNotificationsReadInput) -> Result<Self, UserError> {
        Ok(MarkRead {
            ids: notification_keys(&input.ids)?,
        })
    }
}

/// The outcome of `markNotificationsRead`.
#[derive(SimpleObject, Default)]
pub struct MarkNotificationsReadPayload {
    /// The notifications, now read; null when the mutation failed.
    pub notifications: Option<Vec<Notification>>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(MarkNotificationsReadPayload {
    notifications: Vec<Notification>
});

/// Whether the viewer gets e-mail for a category.
#[derive(InputObject)]
pub struct SetNotificationPreferenceInput {
    /// The category.
    pub category: CategoryValue,
    /// Whether its notifications also go out by e-mail.
    pub email: bool,
}

impl TryFrom<SetNotificationPreferenceInput> for SetPreference {
    type Error = UserError;

    fn try_from(input: SetNotificationPreferenceInput) -> Result<Self, UserError> {
        Ok(SetPreference {
            category: input.category.into(),
            email: input.email,
        })
    }
}

/// The outcome of `setNotificationPreference`.
#[derive(SimpleObject, Default)]
pub struct SetNotificationPreferencePayload {
    /// The viewer's preferences for every category; null when the mutation failed.
    pub preferences: Option<Vec<NotificationPreference>>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(SetNotificationPreferencePayload {
    preferences: Vec<NotificationPreference>
});

/// Failed deliveries to try again.
#[derive(InputObject)]
pub struct RetryNotificationDeliveriesInput {
    /// Notifications whose e-mail FAILED (1 to 100 IDs).
    pub ids: Vec<ID>,
}

impl TryFrom<RetryNotificationDeliveriesInput> for Retry {
    type Error = UserError;

    fn try_from(input: RetryNotificationDeliveriesInput) -> Result<Self, UserError> {
        Ok(Retry {
            ids: notification_keys(&input.ids)?,
        })
    }
}

/// The outcome of `retryNotificationDeliveries`.
#[derive(SimpleObject, Default)]
pub struct RetryNotificationDeliveriesPayload {
    /// The notifications, queued again; null when the mutation failed.
    pub notifications: Option<Vec<Notification>>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(RetryNotificationDeliveriesPayload {
    notifications: Vec<Notification>
});

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks the viewer's notifications read.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: MarkNotificationsReadInput,
    ) -> async_graphql::Result<MarkNotificationsReadPayload> {
        respond(
            mutate(ctx, input, rules::mark_read)
                .await
                .map(|list| list.into_iter().map(Notification).collect()),
        )
    }

    /// Turns the viewer's e-mail for a category of notifications on or off (in-app ones always arrive).
    async fn set_notification_preference(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: SetNotificationPreferenceInput,
    ) -> async_graphql::Result<SetNotificationPreferencePayload> {
        respond(
            mutate(ctx, input, rules::set_preference)
                .await
                .map(preferences),
        )
    }

    /// Queues failed e-mail deliveries again, their attempts counted afresh; admins only.
    async fn retry_notification_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: RetryNotificationDeliveriesInput,
    ) -> async_graphql::Result<RetryNotificationDeliveriesPayload> {
        respond(
            mutate(ctx, input, rules::retry)
                .await
                .map(|list| list.into_iter().map(Notification).collect()),
        )
    }
}
