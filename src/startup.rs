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
        let server = serve(listener, state.clone())?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// Serves until SIGTERM or SIGINT, then drains in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn serve(listener: TcpListener, state: Arc<AppState>) -> anyhow::Result<Server> {
    let settings = state.settings.clone();
    let schema = build_schema(Some(state.clone()), &settings);
    let http_state = web::Data::new(HttpState {
        schema,
        app: state,
        metrics: Metrics::new()?,
        sdl: graphql::sdl(),
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
    .shutdown_timeout(30);
    if let Some(workers) = settings.workers {
        server = server.workers(workers.max(1));
    }
    Ok(server.run())
}
