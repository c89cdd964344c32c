//! The reports' GraphQL: `contributionSummary`, `programmeOverview`, the
//! `contributionTotals` of communes and enterprises, and agencies' `responseStats`.

use async_graphql::{Context, Enum, Object, SimpleObject};
use sea_orm::Condition;

use super::{
    figures,
    totals::{self, GroupKey, Grouping, Totals},
};
use crate::{
    contributions::graphql::ContributionFilter,
    error::ApiError,
    graphql::{
        app, ids,
        loaders::{loaded, loaders},
        scalars::Vnd,
    },
    keys::ObjectKind,
};

fn count(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
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
            pledged: Vnd::total(totals.pledged),
            disbursed: Vnd::total(totals.disbursed),
            outstanding: Vnd::total(totals.outstanding()),
        }
    }
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

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
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
                        ids::encode(ObjectKind::Commune, id).0,
                        name(communes.get(&id).map(|c| c.name.clone())),
                    ),
                    GroupKey::Enterprise(id) => (
                        ids::encode(ObjectKind::Enterprise, id).0,
                        name(enterprises.get(&id).map(|e| e.name.clone())),
                    ),
                    GroupKey::Agency(id) => (
                        ids::encode(ObjectKind::Agency, id).0,
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
        let figures = figures::registry_figures(db, app.clock.today())
            .await
            .map_err(ApiError::from)?;
        let contributions = totals::totals(db, Condition::all())
            .await
            .map_err(ApiError::from)?;
        let dialogues = figures::dialogue_figures(db, app.clock.today())
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
    Ok(ResponseStats {
        assigned: count(figures.assigned),
        answered: count(figures.answered),
        answered_on_time: count(figures.answered_on_time),
        overdue: count(figures.overdue),
        on_time_rate: (figures.answered > 0)
            .then(|| figures.answered_on_time as f64 / figures.answered as f64),
    })
}
