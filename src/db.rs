//! Database connections. SQLite (the embedded default) gets WAL, foreign keys and a
//! busy timeout, a pool of readers and a single writer, so reads run in parallel and
//! writes queue in-process instead of failing with SQLITE_BUSY. PostgreSQL gets a
//! pool for writes and transactions, and connections of its own for reads
//! ([`reads`]: one round trip per statement). Migrations run at start; on
//! PostgreSQL under an advisory lock so instances starting together migrate once.

pub mod reads;
pub mod rows;

use std::{
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, RuntimeErr, SqliteTransactionMode,
    SqlxPostgresConnector, SqlxSqliteConnector, Statement, TransactionOptions, TransactionTrait,
    sea_query::{Expr, extension::postgres::PgFunc},
    sqlx::{
        postgres::{PgConnectOptions, PgPoolOptions},
        sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    },
};

use self::reads::Reads;
use crate::{config::Settings, events::Bus};

/// An arbitrary constant naming our migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK_KEY: i64 = 0x646f_6e67_6861_6e68; // "donghanh"

/// Where reads and writes go. On PostgreSQL reads outside transactions go through
/// connections of their own ([`reads`]), writes through a pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub read: Reads,
    pub write: DatabaseConnection,
    /// Statements run since start on behalf of requests and commands (not the
    /// change listener's or pruning's), for `/metrics` and for tests that show a
    /// request's statement count does not grow with the rows it returns.
    pub statements: Arc<AtomicU64>,
    /// Committed changes, for subscriptions.
    pub events: Arc<Bus>,
    /// The same pools without the statement counter, for background work (the
    /// notification worker and scheduler), so that their polling never shows in a
    /// request's statement count.
    quiet: Option<(DatabaseConnection, DatabaseConnection)>,
}

/// How reads connect to PostgreSQL: with `options`, at most `size` connections at
/// once, waiting at most `acquire` for one.
struct PgReads {
    options: PgConnectOptions,
    size: u32,
    acquire: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("DATABASE_URL must start with sqlite: or postgres:")]
    UnknownScheme,
    #[error("database: {0}")]
    Connect(#[from] sea_orm::sqlx::Error),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl Db {
    pub async fn connect(settings: &Settings) -> Result<Db, DbSetupError> {
        let url = settings.database_url.as_str();
        let acquire = settings.database_acquire_timeout;
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // An embedded file cannot hang up: no check on acquire.
            let write = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(1)
                .acquire_timeout(acquire.max(Duration::from_secs(30)))
                .connect_with(options.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(settings.database_pool_size.max(1))
                .acquire_timeout(acquire)
                .connect_with(options.read_only(false))
                .await?;
            Ok(Db::counted(
                SqlxSqliteConnector::from_sqlx_sqlite_pool(read),
                SqlxSqliteConnector::from_sqlx_sqlite_pool(write),
                None,
            ))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?.application_name("donghanh");
            let size = settings.database_pool_size.max(2);
            let pool = PgPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(acquire)
                // Each connection is checked (a round trip) as it leaves the pool:
                // when PostgreSQL drops every session at once, a check skipped for
                // a connection idle a moment hands a dead one to the next write.
                .connect_with(options.clone())
                .await?;
            let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
            Ok(Db::counted(
                conn.clone(),
                conn,
                Some(PgReads {
                    options,
                    size,
                    acquire,
                }),
            ))
        } else {
            Err(DbSetupError::UnknownScheme)
        }
    }

    /// The database with its statements counted: `read` and `write` are pools
    /// (the same one on PostgreSQL, where `lane` says how reads connect).
    fn counted(
        mut read: DatabaseConnection,
        mut write: DatabaseConnection,
        lane: Option<PgReads>,
    ) -> Db {
        let quiet = Some((read.clone(), write.clone()));
        let statements = Arc::new(AtomicU64::new(0));
        let same_pool = read.get_database_backend() == DbBackend::Postgres;
        let counter = statements.clone();
        read.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        if same_pool {
            // One pool: the callback set on `read` counts every statement.
            write = read.clone();
        } else {
            let counter = statements.clone();
            write.set_metric_callback(move |_| {
                counter.fetch_add(1, Ordering::Relaxed);
            });
        }
        let read = match lane {
            Some(PgReads {
                options,
                size,
                acquire,
            }) => Reads::lane(read, options, size, acquire, statements.clone()),
            None => Reads::pool(read),
        };
        Db {
            read,
            write,
            statements,
            events: Arc::new(Bus::default()),
            quiet,
        }
    }

    /// This database for background work: the same pools (on SQLite the same single
    /// writer) and the same hub, but statements are not counted.
    pub fn background(&self) -> Db {
        let (read, write) = match &self.quiet {
            Some((read, write)) => (Reads::pool(read.clone()), write.clone()),
            None => (self.read.clone(), self.write.clone()),
        };
        Db {
            read,
            write,
            statements: Arc::new(AtomicU64::new(0)),
            events: self.events.clone(),
            quiet: None,
        }
    }

    /// Statements run so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }

    /// Applies pending migrations. On PostgreSQL a session advisory lock on a
    /// dedicated connection makes concurrent starts wait for each other; on SQLite
    /// the database's own write lock does.
    pub async fn migrate(&self, settings: &Settings) -> Result<(), DbSetupError> {
        match self.backend() {
            DbBackend::Postgres => {
                let options = PgConnectOptions::from_str(&settings.database_url)?
                    .application_name("donghanh-migrate");
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await?;
                let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
                let lock = |sql: &str| {
                    Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        sql,
                        [MIGRATION_LOCK_KEY.into()],
                    )
                };
                conn.execute_raw(lock("SELECT pg_advisory_lock($1)"))
                    .await?;
                let outcome = Migrator::up(&conn, None).await;
                let unlocked = conn
                    .execute_raw(lock("SELECT pg_advisory_unlock($1)"))
                    .await;
                conn.close().await?;
                outcome?;
                unlocked?;
                Ok(())
            }
            _ => {
                // Take SQLite's write lock before reading which migrations are
                // applied (BEGIN IMMEDIATE), so a second process starting at the
                // same moment waits (busy timeout) and then finds them done. A
                // deferred transaction would read first and then fail to write if a
                // running server wrote in between (SQLITE_BUSY_SNAPSHOT), which the
                // busy timeout does not wait out.
                let txn = self
                    .write
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..TransactionOptions::default()
                    })
                    .await?;
                Migrator::up(&txn, None).await?;
                txn.commit().await?;
                Ok(())
            }
        }
    }

    /// Delivers changes from the end of the change log on: on PostgreSQL made
    /// through any instance, read by this instance's listener; on SQLite as they
    /// commit. Also starts pruning the log by age.
    pub async fn listen_for_changes(&self, settings: &Settings) -> Result<(), DbSetupError> {
        self.events.start_at_log_end(&self.read).await?;
        let background = self.background();
        if self.backend() == DbBackend::Postgres {
            self.events
                .listen(&settings.database_url, background.read.connection().clone())
                .await?;
        }
        crate::events::spawn_pruning(background.write, settings.change_retention);
        Ok(())
    }

    /// True when the database answers a trivial query in time (a connection is
    /// acquired within `DONGHANH_DATABASE_ACQUIRE_TIMEOUT`).
    pub async fn is_ready(&self) -> bool {
        matches!(
            tokio::time::timeout(Duration::from_secs(2), self.read.connection().ping()).await,
            Ok(Ok(()))
        )
    }
}

