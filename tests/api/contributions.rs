use serde_json::{Value, json};

use crate::helpers::{Member, TestApp, error_code, spawn_app_with};

const PLEDGE: &str = "mutation($input: PledgeContributionInput!) { pledgeContribution(input: $input) {
  contribution { id status pledgedAmount disbursedAmount outstandingAmount pledgedOn dueOn kind purpose
    contributor { __typename ... on Enterprise { id } ... on Agency { id } } commune { id } }
  userErrors { field message code } } }";
pub const CONFIRM: &str =
    "mutation($id: ID!) { confirmContribution(input: { contributionId: $id }) {
  contribution { id status confirmedAt } userErrors { field message code } } }";
const DISBURSE: &str =
    "mutation($input: RecordDisbursementInput!) { recordDisbursement(input: $input) {
  disbursement { id amount disbursedOn reference contribution { id } }
  contribution { status disbursedAmount outstandingAmount }
  userErrors { field message code } } }";
pub const CANCEL: &str = "mutation($id: ID!, $reason: String!) { cancelContribution(input: { contributionId: $id, reason: $reason }) {
  contribution { status cancellationReason outstandingAmount } userErrors { field message code } } }";

/// A fixed business day: 26 November 2026, Hà Nội time.
const NOW: &str = "2026-11-26T03:00:00Z";

pub struct Ledger {
    pub app: TestApp,
    pub admin: Member,
    pub official: Member,
    pub firm: Member,
    pub other_firm: Member,
    pub commune: String,
}

pub async fn ledger() -> Ledger {
    let app = spawn_app_with(|s| s.now = NOW.parse().ok()).await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let other_firm = app.verified_firm(&official).await;
    let commune = create_commune(&app, &official, "08830", "Xã Đông Sơn", true).await;
    Ledger {
        app,
        admin,
        official,
        firm,
        other_firm,
        commune,
    }
}

