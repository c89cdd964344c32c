//! `Dialogue`, `DialogueRegistration`, `dialogues`, and the dialogue mutations.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    commune_link,
    entity::{self as dialogue, DialogueFormat, DialogueLevel, DialogueStatus},
    registration,
    rules::{
        self, Attendees, Cancel, Capacity, Close, Register, Reorder, Schedule, Update, Withdraw,
    },
};
use crate::{
    agenda::{graphql::AgendaItem, rules::can_see},
    auth::Role,
    communes::graphql::Commune,
    connection,
    enterprises::graphql::Enterprise,
    error::{ApiError, UserError},
    graphql::{
        app,
        errors::respond,
        ids::{self, argument_key, input_key},
        loaders::{loaded, loaders},
        mutate,
        pagination::{KeyOf, OrderDirection, PageArgs, Sort, paginate},
        patch,
        scalars::DateTime,
        session,
    },
    keys::{CommuneKey, DialogueKey, Key},
    text::{Body, Name, Note},
};

/// The kind of meeting.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DialogueFormat", remote = "DialogueFormat")]
pub enum Format {
    /// đối thoại doanh nghiệp
    BusinessDialogue,
    /// đối thoại với nhân dân
    CitizenDialogue,
    /// giao ban cụm xã
    ClusterBriefing,
    /// tiếp xúc cử tri
    VoterMeeting,
}

/// Which tier of government holds it.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DialogueLevel", remote = "DialogueLevel")]
pub enum Level {
    /// The province.
    Province,
    /// A district (where that tier still applies).
    District,
    /// A commune.
    Commune,
}

/// SCHEDULED -> HELD (closed with minutes, once started) or CANCELLED (with a reason).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "DialogueStatus", remote = "DialogueStatus")]
pub enum Status {
    /// Planned; open for registration until it starts.
    Scheduled,
    /// Took place; minutes published.
    Held,
    /// Called off.
    Cancelled,
}

/// A meeting of the leadership with enterprises or citizens (đối thoại), a cluster
/// briefing of communes (giao ban cụm xã) or a voter meeting (tiếp xúc cử tri).
#[derive(Clone)]
pub struct Dialogue(pub dialogue::Model);

#[Object]
impl Dialogue {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(DialogueKey::KIND, self.0.id)
    }

    /// What the dialogue is about.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The kind of meeting.
    async fn format(&self) -> Format {
        self.0.format.into()
    }

    /// Which tier holds it.
    async fn level(&self) -> Level {
        self.0.level.into()
    }

    /// SCHEDULED, HELD or CANCELLED.
    async fn status(&self) -> Status {
        self.0.status.into()
    }

    /// When it starts.
    async fn starts_at(&self) -> DateTime {
        self.0.starts_at.into()
    }

    /// When it ends.
    async fn ends_at(&self) -> DateTime {
        self.0.ends_at.into()
    }

    /// Where it takes place.
    async fn venue(&self) -> &str {
        &self.0.venue
    }

    /// Who presides, e.g. the chair of the provincial people's committee.
    async fn chair(&self) -> &str {
        &self.0.chair
    }

    /// For cluster briefings: the communes of the cluster.
    async fn communes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Commune>> {
        let loaders = loaders(ctx)?;
        let links: Vec<commune_link::Model> =
            loaded(loaders.communes_by_dialogue.load_one(self.0.id).await)?.unwrap_or_default();
        let ids: Vec<i64> = links.iter().map(|l| l.commune_id).collect();
        let found = loaded(loaders.communes.load_many(ids.iter().copied()).await)?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Commune))
            .collect())
    }

    /// Enterprise registrations accepted; null means no limit.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }

    /// Officials see all registrations; a firm sees its own; anonymous viewers see none.
    async fn registrations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<DialogueRegistration>> {
        let viewer = &session(ctx)?.viewer;
        let own = viewer
            .principal
            .as_ref()
            .filter(|p| p.role == Role::Firm)
            .and_then(|p| p.enterprise_id);
        if !viewer.is_official() && own.is_none() {
            return Ok(Vec::new());
        }
        let all = loaded(
            loaders(ctx)?
                .registrations_by_dialogue
                .load_one(self.0.id)
                .await,
        )?
        .unwrap_or_default();
        Ok(all
            .into_iter()
            .filter(|r| viewer.is_official() || Some(r.enterprise_id) == own)
            .map(DialogueRegistration)
            .collect())
    }

    /// Number of registrations (enterprises), not of attendees; public.
    async fn registered_count(&self) -> i32 {
        self.0.registered_count
    }

    /// Agenda items placed on this dialogue that the viewer may see, by position.
    async fn agenda(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AgendaItem>> {
        let viewer = &session(ctx)?.viewer;
        let mut items: Vec<_> = loaded(loaders(ctx)?.agenda_by_dialogue.load_one(self.0.id).await)?
            .unwrap_or_default()
            .into_iter()
            .filter(|item| item.position.is_some() && can_see(viewer, item))
            .collect();
        items.sort_by_key(|item| item.position);
        Ok(items.into_iter().map(AgendaItem).collect())
    }

    /// Published when the dialogue is closed as held.
    async fn minutes(&self) -> Option<&str> {
        self.0.minutes.as_deref()
    }

    /// Why it was cancelled.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason.as_deref()
    }
}

