//! Notifications: one row per recipient account, written in the same transaction
//! as the change that causes it. The row is both the in-app notification and, when
//! the account gets e-mail for its category, the e-mail's delivery job (status,
//! attempts, next attempt, claim, last error). `scheduled_runs` holds one row per
//! (kind, period) of the scheduled digests and reminders, inserted in the
//! transaction that records their notifications, so each period runs once across
//! instances. `notification_preferences` holds the categories an account turned
//! e-mail off (or back on) for.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("notifications"))
                    .col(
                        col("id")
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(col("account_id").big_integer().not_null())
                    .col(col("kind").string_len(32).not_null())
                    .col(col("category").string_len(16).not_null())
                    .col(col("subject_id").string_len(64))
                    .col(col("title").string_len(300).not_null())
                    .col(col("body").text().not_null())
                    .col(col("html").text().not_null())
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .col(col("read_at").timestamp_with_time_zone())
                    .col(col("email_to").string_len(320))
                    .col(col("email_status").string_len(16))
                    .col(col("attempts").integer().not_null().default(0))
                    .col(col("next_attempt_at").timestamp_with_time_zone())
                    .col(col("claimed_until").timestamp_with_time_zone())
                    .col(col("claim").string_len(64))
                    .col(col("last_error").text())
                    .col(col("sent_at").timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .name("notifications_account_fk")
                            .from(Alias::new("notifications"), Alias::new("account_id"))
                            .to(Alias::new("accounts"), Alias::new("id")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_account_idx")
                    .table(Alias::new("notifications"))
                    .col(Alias::new("account_id"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_delivery_idx")
                    .table(Alias::new("notifications"))
                    .col(Alias::new("email_status"))
                    .col(Alias::new("next_attempt_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("notification_preferences"))
                    .col(col("account_id").big_integer().not_null())
                    .col(col("category").string_len(16).not_null())
                    .col(col("email").boolean().not_null())
                    .primary_key(
                        Index::create()
                            .col(Alias::new("account_id"))
                            .col(Alias::new("category")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("notification_preferences_account_fk")
                            .from(
                                Alias::new("notification_preferences"),
                                Alias::new("account_id"),
                            )
                            .to(Alias::new("accounts"), Alias::new("id")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("scheduled_runs"))
                    .col(col("kind").string_len(32).not_null())
                    .col(col("period").string_len(64).not_null())
                    .col(col("ran_at").timestamp_with_time_zone().not_null())
                    .primary_key(
                        Index::create()
                            .name("scheduled_runs_pkey")
                            .col(Alias::new("kind"))
                            .col(Alias::new("period")),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "scheduled_runs",
            "notification_preferences",
            "notifications",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
