//! Dialogues (đối thoại) with their communes and registrations, and agenda items
//! (kiến nghị) with their answers and status history. `registered_count` is kept
//! on the dialogue row so the capacity check is one conditional UPDATE, which holds
//! under any concurrency; `venue_key` is the trimmed, lower-cased venue for the
//! overlap rule.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

fn fk(name: &str, from: (&str, &str), to: (&str, &str)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(Alias::new(from.0), Alias::new(from.1))
        .to(Alias::new(to.0), Alias::new(to.1))
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
    columns: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(Alias::new(table));
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
                    .table(Alias::new("dialogues"))
                    .col(id("id"))
                    .col(col("title").string_len(200).not_null())
                    .col(col("format").string_len(32).not_null())
                    .col(col("level").string_len(16).not_null())
                    .col(col("status").string_len(16).not_null())
                    .col(col("starts_at").timestamp_with_time_zone().not_null())
                    .col(col("ends_at").timestamp_with_time_zone().not_null())
                    .col(col("venue").string_len(200).not_null())
                    .col(col("venue_key").string_len(200).not_null())
                    .col(col("chair").string_len(200).not_null())
                    .col(col("capacity").integer().null())
                    .col(col("registered_count").integer().not_null().default(0))
                    .col(col("minutes").text().null())
                    .col(col("cancellation_reason").string_len(1000).null())
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .col(col("updated_at").timestamp_with_time_zone().not_null())
                    .check(Expr::cust(
                        "ends_at > starts_at AND registered_count >= 0 \
                         AND (capacity IS NULL OR (capacity >= 1 AND registered_count <= capacity))",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "dialogues_starts_at_idx",
            "dialogues",
            &["starts_at", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "dialogues_status_idx",
            "dialogues",
            &["status", "format"],
            false,
        )
        .await?;
        index(
            manager,
            "dialogues_venue_idx",
            "dialogues",
            &["venue_key", "status"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("dialogue_communes"))
                    .col(col("dialogue_id").big_integer().not_null())
                    .col(col("commune_id").big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(Alias::new("dialogue_id"))
                            .col(Alias::new("commune_id")),
                    )
                    .foreign_key(&mut fk(
                        "dialogue_communes_dialogue_fkey",
                        ("dialogue_communes", "dialogue_id"),
                        ("dialogues", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "dialogue_communes_commune_fkey",
                        ("dialogue_communes", "commune_id"),
                        ("communes", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "dialogue_communes_commune_idx",
            "dialogue_communes",
            &["commune_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("dialogue_registrations"))
                    .col(id("id"))
                    .col(col("dialogue_id").big_integer().not_null())
                    .col(col("enterprise_id").big_integer().not_null())
                    .col(col("attendees").integer().not_null())
                    .col(col("registered_by").big_integer().not_null())
                    .col(col("registered_at").timestamp_with_time_zone().not_null())
                    .check(Expr::cust("attendees >= 1"))
                    .foreign_key(&mut fk(
                        "registrations_dialogue_fkey",
                        ("dialogue_registrations", "dialogue_id"),
                        ("dialogues", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "registrations_enterprise_fkey",
                        ("dialogue_registrations", "enterprise_id"),
                        ("enterprises", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "registrations_account_fkey",
                        ("dialogue_registrations", "registered_by"),
                        ("accounts", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "registrations_dialogue_enterprise_key",
            "dialogue_registrations",
            &["dialogue_id", "enterprise_id"],
            true,
        )
        .await?;
        index(
            manager,
            "registrations_enterprise_idx",
            "dialogue_registrations",
            &["enterprise_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("agenda_items"))
                    .col(id("id"))
                    .col(col("title").string_len(200).not_null())
                    .col(col("body").text().not_null())
                    .col(col("search_text").text().not_null())
                    .col(col("category").string_len(32).not_null())
                    .col(col("channel").string_len(32).not_null())
                    .col(col("status").string_len(16).not_null())
                    .col(col("enterprise_id").big_integer().not_null())
                    .col(col("confidential").boolean().not_null().default(false))
                    .col(col("submitted_by").big_integer().not_null())
                    .col(col("submitted_at").timestamp_with_time_zone().not_null())
                    .col(col("dialogue_id").big_integer().null())
                    .col(col("position").integer().null())
                    .col(col("assigned_agency_id").big_integer().null())
                    .col(col("assigned_at").timestamp_with_time_zone().null())
                    .col(col("response_due_on").date().null())
                    .col(col("rejection_reason").string_len(1000).null())
                    .col(col("feedback_satisfied").boolean().null())
                    .col(col("feedback_comment").string_len(1000).null())
                    .col(col("feedback_at").timestamp_with_time_zone().null())
                    .col(col("version").integer().not_null().default(1))
                    .col(col("updated_at").timestamp_with_time_zone().not_null())
                    .foreign_key(&mut fk(
                        "agenda_items_enterprise_fkey",
                        ("agenda_items", "enterprise_id"),
                        ("enterprises", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "agenda_items_submitted_by_fkey",
                        ("agenda_items", "submitted_by"),
                        ("accounts", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "agenda_items_dialogue_fkey",
                        ("agenda_items", "dialogue_id"),
                        ("dialogues", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "agenda_items_agency_fkey",
                        ("agenda_items", "assigned_agency_id"),
                        ("agencies", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "agenda_items_status_idx",
            "agenda_items",
            &["status", "category"],
            false,
        )
        .await?;
        index(
            manager,
            "agenda_items_submitted_at_idx",
            "agenda_items",
            &["submitted_at", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "agenda_items_due_idx",
            "agenda_items",
            &["response_due_on", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "agenda_items_dialogue_idx",
            "agenda_items",
            &["dialogue_id", "position"],
            false,
        )
        .await?;
        index(
            manager,
            "agenda_items_agency_idx",
            "agenda_items",
            &["assigned_agency_id", "status"],
            false,
        )
        .await?;
        index(
            manager,
            "agenda_items_enterprise_idx",
            "agenda_items",
            &["enterprise_id", "status"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("agenda_answers"))
                    .col(id("id"))
                    .col(col("agenda_item_id").big_integer().not_null())
                    .col(col("agency_id").big_integer().not_null())
                    .col(col("body").text().not_null())
                    .col(col("answered_by").big_integer().not_null())
                    .col(col("answered_at").timestamp_with_time_zone().not_null())
                    .col(col("on_time").boolean().not_null())
                    .foreign_key(&mut fk(
                        "agenda_answers_item_fkey",
                        ("agenda_answers", "agenda_item_id"),
                        ("agenda_items", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "agenda_answers_agency_fkey",
                        ("agenda_answers", "agency_id"),
                        ("agencies", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "agenda_answers_account_fkey",
                        ("agenda_answers", "answered_by"),
                        ("accounts", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "agenda_answers_item_idx",
            "agenda_answers",
            &["agenda_item_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "agenda_answers_agency_idx",
            "agenda_answers",
            &["agency_id", "on_time"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Alias::new("agenda_item_events"))
                    .col(id("id"))
                    .col(col("agenda_item_id").big_integer().not_null())
                    .col(col("at").timestamp_with_time_zone().not_null())
                    .col(col("from_status").string_len(16).null())
                    .col(col("to_status").string_len(16).not_null())
                    .col(col("note").text().null())
                    .col(col("actor_role").string_len(16).not_null())
                    .foreign_key(&mut fk(
                        "agenda_item_events_item_fkey",
                        ("agenda_item_events", "agenda_item_id"),
                        ("agenda_items", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "agenda_item_events_item_idx",
            "agenda_item_events",
            &["agenda_item_id", "id"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "agenda_item_events",
            "agenda_answers",
            "agenda_items",
            "dialogue_registrations",
            "dialogue_communes",
            "dialogues",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
