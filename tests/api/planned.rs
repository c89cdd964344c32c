//! Planned lists (`contributions.nodes`, `communes.nodes`) answer exactly as the
//! resolvers do. One request selects the same fields under `nodes`, which a plan
//! answers, and under `edges { node }`, which the resolvers answer; every item
//! must be equal, key order included. `/metrics` shows which path each list took,
//! so the comparison cannot pass with both lists on the same path. Fields that
//! depend on the viewer are compared for an anonymous viewer, a firm and an
//! official.

use serde_json::{Value, json};

use crate::{helpers::spawn_app, ordering::keys, subscriptions::metric};

/// Each list's page is as large as the query limits allow for all the fields.
const EVERY_FIELD: &str = "
query($statuses: [ContributionStatus!]) {
  contributions(first: 45, filter: { statuses: $statuses }) {
    nodes { ...Contribution }
    edges { node { ...Contribution } }
  }
  communes(first: 20) {
    nodes { ...Commune }
    edges { node { ...Commune } }
  }
}
fragment Contribution on Contribution {
  __typename id kind purpose pledgedAmount disbursedAmount outstandingAmount status
  pledgedOn dueOn confirmedAt cancelledAt cancellationReason createdAt
  commune { __typename id code name unitType district special newRuralLevel newRuralYear updatedAt }
  contributor {
    __typename
    ... on Enterprise { id taxCode name sector address contactEmail contactPhone verified createdAt }
    ... on Agency { id code name kind }
    ... on Node { nodeId: id }
  }
}
fragment Commune on Commune {
  kind: __typename id code name unitType district special newRuralLevel newRuralYear updatedAt
  contributionTotals { count pledged disbursed outstanding }
}";

const PLANNED: &str = "donghanh_graphql_planned_lists_total{path=\"plan\"}";
const RESOLVED: &str = "donghanh_graphql_planned_lists_total{path=\"resolvers\"}";

/// The items of `connection`'s `nodes` and of its `edges`' `node`, checked equal.
fn same_items(connection: &Value) -> &[Value] {
    let nodes = connection["nodes"].as_array().expect("nodes");
    let edges = connection["edges"].as_array().expect("edges");
    assert_eq!(nodes.len(), edges.len());
    for (node, edge) in nodes.iter().zip(edges) {
        assert_eq!(node, &edge["node"]);
        assert_eq!(keys(node), keys(&edge["node"]));
    }
    nodes
}

async fn token(app: &crate::helpers::TestApp, email: &str) -> String {
    let login = app.login(email, donghanh::demo::DEMO_PASSWORD).await;
    login["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{login}"))
        .to_owned()
}

