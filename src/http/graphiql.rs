//! GraphiQL served entirely from files embedded in the binary.
//!
//! Government networks often cannot reach a CDN, so the page, React, ReactDOM
//! and the GraphiQL bundle are compiled in from `assets/graphiql/` (see
//! `assets/graphiql/LICENSES.md` for versions and licences). The page has no
//! inline script or style (its own are `start.js` and `page.css`), so its
//! Content-Security-Policy ([`GRAPHIQL_CSP`]) admits these assets and nothing else.
//!
//! Expected routes (wired by the router, not here):
//! - `GET /graphql` (browser, `Accept: text/html`) → [`serve_page`];
//! - `GET /graphql/assets/{name}` → [`serve_asset`].
//!
//! The page posts queries to `/graphql` and opens subscriptions on
//! `ws(s)://<host>/graphql/ws` with the `graphql-transport-ws` protocol.

use actix_web::{HttpResponse, http::header, web};

use super::security::GRAPHIQL_CSP;

/// Content type of [`page`].
pub const PAGE_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// `Cache-Control` value sent with every asset.
pub const ASSET_CACHE_CONTROL: &str = "public, max-age=86400";

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

static REACT_JS: &[u8] = include_bytes!("../../assets/graphiql/react.production.min.js");
static REACT_DOM_JS: &[u8] = include_bytes!("../../assets/graphiql/react-dom.production.min.js");
static GRAPHIQL_JS: &[u8] = include_bytes!("../../assets/graphiql/graphiql.min.js");
static GRAPHIQL_CSS: &[u8] = include_bytes!("../../assets/graphiql/graphiql.min.css");
static START_JS: &[u8] = include_bytes!("../../assets/graphiql/start.js");
static PAGE_CSS: &[u8] = include_bytes!("../../assets/graphiql/page.css");
static PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// Names accepted by [`asset`], i.e. the `{name}` in `/graphql/assets/{name}`.
pub const ASSET_NAMES: [&str; 6] = [
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
    "start.js",
    "page.css",
];

/// The bytes and content type of an embedded asset, by file name.
///
/// Only the exact names in [`ASSET_NAMES`] match; anything else (including
/// paths with `/` or `..`) is `None`.
pub fn asset(name: &str) -> Option<(&'static [u8], &'static str)> {
    match name {
        "react.production.min.js" => Some((REACT_JS, JS)),
        "react-dom.production.min.js" => Some((REACT_DOM_JS, JS)),
        "graphiql.min.js" => Some((GRAPHIQL_JS, JS)),
        "graphiql.min.css" => Some((GRAPHIQL_CSS, CSS)),
        "start.js" => Some((START_JS, JS)),
        "page.css" => Some((PAGE_CSS, CSS)),
        _ => None,
    }
}

/// The GraphiQL HTML page (UTF-8), to be sent as [`PAGE_CONTENT_TYPE`].
pub fn page() -> &'static str {
    PAGE
}

/// Handler for `GET /graphql/assets/{name}`: the asset with its content type
/// and a one-day public cache, or 404.
pub async fn serve_asset(path: web::Path<String>) -> HttpResponse {
    match asset(path.as_str()) {
        Some((bytes, content_type)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::CACHE_CONTROL, ASSET_CACHE_CONTROL))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(bytes),
        None => HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
    }
}

/// The page itself (`no-cache`, so a new build's page is picked up at once; the
/// assets it names are cached for a day), under its own Content-Security-Policy.
pub async fn serve_page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, PAGE_CONTENT_TYPE))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, GRAPHIQL_CSP))
        .body(PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, body::to_bytes, http::StatusCode, test as atest, web};

    #[test]
    fn every_asset_is_embedded_and_typed() {
        for name in ASSET_NAMES {
            let (bytes, content_type) = asset(name).expect(name);
            assert!(bytes.len() > 100, "{name} looks truncated");
            let expected = if name.ends_with(".css") { CSS } else { JS };
            assert_eq!(content_type, expected, "{name}");
        }
    }

    #[test]
    fn unknown_names_are_rejected() {
        for name in [
            "",
            "index.html",
            "LICENSES.md",
            "../Cargo.toml",
            "graphiql.min.js/",
            "GRAPHIQL.MIN.JS",
        ] {
            assert!(asset(name).is_none(), "{name:?} should not resolve");
        }
    }

    #[test]
    fn page_loads_only_local_assets() {
        let page = page();
        assert!(page.contains("<title>Đồng Hành — GraphiQL</title>"));
        for name in ASSET_NAMES {
            assert!(
                page.contains(&format!("\"/graphql/assets/{name}\"")),
                "page does not load {name}"
            );
        }
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "page refers to an external host"
        );
        assert!(
            !page.contains("<style") && !page.contains("<script>"),
            "the page's CSP refuses inline styles and scripts"
        );
        let start = std::str::from_utf8(START_JS).expect("UTF-8");
        assert!(start.contains("'/graphql/ws'"));
    }

    #[actix_web::test]
    async fn serves_assets_with_cache_headers_and_404s() {
        let app = atest::init_service(
            App::new()
                .route("/graphql/assets/{name}", web::get().to(serve_asset))
                .route("/graphql", web::get().to(serve_page)),
        )
        .await;

        let resp = atest::call_service(
            &app,
            atest::TestRequest::get()
                .uri("/graphql/assets/graphiql.min.css")
                .to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers().get(header::CONTENT_TYPE).unwrap(), CSS);
        assert_eq!(
            resp.headers().get(header::CACHE_CONTROL).unwrap(),
            ASSET_CACHE_CONTROL
        );
        let body = to_bytes(resp.into_body()).await.unwrap();
        assert_eq!(body.as_ref(), GRAPHIQL_CSS);

        let resp = atest::call_service(
            &app,
            atest::TestRequest::get()
                .uri("/graphql/assets/nope.js")
                .to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);

        let resp =
            atest::call_service(&app, atest::TestRequest::get().uri("/graphql").to_request()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers().get(header::CONTENT_TYPE).unwrap(),
            PAGE_CONTENT_TYPE
        );
    }
}
