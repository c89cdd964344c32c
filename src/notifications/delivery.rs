//! Sending notification e-mail: a worker per instance claims queued e-mails, sends
//! each over SMTP with `lettre`, and marks it sent, or schedules its next attempt
//! with exponential backoff, or after the configured attempts keeps it as FAILED
//! with the last error (admins see and retry those).
//!
//! Claiming is one conditional UPDATE that sets the status to SENDING with a claim
//! id and a lease: on PostgreSQL its candidates are read `FOR UPDATE SKIP LOCKED`,
//! so instances claim disjoint sets; SQLite has one writer, so the conditional
//! UPDATE alone is enough. Marking sent or failed names the claim, so each e-mail
//! is marked once. A claim whose worker died is claimable again when its lease
//! ends; on a graceful stop the worker finishes the e-mail in hand and gives the
//! rest of its claim back.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::Utc;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message as Email, Tokio1Executor,
    message::{
        Mailbox, MultiPart, SinglePart,
        header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue},
    },
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, UpdateMany,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Notify, broadcast, watch};

use super::{
    entity::{self as notification, DeliveryStatus},
    token::{Signer, Unsubscribe},
};
use crate::{app::AppState, config::Settings, events::State, text::escape_html as escape};

/// The wait before attempt `attempt + 1`, after `attempt` failed ones:
/// `base · 2^(attempt−1)`, at most `max`.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let doublings = Ord::min(attempt.saturating_sub(1), 31);
    Ord::min(base.saturating_mul(1u32 << doublings), max)
}

/// What delivery needs: the SMTP transport (none: in-app only), the unsubscribe
/// signer, and a bell that wakes the worker.
pub struct Notifier {
    mailer: Option<Mailer>,
    pub signer: Signer,
    bell: Notify,
    /// What this instance's worker did, for `/metrics`.
    pub counts: Counts,
}

/// Attempts by outcome, counted by this instance since it started.
#[derive(Debug, Default)]
pub struct Counts {
    pub sent: AtomicU64,
    pub retried: AtomicU64,
    pub failed: AtomicU64,
}

impl Counts {
    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.mailer.is_some())
            .finish()
    }
}

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Notifier {
    /// Builds the SMTP transport from `DONGHANH_SMTP_URL`; without it, says once
    /// that notifications are in-app only.
    pub fn new(settings: &Settings, secret: &SecretString) -> anyhow::Result<Notifier> {
        let mailer = match &settings.smtp_url {
            None => {
                tracing::warn!(
                    "DONGHANH_SMTP_URL is not set: notifications are in-app only, no e-mail is sent"
                );
                None
            }
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    // The URL may hold a password: its parse error is not logged.
                    .map_err(|_| anyhow::anyhow!("DONGHANH_SMTP_URL: not an SMTP URL"))?
                    .timeout(Some(settings.notifications.send_timeout))
                    .build();
                let from = settings
                    .mail_from
                    .parse()
                    .map_err(|_| anyhow::anyhow!("DONGHANH_MAIL_FROM: not an e-mail address"))?;
                tracing::info!("notifications are sent by e-mail too");
                Some(Mailer { transport, from })
            }
        };
        Ok(Notifier {
            mailer,
            signer: Signer::new(secret),
            bell: Notify::new(),
            counts: Counts::default(),
        })
    }

    pub fn sends_email(&self) -> bool {
        self.mailer.is_some()
    }

    /// Wakes this instance's worker (new work, or a retry).
    pub fn wake(&self) {
        self.bell.notify_one();
    }
}

/// The one-click unsubscribe address of an account's category.
pub fn unsubscribe_url(app: &AppState, unsubscribe: Unsubscribe) -> String {
    format!(
        "{}/notifications/unsubscribe?token={}",
        app.settings.public_url.trim_end_matches('/'),
        app.notifier.signer.sign(unsubscribe)
    )
}

/// Builds the e-mail of a notification: text and HTML in Vietnamese, with the
/// unsubscribe link in the body and in the RFC 8058 headers.
fn email_of(app: &AppState, from: &Mailbox, job: &notification::Model) -> Result<Email, String> {
    let to: Mailbox = job
        .email_to
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|_| "the recipient is not an e-mail address".to_owned())?;
    let unsubscribe = unsubscribe_url(
        app,
        Unsubscribe {
            account_id: job.account_id,
            category: job.category,
        },
    );
    let label = job.category.label();
    let text = format!(
        "{}\n\nKhông muốn nhận thư về {label} nữa? Hủy đăng ký: {unsubscribe}\n",
        job.body
    );
    let footer = format!(
        "<p style=\"color:#666;font-size:small\">Không muốn nhận thư về {} nữa? <a href=\"{}\">Hủy đăng ký</a></p></body>",
        escape(label),
        escape(&unsubscribe)
    );
    let html = job.html.replacen("</body>", &footer, 1);
    let part = |content: ContentType, body: String| {
        SinglePart::builder()
            .header(content)
            .header(ContentTransferEncoding::Base64)
            .body(body)
    };
    Email::builder()
        .from(from.clone())
        .to(to)
        .subject(&job.title)
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{unsubscribe}>"),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Donghanh-Notification"),
            job.id.to_string(),
        ))
        .multipart(
            MultiPart::alternative()
                .singlepart(part(ContentType::TEXT_PLAIN, text))
                .singlepart(part(ContentType::TEXT_HTML, html)),
        )
        .map_err(|error| format!("building the message: {error}"))
}

