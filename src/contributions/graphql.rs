//! `Contribution`, `Disbursement`, and the ledger's queries and mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Value};
use futures_util::future::BoxFuture;
use sea_orm::{Condition, EntityTrait, QueryFilter};

use super::{
    disbursement,
    entity::{self as contribution, ContributionKind, ContributionStatus},
    filter,
    rules::{self, Cancel, Confirm, Disburse, IdempotencyKey, Pledge},
};
use crate::{
    communes::graphql::Commune,
    connection,
    error::{ApiError, UserError},
    graphql::{
        app,
        errors::respond,
        ids::{self, argument_key, input_key, input_partner, partner_key},
        loaders::Loaders,
        loaders::{loaded, loaders},
        mutate,
        pagination::{KeyOf, OrderDirection, PageArgs, Sort, paginate},
        plan::{self, Leaves, Planned, Related, load_rows, now, now_enum},
        scalars::{Date, DateTime, Vnd},
    },
    keys::{CommuneKey, ContributionKey, DisbursementKey, Key},
    money::PositiveVnd,
    text::{Name, Note},
    twinnings::graphql::{Partner, load_partner, partners},
};

/// What is given.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ContributionKind", remote = "ContributionKind")]
pub enum Kind {
    /// Money.
    Cash,
    /// Goods.
    InKind,
    /// Roads, schools, clean water and other works.
    Infrastructure,
    /// Houses of gratitude, scholarships and other welfare.
    SocialWelfare,
    /// Anything else.
    Other,
}

/// PLEDGED -> CONFIRMED -> FULFILLED (automatically, once disbursed reaches pledged).
/// PLEDGED or CONFIRMED -> CANCELLED, only while nothing has been disbursed.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ContributionStatus", remote = "ContributionStatus")]
pub enum Status {
    /// Promised by the contributor.
    Pledged,
    /// Confirmed by an official; disbursements may be recorded.
    Confirmed,
    /// Disbursed in full.
    Fulfilled,
    /// Withdrawn before anything was disbursed.
    Cancelled,
}

/// Support pledged by an enterprise or agency to a commune, and what of it has been disbursed.
#[derive(Clone)]
pub struct Contribution(pub contribution::Model);

/// Support pledged by an enterprise or agency to a commune, and what of it has been disbursed.
#[Object]
impl Contribution {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(ContributionKey::KIND, self.0.id)
    }

    /// The commune supported.
    async fn commune(&self, ctx: &Context<'_>) -> async_graphql::Result<Commune> {
        let found = loaded(loaders(ctx)?.communes.load_one(self.0.commune_id).await)?;
        Ok(found
            .map(Commune)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("bug: a commune row is missing")))?)
    }

    /// The enterprise or agency that pledged.
    async fn contributor(&self, ctx: &Context<'_>) -> async_graphql::Result<Partner> {
        Ok(load_partner(ctx, self.0.enterprise_id, self.0.agency_id).await?)
    }

    /// What is given.
    async fn kind(&self) -> Kind {
        self.0.kind.into()
    }

    /// What it is for.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }

    /// The amount pledged, in đồng.
    async fn pledged_amount(&self) -> Vnd {
        Vnd::amount(self.0.pledged_amount)
    }

    /// The amount disbursed so far, in đồng.
    async fn disbursed_amount(&self) -> Vnd {
        Vnd::amount(self.0.disbursed_amount)
    }

    /// pledgedAmount - disbursedAmount; 0 when cancelled.
    async fn outstanding_amount(&self) -> Vnd {
        Vnd::amount(self.0.outstanding())
    }

    /// Where the pledge stands.
    async fn status(&self) -> Status {
        self.0.status.into()
    }

    /// The day of the pledge.
    async fn pledged_on(&self) -> Date {
        Date(self.0.pledged_on)
    }

    /// The day it should be fulfilled by.
    async fn due_on(&self) -> Option<Date> {
        self.0.due_on.map(Date)
    }

    /// When an official confirmed it.
    async fn confirmed_at(&self) -> Option<DateTime> {
        self.0.confirmed_at.map(DateTime)
    }

    /// When it was cancelled.
    async fn cancelled_at(&self) -> Option<DateTime> {
        self.0.cancelled_at.map(DateTime)
    }

    /// Why it was cancelled.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason.as_deref()
    }

    /// What has been handed over, oldest first.
    async fn disbursements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Disbursement>> {
        let rows = loaded(
            loaders(ctx)?
                .disbursements_by_contribution
                .load_one(self.0.id)
                .await,
        )?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(Disbursement)
            .collect())
    }

    /// When the pledge was recorded.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// Money or goods handed over against a contribution.
#[derive(Clone)]
pub struct Disbursement(pub disbursement::Model);

