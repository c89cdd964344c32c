//! The change log: each committed change is written in its transaction with the
//! object's state as of that commit, in commit order; rolled-back ones never are;
//! instances read it from PostgreSQL, and a listener that loses its connection
//! catches up from the log; old entries are pruned and a resume from before the
//! pruning is refused.

use std::{sync::Arc, time::Duration};

use donghanh::{
    audit::MutationTx,
    events::{Change, Event, ResumeError, State},
};
use serde_json::json;
use tokio::sync::broadcast::Receiver;

use crate::{
    dialogues::{Setting, schedule, setting},
    helpers::{require_postgres, spawn_on},
};

async fn next(receiver: &mut Receiver<Arc<Event>>) -> Option<Arc<Event>> {
    // Generous for a loaded machine: a listener that lost its connection catches up
    // within seconds.
    tokio::time::timeout(Duration::from_secs(30), receiver.recv())
        .await
        .ok()
        .and_then(Result::ok)
}

/// The dialogue's capacity as an event recorded it.
fn capacity(event: &Event) -> Option<i32> {
    match &event.state {
        State::Dialogue(dialogue) => dialogue.capacity,
        other => panic!("a dialogue, not {other:?}"),
    }
}

async fn set_capacity(s: &Setting, dialogue: &str, capacity: i32) {
    let body = s
        .app
        .graphql(
            Some(&s.official.token),
            "mutation($input: UpdateDialogueInput!) { updateDialogue(input: $input) { userErrors { message } } }",
            json!({ "input": { "dialogueId": dialogue, "capacity": capacity } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateDialogue"]["userErrors"],
        json!([]),
        "{body}"
    );
}

#[tokio::test]
async fn committed_changes_carry_the_state_as_of_their_commit_and_rolled_back_ones_do_not_exist() {
    let s = setting().await;
    let mut receiver = s.app.state.db.events.subscribe();
    let dialogue = schedule(&s, Some(10)).await;
    // Three changes back to back: each event holds its own state, not the latest.
    set_capacity(&s, &dialogue, 20).await;
    set_capacity(&s, &dialogue, 30).await;
    let mut seen = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let event = next(&mut receiver).await.expect("an event");
        seen.push(capacity(&event));
        ids.push(event.id);
    }
    assert_eq!(seen, [Some(10), Some(20), Some(30)]);
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    assert_eq!(s.app.count_rows("changes").await, 3);

    // A transaction that notifies and rolls back records and delivers nothing.
    let key = ids[0]; // Any id: the transaction never commits.
    let mut rolled_back = MutationTx::open(&s.app.state.db, "test", None, None, &json!({}))
        .await
        .expect("begins");
    rolled_back.notify(Change::Dialogue(key));
    drop(rolled_back);
    assert_eq!(s.app.count_rows("changes").await, 3);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), receiver.recv())
            .await
            .is_err(),
        "nothing from the rolled-back transaction"
    );
}

#[tokio::test]
async fn a_resume_replays_the_log_and_old_changes_are_pruned() {
    let s = setting().await;
    let dialogue = schedule(&s, Some(10)).await;
    set_capacity(&s, &dialogue, 20).await;
    let db = &s.app.state.db;
    let all = donghanh::events::replay(&db.read, 0, &["Dialogue"])
        .await
        .expect("reads")
        .expect("not pruned");
    assert_eq!(
        all.iter().map(capacity).collect::<Vec<_>>(),
        [Some(10), Some(20)]
    );
    let first = all[0].id;
    // Age the first change past the retention, then prune.
    s.app
        .execute_sql(&format!(
            "UPDATE changes SET committed_at = '2020-01-01 00:00:00+00:00' WHERE id = {first}"
        ))
        .await;
    let deleted =
        donghanh::events::prune(&db.write, chrono::Utc::now() - chrono::Duration::days(7))
            .await
            .expect("prunes");
    assert_eq!(deleted, Some(1));
    assert_eq!(s.app.count_rows("changes").await, 1);
    // From before the pruning: refused; from after it: the rest.
    assert_eq!(
        donghanh::events::replay(&db.read, 0, &["Dialogue"])
            .await
            .expect("reads")
            .err(),
        Some(ResumeError::Pruned(0))
    );
    let rest = donghanh::events::replay(&db.read, first, &["Dialogue"])
        .await
        .expect("reads")
        .expect("not pruned");
    assert_eq!(rest.len(), 1);
}

/// Only PostgreSQL carries changes between instances; SQLite is one instance.
#[tokio::test]
#[ignore = "PostgreSQL only: runs with TEST_DATABASE_URL and --include-ignored"]
async fn on_postgresql_another_instance_reads_each_change_once_in_order_even_after_losing_its_listener()
 {
    require_postgres();
    let s = setting().await;
    let second = spawn_on(s.app.settings.database_url.clone(), |settings| {
        settings.now = s.app.settings.now
    })
    .await;
    let mut receiver = second.state.db.events.subscribe();
    let dialogue = schedule(&s, Some(10)).await;
    assert_eq!(
        next(&mut receiver).await.as_deref().map(capacity),
        Some(Some(10))
    );

    // Cut the second instance's LISTEN connection, change twice, and it catches up.
    s.app
        .execute_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .await;
    set_capacity(&s, &dialogue, 20).await;
    set_capacity(&s, &dialogue, 30).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(next(&mut receiver).await.as_deref().map(capacity));
    }
    assert_eq!(seen, [Some(Some(20)), Some(Some(30))]);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), receiver.recv())
            .await
            .is_err(),
        "each change once"
    );
}
