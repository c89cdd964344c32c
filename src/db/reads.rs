//! Where reads outside a transaction go: [`Db::read`](super::Db::read), for
//! statements that change nothing.
//!
//! sqlx's pool sends PostgreSQL a round trip (a `Sync`, awaiting `ReadyForQuery`)
//! each time it hands a connection out, and another each time the connection comes
//! back: three round trips for every statement where one is needed. A page of
//! contributions with their communes and contributors is four statements, so twelve
//! round trips, each waking our server and a PostgreSQL backend (issue 11: at one
//! client a quarter of PostgreSQL's CPU per request went to them). Reads on
//! PostgreSQL therefore go through a [`Lane`] of connections of our own, which
//! checks a connection only when there is reason to doubt it: it has been idle a
//! while, or another connection was found lost since it was last used. A read
//! that meets a lost connection no one had checked is run again once, on a checked
//! or new connection: it changes nothing, so running it twice is safe, and a
//! server that dropped every session (a restart, a failover) costs no request an
//! error. Writes and transactions keep sqlx's pool; SQLite, an embedded file, has
//! its own pool of readers and no round trips.

use std::{
    fmt,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    thread::ThreadId,
    time::{Duration, Instant},
};

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement,
    sea_query::Values,
    sqlx::{
        self, AssertSqlSafe, ConnectOptions, Connection,
        postgres::{PgConnectOptions, PgConnection, PgRow},
    },
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::Semaphore;

/// A connection idle this long is checked (a round trip) before it is used again:
/// one that sat through an outage or a network change is replaced, not used. A
/// connection in use under load is never idle this long.
const CHECK_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// A connection idle this long is closed rather than kept.
const CLOSE_IF_IDLE_FOR: Duration = Duration::from_secs(600);

/// Reads outside a transaction: through a [`Lane`] on PostgreSQL, through the pool
/// on SQLite and for background work.
#[derive(Clone)]
pub struct Reads {
    pool: DatabaseConnection,
    lane: Option<Arc<Lane>>,
}

impl Reads {
    /// Reads through `pool` itself.
    pub fn pool(pool: DatabaseConnection) -> Reads {
        Reads { pool, lane: None }
    }

    /// Reads through a lane of at most `size` PostgreSQL connections opened with
    /// `options`, each statement counted in `statements`; `pool` answers the rest
    /// of [`ConnectionTrait`].
    pub fn lane(
        pool: DatabaseConnection,
        options: PgConnectOptions,
        size: u32,
        acquire_timeout: Duration,
        statements: Arc<AtomicU64>,
    ) -> Reads {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let lane = Lane::new(options, size, acquire_timeout, statements);
        Reads {
            pool,
            lane: Some(Arc::new(lane)),
        }
    }

    /// The pool behind these reads, for what only a pool does (listening, pinging).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.pool
    }

    /// Closes the pool and the lane: every read after this fails as
    /// DATABASE_UNAVAILABLE.
    pub async fn close(self) -> Result<(), DbErr> {
        if let Some(lane) = &self.lane {
            lane.permits.close();
            let mut open = lane.open();
            open.count -= open.idle.len();
            open.idle.clear();
        }
        self.pool.close().await
    }
}

impl fmt::Debug for Reads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reads")
            .field("backend", &self.pool.get_database_backend())
            .field("lane", &self.lane.is_some())
            .finish()
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.pool.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.pool.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.lane {
            Some(lane) => Ok(lane
                .rows(&stmt, Fetch::One)
                .await?
                .into_iter()
                .next()
                .map(QueryResult::from)),
            None => self.pool.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.lane {
            Some(lane) => Ok(lane
                .rows(&stmt, Fetch::All)
                .await?
                .into_iter()
                .map(QueryResult::from)
                .collect()),
            None => self.pool.query_all_raw(stmt).await,
        }
    }

    fn support_returning(&self) -> bool {
        self.pool.support_returning()
    }
}

/// PostgreSQL connections for reads, used one statement at a time. A connection
/// is handed out again on the thread that opened it, most recently used first:
/// its socket is registered with that thread's runtime, so its replies wake the
/// thread that waits for them and no other.
pub struct Lane {
    options: PgConnectOptions,
    size: usize,
    /// One per statement running.
    permits: Semaphore,
    acquire_timeout: Duration,
    open: Mutex<Open>,
    origin: Instant,
    /// When a connection was last found lost, in microseconds after `origin`; 0
    /// for never.
    lost_at: AtomicU64,
    statements: Arc<AtomicU64>,
}

/// The lane's connections: those idle, and how many there are in all (idle, in
/// use, or being opened), never more than the lane's size.
struct Open {
    idle: Vec<Idle>,
    count: usize,
}

struct Idle {
    connection: PgConnection,
    home: ThreadId,
    since: Instant,
}

/// A connection in use, or being opened (`connection` is `None` until it is).
/// Dropped without being put back (it failed to open, failed its check, or its
/// statement failed or was abandoned mid-way), it is closed and no longer counted.
struct InUse<'l> {
    lane: &'l Lane,
    connection: Option<PgConnection>,
    home: ThreadId,
    counted: bool,
}

impl Drop for InUse<'_> {
    fn drop(&mut self) {
        if self.counted {
            self.lane.open().count -= 1;
        }
    }
}

#[derive(Clone, Copy)]
enum Fetch {
    One,
    All,
}

