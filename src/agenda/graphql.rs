//! `AgendaItem` with its answer, feedback and history; `agendaItems`; the agenda
//! mutations; `Agency.responseStats`; and the subscriptions.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use sea_orm::{Condition, EntityTrait, QueryFilter, sea_query::Expr};

use super::{
    answer,
    entity::{self as agenda_item, AgendaCategory, AgendaItemStatus, SubmissionChannel},
    event, filter,
    rules::{
        self, Accept, Assign, Reject, Resolve, Step, Submit, can_see, current_answer, shows_answer,
        shows_submitter, visible_condition,
    },
};
use crate::{
    agencies::graphql::Agency,
    auth::graphql::RoleValue,
    connection,
    dialogues::graphql::{Dialogue, dialogue_node},
    enterprises::graphql::Enterprise,
    error::{ApiError, UserError},
    graphql::{
        app,
        errors::respond,
        ids::{self, argument_key, input_key},
        loaders::{loaded, loaders},
        mutate,
        pagination::{KeyOf, OrderDirection, PageArgs, Sort, paginate},
        scalars::{Date, DateTime},
        session,
    },
    keys::{AgencyKey, AgendaItemKey, DialogueKey, EnterpriseKey, Key},
    text::{Body, Name, Note},
};

/// SUBMITTED -> ACCEPTED (placed on a dialogue's agenda) -> ASSIGNED (to an agency,
/// with a due date) -> ANSWERED -> RESOLVED (the submitting firm is satisfied, or an
/// official closes it). An unsatisfied firm's feedback sends ANSWERED back to
/// ASSIGNED with a new due date. SUBMITTED or ACCEPTED -> REJECTED, with a reason.
/// SUBMITTED may go straight to ASSIGNED.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AgendaItemStatus", remote = "AgendaItemStatus")]
pub enum Status {
    /// Raised by or for the enterprise.
    Submitted,
    /// Placed on a dialogue's agenda.
    Accepted,
    /// Given to an agency to answer by a due date.
    Assigned,
    /// The agency has answered.
    Answered,
    /// Closed: the enterprise is satisfied, or an official closed it.
    Resolved,
    /// Not taken up, with a reason.
    Rejected,
}

/// What the difficulty is about.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "AgendaCategory", remote = "AgendaCategory")]
pub enum Category {
    /// đất đai
    Land,
    /// thuế
    Tax,
    /// đầu tư
    Investment,
    /// xây dựng
    Construction,
    /// môi trường
    Environment,
    /// lao động
    Labour,
    /// tín dụng
    Credit,
    /// hạ tầng
    Infrastructure,
    /// thủ tục hành chính
    AdministrativeProcedure,
    /// Anything else.
    Other,
}

/// How the concern reached the government.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "SubmissionChannel", remote = "SubmissionChannel")]
pub enum Channel {
    /// Raised for a dialogue.
    Dialogue,
    /// By the hotline (đường dây nóng).
    Hotline,
    /// In writing.
    Written,
    /// At a citizen reception (tiếp công dân).
    CitizenReception,
}

/// A difficulty or recommendation (khó khăn, vướng mắc, kiến nghị) raised by an enterprise.
#[derive(Clone)]
pub struct AgendaItem(pub agenda_item::Model);

/// A difficulty or recommendation (khó khăn, vướng mắc, kiến nghị) raised by an enterprise.
#[Object]
impl AgendaItem {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(AgendaItemKey::KIND, self.0.id)
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
    async fn category(&self) -> Category {
        self.0.category.into()
    }

    /// How the concern reached the government.
    async fn channel(&self) -> Channel {
        self.0.channel.into()
    }

    /// Where it stands in its lifecycle.
    async fn status(&self) -> Status {
        self.0.status.into()
    }

