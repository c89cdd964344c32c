//! Totals, summaries and the programme overview, computed by the database with
//! SUM / COUNT / GROUP BY over contributions that are not cancelled. Nothing here
//! loads contribution rows into Rust.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbBackend, DbErr, QueryResult, Statement,
    sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement},
};

use super::entity::{self as contribution, ContributionStatus};

/// Count and sums of a set of contributions, in whole đồng.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: i64,
    pub pledged: i64,
    pub disbursed: i64,
}

impl Totals {
    pub fn outstanding(&self) -> i64 {
        self.pledged - self.disbursed
    }

    fn from_row(row: &QueryResult) -> Result<Totals, DbErr> {
        Ok(Totals {
            count: row.try_get("", "n")?,
            pledged: row.try_get("", "pledged")?,
            disbursed: row.try_get("", "disbursed")?,
        })
    }
}

/// `SELECT COUNT, SUM(pledged), SUM(disbursed) FROM contributions WHERE not cancelled
/// AND condition`. SUM of BIGINT is NUMERIC on PostgreSQL, hence the casts.
fn totals_select(condition: Condition) -> SelectStatement {
    Query::select()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), Alias::new("n"))
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(pledged_amount), 0) AS BIGINT)"),
            Alias::new("pledged"),
        )
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(disbursed_amount), 0) AS BIGINT)"),
            Alias::new("disbursed"),
        )
        .from(contribution::Entity)
        .and_where(
            Expr::col(contribution::Column::Status).ne(ContributionStatus::Cancelled.to_value()),
        )
        .cond_where(condition)
        .to_owned()
}

/// The totals of every contribution matching `condition`.
pub async fn totals(db: &impl ConnectionTrait, condition: Condition) -> Result<Totals, DbErr> {
    let row = db.query_one(&totals_select(condition)).await?;
    row.as_ref()
        .map(Totals::from_row)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Totals per value of `column` (a commune or contributor column), for the keys
/// given: one GROUP BY query for a whole batch.
pub async fn totals_by(
    db: &impl ConnectionTrait,
    column: contribution::Column,
    keys: &[i64],
) -> Result<HashMap<i64, Totals>, DbErr> {
    let mut select =
        totals_select(Condition::all().add(Expr::col(column).is_in(keys.iter().copied())));
    select
        .expr_as(Expr::col(column), Alias::new("k"))
        .group_by_col(column);
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| Ok((row.try_get::<i64>("", "k")?, Totals::from_row(row)?)))
        .collect()
}

/// How `contributionSummary` groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Commune,
    Contributor,
    Kind,
    Year,
    Status,
}

/// A group's key as the database returns it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupKey {
    Commune(i64),
    Enterprise(i64),
    Agency(i64),
    Text(String),
    Year(i32),
}

/// Totals grouped one way, largest pledged total first (ties by key, so the order
/// is stable).
pub async fn summary(
    db: &impl ConnectionTrait,
    grouping: Grouping,
    condition: Condition,
) -> Result<Vec<(GroupKey, Totals)>, DbErr> {
    let backend = db.get_database_backend();
    let mut select = totals_select(condition);
    let year = match backend {
        DbBackend::Postgres => "CAST(EXTRACT(YEAR FROM pledged_on) AS BIGINT)",
        _ => "CAST(strftime('%Y', pledged_on) AS INTEGER)",
    };
    match grouping {
        Grouping::Commune => {
            select
                .expr_as(Expr::col(contribution::Column::CommuneId), Alias::new("k1"))
                .group_by_col(contribution::Column::CommuneId);
        }
        Grouping::Contributor => {
            select
                .expr_as(
                    Expr::col(contribution::Column::EnterpriseId),
                    Alias::new("k1"),
                )
                .expr_as(Expr::col(contribution::Column::AgencyId), Alias::new("k2"))
                .group_by_col(contribution::Column::EnterpriseId)
                .group_by_col(contribution::Column::AgencyId);
        }
        Grouping::Kind => {
            select
                .expr_as(Expr::col(contribution::Column::Kind), Alias::new("k1"))
                .group_by_col(contribution::Column::Kind);
        }
        Grouping::Status => {
            select
                .expr_as(Expr::col(contribution::Column::Status), Alias::new("k1"))
                .group_by_col(contribution::Column::Status);
        }
        Grouping::Year => {
            select
                .expr_as(Expr::cust(year), Alias::new("k1"))
                .add_group_by([Expr::cust(year)]);
        }
    }
    select
        .order_by_expr(Expr::cust("pledged"), Order::Desc)
        .order_by_expr(Expr::cust("k1"), Order::Asc);
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| {
            let key = match grouping {
                Grouping::Commune => GroupKey::Commune(row.try_get("", "k1")?),
                Grouping::Contributor => match row.try_get::<Option<i64>>("", "k1")? {
                    Some(id) => GroupKey::Enterprise(id),
                    None => GroupKey::Agency(row.try_get("", "k2")?),
                },
                Grouping::Kind | Grouping::Status => GroupKey::Text(row.try_get("", "k1")?),
                Grouping::Year => GroupKey::Year(row.try_get::<i64>("", "k1")? as i32),
            };
            Ok((key, Totals::from_row(row)?))
        })
        .collect()
}

/// The registry's figures of `programmeOverview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryFigures {
    pub special_communes: i64,
    pub special_communes_at_standard: i64,
    pub twinned_special_communes: i64,
    pub partners: i64,
}

/// One statement: counts of special communes, those at STANDARD or above, those
/// with a twinning active on `today`, and distinct partners with one. The SQL is
/// the same on both engines; the only value in it is a date we format ourselves.
pub async fn registry_figures(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<RegistryFigures, DbErr> {
    let day = today.format("%Y-%m-%d");
    let active = |t: &str| {
        format!("{t}.started_on <= '{day}' AND ({t}.ended_on IS NULL OR {t}.ended_on >= '{day}')")
    };
    let sql = format!(
        "SELECT \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM communes c WHERE c.special = TRUE) AS special, \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM communes c WHERE c.special = TRUE \
              AND c.new_rural_level IN ('STANDARD', 'ADVANCED', 'MODEL')) AS at_standard, \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM communes c WHERE c.special = TRUE \
              AND EXISTS (SELECT 1 FROM twinnings t WHERE t.commune_id = c.id AND {twinned})) AS twinned, \
           (SELECT CAST(COUNT(DISTINCT p.enterprise_id) AS BIGINT) FROM twinnings p WHERE {partner}) AS enterprises, \
           (SELECT CAST(COUNT(DISTINCT p.agency_id) AS BIGINT) FROM twinnings p WHERE {partner}) AS agencies",
        twinned = active("t"),
        partner = active("p"),
    );
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("programme figures".into()))?;
    Ok(RegistryFigures {
        special_communes: row.try_get("", "special")?,
        special_communes_at_standard: row.try_get("", "at_standard")?,
        twinned_special_communes: row.try_get("", "twinned")?,
        partners: row.try_get::<i64>("", "enterprises")? + row.try_get::<i64>("", "agencies")?,
    })
}
