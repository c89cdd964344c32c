//! Builds the application (database, migrations, state, schema, listener) and runs
//! it. Tests start exactly what the binary starts, on port 0.

use std::{
    net::{SocketAddr, TcpListener},
    sync::Arc,
    time::Duration,
};

use actix_cors::Cors;
use actix_web::{App, HttpServer, dev::Server, middleware, rt::net::TcpSocket, web};
use anyhow::Context as _;
use secrecy::SecretString;
use tokio::sync::watch;
use tracing_actix_web::TracingLogger;

use crate::{
    app::AppState,
    auth::{password, throttle::Throttle, token::Tokens},
    clock::Clock,
    config::Settings,
    db::Db,
    graphql::{self, build_schema, plan::ListPaths},
    http::{
        self, HttpState, Stopping, admission::Admission, client_addr::TrustedProxies,
        metrics::Metrics,
    },
    notifications::{delivery, delivery::Notifier, schedule},
};

pub struct Application {
    port: u16,
    server: Server,
    state: Arc<AppState>,
    /// The notification worker and scheduler; they stop with the server.
    background: Vec<tokio::task::JoinHandle<()>>,
}

/// Builds the shared state: connects, migrates, prepares keys.
pub async fn build_state(settings: Settings) -> anyhow::Result<Arc<AppState>> {
    settings.validate()?;
    let db = Db::connect(&settings)
        .await
        .context("connecting to the database")?;
    db.migrate(&settings)
        .await
        .context("migrating the database")?;
    db.listen_for_changes(&settings)
        .await
        .context("listening for changes")?;
    let secret = match &settings.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            tracing::warn!(
                "DONGHANH_JWT_SECRET is not set: signing tokens with a random key; they stop working when this process ends"
            );
            SecretString::from(random_secret())
        }
    };
    let tokens = Tokens::new(&secret, &settings);
    let notifier = Notifier::new(&settings, &secret)?;
    let clock = Clock::new(settings.now, settings.time_zone()?);
    if let Some(now) = settings.now {
        tracing::warn!(%now, "the business clock is fixed by DONGHANH_NOW");
    }
    let limits = &settings.login_limits;
    Ok(Arc::new(AppState {
        db,
        clock,
        tokens,
        decoy_password_hash: password::decoy_hash().await?,
        sign_ins_by_email: Throttle::new(limits.per_email, limits.window),
        sign_ins_by_address: Throttle::new(limits.per_address, limits.window),
        registrations_by_address: Throttle::new(limits.registrations_per_address, limits.window),
        notifier,
        settings: Arc::new(settings),
    }))
}

fn random_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 48] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let address = settings.bind_addr()?;
        let backlog = settings.backlog;
        let state = build_state(settings).await?;
        let listener = bind(address, backlog).with_context(|| format!("binding {address}"))?;
        let port = listener.local_addr()?.port();
        let (server, background) = serve(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Serves until SIGTERM or SIGINT; then stops accepting connections, closes
    /// subscription sockets with 1001 (going away), lets in-flight requests finish
    /// (each ends by its request timeout) and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        // The worker finishes the e-mail in hand and gives back the rest of its
        // claim; it waits no longer than one SMTP conversation.
        let grace = self.state.settings.notifications.send_timeout + Duration::from_secs(5);
        for task in self.background {
            if tokio::time::timeout(grace, task).await.is_err() {
                tracing::warn!("a notification task did not stop in time");
            }
        }
        served
    }
}

/// A listener whose accept queue holds `backlog` connections (the standard
/// library's `bind` fixes it at 128).
fn bind(address: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // As the standard library does: a restart may bind while the previous
    // process's connections linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(backlog)?.into_std()
}

/// Resolves on SIGTERM or SIGINT, once subscription sockets have been told.
async fn stop_requested(stopping: watch::Sender<bool>) {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("stopping: draining in-flight requests");
    stopping.send_replace(true);
}

type Background = Vec<tokio::task::JoinHandle<()>>;

fn serve(listener: TcpListener, state: Arc<AppState>) -> anyhow::Result<(Server, Background)> {
    let settings = state.settings.clone();
    let lists = ListPaths::new()?;
    let schema = build_schema(Some(state.clone()), &settings, Some(lists.clone()));
    let (stop, stopping) = Stopping::channel();
    let background = vec![
        delivery::spawn_worker(state.clone(), stop.subscribe()),
        schedule::spawn_scheduler(state.clone(), stop.subscribe()),
    ];
    let metrics = Metrics::new()?;
    metrics.register(lists.collector())?;
    let http_state = web::Data::new(HttpState {
        admission: Admission::new(
            settings.database_pool_size as usize,
            metrics.requests_waiting.clone(),
        ),
        gate: graphql::build_gate(&settings),
        schema,
        app: state,
        metrics,
        sdl: graphql::sdl(),
        proxies: TrustedProxies {
            blocks: settings.trusted_proxies.clone(),
            header: settings.forwarded_header,
        },
        stopping,
        sockets: Arc::default(),
        feeds: Default::default(),
    });
    let origins = settings.cors_origins.clone();
    // actix's limit is per worker; ours is for the whole server.
    let workers = settings
        .workers
        .or_else(|| std::thread::available_parallelism().ok().map(Into::into))
        .unwrap_or(1)
        .max(1);
    let server = HttpServer::new(move || {
        let cors = origins.iter().fold(
            Cors::default()
                .allowed_methods(["GET", "POST"])
                .allowed_headers(["authorization", "content-type", "accept"])
                .max_age(3600),
            |cors, origin| cors.allowed_origin(origin),
        );
        App::new()
            .app_data(http_state.clone())
            .wrap(middleware::from_fn(http::metrics::track))
            .wrap(middleware::from_fn(http::expose_request_id))
            .wrap(middleware::Condition::new(!origins.is_empty(), cors))
            .wrap(middleware::from_fn(http::unread_body::close_after_response))
            .wrap(http::security::headers())
            .wrap(TracingLogger::<http::request_span::RequestSpan>::new())
            .configure(http::routes)
    })
    .workers(workers)
    .max_connections(settings.max_connections.div_ceil(workers))
    .keep_alive(settings.keep_alive)
    .client_request_timeout(settings.client_request_timeout)
    .client_disconnect_timeout(settings.client_disconnect_timeout)
    .shutdown_signal(stop_requested(stop))
    // Every request ends by its deadline; the drain waits no longer.
    .shutdown_timeout((settings.request_timeout + settings.client_disconnect_timeout).as_secs())
    .listen(listener)?;
    Ok((server.run(), background))
}
