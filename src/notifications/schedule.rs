//! Scheduled notifications: the daily deadline digest (per agency, on working
//! days, from a configured local hour) and the reminder the day before a dialogue.
//! Each instance looks every poll interval; a period runs once across instances
//! because its row in `scheduled_runs` is inserted in the same transaction as its
//! notifications (an instance that finds the row taken does nothing).

use std::{collections::BTreeMap, sync::Arc};

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use tokio::sync::watch;

use super::{
    entity::NotificationKind,
    message::{self, DigestLine},
    rules,
};
use crate::{
    agencies::entity as agency,
    agenda::entity::{self as agenda_item, AgendaItemStatus},
    app::AppState,
    audit::MutationTx,
    calendar,
    db::Db,
    dialogues::entity::{self as dialogue, DialogueStatus},
    error::ApiError,
};

/// Items due within this many working days are "due soon".
pub const DUE_SOON_WORKING_DAYS: u32 = 3;

const DIGEST: &str = "DEADLINE_DIGEST";
const REMINDER: &str = "DIALOGUE_REMINDER";

/// An assigned item as the digest sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub agency_id: i64,
    pub line: DigestLine,
}

/// Per agency: the overdue items and those due within [`DUE_SOON_WORKING_DAYS`]
/// working days of `today`, each oldest due first. Agencies with neither are left
/// out.
pub fn select_digest(
    items: &[Assigned],
    today: NaiveDate,
    holidays: &[NaiveDate],
) -> BTreeMap<i64, (Vec<DigestLine>, Vec<DigestLine>)> {
    let horizon = calendar::add_working_days(today, DUE_SOON_WORKING_DAYS, holidays);
    let mut by_agency: BTreeMap<i64, (Vec<DigestLine>, Vec<DigestLine>)> = BTreeMap::new();
    for item in items {
        let due = item.line.due;
        if due > horizon {
            continue;
        }
        let (overdue, soon) = by_agency.entry(item.agency_id).or_default();
        if due < today {
            overdue.push(item.line.clone());
        } else {
            soon.push(item.line.clone());
        }
    }
    for (overdue, soon) in by_agency.values_mut() {
        overdue.sort_by_key(|line| (line.due, line.item_id));
        soon.sort_by_key(|line| (line.due, line.item_id));
    }
    by_agency
}

/// Whether the digest is due at `local` (the programme's local time): a working
/// day, at or after the configured hour.
pub fn digest_due(
    local_day: NaiveDate,
    local_hour: u32,
    app_hour: u32,
    holidays: &[NaiveDate],
) -> bool {
    calendar::is_working_day(local_day, holidays) && local_hour >= app_hour
}