/// An enterprise's registration for a dialogue.
#[derive(Clone)]
pub struct DialogueRegistration(pub registration::Model);

#[Object]
impl DialogueRegistration {
    /// The registered enterprise.
    async fn enterprise(&self, ctx: &Context<'_>) -> async_graphql::Result<Enterprise> {
        let found = loaded(
            loaders(ctx)?
                .enterprises
                .load_one(self.0.enterprise_id)
                .await,
        )?;
        Ok(found.map(Enterprise).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("bug: an enterprise row is missing"))
        })?)
    }

    /// How many people it brings.
    async fn attendees(&self) -> i32 {
        self.0.attendees
    }

    /// When it registered.
    async fn registered_at(&self) -> DateTime {
        self.0.registered_at.into()
    }
}

connection!(Dialogue, DialogueConnection, DialogueEdge, "dialogues");

/// Narrows `dialogues`.
#[derive(InputObject, Default)]
pub struct DialogueFilter {
    pub statuses: Option<Vec<Status>>,
    pub formats: Option<Vec<Format>>,
    /// Dialogues that start at or after this instant.
    pub from: Option<DateTime>,
    /// Dialogues that start before this instant.
    pub to: Option<DateTime>,
    /// Dialogues whose communes include this one.
    pub commune_id: Option<ID>,
}

/// What `dialogues` may be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogueOrderField {
    /// By start time.
    StartsAt,
}

/// The order of `dialogues`.
#[derive(InputObject)]
pub struct DialogueOrder {
    pub field: DialogueOrderField,
    pub direction: OrderDirection,
}

impl DialogueFilter {
    fn condition(self) -> Result<Condition, ApiError> {
        let mut condition = Condition::all();
        if let Some(statuses) = self.statuses {
            condition = condition.add(
                dialogue::Column::Status.is_in(statuses.into_iter().map(DialogueStatus::from)),
            );
        }
        if let Some(formats) = self.formats {
            condition = condition
                .add(dialogue::Column::Format.is_in(formats.into_iter().map(DialogueFormat::from)));
        }
        if let Some(from) = self.from {
            condition = condition.add(dialogue::Column::StartsAt.gte(from.0));
        }
        if let Some(to) = self.to {
            condition = condition.add(dialogue::Column::StartsAt.lt(to.0));
        }
        if let Some(id) = self.commune_id {
            let key: CommuneKey = argument_key(&id, "filter.communeId")?;
            let linked = Query::select()
                .column(commune_link::Column::DialogueId)
                .from(commune_link::Entity)
                .and_where(Expr::col(commune_link::Column::CommuneId).eq(key.get()))
                .to_owned();
            condition = condition.add(dialogue::Column::Id.in_subquery(linked));
        }
        Ok(condition)
    }
}

#[derive(Default)]
pub struct DialogueQuery;

#[Object]
impl DialogueQuery {
    /// The dialogue calendar; public. Soonest first unless ordered.
    #[allow(clippy::too_many_arguments)]
    async fn dialogues(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<DialogueFilter>,
        order_by: Option<DialogueOrder>,
    ) -> async_graphql::Result<DialogueConnection> {
        let ascending = order_by.is_none_or(|o| o.direction.ascending());
        let sort = Sort::by(
            dialogue::Column::StartsAt,
            dialogue::Column::Id,
            ascending,
            KeyOf::Time(|m: &dialogue::Model| m.starts_at),
            |m: &dialogue::Model| m.id,
        );
        let page = paginate(
            &app(ctx)?.db.read,
            dialogue::Entity::find().filter(filter.unwrap_or_default().condition()?),
            &sort,
            PageArgs::new(first, after, last, before),
            ctx.look_ahead().field("totalCount").exists(),
        )
        .await?;
        Ok(page.map(Dialogue).into())
    }
}

/// A dialogue; the calendar is public.
pub async fn dialogue_node(ctx: &Context<'_>, key: i64) -> Result<Option<Dialogue>, ApiError> {
    Ok(loaded(loaders(ctx)?.dialogues.load_one(key).await)?.map(Dialogue))
}

