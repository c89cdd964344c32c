//! Totals stay exact whatever the ledger holds: ten thousand pledges of the largest
//! amount sum to 10^19 đồng, beyond a 64-bit integer, and every total (the
//! overview, the summary, each commune's) is still the exact string, for everyone,
//! and one commune's pledges do not break another's totals.

use serde_json::{Value, json};

use crate::{contributions::create_commune, helpers::spawn_app_with, registry::string_at};

const LARGEST: &str = "1000000000000000";
const PLEDGES: usize = 10_000;

#[tokio::test]
async fn totals_beyond_64_bits_stay_exact() {
    let app = spawn_app_with(|s| s.now = "2026-11-26T03:00:00Z".parse().ok()).await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let big = create_commune(&app, &official, "90001", "Xã Lớn", true).await;
    let small = create_commune(&app, &official, "90002", "Xã Nhỏ", true).await;
    let pledge = |commune: String, amount: &'static str| {
        let app = &app;
        let token = firm.token.clone();
        async move {
            let body = app
                .graphql(
                    Some(&token),
                    "mutation($input: PledgeContributionInput!) { pledgeContribution(input: $input) { contribution { id } userErrors { message } } }",
                    json!({ "input": { "communeId": commune, "kind": "CASH", "purpose": "Đường liên thôn", "amount": amount } }),
                )
                .await;
            string_at(&body, "/data/pledgeContribution/contribution/id");
        }
    };
    pledge(big.clone(), LARGEST).await;
    pledge(small.clone(), "1000000").await;
    // Arrangement: the largest pledge, copied until there are ten thousand of them.
    app.execute_sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) \
         INSERT INTO contributions (commune_id, enterprise_id, agency_id, kind, purpose, \
           pledged_amount, disbursed_amount, status, pledged_on, due_on, confirmed_at, \
           cancelled_at, cancellation_reason, idempotency_key, created_by, created_at, updated_at) \
         SELECT c.commune_id, c.enterprise_id, c.agency_id, c.kind, c.purpose, c.pledged_amount, \
           c.disbursed_amount, c.status, c.pledged_on, c.due_on, c.confirmed_at, c.cancelled_at, \
           c.cancellation_reason, NULL, c.created_by, c.created_at, c.updated_at \
         FROM contributions c CROSS JOIN n WHERE c.pledged_amount = {LARGEST}",
        copies = PLEDGES - 1
    ))
    .await;

    let body = app
        .graphql(
            None,
            "{ programmeOverview { contributions { count pledged disbursed outstanding } }
               contributionSummary(groupBy: COMMUNE) { label totals { count pledged } }
               communes(first: 10, orderBy: { field: CODE, direction: ASC }) { nodes { code contributionTotals { count pledged outstanding } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    assert_eq!(
        data["programmeOverview"]["contributions"],
        json!({
            "count": 10_001,
            "pledged": "10000000000001000000",
            "disbursed": "0",
            "outstanding": "10000000000001000000",
        })
    );
    assert_eq!(
        data["contributionSummary"],
        json!([
            { "label": "Xã Lớn", "totals": { "count": 10_000, "pledged": "10000000000000000000" } },
            { "label": "Xã Nhỏ", "totals": { "count": 1, "pledged": "1000000" } },
        ])
    );
    let communes: Vec<Value> = data["communes"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        communes,
        vec![
            json!({ "code": "90001", "contributionTotals": { "count": 10_000, "pledged": "10000000000000000000", "outstanding": "10000000000000000000" } }),
            json!({ "code": "90002", "contributionTotals": { "count": 1, "pledged": "1000000", "outstanding": "1000000" } }),
        ]
    );
}

#[tokio::test]
async fn one_pledge_is_at_most_the_largest_amount() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let commune = create_commune(&app, &official, "90003", "Xã Thử", true).await;
    let before = app.count_rows("contributions").await;
    for amount in [
        json!("1000000000000001"),
        json!("99999999999999999999"),
        json!(-1),
    ] {
        let body = app
            .graphql(
                Some(&firm.token),
                "mutation($input: PledgeContributionInput!) { pledgeContribution(input: $input) { contribution { id } userErrors { message } } }",
                json!({ "input": { "communeId": commune, "kind": "CASH", "purpose": "x", "amount": amount } }),
            )
            .await;
        assert_eq!(
            crate::helpers::error_code(&body),
            "BAD_USER_INPUT",
            "{amount}: {body}"
        );
    }
    assert_eq!(app.count_rows("contributions").await, before);
}
