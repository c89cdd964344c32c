//! Private fields: an enterprise's contact details are for its own accounts,
//! officials and admins; an account's e-mail for itself, officials and admins.
//! The rule holds in lists, nested fields, `node` and `nodes` alike.

use serde_json::{Value, json};

use super::{commune, string_at, twinning};
use crate::helpers::{PASSWORD, spawn_app};

const CONTACT: &str = "contactEmail contactPhone";

#[tokio::test]
async fn enterprise_contact_details_are_private_wherever_the_enterprise_is_reached() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let other_firm = app.firm().await;
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();
    let other_enterprise = other_firm.enterprise_id.clone().unwrap_or_default();
    // A second account of the same enterprise, made by an admin.
    let colleague_email = "ketoan@hoabinh.vn";
    let created = app
        .graphql(
            Some(&admin.token),
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { userErrors { message } } }",
            json!({ "input": { "email": colleague_email, "password": PASSWORD, "displayName": "Kế toán", "role": "FIRM", "enterpriseId": enterprise_id } }),
        )
        .await;
    assert_eq!(
        created["data"]["createAccount"]["userErrors"],
        json!([]),
        "{created}"
    );
    let colleague = string_at(
        &app.login(colleague_email, PASSWORD).await,
        "/data/login/token",
    );

    let commune_id = commune(&app, &official.token, "14470", "Xã Đông Sơn").await;
    let twinning_id = twinning(
        &app,
        &official.token,
        &commune_id,
        &enterprise_id,
        "2024-01-01",
    )
    .await;
    let tax_code = string_at(
        &app.graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on Enterprise { taxCode } } }",
            json!({ "id": enterprise_id }),
        )
        .await,
        "/data/node/taxCode",
    );

    // Every path to the enterprise, and where in the response it lands.
    let paths: Vec<(&str, String, Value, &str)> = vec![
        (
            "list",
            format!(
                "query($s: String) {{ enterprises(filter: {{ search: $s }}) {{ nodes {{ {CONTACT} }} edges {{ node {{ {CONTACT} }} }} }} }}"
            ),
            json!({ "s": tax_code }),
            "/data/enterprises/nodes/0",
        ),
        (
            "list edge",
            format!(
                "query($s: String) {{ enterprises(filter: {{ search: $s }}) {{ edges {{ node {{ {CONTACT} }} }} }} }}"
            ),
            json!({ "s": tax_code }),
            "/data/enterprises/edges/0/node",
        ),
        (
            "node",
            format!("query($id: ID!) {{ node(id: $id) {{ ... on Enterprise {{ {CONTACT} }} }} }}"),
            json!({ "id": enterprise_id }),
            "/data/node",
        ),
        (
            "nodes",
            format!(
                "query($id: ID!) {{ nodes(ids: [$id]) {{ ... on Enterprise {{ {CONTACT} }} }} }}"
            ),
            json!({ "id": enterprise_id }),
            "/data/nodes/0",
        ),
        (
            "commune's twinning partner",
            format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on Commune {{ twinnings {{ partner {{ ... on Enterprise {{ {CONTACT} }} }} }} }} }} }}"
            ),
            json!({ "id": commune_id }),
            "/data/node/twinnings/0/partner",
        ),
        (
            "twinning partner",
            format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on Twinning {{ partner {{ ... on Enterprise {{ {CONTACT} }} }} }} }} }}"
            ),
            json!({ "id": twinning_id }),
            "/data/node/partner",
        ),
        (
            "round trip through its own twinning",
            format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on Enterprise {{ twinnings {{ commune {{ twinnings {{ partner {{ ... on Enterprise {{ {CONTACT} }} }} }} }} }} }} }} }}"
            ),
            json!({ "id": enterprise_id }),
            "/data/node/twinnings/0/commune/twinnings/0/partner",
        ),
        (
            "list of communes",
            format!(
                "{{ communes {{ nodes {{ twinnings {{ partner {{ ... on Enterprise {{ {CONTACT} }} }} }} }} }} }}"
            ),
            json!({}),
            "/data/communes/nodes/0/twinnings/0/partner",
        ),
    ];
    let hidden = json!({ "contactEmail": null, "contactPhone": null });
    let shown = json!({ "contactEmail": "lienhe@hoabinh.vn", "contactPhone": "0912 345 678" });
    let viewers: [(&str, Option<&str>, &Value); 6] = [
        ("anonymous", None, &hidden),
        ("another firm", Some(&other_firm.token), &hidden),
        ("the firm", Some(&firm.token), &shown),
        ("a colleague at the firm", Some(&colleague), &shown),
        ("an official", Some(&official.token), &shown),
        ("an admin", Some(&admin.token), &shown),
    ];
    for (who, token, expected) in viewers {
        for (path, query, variables, pointer) in &paths {
            let body = app.graphql(token, query, variables.clone()).await;
            assert_eq!(body.get("errors"), None, "{who}, {path}: {body}");
            assert_eq!(
                body.pointer(pointer),
                Some(expected),
                "{who}, {path}: {body}"
            );
        }
    }

    // The other firm sees its own details, not the first firm's, in one list.
    let both = app
        .graphql(
            Some(&other_firm.token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Enterprise { contactEmail } } }",
            json!({ "ids": [enterprise_id, other_enterprise] }),
        )
        .await;
    assert_eq!(
        both["data"]["nodes"],
        json!([
            { "id": enterprise_id, "contactEmail": null },
            { "id": other_enterprise, "contactEmail": "lienhe@hoabinh.vn" }
        ])
    );

    // Through the firm's account: the viewer itself, and `node` for officials.
    let me = app
        .graphql(
            Some(&firm.token),
            "{ viewer { enterprise { contactEmail contactPhone } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["viewer"]["enterprise"], shown);
    for token in [&official.token, &admin.token] {
        let body = app
            .graphql(
                Some(token),
                "query($id: ID!) { node(id: $id) { ... on Account { enterprise { contactEmail contactPhone } } } }",
                json!({ "id": firm.id }),
            )
            .await;
        assert_eq!(body["data"]["node"]["enterprise"], shown, "{body}");
    }
}