/// Money or goods handed over against a contribution.
#[Object]
impl Disbursement {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(DisbursementKey::KIND, self.0.id)
    }

    /// The contribution it counts towards.
    async fn contribution(&self, ctx: &Context<'_>) -> async_graphql::Result<Contribution> {
        let found = loaded(
            loaders(ctx)?
                .contributions
                .load_one(self.0.contribution_id)
                .await,
        )?;
        Ok(found.map(Contribution).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("bug: a contribution row is missing"))
        })?)
    }

    /// The amount, in đồng.
    async fn amount(&self) -> Vnd {
        Vnd::amount(self.0.amount)
    }

    /// The day it was handed over.
    async fn disbursed_on(&self) -> Date {
        Date(self.0.disbursed_on)
    }

    /// Evidence: a receipt, transfer or handover record number.
    async fn reference(&self) -> &str {
        &self.0.reference
    }

    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime {
        self.0.recorded_at.into()
    }
}

impl Leaves for Contribution {
    fn type_name(&self) -> &'static str {
        "Contribution"
    }

    fn leaf(&self, ctx: &Context<'_>, name: &str) -> Option<Value> {
        match name {
            "id" => now(self.id(ctx)),
            "kind" => now_enum(self.kind(ctx)),
            "purpose" => now(self.purpose(ctx)),
            "pledgedAmount" => now(self.pledged_amount(ctx)),
            "disbursedAmount" => now(self.disbursed_amount(ctx)),
            "outstandingAmount" => now(self.outstanding_amount(ctx)),
            "status" => now_enum(self.status(ctx)),
            "pledgedOn" => now(self.pledged_on(ctx)),
            "dueOn" => now(self.due_on(ctx)),
            "confirmedAt" => now(self.confirmed_at(ctx)),
            "cancelledAt" => now(self.cancelled_at(ctx)),
            "cancellationReason" => now(self.cancellation_reason(ctx)),
            "createdAt" => now(self.created_at(ctx)),
            _ => None,
        }
    }
}

impl Planned for Contribution {
    fn relation<'a>(
        loaders: &'a Loaders,
        name: &str,
        items: &'a [Self],
    ) -> Option<BoxFuture<'a, Result<Related, ApiError>>> {
        match name {
            "commune" => Some(Box::pin(async move {
                let keys = || items.iter().map(|c| c.0.commune_id);
                let rows = load_rows(&loaders.communes, keys()).await?;
                plan::each(rows, keys(), Commune)
            })),
            "contributor" => Some(Box::pin(partners(
                loaders,
                items.iter().map(|c| (c.0.enterprise_id, c.0.agency_id)),
            ))),
            _ => None,
        }
    }
}

connection!(
    planned Contribution,
    ContributionConnection,
    ContributionEdge,
    "contributions"
);

/// Narrows a list of contributions.
#[derive(InputObject, Default, Clone)]
pub struct ContributionFilter {
    /// A Commune ID.
    pub commune_id: Option<ID>,
    /// An Enterprise or Agency ID.
    pub contributor_id: Option<ID>,
    /// Only these statuses.
    pub statuses: Option<Vec<Status>>,
    /// Only these kinds.
    pub kinds: Option<Vec<Kind>>,
    /// Pledged on or after this day.
    pub pledged_from: Option<Date>,
    /// Pledged on or before this day.
    pub pledged_to: Option<Date>,
    /// Only contributions to the programme's special communes.
    pub special_communes_only: Option<bool>,
}

impl ContributionFilter {
    /// The domain's filter, its IDs decoded (BAD_USER_INPUT when one is not of
    /// the kind expected).
    pub fn decode(self) -> Result<filter::ContributionFilter, ApiError> {
        Ok(filter::ContributionFilter {
            commune: self
                .commune_id
                .map(|id| argument_key::<CommuneKey>(&id, "filter.communeId"))
                .transpose()?,
            contributor: self
                .contributor_id
                .map(|id| {
                    partner_key(&id).ok_or_else(|| {
                        ApiError::BadUserInput(
                            "filter.contributorId: not an Enterprise or Agency ID".into(),
                        )
                    })
                })
                .transpose()?,
            statuses: self
                .statuses
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
            kinds: self
                .kinds
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            pledged_from: self.pledged_from.map(|day| day.0),
            pledged_to: self.pledged_to.map(|day| day.0),
            special_communes_only: self.special_communes_only == Some(true),
        })
    }

    pub fn condition(self) -> Result<Condition, ApiError> {
        Ok(self.decode()?.condition())
    }
}

/// What contributions may be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContributionOrderField {
    /// The day of the pledge.
    PledgedOn,
    /// The amount pledged.
    PledgedAmount,
    /// When the pledge was recorded.
    CreatedAt,
}