/// A new dialogue.
#[derive(InputObject)]
pub struct ScheduleDialogueInput {
    pub title: String,
    pub format: Format,
    pub level: Level,
    pub starts_at: DateTime,
    pub ends_at: DateTime,
    pub venue: String,
    pub chair: String,
    /// Enterprise registrations accepted; null means no limit.
    pub capacity: Option<i32>,
    /// For cluster briefings: the communes of the cluster.
    pub commune_ids: Option<Vec<ID>>,
}

impl TryFrom<ScheduleDialogueInput> for Schedule {
    type Error = UserError;

    fn try_from(input: ScheduleDialogueInput) -> Result<Self, UserError> {
        let mut commune_ids: Vec<CommuneKey> = Vec::new();
        for id in input.commune_ids.unwrap_or_default() {
            let key = input_key(&id, "communeIds")?;
            if !commune_ids.contains(&key) {
                commune_ids.push(key);
            }
        }
        Ok(Schedule {
            title: Name::parse("title", &input.title)?,
            venue: Name::parse("venue", &input.venue)?,
            chair: Name::parse("chair", &input.chair)?,
            capacity: input
                .capacity
                .map(|capacity| Capacity::parse("capacity", capacity))
                .transpose()?,
            format: input.format.into(),
            level: input.level.into(),
            starts_at: input.starts_at.0,
            ends_at: input.ends_at.0,
            commune_ids,
        })
    }
}

/// The outcome of `scheduleDialogue`.
#[derive(SimpleObject, Default)]
pub struct ScheduleDialoguePayload {
    pub dialogue: Option<Dialogue>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(ScheduleDialoguePayload { dialogue: Dialogue });

/// Changes to a scheduled dialogue; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateDialogueInput {
    pub dialogue_id: ID,
    pub title: Option<String>,
    pub starts_at: Option<DateTime>,
    pub ends_at: Option<DateTime>,
    pub venue: Option<String>,
    pub chair: Option<String>,
    /// Null removes the limit; never below the current registrations.
    pub capacity: MaybeUndefined<i32>,
}

impl TryFrom<UpdateDialogueInput> for Update {
    type Error = UserError;

    fn try_from(input: UpdateDialogueInput) -> Result<Self, UserError> {
        let text = |field: &str, value: Option<String>| {
            value.map(|value| Name::parse(field, &value)).transpose()
        };
        Ok(Update {
            dialogue_id: input_key(&input.dialogue_id, "dialogueId")?,
            title: text("title", input.title)?,
            venue: text("venue", input.venue)?,
            chair: text("chair", input.chair)?,
            capacity: patch(input.capacity)
                .try_map(|capacity| Capacity::parse("capacity", capacity))?,
            starts_at: input.starts_at.map(|at| at.0),
            ends_at: input.ends_at.map(|at| at.0),
        })
    }
}

/// The outcome of `updateDialogue`.
#[derive(SimpleObject, Default)]
pub struct UpdateDialoguePayload {
    pub dialogue: Option<Dialogue>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(UpdateDialoguePayload { dialogue: Dialogue });

/// The dialogue to cancel, and why.
#[derive(InputObject)]
pub struct CancelDialogueInput {
    pub dialogue_id: ID,
    pub reason: String,
}

impl TryFrom<CancelDialogueInput> for Cancel {
    type Error = UserError;

    fn try_from(input: CancelDialogueInput) -> Result<Self, UserError> {
        Ok(Cancel {
            dialogue_id: input_key(&input.dialogue_id, "dialogueId")?,
            reason: Note::parse("reason", &input.reason)?,
        })
    }
}

/// The outcome of `cancelDialogue`.
#[derive(SimpleObject, Default)]
pub struct CancelDialoguePayload {
    pub dialogue: Option<Dialogue>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(CancelDialoguePayload { dialogue: Dialogue });

/// The dialogue held, and its minutes.
#[derive(InputObject)]
pub struct CloseDialogueInput {
    pub dialogue_id: ID,
    pub minutes: String,
}

impl TryFrom<CloseDialogueInput> for Close {
    type Error = UserError;

    fn try_from(input: CloseDialogueInput) -> Result<Self, UserError> {
        Ok(Close {
            dialogue_id: input_key(&input.dialogue_id, "dialogueId")?,
            minutes: Body::parse("minutes", &input.minutes)?,
        })
    }
}

/// The outcome of `closeDialogue`.
#[derive(SimpleObject, Default)]
pub struct CloseDialoguePayload {
    pub dialogue: Option<Dialogue>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(CloseDialoguePayload { dialogue: Dialogue });

/// A registration of the viewer's enterprise.
#[derive(InputObject)]
pub struct RegisterForDialogueInput {
    pub dialogue_id: ID,
    /// How many people come; at least 1.
    pub attendees: i32,
}

impl TryFrom<RegisterForDialogueInput> for Register {
    type Error = UserError;

