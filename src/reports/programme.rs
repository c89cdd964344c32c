//! The programme report for a period: the figures a province publishes about the
//! programme (special communes and their new-rural levels, new twinnings, the
//! ledger by year and by contributor, dialogues held and who attended, agenda
//! items raised, answered and resolved, how fast and how well). One function,
//! [`report`], serves the GraphQL field, the XLSX download and the printable page.
//!
//! Every figure is computed by the database: one GROUP BY or one row of scalar
//! subqueries per part, built with sea-query; Rust only adds up the few groups a
//! GROUP BY returns. Sums are exact ([`Total`], summed in two parts as in
//! [`super::totals`]).
//!
//! What "in the period" means, figure by figure: a pledge by its `pledgedOn`, a
//! disbursement by its `disbursedOn`, a twinning by its `startedOn`, a dialogue by
//! when it started, an agenda item by when it was submitted, an answer by when it
//! was given, a resolution by its history event, a verdict by when it was given;
//! instants are placed in days of the programme's time zone.

use std::{collections::BTreeMap, ops::RangeInclusive};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbBackend, DbErr, Iterable, QueryResult,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, JoinType, Query, SelectStatement},
};

use super::totals::{read_split_sum, split_sum};
use crate::{
    agenda::{
        answer,
        entity::{self as agenda_item, AgendaCategory, AgendaItemStatus, SubmissionChannel},
        event as agenda_event,
    },
    calendar,
    communes::entity::{self as commune, NewRuralLevel},
    contributions::{
        disbursement,
        entity::{self as contribution, ContributionStatus},
    },
    dialogues::{
        entity::{self as dialogue, DialogueStatus},
        registration,
    },
    error::ApiError,
    money::Total,
    twinnings::entity::{self as twinning, TwinningKind},
};

/// The longest period a report covers.
pub const MAX_YEARS: i32 = 50;

/// The days a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    /// `from` to `to`, both included: BAD_USER_INPUT when `from` is after `to` or
    /// the period is longer than [`MAX_YEARS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, ApiError> {
        if from > to {
            return Err(ApiError::BadUserInput(
                "`from` must be on or before `to`".into(),
            ));
        }
        if to.year() - from.year() >= MAX_YEARS {
            return Err(ApiError::BadUserInput(format!(
                "a report covers at most {MAX_YEARS} years"
            )));
        }
        Ok(Period { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The calendar years the period touches.
    pub fn years(&self) -> RangeInclusive<i32> {
        self.from.year()..=self.to.year()
    }

    /// The instants of the period in `zone`: from the start of `from` to the start
    /// of the day after `to` (excluded).
    fn instants(&self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |day: NaiveDate| -> DateTime<Utc> {
            let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            zone.from_local_datetime(&midnight)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| midnight.and_utc())
        };
        let after = self.to.succ_opt().unwrap_or(self.to);
        (start(self.from), start(after))
    }
}

/// The special communes and the levels they reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneFigures {
    pub special: i64,
    /// At STANDARD or above.
    pub at_standard: i64,
    /// With a twinning active on the period's last day.
    pub twinned_at_end: i64,
    /// Every level, in order, with the special communes at it now and those of
    /// them recognised at it in a year the period touches.
    pub by_level: Vec<LevelFigures>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelFigures {
    pub level: NewRuralLevel,
    pub communes: i64,
    pub recognised_in_period: i64,
}

/// Twinnings started in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TwinningFigures {
    pub started: i64,
    /// By enterprises (kết nghĩa).
    pub by_enterprises: i64,
    /// By agencies in charge (phụ trách).
    pub by_agencies: i64,
}

/// Who gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContributorKind {
    Enterprise,
    Agency,
}

impl ContributorKind {
    const ALL: [ContributorKind; 2] = [ContributorKind::Enterprise, ContributorKind::Agency];
}

/// The ledger's figures of one part of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerFigures {
    /// Contributions pledged (not cancelled).
    pub pledges: i64,
    /// What they pledged.
    pub pledged: Total,
    /// What of it an official confirmed (CONFIRMED or FULFILLED).
    pub confirmed: Total,
    /// Disbursements made, whenever pledged.
    pub disbursed: Total,
}

