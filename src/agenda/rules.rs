//! Submitting agenda items and moving them through their lifecycle. Every move
//! checks the lifecycle table ([`lifecycle::next`]), the caller's `expectedVersion`,
//! and writes the new state with `WHERE version = <read version>`, so a concurrent
//! change makes the later one fail with CONFLICT and change nothing. Each move
//! appends one history event.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveEnum, ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;

use super::{
    answer,
    entity::{self as agenda_item, AgendaCategory, AgendaItemStatus, SubmissionChannel},
    event,
    lifecycle::{Move, next},
};
use crate::{
    agencies::entity as agency,
    app::AppState,
    audit::{Command, MutationTx},
    auth::{Principal, Role, Session, Viewer},
    calendar,
    dialogues::{entity::DialogueStatus, rules::find as find_dialogue},
    enterprises::entity as enterprise,
    error::{ApiError, MutationError, UserError, UserErrorCode},
    events::Change,
    keys::{AgencyKey, AgendaItemKey, DialogueKey, EnterpriseKey, Key},
    notifications::{self, entity::NotificationKind},
    text::{self, Body, Name, Note},
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Submit {
    pub title: Name,
    pub body: Body,
    pub category: AgendaCategory,
    pub dialogue_id: Option<DialogueKey>,
    pub confidential: Option<bool>,
    pub enterprise_id: Option<EnterpriseKey>,
    pub channel: Option<SubmissionChannel>,
}

crate::command!(Submit, "submitAgendaItem", SignedIn);

/// A lifecycle move of one item, with what the move carries.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step<A> {
    pub agenda_item_id: AgendaItemKey,
    pub expected_version: Option<i32>,
    #[serde(flatten)]
    pub action: A,
}

/// SUBMITTED → ACCEPTED onto a scheduled dialogue's agenda, at a position.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Accept {
    pub dialogue_id: DialogueKey,
    pub position: Option<i32>,
}

/// SUBMITTED or ACCEPTED → REJECTED, with a reason.
#[derive(Serialize, Clone)]
pub struct Reject {
    pub reason: Note,
}

/// → ASSIGNED to an agency, due on a day (default: working days from today).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Assign {
    pub agency_id: AgencyKey,
    pub response_due_on: Option<NaiveDate>,
}

/// ASSIGNED → ANSWERED by the assigned agency.
#[derive(Serialize, Clone)]
pub struct Answer {
    pub body: Body,
}

/// ANSWERED → RESOLVED when satisfied, back to ASSIGNED when not.
#[derive(Serialize, Clone)]
pub struct Feedback {
    pub satisfied: bool,
    pub comment: Option<Note>,
}

/// → RESOLVED by an official.
#[derive(Serialize, Clone)]
pub struct Resolve {
    pub note: Option<Note>,
}

crate::command!(Step<Accept>, "acceptAgendaItem", Officials);
crate::command!(Step<Reject>, "rejectAgendaItem", Officials);
crate::command!(Step<Assign>, "assignAgendaItem", Officials);
crate::command!(Step<Answer>, "answerAgendaItem", Officials);
crate::command!(Step<Feedback>, "giveFeedback", Firms);
crate::command!(Step<Resolve>, "resolveAgendaItem", Officials);

/// Any move, for the one rule that applies them.
#[derive(Clone)]
pub enum Action {
    Accept(Accept),
    Reject(Reject),
    Assign(Assign),
    Answer(Answer),
    Feedback(Feedback),
    Resolve(Resolve),
}

macro_rules! actions {
    ($($move:ident),*) => {$(
        impl From<$move> for Action {
            fn from(action: $move) -> Action {
                Action::$move(action)
            }
        }
    )*};
}
actions!(Accept, Reject, Assign, Answer, Feedback, Resolve);

impl Action {
    /// The lifecycle's name for the move.
    fn lifecycle_move(&self) -> Move {
        match self {
            Action::Accept(_) => Move::Accept,
            Action::Reject(_) => Move::Reject,
            Action::Assign(_) => Move::Assign,
            Action::Answer(_) => Move::Answer,
            Action::Feedback(Feedback {
                satisfied: true, ..
            }) => Move::Satisfied,
            Action::Feedback(_) => Move::Unsatisfied,
            Action::Resolve(_) => Move::Resolve,
        }
    }

