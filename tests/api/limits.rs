use serde_json::{Value, json};

use crate::helpers::spawn_app;

/// graphql-js 16 `getIntrospectionQuery()` with its default options.
pub const INTROSPECTION: &str = include_str!("introspection.graphql");

#[tokio::test]
async fn the_standard_introspection_query_passes() {
    let app = spawn_app().await;
    let body = app.graphql(None, INTROSPECTION, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"],
        json!("Query")
    );
}

#[tokio::test]
async fn limits_are_refused_before_any_resolver_with_one_error() {
    let app = spawn_app().await;
    let shallow = "{ viewer { __typename } }";
    let deep_introspection = "{ __schema { types { fields { type { fields { name } } } } } }";
    let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
    let fields: String = (0..201).map(|_| "__typename ").collect();
    let mut nested = String::from("__typename");
    for _ in 0..16 {
        nested = format!("ofType {{ {nested} }}");
    }
    let too_deep = format!("{{ __type(name: \"Query\") {{ {nested} }} }}");
    for query in [
        deep_introspection.to_owned(),
        format!("{{ {aliases} }}"),
        format!("{{ {fields} }}"),
        too_deep,
    ] {
        let response = app
            .post_raw(
                &[
                    ("content-type", "application/json"),
                    ("accept", "application/graphql-response+json"),
                ],
                json!({ "query": query }).to_string(),
            )
            .await;
        assert_eq!(response.status().as_u16(), 400, "{query}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            json!("QUERY_TOO_COMPLEX"),
            "{body}"
        );
        assert!(body.get("data").is_none());
    }
    let fine = app.graphql(None, shallow, json!({})).await;
    assert!(fine.get("errors").is_none(), "{fine}");
}