impl std::ops::AddAssign for LedgerFigures {
    fn add_assign(&mut self, other: LedgerFigures) {
        self.pledges += other.pledges;
        self.pledged = self.pledged + other.pledged;
        self.confirmed = self.confirmed + other.confirmed;
        self.disbursed = self.disbursed + other.disbursed;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerReport {
    pub total: LedgerFigures,
    /// Every year the period touches, oldest first.
    pub by_year: Vec<(i32, LedgerFigures)>,
    /// Enterprises, then agencies.
    pub by_contributor: Vec<(ContributorKind, LedgerFigures)>,
}

/// Dialogues held in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DialogueFigures {
    pub held: i64,
    /// Distinct enterprises registered for them.
    pub enterprises_attending: i64,
    /// People the registrations brought.
    pub attendees: i64,
}

/// Agenda items in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaFigures {
    /// Submitted in the period.
    pub raised: i64,
    /// Items that received an answer in the period.
    pub answered: i64,
    /// Items that received an answer on or before their due date in the period.
    pub answered_on_time: i64,
    /// Items resolved in the period.
    pub resolved: i64,
    /// Mean working days from an item's assignment to an answer given in the
    /// period; none without answers.
    pub average_working_days_to_answer: Option<f64>,
    /// Items raised, by every channel in order.
    pub by_channel: Vec<(SubmissionChannel, i64)>,
    /// Items raised, by every category in order.
    pub by_category: Vec<(AgendaCategory, i64)>,
    /// Items whose submitter gave its (latest) verdict in the period.
    pub feedback_given: i64,
    /// Of those, satisfied.
    pub satisfied: i64,
}

/// The programme report for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeReport {
    pub period: Period,
    pub communes: CommuneFigures,
    pub twinnings: TwinningFigures,
    pub ledger: LedgerReport,
    pub dialogues: DialogueFigures,
    pub agenda: AgendaFigures,
}

/// The report for `period`; `zone` places instants in days, `holidays` are not
/// working days.
pub async fn report(
    db: &impl ConnectionTrait,
    period: Period,
    zone: Tz,
    holidays: &[NaiveDate],
) -> Result<ProgrammeReport, DbErr> {
    Ok(ProgrammeReport {
        period,
        communes: communes(db, period).await?,
        twinnings: twinnings(db, period).await?,
        ledger: ledger(db, period).await?,
        dialogues: dialogues(db, period, zone).await?,
        agenda: agenda(db, period, zone, holidays).await?,
    })
}

/// `CAST(COUNT(*) AS BIGINT)`.
fn count_all() -> Expr {
    Expr::from(Func::count(Expr::col(Asterisk))).cast_as("BIGINT")
}

/// `CAST(COUNT(DISTINCT expr) AS BIGINT)`.
fn count_distinct(expr: Expr) -> Expr {
    Expr::from(Func::count_distinct(expr)).cast_as("BIGINT")
}

/// `CAST(COALESCE(SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0) AS BIGINT)`.
fn count_where(condition: Expr) -> Expr {
    let one_if: Expr = Expr::case(condition, 1).finally(0).into();
    Expr::from(Func::coalesce([
        Expr::from(Func::sum(one_if)),
        Expr::val(0),
    ]))
    .cast_as("BIGINT")
}

/// One row's figure, by name.
fn figure(row: &QueryResult, name: &str) -> Result<i64, DbErr> {
    row.try_get("", name)
}

/// The year of a date column, as the engine writes it.
fn year_of(backend: DbBackend, column: &'static str) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!("CAST(EXTRACT(YEAR FROM {column}) AS BIGINT)")),
        _ => Expr::cust(format!("CAST(strftime('%Y', {column}) AS INTEGER)")),
    }
}

/// The day, in `zone`, of an instant column, as the engine computes it.
/// PostgreSQL knows the zone by name; SQLite knows no zones, so it is given the
/// zone's offset from UTC at `at` (Vietnam keeps one offset all year).
fn local_day(backend: DbBackend, column: &'static str, zone: Tz, at: DateTime<Utc>) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            format!("CAST(timezone($1, {column}) AS DATE)"),
            [zone.name()],
        ),
        _ => {
            use chrono::Offset;
            let offset = zone.offset_from_utc_datetime(&at.naive_utc()).fix();
            let minutes = offset.local_minus_utc() / 60;
            Expr::cust_with_values(
                format!("date({column}, ?)"),
                [format!("{minutes:+} minutes")],
            )
        }
    }
}