    /// Null when the item is confidential and the viewer is neither an official nor the submitting firm.
    async fn submitted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enterprise>> {
        if !shows_submitter(&session(ctx)?.viewer, &self.0) {
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
        if !shows_answer(&self.0) {
            return Ok(None);
        }
        let answers =
            loaded(loaders(ctx)?.answers_by_item.load_one(self.0.id).await)?.unwrap_or_default();
        Ok(current_answer(&self.0, &answers).cloned().map(Answer))
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

/// An agency's answer.
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
    /// The submitting firm's words on the answer.
    pub comment: Option<String>,
    /// When the verdict was given.
    pub given_at: DateTime,
}

/// One status change of an agenda item.
#[derive(Clone)]
pub struct AgendaItemEvent(event::Model);

/// One status change of an agenda item.
#[Object]
impl AgendaItemEvent {
    /// When it happened.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }

    /// The status before; null for the submission.
    async fn from_status(&self) -> Option<Status> {
        self.0.from_status.map(Into::into)
    }

    /// The status after.
    async fn to_status(&self) -> Status {
        self.0.to_status.into()
    }

    /// A reason, answer or comment that came with the change.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The role of whoever made the change.
    async fn actor_role(&self) -> RoleValue {
        self.0.actor_role.into()
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
    /// Only these statuses.
    pub statuses: Option<Vec<Status>>,
    /// Only items in these categories.
    pub categories: Option<Vec<Category>>,
    /// A Dialogue ID.
    pub dialogue_id: Option<ID>,
    /// The assigned agency's ID.
    pub agency_id: Option<ID>,
    /// The submitting enterprise's ID.
    pub submitted_by_id: Option<ID>,
    /// Only items overdue (true) or not overdue (false) today.
    pub overdue: Option<bool>,
    /// Case- and diacritic-insensitive over title and body.
    pub search: Option<String>,
}

impl AgendaItemFilter {
    /// The domain's filter, its IDs decoded (BAD_USER_INPUT when one is not of
    /// the kind expected).
    pub fn decode(self) -> Result<filter::AgendaItemFilter, ApiError> {
        Ok(filter::AgendaItemFilter {
            statuses: self
                .statuses
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
            categories: self
                .categories
                .map(|categories| categories.into_iter().map(Into::into).collect()),
            dialogue: self
                .dialogue_id
                .map(|id| argument_key::<DialogueKey>(&id, "filter.dialogueId"))
                .transpose()?,
            agency: self
                .agency_id
                .map(|id| argument_key::<AgencyKey>(&id, "filter.agencyId"))
                .transpose()?,
            submitted_by: self
                .submitted_by_id
                .map(|id| argument_key::<EnterpriseKey>(&id, "filter.submittedById"))
                .transpose()?,
            overdue: self.overdue,
            search: self.search,
        })
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
    /// What to sort by.
    pub field: AgendaItemOrderField,
    /// Ascending or descending.
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
            KeyOf::Time(|m: &agenda_item::Model| m.submitted_at),
            id_of,
        ),
        AgendaItemOrderField::ResponseDueOn => Sort::by(
            Expr::cust(format!("COALESCE(response_due_on, '{NO_DUE_DATE}')")),
            agenda_item::Column::Id,
            direction.ascending(),
            KeyOf::Date(|m: &agenda_item::Model| m.response_due_on.unwrap_or(last_day())),
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
        .decode()?
        .condition(app.clock.today())
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
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            AgendaItemFilter,
        >,
        #[graphql(desc = "The order; the list's default when absent.")] order_by: Option<
            AgendaItemOrder,
        >,
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

/// A difficulty raised by or for an enterprise.
#[derive(InputObject)]
pub struct SubmitAgendaItemInput {
    /// A short statement (at most 200 characters).
    pub title: String,
    /// The text in full (at most 20,000 characters).
    pub body: String,
    /// What the difficulty is about.
    pub category: Category,
    /// Proposed dialogue; an official still has to accept the item onto its agenda.
    pub dialogue_id: Option<ID>,
    /// Withhold the submitter's name from the public (default false).
    pub confidential: Option<bool>,
    /// Officials recording a concern received by hotline, in writing or at a reception give the enterprise and the channel.
    pub enterprise_id: Option<ID>,
    /// How the concern reached the government; officials must give it, firms default to DIALOGUE.
    pub channel: Option<Channel>,
}

impl TryFrom<SubmitAgendaItemInput> for Submit {
    type Error = UserError;

    fn try_from(input: SubmitAgendaItemInput) -> Result<Self, UserError> {
        Ok(Submit {
            title: Name::parse("title", &input.title)?,
            body: Body::parse("body", &input.body)?,
            enterprise_id: input
                .enterprise_id
                .map(|id| input_key(&id, "enterpriseId"))
                .transpose()?,
            dialogue_id: input
                .dialogue_id
                .map(|id| input_key(&id, "dialogueId"))
                .transpose()?,
            category: input.category.into(),
            confidential: input.confidential,
            channel: input.channel.map(Into::into),
        })
    }
}

/// The outcome of `submitAgendaItem`.
#[derive(SimpleObject, Default)]
pub struct SubmitAgendaItemPayload {
    /// The agenda item as the mutation left it; null when it failed.
    pub agenda_item: Option<AgendaItem>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(SubmitAgendaItemPayload {
    agenda_item: AgendaItem
});

/// Places an item on a scheduled dialogue's agenda.
#[derive(InputObject)]
pub struct AcceptAgendaItemInput {
    /// The agenda item's ID.
    pub agenda_item_id: ID,
    /// The dialogue's ID.
    pub dialogue_id: ID,
    /// Default: last on the agenda.
    pub position: Option<i32>,
    /// The item's version as last read; if it changed since, the mutation fails with CONFLICT and changes nothing.
    pub expected_version: Option<i32>,
}

impl TryFrom<AcceptAgendaItemInput> for Step<Accept> {
    type Error = UserError;

    fn try_from(input: AcceptAgendaItemInput) -> Result<Self, UserError> {
        Ok(Step {
            agenda_item_id: input_key(&input.agenda_item_id, "agendaItemId")?,
            expected_version: input.expected_version,
            action: Accept {
                dialogue_id: input_key(&input.dialogue_id, "dialogueId")?,
                position: input.position,
            },
        })
    }
}

/// Rejects an item, with a reason.
#[derive(InputObject)]
pub struct RejectAgendaItemInput {
    /// The agenda item's ID.
    pub agenda_item_id: ID,
    /// Why (at most 1,000 characters).
    pub reason: String,
    /// The item's version as last read; if it changed since, the mutation fails with CONFLICT and changes nothing.
    pub expected_version: Option<i32>,
}

impl TryFrom<RejectAgendaItemInput> for Step<Reject> {
    type Error = UserError;

    fn try_from(input: RejectAgendaItemInput) -> Result<Self, UserError> {
        Ok(Step {
            agenda_item_id: input_key(&input.agenda_item_id, "agendaItemId")?,
            expected_version: input.expected_version,
            action: Reject {
                reason: Note::parse("reason", &input.reason)?,
            },
        })
    }
}

/// Gives an item to an agency to answer.
#[derive(InputObject)]
pub struct AssignAgendaItemInput {
    /// The agenda item's ID.
    pub agenda_item_id: ID,
    /// The ID of the agency that must answer.
    pub agency_id: ID,
    /// Default: the configured number of working days after today.
    pub response_due_on: Option<Date>,
    /// The item's version as last read; if it changed since, the mutation fails with CONFLICT and changes nothing.
    pub expected_version: Option<i32>,
}

impl TryFrom<AssignAgendaItemInput> for Step<Assign> {
    type Error = UserError;

    fn try_from(input: AssignAgendaItemInput) -> Result<Self, UserError> {
        Ok(Step {
            agenda_item_id: input_key(&input.agenda_item_id, "agendaItemId")?,
            expected_version: input.expected_version,
            action: Assign {
                agency_id: input_key(&input.agency_id, "agencyId")?,
                response_due_on: input.response_due_on.map(|day| day.0),
            },
        })
    }
}

/// The assigned agency's answer.
#[derive(InputObject)]
pub struct AnswerAgendaItemInput {
    /// The agenda item's ID.
    pub agenda_item_id: ID,
    /// The text in full (at most 20,000 characters).
    pub body: String,
    /// The item's version as last read; if it changed since, the mutation fails with CONFLICT and changes nothing.
    pub expected_version: Option<i32>,
}

impl TryFrom<AnswerAgendaItemInput> for Step<rules::Answer> {
    type Error = UserError;

    fn try_from(input: AnswerAgendaItemInput) -> Result<Self, UserError> {
        Ok(Step {
            agenda_item_id: input_key(&input.agenda_item_id, "agendaItemId")?,
            expected_version: input.expected_version,
            action: rules::Answer {
                body: Body::parse("body", &input.body)?,
            },
        })
    }
}

/// The submitting firm's verdict on the answer.
#[derive(InputObject)]
pub struct GiveFeedbackInput {
    /// The agenda item's ID.
    pub agenda_item_id: ID,
    /// Whether the answer solved the problem.
    pub satisfied: bool,
    /// The submitting firm's words on the answer.
    pub comment: Option<String>,
    /// The item's version as last read; if it changed since, the mutation fails with CONFLICT and changes nothing.
    pub expected_version: Option<i32>,
}

impl TryFrom<GiveFeedbackInput> for Step<rules::Feedback> {
    type Error = UserError;

    fn try_from(input: GiveFeedbackInput) -> Result<Self, UserError> {
        Ok(Step {
            agenda_item_id: input_key(&input.agenda_item_id, "agendaItemId")?,
            expected_version: input.expected_version,
            action: rules::Feedback {
                satisfied: input.satisfied,
                comment: Note::parse_optional("comment", input.comment.as_deref())?,
            },
        })
    }
}

/// Closes an answered item.
#[derive(InputObject)]
pub struct ResolveAgendaItemInput {
    /// The agenda item's ID.
    pub agenda_item_id: ID,
    /// A note kept in the item's history.
    pub note: Option<String>,
    /// The item's version as last read; if it changed since, the mutation fails with CONFLICT and changes nothing.
    pub expected_version: Option<i32>,
}

impl TryFrom<ResolveAgendaItemInput> for Step<Resolve> {
    type Error = UserError;

    fn try_from(input: ResolveAgendaItemInput) -> Result<Self, UserError> {
        Ok(Step {
            agenda_item_id: input_key(&input.agenda_item_id, "agendaItemId")?,
            expected_version: input.expected_version,
            action: Resolve {
                note: Note::parse_optional("note", input.note.as_deref())?,
            },
        })
    }
}

/// The outcome of a move of an agenda item.
#[derive(SimpleObject, Default)]
pub struct AgendaItemPayload {
    /// The agenda item as the mutation left it; null when it failed.
    pub agenda_item: Option<AgendaItem>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(AgendaItemPayload {
    agenda_item: AgendaItem
});

#[derive(Default)]
pub struct AgendaMutation;

#[Object]
impl AgendaMutation {
    /// Raises a difficulty: a verified firm for its own enterprise, or an official
    /// recording one on an enterprise's behalf with the channel it came by.
    async fn submit_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: SubmitAgendaItemInput,
    ) -> async_graphql::Result<SubmitAgendaItemPayload> {
        respond(mutate(ctx, input, rules::submit).await.map(AgendaItem))
    }

    /// SUBMITTED → ACCEPTED: places the item on a scheduled dialogue's agenda (officials).
    async fn accept_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: AcceptAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        respond(
            mutate(ctx, input, rules::step::<Accept>)
                .await
                .map(AgendaItem),
        )
    }

    /// SUBMITTED or ACCEPTED → REJECTED, with a reason (officials).
    async fn reject_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: RejectAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        respond(
            mutate(ctx, input, rules::step::<Reject>)
                .await
                .map(AgendaItem),
        )
    }

    /// SUBMITTED or ACCEPTED → ASSIGNED to an agency with a due date (officials).
    async fn assign_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: AssignAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        respond(
            mutate(ctx, input, rules::step::<Assign>)
                .await
                .map(AgendaItem),
        )
    }

    /// ASSIGNED → ANSWERED: only an official of the assigned agency, or an admin.
    async fn answer_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: AnswerAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        respond(
            mutate(ctx, input, rules::step::<rules::Answer>)
                .await
                .map(AgendaItem),
        )
    }

    /// The submitting firm's verdict: satisfied → RESOLVED; not satisfied → back to
    /// ASSIGNED with a new due date.
    async fn give_feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: GiveFeedbackInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        respond(
            mutate(ctx, input, rules::step::<rules::Feedback>)
                .await
                .map(AgendaItem),
        )
    }

    /// ANSWERED → RESOLVED, closed by an official.
    async fn resolve_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: ResolveAgendaItemInput,
    ) -> async_graphql::Result<AgendaItemPayload> {
        respond(
            mutate(ctx, input, rules::step::<Resolve>)
                .await
                .map(AgendaItem),
        )
    }
}
