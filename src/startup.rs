//! Builds the application (database, migrations, state, schema, listener) and runs
//! it. Tests start exactly what the binary starts, on port 0.

use std::{net::TcpListener, sync::Arc};

use actix_cors::Cors;
use actix_web::{App, HttpServer, dev::Server, middleware, web};
use anyhow::Context as _;
use secrecy::SecretString;
use tracing_actix_web::TracingLogger;

use crate::{
    app::AppState,
    auth::{password, throttle::Throttle, token::Tokens},
    clock::Clock,
    config::Settings,
    db::Db,
    graphql::{self, build_schema},
    http::{self, HttpState, metrics::Metrics},
};

pub struct Application {
    port: u16,
    server: Server,
    state: Arc<AppState>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

/// SIGTERM or SIGINT.
async fn stop_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            _ = terminate.recv() => Ok(()),
            result = tokio::signal::ctrl_c() => result,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
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
        let state = build_state(settings).await?;
        let listener = TcpListener::bind(address).with_context(|| format!("binding {address}"))?;
        let port = listener.local_addr()?.port();
        let (shutdown, _) = tokio::sync::watch::channel(false);
        let server = serve(listener, state.clone(), shutdown.clone())?;
        Ok(Application {
            port,
            server,
            state,
            shutdown,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, closes the
    /// subscription sockets (1001) and lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let shutdown = self.shutdown;
        tokio::spawn(async move {
            if stop_signal().await.is_ok() {
                tracing::info!("stopping: finishing in-flight requests");
                let _ = shutdown.send(true);
                handle.stop(true).await;
            }
        });
        self.server.await
    }
}

fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: tokio::sync::watch::Sender<bool>,
) -> anyhow::Result<Server> {
    let settings = state.settings.clone();
    let schema = build_schema(Some(state.clone()), &settings);
    let http_state = web::Data::new(HttpState {
        schema,
        app: state,
        metrics: Metrics::new()?,
        sdl: graphql::sdl(),
        sockets: Arc::default(),
        shutdown,
    });
    let origins = settings.cors_origins.clone();
    let mut server = HttpServer::new(move || {
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
            .wrap(TracingLogger::default())
            .configure(http::routes)
    })
    .listen(listener)?
    // Signals are ours (`run_until_stopped`): sockets close before requests drain.
    .disable_signals()
    .shutdown_timeout(30);
    if let Some(workers) = settings.workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.run())
}
