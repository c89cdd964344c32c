//! The counts of `programmeOverview` and of each agency's `responseStats`. Each set
//! of figures is one statement of scalar subqueries (or one GROUP BY per table for a
//! batch of agencies), built with sea-query so every value in it is bound.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbErr, QueryResult,
    sea_query::{
        Alias, Asterisk, Condition, Expr, ExprTrait, Func, IntoColumnRef, Query, SelectStatement,
    },
};

use crate::{
    agenda::{
        answer,
        entity::{self as agenda_item, AgendaItemStatus},
    },
    communes::entity::{self as commune, NewRuralLevel},
    dialogues::entity::{self as dialogue, DialogueStatus},
    twinnings::entity as twinning,
};

/// `CAST(COUNT(*) AS BIGINT)`.
fn count_all() -> Expr {
    Expr::from(Func::count(Expr::col(Asterisk))).cast_as("BIGINT")
}

/// `CAST(COUNT(DISTINCT column) AS BIGINT)`.
fn count_distinct(column: impl IntoColumnRef) -> Expr {
    Expr::from(Func::count_distinct(Expr::col(column))).cast_as("BIGINT")
}

/// `CAST(SUM(CASE WHEN condition THEN 1 ELSE 0 END) AS BIGINT)`.
fn count_where(condition: Condition) -> Expr {
    let one_if: Expr = Expr::case(condition, 1).finally(0).into();
    Expr::from(Func::coalesce([
        Expr::from(Func::sum(one_if)),
        Expr::val(0),
    ]))
    .cast_as("BIGINT")
}

/// A twinning (of table alias `t`) active on `day`.
fn active_on(t: &str, day: NaiveDate) -> Condition {
    let column = |c: twinning::Column| Expr::col((Alias::new(t), c));
    Condition::all()
        .add(column(twinning::Column::StartedOn).lte(day))
        .add(
            Condition::any()
                .add(column(twinning::Column::EndedOn).is_null())
                .add(column(twinning::Column::EndedOn).gte(day)),
        )
}

/// One statement whose row is the given scalar subqueries, by name.
async fn scalars(
    db: &impl ConnectionTrait,
    figures: Vec<(&'static str, SelectStatement)>,
) -> Result<QueryResult, DbErr> {
    let mut select = Query::select();
    for (name, subquery) in figures {
        select.expr_as(Expr::from(subquery), Alias::new(name));
    }
    db.query_one(&select)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("figures".into()))
}

/// The registry's figures of `programmeOverview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryFigures {
    pub special_communes: i64,
    pub special_communes_at_standard: i64,
    pub twinned_special_communes: i64,
    pub partners: i64,
}

/// Counts of special communes, those at STANDARD or above, those with a twinning
/// active on `today`, and the distinct partners with one.
pub async fn registry_figures(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<RegistryFigures, DbErr> {
    let special = || {
        Query::select()
            .expr(count_all())
            .from(commune::Entity)
            .and_where(Expr::col(commune::Column::Special).eq(true))
            .to_owned()
    };
    let at_standard = special()
        .and_where(Expr::col(commune::Column::NewRuralLevel).is_in([
            NewRuralLevel::Standard.to_value(),
            NewRuralLevel::Advanced.to_value(),
            NewRuralLevel::Model.to_value(),
        ]))
        .to_owned();
    let twinned = special()
        .and_where(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as(twinning::Entity, Alias::new("t"))
                .and_where(
                    Expr::col((Alias::new("t"), twinning::Column::CommuneId))
                        .equals((commune::Entity, commune::Column::Id)),
                )
                .cond_where(active_on("t", today))
                .to_owned(),
        ))
        .to_owned();
    let partners = |column: twinning::Column| {
        Query::select()
            .expr(count_distinct((Alias::new("p"), column)))
            .from_as(twinning::Entity, Alias::new("p"))
            .cond_where(active_on("p", today))
            .to_owned()
    };
    let row = scalars(
        db,
        vec![
            ("special", special()),
            ("at_standard", at_standard),
            ("twinned", twinned),
            ("enterprises", partners(twinning::Column::EnterpriseId)),
            ("agencies", partners(twinning::Column::AgencyId)),
        ],
    )
    .await?;
    Ok(RegistryFigures {
        special_communes: row.try_get("", "special")?,
        special_communes_at_standard: row.try_get("", "at_standard")?,
        twinned_special_communes: row.try_get("", "twinned")?,
        partners: row.try_get::<i64>("", "enterprises")? + row.try_get::<i64>("", "agencies")?,
    })
}

