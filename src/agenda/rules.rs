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
    Statement,
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
    audit::MutationTx,
    auth::{Principal, Role, Session, Viewer, rules::session_actor},
    calendar,
    dialogues::{entity::DialogueStatus, rules::find as find_dialogue},
    enterprises::entity as enterprise,
    events::Change,
    graphql::{
        errors::{ApiError, MutationError, UserError, UserErrorCode},
        ids::{self, NodeKind},
    },
    text::{self, TextKind},
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Submit {
    pub title: String,
    pub body: String,
    pub category: AgendaCategory,
    pub dialogue_id: Option<String>,
    pub confidential: Option<bool>,
    pub enterprise_id: Option<String>,
    pub channel: Option<SubmissionChannel>,
}

/// A lifecycle move with what it carries.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub agenda_item_id: String,
    pub expected_version: Option<i32>,
    #[serde(flatten)]
    pub action: Action,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase", untagged)]
pub enum Action {
    Accept {
        dialogue_id: String,
        position: Option<i32>,
    },
    Reject {
        reason: String,
    },
    Assign {
        agency_id: String,
        response_due_on: Option<NaiveDate>,
    },
    Answer {
        body: String,
    },
    Feedback {
        satisfied: bool,
        comment: Option<String>,
    },
    Resolve {
        note: Option<String>,
    },
}

