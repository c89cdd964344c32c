//! No N+1: a request's SQL statements do not grow with the items it returns.

use serde_json::json;

use super::{commune, enterprise, twin, twinning};
use crate::helpers::{TestApp, spawn_app};

/// Statements the server runs for `query` with `$n` items, for each of `sizes`;
/// also checks each answer holds `$n` nodes at `list`.
async fn statements_for(app: &TestApp, query: &str, list: &str, sizes: &[usize]) -> Vec<u64> {
    let mut counts = Vec::new();
    for &n in sizes {
        let before = app.statements();
        let body = app.graphql(None, query, json!({ "n": n })).await;
        counts.push(app.statements() - before);
        let nodes = body["data"][list]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(nodes.len(), n, "{body}");
    }
    counts
}

#[tokio::test]
async fn nested_relations_cost_the_same_statements_for_10_and_100_communes() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    for i in 0..100 {
        let id = commune(
            &app,
            &official.token,
            &format!("{:05}", 10_000 + i),
            &format!("Xã Thử {i}"),
        )
        .await;
        let partner = if i % 2 == 0 {
            firm.enterprise_id.as_deref()
        } else {
            official.agency_id.as_deref()
        };
        let body = twin(
            &app,
            &official.token,
            &id,
            partner.unwrap_or_default(),
            "2024-01-15",
        )
        .await;
        assert!(
            body["data"]["createTwinning"]["twinning"]["id"].is_string(),
            "{body}"
        );
    }
    let query = "query($n: Int) { communes(first: $n) { nodes { name twinnings { partner { ... on Enterprise { name } ... on Agency { name } } } } } }";
    let counts = statements_for(&app, query, "communes", &[10, 100]).await;
    // The page, then one batch each: twinnings, their enterprises, their agencies.
    assert_eq!(counts, [4, 4], "statements for 10 and 100 communes");
}

#[tokio::test]
async fn enterprises_twinnings_and_their_communes_cost_the_same_for_10_and_50() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for i in 0..50 {
        let enterprise_id = enterprise(&app, &format!("Công ty Thử {i:02}"), json!({})).await;
        // Two twinnings each, with two communes, so every level has several rows.
        for j in 0..2 {
            let commune_id = commune(
                &app,
                &admin.token,
                &format!("E{i:02}{j}"),
                &format!("Xã Thử {i:02}-{j}"),
            )
            .await;
            twinning(
                &app,
                &admin.token,
                &commune_id,
                &enterprise_id,
                "2024-01-01",
            )
            .await;
        }
    }
    let query = "query($n: Int) { enterprises(first: $n) { nodes { name twinnings { commune { name } } } } }";
    let counts = statements_for(&app, query, "enterprises", &[10, 50, 10]).await;
    // The page, the twinnings of its enterprises, the communes of those.
    assert_eq!(
        counts,
        [3, 3, 3],
        "statements for 10, 50 and 10 enterprises"
    );

    // And every enterprise got its own twinnings' communes.
    let body = app.graphql(None, query, json!({ "n": 50 })).await;
    for (i, node) in body["data"]["enterprises"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .enumerate()
    {
        assert_eq!(
            node["twinnings"][1]["commune"]["name"],
            json!(format!("Xã Thử {i:02}-1")),
            "{node}"
        );
    }
}

#[tokio::test]
async fn nodes_of_every_registry_type_cost_the_same_for_10_and_50_ids() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let agency = app.agency(&admin, "Sở Tài chính").await;
    let mut twinnings = Vec::new();
    let mut communes = Vec::new();
    for i in 0..50 {
        let commune_id = commune(
            &app,
            &admin.token,
            &format!("T{i:02}"),
            &format!("Xã Thử {i:02}"),
        )
        .await;
        twinnings.push(twinning(&app, &admin.token, &commune_id, &agency, "2024-01-01").await);
        communes.push(commune_id);
    }
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Twinning { kind } ... on Commune { name } } }";
    let mut counts = Vec::new();
    for ids in [
        &twinnings[..10],
        &twinnings[..],
        &communes[..10],
        &communes[..],
    ] {
        let before = app.statements();
        let body = app.graphql(None, query, json!({ "ids": ids })).await;
        counts.push(app.statements() - before);
        let got: Vec<serde_json::Value> = body["data"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["id"].clone())
            .collect();
        assert_eq!(got, ids.iter().map(|id| json!(id)).collect::<Vec<_>>());
    }
    // One batch of twinnings by id, or of communes by id.
    assert_eq!(counts, [1, 1, 1, 1], "twinnings and communes by 10 and 50");
}