async fn communes(db: &impl ConnectionTrait, period: Period) -> Result<CommuneFigures, DbErr> {
    let years = period.years();
    let recognised = Expr::col(commune::Column::NewRuralYear)
        .gte(*years.start())
        .and(Expr::col(commune::Column::NewRuralYear).lte(*years.end()));
    let select = Query::select()
        .expr_as(
            Expr::col(commune::Column::NewRuralLevel),
            Alias::new("level"),
        )
        .expr_as(count_all(), Alias::new("communes"))
        .expr_as(count_where(recognised), Alias::new("recognised"))
        .from(commune::Entity)
        .and_where(Expr::col(commune::Column::Special).eq(true))
        .group_by_col(commune::Column::NewRuralLevel)
        .to_owned();
    let mut found: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for row in db.query_all(&select).await? {
        found.insert(
            row.try_get("", "level")?,
            (figure(&row, "communes")?, figure(&row, "recognised")?),
        );
    }
    let by_level: Vec<LevelFigures> = NewRuralLevel::iter()
        .map(|level| {
            let (communes, recognised_in_period) =
                found.get(&level.to_value()).copied().unwrap_or_default();
            LevelFigures {
                level,
                communes,
                recognised_in_period,
            }
        })
        .collect();
    let twinned =
        Query::select()
            .expr(count_all())
            .from(commune::Entity)
            .and_where(Expr::col(commune::Column::Special).eq(true))
            .and_where(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(twinning::Entity)
                    .and_where(
                        Expr::col((twinning::Entity, twinning::Column::CommuneId))
                            .equals((commune::Entity, commune::Column::Id)),
                    )
                    .and_where(
                        Expr::col((twinning::Entity, twinning::Column::StartedOn)).lte(period.to),
                    )
                    .and_where(
                        Expr::col((twinning::Entity, twinning::Column::EndedOn))
                            .is_null()
                            .or(Expr::col((twinning::Entity, twinning::Column::EndedOn))
                                .gte(period.to)),
                    )
                    .to_owned(),
            ))
            .to_owned();
    let twinned_at_end = scalar(db, twinned).await?;
    Ok(CommuneFigures {
        special: by_level.iter().map(|l| l.communes).sum(),
        at_standard: by_level
            .iter()
            .filter(|l| l.level != NewRuralLevel::NotYet)
            .map(|l| l.communes)
            .sum(),
        twinned_at_end,
        by_level,
    })
}

/// The one figure a statement selects.
async fn scalar(db: &impl ConnectionTrait, mut select: SelectStatement) -> Result<i64, DbErr> {
    let wrapped = Query::select()
        .expr_as(Expr::from(select.take()), Alias::new("n"))
        .to_owned();
    let row = db
        .query_one(&wrapped)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("a figure".into()))?;
    figure(&row, "n")
}

async fn twinnings(db: &impl ConnectionTrait, period: Period) -> Result<TwinningFigures, DbErr> {
    let select = Query::select()
        .expr_as(Expr::col(twinning::Column::Kind), Alias::new("kind"))
        .expr_as(count_all(), Alias::new("n"))
        .from(twinning::Entity)
        .and_where(Expr::col(twinning::Column::StartedOn).gte(period.from))
        .and_where(Expr::col(twinning::Column::StartedOn).lte(period.to))
        .group_by_col(twinning::Column::Kind)
        .to_owned();
    let mut figures = TwinningFigures::default();
    for row in db.query_all(&select).await? {
        let kind: String = row.try_get("", "kind")?;
        let n = figure(&row, "n")?;
        figures.started += n;
        if kind == TwinningKind::Twinned.to_value() {
            figures.by_enterprises += n;
        } else {
            figures.by_agencies += n;
        }
    }
    Ok(figures)
}

/// Whether a contribution (of table alias `table`) came from an agency: grouped
/// on as it is, with no bound value, so PostgreSQL sees the same expression in
/// the select list and the GROUP BY.
fn from_agency(table: &str) -> Expr {
    Expr::col((Alias::new(table), contribution::Column::EnterpriseId)).is_null()
}