impl Lane {
    fn new(
        options: PgConnectOptions,
        size: usize,
        acquire_timeout: Duration,
        statements: Arc<AtomicU64>,
    ) -> Lane {
        Lane {
            options,
            size,
            permits: Semaphore::new(size),
            acquire_timeout,
            open: Mutex::new(Open {
                idle: Vec::with_capacity(size),
                count: 0,
            }),
            origin: Instant::now(),
            lost_at: AtomicU64::new(0),
            statements,
        }
    }

    /// The rows `statement` returns (at most one for [`Fetch::One`]).
    async fn rows(&self, statement: &Statement, fetch: Fetch) -> Result<Vec<PgRow>, DbErr> {
        let timed_out = || DbErr::ConnectionAcquire(ConnAcquireErr::Timeout);
        let _permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire())
            .await
            .map_err(|_| timed_out())?
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
        let mut retried = false;
        loop {
            let (mut in_use, checked) = tokio::time::timeout(self.acquire_timeout, self.take())
                .await
                .map_err(|_| timed_out())??;
            let Some(connection) = in_use.connection.as_mut() else {
                return Err(DbErr::Custom("bug: a connection taken without one".into()));
            };
            // Counted once it runs, as sea-orm counts the pool's: once however
            // many connections it takes.
            if !retried {
                self.statements.fetch_add(1, Ordering::Relaxed);
            }
            match run(connection, statement, fetch).await {
                Ok(rows) => {
                    self.put_back(in_use);
                    return Ok(rows);
                }
                Err(error) => {
                    let lost = super::lost_connection(&error);
                    if lost {
                        self.lost_now();
                    } else if matches!(error, sqlx::Error::Database(_)) {
                        // PostgreSQL refused the statement; the connection is
                        // ready for the next.
                        self.put_back(in_use);
                    }
                    if lost && !checked && !retried {
                        retried = true;
                        continue;
                    }
                    return Err(DbErr::Query(RuntimeErr::SqlxError(Arc::new(error))));
                }
            }
        }
    }

    /// An idle connection, checked if it is due, or a new one; with whether it is
    /// known to be sound (new or just checked). This thread's own connections come
    /// first, the most recently used of them first.
    async fn take(&self) -> Result<(InUse<'_>, bool), DbErr> {
        let here = std::thread::current().id();
        loop {
            let idle = {
                let mut open = self.open();
                let mine = open.idle.iter().rposition(|idle| idle.home == here);
                let taken = match mine {
                    Some(at) => Some(open.idle.remove(at)),
                    None if open.count < self.size => None,
                    None => open.idle.pop(),
                };
                if taken.is_none() {
                    open.count += 1;
                }
                taken
            };
            let Some(Idle {
                connection,
                home,
                since,
            }) = idle
            else {
                // Counted already; uncounted again should it fail to open.
                let mut in_use = InUse {
                    lane: self,
                    connection: None,
                    home: here,
                    counted: true,
                };
                let connection = self
                    .options
                    .connect()
                    .await
                    .map_err(|error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error))))?;
                in_use.connection = Some(connection);
                return Ok((in_use, true));
            };
            let mut in_use = InUse {
                lane: self,
                connection: Some(connection),
                home,
                counted: true,
            };
            if !self.due_for_check(since) {
                return Ok((in_use, false));
            }
            if let Some(connection) = in_use.connection.as_mut()
                && connection.ping().await.is_ok()
            {
                return Ok((in_use, true));
            }
            // It failed its check (and is closed as `in_use` drops): the others
            // idle since before now may be lost too.
            self.lost_now();
        }
    }

    /// Whether a connection idle since `since` is checked before use.
    fn due_for_check(&self, since: Instant) -> bool {
        let lost_at = self.lost_at.load(Ordering::Acquire);
        since.elapsed() >= CHECK_IF_IDLE_FOR || (lost_at != 0 && lost_at >= self.micros(since))
    }

    fn lost_now(&self) {
        self.lost_at
            .store(self.micros(Instant::now()), Ordering::Release);
    }

    fn put_back(&self, mut in_use: InUse<'_>) {
        let Some(connection) = in_use.connection.take() else {
            return;
        };
        in_use.counted = false;
        let now = Instant::now();
        let mut open = self.open();
        // The least recently used are at the bottom; one idle too long is closed.
        if open
            .idle
            .first()
            .is_some_and(|oldest| now.duration_since(oldest.since) >= CLOSE_IF_IDLE_FOR)
        {
            open.idle.remove(0);
            open.count -= 1;
        }
        open.idle.push(Idle {
            connection,
            home: in_use.home,
            since: now,
        });
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `at` in microseconds after the lane's origin, at least 1.
    fn micros(&self, at: Instant) -> u64 {
        let micros = at.saturating_duration_since(self.origin).as_micros();
        u64::try_from(micros).unwrap_or(u64::MAX).max(1)
    }
}

/// `statement` on `connection`, as a prepared statement (cached on the connection).
async fn run(
    connection: &mut PgConnection,
    statement: &Statement,
    fetch: Fetch,
) -> Result<Vec<PgRow>, sqlx::Error> {
    let values = statement.values.clone().unwrap_or(Values(Vec::new()));
    let query = sqlx::query_with(AssertSqlSafe(statement.sql.as_str()), SqlxValues(values));
    match fetch {
        Fetch::All => query.fetch_all(connection).await,
        Fetch::One => Ok(query
            .fetch_optional(connection)
            .await?
            .into_iter()
            .collect()),
    }
}