    fn try_from(input: RegisterForDialogueInput) -> Result<Self, UserError> {
        Ok(Register {
            dialogue_id: input_key(&input.dialogue_id, "dialogueId")?,
            attendees: Attendees::parse("attendees", input.attendees)?,
        })
    }
}

/// The outcome of `registerForDialogue`.
#[derive(SimpleObject, Default)]
pub struct RegisterForDialoguePayload {
    pub registration: Option<DialogueRegistration>,
    pub dialogue: Option<Dialogue>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(RegisterForDialoguePayload {
    registration: DialogueRegistration,
    dialogue: Dialogue
});

/// The dialogue to withdraw the viewer's enterprise from.
#[derive(InputObject)]
pub struct WithdrawRegistrationInput {
    pub dialogue_id: ID,
}

impl TryFrom<WithdrawRegistrationInput> for Withdraw {
    type Error = UserError;

    fn try_from(input: WithdrawRegistrationInput) -> Result<Self, UserError> {
        Ok(Withdraw {
            dialogue_id: input_key(&input.dialogue_id, "dialogueId")?,
        })
    }
}

/// The outcome of `withdrawRegistration`.
#[derive(SimpleObject, Default)]
pub struct WithdrawRegistrationPayload {
    pub dialogue: Option<Dialogue>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(WithdrawRegistrationPayload { dialogue: Dialogue });

/// A new order for a dialogue's agenda.
#[derive(InputObject)]
pub struct ReorderAgendaInput {
    pub dialogue_id: ID,
    /// Every agenda item of the dialogue, in the new order.
    pub agenda_item_ids: Vec<ID>,
}

impl TryFrom<ReorderAgendaInput> for Reorder {
    type Error = UserError;

    fn try_from(input: ReorderAgendaInput) -> Result<Self, UserError> {
        Ok(Reorder {
            dialogue_id: input_key(&input.dialogue_id, "dialogueId")?,
            agenda_item_ids: input
                .agenda_item_ids
                .iter()
                .map(|id| input_key(id, "agendaItemIds"))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The outcome of `reorderAgenda`.
#[derive(SimpleObject, Default)]
pub struct ReorderAgendaPayload {
    pub dialogue: Option<Dialogue>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(ReorderAgendaPayload { dialogue: Dialogue });

#[derive(Default)]
pub struct DialogueMutation;

#[Object]
impl DialogueMutation {
    /// Schedules a dialogue (officials and admins).
    async fn schedule_dialogue(
        &self,
        ctx: &Context<'_>,
        input: ScheduleDialogueInput,
    ) -> async_graphql::Result<ScheduleDialoguePayload> {
        respond(mutate(ctx, input, rules::schedule).await.map(Dialogue))
    }

    /// Changes a scheduled dialogue (officials and admins).
    async fn update_dialogue(
        &self,
        ctx: &Context<'_>,
        input: UpdateDialogueInput,
    ) -> async_graphql::Result<UpdateDialoguePayload> {
        respond(mutate(ctx, input, rules::update).await.map(Dialogue))
    }

    /// Cancels a scheduled dialogue, with a reason (officials and admins).
    async fn cancel_dialogue(
        &self,
        ctx: &Context<'_>,
        input: CancelDialogueInput,
    ) -> async_graphql::Result<CancelDialoguePayload> {
        respond(mutate(ctx, input, rules::cancel).await.map(Dialogue))
    }

    /// Closes a dialogue that has started as HELD, with its minutes (officials and admins).
    async fn close_dialogue(
        &self,
        ctx: &Context<'_>,
        input: CloseDialogueInput,
    ) -> async_graphql::Result<CloseDialoguePayload> {
        respond(mutate(ctx, input, rules::close).await.map(Dialogue))
    }

    /// Registers the viewer's verified enterprise for a scheduled dialogue.
    async fn register_for_dialogue(
        &self,
        ctx: &Context<'_>,
        input: RegisterForDialogueInput,
    ) -> async_graphql::Result<RegisterForDialoguePayload> {
        respond(
            mutate(ctx, input, rules::register)
                .await
                .map(|(registered, model)| (DialogueRegistration(registered), Dialogue(model))),
        )
    }

    /// Withdraws the viewer's enterprise from a dialogue before it starts.
    async fn withdraw_registration(
        &self,
        ctx: &Context<'_>,
        input: WithdrawRegistrationInput,
    ) -> async_graphql::Result<WithdrawRegistrationPayload> {
        respond(mutate(ctx, input, rules::withdraw).await.map(Dialogue))
    }

    /// Puts a dialogue's agenda in a new order (officials and admins).
    async fn reorder_agenda(
        &self,
        ctx: &Context<'_>,
        input: ReorderAgendaInput,
    ) -> async_graphql::Result<ReorderAgendaPayload> {
        respond(mutate(ctx, input, rules::reorder).await.map(Dialogue))
    }
}