/// The dialogue and agenda figures of `programmeOverview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialogueFigures {
    pub dialogues_held: i64,
    pub agenda_items: i64,
    pub agenda_items_answered: i64,
    pub agenda_items_overdue: i64,
}

/// Answered counts items that have an answer (ANSWERED, or RESOLVED after one);
/// overdue is ASSIGNED past its due date.
pub async fn dialogue_figures(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<DialogueFigures, DbErr> {
    let held = Query::select()
        .expr(count_all())
        .from(dialogue::Entity)
        .and_where(Expr::col(dialogue::Column::Status).eq(DialogueStatus::Held.to_value()))
        .to_owned();
    let items = Query::select()
        .expr(count_all())
        .from(agenda_item::Entity)
        .to_owned();
    let answered = Query::select()
        .expr(count_distinct(answer::Column::AgendaItemId))
        .from(answer::Entity)
        .to_owned();
    let overdue = Query::select()
        .expr(count_all())
        .from(agenda_item::Entity)
        .cond_where(overdue_on(today))
        .to_owned();
    let row = scalars(
        db,
        vec![
            ("held", held),
            ("items", items),
            ("answered", answered),
            ("overdue", overdue),
        ],
    )
    .await?;
    Ok(DialogueFigures {
        dialogues_held: row.try_get("", "held")?,
        agenda_items: row.try_get("", "items")?,
        agenda_items_answered: row.try_get("", "answered")?,
        agenda_items_overdue: row.try_get("", "overdue")?,
    })
}

/// An agenda item assigned and past its due date on `today`.
fn overdue_on(today: NaiveDate) -> Condition {
    Condition::all()
        .add(Expr::col(agenda_item::Column::Status).eq(AgendaItemStatus::Assigned.to_value()))
        .add(Expr::col(agenda_item::Column::ResponseDueOn).lt(today))
}

/// How an agency answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseFigures {
    pub assigned: i64,
    pub answered: i64,
    pub answered_on_time: i64,
    pub overdue: i64,
}

/// Response figures of the given agencies, in two GROUP BY statements.
pub async fn response_figures(
    db: &impl ConnectionTrait,
    agencies: &[i64],
    today: NaiveDate,
) -> Result<HashMap<i64, ResponseFigures>, DbErr> {
    let mut figures: HashMap<i64, ResponseFigures> = HashMap::new();
    if agencies.is_empty() {
        return Ok(figures);
    }
    let assigned = Query::select()
        .expr_as(
            Expr::col(agenda_item::Column::AssignedAgencyId),
            Alias::new("agency"),
        )
        .expr_as(count_all(), Alias::new("assigned"))
        .expr_as(count_where(overdue_on(today)), Alias::new("overdue"))
        .from(agenda_item::Entity)
        .and_where(Expr::col(agenda_item::Column::AssignedAgencyId).is_in(agencies.iter().copied()))
        .group_by_col(agenda_item::Column::AssignedAgencyId)
        .to_owned();
    for row in db.query_all(&assigned).await? {
        let entry = figures.entry(row.try_get("", "agency")?).or_default();
        entry.assigned = row.try_get("", "assigned")?;
        entry.overdue = row.try_get("", "overdue")?;
    }
    let answered = Query::select()
        .expr_as(Expr::col(answer::Column::AgencyId), Alias::new("agency"))
        .expr_as(count_all(), Alias::new("answered"))
        .expr_as(
            count_where(Condition::all().add(Expr::col(answer::Column::OnTime).eq(true))),
            Alias::new("on_time"),
        )
        .from(answer::Entity)
        .and_where(Expr::col(answer::Column::AgencyId).is_in(agencies.iter().copied()))
        .group_by_col(answer::Column::AgencyId)
        .to_owned();
    for row in db.query_all(&answered).await? {
        let entry = figures.entry(row.try_get("", "agency")?).or_default();
        entry.answered = row.try_get("", "answered")?;
        entry.answered_on_time = row.try_get("", "on_time")?;
    }
    Ok(figures)
}
