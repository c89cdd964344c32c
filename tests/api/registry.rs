use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const CREATE_COMMUNE: &str = "mutation($input: CreateCommuneInput!) { createCommune(input: $input) { commune { id code name } userErrors { field message code } } }";
const CREATE_TWINNING: &str = "mutation($input: CreateTwinningInput!) { createTwinning(input: $input) { twinning { id kind active partner { __typename } } userErrors { field message code } } }";

async fn commune(app: &TestApp, token: &str, code: &str, name: &str) -> String {
    let body = app
        .graphql(
            Some(token),
            CREATE_COMMUNE,
            json!({ "input": { "code": code, "name": name, "unitType": "COMMUNE", "special": true, "newRuralLevel": "STANDARD", "newRuralYear": 2022 } }),
        )
        .await;
    body["data"]["createCommune"]["commune"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn twin(app: &TestApp, token: &str, commune: &str, partner: &str) -> Value {
    app.graphql(
        Some(token),
        CREATE_TWINNING,
        json!({ "input": { "communeId": commune, "partnerId": partner, "startedOn": "2024-01-15" } }),
    )
    .await
}

#[tokio::test]
async fn twinnings_follow_their_partner_and_one_pair_is_active_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let commune_id = commune(&app, &official.token, "08830", "Xã Đông Sơn").await;

    let twinned = twin(
        &app,
        &official.token,
        &commune_id,
        firm.enterprise_id.as_deref().unwrap_or_default(),
    )
    .await;
    assert_eq!(
        twinned["data"]["createTwinning"]["twinning"]["kind"],
        json!("TWINNED"),
        "{twinned}"
    );
    assert_eq!(
        twinned["data"]["createTwinning"]["twinning"]["partner"]["__typename"],
        json!("Enterprise")
    );
    let in_charge = twin(
        &app,
        &official.token,
        &commune_id,
        official.agency_id.as_deref().unwrap_or_default(),
    )
    .await;
    assert_eq!(
        in_charge["data"]["createTwinning"]["twinning"]["kind"],
        json!("IN_CHARGE")
    );

    let again = twin(
        &app,
        &official.token,
        &commune_id,
        firm.enterprise_id.as_deref().unwrap_or_default(),
    )
    .await;
    assert_eq!(
        again["data"]["createTwinning"],
        json!({ "twinning": null, "userErrors": [{
            "field": ["input", "partnerId"], "code": "TAKEN",
            "message": "this partner already has an active twinning with this commune"
        }] })
    );
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
        let body = twin(&app, &official.token, &id, partner.unwrap_or_default()).await;
        assert!(
            body["data"]["createTwinning"]["twinning"]["id"].is_string(),
            "{body}"
        );
    }
    let query = "query($n: Int) { communes(first: $n) { nodes { name twinnings { partner { ... on Enterprise { name } ... on Agency { name } } } } } }";
    let mut counts = Vec::new();
    for n in [10, 100] {
        let before = app.statements();
        let body = app.graphql(None, query, json!({ "n": n })).await;
        counts.push(app.statements() - before);
        let nodes = body["data"]["communes"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(nodes.len(), n);
        assert!(
            nodes[0]["twinnings"][0]["partner"]["name"].is_string(),
            "{body}"
        );
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 10 and 100 communes: {counts:?}"
    );
}