    /// What the move tells its recipients.
    fn notification(&self) -> NotificationKind {
        match self {
            Action::Accept(_) => NotificationKind::ItemAccepted,
            Action::Reject(_) => NotificationKind::ItemRejected,
            Action::Assign(_) => NotificationKind::ItemAssigned,
            Action::Answer(_) => NotificationKind::ItemAnswered,
            Action::Feedback(_) => NotificationKind::FeedbackGiven,
            Action::Resolve(_) => NotificationKind::ItemResolved,
        }
    }

    /// The note the history keeps for the move.
    fn note(&self) -> Option<String> {
        let text = match self {
            Action::Reject(Reject { reason }) => Some(reason.as_str()),
            Action::Answer(Answer { body }) => Some(body.as_str()),
            Action::Feedback(Feedback { comment, .. }) => comment.as_deref(),
            Action::Resolve(Resolve { note }) => note.as_deref(),
            Action::Accept(_) | Action::Assign(_) => None,
        };
        text.map(str::to_owned)
    }
}

/// Items the viewer may see: officials see all; others see items past SUBMITTED
/// and not REJECTED, and their own enterprise's items in any state.
pub fn visible_condition(viewer: &Viewer) -> Condition {
    if viewer.is_official() {
        return Condition::all();
    }
    let public = agenda_item::Column::Status
        .is_not_in([AgendaItemStatus::Submitted, AgendaItemStatus::Rejected]);
    match viewer.principal.as_ref().and_then(|p| p.enterprise_id) {
        Some(own) => Condition::any()
            .add(public)
            .add(agenda_item::Column::EnterpriseId.eq(own)),
        None => Condition::all().add(public),
    }
}

pub fn can_see(viewer: &Viewer, item: &agenda_item::Model) -> bool {
    viewer.is_official()
        || !matches!(
            item.status,
            AgendaItemStatus::Submitted | AgendaItemStatus::Rejected
        )
        || is_submitter(viewer, item)
}

/// Whether the viewer may see who submitted the item: always, unless it is
/// confidential and the viewer is neither an official nor the submitting firm.
pub fn shows_submitter(viewer: &Viewer, item: &agenda_item::Model) -> bool {
    !item.confidential || viewer.is_official() || is_submitter(viewer, item)
}

/// Whether an item shows an answer: while it is ANSWERED or RESOLVED.
pub fn shows_answer(item: &agenda_item::Model) -> bool {
    matches!(
        item.status,
        AgendaItemStatus::Answered | AgendaItemStatus::Resolved
    )
}

/// The answer an item shows: the agency's latest, when it [`shows_answer`]
/// (`answers` oldest first).
pub fn current_answer<'a>(
    item: &agenda_item::Model,
    answers: &'a [answer::Model],
) -> Option<&'a answer::Model> {
    shows_answer(item).then(|| answers.last()).flatten()
}

pub fn is_submitter(viewer: &Viewer, item: &agenda_item::Model) -> bool {
    viewer
        .principal
        .as_ref()
        .is_some_and(|p| p.enterprise_id == Some(item.enterprise_id))
}

/// The default due date: the configured number of working days after today.
pub fn default_due_date(app: &AppState) -> NaiveDate {
    calendar::add_working_days(
        app.clock.today(),
        app.settings.response_working_days,
        &app.settings.holidays,
    )
}

async fn find(db: &impl ConnectionTrait, key: i64) -> Result<agenda_item::Model, MutationError> {
    agenda_item::Entity::find_by_id(key)
        .one(db)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "agendaItemId",
                UserErrorCode::NotFound,
                crate::msg!("không tìm thấy kiến nghị", "no such agenda item"),
            )
            .into()
        })
}

