//! Totals and summaries of contributions that are not cancelled, computed by the
//! database with SUM / COUNT / GROUP BY. Nothing here loads contribution rows into
//! Rust. A commune's totals, asked for on every page of communes, are kept by the
//! database instead (`commune_totals`, updated by triggers in the transaction of
//! each write to the ledger, migration 8) and read by key.
//!
//! Sums cannot overflow: each amount is summed in two parts, its whole billions
//! (`amount / 10^9`, at most 10^6 for the largest amount) and the rest
//! (`amount % 10^9`), each within `i64` for billions of rows, and the two are put
//! together as a 128-bit [`Total`]. A plain `SUM` overflows SQLite's 64-bit
//! integers after about ten thousand maximal pledges, and PostgreSQL's NUMERIC sum
//! would not fit the column it is read into; then every total, for everyone, was
//! an error.

use std::collections::HashMap;

use sea_orm::{
    ActiveEnum, ConnectionTrait, DbBackend, DbErr, QueryResult,
    sea_query::{Alias, Asterisk, Condition, Expr, ExprTrait, Func, Query, SelectStatement},
};

use crate::{
    agencies::entity as agency,
    communes::entity as commune,
    contributions::entity::{self as contribution, ContributionStatus},
    db::one_of,
    enterprises::entity as enterprise,
    money::Total,
};

/// The two parts each amount is summed in.
const BILLION: i64 = 1_000_000_000;

/// Count and sums of a set of contributions, in whole đồng.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: i64,
    pub pledged: Total,
    pub disbursed: Total,
}

impl Totals {
    pub fn outstanding(&self) -> Total {
        self.pledged.minus(self.disbursed)
    }

    fn from_row(row: &QueryResult) -> Result<Totals, DbErr> {
        Ok(Totals {
            count: row.try_get("", "n")?,
            pledged: read_split_sum(row, "pledged")?,
            disbursed: read_split_sum(row, "disbursed")?,
        })
    }
}

/// Selects the sum of `amount` (an amount column or expression, each value at most
/// `MAX_AMOUNT`) as two columns, `<name>_billions` and `<name>_rest`, that cannot
/// overflow; [`read_split_sum`] puts them together.
pub fn split_sum(select: &mut SelectStatement, amount: Expr, name: &str) {
    select
        .expr_as(
            bigint_sum(amount.clone().div(BILLION)),
            Alias::new(format!("{name}_billions")),
        )
        .expr_as(
            bigint_sum(amount.modulo(BILLION)),
            Alias::new(format!("{name}_rest")),
        );
}

/// The exact sum [`split_sum`] selected as `name`.
pub fn read_split_sum(row: &QueryResult, name: &str) -> Result<Total, DbErr> {
    let billions: i64 = row.try_get("", &format!("{name}_billions"))?;
    let rest: i64 = row.try_get("", &format!("{name}_rest"))?;
    Ok(Total::new(
        i128::from(billions) * i128::from(BILLION) + i128::from(rest),
    ))
}

/// `COALESCE(SUM(expr), 0)` as a BIGINT (PostgreSQL sums BIGINT as NUMERIC).
fn bigint_sum(expr: Expr) -> Expr {
    Expr::from(Func::coalesce([Expr::from(Func::sum(expr)), Expr::val(0)])).cast_as("BIGINT")
}

/// `SELECT COUNT, the sums of pledged and disbursed in two parts each FROM
/// contributions WHERE not cancelled AND condition`.
fn totals_select(condition: Condition) -> SelectStatement {
    let mut select = Query::select();
    select.expr_as(
        Expr::from(Func::count(Expr::col(Asterisk))).cast_as("BIGINT"),
        Alias::new("n"),
    );
    for (name, column) in [
        ("pledged", contribution::Column::PledgedAmount),
        ("disbursed", contribution::Column::DisbursedAmount),
    ] {
        split_sum(&mut select, Expr::col(column), name);
    }
    select
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

/// Whose totals a batch asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// Kept by the database in `commune_totals` (migration 8): read by key.
    Commune,
    /// Summed over the contributor's contributions.
    Enterprise,
}

