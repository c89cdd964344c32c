//! The floor for Q5: POST /graphql parses a GraphQL-over-HTTP JSON body and answers
//! `{"data":{"__typename":"Query"}}` without any GraphQL. The same actix-web, the
//! same allocator and the same number of workers as the server, so the difference
//! is what the server does per request. `bench-bare [ADDRESS]` (default
//! 127.0.0.1:8091); `BENCH_BARE_WORKERS` sets the workers (default: actix's).

use actix_web::{App, HttpResponse, HttpServer, post, web};
use serde::Deserialize;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Deserialize)]
struct Request {
    query: String,
    #[serde(default)]
    variables: Option<serde_json::Value>,
}

#[post("/graphql")]
async fn graphql(request: web::Json<Request>) -> HttpResponse {
    if request.query.is_empty() || request.variables.as_ref().is_some_and(|v| !v.is_object()) {
        return HttpResponse::BadRequest()
            .json(serde_json::json!({"errors": [{"message": "bad request"}]}));
    }
    HttpResponse::Ok().json(serde_json::json!({"data": {"__typename": "Query"}}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8091".into());
    let mut server = HttpServer::new(|| App::new().service(graphql));
    if let Some(workers) = std::env::var("BENCH_BARE_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
    {
        server = server.workers(workers);
    }
    server.bind(address)?.run().await
}
