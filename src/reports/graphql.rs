//! The reports' GraphQL: `contributionSummary`, `programmeOverview`,
//! `programmeReport`, the `contributionTotals` of communes and enterprises, and
//! agencies' `responseStats`.

use async_graphql::{Context, Enum, Object, SimpleObject, Value};
use sea_orm::Condition;

use super::{
    figures,
    programme::{self, ContributorKind, LedgerFigures, Period, ProgrammeReport as Report},
    totals::{self, Group, GroupKey, Grouping, Totals},
};
use crate::{
    agenda::graphql::{Category, Channel},
    communes::graphql::RuralLevel,
    contributions::graphql::ContributionFilter,
    error::ApiError,
    graphql::{
        app, ids,
        loaders::{loaded, loaders},
        plan::{LeafValue, Leaves},
        scalars::{Date, Vnd},
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

impl Leaves for ContributionTotals {
    fn type_name(&self) -> &'static str {
        "ContributionTotals"
    }

    fn leaf(&self, _: &Context<'_>, name: &str) -> Option<Value> {
        Some(match name {
            "count" => self.count.value(),
            "pledged" => self.pledged.value(),
            "disbursed" => self.disbursed.value(),
            "outstanding" => self.outstanding.value(),
            _ => return None,
        })
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
    /// The group's totals.
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

/// The programme report for a period (báo cáo chương trình): what a province
/// publishes. "In the period" means: a pledge by its pledgedOn, a disbursement by
/// its disbursedOn, a twinning by its startedOn, a dialogue by when it started, an
/// agenda item by when it was submitted, an answer by when it was given; instants
/// fall on days of the programme's time zone.
#[derive(SimpleObject)]
pub struct ProgrammeReport {
    /// The period's first day.
    pub from: Date,
    /// The period's last day (included).
    pub to: Date,
    /// The special communes (xã đặc thù) and the new-rural levels they reached.
    pub communes: ReportCommunes,
    /// Twinnings started in the period.
    pub twinnings: ReportTwinnings,
    /// Pledged, confirmed and disbursed, in all and by year and contributor kind.
    pub contributions: ReportLedger,
    /// Dialogues held in the period and who attended.
    pub dialogues: ReportDialogues,
    /// Agenda items (kiến nghị) raised, answered and resolved in the period.
    pub agenda_items: ReportAgenda,
}

/// The special communes and the new-rural levels (nông thôn mới) they reached.
#[derive(SimpleObject)]
pub struct ReportCommunes {
    /// Communes marked special (đặc thù), today.
    pub special_communes: i32,
    /// Special communes at newRuralLevel STANDARD or above, today.
    pub at_new_rural_standard: i32,
    /// Special communes with a twinning active on the period's last day.
    pub twinned_at_end: i32,
    /// Every level, NOT_YET first, with the special communes at it.
    pub by_new_rural_level: Vec<ReportLevel>,
}

/// The special communes at one new-rural level.
#[derive(SimpleObject)]
pub struct ReportLevel {
    /// The level.
    pub level: RuralLevel,
    /// Special communes at this level today.
    pub communes: i32,
    /// Of those, the ones recognised at it in a year the period touches.
    pub recognised_in_period: i32,
}

/// Twinnings started in the period.
#[derive(SimpleObject)]
pub struct ReportTwinnings {
    /// All twinnings started.
    pub started: i32,
    /// Started by enterprises (kết nghĩa, TWINNED).
    pub by_enterprises: i32,
    /// Started by agencies in charge (phụ trách, IN_CHARGE).
    pub by_agencies: i32,
}

/// The ledger's figures for the period.
#[derive(SimpleObject)]
pub struct ReportLedger {
    /// The whole period.
    pub total: ReportLedgerFigures,
    /// Every calendar year the period touches, oldest first (the year's part of the period).
    pub by_year: Vec<ReportLedgerYear>,
    /// Enterprises, then agencies.
    pub by_contributor_kind: Vec<ReportLedgerContributors>,
}

/// Pledged, confirmed and disbursed.
#[derive(SimpleObject, Clone, Copy)]
pub struct ReportLedgerFigures {
    /// Contributions pledged (by pledgedOn), not cancelled.
    pub pledges: i32,
    /// What they pledged, in đồng.
    pub pledged: Vnd,
    /// What of it an official confirmed (CONFIRMED or FULFILLED), in đồng.
    pub confirmed: Vnd,
    /// Disbursements made (by disbursedOn), whenever pledged, in đồng.
    pub disbursed: Vnd,
}

impl From<LedgerFigures> for ReportLedgerFigures {
    fn from(figures: LedgerFigures) -> Self {
        ReportLedgerFigures {
            pledges: count(figures.pledges),
            pledged: Vnd::total(figures.pledged),
            confirmed: Vnd::total(figures.confirmed),
            disbursed: Vnd::total(figures.disbursed),
        }
    }
}

/// The ledger's figures of one calendar year.
#[derive(SimpleObject)]
pub struct ReportLedgerYear {
    /// The year.
    pub year: i32,
    /// Its figures.
    pub figures: ReportLedgerFigures,
}

/// Who gave.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContributorType {
    /// Enterprises (doanh nghiệp).
    Enterprise,
    /// Agencies (sở, ban, ngành, đoàn thể).
    Agency,
}

/// The ledger's figures of one kind of contributor.
#[derive(SimpleObject)]
pub struct ReportLedgerContributors {
    /// The kind of contributor.
    pub kind: ContributorType,
    /// Its figures.
    pub figures: ReportLedgerFigures,
}

/// Dialogues (đối thoại) held in the period.
#[derive(SimpleObject)]
pub struct ReportDialogues {
    /// Dialogues closed as held that started in the period.
    pub held: i32,
    /// Distinct enterprises registered for them.
    pub enterprises_attending: i32,
    /// People their registrations brought.
    pub attendees: i32,
}

/// Agenda items (khó khăn, vướng mắc, kiến nghị) in the period.
#[derive(SimpleObject)]
pub struct ReportAgenda {
    /// Items submitted in the period.
    pub raised: i32,
    /// Items that received an answer in the period.
    pub answered: i32,
    /// Items that received an answer on or before their due date in the period.
    pub answered_on_time: i32,
    /// answeredOnTime / answered; null when nothing was answered.
    pub on_time_rate: Option<f64>,
    /// Items resolved in the period.
    pub resolved: i32,
    /// Mean working days from an item's assignment to an answer given in the period; null without answers.
    pub average_working_days_to_answer: Option<f64>,
    /// Items raised, by every channel.
    pub by_channel: Vec<ReportChannelCount>,
    /// Items raised, by every category.
    pub by_category: Vec<ReportCategoryCount>,
    /// Items whose submitter gave its latest verdict on the answer in the period.
    pub feedback_given: i32,
    /// Of those, satisfied.
    pub satisfied: i32,
    /// satisfied / feedbackGiven; null without verdicts.
    pub satisfaction_rate: Option<f64>,
}

/// Items raised by one channel.
#[derive(SimpleObject)]
pub struct ReportChannelCount {
    /// The channel.
    pub channel: Channel,
    /// Items raised by it.
    pub items: i32,
}

/// Items raised in one category.
#[derive(SimpleObject)]
pub struct ReportCategoryCount {
    /// The category.
    pub category: Category,
    /// Items raised in it.
    pub items: i32,
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl From<Report> for ProgrammeReport {
    fn from(report: Report) -> Self {
        let agenda = report.agenda;
        ProgrammeReport {
            from: Date(report.period.from()),
            to: Date(report.period.to()),
            communes: ReportCommunes {
                special_communes: count(report.communes.special),
                at_new_rural_standard: count(report.communes.at_standard),
                twinned_at_end: count(report.communes.twinned_at_end),
                by_new_rural_level: report
                    .communes
                    .by_level
                    .iter()
                    .map(|level| ReportLevel {
                        level: level.level.into(),
                        communes: count(level.communes),
                        recognised_in_period: count(level.recognised_in_period),
                    })
                    .collect(),
            },
            twinnings: ReportTwinnings {
                started: count(report.twinnings.started),
                by_enterprises: count(report.twinnings.by_enterprises),
                by_agencies: count(report.twinnings.by_agencies),
            },
            contributions: ReportLedger {
                total: report.ledger.total.into(),
                by_year: report
                    .ledger
                    .by_year
                    .iter()
                    .map(|(year, figures)| ReportLedgerYear {
                        year: *year,
                        figures: (*figures).into(),
                    })
                    .collect(),
                by_contributor_kind: report
                    .ledger
                    .by_contributor
                    .iter()
                    .map(|(kind, figures)| ReportLedgerContributors {
                        kind: match kind {
                            ContributorKind::Enterprise => ContributorType::Enterprise,
                            ContributorKind::Agency => ContributorType::Agency,
                        },
                        figures: (*figures).into(),
                    })
                    .collect(),
            },
            dialogues: ReportDialogues {
                held: count(report.dialogues.held),
                enterprises_attending: count(report.dialogues.enterprises_attending),
                attendees: count(report.dialogues.attendees),
            },
            agenda_items: ReportAgenda {
                raised: count(agenda.raised),
                answered: count(agenda.answered),
                answered_on_time: count(agenda.answered_on_time),
                on_time_rate: rate(agenda.answered_on_time, agenda.answered),
                resolved: count(agenda.resolved),
                average_working_days_to_answer: agenda.average_working_days_to_answer,
                by_channel: agenda
                    .by_channel
                    .iter()
                    .map(|(channel, n)| ReportChannelCount {
                        channel: (*channel).into(),
                        items: count(*n),
                    })
                    .collect(),
                by_category: agenda
                    .by_category
                    .iter()
                    .map(|(category, n)| ReportCategoryCount {
                        category: (*category).into(),
                        items: count(*n),
                    })
                    .collect(),
                feedback_given: count(agenda.feedback_given),
                satisfied: count(agenda.satisfied),
                satisfaction_rate: rate(agenda.satisfied, agenda.feedback_given),
            },
        }
    }
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Totals grouped one way, computed in the database; groups ordered by pledged total, largest first.
    async fn contribution_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How to group the contributions.")] group_by: ContributionGrouping,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            ContributionFilter,
        >,
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
        Ok(groups
            .into_iter()
            .map(|Group { key, name, totals }| {
                let name = name.unwrap_or_default();
                let (key, label) = match key {
                    GroupKey::Commune(id) => (ids::encode(ObjectKind::Commune, id).0, name),
                    GroupKey::Enterprise(id) => (ids::encode(ObjectKind::Enterprise, id).0, name),
                    GroupKey::Agency(id) => (ids::encode(ObjectKind::Agency, id).0, name),
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

    /// The programme report for the days from `from` to `to` (both included, at most
    /// 50 years); public, like the overview. The same report downloads as
    /// `/exports/report.xlsx?from=…&to=…` and prints from `/reports/programme?from=…&to=…`.
    async fn programme_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period's first day.")] from: Date,
        #[graphql(desc = "The period's last day (included).")] to: Date,
    ) -> async_graphql::Result<ProgrammeReport> {
        let app = app(ctx)?;
        let period = Period::new(from.0, to.0)?;
        let report = programme::report(
            &app.db.read,
            period,
            app.clock.zone(),
            &app.settings.holidays,
        )
        .await
        .map_err(ApiError::from)?;
        Ok(report.into())
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
