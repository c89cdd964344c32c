use serde_json::{Value, json};

use crate::{
    dialogues::{SCHEDULE, dialogue_input, schedule, setting},
    helpers::error_code,
};

const SUBMIT: &str = "mutation($input: SubmitAgendaItemInput!) { submitAgendaItem(input: $input) { agendaItem { id } userErrors { message } } }";

fn ids(body: &Value, path: &[&str]) -> Vec<Value> {
    let mut node = body;
    for key in path {
        node = &node[*key];
    }
    node["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| n["id"].clone())
        .collect()
}

#[tokio::test]
async fn reordering_the_agenda_takes_every_item_once() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    let mut items = Vec::new();
    for title in ["Thuế", "Đất đai", "Tín dụng"] {
        let body = s
            .app
            .graphql(
                Some(&s.firm.token),
                SUBMIT,
                json!({ "input": { "title": title, "body": "Nội dung", "category": "OTHER" } }),
            )
            .await;
        let id = body["data"]["submitAgendaItem"]["agendaItem"]["id"].clone();
        let accepted = s
            .app
            .graphql(Some(&s.official.token), "mutation($i: ID!, $d: ID!) { acceptAgendaItem(input: {agendaItemId: $i, dialogueId: $d}) { agendaItem { position } } }", json!({ "i": id, "d": dialogue }))
            .await;
        assert_eq!(
            accepted["data"]["acceptAgendaItem"]["agendaItem"]["position"],
            json!(items.len() + 1)
        );
        items.push(id);
    }
    let reorder = "mutation($d: ID!, $ids: [ID!]!) { reorderAgenda(input: {dialogueId: $d, agendaItemIds: $ids}) { dialogue { agenda { id position } } userErrors { field code } } }";
    let new_order = json!([items[2], items[0], items[1]]);
    let done = s
        .app
        .graphql(
            Some(&s.official.token),
            reorder,
            json!({ "d": dialogue, "ids": new_order }),
        )
        .await;
    assert_eq!(
        done["data"]["reorderAgenda"]["dialogue"]["agenda"],
        json!([{ "id": items[2], "position": 1 }, { "id": items[0], "position": 2 }, { "id": items[1], "position": 3 }])
    );
    for bad in [
        json!([items[0], items[1]]),
        json!([items[0], items[0], items[1]]),
        json!([items[0], items[1], items[2], dialogue]),
    ] {
        let body = s
            .app
            .graphql(
                Some(&s.official.token),
                reorder,
                json!({ "d": dialogue, "ids": bad }),
            )
            .await;
        assert_eq!(
            body["data"]["reorderAgenda"]["userErrors"][0]["field"],
            json!(["input", "agendaItemIds"]),
            "{body}"
        );
    }
    assert_eq!(
        error_code(
            &s.app
                .graphql(
                    Some(&s.firm.token),
                    reorder,
                    json!({ "d": dialogue, "ids": new_order })
                )
                .await
        ),
        "FORBIDDEN"
    );
    // Accepting at a position makes room.
    let body = s
        .app
        .graphql(
            Some(&s.firm.token),
            SUBMIT,
            json!({ "input": { "title": "Lao động", "body": "Nội dung", "category": "LABOUR" } }),
        )
        .await;
    let fourth = body["data"]["submitAgendaItem"]["agendaItem"]["id"].clone();
    s.app
        .graphql(Some(&s.official.token), "mutation($i: ID!, $d: ID!) { acceptAgendaItem(input: {agendaItemId: $i, dialogueId: $d, position: 1}) { agendaItem { position } } }", json!({ "i": fourth, "d": dialogue }))
        .await;
    let agenda = s
        .app
        .graphql(
            None,
            "query($d: ID!) { node(id: $d) { ... on Dialogue { agenda { id } } } }",
            json!({ "d": dialogue }),
        )
        .await;
    let order: Vec<Value> = agenda["data"]["node"]["agenda"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(
        order,
        vec![fourth, items[2].clone(), items[0].clone(), items[1].clone()]
    );
}

#[tokio::test]
async fn agenda_items_and_dialogues_filter_and_order() {
    let s = setting().await;
    let first = schedule(&s, None).await;
    let commune =
        crate::contributions::create_commune(&s.app, &s.official, "09001", "Xã Yên Khương", true)
            .await;
    let mut briefing = dialogue_input(
        "Nhà văn hóa xã",
        "2026-12-20T01:00:00Z",
        "2026-12-20T03:00:00Z",
        None,
    );
    briefing["input"]["format"] = json!("CLUSTER_BRIEFING");
    briefing["input"]["communeIds"] = json!([commune]);
    let second = s
        .app
        .graphql(Some(&s.official.token), SCHEDULE, briefing)
        .await["data"]["scheduleDialogue"]["dialogue"]["id"]
        .clone();

    let dialogues = |filter: Value, direction: &str| {
        let app = &s.app;
        let query = format!(
            "query($f: DialogueFilter) {{ dialogues(filter: $f, orderBy: {{field: STARTS_AT, direction: {direction}}}) {{ nodes {{ id }} }} }}"
        );
        async move {
            ids(
                &app.graphql(None, &query, json!({ "f": filter })).await,
                &["data", "dialogues"],
            )
        }
    };
    assert_eq!(
        dialogues(json!({}), "ASC").await,
        vec![json!(first), second.clone()]
    );
    assert_eq!(
        dialogues(json!({}), "DESC").await,
        vec![second.clone(), json!(first)]
    );
    assert_eq!(
        dialogues(json!({ "from": "2026-12-15T00:00:00Z" }), "ASC").await,
        vec![second.clone()]
    );
    assert_eq!(
        dialogues(json!({ "to": "2026-12-15T00:00:00Z" }), "ASC").await,
        vec![json!(first)]
    );
    assert_eq!(
        dialogues(json!({ "communeId": commune }), "ASC").await,
        vec![second.clone()]
    );
    assert_eq!(
        dialogues(json!({ "formats": ["CLUSTER_BRIEFING"] }), "ASC").await,
        vec![second.clone()]
    );
    let communes = s
        .app
        .graphql(
            None,
            "query($d: ID!) { node(id: $d) { ... on Dialogue { communes { name } } } }",
            json!({ "d": second }),
        )
        .await;
    assert_eq!(
        communes["data"]["node"]["communes"],
        json!([{ "name": "Xã Yên Khương" }])
    );

    let other = s.app.verified_firm(&s.official).await;
    let agency = s.official.agency_id.clone().unwrap_or_default();
    let mut made = Vec::new();
    for (token, title, category) in [
        (&s.firm.token, "Chậm hoàn thuế giá trị gia tăng", "TAX"),
        (&other.token, "Thiếu mặt bằng sản xuất", "LAND"),
        (&s.firm.token, "Khó tiếp cận vốn vay ưu đãi", "CREDIT"),
    ] {
        let body = s
            .app
            .graphql(Some(token), SUBMIT, json!({ "input": { "title": title, "body": "Đề nghị tỉnh xem xét.", "category": category, "dialogueId": first } }))
            .await;
        made.push(body["data"]["submitAgendaItem"]["agendaItem"]["id"].clone());
    }
    let assign = "mutation($i: ID!, $a: ID!, $due: Date) { assignAgendaItem(input: {agendaItemId: $i, agencyId: $a, responseDueOn: $due}) { agendaItem { id } } }";
    s.app
        .graphql(
            Some(&s.official.token),
            assign,
            json!({ "i": made[0], "a": agency, "due": "2026-12-31" }),
        )
        .await;
    s.app
        .graphql(
            Some(&s.official.token),
            assign,
            json!({ "i": made[2], "a": agency, "due": "2026-12-05" }),
        )
        .await;

    let items = |filter: Value, order: &str| {
        let app = &s.app;
        let token = s.official.token.clone();
        let query = format!(
            "query($f: AgendaItemFilter) {{ agendaItems(filter: $f, orderBy: {order}) {{ nodes {{ id }} }} }}"
        );
        async move {
            ids(
                &app.graphql(Some(&token), &query, json!({ "f": filter }))
                    .await,
                &["data", "agendaItems"],
            )
        }
    };
    let by_submission = "{field: SUBMITTED_AT, direction: ASC}";
    assert_eq!(items(json!({}), by_submission).await, made);
    assert_eq!(
        items(json!({ "statuses": ["ASSIGNED"] }), by_submission).await,
        vec![made[0].clone(), made[2].clone()]
    );
    assert_eq!(
        items(json!({ "categories": ["LAND"] }), by_submission).await,
        vec![made[1].clone()]
    );
    assert_eq!(
        items(json!({ "agencyId": agency }), by_submission).await,
        vec![made[0].clone(), made[2].clone()]
    );
    assert_eq!(
        items(
            json!({ "submittedById": other.enterprise_id }),
            by_submission
        )
        .await,
        vec![made[1].clone()]
    );
    assert_eq!(
        items(json!({ "dialogueId": first }), by_submission).await,
        made
    );
    assert_eq!(
        items(json!({ "search": "VON VAY" }), by_submission).await,
        vec![made[2].clone()]
    );
    assert_eq!(
        items(json!({ "overdue": false }), by_submission).await,
        made
    );
    // By due date: the earliest first, items without one last.
    assert_eq!(
        items(json!({}), "{field: RESPONSE_DUE_ON, direction: ASC}").await,
        vec![made[2].clone(), made[0].clone(), made[1].clone()]
    );
    assert_eq!(
        items(json!({}), "{field: RESPONSE_DUE_ON, direction: DESC}").await,
        vec![made[1].clone(), made[0].clone(), made[2].clone()]
    );
    // Pages by due date walk with cursors too.
    let page = s
        .app
        .graphql(Some(&s.official.token), "{ agendaItems(first: 2, orderBy: {field: RESPONSE_DUE_ON, direction: ASC}) { pageInfo { endCursor hasNextPage } } }", json!({}))
        .await;
    let cursor = page["data"]["agendaItems"]["pageInfo"]["endCursor"].clone();
    let next = s
        .app
        .graphql(Some(&s.official.token), "query($c: String) { agendaItems(first: 2, after: $c, orderBy: {field: RESPONSE_DUE_ON, direction: ASC}) { nodes { id } } }", json!({ "c": cursor }))
        .await;
    assert_eq!(ids(&next, &["data", "agendaItems"]), vec![made[1].clone()]);
    let own = s
        .app
        .graphql(
            Some(&other.token),
            "query($e: ID!) { node(id: $e) { ... on Enterprise { agendaItems { totalCount } } } }",
            json!({ "e": other.enterprise_id }),
        )
        .await;
    assert_eq!(own["data"]["node"]["agendaItems"]["totalCount"], json!(1));
}

#[tokio::test]
async fn dialogue_mutations_are_for_officials_and_each_is_audited() {
    let s = setting().await;
    let dialogue = schedule(&s, Some(5)).await;
    let mutations = [
        (
            "updateDialogue",
            "mutation($d: ID!) { updateDialogue(input: {dialogueId: $d, chair: \"Phó Chủ tịch\"}) { dialogue { chair } } }",
        ),
        (
            "reorderAgenda",
            "mutation($d: ID!) { reorderAgenda(input: {dialogueId: $d, agendaItemIds: []}) { dialogue { id } } }",
        ),
        (
            "cancelDialogue",
            "mutation($d: ID!) { cancelDialogue(input: {dialogueId: $d, reason: \"Hoãn\"}) { dialogue { status } } }",
        ),
    ];
    for (name, query) in mutations {
        assert_eq!(
            error_code(&s.app.graphql(None, query, json!({ "d": dialogue })).await),
            "UNAUTHENTICATED",
            "{name}"
        );
        assert_eq!(
            error_code(
                &s.app
                    .graphql(Some(&s.firm.token), query, json!({ "d": dialogue }))
                    .await
            ),
            "FORBIDDEN",
            "{name}"
        );
        let by_admin = s
            .app
            .graphql(Some(&s.admin.token), query, json!({ "d": dialogue }))
            .await;
        assert!(by_admin["data"][name].is_object(), "{name}: {by_admin}");
    }
    let close = "mutation($d: ID!) { closeDialogue(input: {dialogueId: $d, minutes: \"x\"}) { userErrors { code } } }";
    assert_eq!(
        error_code(
            &s.app
                .graphql(Some(&s.firm.token), close, json!({ "d": dialogue }))
                .await
        ),
        "FORBIDDEN"
    );
    let actions = s
        .app
        .graphql(
            Some(&s.official.token),
            "{ auditEvents(first: 100) { nodes { action subjectId } } }",
            json!({}),
        )
        .await;
    let dialogue_actions: Vec<Value> = actions["data"]["auditEvents"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["subjectId"] == json!(dialogue))
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        dialogue_actions,
        vec![
            json!("cancelDialogue"),
            json!("reorderAgenda"),
            json!("updateDialogue"),
            json!("scheduleDialogue")
        ]
    );
}