/// Whether an error means the database cannot be reached (down, restarting, the
/// connection lost mid-statement) rather than that a statement failed: the same
/// request may succeed once the database is back. Such errors are
/// DATABASE_UNAVAILABLE to clients, not INTERNAL.
pub fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            lost_connection(error)
        }
        _ => false,
    }
}

pub(crate) fn lost_connection(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::{
        Error, error::DatabaseError, postgres::PgDatabaseError, sqlite::SqliteError,
    };
    match error {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(error) => {
            if let Some(error) = error.try_downcast_ref::<PgDatabaseError>() {
                postgres_unavailable(error.code())
            } else if let Some(error) = error.try_downcast_ref::<SqliteError>() {
                DatabaseError::code(error)
                    .and_then(|code| code.parse().ok())
                    .is_some_and(sqlite_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// Class 08 (connection exception), the server shutting down or starting
/// (57P01–57P03), out of connections (53300).
fn postgres_unavailable(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

/// The file cannot be opened or read: SQLITE_IOERR, SQLITE_CANTOPEN and their
/// extended codes.
fn sqlite_unavailable(extended_code: i32) -> bool {
    const SQLITE_IOERR: i32 = 10;
    const SQLITE_CANTOPEN: i32 = 14;
    matches!(extended_code & 0xff, SQLITE_IOERR | SQLITE_CANTOPEN)
}

/// `expr` is one of `keys`, for a batch read. On PostgreSQL `expr = ANY($1)` with
/// the keys as one array parameter: a batch of any size is one prepared statement,
/// and its generic plan probes the index for a few keys. (An `IN` list of a page's
/// ~100 commune ids among 10,000 communes was planned as a sequential scan: 2 ms
/// against 0.08 ms.) On SQLite `expr IN (...)`.
pub fn one_of(backend: DbBackend, expr: Expr, keys: &[i64]) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    match backend {
        DbBackend::Postgres => expr.eq(PgFunc::any(Expr::val(keys.to_vec()))),
        _ => expr.is_in(keys.iter().copied()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_unavailability_and_failed_statements_are_not() {
        assert!(postgres_unavailable("57P01"));
        assert!(postgres_unavailable("08006"));
        assert!(!postgres_unavailable("23505")); // unique violation
        assert!(sqlite_unavailable(522)); // SQLITE_IOERR_SHORT_READ
        assert!(!sqlite_unavailable(2067)); // SQLITE_CONSTRAINT_UNIQUE
        let io = sea_orm::sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into());
        assert!(is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(
            Arc::new(io)
        ))));
        assert!(!is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(
            Arc::new(sea_orm::sqlx::Error::RowNotFound)
        ))));
        assert!(!is_unavailable(&DbErr::Type("not a level".into())));
    }

    #[test]
    fn a_batch_is_one_array_parameter_on_postgresql_and_a_list_on_sqlite() {
        use sea_orm::sea_query::{Alias, Query};
        let select = |backend| {
            let mut select = Query::select();
            select
                .column(Alias::new("id"))
                .from(Alias::new("communes"))
                .and_where(one_of(backend, Expr::col(Alias::new("id")), &[3, 1, 2]));
            backend.build(&select)
        };
        let postgres = select(DbBackend::Postgres);
        assert_eq!(
            postgres.sql,
            r#"SELECT "id" FROM "communes" WHERE "id" = ANY($1)"#
        );
        assert_eq!(
            postgres.values.map(|v| v.0.len()),
            Some(1),
            "one parameter whatever the batch"
        );
        let sqlite = select(DbBackend::Sqlite);
        assert_eq!(
            sqlite.sql,
            r#"SELECT "id" FROM "communes" WHERE "id" IN (?, ?, ?)"#
        );
    }
}
