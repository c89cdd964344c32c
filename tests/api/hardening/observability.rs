//! Observability cannot be abused: what clients send does not grow `/metrics`; an
//! INTERNAL error's log line carries the request id the client was given, at any
//! log level; no password or token reaches the log, at any level. The log tests
//! run the real binary, whose log is its own (this test process has one global
//! subscriber, shared by every test).

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{ServerProcess, fresh_database, spawn_app, spawn_binary, tax_code};

const ODD_METHODS: usize = 2_000;

#[tokio::test]
async fn odd_methods_and_paths_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let methods: Vec<String> = (0..ODD_METHODS)
        .map(|_| format!("M{}", uuid::Uuid::new_v4().simple()).to_uppercase())
        .collect();

    let statuses: Vec<u16> = futures_util::stream::iter(methods.iter().enumerate())
        .map(|(i, method)| {
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method token");
            // Half to a route, half to random paths.
            let path = if i % 2 == 0 {
                "/graphql".to_owned()
            } else {
                format!("/{method}")
            };
            let request = app.client.request(method, app.url(&path));
            async move { request.send().await.expect("sent").status().as_u16() }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|s| *s == 405 || *s == 404),
        "{statuses:?}"
    );

    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(
        text.len() < 16 * 1024,
        "/metrics is {} bytes:\n{text}",
        text.len()
    );
    assert!(
        methods.iter().all(|method| !text.contains(method.as_str())),
        "{text}"
    );
    let half = ODD_METHODS / 2;
    assert!(
        text.contains(&format!(
            r#"donghanh_http_requests_total{{method="OTHER",route="/graphql",status="405"}} {half}"#
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            r#"donghanh_http_requests_total{{method="OTHER",route="unmatched",status="404"}} {half}"#
        )),
        "{text}"
    );
}

/// The events of a JSON log, one per line; lines that are not JSON are skipped.
fn events(log: &str) -> Vec<Value> {
    log.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// A binary on a fresh database, logging at `level` (and `listening` at info, so
/// the test learns the port).
async fn binary_logging_at(level: &str) -> (ServerProcess, String) {
    let database = fresh_database().await;
    let filter = format!("{level},donghanh::cli=info");
    let server = spawn_binary(&database, &[("RUST_LOG", filter.as_str())]).await;
    (server, database)
}

/// A commune row that no longer decodes (a level the code does not know), so
/// reading it fails inside the server: an INTERNAL error.
async fn corrupt_a_commune(database: &str) {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(database)
        .await
        .expect("connects");
    db.execute_unprepared(
        "INSERT INTO communes (code, name, search_text, unit_type, special, new_rural_level, created_at, updated_at) \
         VALUES ('X-BROKEN', 'Xã Hỏng', 'xa hong', 'COMMUNE', TRUE, 'NO_SUCH_LEVEL', '2026-01-05T00:00:00Z', '2026-01-05T00:00:00Z')",
    )
    .await
    .expect("inserted");
    db.close().await.expect("closed");
}

#[tokio::test]
async fn an_internal_errors_log_line_carries_the_request_id_at_every_level() {
    for level in ["error", "warn", "info"] {
        let (mut server, database) = binary_logging_at(level).await;
        corrupt_a_commune(&database).await;

        let body = server
            .graphql(
                None,
                "{ communes(first: 5) { nodes { newRuralLevel } } }",
                json!({}),
            )
            .await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "INTERNAL", "{level}: {body}");
        assert_eq!(error["message"], "internal error", "{level}: {body}");
        let request_id = error["extensions"]["requestId"]
            .as_str()
            .unwrap_or_else(|| panic!("{level}: {body}"))
            .to_owned();

        let (_, log) = server.stop().await;
        let logged = events(&log).into_iter().find(|event| {
            event["level"] == "ERROR" && event["fields"]["request_id"] == request_id.as_str()
        });
        let Some(logged) = logged else {
            panic!("{level}: no ERROR event carries {request_id}:\n{log}");
        };
        assert_eq!(logged["fields"]["message"], "internal error", "{logged}");
        // The cause is in the log, and only there.
        assert!(
            logged["fields"]["error"].as_str().is_some_and(
                |cause| cause.contains("NO_SUCH_LEVEL") || cause.contains("new_rural_level")
            ),
            "{logged}"
        );
        assert!(!body.to_string().contains("NO_SUCH_LEVEL"), "{body}");
    }
}

