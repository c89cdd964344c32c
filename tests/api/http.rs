use serde_json::{Value, json};

use crate::helpers::{error_code, spawn_app};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

#[tokio::test]
async fn post_json_answers_in_the_negotiated_media_type() {
    let app = spawn_app().await;
    let body = json!({ "query": "{ viewer { id } }" }).to_string();

    let plain = app
        .post_raw(&[("content-type", "application/json")], body.clone())
        .await;
    assert_eq!(plain.status().as_u16(), 200);
    assert_eq!(
        plain.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        plain.json::<Value>().await.expect("json"),
        json!({ "data": { "viewer": null } })
    );

    let modern = app
        .post_raw(
            &[
                ("content-type", "application/json"),
                ("accept", GRAPHQL_RESPONSE),
            ],
            body.clone(),
        )
        .await;
    assert_eq!(modern.status().as_u16(), 200);
    assert_eq!(
        modern.headers()["content-type"],
        "application/graphql-response+json; charset=utf-8"
    );

    let refused = app
        .post_raw(
            &[("content-type", "application/json"), ("accept", "text/xml")],
            body,
        )
        .await;
    assert_eq!(refused.status().as_u16(), 406);
}

#[tokio::test]
async fn request_errors_are_4xx_without_data_under_graphql_response_json() {
    let app = spawn_app().await;
    for query in ["{ viewer { id }", "{ noSuchField }"] {
        let body = json!({ "query": query }).to_string();
        let modern = app
            .post_raw(
                &[
                    ("content-type", "application/json"),
                    ("accept", GRAPHQL_RESPONSE),
                ],
                body.clone(),
            )
            .await;
        assert_eq!(modern.status().as_u16(), 400, "{query}");
        let parsed: Value = modern.json().await.expect("json");
        assert!(parsed.get("data").is_none(), "{parsed}");
        assert!(parsed["errors"][0]["message"].is_string());

        let legacy = app
            .post_raw(&[("content-type", "application/json")], body)
            .await;
        assert_eq!(legacy.status().as_u16(), 200, "{query}");
        let parsed: Value = legacy.json().await.expect("json");
        assert!(parsed.get("data").is_none(), "{parsed}");
    }
}

#[tokio::test]
async fn batches_forms_plain_text_and_big_bodies_are_refused() {
    let app = spawn_app().await;
    let batch = app
        .post_raw(
            &[("content-type", "application/json")],
            r#"[{"query":"{ viewer { id } }"}]"#,
        )
        .await;
    assert_eq!(batch.status().as_u16(), 400);

    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let response = app
            .post_raw(
                &[("content-type", content_type)],
                r#"{"query":"{ viewer { id } }"}"#,
            )
            .await;
        assert_eq!(response.status().as_u16(), 415, "{content_type}");
    }
    let missing = app.post_raw(&[], r#"{"query":"{ viewer { id } }"}"#).await;
    assert_eq!(missing.status().as_u16(), 415);

    let padding = " ".repeat(1024 * 1024);
    let big = format!(r#"{{"query":"{{ viewer {{ id }} }}{padding}"}}"#);
    let response = app
        .post_raw(&[("content-type", "application/json")], big)
        .await;
    assert_eq!(response.status().as_u16(), 413);

    let not_json = app
        .post_raw(&[("content-type", "application/json")], "{nope")
        .await;
    assert_eq!(not_json.status().as_u16(), 400);
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let app = spawn_app().await;
    let query = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query Q($x: Boolean!) { viewer @include(if: $x) { id } }",
            ),
            ("variables", r#"{"x":true}"#),
            ("operationName", "Q"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(query.status().as_u16(), 200);
    assert_eq!(
        query.json::<Value>().await.expect("json"),
        json!({ "data": { "viewer": null } })
    );

    let mutation = app
        .client
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "mutation { login(input: {email: \"a@b.vn\", password: \"xxxxxxxxxxxx\"}) { token } }",
        )])
        .send()
        .await
        .expect("sent");
    assert_eq!(mutation.status().as_u16(), 405);
    assert_eq!(mutation.headers()["allow"], "POST");
    assert_eq!(app.count_rows("audit_events").await, 0);

    let put = app
        .client
        .put(app.url("/graphql"))
        .send()
        .await
        .expect("sent");
    assert_eq!(put.status().as_u16(), 405);
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary_to_browsers() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("text");
    assert!(html.contains("/graphql/assets/graphiql.min.js"), "{html}");
    assert!(!html.contains("unpkg") && !html.contains("jsdelivr") && !html.contains("https://"));

    let asset = app
        .client
        .get(app.url("/graphql/assets/graphiql.min.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(asset.status().as_u16(), 200);
    assert!(
        asset.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .contains("javascript")
    );

    let missing = app
        .client
        .get(app.url("/graphql/assets/..%2Fsecret"))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn graphiql_can_be_turned_off() {
    let app = crate::helpers::spawn_app_with(|s| s.graphiql = Some(false)).await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("sent");
    assert_ne!(page.headers()["content-type"], "text/html; charset=utf-8");
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let app = crate::helpers::spawn_app_with(|s| s.introspection = false).await;
    let body = app
        .graphql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"], json!({ "__schema": null }), "{body}");
    let on = spawn_app().await;
    let body = on
        .graphql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"],
        json!("Query")
    );
}

#[tokio::test]
async fn responses_keep_the_query_field_order() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .json(&json!({ "query": "{ viewer { role email id displayName createdAt } }" }))
        .send()
        .await
        .expect("sent");
    let text = response.text().await.expect("text");
    let positions: Vec<usize> = [
        "\"role\"",
        "\"email\"",
        "\"id\"",
        "\"displayName\"",
        "\"createdAt\"",
    ]
    .iter()
    .map(|key| text.find(key).expect("key present"))
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert_eq!(error_code(&json!({})), "<none>");
}
