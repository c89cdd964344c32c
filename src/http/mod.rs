//! actix-web wiring: the GraphQL-over-HTTP handler, GraphiQL assets, the
//! subscription socket, downloads (exports and the programme report), the
//! dashboard, health, readiness, metrics and the SDL; the headers every response
//! carries and the client address rate limits see.

pub mod admission;
pub mod client_addr;
pub mod dashboard;
pub mod exports;
pub mod feeds;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod language;
pub mod metrics;
pub mod request_span;
pub mod security;
pub mod unread_body;
pub mod unsubscribe;
pub mod ws;

use std::{net::IpAddr, sync::Arc};

use actix_web::web;
use tokio::sync::watch;

use crate::{
    app::AppState,
    auth::{Session, Viewer, rules::authenticate},
    error::ApiError,
    graphql::{AppSchema, limits::Gate},
};
use client_addr::TrustedProxies;

/// What every handler reaches through `web::Data`.
pub struct HttpState {
    /// How many GraphQL requests run at once: as many as the pool has connections.
    pub admission: admission::Admission,
    /// The query limits, which every request passes before the schema runs it.
    pub gate: Gate,
    pub schema: AppSchema,
    pub app: Arc<AppState>,
    pub metrics: metrics::Metrics,
    pub sdl: String,
    /// Open subscription sockets per client address.
    pub sockets: Arc<ws::SocketCounter>,
    /// Subscriptions shared by the sockets that follow them alike.
    pub feeds: feeds::Feeds,
    pub proxies: TrustedProxies,
    pub stopping: Stopping,
}

/// Tells connections that outlive any request (subscription sockets) that the
/// server is stopping, so they can close properly before the workers stop.
#[derive(Clone)]
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    /// The receiving half, and the sender that announces the stop.
    pub fn channel() -> (watch::Sender<bool>, Stopping) {
        let (sender, receiver) = watch::channel(false);
        (sender, Stopping(receiver))
    }

    /// Resolves once the stop is announced; never, if it cannot be any more.
    pub async fn announced(&mut self) {
        if self.0.wait_for(|stopping| *stopping).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/graphql")
            .route(web::post().to(graphql::post))
            .route(web::get().to(graphql::get))
            .route(web::route().to(graphql::method_not_allowed)),
    )
    .route("/graphql/ws", web::get().to(ws::subscribe))
    .route(
        "/graphql/assets/{name}",
        web::get().to(graphiql::serve_asset),
    )
    .route("/dashboard", web::get().to(dashboard::page))
    .route(
        "/dashboard/assets/{name}",
        web::get().to(dashboard::serve_asset),
    )
    .route("/exports/report.xlsx", web::get().to(exports::report_xlsx))
    .route("/exports/{file}", web::get().to(exports::download))
    .route("/reports/programme", web::get().to(exports::report_page))
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(metrics::export))
    .service(
        web::resource("/notifications/unsubscribe")
            .route(web::get().to(unsubscribe::confirm))
            .route(web::post().to(unsubscribe::unsubscribe)),
    )
    .route("/schema.graphql", web::get().to(health::schema));
}

/// The bearer token of an `Authorization` header value, if it has the right form.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Builds the request's session: no header is anonymous; a header that does not
/// carry a valid token is UNAUTHENTICATED, never anonymous.
pub async fn session_for(
    app: &AppState,
    authorization: Option<&str>,
    request_id: String,
    client_addr: Option<IpAddr>,
) -> Result<Session, ApiError> {
    let (viewer, expires_at) = match authorization {
        None => (Viewer::anonymous(), None),
        Some(value) => {
            let token = bearer(value).ok_or(ApiError::Unauthenticated(
                "the Authorization header must be `Bearer <token>`",
            ))?;
            let signed_in = authenticate(app, token).await?;
            (
                Viewer::signed_in(signed_in.principal),
                Some(signed_in.expires_at),
            )
        }
    };
    Ok(Session {
        viewer,
        request_id,
        client_addr,
        expires_at,
    })
}

/// Middleware: answers with the request id (`x-request-id`) that the request's log
/// lines and any INTERNAL error carry, so a report can be matched to the log.
pub async fn expose_request_id(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .copied();
    let mut response = next.call(req).await?;
    if let Some(id) = request_id
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id.to_string())
    {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    Ok(response)
}
