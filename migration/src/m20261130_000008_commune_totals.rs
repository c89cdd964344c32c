//! Each commune's contribution totals, kept by the database as the ledger changes.
//!
//! `commune_totals` holds, per commune, the count and the sums of pledged and
//! disbursed of its contributions that are not cancelled: what
//! `Commune.contributionTotals` answers, read by primary key instead of summed over
//! the commune's contributions on every request. Triggers on `contributions` keep
//! it, in the transaction of the write that changes the ledger, whatever writes it
//! (a mutation, the demo data, a bulk load): on every insert, delete and update of
//! `commune_id`, `status`, `pledged_amount` or `disbursed_amount` they take away
//! the old row's share from its commune and add the new row's share to its commune.
//! On PostgreSQL they run once per statement over its transition tables, one
//! upsert per commune touched; on SQLite, which has only row-level triggers and
//! updates rows in place, once per row.
//!
//! Each sum is kept in the two parts the summing queries use (whole billions and
//! the rest, see `reports::totals`), so a kept total equals the SUM over the ledger
//! to the đồng and cannot overflow. The table is filled from the ledger when the
//! migration runs, with writes to `contributions` held off on PostgreSQL meanwhile
//! (SQLite's migrations run under its write lock).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The head of every statement that adds to `commune_totals`.
const INSERT: &str = "INSERT INTO commune_totals (commune_id, contribution_count, \
     pledged_billions, pledged_rest, disbursed_billions, disbursed_rest)";

/// SQLite: a contribution row's share of its commune's totals, as the values of
/// `commune_totals`' columns after `commune_id`; `row` is `NEW` or `OLD`.
fn share(row: &str) -> String {
    format!(
        "1, {row}.pledged_amount / 1000000000, {row}.pledged_amount % 1000000000, \
         {row}.disbursed_amount / 1000000000, {row}.disbursed_amount % 1000000000"
    )
}

/// SQLite: adds `NEW`'s share to its commune, creating the commune's row at its first
/// contribution.
fn add_new() -> String {
    format!(
        "{INSERT} SELECT NEW.commune_id, {share} WHERE NEW.status <> 'CANCELLED' \
         ON CONFLICT (commune_id) DO UPDATE SET {SUMS};",
        share = share("NEW")
    )
}

/// SQLite: takes `OLD`'s share away from its commune.
fn take_old() -> String {
    "UPDATE commune_totals SET \
     contribution_count = contribution_count - 1, \
     pledged_billions = pledged_billions - OLD.pledged_amount / 1000000000, \
     pledged_rest = pledged_rest - OLD.pledged_amount % 1000000000, \
     disbursed_billions = disbursed_billions - OLD.disbursed_amount / 1000000000, \
     disbursed_rest = disbursed_rest - OLD.disbursed_amount % 1000000000 \
     WHERE commune_id = OLD.commune_id AND OLD.status <> 'CANCELLED';"
        .to_owned()
}

/// PostgreSQL: each row's share of its commune's totals, of a statement's
/// transition table `rows`, with `sign` `-` to take the shares away.
fn shares(rows: &str, sign: &str) -> String {
    format!(
        "SELECT commune_id, {sign}1 AS n, \
         {sign}(pledged_amount / 1000000000) AS pb, {sign}(pledged_amount % 1000000000) AS pr, \
         {sign}(disbursed_amount / 1000000000) AS db, {sign}(disbursed_amount % 1000000000) AS dr \
         FROM {rows} WHERE status <> 'CANCELLED'"
    )
}

/// PostgreSQL: adds the `shares` to their communes, one upsert per commune
/// whose totals move (confirming a pledge moves none).
fn apply(shares: &str) -> String {
    format!(
        "{INSERT} SELECT commune_id, SUM(n), SUM(pb), SUM(pr), SUM(db), SUM(dr) FROM ({shares}) AS s \
         GROUP BY commune_id \
         HAVING SUM(n) <> 0 OR SUM(pb) <> 0 OR SUM(pr) <> 0 OR SUM(db) <> 0 OR SUM(dr) <> 0 \
         ON CONFLICT (commune_id) DO UPDATE SET {sums};",
        sums = SUMS
    )
}

/// Adds an upsert's values to the row already there.
const SUMS: &str = "\
    contribution_count = commune_totals.contribution_count + excluded.contribution_count, \
    pledged_billions = commune_totals.pledged_billions + excluded.pledged_billions, \
    pledged_rest = commune_totals.pledged_rest + excluded.pledged_rest, \
    disbursed_billions = commune_totals.disbursed_billions + excluded.disbursed_billions, \
    disbursed_rest = commune_totals.disbursed_rest + excluded.disbursed_rest";

