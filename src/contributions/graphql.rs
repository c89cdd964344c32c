//! `Contribution`, `Disbursement`, and the ledger's queries and mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    disbursement,
    entity::{self as contribution, ContributionKind, ContributionStatus},
    rules::{self, Cancel, Confirm, Disburse, IdempotencyKey, Pledge},
};
use crate::{
    communes::{entity as commune, graphql::Commune},
    connection,
    error::{ApiError, UserError},
    graphql::{
        app,
        errors::respond,
        ids::{self, argument_key, input_key, input_partner, partner_key},
        loaders::{loaded, loaders},
        mutate,
        pagination::{KeyOf, OrderDirection, PageArgs, Sort, paginate},
        scalars::{Date, DateTime, Vnd},
    },
    keys::{CommuneKey, ContributionKey, DisbursementKey, Key, PartnerKey},
    money::PositiveVnd,
    text::{Name, Note},
    twinnings::graphql::{Partner, load_partner},
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

connection!(
    Contribution,
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
    pub statuses: Option<Vec<Status>>,
    pub kinds: Option<Vec<Kind>>,
    /// Pledged on or after this day.
    pub pledged_from: Option<Date>,
    /// Pledged on or before this day.
    pub pledged_to: Option<Date>,
    /// Only contributions to the programme's special communes.
    pub special_communes_only: Option<bool>,
}

impl ContributionFilter {
    pub fn condition(self) -> Result<Condition, ApiError> {
        let mut condition = Condition::all();
        if let Some(id) = self.commune_id {
            let key: CommuneKey = argument_key(&id, "filter.communeId")?;
            condition = condition.add(contribution::Column::CommuneId.eq(key.get()));
        }
        if let Some(id) = self.contributor_id {
            condition = condition.add(match partner_key(&id) {
                Some(PartnerKey::Enterprise(key)) => {
                    contribution::Column::EnterpriseId.eq(key.get())
                }
                Some(PartnerKey::Agency(key)) => contribution::Column::AgencyId.eq(key.get()),
                None => {
                    return Err(ApiError::BadUserInput(
                        "filter.contributorId: not an Enterprise or Agency ID".into(),
                    ));
                }
            });
        }
        if let Some(statuses) = self.statuses {
            condition = condition.add(
                contribution::Column::Status
                    .is_in(statuses.into_iter().map(ContributionStatus::from)),
            );
        }
        if let Some(kinds) = self.kinds {
            condition = condition.add(
                contribution::Column::Kind.is_in(kinds.into_iter().map(ContributionKind::from)),
            );
        }
        if let Some(from) = self.pledged_from {
            condition = condition.add(contribution::Column::PledgedOn.gte(from.0));
        }
        if let Some(to) = self.pledged_to {
            condition = condition.add(contribution::Column::PledgedOn.lte(to.0));
        }
        if self.special_communes_only == Some(true) {
            let special = Query::select()
                .column(commune::Column::Id)
                .from(commune::Entity)
                .and_where(Expr::col(commune::Column::Special).eq(true))
                .to_owned();
            condition = condition.add(contribution::Column::CommuneId.in_subquery(special));
        }
        Ok(condition)
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
    pub field: ContributionOrderField,
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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ContributionFilter>,
        order_by: Option<ContributionOrder>,
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
    pub commune_id: ID,
    /// Required for officials recording a pledge on a partner's behalf; a FIRM always pledges as its own enterprise.
    pub contributor_id: Option<ID>,
    pub kind: Kind,
    pub purpose: String,
    pub amount: Vnd,
    /// Default: today.
    pub pledged_on: Option<Date>,
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
    pub contribution: Option<Contribution>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(PledgeContributionPayload {
    contribution: Contribution
});

/// The contribution to confirm.
#[derive(InputObject)]
pub struct ConfirmContributionInput {
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
    pub contribution: Option<Contribution>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(ConfirmContributionPayload {
    contribution: Contribution
});

/// A disbursement against a confirmed contribution.
#[derive(InputObject)]
pub struct RecordDisbursementInput {
    pub contribution_id: ID,
    pub amount: Vnd,
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
    pub disbursement: Option<Disbursement>,
    pub contribution: Option<Contribution>,
    pub user_errors: Vec<UserError>,
}

crate::payload!(RecordDisbursementPayload {
    disbursement: Disbursement,
    contribution: Contribution
});

/// The contribution to cancel, and why.
#[derive(InputObject)]
pub struct CancelContributionInput {
    pub contribution_id: ID,
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
    pub contribution: Option<Contribution>,
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
        input: PledgeContributionInput,
    ) -> async_graphql::Result<PledgeContributionPayload> {
        respond(mutate(ctx, input, rules::pledge).await.map(Contribution))
    }

    /// Confirms a pledge (officials and admins).
    async fn confirm_contribution(
        &self,
        ctx: &Context<'_>,
        input: ConfirmContributionInput,
    ) -> async_graphql::Result<ConfirmContributionPayload> {
        respond(mutate(ctx, input, rules::confirm).await.map(Contribution))
    }

    /// Records a disbursement on a confirmed contribution (officials and admins).
    async fn record_disbursement(
        &self,
        ctx: &Context<'_>,
        input: RecordDisbursementInput,
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
        input: CancelContributionInput,
    ) -> async_graphql::Result<CancelContributionPayload> {
        respond(mutate(ctx, input, rules::cancel).await.map(Contribution))
    }
}
