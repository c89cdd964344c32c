//! `AgendaItem` with its answer, feedback and history; `agendaItems`; the agenda
//! mutations; `Agency.responseStats`; and the subscriptions.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, sea_query::Expr};
use tokio_stream::wrappers::BroadcastStream;

use super::{
    answer,
    entity::{self as agenda_item, AgendaCategory, AgendaItemStatus, SubmissionChannel},
    event,
    rules::{self, Action, Step, Submit, can_see, is_submitter, visible_condition},
};
use crate::{
    agencies::graphql::Agency,
    auth::Role,
    connection,
    dialogues::graphql::{Dialogue, dialogue_node},
    enterprises::graphql::Enterprise,
    events::Change,
    graphql::{
        app,
        errors::{ApiError, UserError, respond},
        filters::search_condition,
        ids::{self, NodeKind},
        loaders::{loaded, loaders},
        pagination::{OrderDirection, PageArgs, Sort, SortValue, paginate},
        scalars::{Date, DateTime},
        session,
    },
};

/// A difficulty or recommendation (khó khăn, vướng mắc, kiến nghị) raised by an enterprise.
#[derive(Clone)]
pub struct AgendaItem(pub agenda_item::Model);

#[Object]
impl AgendaItem {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::AgendaItem, self.0.id)
    }

    /// A short statement of the difficulty.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The difficulty in full.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// What it is about.
    async fn category(&self) -> AgendaCategory {
        self.0.category
    }

    /// How the concern reached the government.
    async fn channel(&self) -> SubmissionChannel {
        self.0.channel
    }

    /// Where it stands in its lifecycle.
    async fn status(&self) -> AgendaItemStatus {
        self.0.status
    }

    /// Null when the item is confidential and the viewer is neither an official nor the submitting firm.
    async fn submitted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enterprise>> {
        let viewer = &session(ctx)?.viewer;
        if self.0.confidential && !viewer.is_official() && !is_submitter(viewer, &self.0) {
            return Ok(None);
        }
        Ok(loaded(
            loaders(ctx)?
                .enterprises
                .load_one(self.0.enterprise_id)
                .await,
        )?
        .map(Enterprise))
    }

    /// The submitter asked that its name be withheld from the public.
    async fn confidential(&self) -> bool {
        self.0.confidential
    }

    /// When it was raised.
    async fn submitted_at(&self) -> DateTime {
        self.0.submitted_at.into()
    }

    /// The dialogue it was proposed for or placed on.
    async fn dialogue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Dialogue>> {
        match self.0.dialogue_id {
            Some(id) => Ok(dialogue_node(ctx, id).await?),
            None => Ok(None),
        }
    }

    /// Position on the dialogue's agenda, from 1.
    async fn position(&self) -> Option<i32> {
        self.0.position
    }

    /// The agency that must answer.
    async fn assigned_agency(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Agency>> {
        match self.0.assigned_agency_id {
            Some(id) => Ok(loaded(loaders(ctx)?.agencies.load_one(id).await)?.map(Agency)),
            None => Ok(None),
        }
    }

    /// When it was assigned.
    async fn assigned_at(&self) -> Option<DateTime> {
        self.0.assigned_at.map(DateTime)
    }

    /// The day the answer is due.
    async fn response_due_on(&self) -> Option<Date> {
        self.0.response_due_on.map(Date)
    }

    /// Assigned, unanswered, and past responseDueOn today.
    async fn overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(self.0.overdue_on(app(ctx)?.clock.today()))
    }

    /// The agency's latest answer, while the item is ANSWERED or RESOLVED.
    async fn answer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Answer>> {
        if !matches!(
            self.0.status,
            AgendaItemStatus::Answered | AgendaItemStatus::Resolved
        ) {
            return Ok(None);
        }
        let answers =
            loaded(loaders(ctx)?.answers_by_item.load_one(self.0.id).await)?.unwrap_or_default();
        Ok(answers.into_iter().last().map(Answer))
    }

    /// Why it was rejected.
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }

    /// The submitting firm's latest verdict on an answer.
    async fn feedback(&self) -> Option<Feedback> {
        Some(Feedback {
            satisfied: self.0.feedback_satisfied?,
            comment: self.0.feedback_comment.clone(),
            given_at: self.0.feedback_at?.into(),
        })
    }

    /// Increases with every change; pass it as expectedVersion to guard against lost updates.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Every status change, oldest first in recording order; the first event is the submission (fromStatus null).
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AgendaItemEvent>> {
        let events =
            loaded(loaders(ctx)?.history_by_item.load_one(self.0.id).await)?.unwrap_or_default();
        Ok(events.into_iter().map(AgendaItemEvent).collect())
    }
}

