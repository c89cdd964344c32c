//! Response keys come in the order of the selection set (the GraphQL
//! specification's ordered serialisation), with fragments expanded where they are
//! spread and a field selected twice merged at its first place, whatever order
//! the resolvers finish in: the fields selected first here wait for DataLoaders,
//! the ones after them resolve at once.

use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, spawn_app},
    ws::{connect, init, next_json, subscribe},
};

const QUERY: &str = "query Ordered {
  contributions(first: 55) { ...Page totalCount }
}
fragment Page on ContributionConnection {
  nodes { commune { name code } ...Who id status pledgedAmount commune { id } }
  pageInfo { hasNextPage endCursor }
}
fragment Who on Contribution {
  contributor { ... on Enterprise { name taxCode id } ... on Agency { name id } }
}";

async fn demo_app() -> (TestApp, String) {
    let app = spawn_app().await;
    donghanh::demo::load(&app.state).await.expect("demo loads");
    let login = app
        .login(
            donghanh::demo::OFFICIAL_EMAIL,
            donghanh::demo::DEMO_PASSWORD,
        )
        .await;
    let token = login["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_owned();
    (app, token)
}

/// The keys of the object `value`, in order.
pub(crate) fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// Checks every level of the answer to [`QUERY`].
fn assert_in_selection_order(data: &Value) {
    assert_eq!(keys(data), ["contributions"]);
    let connection = &data["contributions"];
    assert_eq!(keys(connection), ["nodes", "pageInfo", "totalCount"]);
    assert_eq!(keys(&connection["pageInfo"]), ["hasNextPage", "endCursor"]);
    let nodes = connection["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 55);
    let (mut enterprises, mut agencies) = (0, 0);
    for node in nodes {
        assert_eq!(
            keys(node),
            ["commune", "contributor", "id", "status", "pledgedAmount"]
        );
        assert_eq!(keys(&node["commune"]), ["name", "code", "id"]);
        let contributor = &node["contributor"];
        if contributor.get("taxCode").is_some() {
            enterprises += 1;
            assert_eq!(keys(contributor), ["name", "taxCode", "id"]);
        } else {
            agencies += 1;
            assert_eq!(keys(contributor), ["name", "id"]);
        }
    }
    assert_eq!(enterprises + agencies, 55);
    assert!(enterprises > 0 && agencies > 0, "{enterprises} {agencies}");
}

#[tokio::test]
async fn keys_follow_the_selection_over_http_and_the_socket() {
    let (app, token) = demo_app().await;

    let body = app.graphql(Some(&token), QUERY, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(keys(&body), ["data"]);
    assert_in_selection_order(&body["data"]);

    let mut socket = connect(&app).await;
    init(
        &mut socket,
        Some(json!({ "Authorization": format!("Bearer {token}") })),
    )
    .await;
    subscribe(&mut socket, "1", QUERY, json!({})).await;
    let next = next_json(&mut socket).await;
    assert_eq!(next["type"], "next", "{next}");
    assert_in_selection_order(&next["payload"]["data"]);
    assert_eq!(
        next_json(&mut socket).await,
        json!({ "id": "1", "type": "complete" })
    );
}