/// The order of a list of contributions.
#[derive(InputObject)]
pub struct ContributionOrder {
    /// What to sort by.
    pub field: ContributionOrderField,
    /// Ascending or descending.
    pub direction: OrderDirection,
}

fn sort(order: Option<ContributionOrder>) -> Sort<contribution::Entity> {
    let (field, direction) = order.map_or(
        (ContributionOrderField::PledgedOn, OrderDirection::Desc),
        |o| (o.field, o.direction),
    );
    let ascending = direction.ascending();
    let id_of = |m: &contribution::Model| m.id;
    match field {
        ContributionOrderField::PledgedOn => Sort::by(
            contribution::Column::PledgedOn,
            contribution::Column::Id,
            ascending,
            KeyOf::Date(|m: &contribution::Model| m.pledged_on),
            id_of,
        ),
        ContributionOrderField::PledgedAmount => Sort::by(
            contribution::Column::PledgedAmount,
            contribution::Column::Id,
            ascending,
            KeyOf::Int(|m: &contribution::Model| m.pledged_amount),
            id_of,
        ),
        ContributionOrderField::CreatedAt => Sort::by(
            contribution::Column::CreatedAt,
            contribution::Column::Id,
            ascending,
            KeyOf::Time(|m: &contribution::Model| m.created_at),
            id_of,
        ),
    }
}

/// The arguments of every contributions connection.
pub struct ContributionArgs {
    pub page: PageArgs,
    pub filter: Option<ContributionFilter>,
    pub order_by: Option<ContributionOrder>,
}

/// A page of contributions matching `args` and `scope` (a commune's or a
/// contributor's own list).
pub async fn contributions_page(
    ctx: &Context<'_>,
    args: ContributionArgs,
    scope: Condition,
) -> async_graphql::Result<ContributionConnection> {
    let condition = args.filter.unwrap_or_default().condition()?.add(scope);
    let page = paginate(
        &app(ctx)?.db.read,
        contribution::Entity::find().filter(condition),
        &sort(args.order_by),
        args.page,
        ctx.look_ahead().field("totalCount").exists(),
    )
    .await?;
    Ok(page.map(Contribution).into())
}

#[derive(Default)]
pub struct ContributionQuery;

#[Object]
impl ContributionQuery {
    /// The ledger: every contribution, newest pledge first unless ordered; public.
    #[allow(clippy::too_many_arguments)]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            ContributionFilter,
        >,
        #[graphql(desc = "The order; the list's default when absent.")] order_by: Option<
            ContributionOrder,
        >,
    ) -> async_graphql::Result<ContributionConnection> {
        let args = ContributionArgs {
            page: PageArgs::new(first, after, last, before),
            filter,
            order_by,
        };
        contributions_page(ctx, args, Condition::all()).await
    }
}

/// A contribution; the ledger is public.
pub async fn contribution_node(
    ctx: &Context<'_>,
    key: i64,
) -> Result<Option<Contribution>, ApiError> {
    Ok(loaded(loaders(ctx)?.contributions.load_one(key).await)?.map(Contribution))
}

/// A disbursement; the ledger is public.
pub async fn disbursement_node(
    ctx: &Context<'_>,
    key: i64,
) -> Result<Option<Disbursement>, ApiError> {
    Ok(disbursement::Entity::find_by_id(key)
        .one(&app(ctx)?.db.read)
        .await?
        .map(Disbursement))
}

/// A pledge.
#[derive(InputObject)]
pub struct PledgeContributionInput {
    /// The commune's ID.
    pub commune_id: ID,
    /// Required for officials recording a pledge on a partner's behalf; a FIRM always pledges as its own enterprise.
    pub contributor_id: Option<ID>,
    /// What kind it is.
    pub kind: Kind,
    /// What it is for (at most 1,000 characters).
    pub purpose: String,
    /// The amount in whole đồng (1 to 10^15).
    pub amount: Vnd,
    /// Default: today.
    pub pledged_on: Option<Date>,
    /// The day it should be fulfilled by.
    pub due_on: Option<Date>,
    /// Retrying with the same key from the same account returns the first contribution instead of creating another.
    pub idempotency_key: Option<String>,
}

impl TryFrom<PledgeContributionInput> for Pledge {
    type Error = UserError;

    fn try_from(input: PledgeContributionInput) -> Result<Self, UserError> {
        Ok(Pledge {
            contributor_id: input
                .contributor_id
                .map(|id| input_partner(&id, "contributorId"))
                .transpose()?,
            commune_id: input_key(&input.commune_id, "communeId")?,
            amount: PositiveVnd::parse("amount", input.amount.get())?,
            purpose: Note::parse("purpose", &input.purpose)?,
            kind: input.kind.into(),
            pledged_on: input.pledged_on.map(|day| day.0),
            due_on: input.due_on.map(|day| day.0),
            idempotency_key: input
                .idempotency_key
                .map(|key| IdempotencyKey::parse("idempotencyKey", &key))
                .transpose()?,
        })
    }
}

