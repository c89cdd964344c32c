//! The programme registry: agencies, enterprises, communes and their twinnings.
//! `search_text` columns hold the folded name (lower case, no diacritics, đ → d),
//! kept on write, so search is case- and diacritic-insensitive on both engines and
//! lists sort the same way on both.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
    Code,
    Name,
    SearchText,
    Kind,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    TaxCode,
    Name,
    SearchText,
    Sector,
    Address,
    ContactEmail,
    ContactPhone,
    Verified,
    VerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Communes {
    Table,
    Id,
    Code,
    Name,
    SearchText,
    UnitType,
    District,
    Special,
    NewRuralLevel,
    NewRuralYear,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Twinnings {
    Table,
    Id,
    CommuneId,
    EnterpriseId,
    AgencyId,
    Kind,
    StartedOn,
    EndedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
}

fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn timestamp<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoTableRef,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(Alias::new(*column));
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agencies::Table)
                    .col(id(Agencies::Id))
                    .col(ColumnDef::new(Agencies::Code).string_len(64).not_null())
                    .col(ColumnDef::new(Agencies::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Agencies::SearchText)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Agencies::Kind).string_len(32).not_null())
                    .col(timestamp(Agencies::CreatedAt))
                    .col(timestamp(Agencies::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "agencies_code_key",
            Agencies::Table,
            &["code"],
            true,
        )
        .await?;
        index(
            manager,
            "agencies_search_text_idx",
            Agencies::Table,
            &["search_text", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "agencies_kind_idx",
            Agencies::Table,
            &["kind"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Enterprises::Table)
                    .col(id(Enterprises::Id))
                    .col(
                        ColumnDef::new(Enterprises::TaxCode)
                            .string_len(14)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Enterprises::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Enterprises::SearchText)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Enterprises::Sector).string_len(200).null())
                    .col(ColumnDef::new(Enterprises::Address).string_len(1000).null())
                    .col(
                        ColumnDef::new(Enterprises::ContactEmail)
                            .string_len(254)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Enterprises::ContactPhone)
                            .string_len(32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Enterprises::Verified)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Enterprises::VerifiedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(timestamp(Enterprises::CreatedAt))
                    .col(timestamp(Enterprises::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "enterprises_tax_code_key",
            Enterprises::Table,
            &["tax_code"],
            true,
        )
        .await?;
        index(
            manager,
            "enterprises_search_text_idx",
            Enterprises::Table,
            &["search_text", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "enterprises_created_at_idx",
            Enterprises::Table,
            &["created_at", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "enterprises_sector_idx",
            Enterprises::Table,
            &["sector"],
            false,
        )
        .await?;
        index(
            manager,
            "enterprises_verified_idx",
            Enterprises::Table,
            &["verified"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Communes::Table)
                    .col(id(Communes::Id))
                    .col(ColumnDef::new(Communes::Code).string_len(16).not_null())
                    .col(ColumnDef::new(Communes::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Communes::SearchText)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Communes::UnitType).string_len(16).not_null())
                    .col(ColumnDef::new(Communes::District).string_len(200).null())
                    .col(
                        ColumnDef::new(Communes::Special)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Communes::NewRuralLevel)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Communes::NewRuralYear).integer().null())
                    .col(timestamp(Communes::CreatedAt))
                    .col(timestamp(Communes::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "communes_code_key",
            Communes::Table,
            &["code"],
            true,
        )
        .await?;
        index(
            manager,
            "communes_search_text_idx",
            Communes::Table,
            &["search_text", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "communes_special_level_idx",
            Communes::Table,
            &["special", "new_rural_level"],
            false,
        )
        .await?;
        index(
            manager,
            "communes_district_idx",
            Communes::Table,
            &["district"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Twinnings::Table)
                    .col(id(Twinnings::Id))
                    .col(ColumnDef::new(Twinnings::CommuneId).big_integer().not_null())
                    .col(ColumnDef::new(Twinnings::EnterpriseId).big_integer().null())
                    .col(ColumnDef::new(Twinnings::AgencyId).big_integer().null())
                    .col(ColumnDef::new(Twinnings::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Twinnings::StartedOn).date().not_null())
                    .col(ColumnDef::new(Twinnings::EndedOn).date().null())
                    .col(timestamp(Twinnings::CreatedAt))
                    .check(Expr::cust(
                        "(enterprise_id IS NULL) <> (agency_id IS NULL) AND (ended_on IS NULL OR ended_on >= started_on)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("twinnings_commune_id_fkey")
                            .from(Twinnings::Table, Twinnings::CommuneId)
                            .to(Communes::Table, Communes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("twinnings_enterprise_id_fkey")
                            .from(Twinnings::Table, Twinnings::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("twinnings_agency_id_fkey")
                            .from(Twinnings::Table, Twinnings::AgencyId)
                            .to(Agencies::Table, Agencies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "twinnings_commune_idx",
            Twinnings::Table,
            &["commune_id", "started_on"],
            false,
        )
        .await?;
        index(
            manager,
            "twinnings_enterprise_idx",
            Twinnings::Table,
            &["enterprise_id"],
            false,
        )
        .await?;
        index(
            manager,
            "twinnings_agency_idx",
            Twinnings::Table,
            &["agency_id"],
            false,
        )
        .await?;
        // At most one open twinning per commune–partner pair; the same SQL on both engines.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX twinnings_open_enterprise_key ON twinnings (commune_id, enterprise_id) \
             WHERE ended_on IS NULL AND enterprise_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX twinnings_open_agency_key ON twinnings (commune_id, agency_id) \
             WHERE ended_on IS NULL AND agency_id IS NOT NULL",
        )
        .await?;

        index(
            manager,
            "accounts_enterprise_id_idx",
            Accounts::Table,
            &["enterprise_id"],
            false,
        )
        .await?;
        index(
            manager,
            "accounts_agency_id_idx",
            Accounts::Table,
            &["agency_id"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["accounts_enterprise_id_idx", "accounts_agency_id_idx"] {
            manager
                .drop_index(Index::drop().name(name).table(Accounts::Table).to_owned())
                .await?;
        }
        for table in [
            Twinnings::Table.into_iden(),
            Communes::Table.into_iden(),
            Enterprises::Table.into_iden(),
            Agencies::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
