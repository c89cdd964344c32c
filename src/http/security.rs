//! Headers every response carries. The API answers JSON and text that no browser
//! should sniff, frame or render as a page, so the default policy forbids
//! everything; the GraphiQL page sets its own, which allows its embedded assets
//! and nothing else. No response names the server or its version.

use actix_web::{
    http::header::{
        CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
    },
    middleware::DefaultHeaders,
};

/// Nothing may load, frame the response or be submitted from it.
pub const DEFAULT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// GraphiQL: its scripts and styles from `/graphql/assets/`, the fonts and icons
/// its stylesheet inlines as `data:` URLs, requests to this origin (`/graphql`
/// and, by CSP level 3, the `/graphql/ws` socket). No inline script, no `eval`,
/// no other host. (One library in the bundle inserts a `<style>` element while a
/// dialog locks scrolling; the browser refuses it, and the page still works.)
pub const GRAPHIQL_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Middleware adding the headers to every response that does not set its own.
pub fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((REFERRER_POLICY, "no-referrer"))
        .add((X_FRAME_OPTIONS, "DENY"))
        .add((CONTENT_SECURITY_POLICY, DEFAULT_CSP))
}