#[tokio::test]
async fn planned_lists_answer_field_for_field_as_the_resolvers_do() {
    let app = spawn_app().await;
    donghanh::demo::load(&app.state).await.expect("demo loads");
    let firm = token(&app, donghanh::demo::FIRM_EMAIL).await;
    let official = token(&app, donghanh::demo::OFFICIAL_EMAIL).await;
    // The demo cancels nothing: one pledge is cancelled here.
    let pledged = app
        .graphql(
            None,
            "{ contributions(first: 1, filter: { statuses: [PLEDGED] }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let cancel = app
        .graphql(
            Some(&official),
            "mutation($id: ID!) { cancelContribution(input: { contributionId: $id, reason: \"Đổi kế hoạch\" }) { userErrors { code } } }",
            json!({ "id": pledged["data"]["contributions"]["nodes"][0]["id"] }),
        )
        .await;
    assert_eq!(
        cancel["data"]["cancelContribution"]["userErrors"],
        json!([]),
        "{cancel}"
    );
    let mut contacts_seen = Vec::new();
    for viewer in [None, Some(firm.as_str()), Some(official.as_str())] {
        let mut contributions = Vec::new();
        for status in ["PLEDGED", "CONFIRMED", "FULFILLED", "CANCELLED"] {
            let (planned, resolved) = (metric(&app, PLANNED).await, metric(&app, RESOLVED).await);
            let body = app
                .graphql(viewer, EVERY_FIELD, json!({ "statuses": [status] }))
                .await;
            assert!(body.get("errors").is_none(), "{body}");
            assert_eq!(metric(&app, PLANNED).await - planned, 2.0);
            assert_eq!(metric(&app, RESOLVED).await - resolved, 0.0);
            contributions.extend_from_slice(check_every_field(&body["data"]));
        }
        check_every_kind(&contributions);
        contacts_seen.push(
            contributions
                .iter()
                .filter(|c| c["contributor"]["contactEmail"].is_string())
                .count(),
        );
    }
    // Nobody's contacts for the anonymous viewer, the firm's own for the firm,
    // every enterprise's for the official.
    assert_eq!(contacts_seen[0], 0);
    assert!(contacts_seen[0] < contacts_seen[1], "{contacts_seen:?}");
    assert!(contacts_seen[1] < contacts_seen[2], "{contacts_seen:?}");
}

/// The answer to [`EVERY_FIELD`], both paths equal: its contributions.
fn check_every_field(data: &Value) -> &[Value] {
    let contributions = same_items(&data["contributions"]);
    let Some(first) = contributions.first() else {
        return contributions;
    };
    assert_eq!(
        keys(first),
        [
            "__typename",
            "id",
            "kind",
            "purpose",
            "pledgedAmount",
            "disbursedAmount",
            "outstandingAmount",
            "status",
            "pledgedOn",
            "dueOn",
            "confirmedAt",
            "cancelledAt",
            "cancellationReason",
            "createdAt",
            "commune",
            "contributor"
        ]
    );
    assert_eq!(first["__typename"], "Contribution");
    let communes = same_items(&data["communes"]);
    assert_eq!(communes.len(), 20);
    assert_eq!(communes[0]["kind"], "Commune");
    assert!(
        communes
            .iter()
            .any(|c| c["contributionTotals"]["count"].as_i64() > Some(0))
    );
    contributions
}

/// The demo's ledger has every kind of row the fields can show.
fn check_every_kind(contributions: &[Value]) {
    let with = |field: &str| contributions.iter().filter(|c| !c[field].is_null()).count();
    assert!(with("confirmedAt") > 0 && with("cancellationReason") > 0 && with("dueOn") > 0);
    let by = |kind: &str| {
        contributions
            .iter()
            .filter(|c| c["contributor"]["__typename"] == kind)
            .map(|c| &c["contributor"])
            .collect::<Vec<_>>()
    };
    let (enterprises, agencies) = (by("Enterprise"), by("Agency"));
    assert_eq!(enterprises.len() + agencies.len(), contributions.len());
    assert!(!enterprises.is_empty() && !agencies.is_empty());
    assert_eq!(
        keys(enterprises[0]),
        [
            "__typename",
            "id",
            "taxCode",
            "name",
            "sector",
            "address",
            "contactEmail",
            "contactPhone",
            "verified",
            "createdAt",
            "nodeId"
        ]
    );
    assert_eq!(
        keys(agencies[0]),
        ["__typename", "id", "code", "name", "kind", "nodeId"]
    );
    assert_eq!(agencies[0]["id"], agencies[0]["nodeId"]);
}

#[tokio::test]
async fn a_selection_beyond_the_plan_takes_the_resolvers() {
    let app = spawn_app().await;
    donghanh::demo::load(&app.state).await.expect("demo loads");
    // Each selects something a plan leaves to the resolvers: a field with
    // arguments, a relation of a relation, a key selected twice, a field that
    // loads, a relation the plan does not load.
    let queries = [
        "{ communes(first: 5) { nodes { name contributions(first: 1) { totalCount } } } }",
        "{ contributions(first: 5) { nodes { commune { contributionTotals { count } } } } }",
        "{ contributions(first: 5) { nodes { commune { name } commune { code } } } }",
        "{ contributions(first: 5) { nodes { contributor { ... on Agency { responseStats { assigned } } } } } }",
        "{ contributions(first: 5) { nodes { disbursements { amount } } } }",
    ];
    for query in queries {
        let (planned, resolved) = (metric(&app, PLANNED).await, metric(&app, RESOLVED).await);
        let body = app.graphql(None, query, json!({})).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
        assert_eq!(metric(&app, PLANNED).await - planned, 0.0, "{query}");
        assert_eq!(metric(&app, RESOLVED).await - resolved, 1.0, "{query}");
    }
    // The key selected twice still merges, in its first place.
    let body = app
        .graphql(
            None,
            "{ contributions(first: 1) { nodes { commune { name } id commune { code } } } }",
            json!({}),
        )
        .await;
    let node = &body["data"]["contributions"]["nodes"][0];
    assert_eq!(keys(node), ["commune", "id"]);
    assert_eq!(keys(&node["commune"]), ["name", "code"]);
}

#[tokio::test]
async fn skipped_and_included_fields_are_planned_as_the_variables_say() {
    let app = spawn_app().await;
    donghanh::demo::load(&app.state).await.expect("demo loads");
    let query = "query($yes: Boolean!, $no: Boolean!) { contributions(first: 3) {
        nodes { id status @include(if: $yes) purpose @skip(if: $yes) ... @include(if: $no) { kind }
                commune @include(if: $yes) { name } }
        edges { node { id status @include(if: $yes) purpose @skip(if: $yes) ... @include(if: $no) { kind }
                commune @include(if: $yes) { name } } } } }";
    let planned = metric(&app, PLANNED).await;
    let body = app
        .graphql(None, query, json!({ "yes": true, "no": false }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(metric(&app, PLANNED).await - planned, 1.0);
    let nodes = same_items(&body["data"]["contributions"]);
    assert_eq!(nodes.len(), 3);
    assert_eq!(keys(&nodes[0]), ["id", "status", "commune"]);
}