async fn ledger(db: &impl ConnectionTrait, period: Period) -> Result<LedgerReport, DbErr> {
    let backend = db.get_database_backend();
    let c = || Alias::new("c");
    let not_cancelled =
        Expr::col((c(), contribution::Column::Status)).ne(ContributionStatus::Cancelled.to_value());
    let confirmed_amount: Expr = Expr::case(
        Expr::col((c(), contribution::Column::Status)).is_in([
            ContributionStatus::Confirmed.to_value(),
            ContributionStatus::Fulfilled.to_value(),
        ]),
        Expr::col((c(), contribution::Column::PledgedAmount)),
    )
    .finally(0)
    .into();
    let mut pledges = Query::select();
    pledges
        .expr_as(year_of(backend, "c.pledged_on"), Alias::new("y"))
        .expr_as(from_agency("c"), Alias::new("k"))
        .expr_as(count_all(), Alias::new("n"))
        .from_as(contribution::Entity, c())
        .and_where(not_cancelled.clone())
        .and_where(Expr::col((c(), contribution::Column::PledgedOn)).gte(period.from))
        .and_where(Expr::col((c(), contribution::Column::PledgedOn)).lte(period.to))
        .add_group_by([year_of(backend, "c.pledged_on"), from_agency("c")]);
    split_sum(
        &mut pledges,
        Expr::col((c(), contribution::Column::PledgedAmount)),
        "pledged",
    );
    split_sum(&mut pledges, confirmed_amount, "confirmed");

    let d = || Alias::new("d");
    let mut disbursed = Query::select();
    disbursed
        .expr_as(year_of(backend, "d.disbursed_on"), Alias::new("y"))
        .expr_as(from_agency("c"), Alias::new("k"))
        .from_as(disbursement::Entity, d())
        .join_as(
            JoinType::InnerJoin,
            contribution::Entity,
            c(),
            Expr::col((c(), contribution::Column::Id))
                .equals((d(), disbursement::Column::ContributionId)),
        )
        .and_where(not_cancelled)
        .and_where(Expr::col((d(), disbursement::Column::DisbursedOn)).gte(period.from))
        .and_where(Expr::col((d(), disbursement::Column::DisbursedOn)).lte(period.to))
        .add_group_by([year_of(backend, "d.disbursed_on"), from_agency("c")]);
    split_sum(
        &mut disbursed,
        Expr::col((d(), disbursement::Column::Amount)),
        "disbursed",
    );

    let mut groups: BTreeMap<(i32, ContributorKind), LedgerFigures> = BTreeMap::new();
    let key = |row: &QueryResult| -> Result<(i32, ContributorKind), DbErr> {
        let year = i32::try_from(row.try_get::<i64>("", "y")?).unwrap_or_default();
        let kind = if row.try_get::<bool>("", "k")? {
            ContributorKind::Agency
        } else {
            ContributorKind::Enterprise
        };
        Ok((year, kind))
    };
    for row in db.query_all(&pledges).await? {
        let entry = groups.entry(key(&row)?).or_default();
        entry.pledges += figure(&row, "n")?;
        entry.pledged = entry.pledged + read_split_sum(&row, "pledged")?;
        entry.confirmed = entry.confirmed + read_split_sum(&row, "confirmed")?;
    }
    for row in db.query_all(&disbursed).await? {
        let entry = groups.entry(key(&row)?).or_default();
        entry.disbursed = entry.disbursed + read_split_sum(&row, "disbursed")?;
    }
    let mut total = LedgerFigures::default();
    let mut by_year: BTreeMap<i32, LedgerFigures> = period
        .years()
        .map(|y| (y, LedgerFigures::default()))
        .collect();
    let mut by_contributor: BTreeMap<ContributorKind, LedgerFigures> = ContributorKind::ALL
        .iter()
        .map(|k| (*k, LedgerFigures::default()))
        .collect();
    for ((year, kind), figures) in groups {
        total += figures;
        *by_year.entry(year).or_default() += figures;
        *by_contributor.entry(kind).or_default() += figures;
    }
    Ok(LedgerReport {
        total,
        by_year: by_year.into_iter().collect(),
        by_contributor: by_contributor.into_iter().collect(),
    })
}

