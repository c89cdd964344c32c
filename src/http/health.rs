//! Liveness, readiness and the SDL.

use actix_web::{HttpResponse, web};

use super::HttpState;

/// The process is alive.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// The database answers; 503 when it does not, so a load balancer stops sending.
pub async fn readyz(state: web::Data<HttpState>) -> HttpResponse {
    if state.app.db.is_ready().await {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unreachable")
    }
}

/// The schema in SDL, as `donghanh schema` prints it.
pub async fn schema(state: web::Data<HttpState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(state.sdl.clone())
}