#[tokio::test]
async fn account_emails_are_for_the_account_itself_officials_and_admins() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let other_firm = app.firm().await;
    let colleague_email = "ketoan@hoabinh.vn";
    app.graphql(
        Some(&admin.token),
        "mutation($input: CreateAccountInput!) { createAccount(input: $input) { userErrors { message } } }",
        json!({ "input": { "email": colleague_email, "password": PASSWORD, "displayName": "Kế toán", "role": "FIRM", "enterpriseId": firm.enterprise_id } }),
    )
    .await;
    let colleague = string_at(
        &app.login(colleague_email, PASSWORD).await,
        "/data/login/token",
    );

    let query = "query($id: ID!) { node(id: $id) { ... on Account { id email role } } nodes(ids: [$id]) { ... on Account { email } } }";
    let account = |member: &crate::helpers::Member, role: &str| json!({ "id": member.id, "email": member.email, "role": role });
    // (viewer, its token, the accounts it may see, the ones it may not)
    let cases = [
        (
            "anonymous",
            None,
            vec![],
            vec![&admin, &official, &firm, &other_firm],
        ),
        (
            "the firm",
            Some(&firm.token),
            vec![(&firm, "FIRM")],
            vec![&admin, &official, &other_firm],
        ),
        (
            "a colleague",
            Some(&colleague),
            vec![],
            vec![&admin, &official, &firm, &other_firm],
        ),
        (
            "another firm",
            Some(&other_firm.token),
            vec![(&other_firm, "FIRM")],
            vec![&admin, &official, &firm],
        ),
        (
            "an official",
            Some(&official.token),
            vec![
                (&admin, "ADMIN"),
                (&official, "OFFICIAL"),
                (&firm, "FIRM"),
                (&other_firm, "FIRM"),
            ],
            vec![],
        ),
        (
            "an admin",
            Some(&admin.token),
            vec![
                (&admin, "ADMIN"),
                (&official, "OFFICIAL"),
                (&firm, "FIRM"),
                (&other_firm, "FIRM"),
            ],
            vec![],
        ),
    ];
    for (who, token, visible, invisible) in cases {
        for (member, role) in visible {
            let body = app
                .graphql(token.map(String::as_str), query, json!({ "id": member.id }))
                .await;
            assert_eq!(body["data"]["node"], account(member, role), "{who}: {body}");
            assert_eq!(
                body["data"]["nodes"],
                json!([{ "email": member.email }]),
                "{who}: {body}"
            );
        }
        for member in invisible {
            let body = app
                .graphql(token.map(String::as_str), query, json!({ "id": member.id }))
                .await;
            assert_eq!(
                body["data"],
                json!({ "node": null, "nodes": [null] }),
                "{who}: {body}"
            );
        }
    }

    // Every signed-in account sees its own e-mail as `viewer`.
    for (member, token) in [
        (&admin.email, &admin.token),
        (&official.email, &official.token),
        (&firm.email, &firm.token),
        (&colleague_email.to_owned(), &colleague),
    ] {
        let me = app
            .graphql(Some(token), "{ viewer { email } }", json!({}))
            .await;
        assert_eq!(me["data"]["viewer"]["email"], json!(member));
    }

    // Officials meet accounts as audit actors, e-mails included.
    let events = app
        .graphql(
            Some(&official.token),
            "{ auditEvents(first: 100, filter: { action: \"registerEnterprise\" }) { nodes { actor { email } } } }",
            json!({}),
        )
        .await;
    let emails: Vec<Value> = events["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{events}"))
        .iter()
        .map(|n| n["actor"]["email"].clone())
        .collect();
    assert_eq!(emails, vec![json!(other_firm.email), json!(firm.email)]);
}
