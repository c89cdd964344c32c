//! `spawn_app()` starts the real server on port 0 against a fresh database: an
//! SQLite file by default, or, when `TEST_DATABASE_URL` names a PostgreSQL server,
//! a database cloned from a template that is migrated once per migration set.

use std::{
    collections::hash_map::DefaultHasher,
    hash::{Hash, Hasher},
    path::PathBuf,
    sync::{Arc, Once},
};

use donghanh::{
    app::AppState,
    auth::rules::create_admin,
    config::{LoginLimits, Settings},
    startup::Application,
};
use migration::{Migrator, MigratorTrait};
use reqwest::header::{HeaderMap, HeaderValue};
use sea_orm::{ConnectionTrait, sqlx};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "mật-khẩu-đủ-dài-42";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    pub settings: Settings,
}

static TRACING: Once = Once::new();

fn init_tracing() {
    TRACING.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            donghanh::telemetry::init(donghanh::telemetry::subscriber(
                "info",
                donghanh::config::LogFormat::Pretty,
                std::io::stdout,
            ));
        }
    });
}

/// Which engine the tests run on.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
}

/// The PostgreSQL server of a test that runs only there (marked `#[ignore]` so that
/// the SQLite run reports it as skipped); such a test run without one fails
/// rather than passing without having run.
pub fn require_postgres() -> String {
    postgres_url().expect("this test runs only on PostgreSQL: set TEST_DATABASE_URL")
}

/// A fresh, migrated database's URL.
pub async fn fresh_database() -> String {
    match postgres_url() {
        Some(server) => fresh_postgres(&server).await,
        None => {
            let dir = std::env::temp_dir().join("donghanh-tests");
            let _ = std::fs::create_dir_all(&dir);
            let path: PathBuf = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
            format!("sqlite://{}?mode=rwc", path.display())
        }
    }
}

/// Test-only DDL whose names we generate ourselves.
fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}

/// A fresh database with nothing in it, not even migrations.
pub async fn empty_database() -> String {
    match postgres_url() {
        Some(server) => {
            let database = format!("dh_t_{}", uuid::Uuid::new_v4().simple());
            let admin = sqlx::PgPool::connect(&server)
                .await
                .expect("connect to TEST_DATABASE_URL");
            sqlx::query(sql(format!("CREATE DATABASE \"{database}\"")))
                .execute(&admin)
                .await
                .expect("create database");
            admin.close().await;
            with_database(&server, &database)
        }
        None => fresh_database().await,
    }
}

