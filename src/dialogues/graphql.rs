//! `Dialogue`, `DialogueRegistration`, `dialogues`, and the dialogue mutations.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use sea_orm::{EntityTrait, QueryFilter};

use super::{
    commune_link,
    entity::{self as dialogue, DialogueFormat, DialogueLevel, DialogueStatus},
    filter, registration,
    rules::{
        self, Attendees, Cancel, Capacity, Close, Register, RegistrationsSeen, Reorder, Schedule,
        Update, Withdraw,
    },
};
use crate::{
    agenda::{graphql::AgendaItem, rules::can_see},
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

/// A meeting of the leadership with enterprises or citizens (đối thoại), a cluster
/// briefing of communes (giao ban cụm xã) or a voter meeting (tiếp xúc cử tri).
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
        let seen = RegistrationsSeen::of(&session(ctx)?.viewer);
        if seen == RegistrationsSeen::None {
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
            .filter(|r| seen.sees(r))
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

/// An enterprise's registration for a dialogue.
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
    /// Only these statuses.
    pub statuses: Option<Vec<Status>>,
    /// Only dialogues of these kinds.
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
    /// What to sort by.
    pub field: DialogueOrderField,
    /// Ascending or descending.
    pub direction: OrderDirection,
}

impl DialogueFilter {
    /// The domain's filter, its IDs decoded (BAD_USER_INPUT when one is not of
    /// the kind expected).
    pub fn decode(self) -> Result<filter::DialogueFilter, ApiError> {
        Ok(filter::DialogueFilter {
            statuses: self
                .statuses
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
            formats: self
                .formats
                .map(|formats| formats.into_iter().map(Into::into).collect()),
            from: self.from.map(|at| at.0),
            to: self.to.map(|at| at.0),
            commune: self
                .commune_id
                .map(|id| argument_key::<CommuneKey>(&id, "filter.communeId"))
                .transpose()?,
        })
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
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            DialogueFilter,
        >,
        #[graphql(desc = "The order; the list's default when absent.")] order_by: Option<
            DialogueOrder,
        >,
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
            dialogue::Entity::find().filter(filter.unwrap_or_default().decode()?.condition()),
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
    /// A short statement (at most 200 characters).
    pub title: String,
    /// The kind of meeting.
    pub format: Format,
    /// Which tier of government holds it.
    pub level: Level,
    /// When it starts (in the future).
    pub starts_at: DateTime,
    /// When it ends (after it starts).
    pub ends_at: DateTime,
    /// Where it takes place.
    pub venue: String,
    /// Who presides, e.g. the chair of the provincial people's committee.
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
    /// The dialogue as the mutation left it; null when it failed.
    pub dialogue: Option<Dialogue>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(ScheduleDialoguePayload { dialogue: Dialogue });

/// Changes to a scheduled dialogue; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateDialogueInput {
    /// The dialogue's ID.
    pub dialogue_id: ID,
    /// A short statement (at most 200 characters).
    pub title: Option<String>,
    /// When it starts (in the future).
    pub starts_at: Option<DateTime>,
    /// When it ends (after it starts).
    pub ends_at: Option<DateTime>,
    /// Where it takes place.
    pub venue: Option<String>,
    /// Who presides, e.g. the chair of the provincial people's committee.
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
    /// The dialogue as the mutation left it; null when it failed.
    pub dialogue: Option<Dialogue>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(UpdateDialoguePayload { dialogue: Dialogue });

/// The dialogue to cancel, and why.
#[derive(InputObject)]
pub struct CancelDialogueInput {
    /// The dialogue's ID.
    pub dialogue_id: ID,
    /// Why (at most 1,000 characters).
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
    /// The dialogue as the mutation left it; null when it failed.
    pub dialogue: Option<Dialogue>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(CancelDialoguePayload { dialogue: Dialogue });

/// The dialogue held, and its minutes.
#[derive(InputObject)]
pub struct CloseDialogueInput {
    /// The dialogue's ID.
    pub dialogue_id: ID,
    /// The minutes (biên bản) of the dialogue, published with it.
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
    /// The dialogue as the mutation left it; null when it failed.
    pub dialogue: Option<Dialogue>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(CloseDialoguePayload { dialogue: Dialogue });

/// A registration of the viewer's enterprise.
#[derive(InputObject)]
pub struct RegisterForDialogueInput {
    /// The dialogue's ID.
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
    /// The registration made; null when the mutation failed.
    pub registration: Option<DialogueRegistration>,
    /// The dialogue as the mutation left it; null when it failed.
    pub dialogue: Option<Dialogue>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(RegisterForDialoguePayload {
    registration: DialogueRegistration,
    dialogue: Dialogue
});

/// The dialogue to withdraw the viewer's enterprise from.
#[derive(InputObject)]
pub struct WithdrawRegistrationInput {
    /// The dialogue's ID.
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
    /// The dialogue as the mutation left it; null when it failed.
    pub dialogue: Option<Dialogue>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(WithdrawRegistrationPayload { dialogue: Dialogue });

/// A new order for a dialogue's agenda.
#[derive(InputObject)]
pub struct ReorderAgendaInput {
    /// The dialogue's ID.
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
    /// The dialogue as the mutation left it; null when it failed.
    pub dialogue: Option<Dialogue>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
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
        #[graphql(desc = "The mutation's input.")] input: ScheduleDialogueInput,
    ) -> async_graphql::Result<ScheduleDialoguePayload> {
        respond(mutate(ctx, input, rules::schedule).await.map(Dialogue))
    }

    /// Changes a scheduled dialogue (officials and admins).
    async fn update_dialogue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: UpdateDialogueInput,
    ) -> async_graphql::Result<UpdateDialoguePayload> {
        respond(mutate(ctx, input, rules::update).await.map(Dialogue))
    }

    /// Cancels a scheduled dialogue, with a reason (officials and admins).
    async fn cancel_dialogue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: CancelDialogueInput,
    ) -> async_graphql::Result<CancelDialoguePayload> {
        respond(mutate(ctx, input, rules::cancel).await.map(Dialogue))
    }

    /// Closes a dialogue that has started as HELD, with its minutes (officials and admins).
    async fn close_dialogue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: CloseDialogueInput,
    ) -> async_graphql::Result<CloseDialoguePayload> {
        respond(mutate(ctx, input, rules::close).await.map(Dialogue))
    }

    /// Registers the viewer's verified enterprise for a scheduled dialogue.
    async fn register_for_dialogue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: RegisterForDialogueInput,
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
        #[graphql(desc = "The mutation's input.")] input: WithdrawRegistrationInput,
    ) -> async_graphql::Result<WithdrawRegistrationPayload> {
        respond(mutate(ctx, input, rules::withdraw).await.map(Dialogue))
    }

    /// Puts a dialogue's agenda in a new order (officials and admins).
    async fn reorder_agenda(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: ReorderAgendaInput,
    ) -> async_graphql::Result<ReorderAgendaPayload> {
        respond(mutate(ctx, input, rules::reorder).await.map(Dialogue))
    }
}
