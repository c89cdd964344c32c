//! Every hostile value is a clean error. One table walks every mutation's string,
//! ID, date and time inputs, every list filter's, every list's cursors and `node`
//! with values an attacker sends: NUL and other control characters, invisible and
//! direction-changing characters, over-long text, dates beyond year 9999 or with
//! odd offsets, malformed IDs and forged cursors. The inputs come from the schema
//! itself (introspection), so a field added later is walked too. Each answer must
//! be a refusal with a code (a `userError` or a coded top-level error), never
//! INTERNAL, and must write nothing (no audit event). Finally each mutation's base
//! input is run once and must succeed, so every refusal above is the hostile
//! value's doing.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::helpers::{Member, PASSWORD, TestApp, spawn_app_with, spawn_on, tax_code};

const NOW: &str = "2026-11-26T03:00:00Z";

/// The value a test puts where an input is required but not under test.
fn id_of(body: &Value, pointer: &str) -> String {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no ID at {pointer}: {body}"))
        .to_owned()
}

async fn run(app: &TestApp, token: Option<&str>, document: &str, variables: Value) -> Value {
    app.graphql(token, document, variables).await
}

/// A mutation that must succeed; returns its whole answer.
async fn must(app: &TestApp, token: &str, name: &str, input: Value, select: &str) -> Value {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let document = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {select} userErrors {{ field message }} }} }}"
    );
    let body = run(app, Some(token), &document, json!({ "input": input })).await;
    assert_eq!(
        body["data"][name]["userErrors"],
        json!([]),
        "{name}: {body}"
    );
    body
}

/// The shape of an input field, from introspection.
#[derive(Debug, Clone)]
struct InputField {
    name: String,
    /// The named type under any list and non-null wrappers.
    named: String,
    list: bool,
}

fn unwrap_type(ty: &Value) -> (String, bool) {
    let mut list = false;
    let mut ty = ty;
    loop {
        match ty["kind"].as_str() {
            Some("LIST") => list = true,
            Some("NON_NULL") => {}
            _ => return (ty["name"].as_str().unwrap_or_default().to_owned(), list),
        }
        ty = &ty["ofType"];
    }
}

const TYPE_REF: &str = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";

async fn input_fields(app: &TestApp, type_name: &str) -> Vec<InputField> {
    let body = run(
        app,
        None,
        &format!("query($n: String!) {{ __type(name: $n) {{ inputFields {{ name type {{ {TYPE_REF} }} }} }} }}"),
        json!({ "n": type_name }),
    )
    .await;
    body["data"]["__type"]["inputFields"]
        .as_array()
        .unwrap_or_else(|| panic!("{type_name}: {body}"))
        .iter()
        .map(|field| {
            let (named, list) = unwrap_type(&field["type"]);
            InputField {
                name: field["name"].as_str().unwrap_or_default().to_owned(),
                named,
                list,
            }
        })
        .collect()
}