/// `postgres://host/db` with the database name replaced.
fn with_database(server: &str, database: &str) -> String {
    let (base, query) = server
        .split_once('?')
        .map_or((server, None), |(b, q)| (b, Some(q)));
    let cut = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    let mut url = format!("{}/{database}", &base[..cut]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// A name that changes whenever a migration file does.
fn template_name() -> String {
    let mut hasher = DefaultHasher::new();
    let mut files: Vec<_> = std::fs::read_dir("migration/src")
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    format!("dh_tpl_{:016x}", hasher.finish())
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn fresh_postgres(server: &str) -> String {
    let template = TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let admin = sqlx::PgPool::connect(server)
                .await
                .expect("connect to TEST_DATABASE_URL");
            let mut lock = admin.acquire().await.expect("a connection");
            // Serialise template creation across test processes.
            sqlx::query("SELECT pg_advisory_lock(4242)")
                .execute(&mut *lock)
                .await
                .expect("lock");
            let exists: Option<(i32,)> =
                sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_optional(&mut *lock)
                    .await
                    .expect("look up template");
            if exists.is_none() {
                let building = format!("{name}_building");
                let _ = sqlx::query(sql(format!("DROP DATABASE IF EXISTS \"{building}\"")))
                    .execute(&mut *lock)
                    .await;
                sqlx::query(sql(format!("CREATE DATABASE \"{building}\"")))
                    .execute(&mut *lock)
                    .await
                    .expect("create template");
                let url = with_database(server, &building);
                let db = sea_orm::Database::connect(&url)
                    .await
                    .expect("connect to template");
                Migrator::up(&db, None).await.expect("migrate template");
                db.close().await.expect("close template");
                sqlx::query(sql(format!(
                    "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
                )))
                .execute(&mut *lock)
                .await
                .expect("publish template");
            }
            sqlx::query("SELECT pg_advisory_unlock(4242)")
                .execute(&mut *lock)
                .await
                .expect("unlock");
            name
        })
        .await;
    let database = format!("dh_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(server)
        .await
        .expect("connect to TEST_DATABASE_URL");
    // A concurrent clone of the same template can briefly see it "in use"; retry.
    let mut attempt = 0;
    loop {
        let created = sqlx::query(sql(format!(
            "CREATE DATABASE \"{database}\" TEMPLATE \"{template}\""
        )))
        .execute(&admin)
        .await;
        match created {
            Ok(_) => break,
            Err(error) if attempt < 50 => {
                attempt += 1;
                let _ = error;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(error) => panic!("creating {database}: {error}"),
        }
    }
    admin.close().await;
    with_database(server, &database)
}

/// Settings for a test server on `database_url`.
/// How long a test server's request waits for a database connection: dozens of
/// servers share the machine's cores, and a burst that production's pool serves
/// within its 1 s can wait longer here. The outage test uses production's.
pub const TEST_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

pub fn test_settings(database_url: String) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url,
        database_pool_size: 4,
        database_acquire_timeout: TEST_ACQUIRE_TIMEOUT,
        jwt_secret: Some(SecretString::from(TEST_JWT_SECRET)),
        workers: Some(2),
        // Tests sign in and register many accounts at once from one address; an
        // attempt counts from before it is checked, so the per-address limits are
        // raised here, and their own tests lower them again.
        login_limits: LoginLimits {
            per_address: 100_000,
            registrations_per_address: 100_000,
            ..LoginLimits::default()
        },
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let url = fresh_database().await;
    spawn_on(url, configure).await
}

/// Starts a server on an existing database (a second instance, a restart).
pub async fn spawn_on(database_url: String, configure: impl FnOnce(&mut Settings)) -> TestApp {
    init_tracing();
    let mut settings = test_settings(database_url);
    configure(&mut settings);
    let application = Application::build(settings.clone())
        .await
        .expect("the application builds");
    let port = application.port();
    let state = application.state().clone();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: english_client(),
        state,
        settings,
    }
}

/// An account of a role, with a token.
pub struct Member {
    pub id: String,
    pub email: String,
    pub token: String,
    /// The agency of an official.
    pub agency_id: Option<String>,
    /// The enterprise of a firm account.
    pub enterprise_id: Option<String>,
}

static TAX_CODES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// A valid tax code, different at every call.
pub fn tax_code() -> String {
    const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
    loop {
        let n = TAX_CODES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let prefix = format!("03{:07}", n % 10_000_000);
        let sum: u32 = prefix
            .bytes()
            .zip(WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let check = 10 - sum % 11;
        if check < 10 {
            return format!("{prefix}{check}");
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a GraphQL request as JSON and returns the parsed body.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        response.json().await.expect("a JSON body")
    }

    pub async fn post_raw(
        &self,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        self.client
            .post(self.url("/graphql"))
            .headers(map)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Runs mutation `name` with `{ input }` as `token` and asserts it applied
    /// (no `userErrors`); the body.
    pub async fn mutate(&self, token: &str, name: &str, input: Value) -> Value {
        let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
        let body = self
            .graphql(
                Some(token),
                &format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field message code }} }} }}"),
                json!({ "input": input }),
            )
            .await;
        assert_eq!(
            body["data"][name]["userErrors"],
            json!([]),
            "{name}: {body}"
        );
        body
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.graphql(
            None,
            "mutation($input: LoginInput!) { login(input: $input) { token expiresAt viewer { id email role } userErrors { field message code } } }",
            json!({ "input": { "email": email, "password": password } }),
        )
        .await
    }

    /// Creates an admin the way `donghanh create-admin` does, and signs in.
    pub async fn admin(&self) -> Member {
        let email = format!("admin-{}@example.vn", uuid::Uuid::new_v4().simple());
        create_admin(&self.state, &email, "Quản trị viên", PASSWORD)
            .await
            .expect("admin created");
        self.member(&email).await
    }

    /// Creates an agency through `createAgency`; returns its ID.
    pub async fn agency(&self, admin: &Member, name: &str) -> String {
        let code = format!("A{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        let body = self
            .graphql(
                Some(&admin.token),
                "mutation($input: CreateAgencyInput!) { createAgency(input: $input) { agency { id } userErrors { message } } }",
                json!({ "input": { "code": code, "name": name, "kind": "DEPARTMENT" } }),
            )
            .await;
        body["data"]["createAgency"]["agency"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    }

    /// An official of a new agency, signed in.
    pub async fn official(&self, admin: &Member) -> Member {
        let agency_id = self.agency(admin, "Sở Kế hoạch và Đầu tư").await;
        self.official_of(admin, &agency_id).await
    }

    /// An official of `agency_id`, signed in.
    pub async fn official_of(&self, admin: &Member, agency_id: &str) -> Member {
        let email = format!("official-{}@example.vn", uuid::Uuid::new_v4().simple());
        let body = self
            .graphql(
                Some(&admin.token),
                "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } userErrors { message } } }",
                json!({ "input": { "email": email, "password": PASSWORD, "displayName": "Cán bộ", "role": "OFFICIAL", "agencyId": agency_id } }),
            )
            .await;
        assert_eq!(
            body["data"]["createAccount"]["userErrors"],
            json!([]),
            "{body}"
        );
        self.member(&email).await
    }

    /// Registers an enterprise (unverified) through `registerEnterprise`; its first
    /// account, signed in.
    pub async fn firm(&self) -> Member {
        let email = format!("firm-{}@example.vn", uuid::Uuid::new_v4().simple());
        let body = self
            .graphql(
                None,
                "mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { enterprise { id } token userErrors { field message } } }",
                json!({ "input": {
                    "taxCode": tax_code(), "name": "Công ty TNHH Hòa Bình", "contactEmail": "lienhe@hoabinh.vn",
                    "contactPhone": "0912 345 678", "email": email, "password": PASSWORD, "displayName": "Giám đốc"
                } }),
            )
            .await;
        assert_eq!(
            body["data"]["registerEnterprise"]["userErrors"],
            json!([]),
            "{body}"
        );
        self.member(&email).await
    }

    /// A firm whose enterprise an official has verified.
    pub async fn verified_firm(&self, official: &Member) -> Member {
        let firm = self.firm().await;
        let body = self
            .graphql(
                Some(&official.token),
                "mutation($input: VerifyEnterpriseInput!) { verifyEnterprise(input: $input) { enterprise { verified } userErrors { message } } }",
                json!({ "input": { "enterpriseId": firm.enterprise_id } }),
            )
            .await;
        assert_eq!(
            body["data"]["verifyEnterprise"]["enterprise"]["verified"],
            json!(true),
            "{body}"
        );
        firm
    }

    async fn member(&self, email: &str) -> Member {
        let body = self
            .graphql(
                None,
                "mutation($input: LoginInput!) { login(input: $input) { token viewer { id agency { id } enterprise { id } } } }",
                json!({ "input": { "email": email, "password": PASSWORD } }),
            )
            .await;
        let login = &body["data"]["login"];
        Member {
            id: login["viewer"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
            email: email.to_owned(),
            token: login["token"].as_str().expect("token").to_owned(),
            agency_id: login["viewer"]["agency"]["id"].as_str().map(str::to_owned),
            enterprise_id: login["viewer"]["enterprise"]["id"]
                .as_str()
                .map(str::to_owned),
        }
    }

    /// Statements the server has run so far.
    pub fn statements(&self) -> u64 {
        self.state.db.statement_count()
    }

    /// Runs raw SQL against the app's database (arrangement only).
    pub async fn execute_sql(&self, sql: &str) {
        self.state
            .db
            .write
            .execute_unprepared(sql)
            .await
            .expect("SQL runs");
    }

    pub async fn count_rows(&self, table: &str) -> i64 {
        let row = self
            .state
            .db
            .read
            .query_one_raw(sea_orm::Statement::from_string(
                self.state.db.backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count runs")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("a count")
    }
}

/// The `extensions.code` of the first top-level error.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

/// A client whose requests ask for English messages (`Accept-Language: en`): the
/// tests assert the English text of `userErrors`; tests/api/language.rs asks for
/// each language itself, and for none (Vietnamese).
pub fn english_client() -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        HeaderValue::from_static("en"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}

/// POSTs a GraphQL request as JSON to `url` and returns the parsed body.
pub async fn post_graphql(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    response.json().await.expect("a JSON body")
}

/// The real `donghanh serve` binary in a child process, its JSON log (standard
/// output and error) collected line by line for the test to read.
pub struct ServerProcess {
    child: Option<std::process::Child>,
    pub pid: u32,
    pub port: u16,
    pub client: reqwest::Client,
    log: Arc<std::sync::Mutex<Vec<String>>>,
    /// The threads reading standard output and error; they end with the process.
    readers: Vec<std::thread::JoinHandle<()>>,
}

/// Starts `donghanh serve` on `database_url` with the test key, a JSON log and the
/// given environment; returns once it listens.
pub async fn spawn_binary(database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
    use std::io::BufRead;

    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_donghanh"));
    command
        .arg("serve")
        .env("DONGHANH_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
        .env("DONGHANH_JWT_SECRET", TEST_JWT_SECRET)
        .env("DONGHANH_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env(
            "DONGHANH_DATABASE_ACQUIRE_TIMEOUT",
            TEST_ACQUIRE_TIMEOUT.as_secs().to_string(),
        )
        // As `test_settings`: many sign-ins and registrations from one address.
        .env("DONGHANH_LOGIN_LIMITS__PER_ADDRESS", "100000")
        .env("DONGHANH_LOGIN_LIMITS__REGISTRATIONS_PER_ADDRESS", "100000")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().expect("the binary runs");
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (port_sender, port) = tokio::sync::oneshot::channel::<u16>();
    let mut port_sender = Some(port_sender);
    let stdout = child.stdout.take().expect("stdout");
    let stdout_log = log.clone();
    let stdout_reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let listening = serde_json::from_str::<Value>(&line)
                .ok()
                .filter(|event| event["fields"]["message"] == "listening")
                .and_then(|event| event["fields"]["port"].as_u64());
            if let Some(port) = listening
                && let Some(sender) = port_sender.take()
            {
                let _ = sender.send(u16::try_from(port).expect("a port"));
            }
            stdout_log.lock().expect("log lock").push(line);
        }
    });
    let stderr = child.stderr.take().expect("stderr");
    let stderr_log = log.clone();
    let stderr_reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            stderr_log.lock().expect("log lock").push(line);
        }
    });
    let pid = child.id();
    let mut server = ServerProcess {
        child: Some(child),
        pid,
        port: 0,
        client: english_client(),
        log,
        readers: vec![stdout_reader, stderr_reader],
    };
    match tokio::time::timeout(std::time::Duration::from_secs(60), port).await {
        Ok(Ok(port)) => server.port = port,
        _ => panic!("the server did not start:\n{}", server.log()),
    }
    server
}

