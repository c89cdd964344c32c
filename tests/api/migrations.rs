use migration::{Migrator, MigratorTrait};

use crate::helpers::{empty_database, fresh_database, test_settings};

#[tokio::test]
async fn migrations_go_down_and_up_again() {
    let settings = test_settings(fresh_database().await);
    let db = donghanh::db::Db::connect(&settings)
        .await
        .expect("connects");
    db.migrate(&settings).await.expect("up");
    // Applying again is a no-op.
    db.migrate(&settings).await.expect("up again");
    Migrator::down(&db.write, None).await.expect("down");
    let applied = Migrator::get_applied_migrations(&db.write)
        .await
        .expect("status");
    assert_eq!(applied.len(), 0);
    Migrator::up(&db.write, None).await.expect("up after down");
    let applied = Migrator::get_applied_migrations(&db.write)
        .await
        .expect("status");
    assert_eq!(applied.len(), Migrator::migrations().len());
}

#[tokio::test]
async fn concurrent_starts_migrate_once() {
    let settings = test_settings(empty_database().await);
    let first = donghanh::db::Db::connect(&settings)
        .await
        .expect("connects");
    let second = donghanh::db::Db::connect(&settings)
        .await
        .expect("connects");
    let (a, b) = tokio::join!(first.migrate(&settings), second.migrate(&settings));
    a.expect("first migrates");
    b.expect("second migrates");
    let applied = Migrator::get_applied_migrations(&first.write)
        .await
        .expect("status");
    assert_eq!(applied.len(), Migrator::migrations().len());
}

/// SQLite: a migration started while a running server holds the write lock waits
/// for it and then migrates. It takes the lock before reading anything: a
/// transaction that read first could not write after the server's commit
/// (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out). Runs on a SQLite file
/// in both runs of the suite.
#[tokio::test]
async fn sqlite_migrates_beside_a_server_that_is_writing() {
    use sqlx::{Connection, Executor};

    let dir = std::env::temp_dir().join("donghanh-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
    let settings = test_settings(format!("sqlite://{}?mode=rwc", path.display()));
    let db = donghanh::db::Db::connect(&settings)
        .await
        .expect("connects");
    db.migrate(&settings).await.expect("first start migrates");

    let second = donghanh::db::Db::connect(&settings)
        .await
        .expect("connects");
    // The running server, mid-write.
    let mut server = sqlx::SqliteConnection::connect(&settings.database_url)
        .await
        .expect("connects");
    server
        .execute("CREATE TABLE bystander (x INTEGER)")
        .await
        .expect("creates");
    server.execute("BEGIN IMMEDIATE").await.expect("begins");
    server
        .execute("INSERT INTO bystander VALUES (1)")
        .await
        .expect("writes");

    // A second process starts and migrates meanwhile.
    let migrating = tokio::spawn(async move { second.migrate(&settings).await });
    // Not a wait for a result: it gives the migration the time to reach the lock
    // (and, if it read before locking, to take the snapshot the commit then
    // outdates). The assertion below holds however long this is.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.execute("COMMIT").await.expect("commits");

    migrating
        .await
        .expect("joins")
        .expect("migrates once the server's write is committed");
    let applied = Migrator::get_applied_migrations(&db.write)
        .await
        .expect("status");
    assert_eq!(applied.len(), Migrator::migrations().len());
}