async fn record_event(
    db: &impl ConnectionTrait,
    item: i64,
    from: Option<AgendaItemStatus>,
    to: AgendaItemStatus,
    note: Option<String>,
    role: Role,
) -> Result<(), DbErr> {
    event::ActiveModel {
        agenda_item_id: Set(item),
        at: Set(Utc::now()),
        from_status: Set(from),
        to_status: Set(to),
        note: Set(note),
        actor_role: Set(role),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// A verified firm submits for its own enterprise (channel DIALOGUE unless given);
/// officials and admins record a concern on an enterprise's behalf with the
/// channel it came by.
#[tracing::instrument(skip_all, fields(enterprise = command.enterprise_id.map(Key::get)))]
pub async fn submit(
    app: &AppState,
    session: &Session,
    command: Submit,
) -> Result<agenda_item::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?.clone();
    let given_enterprise = command.enterprise_id.map(Key::get);
    let dialogue_key = command.dialogue_id.map(Key::get);
    let (enterprise_key, channel) = match principal.role {
        Role::Firm => {
            let own = principal.enterprise_id.ok_or(ApiError::Forbidden)?;
            if given_enterprise.is_some_and(|given| given != own) {
                return Err(ApiError::Forbidden.into());
            }
            (own, command.channel.unwrap_or(SubmissionChannel::Dialogue))
        }
        Role::Official | Role::Admin => {
            let enterprise = given_enterprise.ok_or_else(|| {
                UserError::at(
                    "enterpriseId",
                    UserErrorCode::Invalid,
                    crate::msg!(
                        "hãy cho biết doanh nghiệp nêu kiến nghị",
                        "give the enterprise that raised the concern"
                    ),
                )
            })?;
            let channel = command.channel.ok_or_else(|| {
                UserError::at(
                    "channel",
                    UserErrorCode::Invalid,
                    crate::msg!(
                        "hãy cho biết kênh tiếp nhận kiến nghị",
                        "give the channel the concern came by"
                    ),
                )
            })?;
            (enterprise, channel)
        }
    };
    let mut tx = MutationTx::begin(app, session, &command).await?;
    match enterprise::Entity::find_by_id(enterprise_key)
        .one(&*tx)
        .await?
    {
        Some(found) if found.verified || principal.role != Role::Firm => {}
        Some(_) => return Err(ApiError::Forbidden.into()),
        None => {
            return Err(UserError::at(
                "enterpriseId",
                UserErrorCode::NotFound,
                crate::msg!("không tìm thấy doanh nghiệp", "no such enterprise"),
            )
            .into());
        }
    }
    if let Some(key) = dialogue_key {
        let proposed = find_dialogue(&*tx, key).await?;
        if proposed.status != DialogueStatus::Scheduled {
            return Err(UserError::at(
                "dialogueId",
                UserErrorCode::Invalid,
                crate::msg!(
                    "hội nghị đối thoại này không nhận thêm kiến nghị",
                    "that dialogue takes no more agenda items"
                ),
            )
            .into());
        }
    }
    let now = Utc::now();
    let created = agenda_item::ActiveModel {
        search_text: Set(format!(
            "{} {}",
            text::fold(&command.title),
            text::fold(&command.body)
        )),
        title: Set(command.title.as_str().to_owned()),
        body: Set(command.body.as_str().to_owned()),
        category: Set(command.category),
        channel: Set(channel),
        status: Set(AgendaItemStatus::Submitted),
        enterprise_id: Set(enterprise_key),
        confidential: Set(command.confidential.unwrap_or(false)),
        submitted_by: Set(principal.account_id),
        submitted_at: Set(app.clock.now()),
        dialogue_id: Set(dialogue_key),
        position: Set(None),
        assigned_agency_id: Set(None),
        assigned_at: Set(None),
        response_due_on: Set(None),
        rejection_reason: Set(None),
        feedback_satisfied: Set(None),
        feedback_comment: Set(None),
        feedback_at: Set(None),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await?;
    record_event(
        &*tx,
        created.id,
        None,
        AgendaItemStatus::Submitted,
        None,
        principal.role,
    )
    .await?;
    tx.notify(Change::AgendaItem(created.id));
    tx.commit(AgendaItemKey::new(created.id)).await?;
    Ok(created)
}

/// Who may make a move, on this item.
fn authorise(
    principal: &Principal,
    action: &Action,
    item: &agenda_item::Model,
) -> Result<(), ApiError> {
    let official = matches!(principal.role, Role::Official | Role::Admin);
    match action {
        Action::Feedback(_) => {
            if principal.role == Role::Firm && principal.enterprise_id == Some(item.enterprise_id) {
                Ok(())
            } else {
                Err(ApiError::Forbidden)
            }
        }
        // Only an official of the assigned agency, or an admin.
        Action::Answer(_) => match principal.role {
            Role::Admin => Ok(()),
            Role::Official
                if item.assigned_agency_id.is_none()
                    || item.assigned_agency_id == principal.agency_id =>
            {
                Ok(())
            }
            _ => Err(ApiError::Forbidden),
        },
        _ if official => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

/// Applies one lifecycle move.
#[tracing::instrument(skip_all, fields(agenda_item = command.agenda_item_id.get(), action = <Step<A> as Command>::ACTION))]
pub async fn step<A>(
    app: &AppState,
    session: &Session,
    command: Step<A>,
) -> Result<agenda_item::Model, MutationError>
where
    Step<A>: Command,
    A: Clone + Into<Action>,
{
    let principal = session.viewer.require_signed_in()?.clone();
    let key = command.agenda_item_id.get();
    let action: Action = command.action.clone().into();
    let today = app.clock.today();
    if let Action::Assign(Assign {
        response_due_on: Some(due),
        ..
    }) = &action
        && *due < today
    {
        return Err(UserError::at(
            "responseDueOn",
            UserErrorCode::Invalid,
            crate::msg!("không được trước ngày hôm nay", "cannot be before today"),
        )
        .into());
    }
    let mut tx = MutationTx::begin(app, session, &command).await?;
    let item = find(&*tx, key).await?;
    if !can_see(&session.viewer, &item) {
        // Indistinguishable from an item that does not exist.
        return Err(UserError::at(
            "agendaItemId",
            UserErrorCode::NotFound,
            crate::msg!("không tìm thấy kiến nghị", "no such agenda item"),
        )
        .into());
    }
    authorise(&principal, &action, &item)?;
    if let Some(expected) = command.expected_version
        && expected != item.version
    {
        return Err(UserError::at(
            "expectedVersion",
            UserErrorCode::Conflict,
            crate::msg!(
                "kiến nghị đã thay đổi: phiên bản hiện là {}, không phải {expected}",
                "the item changed: it is at version {}, not {expected}",
                item.version
            ),
        )
        .into());
    }
    let Some(to) = next(item.status, action.lifecycle_move()) else {
        return Err(UserError::at(
            "agendaItemId",
            UserErrorCode::InvalidTransition,
            crate::msg!(
                "không thể {} khi kiến nghị đang ở trạng thái {}",
                "{} is not allowed from {}",
                <Step<A> as Command>::ACTION,
                item.status.to_value()
            ),
        )
        .into());
    };

    let now = Utc::now();
    let mut update = agenda_item::Entity::update_many()
        .col_expr(agenda_item::Column::Status, Expr::value(to.to_value()))
        .col_expr(agenda_item::Column::Version, Expr::value(item.version + 1))
        .col_expr(agenda_item::Column::UpdatedAt, Expr::value(now))
        .filter(agenda_item::Column::Id.eq(key))
        .filter(agenda_item::Column::Version.eq(item.version));
    match &action {
        Action::Accept(Accept {
            dialogue_id,
            position,
        }) => {
            let dialogue_key = dialogue_id.get();
            let target = find_dialogue(&*tx, dialogue_key).await?;
            if target.status != DialogueStatus::Scheduled {
                return Err(UserError::at(
                    "dialogueId",
                    UserErrorCode::Invalid,
                    crate::msg!(
                        "chỉ hội nghị đối thoại đã lên lịch (SCHEDULED) mới nhận kiến nghị",
                        "only a SCHEDULED dialogue takes agenda items"
                    ),
                )
                .into());
            }
            let on_agenda = agenda_count(&*tx, dialogue_key).await?;
            let position = match position {
                None => on_agenda + 1,
                Some(p) if (1..=on_agenda + 1).contains(p) => *p,
                Some(_) => {
                    return Err(UserError::at(
                        "position",
                        UserErrorCode::Invalid,
                        crate::msg!(
                            "phải từ 1 đến {}",
                            "must be between 1 and {}",
                            on_agenda + 1
                        ),
                    )
                    .into());
                }
            };
            // Make room: everything at or after the position moves down one.
            agenda_item::Entity::update_many()
                .col_expr(
                    agenda_item::Column::Position,
                    Expr::col(agenda_item::Column::Position).add(1),
                )
                .filter(agenda_item::Column::DialogueId.eq(dialogue_key))
                .filter(agenda_item::Column::Position.gte(position))
                .exec(&*tx)
                .await?;
            update = update
                .col_expr(agenda_item::Column::DialogueId, Expr::value(dialogue_key))
                .col_expr(agenda_item::Column::Position, Expr::value(position));
            tx.notify(Change::Dialogue(dialogue_key));
        }
        Action::Reject(Reject { reason }) => {
            update = update.col_expr(
                agenda_item::Column::RejectionReason,
                Expr::value(reason.as_str()),
            );
        }
        Action::Assign(Assign {
            agency_id,
            response_due_on,
        }) => {
            let agency_key = agency_id.get();
            if agency::Entity::find_by_id(agency_key)
                .one(&*tx)
                .await?
                .is_none()
            {
                return Err(UserError::at(
                    "agencyId",
                    UserErrorCode::NotFound,
                    crate::msg!("không tìm thấy cơ quan", "no such agency"),
                )
                .into());
            }
            let due = response_due_on.unwrap_or_else(|| default_due_date(app));
            update = update
                .col_expr(
                    agenda_item::Column::AssignedAgencyId,
                    Expr::value(agency_key),
                )
                .col_expr(
                    agenda_item::Column::AssignedAt,
                    Expr::value(app.clock.now()),
                )
                .col_expr(agenda_item::Column::ResponseDueOn, Expr::value(due));
        }
        Action::Answer(Answer { body }) => {
            let agency_key = item.assigned_agency_id.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("bug: an ASSIGNED item without an agency"))
            })?;
            answer::ActiveModel {
                agenda_item_id: Set(key),
                agency_id: Set(agency_key),
                body: Set(body.as_str().to_owned()),
                answered_by: Set(principal.account_id),
                answered_at: Set(app.clock.now()),
                on_time: Set(item.response_due_on.is_none_or(|due| today <= due)),
                ..Default::default()
            }
            .insert(&*tx)
            .await?;
        }
        Action::Feedback(Feedback { satisfied, comment }) => {
            update = update
                .col_expr(
                    agenda_item::Column::FeedbackSatisfied,
                    Expr::value(*satisfied),
                )
                .col_expr(
                    agenda_item::Column::FeedbackComment,
                    Expr::value(comment.as_deref().map(str::to_owned)),
                )
                .col_expr(
                    agenda_item::Column::FeedbackAt,
                    Expr::value(app.clock.now()),
                );
            if !satisfied {
                update = update.col_expr(
                    agenda_item::Column::ResponseDueOn,
                    Expr::value(default_due_date(app)),
                );
            }
        }
        Action::Resolve(_) => {}
    }
    if update.exec(&*tx).await?.rows_affected == 0 {
        return Err(UserError::at(
            "expectedVersion",
            UserErrorCode::Conflict,
            crate::msg!(
                "kiến nghị vừa được thay đổi; hãy tải lại",
                "the item changed meanwhile; read it again"
            ),
        )
        .into());
    }
    record_event(
        &*tx,
        key,
        Some(item.status),
        to,
        action.note(),
        principal.role,
    )
    .await?;
    let changed = find(&*tx, key).await?;
    let note = action.note();
    notifications::rules::item_changed(
        &mut tx,
        app,
        action.notification(),
        &changed,
        note.as_deref(),
    )
    .await?;
    tx.notify(Change::AgendaItem(key));
    tx.commit(command.agenda_item_id).await?;
    Ok(changed)
}

async fn agenda_count(db: &impl ConnectionTrait, dialogue_key: i64) -> Result<i32, DbErr> {
    let count: Option<i64> = agenda_item::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .filter(agenda_item::Column::DialogueId.eq(dialogue_key))
        .filter(agenda_item::Column::Position.is_not_null())
        .into_tuple()
        .one(db)
        .await?;
    Ok(count.unwrap_or(0) as i32)
}
