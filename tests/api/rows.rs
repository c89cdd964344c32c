//! Models read by position (`db::rows`) equal sea-orm's own reading, field for
//! field, for every table, over the demo data with its NULLs, enums, dates and
//! times; and a result with columns other than the entity's is read by sea-orm.

use donghanh::db::rows::{self, Positional};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect, QueryTrait, sea_query::Expr};

use crate::helpers::spawn_app;

/// `E`'s rows, read by position and by sea-orm; how many there are.
async fn compare<E>(db: &impl ConnectionTrait) -> usize
where
    E: EntityTrait,
    E::Model: Positional + PartialEq + std::fmt::Debug,
{
    let by_name = E::find().all(db).await.expect("sea-orm reads the table");
    let statement = E::find().build(db.get_database_backend());
    let results = db.query_all_raw(statement).await.expect("the rows");
    if let Some(first) = results.first() {
        assert!(
            rows::columns_are::<E>(first),
            "{}: the columns are the entity's",
            E::default().table_name()
        );
    }
    let by_position = rows::all(db, E::find()).await.expect("read by position");
    assert_eq!(by_position, by_name, "{}", E::default().table_name());

    // An extra column: not the entity's columns, so sea-orm reads them by name.
    let wider = E::find().expr_as(Expr::val(7), "extra");
    let statement = wider.clone().build(db.get_database_backend());
    let results = db.query_all_raw(statement).await.expect("the rows");
    if let Some(first) = results.first() {
        assert!(!rows::columns_are::<E>(first));
    }
    assert_eq!(rows::all(db, wider).await.expect("read by name"), by_name);
    by_name.len()
}

#[tokio::test]
async fn every_table_reads_the_same_by_position_as_by_name() {
    use donghanh::{
        agencies::entity as agency,
        agenda::{answer, entity as agenda_item, event as agenda_event},
        audit::entity as audit,
        auth::entity as account,
        communes::entity as commune,
        contributions::{disbursement, entity as contribution},
        dialogues::{commune_link, entity as dialogue, registration},
        enterprises::entity as enterprise,
        notifications::{entity as notification, schedule},
        twinnings::entity as twinning,
    };
    let app = spawn_app().await;
    donghanh::demo::load(&app.state).await.expect("demo loads");
    add_notifications(&app).await;
    let db = &app.state.db.read;

    let counts = [
        compare::<commune::Entity>(db).await,
        compare::<enterprise::Entity>(db).await,
        compare::<agency::Entity>(db).await,
        compare::<contribution::Entity>(db).await,
        compare::<disbursement::Entity>(db).await,
        compare::<twinning::Entity>(db).await,
        compare::<account::Entity>(db).await,
        compare::<dialogue::Entity>(db).await,
        compare::<commune_link::Entity>(db).await,
        compare::<registration::Entity>(db).await,
        compare::<agenda_item::Entity>(db).await,
        compare::<answer::Entity>(db).await,
        compare::<agenda_event::Entity>(db).await,
        compare::<audit::Entity>(db).await,
        compare::<notification::Entity>(db).await,
    ];
    // Written by the scheduler when it gets to it: compared, not counted.
    compare::<schedule::run::Entity>(db).await;
    // Every table the demo fills was compared row by row.
    assert_eq!(
        counts,
        [
            100, 20, 16, 66, 114, 110, 3, 5, 3, 37, 2028, 2024, 8102, 1, 2
        ]
    );
}

/// The demo sends no notification: one with every optional column set and one
/// with none, each enum at another value.
async fn add_notifications(app: &crate::helpers::TestApp) {
    use chrono::{TimeDelta, TimeZone, Utc};
    use donghanh::{auth::entity as account, notifications::entity as notification};
    use notification::{Category, DeliveryStatus, NotificationKind};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, Iterable};

    let db = &app.state.db.write;
    let recipient = account::Entity::find()
        .one(db)
        .await
        .expect("accounts")
        .expect("the demo has accounts")
        .id;
    // Times with microseconds, and one before PostgreSQL's epoch (2000-01-01),
    // where its binary timestamps are negative.
    let at = |hour| {
        Utc.with_ymd_and_hms(2026, 11, 30, hour, 15, 7).unwrap() + TimeDelta::microseconds(654_321)
    };
    let before_2000 =
        Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap() + TimeDelta::microseconds(123_457);
    for full in [true, false] {
        let pick = |n: usize| if full { n } else { n + 1 };
        let text = |value: &str| full.then(|| value.to_owned());
        notification::ActiveModel {
            account_id: Set(recipient),
            kind: Set(NotificationKind::iter().nth(pick(0)).expect("a kind")),
            category: Set(Category::iter().nth(pick(0)).expect("a category")),
            subject_id: Set(text("AgendaItem:42")),
            title: Set("Tiêu đề".into()),
            body: Set("Nội dung".into()),
            html: Set("<p>Nội dung</p>".into()),
            created_at: Set(if full { at(1) } else { before_2000 }),
            read_at: Set(full.then(|| at(2))),
            email_to: Set(text("dn@example.vn")),
            email_status: Set(full.then(|| DeliveryStatus::iter().next_back().expect("a status"))),
            attempts: Set(pick(2) as i32),
            next_attempt_at: Set(full.then(|| at(3))),
            claimed_until: Set(full.then(|| at(4))),
            claim: Set(text("worker-1")),
            last_error: Set(text("550 mailbox unavailable")),
            sent_at: Set(full.then(|| at(5))),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("a notification");
    }
}
