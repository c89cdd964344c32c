//! Configuration: one typed struct, loaded in layers: defaults, then an optional
//! `donghanh.toml`, then the environment (`DONGHANH_*`, plus `DATABASE_URL` and
//! `RUST_LOG`). Secrets are `SecretString`s, so they never reach a log line.

use std::{net::SocketAddr, path::Path, time::Duration};

use chrono::{DateTime, NaiveDate, Utc};
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

use crate::{
    graphql::limits::QueryLimits,
    http::client_addr::{AddressBlock, ForwardedHeader},
};

/// The minimum length of the token signing key, in bytes (HS256 wants at least 256 bits).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `development` or `production`; production refuses unsafe defaults.
    pub env: Environment,
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    pub database_url: String,
    /// Connections in the pool (PostgreSQL: this many for reads outside
    /// transactions and as many for writes) or readers (SQLite), and how many
    /// GraphQL requests run at once. 16 by default: a request spends much of its
    /// time waiting on PostgreSQL's round trips, and with 8 in flight neither the
    /// server nor PostgreSQL kept 2 cores busy (Q1 at 16 clients: 1,180–1,550/s
    /// with 8, 1,690–1,800/s with 16 to 32; BENCHMARKS.md).
    pub database_pool_size: u32,
    /// How long a request waits for a database connection before failing with
    /// DATABASE_UNAVAILABLE. While the database is down every request waits this
    /// long, so it is short: an outage answers fast.
    #[serde(with = "duration_secs")]
    pub database_acquire_timeout: Duration,
    /// HS256 signing key, at least 32 bytes.
    #[serde(serialize_with = "serialize_secret")]
    pub jwt_secret: Option<SecretString>,
    /// Token lifetime, in seconds or with a unit (`12h`, `30m`, `45s`).
    #[serde(with = "duration_secs")]
    pub jwt_ttl: Duration,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// IANA zone of the programme's business day.
    pub timezone: String,
    /// Public holidays, `YYYY-MM-DD`, comma-separated in the environment.
    #[serde(deserialize_with = "list_of")]
    pub holidays: Vec<NaiveDate>,
    pub response_working_days: u32,
    pub introspection: bool,
    /// GraphiQL at GET /graphql for browsers; default: on outside production.
    pub graphiql: Option<bool>,
    #[serde(deserialize_with = "list_of")]
    pub cors_origins: Vec<String>,
    pub log_format: LogFormat,
    /// Fixes the business clock (RFC 3339); refused in production.
    pub now: Option<DateTime<Utc>>,
    /// Whole-request time limit, from the request's headers to its response:
    /// reading the body and executing the operation.
    #[serde(with = "duration_secs")]
    pub request_timeout: Duration,
    pub workers: Option<usize>,
    /// Open connections the server holds at once, across its workers; more wait
    /// in the listen backlog.
    pub max_connections: usize,
    /// Connections the kernel queues before the server accepts them.
    pub backlog: u32,
    /// How long an idle keep-alive connection stays open.
    #[serde(with = "duration_secs")]
    pub keep_alive: Duration,
    /// How long a client has to send a request's headers.
    #[serde(with = "duration_secs")]
    pub client_request_timeout: Duration,
    /// How long the server waits for a client to close its end after the server
    /// has closed the connection.
    #[serde(with = "duration_secs")]
    pub client_disconnect_timeout: Duration,
    /// Proxies whose forwarded-address header names the client (addresses or
    /// CIDR blocks); empty: the socket peer is the client.
    #[serde(deserialize_with = "list_of")]
    pub trusted_proxies: Vec<AddressBlock>,
    /// The header those proxies append the client's address to.
    pub forwarded_header: ForwardedHeader,
    pub limits: QueryLimits,
    pub login_limits: LoginLimits,
    /// How long the change log keeps changes for subscribers that resume.
    #[serde(with = "duration_secs")]
    pub change_retention: Duration,
    /// Limits of each subscription socket.
    pub sockets: SocketLimits,
    /// Where e-mail goes: `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://host:465` (TLS). None: notifications are in-app only. It
    /// may carry a password, so it never prints.
    #[serde(serialize_with = "serialize_secret")]
    pub smtp_url: Option<SecretString>,
    /// The sender of notification e-mail.
    pub mail_from: String,
    /// Where the programme's web front end is reached; e-mail links back to it,
    /// and to this server's unsubscribe page under it.
    pub public_url: String,
    /// Delivery and scheduling of notifications.
    pub notifications: NotificationSettings,
}

/// How notification e-mail is delivered and when scheduled notices go out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct NotificationSettings {
    /// Attempts at sending one e-mail before it is kept as failed.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; each later one doubles it.
    #[serde(with = "duration_secs")]
    pub retry_base: Duration,
    /// The longest wait between attempts.
    #[serde(with = "duration_secs")]
    pub retry_max: Duration,
    /// How often the delivery worker and the scheduler look for work when nothing
    /// wakes them.
    #[serde(with = "duration_secs")]
    pub poll_interval: Duration,
    /// The local hour (in `DONGHANH_TIMEZONE`) from which the daily deadline digest
    /// goes out, on working days.
    pub digest_hour: u32,
    /// E-mails one worker claims at a time.
    pub batch: u32,
    /// How long one SMTP conversation may take.
    #[serde(with = "duration_secs")]
    pub send_timeout: Duration,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            poll_interval: Duration::from_secs(5),
            digest_hour: 8,
            batch: 20,
            send_timeout: Duration::from_secs(30),
        }
    }
}