/// Looks for scheduled work every poll interval until `stopping`.
pub fn spawn_scheduler(
    app: Arc<AppState>,
    mut stopping: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let db = app.db.background();
        loop {
            if *stopping.borrow() {
                return;
            }
            if let Err(error) = tick(&app, &db).await {
                tracing::warn!(%error, "scheduled notifications");
            }
            tokio::select! {
                () = tokio::time::sleep(app.settings.notifications.poll_interval) => {}
                changed = stopping.changed() => {
                    // A sender gone without a word is a stop too.
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    })
}

/// One look: today's digest if due, and the reminders of tomorrow's dialogues.
pub async fn tick(app: &AppState, db: &Db) -> Result<(), ApiError> {
    let now = app.clock.now();
    let local = now.with_timezone(&app.clock.zone());
    let today = local.date_naive();
    if digest_due(
        today,
        local.hour(),
        app.settings.notifications.digest_hour,
        &app.settings.holidays,
    ) {
        digest(app, db, today).await?;
    }
    reminders(app, db, now).await
}

async fn already_ran(db: &impl ConnectionTrait, kind: &str, period: &str) -> Result<bool, DbErr> {
    Ok(
        run::Entity::find_by_id((kind.to_owned(), period.to_owned()))
            .one(db)
            .await?
            .is_some(),
    )
}

/// Takes the period for this transaction; false when another instance has it.
async fn take_period(db: &impl ConnectionTrait, kind: &str, period: &str) -> Result<bool, DbErr> {
    let inserted = run::Entity::insert(run::ActiveModel {
        kind: Set(kind.to_owned()),
        period: Set(period.to_owned()),
        ran_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([run::Column::Kind, run::Column::Period])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

/// The day's digest: for each agency with overdue or soon-due items, one
/// notification to each of its officials.
async fn digest(app: &AppState, db: &Db, today: NaiveDate) -> Result<(), ApiError> {
    let period = today.to_string();
    if already_ran(&db.read, DIGEST, &period).await? {
        return Ok(());
    }
    let mut tx = MutationTx::open_unaudited(db).await?;
    if !take_period(&*tx, DIGEST, &period).await? {
        return Ok(());
    }
    let horizon = calendar::add_working_days(today, DUE_SOON_WORKING_DAYS, &app.settings.holidays);
    let assigned: Vec<Assigned> = agenda_item::Entity::find()
        .filter(agenda_item::Column::Status.eq(AgendaItemStatus::Assigned))
        .filter(agenda_item::Column::ResponseDueOn.lte(horizon))
        .filter(agenda_item::Column::AssignedAgencyId.is_not_null())
        .order_by_asc(agenda_item::Column::Id)
        .all(&*tx)
        .await?
        .into_iter()
        .filter_map(|item| {
            Some(Assigned {
                agency_id: item.assigned_agency_id?,
                line: DigestLine {
                    item_id: item.id,
                    title: item.title,
                    due: item.response_due_on?,
                },
            })
        })
        .collect();
    let link = rules::link(app);
    for (agency_id, (overdue, soon)) in select_digest(&assigned, today, &app.settings.holidays) {
        let officials = rules::agency_officials(&*tx, agency_id).await?;
        if officials.is_empty() {
            continue;
        }
        let name = agency::Entity::find_by_id(agency_id)
            .one(&*tx)
            .await?
            .map(|found| found.name)
            .unwrap_or_default();
        let rendered = message::digest(&name, today, &overdue, &soon, &link);
        rules::record(&mut tx, app, &officials, |_| rendered.clone()).await?;
    }
    tx.commit_without_subject().await?;
    tracing::info!(%today, "sent the deadline digest");
    Ok(())
}

/// Reminds the registered enterprises of each dialogue that starts within a day,
/// once per dialogue and start time (a rescheduled dialogue is reminded again); a
/// dialogue nobody has registered for yet is looked at again on the next tick.
async fn reminders(app: &AppState, db: &Db, now: DateTime<Utc>) -> Result<(), ApiError> {
    let soon = dialogue::Entity::find()
        .filter(dialogue::Column::Status.eq(DialogueStatus::Scheduled))
        .filter(dialogue::Column::StartsAt.gt(now))
        .filter(dialogue::Column::StartsAt.lte(now + chrono::Duration::days(1)))
        .all(&db.read)
        .await?;
    for found in soon {
        let period = format!("{}@{}", found.id, found.starts_at.to_rfc3339());
        if already_ran(&db.read, REMINDER, &period).await? {
            continue;
        }
        let mut tx = MutationTx::open_unaudited(db).await?;
        let recipients = rules::registered_accounts(&*tx, found.id).await?;
        // Nobody registered yet: look again later rather than spend the reminder.
        if recipients.is_empty() || !take_period(&*tx, REMINDER, &period).await? {
            continue;
        }
        let rendered = message::dialogue(
            NotificationKind::DialogueReminder,
            &found,
            app.clock.zone(),
            &rules::link(app),
        );
        rules::record(&mut tx, app, &recipients, |_| rendered.clone()).await?;
        tx.commit_without_subject().await?;
    }
    Ok(())
}

/// The `scheduled_runs` table.
pub mod run {
    use sea_orm::entity::prelude::*;

    crate::positional! {
        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "scheduled_runs")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub kind: String,
            #[sea_orm(primary_key, auto_increment = false)]
            pub period: String,
            pub ran_at: DateTimeUtc,
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    fn assigned(agency_id: i64, item_id: i64, due: &str) -> Assigned {
        Assigned {
            agency_id,
            line: DigestLine {
                item_id,
                title: format!("Kiến nghị {item_id}"),
                due: date(due),
            },
        }
    }

    #[test]
    fn the_digest_lists_overdue_items_and_those_due_within_three_working_days() {
        // Friday 2026-12-04: three working days on is Wednesday 2026-12-09.
        let today = date("2026-12-04");
        let items = [
            assigned(1, 10, "2026-12-03"), // overdue
            assigned(1, 11, "2026-12-04"), // due today
            assigned(1, 12, "2026-12-09"), // the third working day
            assigned(1, 13, "2026-12-10"), // beyond
            assigned(2, 14, "2026-11-20"), // overdue, another agency
            assigned(3, 15, "2026-12-31"), // nothing for agency 3
        ];
        let digest = select_digest(&items, today, &[]);
        let ids = |lines: &[DigestLine]| lines.iter().map(|l| l.item_id).collect::<Vec<_>>();
        assert_eq!(digest.keys().copied().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(ids(&digest[&1].0), [10]);
        assert_eq!(ids(&digest[&1].1), [11, 12]);
        assert_eq!(ids(&digest[&2].0), [14]);
        assert!(digest[&2].1.is_empty());
    }

    #[test]
    fn a_holiday_moves_the_horizon() {
        let today = date("2026-12-04");
        let items = [assigned(1, 12, "2026-12-10")];
        assert!(select_digest(&items, today, &[]).is_empty());
        let holidays = [date("2026-12-08")];
        assert_eq!(select_digest(&items, today, &holidays)[&1].1.len(), 1);
    }

    #[test]
    fn the_digest_goes_out_on_working_days_from_its_hour() {
        assert!(digest_due(date("2026-12-04"), 8, 8, &[]));
        assert!(!digest_due(date("2026-12-04"), 7, 8, &[]));
        assert!(!digest_due(date("2026-12-05"), 9, 8, &[])); // Saturday
        assert!(!digest_due(date("2026-12-04"), 9, 8, &[date("2026-12-04")]));
    }
}