async fn dialogues(
    db: &impl ConnectionTrait,
    period: Period,
    zone: Tz,
) -> Result<DialogueFigures, DbErr> {
    let (start, end) = period.instants(zone);
    let held = || {
        Query::select()
            .column(dialogue::Column::Id)
            .from(dialogue::Entity)
            .and_where(Expr::col(dialogue::Column::Status).eq(DialogueStatus::Held.to_value()))
            .and_where(Expr::col(dialogue::Column::StartsAt).gte(start))
            .and_where(Expr::col(dialogue::Column::StartsAt).lt(end))
            .to_owned()
    };
    let held_count = Query::select()
        .expr(count_all())
        .from_subquery(held(), Alias::new("h"))
        .to_owned();
    let attending = Query::select()
        .expr(count_distinct(Expr::col(
            registration::Column::EnterpriseId,
        )))
        .from(registration::Entity)
        .and_where(Expr::col(registration::Column::DialogueId).in_subquery(held()))
        .to_owned();
    let attendees = Query::select()
        .expr(
            Expr::from(Func::coalesce([
                Expr::from(Func::sum(Expr::col(registration::Column::Attendees))),
                Expr::val(0),
            ]))
            .cast_as("BIGINT"),
        )
        .from(registration::Entity)
        .and_where(Expr::col(registration::Column::DialogueId).in_subquery(held()))
        .to_owned();
    let row = scalars(
        db,
        [
            ("held", held_count),
            ("attending", attending),
            ("attendees", attendees),
        ],
    )
    .await?;
    Ok(DialogueFigures {
        held: figure(&row, "held")?,
        enterprises_attending: figure(&row, "attending")?,
        attendees: figure(&row, "attendees")?,
    })
}