impl ServerProcess {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        post_graphql(&self.client, &self.url("/graphql"), token, query, variables).await
    }

    /// Everything the process has written so far, one line per event; lines in
    /// flight in the pipe may still be missing (see [`ServerProcess::stop`]).
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").join("\n")
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM could not be sent");
    }

    /// Stops the process with SIGTERM and waits for it to exit; its exit status
    /// and its whole log.
    pub async fn stop(&mut self) -> (std::process::ExitStatus, String) {
        self.terminate();
        let status = self.exit_status(std::time::Duration::from_secs(40)).await;
        let readers = std::mem::take(&mut self.readers);
        tokio::task::spawn_blocking(move || {
            for reader in readers {
                let _ = reader.join();
            }
        })
        .await
        .expect("the readers finish");
        (status, self.log())
    }

    /// Waits for the process to exit, at most `within`.
    pub async fn exit_status(&mut self, within: std::time::Duration) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the process is running");
        let waiting = tokio::task::spawn_blocking(move || {
            let status = child.wait();
            (child, status)
        });
        match tokio::time::timeout(within, waiting).await {
            Ok(Ok((_, status))) => status.expect("the process is waited for"),
            _ => {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &self.pid.to_string()])
                    .status();
                panic!("still running after {within:?}:\n{}", self.log());
            }
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
