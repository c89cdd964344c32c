//! Nesting thousands of levels deep, through every way in: refused with a 4xx (an
//! `error` message on the socket) before anything recursive reads it, and the
//! server stays up. Before the fix each of these overflowed a worker's stack and
//! aborted the whole process, this test binary included.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    helpers::{TestApp, spawn_app},
    ws::{connect, init, next_message},
};

const LEVELS: usize = 3000;

fn deep_documents() -> Vec<(&'static str, String)> {
    let list = format!("{}1{}", "[".repeat(LEVELS), "]".repeat(LEVELS));
    let object = format!("{}1{}", "{a:".repeat(LEVELS), "}".repeat(LEVELS));
    vec![
        (
            "a list argument",
            format!("{{ communes(first: {list}) {{ totalCount }} }}"),
        ),
        (
            "an object argument",
            format!("{{ communes(filter: {object}) {{ totalCount }} }}"),
        ),
        (
            "a variable default",
            format!("query($v: Int = {list}) {{ communes(first: $v) {{ totalCount }} }}"),
        ),
        (
            "a list type",
            format!(
                "query($v: {}Int{}) {{ __typename }}",
                "[".repeat(LEVELS),
                "]".repeat(LEVELS)
            ),
        ),
        (
            "selection sets",
            format!(
                "{}__typename{}",
                "{ viewer ".repeat(LEVELS),
                "}".repeat(LEVELS)
            ),
        ),
        (
            "a directive argument",
            format!("{{ __typename @include(if: {list}) }}"),
        ),
        (
            "an unclosed list",
            format!("{{ communes(first: {}", "[".repeat(LEVELS)),
        ),
    ]
}

/// The code of an operation the socket refused: an `error` message carries the
/// errors as its payload.
fn refusal_code(message: &Value) -> Option<&str> {
    if message["type"] != json!("error") {
        return None;
    }
    message["payload"][0]["extensions"]["code"].as_str()
}

async fn still_serves(app: &TestApp) {
    let body = app.graphql(None, "{ __typename }", json!({})).await;
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
}

#[tokio::test]
async fn deep_documents_over_post_are_refused_with_400() {
    let app = spawn_app().await;
    for (what, query) in deep_documents() {
        for accept in ["application/graphql-response+json", "application/json"] {
            let response = app
                .post_raw(
                    &[("content-type", "application/json"), ("accept", accept)],
                    json!({ "query": query }).to_string(),
                )
                .await;
            assert_eq!(response.status().as_u16(), 400, "{what}, {accept}");
            let body: Value = response.json().await.expect("json");
            assert_eq!(
                body["errors"][0]["extensions"]["code"],
                json!("QUERY_TOO_COMPLEX"),
                "{what}: {body}"
            );
            assert!(body.get("data").is_none(), "{what}: {body}");
        }
    }
    still_serves(&app).await;
}

#[tokio::test]
async fn deep_documents_over_get_are_refused_with_400() {
    let app = spawn_app().await;
    for (what, query) in deep_documents() {
        let response = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", query.as_str())])
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 400, "{what}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            json!("QUERY_TOO_COMPLEX"),
            "{what}: {body}"
        );
    }
    still_serves(&app).await;
}

#[tokio::test]
async fn deep_variables_are_refused_with_400() {
    let app = spawn_app().await;
    let query = "query($v: [Int]) { __typename }";
    // Within what the JSON reader accepts, beyond the depth limit.
    let mut within = json!(1);
    for _ in 0..100 {
        within = json!([within]);
    }
    let over_json = format!("{}1{}", "[".repeat(LEVELS), "]".repeat(LEVELS));
    let bodies = [
        json!({ "query": query, "variables": { "v": within } }).to_string(),
        format!(r#"{{"query": "{query}", "variables": {{"v": {over_json}}}}}"#),
    ];
    for body in bodies {
        let response = app
            .post_raw(
                &[
                    ("content-type", "application/json"),
                    ("accept", "application/graphql-response+json"),
                ],
                body.clone(),
            )
            .await;
        assert_eq!(response.status().as_u16(), 400, "{}", &body[..60]);
        let answer: Value = response.json().await.expect("json");
        assert!(
            answer["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("nested")),
            "{answer}"
        );
    }
    // The same over GET.
    let variables = json!({ "v": within }).to_string();
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", query), ("variables", variables.as_str())])
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 400);
    still_serves(&app).await;
}

#[tokio::test]
async fn deep_documents_over_the_socket_get_an_error_message() {
    let app = spawn_app().await;
    let mut socket = connect(&app).await;
    init(&mut socket, None).await;
    let mut within = json!(1);
    for _ in 0..100 {
        within = json!([within]);
    }
    let mut payloads: Vec<Value> = deep_documents()
        .into_iter()
        .map(|(_, query)| json!({ "query": query }))
        .collect();
    payloads
        .push(json!({ "query": "query($v: [Int]) { __typename }", "variables": { "v": within } }));
    for (n, payload) in payloads.into_iter().enumerate() {
        let id = n.to_string();
        let message = json!({ "id": id, "type": "subscribe", "payload": payload });
        socket
            .send(Message::text(message.to_string()))
            .await
            .expect("sent");
        let text = match next_message(&mut socket).await {
            Message::Text(text) => text,
            other => panic!("payload {n}: a text frame, not {other:?}"),
        };
        let answer: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(answer["id"], json!(id));
        assert_eq!(refusal_code(&answer), Some("QUERY_TOO_COMPLEX"), "{answer}");
    }
    // The socket still works, and so does the server.
    let message =
        json!({ "id": "ok", "type": "subscribe", "payload": { "query": "{ __typename }" } });
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
    let Message::Text(text) = next_message(&mut socket).await else {
        panic!("a text frame")
    };
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        answer["payload"]["data"]["__typename"],
        json!("Query"),
        "{answer}"
    );
    still_serves(&app).await;
}
