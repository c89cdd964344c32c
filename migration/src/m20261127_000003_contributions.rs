//! The ledger: contributions (pledges) and their disbursements. Money is whole
//! đồng in BIGINT columns. CHECK constraints keep the ledger sound even if a rule
//! were bypassed: amounts are positive and disbursed never exceeds pledged.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contributions {
    Table,
    Id,
    CommuneId,
    EnterpriseId,
    AgencyId,
    Kind,
    Purpose,
    PledgedAmount,
    DisbursedAmount,
    Status,
    PledgedOn,
    DueOn,
    ConfirmedAt,
    CancelledAt,
    CancellationReason,
    IdempotencyKey,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Disbursements {
    Table,
    Id,
    ContributionId,
    Amount,
    DisbursedOn,
    Reference,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Communes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

fn timestamp<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contributions::Table)
                    .col(
                        ColumnDef::new(Contributions::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Contributions::CommuneId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Contributions::EnterpriseId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(Contributions::AgencyId).big_integer().null())
                    .col(
                        ColumnDef::new(Contributions::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Contributions::Purpose)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Contributions::PledgedAmount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Contributions::DisbursedAmount)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Contributions::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Contributions::PledgedOn).date().not_null())
                    .col(ColumnDef::new(Contributions::DueOn).date().null())
                    .col(
                        ColumnDef::new(Contributions::ConfirmedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Contributions::CancelledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Contributions::CancellationReason)
                            .string_len(1000)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Contributions::IdempotencyKey)
                            .string_len(128)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Contributions::CreatedBy)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp(Contributions::CreatedAt))
                    .col(timestamp(Contributions::UpdatedAt))
                    .check(Expr::cust(
                        "(enterprise_id IS NULL) <> (agency_id IS NULL) \
                         AND pledged_amount > 0 AND disbursed_amount >= 0 \
                         AND disbursed_amount <= pledged_amount \
                         AND (due_on IS NULL OR due_on >= pledged_on)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("contributions_commune_id_fkey")
                            .from(Contributions::Table, Contributions::CommuneId)
                            .to(Communes::Table, Communes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("contributions_enterprise_id_fkey")
                            .from(Contributions::Table, Contributions::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("contributions_agency_id_fkey")
                            .from(Contributions::Table, Contributions::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("contributions_created_by_fkey")
                            .from(Contributions::Table, Contributions::CreatedBy)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, &[&str]); 8] = [
            ("contributions_commune_idx", &["commune_id", "status"]),
            ("contributions_enterprise_idx", &["enterprise_id", "status"]),
            ("contributions_agency_idx", &["agency_id", "status"]),
            ("contributions_pledged_on_idx", &["pledged_on", "id"]),
            (
                "contributions_pledged_amount_idx",
                &["pledged_amount", "id"],
            ),
            ("contributions_created_at_idx", &["created_at", "id"]),
            ("contributions_status_idx", &["status"]),
            ("contributions_kind_idx", &["kind"]),
        ];
        for (name, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(Contributions::Table);
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        // The same key from the same account names one contribution; same SQL on both engines.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX contributions_idempotency_key ON contributions (created_by, idempotency_key) \
                 WHERE idempotency_key IS NOT NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Disbursements::Table)
                    .col(
                        ColumnDef::new(Disbursements::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Disbursements::ContributionId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Disbursements::Amount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Disbursements::DisbursedOn).date().not_null())
                    .col(
                        ColumnDef::new(Disbursements::Reference)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Disbursements::RecordedBy)
                            .big_integer()
                            .not_null(),
                    )
                    .col(timestamp(Disbursements::RecordedAt))
                    .check(Expr::cust("amount > 0"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("disbursements_contribution_id_fkey")
                            .from(Disbursements::Table, Disbursements::ContributionId)
                            .to(Contributions::Table, Contributions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("disbursements_recorded_by_fkey")
                            .from(Disbursements::Table, Disbursements::RecordedBy)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("disbursements_contribution_idx")
                    .table(Disbursements::Table)
                    .col(Disbursements::ContributionId)
                    .col(Disbursements::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Disbursements::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Contributions::Table).to_owned())
            .await
    }
}
