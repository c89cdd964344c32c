//! The dashboard at `/dashboard`: the programme as the province reads it, in
//! Vietnamese, drawn by the browser from the public GraphQL API alone (it is the
//! API's reference front end). Its page, script and style are compiled into the
//! binary from `assets/dashboard/`; nothing is fetched from elsewhere, and the
//! page's content security policy says so to the browser.

use actix_web::{HttpResponse, http::header, web};

const PAGE: &str = include_str!("../../assets/dashboard/index.html");
const SCRIPT: &str = include_str!("../../assets/dashboard/dashboard.js");
const STYLE: &str = include_str!("../../assets/dashboard/dashboard.css");

/// Only this server: scripts, styles, and the API it posts to.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The asset named `name`, with its content type.
pub fn asset(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "dashboard.js" => Some((SCRIPT, "text/javascript; charset=utf-8")),
        "dashboard.css" => Some((STYLE, "text/css; charset=utf-8")),
        _ => None,
    }
}

/// `GET /dashboard`.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(PAGE)
}

/// `GET /dashboard/assets/{name}`.
pub async fn serve_asset(name: web::Path<String>) -> HttpResponse {
    match asset(&name) {
        Some((body, content_type)) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(body),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_its_own_assets() {
        for text in [PAGE, SCRIPT, STYLE] {
            assert!(!text.contains("https://") && !text.contains("//cdn"));
        }
        assert!(PAGE.contains("/dashboard/assets/dashboard.js"));
        assert!(PAGE.contains("/dashboard/assets/dashboard.css"));
        assert!(asset("../Cargo.toml").is_none());
    }
}