/// Runs this instance's delivery worker until `stopping`; on a stop it finishes the
/// e-mail in hand and gives the rest of its claim back. Does nothing without SMTP.
pub fn spawn_worker(
    app: Arc<AppState>,
    mut stopping: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let Some(mailer) = app.notifier.mailer.as_ref() else {
            return;
        };
        // New notifications committed on any instance ring this instance's bell.
        let mut events = app.db.events.subscribe();
        let db = app.db.background();
        let poll = app.settings.notifications.poll_interval;
        loop {
            if *stopping.borrow() {
                return;
            }
            match work(&app, &db.write, mailer, &stopping).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "delivering notifications"),
            }
            // Until a reason to look again: the poll interval (retries fall due),
            // the bell, a new notification, or the stop.
            let pause = tokio::time::sleep(poll);
            tokio::pin!(pause);
            loop {
                tokio::select! {
                    () = &mut pause => break,
                    () = app.notifier.bell.notified() => break,
                    changed = stopping.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        break;
                    }
                    event = events.recv() => match event {
                        Ok(event) if matches!(event.state, State::Notification(_)) => break,
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                }
            }
        }
    })
}

/// Claims one batch and sends it. True when it found work (look again at once).
async fn work(
    app: &AppState,
    db: &DatabaseConnection,
    mailer: &Mailer,
    stopping: &watch::Receiver<bool>,
) -> Result<bool, DbErr> {
    let claim = uuid::Uuid::new_v4().simple().to_string();
    let jobs = claim_batch(db, &claim, app.settings.notifications.batch, lease(app)).await?;
    if jobs.is_empty() {
        return Ok(false);
    }
    for (index, job) in jobs.iter().enumerate() {
        if *stopping.borrow() {
            let rest: Vec<i64> = jobs[index..].iter().map(|job| job.id).collect();
            release(db, &claim, &rest).await?;
            return Ok(false);
        }
        let outcome = match email_of(app, &mailer.from, job) {
            Ok(email) => mailer
                .transport
                .send(email)
                .await
                .map(|_| ())
                .map_err(|error| describe(&error)),
            Err(error) => Err(error),
        };
        finish(app, db, &claim, job, outcome).await?;
    }
    Ok(true)
}

/// An SMTP error without anything the URL carried (no password in the message).
fn describe(error: &lettre::transport::smtp::Error) -> String {
    if let Some(code) = error.status() {
        format!("SMTP server refused: {code}")
    } else if error.is_timeout() {
        "SMTP timed out".to_owned()
    } else if error.is_tls() {
        "SMTP TLS failed".to_owned()
    } else {
        "SMTP server unreachable or the conversation failed".to_owned()
    }
}

fn lease(app: &AppState) -> Duration {
    app.settings.notifications.send_timeout * 2 + Duration::from_secs(60)
}