/// One statement whose row is the given scalar subqueries, by name.
async fn scalars<const N: usize>(
    db: &impl ConnectionTrait,
    figures: [(&'static str, SelectStatement); N],
) -> Result<QueryResult, DbErr> {
    let mut select = Query::select();
    for (name, subquery) in figures {
        select.expr_as(Expr::from(subquery), Alias::new(name));
    }
    db.query_one(&select)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("figures".into()))
}

async fn agenda(
    db: &impl ConnectionTrait,
    period: Period,
    zone: Tz,
    holidays: &[NaiveDate],
) -> Result<AgendaFigures, DbErr> {
    let backend = db.get_database_backend();
    let (start, end) = period.instants(zone);
    let submitted_in_period = || {
        Expr::col(agenda_item::Column::SubmittedAt)
            .gte(start)
            .and(Expr::col(agenda_item::Column::SubmittedAt).lt(end))
    };
    let raised = Query::select()
        .expr(count_all())
        .from(agenda_item::Entity)
        .and_where(submitted_in_period())
        .to_owned();
    let answers_in_period = || {
        Expr::col(answer::Column::AnsweredAt)
            .gte(start)
            .and(Expr::col(answer::Column::AnsweredAt).lt(end))
    };
    let answered = Query::select()
        .expr(count_distinct(Expr::col(answer::Column::AgendaItemId)))
        .from(answer::Entity)
        .and_where(answers_in_period())
        .to_owned();
    let on_time_item: Expr = Expr::case(
        Expr::col(answer::Column::OnTime).eq(true),
        Expr::col(answer::Column::AgendaItemId),
    )
    .into();
    let answered_on_time = Query::select()
        .expr(count_distinct(on_time_item))
        .from(answer::Entity)
        .and_where(answers_in_period())
        .to_owned();
    let resolved = Query::select()
        .expr(count_distinct(Expr::col(
            agenda_event::Column::AgendaItemId,
        )))
        .from(agenda_event::Entity)
        .and_where(
            Expr::col(agenda_event::Column::ToStatus).eq(AgendaItemStatus::Resolved.to_value()),
        )
        .and_where(Expr::col(agenda_event::Column::At).gte(start))
        .and_where(Expr::col(agenda_event::Column::At).lt(end))
        .to_owned();
    let verdicts = || {
        Query::select()
            .expr(count_all())
            .from(agenda_item::Entity)
            .and_where(Expr::col(agenda_item::Column::FeedbackAt).gte(start))
            .and_where(Expr::col(agenda_item::Column::FeedbackAt).lt(end))
            .to_owned()
    };
    let satisfied = verdicts()
        .and_where(Expr::col(agenda_item::Column::FeedbackSatisfied).eq(true))
        .to_owned();
    let row = scalars(
        db,
        [
            ("raised", raised),
            ("answered", answered),
            ("on_time", answered_on_time),
            ("resolved", resolved),
            ("feedback", verdicts()),
            ("satisfied", satisfied),
        ],
    )
    .await?;

    let by = |column: agenda_item::Column| {
        Query::select()
            .expr_as(Expr::col(column), Alias::new("k"))
            .expr_as(count_all(), Alias::new("n"))
            .from(agenda_item::Entity)
            .and_where(submitted_in_period())
            .group_by_col(column)
            .to_owned()
    };
    let mut channels: BTreeMap<String, i64> = BTreeMap::new();
    for group in db.query_all(&by(agenda_item::Column::Channel)).await? {
        channels.insert(group.try_get("", "k")?, figure(&group, "n")?);
    }
    let mut categories: BTreeMap<String, i64> = BTreeMap::new();
    for group in db.query_all(&by(agenda_item::Column::Category)).await? {
        categories.insert(group.try_get("", "k")?, figure(&group, "n")?);
    }

    // Working days need the calendar, so the database counts answers by the pair
    // of days (assigned, answered) and the calendar weighs each pair.
    let assigned_day = local_day(backend, "i.assigned_at", zone, end);
    let answered_day = local_day(backend, "a.answered_at", zone, end);
    // The days are computed in a subquery and grouped on by name: a zone bound as a
    // parameter twice would be two expressions to PostgreSQL.
    let answered_days = Query::select()
        .expr_as(text_of(assigned_day), Alias::new("assigned"))
        .expr_as(text_of(answered_day), Alias::new("answered"))
        .from_as(answer::Entity, Alias::new("a"))
        .join_as(
            JoinType::InnerJoin,
            agenda_item::Entity,
            Alias::new("i"),
            Expr::col((Alias::new("i"), agenda_item::Column::Id))
                .equals((Alias::new("a"), answer::Column::AgendaItemId)),
        )
        .and_where(Expr::col((Alias::new("i"), agenda_item::Column::AssignedAt)).is_not_null())
        .and_where(Expr::col((Alias::new("a"), answer::Column::AnsweredAt)).gte(start))
        .and_where(Expr::col((Alias::new("a"), answer::Column::AnsweredAt)).lt(end))
        .to_owned();
    let days = Query::select()
        .column(Alias::new("assigned"))
        .column(Alias::new("answered"))
        .expr_as(count_all(), Alias::new("n"))
        .from_subquery(answered_days, Alias::new("d"))
        .group_by_col(Alias::new("assigned"))
        .group_by_col(Alias::new("answered"))
        .to_owned();
    let mut answers = 0_i64;
    let mut working_days = 0_i64;
    for group in db.query_all(&days).await? {
        let day = |name: &str| -> Result<NaiveDate, DbErr> {
            let text: String = group.try_get("", name)?;
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| DbErr::Type(format!("not a day: {text}")))
        };
        let n = figure(&group, "n")?;
        answers += n;
        working_days +=
            n * calendar::working_days_between(day("assigned")?, day("answered")?, holidays);
    }
    Ok(AgendaFigures {
        raised: figure(&row, "raised")?,
        answered: figure(&row, "answered")?,
        answered_on_time: figure(&row, "on_time")?,
        resolved: figure(&row, "resolved")?,
        average_working_days_to_answer: (answers > 0).then(|| working_days as f64 / answers as f64),
        by_channel: SubmissionChannel::iter()
            .map(|c| (c, channels.get(&c.to_value()).copied().unwrap_or(0)))
            .collect(),
        by_category: AgendaCategory::iter()
            .map(|c| (c, categories.get(&c.to_value()).copied().unwrap_or(0)))
            .collect(),
        feedback_given: figure(&row, "feedback")?,
        satisfied: figure(&row, "satisfied")?,
    })
}

/// A day expression as `YYYY-MM-DD` text on either engine.
fn text_of(day: Expr) -> Expr {
    day.cast_as("TEXT")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("bug: a test date")
    }

    #[test]
    fn a_period_is_ordered_and_bounded() {
        assert!(Period::new(day("2026-01-02"), day("2026-01-01")).is_err());
        assert!(Period::new(day("1990-01-01"), day("2040-01-01")).is_err());
        let period = Period::new(day("2023-01-01"), day("2026-11-26")).expect("a period");
        assert_eq!(period.years(), 2023..=2026);
    }

    #[test]
    fn a_period_runs_from_midnight_to_midnight_in_the_zone() {
        let period = Period::new(day("2026-11-26"), day("2026-11-26")).expect("a period");
        let (start, end) = period.instants(chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(start.to_rfc3339(), "2026-11-25T17:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-11-26T17:00:00+00:00");
    }
}
