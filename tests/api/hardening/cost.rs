//! Cost limits cover every way in: `nodes(ids: …)` is charged by its IDs, like a
//! page of that size, and an operation may ask for the whole schema only once.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

async fn first_error(app: &TestApp, query: &str, variables: Value) -> (String, String) {
    let body = app.graphql(None, query, variables).await;
    (
        error_code(&body).to_owned(),
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn nodes_are_charged_by_their_ids() {
    let app = spawn_app().await;
    let ids: Vec<String> = (1..=100)
        .map(|i| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Commune:{i}"))
        })
        .collect();
    // A page of contributions under each of 100 communes: as costly by IDs as by a
    // connection of 100 communes, and refused alike.
    let by_ids = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Commune { contributions(first: 50) { nodes { id purpose } } } } }";
    let by_page =
        "{ communes(first: 100) { nodes { contributions(first: 50) { nodes { id purpose } } } } }";
    let refused = first_error(&app, by_ids, json!({ "ids": ids })).await;
    assert_eq!(refused.0, "QUERY_TOO_COMPLEX", "{refused:?}");
    assert_eq!(
        first_error(&app, by_page, json!({})).await.0,
        "QUERY_TOO_COMPLEX"
    );
    // Ten IDs cost a tenth and pass.
    let fine = app
        .graphql(None, by_ids, json!({ "ids": &ids[..10] }))
        .await;
    assert!(fine.get("errors").is_none(), "{fine}");
    assert_eq!(fine["data"]["nodes"], json!(vec![Value::Null; 10]));
}

#[tokio::test]
async fn the_schema_is_introspected_once_per_operation() {
    let app = spawn_app().await;
    let aliased: String = (0..30)
        .map(|i| format!("s{i}: __schema {{ types {{ name fields {{ name }} }} }} "))
        .collect();
    let (code, message) = first_error(&app, &format!("{{ {aliased} }}"), json!({})).await;
    assert_eq!(code, "QUERY_TOO_COMPLEX");
    assert_eq!(
        message,
        "an operation selects `__schema` 30 times, which exceeds the limit of 1"
    );
    let once = app
        .graphql(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(once.get("errors").is_none(), "{once}");
}