impl Action {
    fn mutation(&self) -> &'static str {
        match self {
            Action::Accept { .. } => "acceptAgendaItem",
            Action::Reject { .. } => "rejectAgendaItem",
            Action::Assign { .. } => "assignAgendaItem",
            Action::Answer { .. } => "answerAgendaItem",
            Action::Feedback { .. } => "giveFeedback",
            Action::Resolve { .. } => "resolveAgendaItem",
        }
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

fn item_key(id: &str) -> Result<i64, UserError> {
    ids::key_for_input(&id.to_owned().into(), NodeKind::AgendaItem, "agendaItemId")
}

async fn find(db: &impl ConnectionTrait, key: i64) -> Result<agenda_item::Model, MutationError> {
    agenda_item::Entity::find_by_id(key)
        .one(db)
        .await?
        .ok_or_else(|| {
            UserError::at(
                "agendaItemId",
                UserErrorCode::NotFound,
                "no such agenda item",
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
pub async fn submit(
    app: &AppState,
    session: &Session,
    input: Submit,
) -> Result<agenda_item::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?.clone();
    let title = text::required("title", &input.title, TextKind::Name)?;
    let body = text::required("body", &input.body, TextKind::Body)?;
    let given_enterprise = input
        .enterprise_id
        .as_deref()
        .map(|id| ids::key_for_input(&id.to_owned().into(), NodeKind::Enterprise, "enterpriseId"))
        .transpose()?;
    let dialogue_key = input
        .dialogue_id
        .as_deref()
        .map(|id| ids::key_for_input(&id.to_owned().into(), NodeKind::Dialogue, "dialogueId"))
        .transpose()?;
    let (enterprise_key, channel) = match principal.role {
        Role::Firm => {
            let own = principal.enterprise_id.ok_or(ApiError::Forbidden)?;
            if given_enterprise.is_some_and(|given| given != own) {
                return Err(ApiError::Forbidden.into());
            }
            (own, input.channel.unwrap_or(SubmissionChannel::Dialogue))
        }
        Role::Official | Role::Admin => {
            let enterprise = given_enterprise.ok_or_else(|| {
                UserError::at(
                    "enterpriseId",
                    UserErrorCode::Invalid,
                    "give the enterprise that raised the concern",
                )
            })?;
            let channel = input.channel.ok_or_else(|| {
                UserError::at(
                    "channel",
                    UserErrorCode::Invalid,
                    "give the channel the concern came by",
                )
            })?;
            (enterprise, channel)
        }
    };
    let mut tx = MutationTx::begin(
        &app.db,
        "submitAgendaItem",
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
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
                "no such enterprise",
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
                "that dialogue takes no more agenda items",
            )
            .into());
        }
    }
    let now = Utc::now();
    let created = agenda_item::ActiveModel {
        search_text: Set(format!("{} {}", text::fold(&title), text::fold(&body))),
        title: Set(title),
        body: Set(body),
        category: Set(input.category),
        channel: Set(channel),
        status: Set(AgendaItemStatus::Submitted),
        enterprise_id: Set(enterprise_key),
        confidential: Set(input.confidential.unwrap_or(false)),
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
    tx.commit(Some(&ids::encode(NodeKind::AgendaItem, created.id)))
        .await?;
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
        Action::Feedback { .. } => {
            if principal.role == Role::Firm && principal.enterprise_id == Some(item.enterprise_id) {
                Ok(())
            } else {
                Err(ApiError::Forbidden)
            }
        }
        // Only an official of the assigned agency, or an admin.
        Action::Answer { .. } => match principal.role {
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
pub async fn step(
    app: &AppState,
    session: &Session,
    input: Step,
) -> Result<agenda_item::Model, MutationError> {
    let principal = session.viewer.require_signed_in()?.clone();
    let key = item_key(&input.agenda_item_id)?;
    // Validate what the move carries before opening the transaction.
    let today = app.clock.today();
    let note = match &input.action {
        Action::Reject { reason } => Some(text::required("reason", reason, TextKind::Note)?),
        Action::Answer { body } => Some(text::required("body", body, TextKind::Body)?),
        Action::Feedback { comment, .. } => {
            text::optional("comment", comment.as_deref(), TextKind::Note)?
        }
        Action::Resolve { note } => text::optional("note", note.as_deref(), TextKind::Note)?,
        Action::Assign {
            response_due_on: Some(due),
            ..
        } if *due < today => {
            return Err(UserError::at(
                "responseDueOn",
                UserErrorCode::Invalid,
                "cannot be before today",
            )
            .into());
        }
        _ => None,
    };
    let mut tx = MutationTx::begin(
        &app.db,
        input.action.mutation(),
        session_actor(session),
        Some(&session.request_id),
        &input,
    )
    .await?;
    let item = find(&*tx, key).await?;
    if !can_see(&session.viewer, &item) {
        // Indistinguishable from an item that does not exist.
        return Err(UserError::at(
            "agendaItemId",
            UserErrorCode::NotFound,
            "no such agenda item",
        )
        .into());
    }
    authorise(&principal, &input.action, &item)?;
    if let Some(expected) = input.expected_version
        && expected != item.version
    {
        return Err(UserError::at(
            "expectedVersion",
            UserErrorCode::Conflict,
            format!(
                "the item changed: it is at version {}, not {expected}",
                item.version
            ),
        )
        .into());
    }
    let step = match &input.action {
        Action::Accept { .. } => Move::Accept,
        Action::Reject { .. } => Move::Reject,
        Action::Assign { .. } => Move::Assign,
        Action::Answer { .. } => Move::Answer,
        Action::Feedback {
            satisfied: true, ..
        } => Move::Satisfied,
        Action::Feedback {
            satisfied: false, ..
        } => Move::Unsatisfied,
        Action::Resolve { .. } => Move::Resolve,
    };
    let Some(to) = next(item.status, step) else {
        return Err(UserError::at(
            "agendaItemId",
            UserErrorCode::InvalidTransition,
            format!(
                "{} is not allowed from {}",
                input.action.mutation(),
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
    match &input.action {
        Action::Accept {
            dialogue_id,
            position,
        } => {
            let dialogue_key = ids::key_for_input(
                &dialogue_id.clone().into(),
                NodeKind::Dialogue,
                "dialogueId",
            )?;
            let target = find_dialogue(&*tx, dialogue_key).await?;
            if target.status != DialogueStatus::Scheduled {
                return Err(UserError::at(
                    "dialogueId",
                    UserErrorCode::Invalid,
                    "only a SCHEDULED dialogue takes agenda items",
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
                        format!("must be between 1 and {}", on_agenda + 1),
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
        Action::Reject { reason } => {
            update = update.col_expr(
                agenda_item::Column::RejectionReason,
                Expr::value(reason.trim()),
            );
        }
        Action::Assign {
            agency_id,
            response_due_on,
        } => {
            let agency_key =
                ids::key_for_input(&agency_id.clone().into(), NodeKind::Agency, "agencyId")?;
            if agency::Entity::find_by_id(agency_key)
                .one(&*tx)
                .await?
                .is_none()
            {
                return Err(
                    UserError::at("agencyId", UserErrorCode::NotFound, "no such agency").into(),
                );
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
        Action::Answer { body } => {
            let agency_key = item.assigned_agency_id.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("bug: an ASSIGNED item without an agency"))
            })?;
            answer::ActiveModel {
                agenda_item_id: Set(key),
                agency_id: Set(agency_key),
                body: Set(body.trim().to_owned()),
                answered_by: Set(principal.account_id),
                answered_at: Set(app.clock.now()),
                on_time: Set(item.response_due_on.is_none_or(|due| today <= due)),
                ..Default::default()
            }
            .insert(&*tx)
            .await?;
        }
        Action::Feedback { satisfied, comment } => {
            update = update
                .col_expr(
                    agenda_item::Column::FeedbackSatisfied,
                    Expr::value(*satisfied),
                )
                .col_expr(
                    agenda_item::Column::FeedbackComment,
                    Expr::value(comment.as_deref().map(str::trim).map(str::to_owned)),
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
        Action::Resolve { .. } => {}
    }
    if update.exec(&*tx).await?.rows_affected == 0 {
        return Err(UserError::at(
            "expectedVersion",
            UserErrorCode::Conflict,
            "the item changed meanwhile; read it again",
        )
        .into());
    }
    record_event(&*tx, key, Some(item.status), to, note, principal.role).await?;
    let changed = find(&*tx, key).await?;
    tx.notify(Change::AgendaItem(key));
    tx.commit(Some(&ids::encode(NodeKind::AgendaItem, key)))
        .await?;
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

/// The dialogue and agenda figures of `programmeOverview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialogueFigures {
    pub dialogues_held: i64,
    pub agenda_items: i64,
    pub agenda_items_answered: i64,
    pub agenda_items_overdue: i64,
}

/// One statement, counted by the database. Answered counts items that have an
/// answer (ANSWERED or RESOLVED after one); overdue is ASSIGNED past its due date.
pub async fn dialogue_figures(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<DialogueFigures, DbErr> {
    let day = today.format("%Y-%m-%d");
    let sql = format!(
        "SELECT \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM dialogues WHERE status = 'HELD') AS held, \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM agenda_items) AS items, \
           (SELECT CAST(COUNT(DISTINCT agenda_item_id) AS BIGINT) FROM agenda_answers) AS answered, \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM agenda_items \
              WHERE status = 'ASSIGNED' AND response_due_on < '{day}') AS overdue"
    );
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("dialogue figures".into()))?;
    Ok(DialogueFigures {
        dialogues_held: row.try_get("", "held")?,
        agenda_items: row.try_get("", "items")?,
        agenda_items_answered: row.try_get("", "answered")?,
        agenda_items_overdue: row.try_get("", "overdue")?,
    })
}

/// How an agency answers: per agency, batched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseFigures {
    pub assigned: i64,
    pub answered: i64,
    pub answered_on_time: i64,
    pub overdue: i64,
}

/// Response figures of the given agencies, in two GROUP BY statements.
pub async fn response_figures(
    db: &impl ConnectionTrait,
    agencies: &[i64],
    today: NaiveDate,
) -> Result<std::collections::HashMap<i64, ResponseFigures>, DbErr> {
    let mut figures: std::collections::HashMap<i64, ResponseFigures> =
        std::collections::HashMap::new();
    if agencies.is_empty() {
        return Ok(figures);
    }
    let list = agencies
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let day = today.format("%Y-%m-%d");
    let backend = db.get_database_backend();
    let assigned = format!(
        "SELECT assigned_agency_id AS agency, CAST(COUNT(*) AS BIGINT) AS assigned, \
           CAST(SUM(CASE WHEN status = 'ASSIGNED' AND response_due_on < '{day}' THEN 1 ELSE 0 END) AS BIGINT) AS overdue \
         FROM agenda_items WHERE assigned_agency_id IN ({list}) GROUP BY assigned_agency_id"
    );
    for row in db
        .query_all_raw(Statement::from_string(backend, assigned))
        .await?
    {
        let entry = figures.entry(row.try_get("", "agency")?).or_default();
        entry.assigned = row.try_get("", "assigned")?;
        entry.overdue = row.try_get("", "overdue")?;
    }
    let answered = format!(
        "SELECT agency_id AS agency, CAST(COUNT(*) AS BIGINT) AS answered, \
           CAST(SUM(CASE WHEN on_time THEN 1 ELSE 0 END) AS BIGINT) AS on_time \
         FROM agenda_answers WHERE agency_id IN ({list}) GROUP BY agency_id"
    );
    for row in db
        .query_all_raw(Statement::from_string(backend, answered))
        .await?
    {
        let entry = figures.entry(row.try_get("", "agency")?).or_default();
        entry.answered = row.try_get("", "answered")?;
        entry.answered_on_time = row.try_get("", "on_time")?;
    }
    Ok(figures)
}
