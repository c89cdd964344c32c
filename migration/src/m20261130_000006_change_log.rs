//! The change log: every committed change of an object that subscribers follow,
//! written in the same transaction as the change, with the object's state as of
//! that change. Ids are in commit order (on PostgreSQL the writers take an advisory
//! lock for the last step of their transaction; SQLite has one writer), so a
//! listener that reconnects, or a subscriber that resumes, reads exactly what it
//! missed with `id > last seen`. Old entries are pruned by age; the horizon keeps
//! the highest id pruned, so a resume from before it is refused rather than
//! silently incomplete.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("changes"))
                    .col(
                        ColumnDef::new(Alias::new("id"))
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Alias::new("kind")).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Alias::new("object_id"))
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Alias::new("state")).text().not_null())
                    .col(
                        ColumnDef::new(Alias::new("committed_at"))
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("changes_committed_at_idx")
                    .table(Alias::new("changes"))
                    .col(Alias::new("committed_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("change_log_horizon"))
                    .col(
                        ColumnDef::new(Alias::new("id"))
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Alias::new("pruned_through"))
                            .big_integer()
                            .not_null(),
                    )
                    .check(Expr::cust("id = 1"))
                    .to_owned(),
            )
            .await?;
        let seed = Query::insert()
            .into_table(Alias::new("change_log_horizon"))
            .columns([Alias::new("id"), Alias::new("pruned_through")])
            .values_panic([1.into(), 0.into()])
            .to_owned();
        manager.exec_stmt(seed).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("change_log_horizon"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Alias::new("changes")).to_owned())
            .await
    }
}