#[tokio::test]
async fn passwords_and_tokens_never_reach_the_log_at_any_level() {
    let (mut server, _) = binary_logging_at("trace").await;
    let email = format!("firm-{}@example.vn", uuid::Uuid::new_v4().simple());
    // ASCII, so that no escaping in any log line could hide them.
    let password = format!("Password-{}", uuid::Uuid::new_v4().simple());
    let new_password = format!("Password-{}", uuid::Uuid::new_v4().simple());

    let registered = server
        .graphql(
            None,
            "mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { token enterprise { id } userErrors { message } } }",
            json!({ "input": {
                "taxCode": tax_code(), "name": "Công ty TNHH Bí Mật", "contactEmail": "lienhe@bimat.vn",
                "contactPhone": "0912 345 678", "email": email, "password": password, "displayName": "Giám đốc"
            } }),
        )
        .await;
    let registration_token = registered["data"]["registerEnterprise"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{registered}"))
        .to_owned();
    let enterprise_id = registered["data"]["registerEnterprise"]["enterprise"]["id"].clone();

    let login = server
        .graphql(
            None,
            "mutation($input: LoginInput!) { login(input: $input) { token } }",
            json!({ "input": { "email": email, "password": password } }),
        )
        .await;
    let login_token = login["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_owned();

    let changed = server
        .graphql(
            Some(&login_token),
            "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { token userErrors { message } } }",
            json!({ "input": { "currentPassword": password, "newPassword": new_password } }),
        )
        .await;
    let token = changed["data"]["changePassword"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{changed}"))
        .to_owned();

    let viewer = server
        .graphql(Some(&token), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(
        viewer["data"]["viewer"]["email"],
        email.as_str(),
        "{viewer}"
    );
    let updated = server
        .graphql(
            Some(&token),
            "mutation($input: UpdateEnterpriseInput!) { updateEnterprise(input: $input) { enterprise { name } userErrors { message } } }",
            json!({ "input": { "enterpriseId": enterprise_id, "name": "Công ty TNHH Công Khai" } }),
        )
        .await;
    assert_eq!(
        updated["data"]["updateEnterprise"]["enterprise"]["name"], "Công ty TNHH Công Khai",
        "{updated}"
    );
    // A revoked token too: rejected, and not logged either.
    let rejected = server
        .graphql(Some(&login_token), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(
        crate::helpers::error_code(&rejected),
        "UNAUTHENTICATED",
        "{rejected}"
    );

    let (_, log) = server.stop().await;
    // The capture is real: TRACE and DEBUG events of these very requests are there.
    let events = events(&log);
    assert!(
        events.iter().any(|e| e["level"] == "TRACE")
            && events.iter().any(|e| e["level"] == "DEBUG"),
        "{log}"
    );
    for (what, secret) in [
        ("the password", password.as_str()),
        ("the new password", new_password.as_str()),
        ("the registration token", registration_token.as_str()),
        ("the sign-in token", login_token.as_str()),
        ("the token after the change", token.as_str()),
    ] {
        assert!(!log.contains(secret), "{what} is in the log");
        // Nor any part that identifies it: a token's signature.
        if let Some(signature) = secret.rsplit('.').next().filter(|s| s.len() > 20) {
            assert!(!log.contains(signature), "{what}'s signature is in the log");
        }
    }
}

/// The client address in a request's log lines is the one the server decides: a
/// forwarded-address header counts only from a trusted proxy.
#[tokio::test]
async fn the_log_names_the_client_only_a_trusted_proxy_may_forward() {
    for (trusted, expected) in [("", "127.0.0.1"), ("127.0.0.1", "203.0.113.9")] {
        let database = fresh_database().await;
        let mut server = spawn_binary(
            &database,
            &[
                // The request's span is at info: below, no event carries it.
                ("RUST_LOG", "info"),
                ("DONGHANH_TRUSTED_PROXIES", trusted),
            ],
        )
        .await;
        corrupt_a_commune(&database).await;
        let body: Value = server
            .client
            .post(server.url("/graphql"))
            .header("x-forwarded-for", "203.0.113.9")
            .header("forwarded", "for=198.51.100.7")
            .json(&json!({ "query": "{ communes(first: 5) { nodes { newRuralLevel } } }" }))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        let request_id = body["errors"][0]["extensions"]["requestId"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned();
        let (_, log) = server.stop().await;
        let logged = events(&log)
            .into_iter()
            .find(|event| event["fields"]["request_id"] == request_id.as_str())
            .unwrap_or_else(|| panic!("no event carries {request_id}:\n{log}"));
        assert_eq!(
            logged["span"]["http.client_ip"], expected,
            "trusted proxies {trusted:?}: {logged}"
        );
        assert_eq!(logged["span"]["request_id"], request_id.as_str());
    }
}
