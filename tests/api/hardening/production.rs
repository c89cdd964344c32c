//! Production defaults: security headers on every response and no server name;
//! GraphiQL under a policy that admits its own assets only; in production no
//! GraphiQL and no field suggestions; rate limits key the client's address, taken
//! from a forwarded-address header only when a trusted proxy sent it.

use donghanh::{
    config::Environment,
    http::{
        client_addr::ForwardedHeader,
        security::{DEFAULT_CSP, GRAPHIQL_CSP},
    },
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

fn assert_hardened(what: &str, headers: &reqwest::header::HeaderMap, csp: &str) {
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(headers["content-security-policy"], csp, "{what}");
    assert!(headers.get("server").is_none(), "{what}: {headers:?}");
    assert!(headers.get("x-powered-by").is_none(), "{what}: {headers:?}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_no_server_name() {
    let app = spawn_app().await;
    let graphql = json!({ "query": "{ __typename }" }).to_string();
    let too_big = format!(r#"{{"query":"{}"}}"#, " ".repeat(1024 * 1024 + 1));
    let requests = [
        ("healthz", app.client.get(app.url("/healthz"))),
        ("readyz", app.client.get(app.url("/readyz"))),
        ("metrics", app.client.get(app.url("/metrics"))),
        ("sdl", app.client.get(app.url("/schema.graphql"))),
        (
            "a query",
            app.client
                .post(app.url("/graphql"))
                .header("content-type", "application/json")
                .body(graphql),
        ),
        (
            "a request error",
            app.client
                .post(app.url("/graphql"))
                .header("content-type", "text/plain")
                .body("{}"),
        ),
        (
            "too big",
            app.client
                .post(app.url("/graphql"))
                .header("content-type", "application/json")
                .body(too_big),
        ),
        ("a wrong method", app.client.put(app.url("/graphql"))),
        ("no such path", app.client.get(app.url("/wp-admin"))),
        (
            "an asset",
            app.client.get(app.url("/graphql/assets/graphiql.min.js")),
        ),
        (
            "no such asset",
            app.client.get(app.url("/graphql/assets/nope.js")),
        ),
        (
            "a socket without its protocol",
            app.client.get(app.url("/graphql/ws")),
        ),
    ];
    let mut statuses = Vec::new();
    for (what, request) in requests {
        let response = request.send().await.expect("sent");
        statuses.push(response.status().as_u16());
        assert_hardened(what, response.headers(), DEFAULT_CSP);
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 200, 415, 413, 405, 404, 200, 404, 400]
    );

    // The WebSocket upgrade too.
    let mut request = format!("ws://127.0.0.1:{}/graphql/ws", app.port)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, upgrade) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade");
    assert_eq!(upgrade.status().as_u16(), 101);
    assert!(upgrade.headers().get("server").is_none());
    assert_eq!(upgrade.headers()["x-content-type-options"], "nosniff");
    socket.close(None).await.expect("closed");
}

#[tokio::test]
async fn graphiql_runs_under_a_policy_that_admits_only_its_own_assets() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status().as_u16(), 200);
    assert_hardened("GraphiQL", page.headers(), GRAPHIQL_CSP);
    let html = page.text().await.expect("text");
    // No inline script or style for the policy to refuse; every asset it loads is
    // served from the binary.
    assert!(
        !html.contains("<style") && !html.contains("<script>"),
        "{html}"
    );
    let assets: Vec<&str> = html
        .split(['"', '\''])
        .filter(|part| part.starts_with('/') || part.contains("://"))
        .collect();
    assert_eq!(
        assets,
        [
            "/graphql/assets/graphiql.min.css",
            "/graphql/assets/page.css",
            "/graphql/assets/react.production.min.js",
            "/graphql/assets/react-dom.production.min.js",
            "/graphql/assets/graphiql.min.js",
            "/graphql/assets/start.js",
        ]
    );
    for asset in assets {
        let response = app.client.get(app.url(asset)).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{asset}");
    }
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(GRAPHIQL_CSP.contains(directive), "{directive}");
    }
    assert!(!GRAPHIQL_CSP.contains("unsafe"));
}

