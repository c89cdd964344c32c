//! Database migrations for Đồng Hành, one file per migration, each with `up` and `down`.
//! They are written with sea-query's schema builder so the same file serves SQLite
//! and PostgreSQL.

pub use sea_orm_migration::prelude::*;

pub mod constraints;

mod m20261126_000001_accounts_and_audit;
mod m20261126_000002_registry;
mod m20261127_000003_contributions;
mod m20261127_000004_dialogues;
mod m20261130_000005_audit_subject_references;
mod m20261130_000006_change_log;
mod m20261130_000007_notifications;
mod m20261130_000008_commune_totals;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_accounts_and_audit::Migration),
            Box::new(m20261126_000002_registry::Migration),
            Box::new(m20261127_000003_contributions::Migration),
            Box::new(m20261127_000004_dialogues::Migration),
            Box::new(m20261130_000005_audit_subject_references::Migration),
            Box::new(m20261130_000006_change_log::Migration),
            Box::new(m20261130_000007_notifications::Migration),
            Box::new(m20261130_000008_commune_totals::Migration),
        ]
    }
}
