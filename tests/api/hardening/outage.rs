//! Database faults are named: on a PostgreSQL server of its own (its own data
//! directory and port), under load, requests whose connection is killed
//! mid-statement, and requests sent while the server is stopped, answer
//! DATABASE_UNAVAILABLE, never INTERNAL, within 2 s, with 200 under
//! `application/json`; `/readyz` is 503; started again, the same server process
//! recovers and every acknowledged mutation is there. Before the fix, killed
//! statements (a DataLoader's among them) answered INTERNAL, and requests waited
//! 3 s for a connection.

use std::{
    collections::BTreeSet,
    net::TcpListener,
    path::PathBuf,
    process::Command,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use donghanh::config::Settings;
use sea_orm::sqlx::{self, Connection};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_on};

/// What the issue asks of a request during an outage.
const FAIL_WITHIN: Duration = Duration::from_secs(2);

/// A PostgreSQL server for one test, removed when dropped.
struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// PostgreSQL refuses to run as root: as root, run its tools as `postgres`.
    run_as_postgres: bool,
}

impl Postgres {
    /// Creates and starts one; why not, when it cannot.
    fn start() -> Result<Postgres, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|_| "no PostgreSQL under /usr/lib/postgresql".to_owned())?
            .filter_map(Result::ok)
            .map(|version| version.path().join("bin"))
            .filter(|bin| bin.join("pg_ctl").exists() && bin.join("initdb").exists())
            .max()
            .ok_or("no initdb and pg_ctl under /usr/lib/postgresql/*/bin")?;
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map_err(|e| format!("id -u: {e}"))?;
        let run_as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        let dir =
            std::env::temp_dir().join(format!("donghanh-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("a free port: {e}"))?
            .port();
        let postgres = Postgres {
            bin,
            dir,
            port,
            run_as_postgres,
        };
        if run_as_postgres {
            postgres.run(Command::new("chown").args(["postgres:postgres", &postgres.path("")]))?;
        }
        postgres.tool(
            "initdb",
            &[
                "-D",
                &postgres.path("data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )?;
        postgres.start_again()?;
        Ok(postgres)
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn tool(&self, name: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(name);
        let mut command = if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.args(args);
        self.run(&mut command)
    }

    fn run(&self, command: &mut Command) -> Result<(), String> {
        let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{command:?}: {}\n{}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    fn start_again(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.path("")
        );
        self.tool(
            "pg_ctl",
            &[
                "-D",
                &self.path("data"),
                "-l",
                &self.path("log"),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
    }

    /// A fast shutdown: sessions are terminated mid-statement, as in an outage.
    fn stop(&self) {
        self.tool(
            "pg_ctl",
            &["-D", &self.path("data"), "-m", "fast", "-w", "stop"],
        )
        .expect("PostgreSQL stops");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.tool(
            "pg_ctl",
            &["-D", &self.path("data"), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// How one request of the load ended.
#[derive(Debug)]
enum Answer {
    /// Data, and for a mutation the code it created.
    Served(Option<String>),
    Unavailable,
    /// Anything else: what the test forbids.
    Wrong(Value),
}

#[derive(Debug)]
struct Sent {
    started: Instant,
    took: Duration,
    answer: Answer,
}

/// Agencies created and listed in a loop until told to stop; they share no table
/// with the requests the test holds mid-statement.
struct Load {
    sent: Arc<Mutex<Vec<Sent>>>,
    /// How many agencies have been acknowledged.
    acknowledged: tokio::sync::watch::Receiver<usize>,
    stop: tokio::sync::watch::Sender<bool>,
    clients: Vec<tokio::task::JoinHandle<()>>,
}

static AGENCY_CODES: AtomicU32 = AtomicU32::new(1);

impl Load {
    fn start(app: &TestApp, token: &str) -> Load {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (count, acknowledged) = tokio::sync::watch::channel(0);
        let count = Arc::new(count);
        let clients = (0..4)
            .map(|n| {
                let (url, token, sent, stopped, count) = (
                    app.url("/graphql"),
                    token.to_owned(),
                    sent.clone(),
                    stopped.clone(),
                    count.clone(),
                );
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    while !*stopped.borrow() {
                        let started = Instant::now();
                        let answer = if n % 2 == 0 {
                            create_agency(&client, &url, &token).await
                        } else {
                            list_agencies(&client, &url).await
                        };
                        let took = started.elapsed();
                        if matches!(answer, Answer::Served(Some(_))) {
                            count.send_modify(|n| *n += 1);
                        }
                        sent.lock().expect("lock").push(Sent {
                            started,
                            took,
                            answer,
                        });
                    }
                })
            })
            .collect();
        Load {
            sent,
            acknowledged,
            stop,
            clients,
        }
    }

    /// How many agencies have been acknowledged so far.
    fn acknowledged(&self) -> usize {
        *self.acknowledged.borrow()
    }

    /// Waits until `n` more agencies are acknowledged than `since`.
    async fn until_acknowledged(&self, since: usize, n: usize) {
        let mut acknowledged = self.acknowledged.clone();
        tokio::time::timeout(
            Duration::from_secs(60),
            acknowledged.wait_for(|count| *count >= since + n),
        )
        .await
        .expect("the load makes progress")
        .expect("the load runs");
    }

    async fn finish(self) -> Vec<Sent> {
        self.stop.send_replace(true);
        for client in self.clients {
            client.await.expect("a load client ends");
        }
        std::mem::take(&mut *self.sent.lock().expect("lock"))
    }
}

fn classify(body: Value, served: impl FnOnce(&Value) -> Option<Option<String>>) -> Answer {
    if error_code(&body) == "DATABASE_UNAVAILABLE" {
        return Answer::Unavailable;
    }
    match served(&body) {
        Some(created) if body.get("errors").is_none() => Answer::Served(created),
        _ => Answer::Wrong(body),
    }
}

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(response) if response.status() == 200 => response.json().await.unwrap_or(Value::Null),
        Ok(response) => json!({ "status": response.status().as_u16() }),
        Err(error) => json!({ "transport": error.to_string() }),
    }
}

async fn create_agency(client: &reqwest::Client, url: &str, token: &str) -> Answer {
    let code = format!("LOAD{}", AGENCY_CODES.fetch_add(1, Ordering::Relaxed));
    let body = post(
        client,
        url,
        Some(token),
        json!({
            "query": "mutation($input: CreateAgencyInput!) { createAgency(input: $input) { agency { code } userErrors { message } } }",
            "variables": { "input": { "code": code, "name": "Sở Tải Thử", "kind": "DEPARTMENT" } },
        }),
    )
    .await;
    classify(body, |body| {
        let created = body["data"]["createAgency"]["agency"]["code"].as_str()?;
        Some(Some(created.to_owned()))
    })
}

async fn list_agencies(client: &reqwest::Client, url: &str) -> Answer {
    let body = post(
        client,
        url,
        None,
        json!({ "query": "{ agencies(first: 20) { totalCount nodes { code twinnings { id } } } }" }),
    )
    .await;
    classify(body, |body| {
        body["data"]["agencies"]["totalCount"]
            .as_i64()
            .map(|_| None)
    })
}

/// A GraphQL request with `accept`, timed: the status, the body, how long it took.
async fn timed(
    app: &TestApp,
    accept: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, Value, Duration) {
    let started = Instant::now();
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("accept", accept)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("answered");
    let status = response.status().as_u16();
    let body = response.json().await.expect("json");
    (status, body, started.elapsed())
}

async fn ready(app: &TestApp) -> u16 {
    app.client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

const CREATE_COMMUNE: &str = "mutation($input: CreateCommuneInput!) { createCommune(input: $input) { commune { id } userErrors { message } } }";

fn commune_input(code: &str) -> Value {
    json!({ "input": {
        "code": code, "name": "Xã Thử Nghiệm", "unitType": "COMMUNE", "special": true, "newRuralLevel": "NOT_YET"
    } })
}

#[tokio::test]
async fn a_database_outage_answers_database_unavailable_and_the_server_recovers() {
    // PostgreSQL's server binaries are on every machine the suite runs on (.ci/run
    // and the README's setup): without them this fails rather than pass unrun.
    let postgres = Postgres::start().unwrap_or_else(|why| {
        panic!("hardening::outage needs a PostgreSQL of its own (initdb, pg_ctl): {why}")
    });
    let app = spawn_on(postgres.url(), |s| {
        s.database_pool_size = 10;
        s.database_acquire_timeout = Settings::default().database_acquire_timeout;
    })
    .await;
    let admin = app.admin().await;
    let created = app
        .graphql(Some(&admin.token), CREATE_COMMUNE, commune_input("OUTAGE1"))
        .await;
    let commune = created["data"]["createCommune"]["commune"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();

    let load = Load::start(&app, &admin.token);
    load.until_acknowledged(0, 10).await;

    // Requests held mid-statement by a lock the test takes, then cut off.
    let mut locker = sqlx::PgConnection::connect(&postgres.url())
        .await
        .expect("connects");
    sqlx::query("BEGIN")
        .execute(&mut locker)
        .await
        .expect("begins");
    sqlx::query("LOCK TABLE communes IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .expect("locks");
    let held = [
        // A DataLoader's statement: `node` loads the commune by id.
        (
            "a loader",
            None,
            "query($id: ID!) { node(id: $id) { id } }".to_owned(),
            json!({ "id": commune }),
        ),
        (
            "a list",
            None,
            "{ communes(first: 5) { totalCount } }".to_owned(),
            json!({}),
        ),
        (
            "a mutation",
            Some(admin.token.clone()),
            CREATE_COMMUNE.to_owned(),
            commune_input("OUTAGE2"),
        ),
    ];
    let held: Vec<_> = held
        .into_iter()
        .map(|(what, token, query, variables)| {
            let (client, url) = (app.client.clone(), app.url("/graphql"));
            tokio::spawn(async move {
                let body = post(
                    &client,
                    &url,
                    token.as_deref(),
                    json!({ "query": query, "variables": variables }),
                )
                .await;
                (what, body)
            })
        })
        .collect();
    // Every statement that waits on the lock is killed, as a connection lost
    // mid-request would be, until each request has answered; none can succeed
    // while the lock is held.
    let mut answers = tokio::spawn(futures_util::future::join_all(held));
    let answers = loop {
        tokio::select! {
            answers = &mut answers => break answers.expect("answered"),
            () = tokio::time::sleep(Duration::from_millis(20)) => {
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks \
                     WHERE NOT granted AND relation = 'communes'::regclass",
                )
                .execute(&mut locker)
                .await
                .expect("terminated");
            }
        }
    };
    for answer in answers {
        let (what, body) = answer.expect("answered");
        assert_eq!(error_code(&body), "DATABASE_UNAVAILABLE", "{what}: {body}");
    }
    sqlx::query("ROLLBACK")
        .execute(&mut locker)
        .await
        .expect("unlocked");

    postgres.stop();
    let stopped_at = Instant::now();

    // During the outage, every kind of request fails fast and says why.
    let during = [
        (
            "a loader",
            None,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": commune }),
        ),
        (
            "a list",
            None,
            "{ communes(first: 5) { totalCount } }",
            json!({}),
        ),
        (
            "signing in",
            Some(admin.token.as_str()),
            "{ viewer { id } }",
            json!({}),
        ),
        (
            "a mutation",
            Some(admin.token.as_str()),
            CREATE_COMMUNE,
            commune_input("OUTAGE3"),
        ),
    ];
    for (what, token, query, variables) in during {
        let (status, body, took) =
            timed(&app, "application/json", token, query, variables.clone()).await;
        assert_eq!(
            (status, error_code(&body)),
            (200, "DATABASE_UNAVAILABLE"),
            "{what}: {body}"
        );
        assert!(took < FAIL_WITHIN, "{what} took {took:?}");
        // Under the newer media type: 503 when the request never reached
        // execution (no `data`), 200 when a resolver failed (`data` present).
        let (status, body, took) = timed(
            &app,
            "application/graphql-response+json",
            token,
            query,
            variables,
        )
        .await;
        assert_eq!(error_code(&body), "DATABASE_UNAVAILABLE", "{what}: {body}");
        let expected = if body.get("data").is_some() { 200 } else { 503 };
        assert_eq!(status, expected, "{what}: {body}");
        assert!(took < FAIL_WITHIN, "{what} took {took:?}");
    }
    let started = Instant::now();
    assert_eq!(ready(&app).await, 503);
    assert!(started.elapsed() < FAIL_WITHIN);

    // Started again: the same process serves again, without a restart.
    let acknowledged_before = load.acknowledged();
    postgres.start_again().expect("PostgreSQL starts again");
    tokio::time::timeout(Duration::from_secs(30), async {
        while ready(&app).await != 200 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("ready again");
    load.until_acknowledged(acknowledged_before, 10).await;
    let created = app
        .graphql(Some(&admin.token), CREATE_COMMUNE, commune_input("OUTAGE4"))
        .await;
    assert_eq!(
        created["data"]["createCommune"]["userErrors"],
        json!([]),
        "{created}"
    );

    let sent = load.finish().await;
    for request in &sent {
        if let Answer::Wrong(body) = &request.answer {
            panic!("neither data nor DATABASE_UNAVAILABLE: {body}");
        }
    }
    let slow: Vec<_> = sent
        .iter()
        .filter(|s| {
            s.started > stopped_at
                && matches!(s.answer, Answer::Unavailable)
                && s.took >= FAIL_WITHIN
        })
        .collect();
    assert!(slow.is_empty(), "{slow:#?}");
    assert!(sent.iter().any(|s| matches!(s.answer, Answer::Unavailable)));

    let acknowledged: BTreeSet<String> = sent
        .into_iter()
        .filter_map(|s| match s.answer {
            Answer::Served(code) => code,
            _ => None,
        })
        .collect();
    let stored: BTreeSet<String> = sqlx::query_as::<_, (String,)>("SELECT code FROM agencies")
        .fetch_all(
            &mut sqlx::PgConnection::connect(&postgres.url())
                .await
                .expect("connects"),
        )
        .await
        .expect("read")
        .into_iter()
        .map(|(code,)| code)
        .collect();
    let missing: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
}