#[tokio::test]
async fn production_serves_no_graphiql_and_suggests_no_fields() {
    let typo = "{ comunes(first: 1) { totalCount } }";
    let development = spawn_app().await;
    let body = development.graphql(None, typo, json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Did you mean")),
        "development suggests, which shows the test can see it: {body}"
    );

    let production = spawn_app_with(|s| s.env = Environment::Production).await;
    let body = production.graphql(None, typo, json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("comunes"), "{body}");
    assert!(
        !message.contains("Did you mean") && !message.contains("communes"),
        "{body}"
    );

    let page = production
        .client
        .get(production.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status().as_u16(), 406);
    assert_ne!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_hardened("no GraphiQL", page.headers(), DEFAULT_CSP);
    // The schema stays public: introspection is on unless turned off.
    let body = production
        .graphql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
}

/// A failed sign-in for an unknown e-mail, sent with `headers`: the code of the
/// top-level error, or of the user error.
async fn failed_login(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let email = format!("nobody-{}@example.vn", uuid::Uuid::new_v4().simple());
    let mut request = app.client.post(app.url("/graphql")).json(&json!({
        "query": "mutation($input: LoginInput!) { login(input: $input) { token userErrors { code } } }",
        "variables": { "input": { "email": email, "password": "not-the-password" } },
    }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body: Value = request
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .or(body["data"]["login"]["userErrors"][0]["code"].as_str())
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

const FAILURES_PER_ADDRESS: u32 = 2;

async fn app_trusting(proxies: &[&str], header: ForwardedHeader) -> TestApp {
    let proxies: Vec<_> = proxies
        .iter()
        .map(|p| p.parse().expect("a block"))
        .collect();
    spawn_app_with(move |s| {
        s.login_limits.per_address = FAILURES_PER_ADDRESS;
        s.login_limits.per_email = 100;
        s.trusted_proxies = proxies;
        s.forwarded_header = header;
    })
    .await
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // Nobody trusted: the header is the client's own claim and changes nothing.
    let direct = app_trusting(&[], ForwardedHeader::XForwardedFor).await;
    for n in 0..FAILURES_PER_ADDRESS {
        let forged = format!("203.0.113.{n}");
        assert_eq!(
            failed_login(&direct, &[("x-forwarded-for", &forged)]).await,
            "INVALID"
        );
    }
    assert_eq!(
        failed_login(&direct, &[("x-forwarded-for", "203.0.113.99")]).await,
        "RATE_LIMITED"
    );

    // Behind a trusted proxy (the test's own address): each client its own count.
    let proxied = app_trusting(&["127.0.0.0/8"], ForwardedHeader::XForwardedFor).await;
    let client = [("x-forwarded-for", "203.0.113.1")];
    for _ in 0..FAILURES_PER_ADDRESS {
        assert_eq!(failed_login(&proxied, &client).await, "INVALID");
    }
    assert_eq!(failed_login(&proxied, &client).await, "RATE_LIMITED");
    assert_eq!(
        failed_login(&proxied, &[("x-forwarded-for", "203.0.113.2")]).await,
        "INVALID"
    );
    // A client that writes its own entry first is still the hop the proxy saw.
    assert_eq!(
        failed_login(
            &proxied,
            &[("x-forwarded-for", "198.51.100.7, 203.0.113.1")]
        )
        .await,
        "RATE_LIMITED"
    );

    // RFC 7239, when that is the header the proxy maintains; the other is ignored.
    let forwarded = app_trusting(&["127.0.0.1"], ForwardedHeader::Forwarded).await;
    let client = [("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")];
    for _ in 0..FAILURES_PER_ADDRESS {
        assert_eq!(failed_login(&forwarded, &client).await, "INVALID");
    }
    assert_eq!(failed_login(&forwarded, &client).await, "RATE_LIMITED");
    assert_eq!(
        failed_login(&forwarded, &[("x-forwarded-for", "2001:db8::1")]).await,
        "INVALID"
    );
}