/// An agency's answer.
#[derive(Clone)]
pub struct Answer(answer::Model);

#[Object]
impl Answer {
    /// The answer in full.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The agency that answered.
    async fn answered_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Agency> {
        let found = loaded(loaders(ctx)?.agencies.load_one(self.0.agency_id).await)?;
        Ok(found
            .map(Agency)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("bug: an agency row is missing")))?)
    }

    /// When it answered.
    async fn answered_at(&self) -> DateTime {
        self.0.answered_at.into()
    }

    /// Answered on or before responseDueOn.
    async fn on_time(&self) -> bool {
        self.0.on_time
    }
}

/// The submitting firm's verdict on an answer.
#[derive(SimpleObject)]
pub struct Feedback {
    /// Whether the answer solved the problem.
    pub satisfied: bool,
    pub comment: Option<String>,
    pub given_at: DateTime,
}

/// One status change of an agenda item.
#[derive(Clone)]
pub struct AgendaItemEvent(event::Model);

#[Object]
impl AgendaItemEvent {
    /// When it happened.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }

    /// The status before; null for the submission.
    async fn from_status(&self) -> Option<AgendaItemStatus> {
        self.0.from_status
    }

    /// The status after.
    async fn to_status(&self) -> AgendaItemStatus {
        self.0.to_status
    }

    /// A reason, answer or comment that came with the change.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The role of whoever made the change.
    async fn actor_role(&self) -> Role {
        self.0.actor_role
    }
}

connection!(
    AgendaItem,
    AgendaItemConnection,
    AgendaItemEdge,
    "agenda items"
);

/// Narrows a list of agenda items.
#[derive(InputObject, Default)]
pub struct AgendaItemFilter {
    pub statuses: Option<Vec<AgendaItemStatus>>,
    pub categories: Option<Vec<AgendaCategory>>,
    /// A Dialogue ID.
    pub dialogue_id: Option<ID>,
    /// The assigned agency's ID.
    pub agency_id: Option<ID>,
    /// The submitting enterprise's ID.
    pub submitted_by_id: Option<ID>,
    pub overdue: Option<bool>,
    /// Case- and diacritic-insensitive over title and body.
    pub search: Option<String>,
}

impl AgendaItemFilter {
    fn condition(self, today: chrono::NaiveDate) -> Result<Condition, ApiError> {
        let mut condition = Condition::all();
        if let Some(statuses) = self.statuses {
            condition = condition.add(agenda_item::Column::Status.is_in(statuses));
        }
        if let Some(categories) = self.categories {
            condition = condition.add(agenda_item::Column::Category.is_in(categories));
        }
        if let Some(id) = self.dialogue_id {
            let key = ids::key_for_argument(&id, NodeKind::Dialogue, "filter.dialogueId")?;
            condition = condition.add(agenda_item::Column::DialogueId.eq(key));
        }
        if let Some(id) = self.agency_id {
            let key = ids::key_for_argument(&id, NodeKind::Agency, "filter.agencyId")?;
            condition = condition.add(agenda_item::Column::AssignedAgencyId.eq(key));
        }
        if let Some(id) = self.submitted_by_id {
            let key = ids::key_for_argument(&id, NodeKind::Enterprise, "filter.submittedById")?;
            condition = condition.add(agenda_item::Column::EnterpriseId.eq(key));
        }
        if let Some(overdue) = self.overdue {
            let is_overdue = Condition::all()
                .add(agenda_item::Column::Status.eq(AgendaItemStatus::Assigned))
                .add(agenda_item::Column::ResponseDueOn.lt(today));
            condition = condition.add(if overdue {
                is_overdue
            } else {
                is_overdue.not()
            });
        }
        if let Some(search) = self
            .search
            .as_deref()
            .and_then(|s| search_condition(agenda_item::Column::SearchText, s))
        {
            condition = condition.add(search);
        }
        Ok(condition)
    }
}

