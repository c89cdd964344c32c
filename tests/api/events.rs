use std::time::Duration;

use donghanh::{audit::MutationTx, events::Change};
use serde_json::json;

use crate::helpers::{require_postgres, spawn_app, spawn_on};

async fn next(receiver: &mut tokio::sync::broadcast::Receiver<Change>) -> Option<Change> {
    tokio::time::timeout(Duration::from_secs(5), receiver.recv())
        .await
        .ok()
        .and_then(Result::ok)
}

#[tokio::test]
async fn committed_changes_reach_subscribers_and_rolled_back_ones_do_not() {
    let app = spawn_app().await;
    let mut receiver = app.state.db.events.subscribe();

    let mut rolled_back = MutationTx::open(&app.state.db, "test", None, None, &json!({}))
        .await
        .expect("begins");
    rolled_back.notify(Change::Dialogue(7));
    drop(rolled_back);

    let mut tx = MutationTx::open(&app.state.db, "test", None, None, &json!({}))
        .await
        .expect("begins");
    tx.notify(Change::AgendaItem(3));
    tx.notify(Change::AgendaItem(3));
    tx.commit_without_subject().await.expect("commits");

    assert_eq!(next(&mut receiver).await, Some(Change::AgendaItem(3)));
    assert_eq!(
        tokio::time::timeout(Duration::from_millis(300), receiver.recv())
            .await
            .ok()
            .and_then(Result::ok),
        None,
        "one change, once; nothing from the rolled-back transaction"
    );
}

/// Only PostgreSQL carries changes between instances; SQLite is one instance.
#[tokio::test]
#[ignore = "PostgreSQL only: runs with TEST_DATABASE_URL and --include-ignored"]
async fn on_postgresql_changes_reach_the_subscribers_of_another_instance() {
    require_postgres();
    let first = spawn_app().await;
    let second = spawn_on(first.settings.database_url.clone(), |_| {}).await;
    let mut receiver = second.state.db.events.subscribe();
    let mut tx = MutationTx::open(&first.state.db, "test", None, None, &json!({}))
        .await
        .expect("begins");
    tx.notify(Change::Dialogue(11));
    tx.commit_without_subject().await.expect("commits");
    assert_eq!(next(&mut receiver).await, Some(Change::Dialogue(11)));
}
