//! Production defaults: security headers on every response and no server name;
//! GraphiQL under a policy that admits its own assets only; in production no
//! GraphiQL and no field suggestions.

use donghanh::{
    config::Environment,
    http::security::{DEFAULT_CSP, GRAPHIQL_CSP},
};
use serde_json::json;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

use crate::helpers::{spawn_app, spawn_app_with};

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