/// What agenda items may be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaItemOrderField {
    /// By submission time.
    SubmittedAt,
    /// By due date; items without one come last in ascending order.
    ResponseDueOn,
}

/// The order of a list of agenda items.
#[derive(InputObject)]
pub struct AgendaItemOrder {
    pub field: AgendaItemOrderField,
    pub direction: OrderDirection,
}

/// Where items without a due date sort.
const NO_DUE_DATE: &str = "9999-12-31";

fn last_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(chrono::NaiveDate::MAX)
}

fn sort(order: Option<AgendaItemOrder>) -> Sort<agenda_item::Entity> {
    let (field, direction) = order.map_or(
        (AgendaItemOrderField::SubmittedAt, OrderDirection::Desc),
        |o| (o.field, o.direction),
    );
    let id_of = |m: &agenda_item::Model| m.id;
    match field {
        AgendaItemOrderField::SubmittedAt => Sort::by(
            agenda_item::Column::SubmittedAt,
            agenda_item::Column::Id,
            direction.ascending(),
            |m: &agenda_item::Model| SortValue::Time(m.submitted_at),
            id_of,
        ),
        AgendaItemOrderField::ResponseDueOn => Sort::by(
            Expr::cust(format!("COALESCE(response_due_on, '{NO_DUE_DATE}')")),
            agenda_item::Column::Id,
            direction.ascending(),
            |m: &agenda_item::Model| SortValue::Date(m.response_due_on.unwrap_or(last_day())),
            id_of,
        ),
    }
}

/// The arguments of every agenda item connection.
pub struct AgendaArgs {
    pub page: PageArgs,
    pub filter: Option<AgendaItemFilter>,
    pub order_by: Option<AgendaItemOrder>,
}

/// A page of the agenda items the viewer may see, within `scope`.
pub async fn agenda_page(
    ctx: &Context<'_>,
    args: AgendaArgs,
    scope: Condition,
) -> async_graphql::Result<AgendaItemConnection> {
    let app = app(ctx)?;
    let viewer = &session(ctx)?.viewer;
    let condition = args
        .filter
        .unwrap_or_default()
        .condition(app.clock.today())?
        .add(scope)
        .add(visible_condition(viewer));
    let page = paginate(
        &app.db.read,
        agenda_item::Entity::find().filter(condition),
        &sort(args.order_by),
        args.page,
        ctx.look_ahead().field("totalCount").exists(),
    )
    .await?;
    Ok(page.map(AgendaItem).into())
}

#[derive(Default)]
pub struct AgendaQuery;

#[Object]
impl AgendaQuery {
    /// Agenda items the viewer may see, newest first unless ordered.
    #[allow(clippy::too_many_arguments)]
    async fn agenda_items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AgendaItemFilter>,
        order_by: Option<AgendaItemOrder>,
    ) -> async_graphql::Result<AgendaItemConnection> {
        let args = AgendaArgs {
            page: PageArgs::new(first, after, last, before),
            filter,
            order_by,
        };
        agenda_page(ctx, args, Condition::all()).await
    }
}

/// An agenda item the viewer may see.
pub async fn agenda_item_node(ctx: &Context<'_>, key: i64) -> Result<Option<AgendaItem>, ApiError> {
    let viewer = &session(ctx)?.viewer;
    let found = loaded(loaders(ctx)?.agenda_items.load_one(key).await)?;
    Ok(found.filter(|item| can_see(viewer, item)).map(AgendaItem))
}

/// How an agency answers the agenda items assigned to it.
#[derive(SimpleObject)]
pub struct ResponseStats {
    /// Items assigned to the agency.
    pub assigned: i32,
    /// Answers it gave.
    pub answered: i32,
    /// Answers given on or before the due date.
    pub answered_on_time: i32,
    /// Assigned, unanswered and past the due date today.
    pub overdue: i32,
    /// answeredOnTime / answered; null when nothing was answered.
    pub on_time_rate: Option<f64>,
}