/// Claims up to `batch` e-mails that are due (or whose claim lapsed).
async fn claim_batch(
    db: &DatabaseConnection,
    claim: &str,
    batch: u32,
    lease: Duration,
) -> Result<Vec<notification::Model>, DbErr> {
    let now = Utc::now();
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
    let due = sea_orm::Condition::any()
        .add(
            sea_orm::Condition::all()
                .add(notification::Column::EmailStatus.eq(DeliveryStatus::Queued))
                .add(notification::Column::NextAttemptAt.lte(now)),
        )
        .add(
            sea_orm::Condition::all()
                .add(notification::Column::EmailStatus.eq(DeliveryStatus::Sending))
                .add(notification::Column::ClaimedUntil.lt(now)),
        );
    let mut candidates = notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .filter(due.clone())
        .order_by_asc(notification::Column::Id)
        .limit(u64::from(batch));
    if db.get_database_backend() == DbBackend::Postgres {
        QuerySelect::query(&mut candidates)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut claimed = notification::Entity::update_many()
        .col_expr(
            notification::Column::EmailStatus,
            Expr::value(DeliveryStatus::Sending),
        )
        .col_expr(notification::Column::Claim, Expr::value(claim))
        .col_expr(notification::Column::ClaimedUntil, Expr::value(now + lease))
        .col_expr(
            notification::Column::Attempts,
            Expr::col(notification::Column::Attempts).add(1),
        )
        .filter(
            notification::Column::Id.in_subquery(QuerySelect::query(&mut candidates).to_owned()),
        )
        .filter(due)
        .exec_with_returning(db)
        .await?;
    claimed.sort_by_key(|job| job.id);
    Ok(claimed)
}

/// `update`, also letting go of the rows' claim.
fn unclaimed(update: UpdateMany<notification::Entity>) -> UpdateMany<notification::Entity> {
    update
        .col_expr(
            notification::Column::Claim,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            notification::Column::ClaimedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
}

/// Records an attempt's outcome, if the claim is still ours.
async fn finish(
    app: &AppState,
    db: &DatabaseConnection,
    claim: &str,
    job: &notification::Model,
    outcome: Result<(), String>,
) -> Result<(), DbErr> {
    let settings = &app.settings.notifications;
    let now = Utc::now();
    let mut update = unclaimed(notification::Entity::update_many())
        .filter(notification::Column::Id.eq(job.id))
        .filter(notification::Column::Claim.eq(claim))
        .filter(notification::Column::EmailStatus.eq(DeliveryStatus::Sending));
    let counts = &app.notifier.counts;
    match outcome {
        Ok(()) => {
            update = update
                .col_expr(
                    notification::Column::EmailStatus,
                    Expr::value(DeliveryStatus::Sent),
                )
                .col_expr(notification::Column::SentAt, Expr::value(now));
            Counts::add(&counts.sent);
        }
        Err(error) => {
            let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
            if attempts >= settings.max_attempts {
                tracing::warn!(notification = job.id, attempts, %error, "gave up sending a notification");
                update = update.col_expr(
                    notification::Column::EmailStatus,
                    Expr::value(DeliveryStatus::Failed),
                );
                Counts::add(&counts.failed);
            } else {
                let wait = backoff(attempts, settings.retry_base, settings.retry_max);
                tracing::info!(notification = job.id, attempts, %error, retry_in = ?wait, "sending a notification failed; will retry");
                let next = now + chrono::Duration::from_std(wait).unwrap_or_default();
                update = update
                    .col_expr(
                        notification::Column::EmailStatus,
                        Expr::value(DeliveryStatus::Queued),
                    )
                    .col_expr(notification::Column::NextAttemptAt, Expr::value(next));
                Counts::add(&counts.retried);
            }
            update = update.col_expr(notification::Column::LastError, Expr::value(error));
        }
    }
    persist(|| update.clone().exec(db)).await
}

/// Runs a bookkeeping write (idempotent: it names its claim) until it lands, while
/// the database is only briefly unavailable: an e-mail sent but not marked would
/// be sent again once its claim lapses, and one not given back on a stop would
/// wait for that. Gives up after about ten seconds.
async fn persist<T, F, Fut>(write: F) -> Result<(), DbErr>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    let mut wait = Duration::from_millis(100);
    loop {
        match write().await {
            Ok(_) => return Ok(()),
            Err(error) if crate::db::is_unavailable(&error) && wait < Duration::from_secs(6) => {
                tracing::warn!(%error, "recording a notification's delivery; retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Gives back claimed e-mails not attempted, their attempt uncounted.
async fn release(db: &DatabaseConnection, claim: &str, ids: &[i64]) -> Result<(), DbErr> {
    let update = unclaimed(notification::Entity::update_many())
        .col_expr(
            notification::Column::EmailStatus,
            Expr::value(DeliveryStatus::Queued),
        )
        .col_expr(
            notification::Column::Attempts,
            Expr::col(notification::Column::Attempts).sub(1),
        )
        .filter(notification::Column::Id.is_in(ids.iter().copied()))
        .filter(notification::Column::Claim.eq(claim));
    persist(|| update.clone().exec(db)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let base = Duration::from_secs(30);
        let max = Duration::from_secs(3600);
        let waits: Vec<u64> = (1..=9)
            .map(|attempt| backoff(attempt, base, max).as_secs())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(1000, base, max), max);
    }
}

#[cfg(test)]
mod transport_tests {
    use super::*;

    fn notifier(url: &str) -> anyhow::Result<Notifier> {
        let settings = Settings {
            smtp_url: Some(SecretString::from(url)),
            ..Settings::default()
        };
        Notifier::new(&settings, &SecretString::from("k".repeat(32)))
    }

    #[test]
    fn plain_starttls_and_tls_urls_are_understood_and_nonsense_is_refused_without_echo() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:p%40ss@mail.example.vn:587?tls=required",
            "smtps://user:secret@mail.example.vn:465",
        ] {
            let built = notifier(url);
            assert!(built.as_ref().is_ok_and(Notifier::sends_email), "{url}");
        }
        let refused = notifier("http://user:hunter2@mail.example.vn").err();
        let message = refused.map(|error| error.to_string()).unwrap_or_default();
        assert_eq!(message, "DONGHANH_SMTP_URL: not an SMTP URL");
    }
}
