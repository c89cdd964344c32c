//! `Contribution`, `Disbursement`, the ledger's queries and mutations, and
//! `programmeOverview`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{
    disbursement,
    entity::{self as contribution, ContributionKind, ContributionStatus},
    rules::{self, Cancel, Disburse, Pledge},
    totals::{self, GroupKey, Grouping, Totals},
};
use crate::{
    communes::{entity as commune, graphql::Commune},
    connection,
    graphql::{
        app,
        errors::{ApiError, UserError, payload, respond},
        ids::{self, NodeKind},
        loaders::{loaded, loaders},
        pagination::{OrderDirection, PageArgs, Sort, SortValue, paginate},
        scalars::{Date, DateTime, Vnd},
        session,
    },
    twinnings::{
        graphql::{Partner, load_partner},
        rules::PartnerKey,
    },
};

/// Support pledged by an enterprise or agency to a commune, and what of it has been disbursed.
#[derive(Clone)]
pub struct Contribution(pub contribution::Model);

#[Object]
impl Contribution {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(NodeKind::Contribution, self.0.id)
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
    async fn kind(&self) -> ContributionKind {
        self.0.kind
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
    async fn status(&self) -> ContributionStatus {
        self.0.status
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
        ids::encode(NodeKind::Disbursement, self.0.id)
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

/// Totals over contributions that are not cancelled.
#[derive(SimpleObject, Clone, Copy)]
pub struct ContributionTotals {
    /// Number of contributions.
    pub count: i32,
    /// Sum pledged, in đồng.
    pub pledged: Vnd,
    /// Sum disbursed, in đồng.
    pub disbursed: Vnd,
    /// pledged - disbursed.
    pub outstanding: Vnd,
}

impl From<Totals> for ContributionTotals {
    fn from(totals: Totals) -> Self {
        ContributionTotals {
            count: i32::try_from(totals.count).unwrap_or(i32::MAX),
            pledged: Vnd::amount(totals.pledged),
            disbursed: Vnd::amount(totals.disbursed),
            outstanding: Vnd::amount(totals.outstanding()),
        }
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
    pub statuses: Option<Vec<ContributionStatus>>,
    pub kinds: Option<Vec<ContributionKind>>,
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
            let key = ids::key_for_argument(&id, NodeKind::Commune, "filter.communeId")?;
            condition = condition.add(contribution::Column::CommuneId.eq(key));
        }
        if let Some(id) = self.contributor_id {
            condition = condition.add(match PartnerKey::parse("contributorId", &id) {
                Ok(PartnerKey::Enterprise(key)) => contribution::Column::EnterpriseId.eq(key),
                Ok(PartnerKey::Agency(key)) => contribution::Column::AgencyId.eq(key),
                Err(_) => {
                    return Err(ApiError::BadUserInput(
                        "filter.contributorId: not an Enterprise or Agency ID".into(),
                    ));
                }
            });
        }
        if let Some(statuses) = self.statuses {
            condition = condition.add(contribution::Column::Status.is_in(statuses));
        }
        if let Some(kinds) = self.kinds {
            condition = condition.add(contribution::Column::Kind.is_in(kinds));
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
            |m: &contribution::Model| SortValue::Date(m.pledged_on),
            id_of,
        ),
        ContributionOrderField::PledgedAmount => Sort::by(
            contribution::Column::PledgedAmount,
            contribution::Column::Id,
            ascending,
            |m: &contribution::Model| SortValue::Int(m.pledged_amount),
            id_of,
        ),
        ContributionOrderField::CreatedAt => Sort::by(
            contribution::Column::CreatedAt,
            contribution::Column::Id,
            ascending,
            |m: &contribution::Model| SortValue::Time(m.created_at),
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

/// How `contributionSummary` groups.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContributionGrouping {
    /// By commune.
    Commune,
    /// By enterprise or agency.
    Contributor,
    /// By kind.
    Kind,
    /// Year of pledgedOn.
    Year,
    /// By status.
    Status,
}

/// Totals of one group.
#[derive(SimpleObject)]
pub struct ContributionGroup {
    /// The commune's or contributor's node ID, the enum value, or the year as digits.
    pub key: String,
    /// Human-readable: the commune or contributor name, the enum value, or the year.
    pub label: String,
    pub totals: ContributionTotals,
}

/// The programme at a glance: the figures a provincial report quotes.
#[derive(SimpleObject)]
pub struct ProgrammeOverview {
    /// Communes marked special (đặc thù).
    pub special_communes: i32,
    /// Special communes at newRuralLevel STANDARD or above.
    pub special_communes_at_new_rural_standard: i32,
    /// Special communes with at least one active twinning.
    pub twinned_special_communes: i32,
    /// Distinct enterprises and agencies with an active twinning.
    pub partners: i32,
    /// Totals over contributions that are not cancelled.
    pub contributions: ContributionTotals,
    /// Dialogues closed as held.
    pub dialogues_held: i32,
    /// Agenda items raised, in any state.
    pub agenda_items: i32,
    /// Agenda items that have received an answer.
    pub agenda_items_answered: i32,
    /// Agenda items assigned, unanswered and past their due date today.
    pub agenda_items_overdue: i32,
}

fn count(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
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

    /// Totals grouped one way, computed in the database; groups ordered by pledged total, largest first.
    async fn contribution_summary(
        &self,
        ctx: &Context<'_>,
        group_by: ContributionGrouping,
        filter: Option<ContributionFilter>,
    ) -> async_graphql::Result<Vec<ContributionGroup>> {
        let condition = filter.unwrap_or_default().condition()?;
        let grouping = match group_by {
            ContributionGrouping::Commune => Grouping::Commune,
            ContributionGrouping::Contributor => Grouping::Contributor,
            ContributionGrouping::Kind => Grouping::Kind,
            ContributionGrouping::Year => Grouping::Year,
            ContributionGrouping::Status => Grouping::Status,
        };
        let groups = totals::summary(&app(ctx)?.db.read, grouping, condition)
            .await
            .map_err(ApiError::from)?;
        let loaders = loaders(ctx)?;
        let keys = |pick: fn(&GroupKey) -> Option<i64>| {
            groups
                .iter()
                .filter_map(|(k, _)| pick(k))
                .collect::<Vec<_>>()
        };
        let communes = loaded(
            loaders
                .communes
                .load_many(keys(|k| match k {
                    GroupKey::Commune(id) => Some(*id),
                    _ => None,
                }))
                .await,
        )?;
        let enterprises = loaded(
            loaders
                .enterprises
                .load_many(keys(|k| match k {
                    GroupKey::Enterprise(id) => Some(*id),
                    _ => None,
                }))
                .await,
        )?;
        let agencies = loaded(
            loaders
                .agencies
                .load_many(keys(|k| match k {
                    GroupKey::Agency(id) => Some(*id),
                    _ => None,
                }))
                .await,
        )?;
        let name = |found: Option<String>| found.unwrap_or_default();
        Ok(groups
            .into_iter()
            .map(|(key, totals)| {
                let (key, label) = match key {
                    GroupKey::Commune(id) => (
                        ids::encode(NodeKind::Commune, id).0,
                        name(communes.get(&id).map(|c| c.name.clone())),
                    ),
                    GroupKey::Enterprise(id) => (
                        ids::encode(NodeKind::Enterprise, id).0,
                        name(enterprises.get(&id).map(|e| e.name.clone())),
                    ),
                    GroupKey::Agency(id) => (
                        ids::encode(NodeKind::Agency, id).0,
                        name(agencies.get(&id).map(|a| a.name.clone())),
                    ),
                    GroupKey::Text(value) => (value.clone(), value),
                    GroupKey::Year(year) => (year.to_string(), year.to_string()),
                };
                ContributionGroup {
                    key,
                    label,
                    totals: totals.into(),
                }
            })
            .collect())
    }

    /// The programme at a glance; public.
    async fn programme_overview(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ProgrammeOverview> {
        let app = app(ctx)?;
        let db = &app.db.read;
        let figures = totals::registry_figures(db, app.clock.today())
            .await
            .map_err(ApiError::from)?;
        let contributions = totals::totals(db, Condition::all())
            .await
            .map_err(ApiError::from)?;
        let dialogues = crate::agenda::rules::dialogue_figures(db, app.clock.today())
            .await
            .map_err(ApiError::from)?;
        Ok(ProgrammeOverview {
            special_communes: count(figures.special_communes),
            special_communes_at_new_rural_standard: count(figures.special_communes_at_standard),
            twinned_special_communes: count(figures.twinned_special_communes),
            partners: count(figures.partners),
            contributions: contributions.into(),
            dialogues_held: count(dialogues.dialogues_held),
            agenda_items: count(dialogues.agenda_items),
            agenda_items_answered: count(dialogues.agenda_items_answered),
            agenda_items_overdue: count(dialogues.agenda_items_overdue),
        })
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

/// Totals of one commune or contributor, batched across a page.
pub async fn totals_of(ctx: &Context<'_>, of: TotalsOf) -> Result<ContributionTotals, ApiError> {
    let loaders = loaders(ctx)?;
    let found = match of {
        TotalsOf::Commune(id) => loaded(loaders.totals_by_commune.load_one(id).await)?,
        TotalsOf::Enterprise(id) => loaded(loaders.totals_by_enterprise.load_one(id).await)?,
    };
    Ok(found.unwrap_or_default().into())
}

/// Whose totals.
pub enum TotalsOf {
    Commune(i64),
    Enterprise(i64),
}

/// A pledge.
#[derive(InputObject)]
pub struct PledgeContributionInput {
    pub commune_id: ID,
    /// Required for officials recording a pledge on a partner's behalf; a FIRM always pledges as its own enterprise.
    pub contributor_id: Option<ID>,
    pub kind: ContributionKind,
    pub purpose: String,
    pub amount: Vnd,
    /// Default: today.
    pub pledged_on: Option<Date>,
    pub due_on: Option<Date>,
    /// Retrying with the same key from the same account returns the first contribution instead of creating another.
    pub idempotency_key: Option<String>,
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

/// The outcome of `recordDisbursement`.
#[derive(SimpleObject, Default)]
pub struct RecordDisbursementPayload {
    pub disbursement: Option<Disbursement>,
    pub contribution: Option<Contribution>,
    pub user_errors: Vec<UserError>,
}

/// The contribution to cancel, and why.
#[derive(InputObject)]
pub struct CancelContributionInput {
    pub contribution_id: ID,
    pub reason: String,
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
        let request = Pledge {
            commune_id: input.commune_id.0,
            contributor_id: input.contributor_id.map(|id| id.0),
            kind: input.kind,
            purpose: input.purpose,
            amount: input.amount.get(),
            pledged_on: input.pledged_on.map(|d| d.0),
            due_on: input.due_on.map(|d| d.0),
            idempotency_key: input.idempotency_key,
        };
        respond(
            rules::pledge(app(ctx)?, session(ctx)?, request)
                .await
                .map(Contribution),
        )
    }

    /// Confirms a pledge (officials and admins).
    async fn confirm_contribution(
        &self,
        ctx: &Context<'_>,
        input: ConfirmContributionInput,
    ) -> async_graphql::Result<ConfirmContributionPayload> {
        respond(
            rules::confirm(app(ctx)?, session(ctx)?, input.contribution_id.0)
                .await
                .map(Contribution),
        )
    }

    /// Records a disbursement on a confirmed contribution (officials and admins).
    async fn record_disbursement(
        &self,
        ctx: &Context<'_>,
        input: RecordDisbursementInput,
    ) -> async_graphql::Result<RecordDisbursementPayload> {
        let request = Disburse {
            contribution_id: input.contribution_id.0,
            amount: input.amount.get(),
            disbursed_on: input.disbursed_on.0,
            reference: input.reference,
        };
        Ok(
            match payload(rules::disburse(app(ctx)?, session(ctx)?, request).await)? {
                Ok((recorded, model)) => RecordDisbursementPayload {
                    disbursement: Some(Disbursement(recorded)),
                    contribution: Some(Contribution(model)),
                    user_errors: vec![],
                },
                Err(user_errors) => RecordDisbursementPayload {
                    user_errors,
                    ..Default::default()
                },
            },
        )
    }

    /// Cancels a contribution with nothing disbursed.
    async fn cancel_contribution(
        &self,
        ctx: &Context<'_>,
        input: CancelContributionInput,
    ) -> async_graphql::Result<CancelContributionPayload> {
        let request = Cancel {
            contribution_id: input.contribution_id.0,
            reason: input.reason,
        };
        respond(
            rules::cancel(app(ctx)?, session(ctx)?, request)
                .await
                .map(Contribution),
        )
    }
}