fn encoded(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// What an attacker puts in an input of `field`'s type.
fn hostile_values(field: &InputField, wrong_kind_id: &str) -> Vec<Value> {
    let strings: Vec<String> = match field.named.as_str() {
        "String" if field.name.to_lowercase().contains("password") => {
            vec!["mật-khẩu-\u{0}-đủ-dài-42".into()]
        }
        "String" if field.name.to_lowercase().contains("email") => {
            vec!["a\u{0}@example.vn".into(), "a\u{200B}@example.vn".into()]
        }
        "String" => vec![
            "\u{0}".into(),
            "a\u{0}b".into(),
            "x\u{1}y".into(),
            "\u{200B}".into(),
            "\u{FEFF}Tên".into(),
            "Tên\u{202E}gpj.exe".into(),
            "a\u{2028}b".into(),
            "ư".repeat(20_001),
        ],
        "ID" => vec![
            String::new(),
            "\u{0}".into(),
            "không phải ID".into(),
            encoded("Commune:1\u{0}"),
            encoded("Commune:0"),
            encoded("Commune:-1"),
            encoded("Nope:1"),
            encoded("Account:99999999999999999999"),
            wrong_kind_id.to_owned(),
        ],
        "Date" => vec![
            "10000-01-01".into(),
            "0000-01-01".into(),
            "2026-02-30".into(),
            "2026-1-01".into(),
            "+2026-11-26".into(),
            "2026-11-26\u{0}".into(),
        ],
        "DateTime" => vec![
            "9999-12-31T23:00:00-05:00".into(),
            "+10000-01-01T00:00:00Z".into(),
            "0000-01-01T00:00:00Z".into(),
            "2026-11-26T08:30:00+24:00".into(),
            "2026-13-01T00:00:00Z".into(),
            "2026-11-26T08:30:00Z\u{0}".into(),
        ],
        _ => Vec::new(),
    };
    strings
        .into_iter()
        .map(|text| {
            if field.list {
                json!([text])
            } else {
                json!(text)
            }
        })
        .collect()
}

/// The code of a refusal: a coded top-level error, or the first user error's code.
fn refusal(body: &Value, name: &str) -> Option<String> {
    if let Some(error) = body["errors"].as_array().and_then(|errors| errors.first()) {
        return error["extensions"]["code"].as_str().map(str::to_owned);
    }
    body["data"][name]["userErrors"][0]["code"]
        .as_str()
        .map(str::to_owned)
}

struct World {
    app: TestApp,
    admin: Member,
    official: Member,
    firm: Member,
    /// A verified firm whose password the test changes.
    spare_firm: Member,
    agency: String,
    commune: String,
    twinning: String,
    pledged: String,
    to_cancel: String,
    confirmed: String,
    dialogue: String,
    to_cancel_dialogue: String,
    to_close: String,
    item: String,
    to_reject: String,
    answered: String,
    audit_event: String,
    /// One of the firm's notifications.
    notification: String,
    unverified_enterprise: String,
    unverified_account: String,
}

async fn world() -> World {
    let app = spawn_app_with(|s| s.now = NOW.parse().ok()).await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let spare_firm = app.verified_firm(&official).await;
    let unverified = app.firm().await;
    let agency = official.agency_id.clone().expect("an agency");
    let token = official.token.as_str();
    let commune_input = |code: &str| json!({ "code": code, "name": "Xã Đông Sơn", "unitType": "COMMUNE", "special": true, "newRuralLevel": "NOT_YET" });
    let commune = id_of(
        &must(
            &app,
            token,
            "createCommune",
            commune_input("70001"),
            "commune { id }",
        )
        .await,
        "/data/createCommune/commune/id",
    );
    let twinning = id_of(
        &must(
            &app,
            token,
            "createTwinning",
            json!({ "communeId": commune, "partnerId": agency, "startedOn": "2025-01-01" }),
            "twinning { id }",
        )
        .await,
        "/data/createTwinning/twinning/id",
    );
    let pledge = || {
        let body = json!({ "communeId": commune, "kind": "CASH", "purpose": "Đường liên thôn", "amount": "5000000" });
        let token = firm.token.clone();
        let app = &app;
        async move {
            id_of(
                &must(
                    app,
                    &token,
                    "pledgeContribution",
                    body,
                    "contribution { id }",
                )
                .await,
                "/data/pledgeContribution/contribution/id",
            )
        }
    };
    let pledged = pledge().await;
    let to_cancel = pledge().await;
    let confirmed = pledge().await;
    must(
        &app,
        token,
        "confirmContribution",
        json!({ "contributionId": confirmed }),
        "contribution { id }",
    )
    .await;
    let schedule = |title: &'static str, starts: &'static str, ends: &'static str| {
        let app = &app;
        async move {
            id_of(
                &must(
                    app,
                    token,
                    "scheduleDialogue",
                    json!({ "title": title, "format": "BUSINESS_DIALOGUE", "level": "PROVINCE",
                        "startsAt": starts, "endsAt": ends, "venue": title, "chair": "Chủ tịch UBND tỉnh", "capacity": 50 }),
                    "dialogue { id }",
                )
                .await,
                "/data/scheduleDialogue/dialogue/id",
            )
        }
    };
    let dialogue = schedule("Hội nghị A", "2026-12-10T01:00:00Z", "2026-12-10T04:00:00Z").await;
    let to_cancel_dialogue =
        schedule("Hội nghị B", "2026-12-11T01:00:00Z", "2026-12-11T04:00:00Z").await;
    let to_close = schedule("Hội nghị C", "2026-11-27T01:00:00Z", "2026-11-27T04:00:00Z").await;
    let submit = || {
        let app = &app;
        let firm_token = firm.token.clone();
        async move {
            id_of(
                &must(
                    app,
                    &firm_token,
                    "submitAgendaItem",
                    json!({ "title": "Chậm cấp phép", "body": "Hồ sơ nộp đã ba tháng.", "category": "LAND" }),
                    "agendaItem { id }",
                )
                .await,
                "/data/submitAgendaItem/agendaItem/id",
            )
        }
    };
    let item = submit().await;
    let to_reject = submit().await;
    let answered = submit().await;
    must(
        &app,
        token,
        "assignAgendaItem",
        json!({ "agendaItemId": answered, "agencyId": agency }),
        "agendaItem { id }",
    )
    .await;
    must(
        &app,
        token,
        "answerAgendaItem",
        json!({ "agendaItemId": answered, "body": "Đã giải quyết." }),
        "agendaItem { id }",
    )
    .await;
    let events = run(
        &app,
        Some(&admin.token),
        "{ auditEvents(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await;
    let audit_event = id_of(&events, "/data/auditEvents/nodes/0/id");
    let notifications = run(
        &app,
        Some(&firm.token),
        "{ viewer { notifications(first: 1) { nodes { id } } } }",
        json!({}),
    )
    .await;
    let notification = id_of(&notifications, "/data/viewer/notifications/nodes/0/id");
    // No e-mail goes out here; its delivery is made a failed one, so that the admins'
    // list of failed deliveries has a row (and a cursor) too.
    let key = donghanh::graphql::ids::decode(&notification).map_or(0, |(_, key)| key);
    app.execute_sql(&format!(
        "UPDATE notifications SET email_to = '{}', email_status = 'FAILED', attempts = 8 WHERE id = {key}",
        firm.email
    ))
    .await;
    World {
        app,
        admin,
        official,
        firm,
        spare_firm,
        agency,
        commune,
        twinning,
        pledged,
        to_cancel,
        confirmed,
        dialogue,
        to_cancel_dialogue,
        to_close,
        item,
        to_reject,
        answered,
        audit_event,
        notification,
        unverified_account: unverified.id.clone(),
        unverified_enterprise: unverified.enterprise_id.expect("an enterprise"),
    }
}

/// Each mutation with the token it runs as and a base input that succeeds, in an
/// order in which each succeeds after the ones before it.
fn mutations(w: &World) -> Vec<(&'static str, Option<String>, Value)> {
    let official = Some(w.official.token.clone());
    let firm = Some(w.firm.token.clone());
    let admin = Some(w.admin.token.clone());
    vec![
        (
            "login",
            None,
            json!({ "email": w.admin.email, "password": PASSWORD }),
        ),
        (
            "changePassword",
            Some(w.spare_firm.token.clone()),
            json!({ "currentPassword": PASSWORD, "newPassword": "một-mật-khẩu-mới-dài-99" }),
        ),
        (
            "setAccountDisabled",
            admin.clone(),
            json!({ "accountId": w.unverified_account, "disabled": true }),
        ),
        (
            "createAccount",
            admin.clone(),
            json!({ "email": "moi@example.vn", "password": PASSWORD,
            "displayName": "Cán bộ mới", "role": "OFFICIAL", "agencyId": w.agency }),
        ),
        (
            "registerEnterprise",
            None,
            json!({ "taxCode": tax_code(), "name": "Công ty Mới",
            "sector": "Nông nghiệp", "address": "Số 1", "contactEmail": "lh@moi.vn",
            "contactPhone": "0912 345 678", "email": "dn-moi@example.vn", "password": PASSWORD,
            "displayName": "Giám đốc" }),
        ),
        (
            "verifyEnterprise",
            official.clone(),
            json!({ "enterpriseId": w.unverified_enterprise }),
        ),
        (
            "updateEnterprise",
            firm.clone(),
            json!({ "enterpriseId": w.firm.enterprise_id,
            "name": "Công ty Đổi Tên", "sector": "Xây dựng", "address": "Số 2",
            "contactEmail": "moi@congty.vn", "contactPhone": "0912 000 111" }),
        ),
        (
            "createAgency",
            admin.clone(),
            json!({ "code": "SXD", "name": "Sở Xây dựng", "kind": "DEPARTMENT" }),
        ),
        (
            "createCommune",
            official.clone(),
            json!({ "code": "70002", "name": "Xã Tây Sơn",
            "unitType": "COMMUNE", "district": "Huyện A", "special": false, "newRuralLevel": "NOT_YET" }),
        ),
        (
            "updateCommune",
            official.clone(),
            json!({ "communeId": w.commune, "name": "Xã Đông Sơn Mới",
            "district": "Huyện B" }),
        ),
        (
            "createTwinning",
            official.clone(),
            json!({ "communeId": w.commune,
            "partnerId": w.firm.enterprise_id, "startedOn": "2025-06-01" }),
        ),
        (
            "endTwinning",
            official.clone(),
            json!({ "twinningId": w.twinning, "endedOn": "2026-06-01" }),
        ),
        (
            "pledgeContribution",
            firm.clone(),
            json!({ "communeId": w.commune, "kind": "CASH",
            "purpose": "Trường học", "amount": "1000000", "pledgedOn": "2026-11-20",
            "dueOn": "2027-01-01", "idempotencyKey": "khoa-1" }),
        ),
        (
            "confirmContribution",
            official.clone(),
            json!({ "contributionId": w.pledged }),
        ),
        (
            "recordDisbursement",
            official.clone(),
            json!({ "contributionId": w.confirmed,
            "amount": "1000000", "disbursedOn": "2026-11-26", "reference": "PT-001" }),
        ),
        (
            "cancelContribution",
            firm.clone(),
            json!({ "contributionId": w.to_cancel, "reason": "Đổi kế hoạch" }),
        ),
        (
            "scheduleDialogue",
            official.clone(),
            json!({ "title": "Hội nghị D", "format": "BUSINESS_DIALOGUE",
            "level": "PROVINCE", "startsAt": "2026-12-20T01:00:00Z", "endsAt": "2026-12-20T04:00:00Z",
            "venue": "Hội trường D", "chair": "Chủ tịch", "capacity": 10, "communeIds": [w.commune] }),
        ),
        (
            "updateDialogue",
            official.clone(),
            json!({ "dialogueId": w.dialogue, "title": "Hội nghị A mới",
            "startsAt": "2026-12-10T02:00:00Z", "endsAt": "2026-12-10T05:00:00Z", "venue": "Hội trường A",
            "chair": "Phó Chủ tịch" }),
        ),
        (
            "registerForDialogue",
            firm.clone(),
            json!({ "dialogueId": w.dialogue, "attendees": 2 }),
        ),
        (
            "withdrawRegistration",
            firm.clone(),
            json!({ "dialogueId": w.dialogue }),
        ),
        (
            "submitAgendaItem",
            firm.clone(),
            json!({ "title": "Thuế", "body": "Hoàn thuế chậm.",
            "category": "TAX", "dialogueId": w.dialogue, "confidential": false }),
        ),
        (
            "acceptAgendaItem",
            official.clone(),
            json!({ "agendaItemId": w.item, "dialogueId": w.dialogue }),
        ),
        (
            "reorderAgenda",
            official.clone(),
            json!({ "dialogueId": w.dialogue, "agendaItemIds": [w.item] }),
        ),
        (
            "assignAgendaItem",
            official.clone(),
            json!({ "agendaItemId": w.item, "agencyId": w.agency,
            "responseDueOn": "2026-12-31" }),
        ),
        (
            "answerAgendaItem",
            official.clone(),
            json!({ "agendaItemId": w.item, "body": "Đã trả lời." }),
        ),
        (
            "giveFeedback",
            firm.clone(),
            json!({ "agendaItemId": w.item, "satisfied": true, "comment": "Cảm ơn" }),
        ),
        (
            "rejectAgendaItem",
            official.clone(),
            json!({ "agendaItemId": w.to_reject, "reason": "Trùng lặp" }),
        ),
        (
            "resolveAgendaItem",
            official.clone(),
            json!({ "agendaItemId": w.answered, "note": "Đóng" }),
        ),
        (
            "cancelDialogue",
            official.clone(),
            json!({ "dialogueId": w.to_cancel_dialogue, "reason": "Hoãn" }),
        ),
        (
            "markNotificationsRead",
            firm.clone(),
            json!({ "ids": [w.notification] }),
        ),
        (
            "setNotificationPreference",
            firm.clone(),
            json!({ "category": "DIGEST", "email": false }),
        ),
        (
            "retryNotificationDeliveries",
            admin.clone(),
            json!({ "ids": [w.notification] }),
        ),
        // Closed through a second instance whose clock is past its start (below).
        (
            "closeDialogue",
            official,
            json!({ "dialogueId": w.to_close, "minutes": "Biên bản" }),
        ),
    ]
}

#[tokio::test]
async fn hostile_values_are_refused_cleanly_everywhere() {
    let w = world().await;
    let app = &w.app;
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut walked = 0;

    // Every mutation is in the table.
    let schema = run(
        app,
        None,
        &format!("{{ __schema {{ mutationType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} }} }} }} }}"),
        json!({}),
    )
    .await;
    let declared: Vec<(String, String)> = schema["data"]["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("mutation fields")
        .iter()
        .map(|field| {
            let input = unwrap_type(&field["args"][0]["type"]).0;
            (field["name"].as_str().unwrap_or_default().to_owned(), input)
        })
        .collect();
    let table = mutations(&w);
    let mut names: Vec<&str> = table.iter().map(|(name, _, _)| *name).collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = declared.iter().map(|(name, _)| name.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(names, expected, "the table covers every mutation");

    for (name, token, base) in &table {
        let input_type = &declared
            .iter()
            .find(|(declared, _)| declared == name)
            .expect("declared")
            .1;
        let document = format!(
            "mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field code }} }} }}"
        );
        for field in input_fields(app, input_type).await {
            for value in hostile_values(&field, &w.audit_event) {
                let mut input = base.clone();
                input[&field.name] = value.clone();
                let before = app.count_rows("audit_events").await;
                let body = run(app, token.as_deref(), &document, json!({ "input": input })).await;
                let code = refusal(&body, name);
                let shown: String = value.to_string().chars().take(60).collect();
                assert!(
                    code.as_deref().is_some_and(|code| code != "INTERNAL"),
                    "{name}.{}={shown}: {body}",
                    field.name
                );
                assert_eq!(
                    app.count_rows("audit_events").await,
                    before,
                    "{name}.{}={shown} wrote something: {body}",
                    field.name
                );
                *refusals.entry(code.unwrap_or_default()).or_default() += 1;
                walked += 1;
            }
        }
    }

    // Filters, cursors and node lookups only read: never INTERNAL.
    let query_fields = run(
        app,
        None,
        &format!("{{ __schema {{ queryType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} }} }} }} }}"),
        json!({}),
    )
    .await;
    let admin = Some(w.admin.token.as_str());
    for field in query_fields["data"]["__schema"]["queryType"]["fields"]
        .as_array()
        .expect("query fields")
    {
        let name = field["name"].as_str().unwrap_or_default();
        let args = field["args"].as_array().cloned().unwrap_or_default();
        let required = if name == "contributionSummary" {
            ", groupBy: COMMUNE"
        } else {
            ""
        };
        if let Some(filter) = args.iter().find(|arg| arg["name"] == "filter") {
            let filter_type = unwrap_type(&filter["type"]).0;
            let document = format!(
                "query($f: {filter_type}) {{ {name}(filter: $f{required}) {{ __typename }} }}"
            );
            for input in input_fields(app, &filter_type).await {
                for value in hostile_values(&input, &w.audit_event) {
                    let mut filter = serde_json::Map::new();
                    filter.insert(input.name.clone(), value);
                    let body = run(app, admin, &document, json!({ "f": filter })).await;
                    assert_ne!(
                        refusal(&body, name).as_deref(),
                        Some("INTERNAL"),
                        "{name}(filter.{}): {body}",
                        input.name
                    );
                    if body.get("errors").is_some() {
                        assert!(refusal(&body, name).is_some(), "uncoded: {body}");
                    }
                    walked += 1;
                }
            }
        }
        if args.iter().any(|arg| arg["name"] == "after") {
            let real = run(
                app,
                admin,
                &format!("{{ {name}(first: 1) {{ edges {{ cursor }} }} }}"),
                json!({}),
            )
            .await;
            let cursor = id_of(&real, &format!("/data/{name}/edges/0/cursor"));
            for forged in forged_cursors(&cursor) {
                for argument in ["after", "before"] {
                    let document = format!(
                        "query($c: String) {{ {name}({argument}: $c, first: 5) {{ totalCount }} }}"
                    );
                    let document = if argument == "before" {
                        document.replace("first: 5", "last: 5")
                    } else {
                        document
                    };
                    let body = run(app, admin, &document, json!({ "c": forged })).await;
                    assert_eq!(
                        refusal(&body, name).as_deref(),
                        Some("BAD_USER_INPUT"),
                        "{name}({argument}: {forged}): {body}"
                    );
                    walked += 1;
                }
            }
        }
    }
    let node = InputField {
        name: "id".into(),
        named: "ID".into(),
        list: false,
    };
    for value in hostile_values(&node, "") {
        let body = run(
            app,
            None,
            "query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }",
            json!({ "id": value }),
        )
        .await;
        assert_eq!(
            body["data"],
            json!({ "node": null, "nodes": [null] }),
            "{body}"
        );
        walked += 1;
    }

    // Each base input succeeds, so every refusal above was the hostile value's.
    let later = spawn_on(app.settings.database_url.clone(), |s| {
        s.now = "2026-11-27T02:00:00Z".parse().ok()
    })
    .await;
    for (name, token, base) in &table {
        let runner = if *name == "closeDialogue" {
            &later
        } else {
            app
        };
        let input_type = &declared
            .iter()
            .find(|(declared, _)| declared == name)
            .expect("declared")
            .1;
        let document = format!(
            "mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field code message }} }} }}"
        );
        let body = run(
            runner,
            token.as_deref(),
            &document,
            json!({ "input": base }),
        )
        .await;
        assert!(body.get("errors").is_none(), "{name}: {body}");
        assert_eq!(
            body["data"][name]["userErrors"],
            json!([]),
            "{name}: {body}"
        );
    }
    assert!(walked > 600, "only {walked} hostile values walked");
    assert!(!refusals.contains_key("INTERNAL"), "{refusals:?}");
}

/// Cursors a client could forge from a real one: a key of the wrong type, text
/// with a NUL, instants and days beyond four-digit years, an id beyond 64 bits,
/// and no JSON at all.
fn forged_cursors(real: &str) -> Vec<String> {
    let json: Value = URL_SAFE_NO_PAD
        .decode(real)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| panic!("a cursor of ours: {real}"));
    let with_key = |key: Value| {
        let mut forged = json.clone();
        forged["k"] = key;
        encoded(&forged.to_string())
    };
    let wrong_type = if json["k"].get("s").is_some() {
        json!({ "i": 5 })
    } else {
        json!({ "s": "x" })
    };
    let mut huge_id = json.to_string();
    huge_id = huge_id.replacen("\"i\":", "\"i\":1000000000000000000000", 1);
    let mut forged = vec![
        with_key(wrong_type),
        with_key(json!({ "s": "a\u{0}b" })),
        with_key(json!({ "t": "+10000-01-01T00:00:00Z" })),
        with_key(json!({ "d": "0000-01-01" })),
        encoded(&huge_id),
        encoded("{\"k\":"),
        "\u{0}".to_owned(),
    ];
    // The same key kind, made unsound.
    match json["k"]
        .as_object()
        .and_then(|k| k.keys().next())
        .map(String::as_str)
    {
        Some("s") => forged.push(with_key(json!({ "s": "\u{0}" }))),
        Some("t") => forged.push(with_key(json!({ "t": "9999-12-31T23:00:00-05:00" }))),
        Some("d") => forged.push(with_key(json!({ "d": "10000-01-01" }))),
        _ => {}
    }
    forged
}