/// Totals per commune or enterprise, for the keys given: one statement for a whole
/// batch. A key without contributions has no entry.
pub async fn totals_per(
    db: &impl ConnectionTrait,
    per: Per,
    keys: &[i64],
) -> Result<HashMap<i64, Totals>, DbErr> {
    let backend = db.get_database_backend();
    let select = match per {
        Per::Commune => kept_select(backend, keys),
        Per::Enterprise => {
            let column = contribution::Column::EnterpriseId;
            let mut select =
                totals_select(Condition::all().add(one_of(backend, Expr::col(column), keys)));
            select
                .expr_as(Expr::col(column), Alias::new("k"))
                .group_by_col(column);
            select
        }
    };
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| Ok((row.try_get::<i64>("", "k")?, Totals::from_row(row)?)))
        .collect()
}

/// The kept totals of the communes given, in the columns [`Totals::from_row`]
/// reads. The triggers keep each sum in the two parts [`split_sum`] selects, so
/// the row equals what [`totals_select`] sums for the commune.
fn kept_select(backend: DbBackend, communes: &[i64]) -> SelectStatement {
    let column = |name: &str| Expr::col((Alias::new("commune_totals"), Alias::new(name)));
    let mut select = Query::select();
    select
        .expr_as(column("commune_id"), Alias::new("k"))
        .expr_as(column("contribution_count"), Alias::new("n"));
    for name in [
        "pledged_billions",
        "pledged_rest",
        "disbursed_billions",
        "disbursed_rest",
    ] {
        select.expr_as(column(name), Alias::new(name));
    }
    select
        .from(Alias::new("commune_totals"))
        .and_where(one_of(backend, column("commune_id"), communes))
        .to_owned()
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKey {
    Commune(i64),
    Enterprise(i64),
    Agency(i64),
    Text(String),
    Year(i32),
}

/// One group of a [`summary`]: its key, the name of the commune or contributor it
/// stands for (none for the other groupings), its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: GroupKey,
    pub name: Option<String>,
    pub totals: Totals,
}

/// Totals grouped one way, largest pledged total first (ties by key, so the order
/// is stable). One statement: the groups are summed first, then the commune's or
/// contributor's name is joined to each group.
pub async fn summary(
    db: &impl ConnectionTrait,
    grouping: Grouping,
    condition: Condition,
) -> Result<Vec<Group>, DbErr> {
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
    let groups = Alias::new("g");
    let mut named = Query::select();
    named
        .column((groups.clone(), Asterisk))
        .from_subquery(select, groups.clone());
    match grouping {
        Grouping::Commune => {
            named
                .expr_as(
                    Expr::col((commune::Entity, commune::Column::Name)),
                    Alias::new("name"),
                )
                .left_join(
                    commune::Entity,
                    Expr::col((commune::Entity, commune::Column::Id))
                        .equals((groups.clone(), Alias::new("k1"))),
                );
        }
        Grouping::Contributor => {
            named
                .expr_as(
                    Func::coalesce([
                        Expr::col((enterprise::Entity, enterprise::Column::Name)),
                        Expr::col((agency::Entity, agency::Column::Name)),
                    ]),
                    Alias::new("name"),
                )
                .left_join(
                    enterprise::Entity,
                    Expr::col((enterprise::Entity, enterprise::Column::Id))
                        .equals((groups.clone(), Alias::new("k1"))),
                )
                .left_join(
                    agency::Entity,
                    Expr::col((agency::Entity, agency::Column::Id))
                        .equals((groups.clone(), Alias::new("k2"))),
                );
        }
        Grouping::Kind | Grouping::Status | Grouping::Year => {
            named.expr_as(Expr::val(Option::<String>::None), Alias::new("name"));
        }
    }
    let rows = db.query_all(&named).await?;
    let mut groups = rows
        .iter()
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
            Ok(Group {
                key,
                name: row.try_get("", "name")?,
                totals: Totals::from_row(row)?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    // Ordered here, on the exact totals: the database has them only in two parts.
    groups.sort_by(|a, b| {
        b.totals
            .pledged
            .cmp(&a.totals.pledged)
            .then(a.key.cmp(&b.key))
    });
    Ok(groups)
}