/// The outcome of `pledgeContribution`.
#[derive(SimpleObject, Default)]
pub struct PledgeContributionPayload {
    /// The contribution as the mutation left it; null when it failed.
    pub contribution: Option<Contribution>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(PledgeContributionPayload {
    contribution: Contribution
});

/// The contribution to confirm.
#[derive(InputObject)]
pub struct ConfirmContributionInput {
    /// The contribution's ID.
    pub contribution_id: ID,
}

impl TryFrom<ConfirmContributionInput> for Confirm {
    type Error = UserError;

    fn try_from(input: ConfirmContributionInput) -> Result<Self, UserError> {
        Ok(Confirm {
            contribution_id: input_key(&input.contribution_id, "contributionId")?,
        })
    }
}

/// The outcome of `confirmContribution`.
#[derive(SimpleObject, Default)]
pub struct ConfirmContributionPayload {
    /// The contribution as the mutation left it; null when it failed.
    pub contribution: Option<Contribution>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(ConfirmContributionPayload {
    contribution: Contribution
});

/// A disbursement against a confirmed contribution.
#[derive(InputObject)]
pub struct RecordDisbursementInput {
    /// The contribution's ID.
    pub contribution_id: ID,
    /// The amount in whole đồng (1 to 10^15).
    pub amount: Vnd,
    /// The day it was handed over.
    pub disbursed_on: Date,
    /// Evidence: a receipt, transfer or handover record number.
    pub reference: String,
}

impl TryFrom<RecordDisbursementInput> for Disburse {
    type Error = UserError;

    fn try_from(input: RecordDisbursementInput) -> Result<Self, UserError> {
        Ok(Disburse {
            contribution_id: input_key(&input.contribution_id, "contributionId")?,
            amount: PositiveVnd::parse("amount", input.amount.get())?,
            reference: Name::parse("reference", &input.reference)?,
            disbursed_on: input.disbursed_on.0,
        })
    }
}

/// The outcome of `recordDisbursement`.
#[derive(SimpleObject, Default)]
pub struct RecordDisbursementPayload {
    /// The disbursement recorded; null when the mutation failed.
    pub disbursement: Option<Disbursement>,
    /// The contribution as the mutation left it; null when it failed.
    pub contribution: Option<Contribution>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(RecordDisbursementPayload {
    disbursement: Disbursement,
    contribution: Contribution
});

/// The contribution to cancel, and why.
#[derive(InputObject)]
pub struct CancelContributionInput {
    /// The contribution's ID.
    pub contribution_id: ID,
    /// Why (at most 1,000 characters).
    pub reason: String,
}

impl TryFrom<CancelContributionInput> for Cancel {
    type Error = UserError;

    fn try_from(input: CancelContributionInput) -> Result<Self, UserError> {
        Ok(Cancel {
            contribution_id: input_key(&input.contribution_id, "contributionId")?,
            reason: Note::parse("reason", &input.reason)?,
        })
    }
}

/// The outcome of `cancelContribution`.
#[derive(SimpleObject, Default)]
pub struct CancelContributionPayload {
    /// The contribution as the mutation left it; null when it failed.
    pub contribution: Option<Contribution>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(CancelContributionPayload {
    contribution: Contribution
});

#[derive(Default)]
pub struct ContributionMutation;

#[Object]
impl ContributionMutation {
    /// Pledges support to a commune: a verified firm as its own enterprise, or an
    /// official on behalf of an enterprise or agency.
    async fn pledge_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: PledgeContributionInput,
    ) -> async_graphql::Result<PledgeContributionPayload> {
        respond(mutate(ctx, input, rules::pledge).await.map(Contribution))
    }

    /// Confirms a pledge (officials and admins).
    async fn confirm_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: ConfirmContributionInput,
    ) -> async_graphql::Result<ConfirmContributionPayload> {
        respond(mutate(ctx, input, rules::confirm).await.map(Contribution))
    }

    /// Records a disbursement on a confirmed contribution (officials and admins).
    async fn record_disbursement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: RecordDisbursementInput,
    ) -> async_graphql::Result<RecordDisbursementPayload> {
        respond(
            mutate(ctx, input, rules::disburse)
                .await
                .map(|(recorded, model)| (Disbursement(recorded), Contribution(model))),
        )
    }

    /// Cancels a contribution with nothing disbursed.
    async fn cancel_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: CancelContributionInput,
    ) -> async_graphql::Result<CancelContributionPayload> {
        respond(mutate(ctx, input, rules::cancel).await.map(Contribution))
    }
}