/// What one subscription socket, and one client address, may hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SocketLimits {
    /// Subscriptions at once on one socket; beyond, a `subscribe` gets an `error`.
    pub max_subscriptions: usize,
    /// The largest message a client may send, in bytes.
    pub max_message_bytes: usize,
    /// Events waiting for one subscription; a consumer this far behind is cut off.
    pub queue: usize,
    /// Open sockets per client address.
    pub per_address: usize,
    /// How long a socket may stay open without `connection_init`.
    #[serde(with = "duration_secs")]
    pub init_timeout: Duration,
    /// How long sending one message to a client may wait before the client counts
    /// as not reading.
    #[serde(with = "duration_secs")]
    pub send_timeout: Duration,
}

impl Default for SocketLimits {
    fn default() -> Self {
        SocketLimits {
            max_subscriptions: 100,
            max_message_bytes: 64 * 1024,
            queue: 256,
            per_address: 50,
            init_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(10),
        }
    }
}

/// Failed sign-ins allowed per window, per e-mail and per client address, and
/// registrations allowed per client address.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginLimits {
    pub per_email: u32,
    pub per_address: u32,
    pub registrations_per_address: u32,
    #[serde(with = "duration_secs")]
    pub window: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            env: Environment::Development,
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://donghanh.db?mode=rwc".into(),
            database_pool_size: 16,
            database_acquire_timeout: Duration::from_secs(1),
            jwt_secret: None,
            jwt_ttl: Duration::from_secs(12 * 3600),
            jwt_issuer: "donghanh".into(),
            jwt_audience: "donghanh-api".into(),
            timezone: "Asia/Ho_Chi_Minh".into(),
            holidays: Vec::new(),
            response_working_days: 15,
            introspection: true,
            graphiql: None,
            cors_origins: Vec::new(),
            log_format: LogFormat::Pretty,
            now: None,
            request_timeout: Duration::from_secs(30),
            workers: None,
            max_connections: 10_000,
            backlog: 1024,
            keep_alive: Duration::from_secs(5),
            client_request_timeout: Duration::from_secs(5),
            client_disconnect_timeout: Duration::from_secs(1),
            trusted_proxies: Vec::new(),
            forwarded_header: ForwardedHeader::XForwardedFor,
            limits: QueryLimits::default(),
            login_limits: LoginLimits::default(),
            change_retention: Duration::from_secs(7 * 86_400),
            sockets: SocketLimits::default(),
            smtp_url: None,
            mail_from: "Đồng Hành <khong-tra-loi@donghanh.local>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            notifications: NotificationSettings::default(),
        }
    }
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_email: 5,
            per_address: 50,
            registrations_per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Defaults < `donghanh.toml` (if present) < environment.
    pub fn load() -> Result<Settings, ConfigError> {
        Self::load_from(Path::new("donghanh.toml"))
    }

    pub fn load_from(file: &Path) -> Result<Settings, ConfigError> {
        let settings: Settings = Self::figment(file).extract().map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    /// The layers. A nested setting's variable separates the levels with a double
    /// underscore: `DONGHANH_LIMITS__MAX_DEPTH` is `limits.max_depth`.
    fn figment(file: &Path) -> Figment {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("DONGHANH_").split("__"))
    }

    /// Rules that no combination of layers may break.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(secret) = &self.jwt_secret
            && secret.expose_secret().len() < MIN_JWT_SECRET_BYTES
        {
            return Err(ConfigError::Invalid(format!(
                "DONGHANH_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes"
            )));
        }
        if self.env == Environment::Production {
            if self.jwt_secret.is_none() {
                return Err(ConfigError::Invalid(
                    "production requires DONGHANH_JWT_SECRET (at least 32 bytes)".into(),
                ));
            }
            if self.now.is_some() {
                return Err(ConfigError::Invalid(
                    "DONGHANH_NOW fixes the clock for testing and is refused in production".into(),
                ));
            }
        }
        self.time_zone()?;
        for (name, duration) in [
            ("DONGHANH_JWT_TTL", self.jwt_ttl),
            ("DONGHANH_REQUEST_TIMEOUT", self.request_timeout),
            (
                "DONGHANH_CLIENT_REQUEST_TIMEOUT",
                self.client_request_timeout,
            ),
            (
                "DONGHANH_DATABASE_ACQUIRE_TIMEOUT",
                self.database_acquire_timeout,
            ),
        ] {
            if duration.is_zero() {
                return Err(ConfigError::Invalid(format!("{name} must be positive")));
            }
        }
        let notifications = &self.notifications;
        if notifications.max_attempts == 0
            || notifications.batch == 0
            || notifications.poll_interval.is_zero()
            || notifications.send_timeout.is_zero()
            || notifications.digest_hour > 23
        {
            return Err(ConfigError::Invalid(
                "DONGHANH_NOTIFICATIONS__*: attempts, batch, intervals must be positive and the digest hour 0..=23".into(),
            ));
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(
                "DONGHANH_MAIL_FROM: not an e-mail address".into(),
            ));
        }
        if self.max_connections == 0 || self.backlog == 0 {
            return Err(ConfigError::Invalid(
                "DONGHANH_MAX_CONNECTIONS and DONGHANH_BACKLOG must be positive".into(),
            ));
        }
        Ok(())
    }

    pub fn time_zone(&self) -> Result<chrono_tz::Tz, ConfigError> {
        self.timezone
            .parse()
            .map_err(|_| ConfigError::Invalid(format!("unknown time zone {:?}", self.timezone)))
    }

    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql.unwrap_or(self.env != Environment::Production)
    }

    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.bind.parse().map_err(|_| {
            ConfigError::Invalid(format!("DONGHANH_BIND: not an address: {}", self.bind))
        })
    }
}

