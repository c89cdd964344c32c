//! Issue 3, the programme registry: communes, agencies, enterprises, twinnings.
//! Shared arrangement for the registry's tests: the mutation documents, inputs
//! with sensible defaults that a test overrides field by field, and readers for
//! the audit trail and the row counts that show a refused mutation wrote nothing.

mod auth;
mod constraints;
mod input;
mod mutations;
mod privacy;
mod queries;
mod search;
mod statements;

use serde_json::{Map, Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app_with, tax_code};

pub const CREATE_COMMUNE: &str = "mutation($input: CreateCommuneInput!) { createCommune(input: $input) { commune { id code name unitType district special newRuralLevel newRuralYear } userErrors { field message code } } }";
pub const UPDATE_COMMUNE: &str = "mutation($input: UpdateCommuneInput!) { updateCommune(input: $input) { commune { id code name unitType district special newRuralLevel newRuralYear } userErrors { field message code } } }";
pub const CREATE_AGENCY: &str = "mutation($input: CreateAgencyInput!) { createAgency(input: $input) { agency { id code name kind } userErrors { field message code } } }";
pub const REGISTER: &str = "mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { enterprise { id taxCode name sector address contactEmail contactPhone verified } token userErrors { field message code } } }";
pub const VERIFY: &str = "mutation($input: VerifyEnterpriseInput!) { verifyEnterprise(input: $input) { enterprise { id verified } userErrors { field message code } } }";
pub const UPDATE_ENTERPRISE: &str = "mutation($input: UpdateEnterpriseInput!) { updateEnterprise(input: $input) { enterprise { id taxCode name sector address contactEmail contactPhone verified } userErrors { field message code } } }";
pub const CREATE_TWINNING: &str = "mutation($input: CreateTwinningInput!) { createTwinning(input: $input) { twinning { id kind startedOn endedOn active commune { id } partner { __typename ... on Enterprise { id } ... on Agency { id } } } userErrors { field message code } } }";
pub const END_TWINNING: &str = "mutation($input: EndTwinningInput!) { endTwinning(input: $input) { twinning { id kind startedOn endedOn active } userErrors { field message code } } }";

/// The business day the registry's tests run on (the clock is fixed to it).
pub const TODAY: &str = "2026-06-15";

/// A server whose business clock reads 15 June 2026, 12:00 in Hà Nội.
pub async fn spawn_registry_app() -> TestApp {
    spawn_app_with(|settings| {
        settings.now = "2026-06-15T05:00:00Z".parse().ok();
    })
    .await
}

/// `base` with the fields of `overrides` replaced (a JSON null replaces too; the
/// sentinel string `"<absent>"` removes the field).
pub fn with(base: Value, overrides: Value) -> Value {
    let mut map: Map<String, Value> = base.as_object().cloned().unwrap_or_default();
    for (key, value) in overrides.as_object().cloned().unwrap_or_default() {
        if value == json!("<absent>") {
            map.remove(&key);
        } else {
            map.insert(key, value);
        }
    }
    Value::Object(map)
}

/// A string at `pointer` (`/data/createCommune/commune/id`), or a panic showing the body.
pub fn string_at(body: &Value, pointer: &str) -> String {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer}: {body}"))
        .to_owned()
}

pub fn commune_input(code: &str, name: &str) -> Value {
    json!({
        "code": code, "name": name, "unitType": "COMMUNE", "district": null,
        "special": true, "newRuralLevel": "STANDARD", "newRuralYear": 2022
    })
}

/// `createCommune` with the default input and `overrides`; the whole response.
pub async fn create_commune(
    app: &TestApp,
    token: &str,
    code: &str,
    name: &str,
    overrides: Value,
) -> Value {
    app.graphql(
        Some(token),
        CREATE_COMMUNE,
        json!({ "input": with(commune_input(code, name), overrides) }),
    )
    .await
}

/// A special commune at STANDARD (2022); its ID.
pub async fn commune(app: &TestApp, token: &str, code: &str, name: &str) -> String {
    let body = create_commune(app, token, code, name, json!({})).await;
    string_at(&body, "/data/createCommune/commune/id")
}

/// `createAgency`; the whole response.
pub async fn create_agency(
    app: &TestApp,
    token: &str,
    code: &str,
    name: &str,
    kind: &str,
) -> Value {
    app.graphql(
        Some(token),
        CREATE_AGENCY,
        json!({ "input": { "code": code, "name": name, "kind": kind } }),
    )
    .await
}

/// A registration with a fresh tax code and e-mail.
pub fn enterprise_input(name: &str) -> Value {
    json!({
        "taxCode": tax_code(), "name": name, "sector": "Nông nghiệp",
        "address": "12 Trần Hưng Đạo, Ninh Bình", "contactEmail": "lienhe@example.vn",
        "contactPhone": "0912 345 678",
        "email": format!("firm-{}@example.vn", uuid::Uuid::new_v4().simple()),
        "password": PASSWORD, "displayName": "Giám đốc"
    })
}

/// `registerEnterprise` with the default input and `overrides`; the whole response.
pub async fn register(app: &TestApp, token: Option<&str>, name: &str, overrides: Value) -> Value {
    app.graphql(
        token,
        REGISTER,
        json!({ "input": with(enterprise_input(name), overrides) }),
    )
    .await
}

/// A newly registered (unverified) enterprise's ID.
pub async fn enterprise(app: &TestApp, name: &str, overrides: Value) -> String {
    let body = register(app, None, name, overrides).await;
    string_at(&body, "/data/registerEnterprise/enterprise/id")
}

/// `createTwinning`; the whole response.
pub async fn twin(
    app: &TestApp,
    token: &str,
    commune: &str,
    partner: &str,
    started_on: &str,
) -> Value {
    app.graphql(
        Some(token),
        CREATE_TWINNING,
        json!({ "input": { "communeId": commune, "partnerId": partner, "startedOn": started_on } }),
    )
    .await
}

/// A twinning's ID.
pub async fn twinning(
    app: &TestApp,
    token: &str,
    commune: &str,
    partner: &str,
    started_on: &str,
) -> String {
    let body = twin(app, token, commune, partner, started_on).await;
    string_at(&body, "/data/createTwinning/twinning/id")
}

/// `endTwinning`; the whole response.
pub async fn end_twinning(app: &TestApp, token: &str, twinning: &str, ended_on: &str) -> Value {
    app.graphql(
        Some(token),
        END_TWINNING,
        json!({ "input": { "twinningId": twinning, "endedOn": ended_on } }),
    )
    .await
}

/// The audit events of `action`, newest first, as an official sees them.
pub async fn audit_events(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let body = app
        .graphql(
            Some(token),
            "query($action: String) { auditEvents(first: 100, filter: { action: $action }) { totalCount nodes { action actorRole subjectId actor { id } } } }",
            json!({ "action": action }),
        )
        .await;
    let events = body["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    assert_eq!(
        body["data"]["auditEvents"]["totalCount"],
        json!(events.len()),
        "{body}"
    );
    events
}

/// The tables a registry mutation may write, in this order.
pub const TABLES: [&str; 6] = [
    "communes",
    "agencies",
    "enterprises",
    "twinnings",
    "accounts",
    "audit_events",
];

/// Rows in each of [`TABLES`].
pub async fn row_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push((table, app.count_rows(table).await));
    }
    counts
}

/// The `id`s of a connection's nodes.
pub fn node_ids(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {connection}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The `name`s of a connection's nodes.
pub fn names(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {connection}"))
        .iter()
        .map(|n| n["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}
