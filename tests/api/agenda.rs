use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    dialogues::{Setting, schedule, setting},
    helpers::{TestApp, error_code, postgres_url, spawn_on},
    ws,
};

const ITEM_FIELDS: &str = "id status version position responseDueOn overdue confidential
  submittedBy { id } answer { body onTime answeredBy { id } } feedback { satisfied comment }
  history { fromStatus toStatus note actorRole }";

fn submit_query() -> String {
    format!(
        "mutation($input: SubmitAgendaItemInput!) {{ submitAgendaItem(input: $input) {{ agendaItem {{ {ITEM_FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

async fn submit(s: &Setting, token: &str, input: Value) -> Value {
    let mut full = json!({ "title": "Chậm cấp giấy chứng nhận quyền sử dụng đất", "body": "Hồ sơ nộp từ tháng 3 chưa được giải quyết.", "category": "LAND" });
    for (key, value) in input.as_object().cloned().unwrap_or_default() {
        full[key] = value;
    }
    s.app
        .graphql(Some(token), &submit_query(), json!({ "input": full }))
        .await
}

async fn submitted(s: &Setting, input: Value) -> String {
    let body = submit(s, &s.firm.token, input).await;
    body["data"]["submitAgendaItem"]["agendaItem"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// Runs a lifecycle mutation and returns its payload.
async fn act(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let query = format!(
        "mutation($input: {}Input!) {{ {mutation}(input: $input) {{ agendaItem {{ {ITEM_FIELDS} }} userErrors {{ field message code }} }} }}",
        capitalise(mutation)
    );
    let body = app
        .graphql(Some(token), &query, json!({ "input": input }))
        .await;
    if body["data"][mutation].is_null() {
        return body;
    }
    body["data"][mutation].clone()
}

fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_concern_goes_all_the_way_with_the_right_due_dates_and_subscribers_see_each_step() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    // With PostgreSQL the subscriber listens on a second instance.
    let watcher = match postgres_url() {
        Some(_) => Some(
            spawn_on(s.app.settings.database_url.clone(), |settings| {
                settings.now = s.app.settings.now
            })
            .await,
        ),
        None => None,
    };
    let watch = watcher.as_ref().unwrap_or(&s.app);
    let mut socket = ws::connect(watch).await;
    ws::init(
        &mut socket,
        Some(json!({ "Authorization": format!("Bearer {}", s.official.token) })),
    )
    .await;
    let subscription = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($d: ID) { agendaItemChanged(dialogueId: $d) { status version } }", "variables": { "d": dialogue } } });
    socket
        .send(Message::text(subscription.to_string()))
        .await
        .expect("subscribed");
    ws::settle(&mut socket).await;

    // Each step is seen as it was made.
    let mut seen = Vec::new();
    let item = submitted(&s, json!({ "dialogueId": dialogue })).await;
    seen.push(next_status(&mut socket).await);
    let agency = s.official.agency_id.clone().unwrap_or_default();
    let accepted = act(
        &s.app,
        &s.official.token,
        "acceptAgendaItem",
        json!({ "agendaItemId": item, "dialogueId": dialogue, "expectedVersion": 1 }),
    )
    .await;
    seen.push(next_status(&mut socket).await);
    assert_eq!(accepted["agendaItem"]["position"], json!(1), "{accepted}");
    let assigned = act(
        &s.app,
        &s.official.token,
        "assignAgendaItem",
        json!({ "agendaItemId": item, "agencyId": agency }),
    )
    .await;
    seen.push(next_status(&mut socket).await);
    // 15 working days after Thursday 26 November, skipping weekends and 2 December.
    assert_eq!(
        assigned["agendaItem"]["responseDueOn"],
        json!("2026-12-18"),
        "{assigned}"
    );
    let answered = act(
        &s.app,
        &s.official.token,
        "answerAgendaItem",
        json!({ "agendaItemId": item, "body": "Sở đã chỉ đạo giải quyết trong tuần." }),
    )
    .await;
    seen.push(next_status(&mut socket).await);
    assert_eq!(
        answered["agendaItem"]["answer"],
        json!({ "body": "Sở đã chỉ đạo giải quyết trong tuần.", "onTime": true, "answeredBy": { "id": agency } })
    );
    let unsatisfied = act(
        &s.app,
        &s.firm.token,
        "giveFeedback",
        json!({ "agendaItemId": item, "satisfied": false, "comment": "Chưa thỏa đáng" }),
    )
    .await;
    seen.push(next_status(&mut socket).await);
    assert_eq!(unsatisfied["agendaItem"]["status"], json!("ASSIGNED"));
    assert_eq!(
        unsatisfied["agendaItem"]["responseDueOn"],
        json!("2026-12-18")
    );
    assert_eq!(unsatisfied["agendaItem"]["answer"], Value::Null);
    assert_eq!(
        unsatisfied["agendaItem"]["feedback"],
        json!({ "satisfied": false, "comment": "Chưa thỏa đáng" })
    );
    act(
        &s.app,
        &s.official.token,
        "answerAgendaItem",
        json!({ "agendaItemId": item, "body": "Đã cấp giấy chứng nhận." }),
    )
    .await;
    seen.push(next_status(&mut socket).await);
    let resolved = act(
        &s.app,
        &s.firm.token,
        "giveFeedback",
        json!({ "agendaItemId": item, "satisfied": true, "expectedVersion": 6 }),
    )
    .await;
    seen.push(next_status(&mut socket).await);
    let resolved = &resolved["agendaItem"];
    assert_eq!(
        (resolved["status"].clone(), resolved["version"].clone()),
        (json!("RESOLVED"), json!(7)),
        "{resolved}"
    );
    let steps: Vec<(Value, Value, Value)> = resolved["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| {
            (
                e["fromStatus"].clone(),
                e["toStatus"].clone(),
                e["actorRole"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (Value::Null, "SUBMITTED", "FIRM"),
            (json!("SUBMITTED"), "ACCEPTED", "OFFICIAL"),
            (json!("ACCEPTED"), "ASSIGNED", "OFFICIAL"),
            (json!("ASSIGNED"), "ANSWERED", "OFFICIAL"),
            (json!("ANSWERED"), "ASSIGNED", "FIRM"),
            (json!("ASSIGNED"), "ANSWERED", "OFFICIAL"),
            (json!("ANSWERED"), "RESOLVED", "FIRM"),
        ]
        .into_iter()
        .map(|(from, to, role)| (from, json!(to), json!(role)))
        .collect::<Vec<_>>()
    );
    assert_eq!(resolved["history"][4]["note"], json!("Chưa thỏa đáng"));

    let stats = s
        .app
        .graphql(None, "query($id: ID!) { node(id: $id) { ... on Agency { responseStats { assigned answered answeredOnTime overdue onTimeRate } } } }", json!({ "id": agency }))
        .await;
    assert_eq!(
        stats["data"]["node"]["responseStats"],
        json!({ "assigned": 1, "answered": 2, "answeredOnTime": 2, "overdue": 0, "onTimeRate": 1.0 })
    );
    let overview = s
        .app
        .graphql(
            None,
            "{ programmeOverview { agendaItems agendaItemsAnswered agendaItemsOverdue } }",
            json!({}),
        )
        .await;
    assert_eq!(
        overview["data"]["programmeOverview"],
        json!({ "agendaItems": 1, "agendaItemsAnswered": 1, "agendaItemsOverdue": 0 })
    );

    assert_eq!(
        seen,
        [
            "SUBMITTED",
            "ACCEPTED",
            "ASSIGNED",
            "ANSWERED",
            "ASSIGNED",
            "ANSWERED",
            "RESOLVED"
        ]
    );
}

async fn next_status(socket: &mut ws::Socket) -> String {
    loop {
        let Message::Text(text) = ws::next_message(socket).await else {
            continue;
        };
        let message: Value = serde_json::from_str(&text).expect("json");
        return message["payload"]["data"]["agendaItemChanged"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    }
}

#[tokio::test]
async fn the_whole_transition_table() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    let agency = s.official.agency_id.clone().unwrap_or_default();
    let admin = s.admin.token.clone();
    let firm = s.firm.token.clone();
    // Brings a fresh item to `status`.
    let item_in = |status: &'static str| {
        let (s, dialogue, agency, admin, firm) = (
            &s,
            dialogue.clone(),
            agency.clone(),
            admin.clone(),
            firm.clone(),
        );
        async move {
            let id = submitted(s, json!({})).await;
            let path: &[(&str, &str, Value)] = match status {
                "SUBMITTED" => &[],
                "ACCEPTED" => &[(
                    "acceptAgendaItem",
                    "admin",
                    json!({ "dialogueId": dialogue }),
                )],
                "REJECTED" => &[(
                    "rejectAgendaItem",
                    "admin",
                    json!({ "reason": "Không thuộc thẩm quyền" }),
                )],
                "ASSIGNED" => &[("assignAgendaItem", "admin", json!({ "agencyId": agency }))],
                "ANSWERED" => &[
                    ("assignAgendaItem", "admin", json!({ "agencyId": agency })),
                    ("answerAgendaItem", "admin", json!({ "body": "Trả lời" })),
                ],
                _ => &[
                    ("assignAgendaItem", "admin", json!({ "agencyId": agency })),
                    ("answerAgendaItem", "admin", json!({ "body": "Trả lời" })),
                    ("giveFeedback", "firm", json!({ "satisfied": true })),
                ],
            };
            for (mutation, who, extra) in path {
                let mut input = extra.clone();
                input["agendaItemId"] = json!(id);
                let token = if *who == "firm" { &firm } else { &admin };
                let done = act(&s.app, token, mutation, input).await;
                assert!(done["agendaItem"].is_object(), "{mutation}: {done}");
            }
            id
        }
    };
    let moves: [(&str, &str, Value); 7] = [
        (
            "acceptAgendaItem",
            "admin",
            json!({ "dialogueId": dialogue }),
        ),
        ("rejectAgendaItem", "admin", json!({ "reason": "Không rõ" })),
        ("assignAgendaItem", "admin", json!({ "agencyId": agency })),
        ("answerAgendaItem", "admin", json!({ "body": "Trả lời" })),
        ("giveFeedback", "firm", json!({ "satisfied": true })),
        ("giveFeedback", "firm", json!({ "satisfied": false })),
        ("resolveAgendaItem", "admin", json!({ "note": "Đóng" })),
    ];
    let expected: &[(&str, [Option<&str>; 7])] = &[
        (
            "SUBMITTED",
            [
                Some("ACCEPTED"),
                Some("REJECTED"),
                Some("ASSIGNED"),
                None,
                None,
                None,
                None,
            ],
        ),
        (
            "ACCEPTED",
            [
                None,
                Some("REJECTED"),
                Some("ASSIGNED"),
                None,
                None,
                None,
                None,
            ],
        ),
        (
            "ASSIGNED",
            [None, None, None, Some("ANSWERED"), None, None, None],
        ),
        (
            "ANSWERED",
            [
                None,
                None,
                None,
                None,
                Some("RESOLVED"),
                Some("ASSIGNED"),
                Some("RESOLVED"),
            ],
        ),
        ("RESOLVED", [None; 7]),
        ("REJECTED", [None; 7]),
    ];
    for (status, outcomes) in expected {
        for ((mutation, who, extra), outcome) in moves.iter().zip(outcomes) {
            let id = item_in(status).await;
            let mut input = extra.clone();
            input["agendaItemId"] = json!(id);
            let token = if *who == "firm" { &firm } else { &admin };
            let result = act(&s.app, token, mutation, input).await;
            match outcome {
                Some(to) => assert_eq!(
                    result["agendaItem"]["status"],
                    json!(to),
                    "{status} --{mutation}--> {result}"
                ),
                None => assert_eq!(
                    result["userErrors"][0]["code"],
                    json!("INVALID_TRANSITION"),
                    "{status} --{mutation}--> {result}"
                ),
            }
        }
    }
}

#[tokio::test]
async fn a_stale_expected_version_is_a_conflict_and_changes_nothing() {
    let s = setting().await;
    let item = submitted(&s, json!({})).await;
    let audit_before = s.app.count_rows("audit_events").await;
    let stale = act(
        &s.app,
        &s.official.token,
        "rejectAgendaItem",
        json!({ "agendaItemId": item, "reason": "x", "expectedVersion": 0 }),
    )
    .await;
    assert_eq!(
        stale["userErrors"],
        json!([{ "field": ["input", "expectedVersion"], "code": "CONFLICT", "message": "the item changed: it is at version 1, not 0" }])
    );
    let node = s
        .app
        .graphql(
            Some(&s.official.token),
            &format!(
                "query($id: ID!) {{ node(id: $id) {{ ... on AgendaItem {{ {ITEM_FIELDS} }} }} }}"
            ),
            json!({ "id": item }),
        )
        .await;
    assert_eq!(node["data"]["node"]["status"], json!("SUBMITTED"));
    assert_eq!(node["data"]["node"]["version"], json!(1));
    assert_eq!(
        node["data"]["node"]["history"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(s.app.count_rows("audit_events").await, audit_before);
    assert_eq!(s.app.count_rows("agenda_item_events").await, 1);
}

#[tokio::test]
async fn who_may_move_an_item() {
    let s = setting().await;
    let other_official = s.app.official(&s.admin).await;
    let other_firm = s.app.verified_firm(&s.official).await;
    let item = submitted(&s, json!({})).await;
    act(
        &s.app,
        &s.official.token,
        "assignAgendaItem",
        json!({ "agendaItemId": item, "agencyId": s.official.agency_id }),
    )
    .await;
    let wrong_agency = act(
        &s.app,
        &other_official.token,
        "answerAgendaItem",
        json!({ "agendaItemId": item, "body": "x" }),
    )
    .await;
    assert_eq!(error_code(&wrong_agency), "FORBIDDEN");
    assert_eq!(
        error_code(
            &act(
                &s.app,
                &s.firm.token,
                "answerAgendaItem",
                json!({ "agendaItemId": item, "body": "x" })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &act(
                &s.app,
                &s.firm.token,
                "resolveAgendaItem",
                json!({ "agendaItemId": item })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let answered = act(
        &s.app,
        &s.admin.token,
        "answerAgendaItem",
        json!({ "agendaItemId": item, "body": "Quản trị trả lời" }),
    )
    .await;
    assert_eq!(answered["agendaItem"]["status"], json!("ANSWERED"));
    assert_eq!(
        error_code(
            &act(
                &s.app,
                &other_firm.token,
                "giveFeedback",
                json!({ "agendaItemId": item, "satisfied": true })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &act(
                &s.app,
                &s.official.token,
                "giveFeedback",
                json!({ "agendaItemId": item, "satisfied": true })
            )
            .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &act(
                &s.app,
                "",
                "giveFeedback",
                json!({ "agendaItemId": item, "satisfied": true })
            )
            .await
        ),
        "UNAUTHENTICATED"
    );

    assert_eq!(
        error_code(&submit(&s, "", json!({})).await),
        "UNAUTHENTICATED"
    );
    let unverified = s.app.firm().await;
    assert_eq!(
        error_code(&submit(&s, &unverified.token, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &submit(
                &s,
                &s.firm.token,
                json!({ "enterpriseId": other_firm.enterprise_id })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let no_enterprise = submit(&s, &s.official.token, json!({ "channel": "HOTLINE" })).await;
    assert_eq!(
        no_enterprise["data"]["submitAgendaItem"]["userErrors"][0]["field"],
        json!(["input", "enterpriseId"])
    );
    let no_channel = submit(
        &s,
        &s.official.token,
        json!({ "enterpriseId": s.firm.enterprise_id }),
    )
    .await;
    assert_eq!(
        no_channel["data"]["submitAgendaItem"]["userErrors"][0]["field"],
        json!(["input", "channel"])
    );
    let hotline = s
        .app
        .graphql(Some(&s.official.token), "mutation($input: SubmitAgendaItemInput!) { submitAgendaItem(input: $input) { agendaItem { channel submittedBy { id } history { actorRole } } } }",
            json!({ "input": { "title": "Phản ánh qua đường dây nóng", "body": "Nội dung", "category": "TAX", "enterpriseId": s.firm.enterprise_id, "channel": "HOTLINE" } }))
        .await;
    assert_eq!(
        hotline["data"]["submitAgendaItem"]["agendaItem"],
        json!({ "channel": "HOTLINE", "submittedBy": { "id": s.firm.enterprise_id }, "history": [{ "actorRole": "OFFICIAL" }] })
    );
}

#[tokio::test]
async fn submitted_items_are_private_and_confidential_submitters_stay_hidden() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    let other_firm = s.app.verified_firm(&s.official).await;
    let item = submitted(&s, json!({ "confidential": true })).await;
    let node = "query($id: ID!) { node(id: $id) { ... on AgendaItem { status confidential submittedBy { id } } } }";
    let list = "{ agendaItems { totalCount nodes { id } } }";
    for token in [None, Some(&other_firm.token)] {
        let seen = s
            .app
            .graphql(token.map(String::as_str), node, json!({ "id": item }))
            .await;
        assert_eq!(seen["data"], json!({ "node": null }));
        let listed = s
            .app
            .graphql(token.map(String::as_str), list, json!({}))
            .await;
        assert_eq!(
            listed["data"]["agendaItems"],
            json!({ "totalCount": 0, "nodes": [] })
        );
    }
    for token in [&s.firm.token, &s.official.token] {
        let seen = s
            .app
            .graphql(Some(token), node, json!({ "id": item }))
            .await;
        assert_eq!(
            seen["data"]["node"]["submittedBy"]["id"],
            json!(s.firm.enterprise_id)
        );
    }
    act(
        &s.app,
        &s.official.token,
        "acceptAgendaItem",
        json!({ "agendaItemId": item, "dialogueId": dialogue }),
    )
    .await;
    let public = s.app.graphql(None, node, json!({ "id": item })).await;
    assert_eq!(
        public["data"]["node"],
        json!({ "status": "ACCEPTED", "confidential": true, "submittedBy": null })
    );
    let agenda = s
        .app
        .graphql(None, "query($id: ID!) { node(id: $id) { ... on Dialogue { agenda { id position submittedBy { id } } } } }", json!({ "id": dialogue }))
        .await;
    assert_eq!(
        agenda["data"]["node"]["agenda"],
        json!([{ "id": item, "position": 1, "submittedBy": null }])
    );
    let official_view = s
        .app
        .graphql(Some(&s.official.token), node, json!({ "id": item }))
        .await;
    assert_eq!(
        official_view["data"]["node"]["submittedBy"]["id"],
        json!(s.firm.enterprise_id)
    );
    let nodes = s
        .app
        .graphql(
            None,
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [item, submitted(&s, json!({})).await] }),
        )
        .await;
    assert_eq!(nodes["data"]["nodes"], json!([{ "id": item }, null]));
}

#[tokio::test]
async fn an_item_becomes_overdue_across_a_restart_with_a_later_clock() {
    let s = setting().await;
    let item = submitted(&s, json!({})).await;
    let agency = s.official.agency_id.clone().unwrap_or_default();
    let assigned = act(
        &s.app,
        &s.official.token,
        "assignAgendaItem",
        json!({ "agendaItemId": item, "agencyId": agency }),
    )
    .await;
    assert_eq!(
        (
            assigned["agendaItem"]["responseDueOn"].clone(),
            assigned["agendaItem"]["overdue"].clone()
        ),
        (json!("2026-12-18"), json!(false))
    );

    // Saturday 19 December, the day after the due date.
    let later = spawn_on(s.app.settings.database_url.clone(), |settings| {
        settings.now = "2026-12-19T03:00:00Z".parse().ok();
    })
    .await;
    let node = later
        .graphql(
            Some(&s.official.token),
            "query($id: ID!) { node(id: $id) { ... on AgendaItem { overdue } } }",
            json!({ "id": item }),
        )
        .await;
    assert_eq!(node["data"]["node"]["overdue"], json!(true));
    let listed = later
        .graphql(
            Some(&s.official.token),
            "{ agendaItems(filter: {overdue: true}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["data"]["agendaItems"]["totalCount"], json!(1));
    let overview = later
        .graphql(
            None,
            "{ programmeOverview { agendaItemsOverdue } }",
            json!({}),
        )
        .await;
    assert_eq!(
        overview["data"]["programmeOverview"]["agendaItemsOverdue"],
        json!(1)
    );
    let late = act(
        &later,
        &s.official.token,
        "answerAgendaItem",
        json!({ "agendaItemId": item, "body": "Trả lời muộn" }),
    )
    .await;
    assert_eq!(
        late["agendaItem"]["answer"]["onTime"],
        json!(false),
        "{late}"
    );
    let stats = later
        .graphql(None, "query($id: ID!) { node(id: $id) { ... on Agency { responseStats { answered answeredOnTime overdue onTimeRate } } } }", json!({ "id": agency }))
        .await;
    assert_eq!(
        stats["data"]["node"]["responseStats"],
        json!({ "answered": 1, "answeredOnTime": 0, "overdue": 0, "onTimeRate": 0.0 })
    );
}

#[tokio::test]
async fn bad_agenda_input_is_a_user_error_and_writes_nothing() {
    let s = setting().await;
    let item = submitted(&s, json!({})).await;
    let before = (
        s.app.count_rows("agenda_items").await,
        s.app.count_rows("audit_events").await,
        s.app.count_rows("agenda_item_events").await,
    );
    let cases = [
        (json!({ "title": "  " }), "title"),
        (json!({ "title": "x".repeat(201) }), "title"),
        (json!({ "body": "a\u{0}b" }), "body"),
        (json!({ "dialogueId": s.firm.enterprise_id }), "dialogueId"),
    ];
    for (input, field) in cases {
        let body = submit(&s, &s.firm.token, input.clone()).await;
        assert_eq!(
            body["data"]["submitAgendaItem"]["userErrors"][0]["field"],
            json!(["input", field]),
            "{input}: {body}"
        );
    }
    let agency = s.official.agency_id.clone().unwrap_or_default();
    let early = act(
        &s.app,
        &s.official.token,
        "assignAgendaItem",
        json!({ "agendaItemId": item, "agencyId": agency, "responseDueOn": "2026-11-25" }),
    )
    .await;
    assert_eq!(
        early["userErrors"][0]["field"],
        json!(["input", "responseDueOn"])
    );
    let wrong = act(
        &s.app,
        &s.official.token,
        "assignAgendaItem",
        json!({ "agendaItemId": item, "agencyId": item }),
    )
    .await;
    assert_eq!(
        wrong["userErrors"][0],
        json!({ "field": ["input", "agencyId"], "code": "INVALID", "message": "not an Agency ID" })
    );
    let unknown = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("AgendaItem:9999")
    };
    let missing = act(
        &s.app,
        &s.official.token,
        "rejectAgendaItem",
        json!({ "agendaItemId": unknown, "reason": "x" }),
    )
    .await;
    assert_eq!(missing["userErrors"][0]["code"], json!("NOT_FOUND"));
    let empty_reason = act(
        &s.app,
        &s.official.token,
        "rejectAgendaItem",
        json!({ "agendaItemId": item, "reason": " " }),
    )
    .await;
    assert_eq!(
        empty_reason["userErrors"][0]["field"],
        json!(["input", "reason"])
    );
    let after = (
        s.app.count_rows("agenda_items").await,
        s.app.count_rows("audit_events").await,
        s.app.count_rows("agenda_item_events").await,
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn subscribers_see_only_what_they_may_see() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    let mut anonymous = ws::connect(&s.app).await;
    ws::init(&mut anonymous, None).await;
    let subscribe = |id: &str, query: &str| {
        json!({ "id": id, "type": "subscribe", "payload": { "query": query } }).to_string()
    };
    anonymous
        .send(Message::text(subscribe(
            "items",
            "subscription { agendaItemChanged { status submittedBy { id } } }",
        )))
        .await
        .expect("subscribed");
    anonymous
        .send(Message::text(subscribe(
            "dialogues",
            "subscription { dialogueChanged { registeredCount } }",
        )))
        .await
        .expect("subscribed");
    ws::settle(&mut anonymous).await;

    let item = submitted(&s, json!({ "confidential": true })).await;
    act(
        &s.app,
        &s.official.token,
        "acceptAgendaItem",
        json!({ "agendaItemId": item, "dialogueId": dialogue }),
    )
    .await;
    // The acceptance reaches both subscriptions before the registration is made.
    let mut received = Vec::new();
    let mut receive = async |count: usize, received: &mut Vec<(Value, Value)>| {
        let target = received.len() + count;
        while received.len() < target {
            let Message::Text(text) = ws::next_message(&mut anonymous).await else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).expect("json");
            received.push((message["id"].clone(), message["payload"]["data"].clone()));
        }
    };
    receive(2, &mut received).await;
    let registered = s
        .app
        .graphql(Some(&s.firm.token), "mutation($d: ID!) { registerForDialogue(input: {dialogueId: $d, attendees: 2}) { dialogue { id } } }", json!({ "d": dialogue }))
        .await;
    assert!(
        registered["data"]["registerForDialogue"]["dialogue"].is_object(),
        "{registered}"
    );

    receive(1, &mut received).await;
    // The SUBMITTED step never reaches an anonymous subscriber, and the confidential
    // submitter stays hidden; the acceptance also changed the dialogue's agenda.
    let of = |id: &str| {
        received
            .iter()
            .filter(|(i, _)| *i == json!(id))
            .map(|(_, data)| data.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("items"),
        vec![json!({ "agendaItemChanged": { "status": "ACCEPTED", "submittedBy": null } })]
    );
    assert_eq!(
        of("dialogues"),
        vec![
            json!({ "dialogueChanged": { "registeredCount": 0 } }),
            json!({ "dialogueChanged": { "registeredCount": 1 } })
        ]
    );
}