fn serialize_secret<S: serde::Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    // Serialised only to seed figment's defaults, where it is always `None`.
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

/// A list given either as a sequence (TOML) or as one comma-separated string (environment).
fn list_of<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(String),
        Many(Vec<String>),
    }
    let items = match Raw::deserialize(deserializer)? {
        Raw::One(text) => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Raw::Many(items) => items,
    };
    items
        .iter()
        .map(|item| item.trim().parse().map_err(serde::de::Error::custom))
        .collect()
}

/// Durations as whole seconds, or text with a unit: `12h`, `30m`, `45s`, `1d`.
mod duration_secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Secs(secs) => Ok(Duration::from_secs(secs)),
            Raw::Text(text) => parse(&text).ok_or_else(|| {
                serde::de::Error::custom(format!("not a duration: {text:?} (try 3600, 12h, 30m)"))
            }),
        }
    }

    pub fn parse(text: &str) -> Option<Duration> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let value: u64 = digits.parse().ok()?;
        let factor = match unit.trim() {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return None,
        };
        value.checked_mul(factor).map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // figment's Jail fixes the closure's error type.
    #[allow(clippy::result_large_err)]
    fn the_environment_overrides_the_file_and_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "donghanh.toml",
                "bind = \"0.0.0.0:9000\"\nresponse_working_days = 10\n[limits]\nmax_depth = 12\n",
            )?;
            jail.set_env("DONGHANH_RESPONSE_WORKING_DAYS", "20");
            jail.set_env("DONGHANH_LIMITS__MAX_ALIASES", "7");
            jail.set_env("DONGHANH_LOGIN_LIMITS__PER_EMAIL", "3");
            jail.set_env("DONGHANH_LOGIN_LIMITS__WINDOW", "5m");
            jail.set_env("DATABASE_URL", "postgres://db.example/donghanh");
            let settings =
                Settings::load_from(Path::new("donghanh.toml")).map_err(|e| e.to_string())?;
            assert_eq!(settings.bind, "0.0.0.0:9000");
            assert_eq!(settings.response_working_days, 20);
            assert_eq!(settings.limits.max_depth, 12);
            assert_eq!(settings.limits.max_aliases, 7);
            assert_eq!(settings.limits.max_complexity, 5000);
            assert_eq!(settings.login_limits.per_email, 3);
            assert_eq!(settings.login_limits.per_address, 50);
            assert_eq!(settings.login_limits.window, Duration::from_secs(300));
            assert_eq!(settings.database_url, "postgres://db.example/donghanh");
            Ok(())
        });
    }

    #[test]
    fn durations_accept_units() {
        assert_eq!(
            duration_secs::parse("3600"),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            duration_secs::parse("12h"),
            Some(Duration::from_secs(43_200))
        );
        assert_eq!(
            duration_secs::parse("30m"),
            Some(Duration::from_secs(1_800))
        );
        assert_eq!(
            duration_secs::parse("2d"),
            Some(Duration::from_secs(172_800))
        );
        assert_eq!(duration_secs::parse("h"), None);
        assert_eq!(duration_secs::parse("5w"), None);
    }

    #[test]
    fn production_needs_a_long_secret_and_a_real_clock() {
        let mut settings = Settings {
            env: Environment::Production,
            ..Settings::default()
        };
        assert!(settings.validate().is_err());
        settings.jwt_secret = Some(SecretString::from("short"));
        assert!(settings.validate().is_err());
        settings.jwt_secret = Some(SecretString::from("x".repeat(32)));
        assert!(settings.validate().is_ok());
        settings.now = Some(Utc::now());
        assert!(settings.validate().is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let settings = Settings {
            jwt_secret: Some(SecretString::from("s3cret-s3cret-s3cret-s3cret-s3cret")),
            ..Settings::default()
        };
        assert!(!format!("{settings:?}").contains("s3cret"));
    }
}