/// The columns whose change moves a contribution's share.
const KEPT_FROM: &str = "commune_id, status, pledged_amount, disbursed_amount";

/// When an update moves a contribution's share (confirming one does not).
const MOVES: &str = "OLD.commune_id <> NEW.commune_id \
     OR (OLD.status = 'CANCELLED') <> (NEW.status = 'CANCELLED') \
     OR OLD.pledged_amount <> NEW.pledged_amount \
     OR OLD.disbursed_amount <> NEW.disbursed_amount";

/// The triggers: name, event, and on SQLite the condition of a row's share
/// moving.
const TRIGGERS: [(&str, &str, &str); 3] = [
    (
        "contributions_totals_insert",
        "INSERT",
        "NEW.status <> 'CANCELLED'",
    ),
    (
        "contributions_totals_delete",
        "DELETE",
        "OLD.status <> 'CANCELLED'",
    ),
    ("contributions_totals_update", "UPDATE", MOVES),
];

/// SQLite: `UPDATE` fires only for the columns a share is made of.
fn of(event: &str) -> String {
    if event == "UPDATE" {
        format!(" OF {KEPT_FROM}")
    } else {
        String::new()
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        if postgres {
            // No write to the ledger between the fill below and the triggers taking
            // over; released when the migration's transaction commits.
            db.execute_unprepared("LOCK TABLE contributions IN SHARE ROW EXCLUSIVE MODE")
                .await?;
        }
        let column = |name: &str| {
            ColumnDef::new(Alias::new(name))
                .big_integer()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("commune_totals"))
                    .col(column("commune_id").primary_key())
                    .col(column("contribution_count"))
                    .col(column("pledged_billions"))
                    .col(column("pledged_rest"))
                    .col(column("disbursed_billions"))
                    .col(column("disbursed_rest"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("commune_totals_commune_fk")
                            .from(Alias::new("commune_totals"), Alias::new("commune_id"))
                            .to(Alias::new("communes"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(&format!(
            "{INSERT} SELECT commune_id, COUNT(*), \
             SUM(pledged_amount / 1000000000), SUM(pledged_amount % 1000000000), \
             SUM(disbursed_amount / 1000000000), SUM(disbursed_amount % 1000000000) \
             FROM contributions WHERE status <> 'CANCELLED' GROUP BY commune_id"
        ))
        .await?;
        if postgres {
            // Statement-level triggers with transition tables: one upsert per
            // commune a statement touches, however many rows it writes (row-level
            // ones would update the same row once per contribution, and a bulk
            // insert into one commune would rewrite it a million times).
            db.execute_unprepared(&format!(
                "CREATE FUNCTION keep_commune_totals() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN \
                 IF TG_OP = 'INSERT' THEN {insert} \
                 ELSIF TG_OP = 'DELETE' THEN {delete} \
                 ELSE {update} \
                 END IF; \
                 RETURN NULL; \
                 END $$",
                insert = apply(&shares("new_rows", "")),
                delete = apply(&shares("old_rows", "-")),
                update = apply(&format!(
                    "{} UNION ALL {}",
                    shares("new_rows", ""),
                    shares("old_rows", "-")
                )),
            ))
            .await?;
            for (name, event, _) in TRIGGERS {
                let tables = match event {
                    "INSERT" => "NEW TABLE AS new_rows",
                    "DELETE" => "OLD TABLE AS old_rows",
                    _ => "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                };
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name} AFTER {event} ON contributions \
                     REFERENCING {tables} FOR EACH STATEMENT \
                     EXECUTE FUNCTION keep_commune_totals()"
                ))
                .await?;
            }
        } else {
            for (name, event, when) in TRIGGERS {
                let body = match event {
                    "INSERT" => add_new(),
                    "DELETE" => take_old(),
                    _ => format!("{} {}", take_old(), add_new()),
                };
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name} AFTER {event}{of} ON contributions FOR EACH ROW \
                     WHEN {when} BEGIN {body} END",
                    of = of(event),
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        for (name, _, _) in TRIGGERS {
            let on = if postgres { " ON contributions" } else { "" };
            db.execute_unprepared(&format!("DROP TRIGGER {name}{on}"))
                .await?;
        }
        if postgres {
            db.execute_unprepared("DROP FUNCTION keep_commune_totals()")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Alias::new("commune_totals")).to_owned())
            .await
    }
}
