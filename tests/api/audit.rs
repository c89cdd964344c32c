use serde_json::{Value, json};

use crate::helpers::{PASSWORD, error_code, spawn_app};

const EVENTS: &str =
    "query($first: Int, $after: String, $last: Int, $before: String, $filter: AuditEventFilter) {
  auditEvents(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id action actorRole subjectId summary actor { id } } }
  }
}";

#[tokio::test]
async fn mutations_are_audited_without_secrets() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;

    let body = app
        .graphql(
            Some(&admin.token),
            EVENTS,
            json!({ "filter": { "action": "createAccount" } }),
        )
        .await;
    let events = &body["data"]["auditEvents"];
    assert_eq!(events["totalCount"], json!(1), "{body}");
    let event = &events["edges"][0]["node"];
    assert_eq!(event["actorRole"], json!("ADMIN"));
    assert_eq!(event["actor"]["id"], json!(admin.id));
    assert_eq!(event["subjectId"], json!(official.id));
    let summary: Value =
        serde_json::from_str(event["summary"].as_str().expect("text")).expect("json");
    assert_eq!(summary["password"], json!("[redacted]"));
    assert_eq!(summary["email"], json!(official.email));
    assert!(
        !event["summary"]
            .as_str()
            .unwrap_or_default()
            .contains(PASSWORD)
    );

    let logins = app
        .graphql(
            Some(&official.token),
            EVENTS,
            json!({ "filter": { "action": "login", "actorId": official.id } }),
        )
        .await;
    assert_eq!(
        logins["data"]["auditEvents"]["totalCount"],
        json!(1),
        "{logins}"
    );

    // A failed mutation records nothing.
    let before = app.count_rows("audit_events").await;
    app.login(&official.email, "wrong-password-x").await;
    assert_eq!(app.count_rows("audit_events").await, before);
}

#[tokio::test]
async fn audit_events_are_for_officials_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let firm = app.firm().await;
    let official = app.official(&admin).await;
    assert_eq!(
        error_code(&app.graphql(None, EVENTS, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&app.graphql(Some(&firm.token), EVENTS, json!({})).await),
        "FORBIDDEN"
    );
    let seen = app.graphql(Some(&official.token), EVENTS, json!({})).await;
    assert!(
        seen["data"]["auditEvents"]["totalCount"]
            .as_i64()
            .is_some_and(|n| n >= 5),
        "{seen}"
    );

    // Nor can a firm reach one through `node`.
    let id = seen["data"]["auditEvents"]["edges"][0]["node"]["id"].clone();
    let node = app
        .graphql(
            Some(&firm.token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["data"], json!({ "node": null }));
}

#[tokio::test]
async fn keyset_pages_walk_forwards_and_backwards() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for _ in 0..4 {
        app.login(&admin.email, PASSWORD).await;
    }
    // Six events: createAdmin, then five logins (helper + four).
    let all = app
        .graphql(Some(&admin.token), EVENTS, json!({ "first": 100 }))
        .await;
    let ids: Vec<Value> = all["data"]["auditEvents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert_eq!(ids.len(), 6);
    assert_eq!(
        all["data"]["auditEvents"]["edges"][5]["node"]["action"],
        json!("createAdmin")
    );

    let page1 = app
        .graphql(Some(&admin.token), EVENTS, json!({ "first": 4 }))
        .await;
    let page1 = &page1["data"]["auditEvents"];
    assert_eq!(page1["totalCount"], json!(6));
    assert_eq!(page1["pageInfo"]["hasNextPage"], json!(true));
    assert_eq!(page1["pageInfo"]["hasPreviousPage"], json!(false));
    let page2 = app
        .graphql(
            Some(&admin.token),
            EVENTS,
            json!({ "first": 4, "after": page1["pageInfo"]["endCursor"] }),
        )
        .await;
    let page2 = &page2["data"]["auditEvents"];
    let page2_ids: Vec<Value> = page2["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert_eq!(page2_ids, ids[4..].to_vec());
    assert_eq!(page2["pageInfo"]["hasNextPage"], json!(false));
    assert_eq!(page2["pageInfo"]["hasPreviousPage"], json!(true));

    let back = app
        .graphql(
            Some(&admin.token),
            EVENTS,
            json!({ "last": 2, "before": page2["pageInfo"]["startCursor"] }),
        )
        .await;
    let back_ids: Vec<Value> = back["data"]["auditEvents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert_eq!(back_ids, ids[2..4].to_vec());
    assert_eq!(
        back["data"]["auditEvents"]["pageInfo"]["hasPreviousPage"],
        json!(true)
    );
}

#[tokio::test]
async fn page_sizes_and_cursors_are_checked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for args in [
        json!({ "first": 1000 }),
        json!({ "first": -1 }),
        json!({ "last": 101 }),
        json!({ "after": "bogus" }),
    ] {
        let body = app.graphql(Some(&admin.token), EVENTS, args.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{args}: {body}");
    }
    let empty = app
        .graphql(Some(&admin.token), EVENTS, json!({ "first": 0 }))
        .await;
    assert_eq!(empty["data"]["auditEvents"]["edges"], json!([]));
    let wrong_type = app
        .graphql(
            Some(&admin.token),
            EVENTS,
            json!({ "filter": { "actorId": "QXVkaXRFdmVudDox" } }),
        )
        .await;
    assert_eq!(error_code(&wrong_type), "BAD_USER_INPUT", "{wrong_type}");
}

#[tokio::test]
async fn internal_errors_are_masked_with_a_request_id() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    // Break the database under the running server.
    app.execute_sql("DROP TABLE audit_events").await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .json(&json!({ "query": "{ auditEvents { totalCount } }" }))
        .send()
        .await
        .expect("sent");
    let header = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("a request id header")
        .to_owned();
    let body: Value = response.json().await.expect("json");
    let error = &body["errors"][0];
    assert_eq!(error["message"], json!("internal error"), "{body}");
    assert_eq!(error["extensions"]["code"], json!("INTERNAL"));
    assert_eq!(error["extensions"]["requestId"], json!(header));
    let text = body.to_string().to_lowercase();
    assert!(
        !text.contains("audit_events") && !text.contains("table"),
        "{body}"
    );
}