/// The response statistics of an agency, batched across a list.
pub async fn response_stats(ctx: &Context<'_>, agency: i64) -> Result<ResponseStats, ApiError> {
    let figures = loaded(loaders(ctx)?.response_stats.load_one(agency).await)?.unwrap_or_default();
    let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    Ok(ResponseStats {
        assigned: count(figures.assigned),
        answered: count(figures.answered),
        answered_on_time: count(figures.answered_on_time),
        overdue: count(figures.overdue),
        on_time_rate: (figures.answered > 0)
            .then(|| figures.answered_on_time as f64 / figures.answered as f64),
    })
}

/// A difficulty raised by or for an enterprise.
#[derive(InputObject)]
pub struct SubmitAgendaItemInput {
    pub title: String,
    pub body: String,
    pub category: AgendaCategory,
    /// Proposed dialogue; an official still has to accept the item onto its agenda.
    pub dialogue_id: Option<ID>,
    pub confidential: Option<bool>,
    /// Officials recording a concern received by hotline, in writing or at a reception give the enterprise and the channel.
    pub enterprise_id: Option<ID>,
    pub channel: Option<SubmissionChannel>,
}

/// The outcome of `submitAgendaItem`.
#[derive(SimpleObject, Default)]
pub struct SubmitAgendaItemPayload {
    pub agenda_item: Option<AgendaItem>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(SubmitAgendaItemPayload {
    agenda_item: AgendaItem
});

/// Places an item on a scheduled dialogue's agenda.
#[derive(InputObject)]
pub struct AcceptAgendaItemInput {
    pub agenda_item_id: ID,
    pub dialogue_id: ID,
    /// Default: last on the agenda.
    pub position: Option<i32>,
    pub expected_version: Option<i32>,
}

/// Rejects an item, with a reason.
#[derive(InputObject)]
pub struct RejectAgendaItemInput {
    pub agenda_item_id: ID,
    pub reason: String,
    pub expected_version: Option<i32>,
}

/// Gives an item to an agency to answer.
#[derive(InputObject)]
pub struct AssignAgendaItemInput {
    pub agenda_item_id: ID,
    pub agency_id: ID,
    /// Default: the configured number of working days after today.
    pub response_due_on: Option<Date>,
    pub expected_version: Option<i32>,
}

/// The assigned agency's answer.
#[derive(InputObject)]
pub struct AnswerAgendaItemInput {
    pub agenda_item_id: ID,
    pub body: String,
    pub expected_version: Option<i32>,
}

/// The submitting firm's verdict on the answer.
#[derive(InputObject)]
pub struct GiveFeedbackInput {
    pub agenda_item_id: ID,
    pub satisfied: bool,
    pub comment: Option<String>,
    pub expected_version: Option<i32>,
}

/// Closes an answered item.
#[derive(InputObject)]
pub struct ResolveAgendaItemInput {
    pub agenda_item_id: ID,
    pub note: Option<String>,
    pub expected_version: Option<i32>,
}

/// The outcome of a move of an agenda item.
#[derive(SimpleObject, Default)]
pub struct AgendaItemPayload {
    pub agenda_item: Option<AgendaItem>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(AgendaItemPayload {
    agenda_item: AgendaItem
});

async fn apply(
    ctx: &Context<'_>,
    item: ID,
    expected_version: Option<i32>,
    action: Action,
) -> async_graphql::Result<AgendaItemPayload> {
    let request = Step {
        agenda_item_id: item.0,
        expected_version,
        action,
    };
    respond(
        rules::step(app(ctx)?, session(ctx)?, request)
            .await
            .map(AgendaItem),
    )
}

#[derive(Default)]
pub struct AgendaMutation;

#[Object]
impl AgendaMutation {
    /// Raises a difficulty: a verified firm for its own enterprise, or an official
    /// recording one on an enterprise's behalf with the channel it came by.
    async fn submit_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: SubmitAgendaItemInput,
    ) -> async_graphql::Result<SubmitAgendaItemPayload> {
        let request = Submit {
            title: input.title,
            body: input.body,
            category: input.category,
            dialogue_id: input.dialogue_id.map(|id| id.0),
            confidential: input.confidential,
            enterprise_id: input.enterprise_id.map(|id| id.0),
            channel: input.channel,
        };
        respond(
            rules::submit(app(ctx)?, session(ctx)?, request)
                .await
                .map(AgendaItem),
        )
    }

