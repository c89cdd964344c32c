//! Reads on PostgreSQL through the lane (`db::reads`): a connection is reused
//! without a round trip to check it, yet a lost one costs no read an error; an
//! abandoned read never hands its connection on; the lane never opens more
//! connections than its size, and a read waits for a place no longer than the
//! acquire timeout. PostgreSQL only: SQLite reads through its own pool.

use std::{
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use donghanh::db::{is_unavailable, reads::Reads};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement,
    sqlx::postgres::PgConnectOptions,
};

use crate::helpers::require_postgres;

/// A lane of `size` connections to the test server, under an application name of
/// its own so that its connections can be told apart; with its statement counter.
struct Lane {
    reads: Reads,
    name: String,
    admin: DatabaseConnection,
    statements: Arc<AtomicU64>,
}

async fn lane(size: u32, acquire_timeout: Duration) -> Lane {
    let server = require_postgres();
    let name = format!("lane-test-{}", uuid::Uuid::new_v4().simple());
    let options = PgConnectOptions::from_str(&server)
        .expect("the URL parses")
        .application_name(&name);
    let admin = Database::connect(&server).await.expect("connects");
    let statements = Arc::new(AtomicU64::new(0));
    let reads = Reads::lane(
        admin.clone(),
        options,
        size,
        acquire_timeout,
        statements.clone(),
    );
    Lane {
        reads,
        name,
        admin,
        statements,
    }
}

fn sql(text: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, text)
}

impl Lane {
    /// The backend that answers a read.
    async fn backend(&self) -> i32 {
        let row = self
            .reads
            .query_one_raw(sql("SELECT pg_backend_pid() AS pid"))
            .await
            .expect("the read answers")
            .expect("a row");
        row.try_get("", "pid").expect("a pid")
    }

    /// The lane's backends PostgreSQL knows of.
    async fn backends(&self) -> Vec<i32> {
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
            [self.name.clone().into()],
        );
        self.admin
            .query_all_raw(statement)
            .await
            .expect("pg_stat_activity")
            .iter()
            .map(|row| row.try_get("", "pid").expect("pid"))
            .collect()
    }

    /// Waits until PostgreSQL shows one of the lane's backends running `query`.
    async fn running(&self, query: &str) -> i32 {
        loop {
            let statement = Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pid FROM pg_stat_activity \
                 WHERE application_name = $1 AND state = 'active' AND query = $2",
                [self.name.clone().into(), query.into()],
            );
            if let Some(row) = self
                .admin
                .query_one_raw(statement)
                .await
                .expect("pg_stat_activity")
            {
                return row.try_get("", "pid").expect("pid");
            }
            tokio::task::yield_now().await;
        }
    }

    /// Terminates `pid` and waits until it is gone.
    async fn terminate(&self, pid: i32) {
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_terminate_backend($1)",
            [pid.into()],
        );
        self.admin.execute_raw(statement).await.expect("terminates");
        while self.backends().await.contains(&pid) {
            tokio::task::yield_now().await;
        }
    }
}

/// `query` read through the lane in a task of its own.
fn start(
    lane: &Arc<Lane>,
    query: &'static str,
) -> tokio::task::JoinHandle<Result<Option<QueryResult>, DbErr>> {
    let lane = lane.clone();
    tokio::spawn(async move { lane.reads.query_one_raw(sql(query)).await })
}

#[tokio::test]
#[ignore = "PostgreSQL only: runs with TEST_DATABASE_URL and --include-ignored"]
async fn a_connection_is_reused_and_a_lost_one_costs_no_read_an_error() {
    let lane = lane(4, Duration::from_secs(5)).await;
    let first = lane.backend().await;
    assert_eq!(lane.backend().await, first, "the same connection, reused");
    assert_eq!(lane.backends().await.len(), 1);

    // PostgreSQL drops the session: the next read finds it lost, and answers
    // on a new connection instead of failing.
    lane.terminate(first).await;
    let second = lane.backend().await;
    assert_ne!(second, first);
    assert_eq!(lane.backend().await, second);
    assert_eq!(
        lane.statements.load(Ordering::Relaxed),
        4,
        "each read counts once, however many connections it tried"
    );

    lane.reads.clone().close().await.expect("closes");
    let error = lane
        .reads
        .query_one_raw(sql("SELECT 1"))
        .await
        .expect_err("closed");
    assert!(is_unavailable(&error), "{error:?}");
}

#[tokio::test]
#[ignore = "PostgreSQL only: runs with TEST_DATABASE_URL and --include-ignored"]
async fn a_refused_statement_leaves_its_connection_in_use() {
    let lane = lane(2, Duration::from_secs(5)).await;
    let first = lane.backend().await;
    let error = lane
        .reads
        .query_one_raw(sql("SELECT 1 / 0"))
        .await
        .expect_err("division by zero");
    assert!(!is_unavailable(&error), "{error:?}");
    assert_eq!(lane.backend().await, first);
}

#[tokio::test]
#[ignore = "PostgreSQL only: runs with TEST_DATABASE_URL and --include-ignored"]
async fn an_abandoned_read_never_hands_its_connection_on() {
    let lane = Arc::new(lane(1, Duration::from_secs(5)).await);
    let sleeping = "SELECT pg_sleep(30)";
    let task = start(&lane, sleeping);
    let abandoned = lane.running(sleeping).await;
    task.abort();
    assert!(task.await.expect_err("aborted").is_cancelled());

    // The lane's one place is free again, on a connection of its own.
    let next = lane.backend().await;
    assert_ne!(next, abandoned, "the abandoned connection is not reused");
    lane.terminate(abandoned).await;
}

#[tokio::test]
#[ignore = "PostgreSQL only: runs with TEST_DATABASE_URL and --include-ignored"]
async fn a_read_waits_for_a_place_no_longer_than_the_acquire_timeout() {
    let lane = Arc::new(lane(1, Duration::from_millis(200)).await);
    let sleeping = "SELECT pg_sleep(3)";
    let task = start(&lane, sleeping);
    lane.running(sleeping).await;
    let error = lane
        .reads
        .query_one_raw(sql("SELECT 1"))
        .await
        .expect_err("no place within 200 ms");
    assert!(is_unavailable(&error), "{error:?}");
    assert_eq!(
        lane.statements.load(Ordering::Relaxed),
        1,
        "a read that never ran is not counted"
    );
    task.await.expect("joins").expect("the first read answers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "PostgreSQL only: runs with TEST_DATABASE_URL and --include-ignored"]
async fn many_reads_at_once_open_no_more_connections_than_the_lane_holds() {
    let lane = Arc::new(lane(3, Duration::from_secs(10)).await);
    let reads = (0..60).map(|_| {
        let lane = lane.clone();
        tokio::spawn(async move { lane.backend().await })
    });
    let mut backends: Vec<i32> = futures_util::future::join_all(reads)
        .await
        .into_iter()
        .map(|read| read.expect("joins"))
        .collect();
    backends.sort_unstable();
    backends.dedup();
    assert!(
        (1..=3).contains(&backends.len()),
        "{} connections",
        backends.len()
    );
    assert!(lane.backends().await.len() <= 3);
    assert_eq!(lane.statements.load(Ordering::Relaxed), 60);
}
