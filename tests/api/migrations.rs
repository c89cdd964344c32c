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