    /// SUBMITTED → ACCEPTED: places the item on a scheduled dialogue's agenda (officials).
    async fn accept_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: AcceptAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        let action = Action::Accept {
            dialogue_id: input.dialogue_id.0,
            position: input.position,
        };
        apply(ctx, input.agenda_item_id, input.expected_version, action).await
    }

    /// SUBMITTED or ACCEPTED → REJECTED, with a reason (officials).
    async fn reject_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: RejectAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        apply(
            ctx,
            input.agenda_item_id,
            input.expected_version,
            Action::Reject {
                reason: input.reason,
            },
        )
        .await
    }

    /// SUBMITTED or ACCEPTED → ASSIGNED to an agency with a due date (officials).
    async fn assign_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: AssignAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        let action = Action::Assign {
            agency_id: input.agency_id.0,
            response_due_on: input.response_due_on.map(|d| d.0),
        };
        apply(ctx, input.agenda_item_id, input.expected_version, action).await
    }

    /// ASSIGNED → ANSWERED: only an official of the assigned agency, or an admin.
    async fn answer_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: AnswerAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        apply(
            ctx,
            input.agenda_item_id,
            input.expected_version,
            Action::Answer { body: input.body },
        )
        .await
    }

    /// The submitting firm's verdict: satisfied → RESOLVED; not satisfied → back to
    /// ASSIGNED with a new due date.
    async fn give_feedback(
        &self,
        ctx: &Context<'_>,
        input: GiveFeedbackInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        let action = Action::Feedback {
            satisfied: input.satisfied,
            comment: input.comment,
        };
        apply(ctx, input.agenda_item_id, input.expected_version, action).await
    }

    /// ANSWERED → RESOLVED, closed by an official.
    async fn resolve_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: ResolveAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        apply(
            ctx,
            input.agenda_item_id,
            input.expected_version,
            Action::Resolve { note: input.note },
        )
        .await
    }
}

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every change of an agenda item the subscriber may see; narrow by dialogue or item.
    async fn agenda_item_changed(
        &self,
        ctx: &Context<'_>,
        dialogue_id: Option<ID>,
        agenda_item_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = AgendaItem>> {
        let dialogue = dialogue_id
            .map(|id| ids::key_for_argument(&id, NodeKind::Dialogue, "dialogueId"))
            .transpose()?;
        let item = agenda_item_id
            .map(|id| ids::key_for_argument(&id, NodeKind::AgendaItem, "agendaItemId"))
            .transpose()?;
        let app = app(ctx)?.clone();
        let viewer = session(ctx)?.viewer.clone();
        let changes = BroadcastStream::new(app.db.events.subscribe());
        Ok(changes.filter_map(move |change| {
            let app = app.clone();
            let viewer = viewer.clone();
            async move {
                let Ok(Change::AgendaItem(key)) = change else {
                    return None;
                };
                if item.is_some_and(|wanted| wanted != key) {
                    return None;
                }
                let found = agenda_item::Entity::find_by_id(key)
                    .one(&app.db.read)
                    .await
                    .ok()??;
                if dialogue.is_some_and(|wanted| found.dialogue_id != Some(wanted))
                    || !can_see(&viewer, &found)
                {
                    return None;
                }
                Some(AgendaItem(found))
            }
        }))
    }

    /// Every change of a dialogue (scheduled, updated, cancelled, closed, registration count).
    async fn dialogue_changed(
        &self,
        ctx: &Context<'_>,
        dialogue_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = Dialogue>> {
        let wanted = dialogue_id
            .map(|id| ids::key_for_argument(&id, NodeKind::Dialogue, "dialogueId"))
            .transpose()?;
        let app = app(ctx)?.clone();
        let changes = BroadcastStream::new(app.db.events.subscribe());
        Ok(changes.filter_map(move |change| {
            let app = app.clone();
            async move {
                let Ok(Change::Dialogue(key)) = change else {
                    return None;
                };
                if wanted.is_some_and(|w| w != key) {
                    return None;
                }
                use crate::dialogues::entity as dialogue;
                dialogue::Entity::find_by_id(key)
                    .one(&app.db.read)
                    .await
                    .ok()?
                    .map(Dialogue)
            }
        }))
    }
}