pub async fn create_commune(
    app: &TestApp,
    official: &Member,
    code: &str,
    name: &str,
    special: bool,
) -> String {
    let body = app
        .graphql(
            Some(&official.token),
            "mutation($input: CreateCommuneInput!) { createCommune(input: $input) { commune { id } userErrors { message } } }",
            json!({ "input": { "code": code, "name": name, "unitType": "COMMUNE", "special": special, "newRuralLevel": "NOT_YET" } }),
        )
        .await;
    body["data"]["createCommune"]["commune"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

impl Ledger {
    pub async fn pledge(&self, token: &str, input: Value) -> Value {
        let mut full = json!({ "communeId": self.commune, "kind": "CASH", "purpose": "Xây nhà văn hóa thôn", "amount": "1000000" });
        for (key, value) in input.as_object().cloned().unwrap_or_default() {
            full[key] = value;
        }
        self.app
            .graphql(Some(token), PLEDGE, json!({ "input": full }))
            .await
    }

    pub async fn pledged_id(&self, token: &str, input: Value) -> String {
        let body = self.pledge(token, input).await;
        body["data"]["pledgeContribution"]["contribution"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    }

    /// A confirmed contribution pledged on 1 November.
    pub async fn confirmed_id(&self, amount: &str) -> String {
        let id = self
            .pledged_id(
                &self.firm.token,
                json!({ "amount": amount, "pledgedOn": "2026-11-01" }),
            )
            .await;
        let body = self
            .app
            .graphql(Some(&self.official.token), CONFIRM, json!({ "id": id }))
            .await;
        assert_eq!(
            body["data"]["confirmContribution"]["contribution"]["status"],
            json!("CONFIRMED"),
            "{body}"
        );
        id
    }

    pub async fn disburse(&self, token: &str, id: &str, amount: &str, on: &str) -> Value {
        self.app
            .graphql(
                Some(token),
                DISBURSE,
                json!({ "input": { "contributionId": id, "amount": amount, "disbursedOn": on, "reference": "UNC-2026/118" } }),
            )
            .await
    }
}

#[tokio::test]
async fn a_pledge_is_confirmed_and_disbursed_in_parts_to_the_dong() {
    let l = ledger().await;
    let pledged = l
        .pledge(
            &l.firm.token,
            json!({ "amount": "1000000000", "dueOn": "2027-06-30", "pledgedOn": "2026-11-02" }),
        )
        .await;
    let c = &pledged["data"]["pledgeContribution"]["contribution"];
    assert_eq!(c["status"], json!("PLEDGED"), "{pledged}");
    assert_eq!(c["pledgedAmount"], json!("1000000000"));
    assert_eq!(c["disbursedAmount"], json!("0"));
    assert_eq!(c["pledgedOn"], json!("2026-11-02"));
    assert_eq!(c["dueOn"], json!("2027-06-30"));
    assert_eq!(
        c["contributor"],
        json!({ "__typename": "Enterprise", "id": l.firm.enterprise_id })
    );
    let id = c["id"].as_str().expect("id").to_owned();

    let confirmed = l
        .app
        .graphql(Some(&l.official.token), CONFIRM, json!({ "id": id }))
        .await;
    assert_eq!(
        confirmed["data"]["confirmContribution"]["contribution"]["status"],
        json!("CONFIRMED")
    );

    let first = l
        .disburse(&l.official.token, &id, "333333333", "2026-11-20")
        .await;
    assert_eq!(
        first["data"]["recordDisbursement"]["contribution"],
        json!({ "status": "CONFIRMED", "disbursedAmount": "333333333", "outstandingAmount": "666666667" }),
        "{first}"
    );
    let too_much = l
        .disburse(&l.official.token, &id, "666666668", "2026-11-25")
        .await;
    assert_eq!(
        too_much["data"]["recordDisbursement"]["userErrors"][0]["code"],
        json!("LIMIT_EXCEEDED"),
        "{too_much}"
    );
    let rest = l
        .disburse(&l.official.token, &id, "666666667", "2026-11-26")
        .await;
    assert_eq!(
        rest["data"]["recordDisbursement"]["contribution"],
        json!({ "status": "FULFILLED", "disbursedAmount": "1000000000", "outstandingAmount": "0" })
    );
    let after = l.disburse(&l.official.token, &id, "1", "2026-11-26").await;
    assert_eq!(
        after["data"]["recordDisbursement"]["userErrors"][0]["code"],
        json!("INVALID_TRANSITION")
    );

    let node = l
        .app
        .graphql(None, "query($id: ID!) { node(id: $id) { ... on Contribution { disbursements { amount disbursedOn reference } } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        node["data"]["node"]["disbursements"],
        json!([
            { "amount": "333333333", "disbursedOn": "2026-11-20", "reference": "UNC-2026/118" },
            { "amount": "666666667", "disbursedOn": "2026-11-26", "reference": "UNC-2026/118" }
        ])
    );
}

#[tokio::test]
async fn totals_and_summaries_match_to_the_dong_and_exclude_cancelled() {
    let l = ledger().await;
    let second = create_commune(&l.app, &l.official, "08831", "Xã Hòa Bình", false).await;
    let a = l.confirmed_id("700000000").await;
    l.disburse(&l.official.token, &a, "250000000", "2026-11-01")
        .await;
    l.pledged_id(&l.other_firm.token, json!({ "amount": "300000000", "kind": "INFRASTRUCTURE", "communeId": second, "pledgedOn": "2025-03-01" })).await;
    l.pledged_id(&l.official.token, json!({ "amount": 5000000, "kind": "SOCIAL_WELFARE", "contributorId": l.official.agency_id })).await;
    let cancelled = l
        .pledged_id(&l.firm.token, json!({ "amount": "999" }))
        .await;
    let body = l
        .app
        .graphql(
            Some(&l.firm.token),
            CANCEL,
            json!({ "id": cancelled, "reason": "Trùng lặp" }),
        )
        .await;
    assert_eq!(
        body["data"]["cancelContribution"]["contribution"]["outstandingAmount"],
        json!("0"),
        "{body}"
    );

    let overview = l
        .app
        .graphql(None, "{ programmeOverview { specialCommunes contributions { count pledged disbursed outstanding } } }", json!({}))
        .await;
    assert_eq!(
        overview["data"]["programmeOverview"],
        json!({ "specialCommunes": 1, "contributions": { "count": 3, "pledged": "1005000000", "disbursed": "250000000", "outstanding": "755000000" } })
    );

    let communes = l
        .app
        .graphql(None, "{ communes(orderBy: {field: CODE, direction: ASC}) { nodes { code contributionTotals { count pledged disbursed outstanding } } } }", json!({}))
        .await;
    assert_eq!(
        communes["data"]["communes"]["nodes"],
        json!([
            { "code": "08830", "contributionTotals": { "count": 2, "pledged": "705000000", "disbursed": "250000000", "outstanding": "455000000" } },
            { "code": "08831", "contributionTotals": { "count": 1, "pledged": "300000000", "disbursed": "0", "outstanding": "300000000" } }
        ])
    );

    let summary = |group: &str| {
        let query = format!(
            "{{ contributionSummary(groupBy: {group}) {{ key label totals {{ count pledged }} }} }}"
        );
        let app = &l.app;
        async move { app.graphql(None, &query, json!({})).await["data"]["contributionSummary"].clone() }
    };
    assert_eq!(
        summary("KIND").await,
        json!([
            { "key": "CASH", "label": "CASH", "totals": { "count": 1, "pledged": "700000000" } },
            { "key": "INFRASTRUCTURE", "label": "INFRASTRUCTURE", "totals": { "count": 1, "pledged": "300000000" } },
            { "key": "SOCIAL_WELFARE", "label": "SOCIAL_WELFARE", "totals": { "count": 1, "pledged": "5000000" } }
        ])
    );
    assert_eq!(
        summary("YEAR").await,
        json!([
            { "key": "2026", "label": "2026", "totals": { "count": 2, "pledged": "705000000" } },
            { "key": "2025", "label": "2025", "totals": { "count": 1, "pledged": "300000000" } }
        ])
    );
    assert_eq!(
        summary("STATUS").await,
        json!([
            { "key": "CONFIRMED", "label": "CONFIRMED", "totals": { "count": 1, "pledged": "700000000" } },
            { "key": "PLEDGED", "label": "PLEDGED", "totals": { "count": 2, "pledged": "305000000" } }
        ])
    );
    assert_eq!(
        summary("COMMUNE").await,
        json!([
            { "key": l.commune, "label": "Xã Đông Sơn", "totals": { "count": 2, "pledged": "705000000" } },
            { "key": second, "label": "Xã Hòa Bình", "totals": { "count": 1, "pledged": "300000000" } }
        ])
    );
    let contributors = summary("CONTRIBUTOR").await;
    assert_eq!(contributors[0]["key"], json!(l.firm.enterprise_id));
    assert_eq!(contributors[0]["label"], json!("Công ty TNHH Hòa Bình"));
    assert_eq!(
        contributors[2],
        json!({ "key": l.official.agency_id, "label": "Sở Kế hoạch và Đầu tư", "totals": { "count": 1, "pledged": "5000000" } })
    );

    let special = l
        .app
        .graphql(None, "{ contributionSummary(groupBy: KIND, filter: {specialCommunesOnly: true}) { key totals { pledged } } }", json!({}))
        .await;
    assert_eq!(
        special["data"]["contributionSummary"],
        json!([{ "key": "CASH", "totals": { "pledged": "700000000" } }, { "key": "SOCIAL_WELFARE", "totals": { "pledged": "5000000" } }])
    );

    let enterprise = l
        .app
        .graphql(None, "query($id: ID!) { node(id: $id) { ... on Enterprise { contributionTotals { count pledged } contributions { totalCount nodes { status } } } } }", json!({ "id": l.firm.enterprise_id }))
        .await;
    assert_eq!(
        enterprise["data"]["node"],
        json!({ "contributionTotals": { "count": 1, "pledged": "700000000" }, "contributions": { "totalCount": 2, "nodes": [{ "status": "CANCELLED" }, { "status": "CONFIRMED" }] } })
    );
}

#[tokio::test]
async fn amounts_accept_digit_strings_and_integers_only() {
    let l = ledger().await;
    for bad in [
        json!("1e9"),
        json!("12.5"),
        json!("-1"),
        json!(""),
        json!(12.5),
        json!("١٢٣"),
        json!("1000000000000001"),
        json!(-5),
        json!(" 5"),
    ] {
        let body = l.pledge(&l.firm.token, json!({ "amount": bad })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad}: {body}");
    }
    let zero = l.pledge(&l.firm.token, json!({ "amount": "0" })).await;
    assert_eq!(
        zero["data"]["pledgeContribution"]["userErrors"],
        json!([{ "field": ["input", "amount"], "message": "must be more than 0 đồng", "code": "INVALID" }])
    );
    let max = l
        .pledge(&l.firm.token, json!({ "amount": "1000000000000000" }))
        .await;
    assert_eq!(
        max["data"]["pledgeContribution"]["contribution"]["pledgedAmount"],
        json!("1000000000000000")
    );
    assert_eq!(l.app.count_rows("contributions").await, 1);
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_first_contribution_even_when_32_retries_race() {
    let l = ledger().await;
    let input = json!({ "amount": "5000000", "idempotencyKey": "pledge-2026-11-26-001" });
    let attempts = (0..32).map(|_| l.pledge(&l.firm.token, input.clone()));
    let bodies = futures_util::future::join_all(attempts).await;
    let ids: std::collections::HashSet<String> = bodies
        .iter()
        .map(|b| {
            b["data"]["pledgeContribution"]["contribution"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{b}"))
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(l.app.count_rows("contributions").await, 1);
    // Another account's key is its own.
    let other = l.pledge(&l.other_firm.token, input).await;
    assert!(
        !ids.contains(
            other["data"]["pledgeContribution"]["contribution"]["id"]
                .as_str()
                .unwrap_or_default()
        )
    );
    assert_eq!(l.app.count_rows("contributions").await, 2);
}

#[tokio::test]
async fn simultaneous_disbursements_never_exceed_the_pledge() {
    let l = ledger().await;
    let id = l.confirmed_id("1000000").await;
    let attempts = (0..10).map(|i| {
        l.disburse(
            &l.official.token,
            &id,
            "300000",
            if i % 2 == 0 {
                "2026-11-25"
            } else {
                "2026-11-26"
            },
        )
    });
    let bodies = futures_util::future::join_all(attempts).await;
    let ok = bodies
        .iter()
        .filter(|b| b["data"]["recordDisbursement"]["disbursement"]["id"].is_string())
        .count();
    let limited = bodies
        .iter()
        .filter(|b| {
            b["data"]["recordDisbursement"]["userErrors"][0]["code"] == json!("LIMIT_EXCEEDED")
        })
        .count();
    assert_eq!((ok, limited), (3, 7), "{bodies:?}");
    let node = l
        .app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on Contribution { disbursedAmount status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        node["data"]["node"],
        json!({ "disbursedAmount": "900000", "status": "CONFIRMED" })
    );
    assert_eq!(l.app.count_rows("disbursements").await, 3);
}

#[tokio::test]
async fn the_status_rules_hold() {
    let l = ledger().await;
    let pledged = l.pledged_id(&l.firm.token, json!({})).await;
    let early = l
        .disburse(&l.official.token, &pledged, "1", "2026-11-26")
        .await;
    assert_eq!(
        early["data"]["recordDisbursement"]["userErrors"],
        json!([{ "field": ["input", "contributionId"], "code": "INVALID_TRANSITION",
                 "message": "disbursements are recorded on CONFIRMED contributions (the contribution is PLEDGED)" }])
    );
    let confirmed = l.confirmed_id("1000").await;
    let twice = l
        .app
        .graphql(Some(&l.official.token), CONFIRM, json!({ "id": confirmed }))
        .await;
    assert_eq!(
        twice["data"]["confirmContribution"]["userErrors"][0]["code"],
        json!("INVALID_TRANSITION")
    );
    l.disburse(&l.official.token, &confirmed, "1", "2026-11-26")
        .await;
    let cancel = l
        .app
        .graphql(
            Some(&l.official.token),
            CANCEL,
            json!({ "id": confirmed, "reason": "Đổi ý" }),
        )
        .await;
    assert_eq!(
        cancel["data"]["cancelContribution"]["userErrors"][0]["code"],
        json!("INVALID_TRANSITION"),
        "{cancel}"
    );
    // An official may cancel a confirmed pledge with nothing disbursed; the firm may not.
    let untouched = l.confirmed_id("1000").await;
    let by_firm = l
        .app
        .graphql(
            Some(&l.firm.token),
            CANCEL,
            json!({ "id": untouched, "reason": "Đổi ý" }),
        )
        .await;
    assert_eq!(error_code(&by_firm), "FORBIDDEN");
    let by_official = l
        .app
        .graphql(
            Some(&l.official.token),
            CANCEL,
            json!({ "id": untouched, "reason": "Đổi ý" }),
        )
        .await;
    assert_eq!(
        by_official["data"]["cancelContribution"]["contribution"],
        json!({ "status": "CANCELLED", "cancellationReason": "Đổi ý", "outstandingAmount": "0" })
    );
    let again = l
        .app
        .graphql(
            Some(&l.official.token),
            CANCEL,
            json!({ "id": untouched, "reason": "Đổi ý" }),
        )
        .await;
    assert_eq!(
        again["data"]["cancelContribution"]["userErrors"][0]["code"],
        json!("INVALID_TRANSITION")
    );
}

#[tokio::test]
async fn bad_ledger_input_is_a_user_error_and_writes_nothing() {
    let l = ledger().await;
    let wrong_type = l.official.agency_id.clone().unwrap_or_default();
    let unknown_commune = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Commune:9999")
    };
    let before = (
        l.app.count_rows("contributions").await,
        l.app.count_rows("audit_events").await,
    );
    let cases = [
        (json!({ "communeId": wrong_type }), "communeId", "INVALID"),
        (
            json!({ "communeId": unknown_commune }),
            "communeId",
            "NOT_FOUND",
        ),
        (json!({ "communeId": "garbage" }), "communeId", "INVALID"),
        (json!({ "purpose": "  " }), "purpose", "INVALID"),
        (json!({ "purpose": "x".repeat(1001) }), "purpose", "INVALID"),
        (json!({ "purpose": "a\u{0}b" }), "purpose", "INVALID"),
        (json!({ "dueOn": "2026-11-01" }), "dueOn", "INVALID"),
        (json!({ "pledgedOn": "2026-11-27" }), "pledgedOn", "INVALID"),
        (json!({ "idempotencyKey": "" }), "idempotencyKey", "INVALID"),
    ];
    for (input, field, code) in cases {
        let body = l.pledge(&l.firm.token, input.clone()).await;
        let errors = &body["data"]["pledgeContribution"]["userErrors"];
        assert_eq!(
            errors[0]["field"],
            json!(["input", field]),
            "{input}: {body}"
        );
        assert_eq!(errors[0]["code"], json!(code), "{input}: {body}");
    }
    let official_without_contributor = l.pledge(&l.official.token, json!({})).await;
    assert_eq!(
        official_without_contributor["data"]["pledgeContribution"]["userErrors"][0]["field"],
        json!(["input", "contributorId"])
    );
    let commune_as_contributor = l
        .pledge(&l.official.token, json!({ "contributorId": l.commune }))
        .await;
    assert_eq!(
        commune_as_contributor["data"]["pledgeContribution"]["userErrors"][0]["code"],
        json!("INVALID")
    );
    assert_eq!(
        (
            l.app.count_rows("contributions").await,
            l.app.count_rows("audit_events").await
        ),
        before
    );

    let id = l.confirmed_id("1000").await;
    let before = (
        l.app.count_rows("disbursements").await,
        l.app.count_rows("audit_events").await,
    );
    let future = l.disburse(&l.official.token, &id, "10", "2026-11-27").await;
    assert_eq!(
        future["data"]["recordDisbursement"]["userErrors"][0]["field"],
        json!(["input", "disbursedOn"])
    );
    let before_pledge = l.disburse(&l.official.token, &id, "10", "2026-10-31").await;
    assert_eq!(
        before_pledge["data"]["recordDisbursement"]["userErrors"],
        json!([{ "field": ["input", "disbursedOn"], "message": "cannot be before the pledge", "code": "INVALID" }])
    );
    let fine = l.disburse(&l.official.token, &id, "10", "2026-11-01").await;
    assert!(
        fine["data"]["recordDisbursement"]["disbursement"].is_object(),
        "{fine}"
    );
    let zero = l.disburse(&l.official.token, &id, "0", "2026-11-26").await;
    assert_eq!(
        zero["data"]["recordDisbursement"]["userErrors"][0]["field"],
        json!(["input", "amount"])
    );
    let wrong = l
        .disburse(&l.official.token, &l.commune, "10", "2026-11-26")
        .await;
    assert_eq!(
        wrong["data"]["recordDisbursement"]["userErrors"][0]["code"],
        json!("INVALID")
    );
    assert_eq!(
        (
            l.app.count_rows("disbursements").await,
            l.app.count_rows("audit_events").await
        ),
        (before.0 + 1, before.1 + 1)
    );
}

#[tokio::test]
async fn who_may_do_what_on_the_ledger() {
    let l = ledger().await;
    let anonymous = l.pledge("", json!({})).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    // An unverified firm may not pledge; a firm may not pledge as another enterprise.
    let unverified = l.app.firm().await;
    assert_eq!(
        error_code(&l.pledge(&unverified.token, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &l.pledge(
                &l.firm.token,
                json!({ "contributorId": l.other_firm.enterprise_id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let by_admin = l
        .pledge(
            &l.admin.token,
            json!({ "contributorId": l.firm.enterprise_id }),
        )
        .await;
    assert_eq!(
        by_admin["data"]["pledgeContribution"]["contribution"]["status"],
        json!("PLEDGED")
    );

    let id = l.pledged_id(&l.firm.token, json!({})).await;
    for (who, token) in [
        ("anonymous", None),
        ("firm", Some(&l.firm.token)),
        ("other firm", Some(&l.other_firm.token)),
    ] {
        let confirm = l
            .app
            .graphql(token.map(String::as_str), CONFIRM, json!({ "id": id }))
            .await;
        let expected = if token.is_none() {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(error_code(&confirm), expected, "{who}");
        let disburse = l
            .disburse(
                token.map(String::as_str).unwrap_or(""),
                &id,
                "1",
                "2026-11-26",
            )
            .await;
        assert_eq!(error_code(&disburse), expected, "{who}");
    }
    let other_cancel = l
        .app
        .graphql(
            Some(&l.other_firm.token),
            CANCEL,
            json!({ "id": id, "reason": "x" }),
        )
        .await;
    assert_eq!(error_code(&other_cancel), "FORBIDDEN");
    let anonymous_cancel = l
        .app
        .graphql(None, CANCEL, json!({ "id": id, "reason": "x" }))
        .await;
    assert_eq!(error_code(&anonymous_cancel), "UNAUTHENTICATED");
    let own_cancel = l
        .app
        .graphql(
            Some(&l.firm.token),
            CANCEL,
            json!({ "id": id, "reason": "Trùng" }),
        )
        .await;
    assert_eq!(
        own_cancel["data"]["cancelContribution"]["contribution"]["status"],
        json!("CANCELLED")
    );

    let admin_flow = l
        .pledged_id(
            &l.admin.token,
            json!({ "contributorId": l.official.agency_id }),
        )
        .await;
    let confirm = l
        .app
        .graphql(Some(&l.admin.token), CONFIRM, json!({ "id": admin_flow }))
        .await;
    assert_eq!(
        confirm["data"]["confirmContribution"]["contribution"]["status"],
        json!("CONFIRMED")
    );
    let disburse = l
        .disburse(&l.admin.token, &admin_flow, "1000000", "2026-11-26")
        .await;
    assert_eq!(
        disburse["data"]["recordDisbursement"]["contribution"]["status"],
        json!("FULFILLED")
    );

    let audited = l
        .app
        .graphql(Some(&l.official.token), "{ auditEvents(filter: {action: \"recordDisbursement\"}) { totalCount nodes { actorRole } } }", json!({}))
        .await;
    assert_eq!(
        audited["data"]["auditEvents"],
        json!({ "totalCount": 1, "nodes": [{ "actorRole": "ADMIN" }] })
    );
}

#[tokio::test]
async fn aggregates_cost_the_same_statements_whatever_the_rows() {
    let l = ledger().await;
    let mut communes = vec![l.commune.clone()];
    for i in 0..49 {
        communes.push(
            create_commune(
                &l.app,
                &l.official,
                &format!("{:05}", 20_000 + i),
                &format!("Xã {i}"),
                i % 2 == 0,
            )
            .await,
        );
    }
    let summary = "{ contributionSummary(groupBy: CONTRIBUTOR) { key label totals { pledged } } }";
    let page =
        "query($n: Int) { communes(first: $n) { nodes { contributionTotals { count pledged } } } }";
    let measure = |query: &'static str, vars: Value| {
        let app = &l.app;
        async move {
            let before = app.statements();
            let body = app.graphql(None, query, vars).await;
            assert!(body.get("errors").is_none(), "{body}");
            app.statements() - before
        }
    };
    l.pledged_id(&l.firm.token, json!({})).await;
    let summary_small = measure(summary, json!({})).await;
    let page_small = measure(page, json!({ "n": 10 })).await;
    for (i, commune) in communes.iter().enumerate() {
        let token = if i % 2 == 0 {
            &l.firm.token
        } else {
            &l.other_firm.token
        };
        l.pledged_id(
            token,
            json!({ "communeId": commune, "amount": (1000 + i).to_string() }),
        )
        .await;
    }
    // The summary with the contributors' names joined to its groups; the page,
    // then the totals of its communes in one GROUP BY.
    assert_eq!((summary_small, page_small), (1, 2));
    assert_eq!(measure(summary, json!({})).await, 1);
    assert_eq!(measure(page, json!({ "n": 50 })).await, 2);
}
