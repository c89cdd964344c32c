use serde_json::{Value, json};

use crate::helpers::{Member, TestApp, error_code, spawn_app_with, spawn_on};

/// Thursday 26 November 2026, 10:00 in Hà Nội.
pub const NOW: &str = "2026-11-26T03:00:00Z";

pub const SCHEDULE: &str =
    "mutation($input: ScheduleDialogueInput!) { scheduleDialogue(input: $input) {
  dialogue { id status venue capacity registeredCount } userErrors { field message code } } }";
const REGISTER: &str = "mutation($input: RegisterForDialogueInput!) { registerForDialogue(input: $input) {
  registration { attendees enterprise { id } } dialogue { registeredCount } userErrors { field message code } } }";

pub struct Setting {
    pub app: TestApp,
    pub admin: Member,
    pub official: Member,
    pub firm: Member,
}

pub async fn setting() -> Setting {
    setting_with(|_| {}).await
}

/// The setting, on a server configured further by `configure`.
pub async fn setting_with(configure: impl FnOnce(&mut donghanh::config::Settings)) -> Setting {
    let app = spawn_app_with(|s| {
        s.now = NOW.parse().ok();
        s.holidays = vec![chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default()];
        configure(s);
    })
    .await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    Setting {
        app,
        admin,
        official,
        firm,
    }
}

pub fn dialogue_input(venue: &str, starts: &str, ends: &str, capacity: Option<i32>) -> Value {
    json!({ "input": {
        "title": "Hội nghị đối thoại doanh nghiệp quý IV", "format": "BUSINESS_DIALOGUE", "level": "PROVINCE",
        "startsAt": starts, "endsAt": ends, "venue": venue, "chair": "Chủ tịch UBND tỉnh", "capacity": capacity
    } })
}

pub async fn schedule(s: &Setting, capacity: Option<i32>) -> String {
    let body = s
        .app
        .graphql(
            Some(&s.official.token),
            SCHEDULE,
            dialogue_input(
                "Hội trường A",
                "2026-12-10T01:00:00Z",
                "2026-12-10T04:00:00Z",
                capacity,
            ),
        )
        .await;
    body["data"]["scheduleDialogue"]["dialogue"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn register(app: &TestApp, token: &str, dialogue: &str, attendees: i32) -> Value {
    app.graphql(
        Some(token),
        REGISTER,
        json!({ "input": { "dialogueId": dialogue, "attendees": attendees } }),
    )
    .await
}

#[tokio::test]
async fn scheduling_rules_hold() {
    let s = setting().await;
    let schedule_at = |venue: &str, starts: &str, ends: &str| {
        let app = &s.app;
        let token = s.official.token.clone();
        let vars = dialogue_input(venue, starts, ends, None);
        async move {
            app.graphql(Some(&token), SCHEDULE, vars).await["data"]["scheduleDialogue"].clone()
        }
    };
    let first = schedule_at(
        "Hội trường A",
        "2026-12-10T01:00:00Z",
        "2026-12-10T04:00:00Z",
    )
    .await;
    assert_eq!(first["dialogue"]["status"], json!("SCHEDULED"), "{first}");
    let clash = schedule_at(
        "  hội trường  a ",
        "2026-12-10T03:00:00Z",
        "2026-12-10T05:00:00Z",
    )
    .await;
    assert_eq!(
        clash["userErrors"],
        json!([{ "field": ["input", "startsAt"], "code": "CONFLICT", "message": "another scheduled dialogue at this venue overlaps this time" }])
    );
    let after = schedule_at(
        "Hội trường A",
        "2026-12-10T04:00:00Z",
        "2026-12-10T06:00:00Z",
    )
    .await;
    assert_eq!(
        after["dialogue"]["status"],
        json!("SCHEDULED"),
        "back to back is fine: {after}"
    );
    let elsewhere = schedule_at(
        "Hội trường B",
        "2026-12-10T01:00:00Z",
        "2026-12-10T04:00:00Z",
    )
    .await;
    assert!(elsewhere["dialogue"]["id"].is_string());
    let backwards = schedule_at(
        "Hội trường C",
        "2026-12-10T04:00:00Z",
        "2026-12-10T04:00:00Z",
    )
    .await;
    assert_eq!(
        backwards["userErrors"][0]["field"],
        json!(["input", "endsAt"])
    );
    let past = schedule_at(
        "Hội trường C",
        "2026-11-26T02:00:00Z",
        "2026-11-26T04:00:00Z",
    )
    .await;
    assert_eq!(past["userErrors"][0]["field"], json!(["input", "startsAt"]));

    // A cancelled dialogue frees its slot.
    let id = first["dialogue"]["id"].clone();
    let cancel = s
        .app
        .graphql(Some(&s.official.token), "mutation($id: ID!) { cancelDialogue(input: {dialogueId: $id, reason: \"Hoãn\"}) { dialogue { status cancellationReason } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        cancel["data"]["cancelDialogue"]["dialogue"],
        json!({ "status": "CANCELLED", "cancellationReason": "Hoãn" })
    );
    let retry = schedule_at(
        "hội trường a",
        "2026-12-10T03:00:00Z",
        "2026-12-10T03:30:00Z",
    )
    .await;
    assert!(retry["dialogue"]["id"].is_string(), "{retry}");
    let update = s
        .app
        .graphql(Some(&s.official.token), "mutation($id: ID!) { updateDialogue(input: {dialogueId: $id, title: \"Mới\"}) { userErrors { code } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        update["data"]["updateDialogue"]["userErrors"][0]["code"],
        json!("INVALID_TRANSITION")
    );
    for who in [None, Some(&s.firm.token)] {
        let body = s
            .app
            .graphql(
                who.map(String::as_str),
                SCHEDULE,
                dialogue_input("X", "2026-12-11T01:00:00Z", "2026-12-11T02:00:00Z", None),
            )
            .await;
        assert_eq!(
            error_code(&body),
            if who.is_none() {
                "UNAUTHENTICATED"
            } else {
                "FORBIDDEN"
            }
        );
    }
    let audited = s
        .app
        .graphql(
            Some(&s.official.token),
            "{ auditEvents(filter: {action: \"scheduleDialogue\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(audited["data"]["auditEvents"]["totalCount"], json!(4));
}

#[tokio::test]
async fn fifty_simultaneous_registrations_for_ten_places_admit_exactly_ten() {
    let s = setting().await;
    let dialogue = schedule(&s, Some(10)).await;
    let firms =
        futures_util::future::join_all((0..50).map(|_| s.app.verified_firm(&s.official))).await;
    let attempts = firms
        .iter()
        .map(|firm| register(&s.app, &firm.token, &dialogue, 2));
    let bodies = futures_util::future::join_all(attempts).await;
    let admitted = bodies
        .iter()
        .filter(|b| b["data"]["registerForDialogue"]["registration"].is_object())
        .count();
    let full = bodies
        .iter()
        .filter(|b| {
            b["data"]["registerForDialogue"]["userErrors"][0]["code"] == json!("LIMIT_EXCEEDED")
        })
        .count();
    assert_eq!((admitted, full), (10, 40));
    assert_eq!(s.app.count_rows("dialogue_registrations").await, 10);
    let node = s
        .app
        .graphql(Some(&s.official.token), "query($id: ID!) { node(id: $id) { ... on Dialogue { registeredCount registrations { attendees } } } }", json!({ "id": dialogue }))
        .await;
    assert_eq!(node["data"]["node"]["registeredCount"], json!(10));
    assert_eq!(
        node["data"]["node"]["registrations"]
            .as_array()
            .map(Vec::len),
        Some(10)
    );
}

#[tokio::test]
async fn registration_rules_and_privacy() {
    let s = setting().await;
    let dialogue = schedule(&s, Some(2)).await;
    let other = s.app.verified_firm(&s.official).await;
    let ok = register(&s.app, &s.firm.token, &dialogue, 3).await;
    assert_eq!(
        ok["data"]["registerForDialogue"],
        json!({ "registration": { "attendees": 3, "enterprise": { "id": s.firm.enterprise_id } }, "dialogue": { "registeredCount": 1 }, "userErrors": [] })
    );
    let again = register(&s.app, &s.firm.token, &dialogue, 1).await;
    assert_eq!(
        again["data"]["registerForDialogue"]["userErrors"][0]["code"],
        json!("TAKEN")
    );
    let zero = register(&s.app, &other.token, &dialogue, 0).await;
    assert_eq!(
        zero["data"]["registerForDialogue"]["userErrors"][0]["field"],
        json!(["input", "attendees"])
    );
    let unverified = s.app.firm().await;
    assert_eq!(
        error_code(&register(&s.app, &unverified.token, &dialogue, 1).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&register(&s.app, &s.official.token, &dialogue, 1).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&register(&s.app, &s.admin.token, &dialogue, 1).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&register(&s.app, "", &dialogue, 1).await),
        "UNAUTHENTICATED"
    );
    register(&s.app, &other.token, &dialogue, 1).await;

    // Capacity never below the registrations.
    let shrink = s
        .app
        .graphql(Some(&s.official.token), "mutation($id: ID!) { updateDialogue(input: {dialogueId: $id, capacity: 1}) { dialogue { capacity } userErrors { field code message } } }", json!({ "id": dialogue }))
        .await;
    assert_eq!(
        shrink["data"]["updateDialogue"]["userErrors"],
        json!([{ "field": ["input", "capacity"], "code": "LIMIT_EXCEEDED", "message": "2 enterprises are registered already" }])
    );

    let query = "query($id: ID!) { node(id: $id) { ... on Dialogue { registeredCount registrations { enterprise { id } } } } }";
    let vars = json!({ "id": dialogue });
    let anonymous = s.app.graphql(None, query, vars.clone()).await;
    assert_eq!(
        anonymous["data"]["node"],
        json!({ "registeredCount": 2, "registrations": [] })
    );
    let own = s
        .app
        .graphql(Some(&s.firm.token), query, vars.clone())
        .await;
    assert_eq!(
        own["data"]["node"]["registrations"],
        json!([{ "enterprise": { "id": s.firm.enterprise_id } }])
    );
    let official = s
        .app
        .graphql(Some(&s.official.token), query, vars.clone())
        .await;
    assert_eq!(
        official["data"]["node"]["registrations"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let withdraw = s
        .app
        .graphql(Some(&s.firm.token), "mutation($id: ID!) { withdrawRegistration(input: {dialogueId: $id}) { dialogue { registeredCount } userErrors { code } } }", vars.clone())
        .await;
    assert_eq!(
        withdraw["data"]["withdrawRegistration"]["dialogue"]["registeredCount"],
        json!(1)
    );
    let third = s.app.verified_firm(&s.official).await;
    let fits = register(&s.app, &third.token, &dialogue, 1).await;
    assert!(
        fits["data"]["registerForDialogue"]["registration"].is_object(),
        "{fits}"
    );
}

#[tokio::test]
async fn a_dialogue_closes_as_held_only_after_it_starts_across_a_restart() {
    let s = setting().await;
    let dialogue = schedule(&s, None).await;
    let close = "mutation($id: ID!) { closeDialogue(input: {dialogueId: $id, minutes: \"Biên bản: đã giải đáp 12 kiến nghị.\"}) { dialogue { status minutes } userErrors { code message } } }";
    let early = s
        .app
        .graphql(Some(&s.official.token), close, json!({ "id": dialogue }))
        .await;
    assert_eq!(
        early["data"]["closeDialogue"]["userErrors"],
        json!([{ "code": "INVALID_TRANSITION", "message": "the dialogue has not started yet" }])
    );

    let later = spawn_on(s.app.settings.database_url.clone(), |settings| {
        settings.now = "2026-12-10T02:00:00Z".parse().ok();
    })
    .await;
    let late_register = register(&later, &s.firm.token, &dialogue, 1).await;
    assert_eq!(
        late_register["data"]["registerForDialogue"]["userErrors"][0]["code"],
        json!("INVALID_TRANSITION")
    );
    let held = later
        .graphql(Some(&s.official.token), close, json!({ "id": dialogue }))
        .await;
    assert_eq!(
        held["data"]["closeDialogue"]["dialogue"],
        json!({ "status": "HELD", "minutes": "Biên bản: đã giải đáp 12 kiến nghị." })
    );
    let overview = later
        .graphql(None, "{ programmeOverview { dialoguesHeld } }", json!({}))
        .await;
    assert_eq!(
        overview["data"]["programmeOverview"]["dialoguesHeld"],
        json!(1)
    );
    let listed = later
        .graphql(None, "{ dialogues(filter: {statuses: [HELD], formats: [BUSINESS_DIALOGUE]}) { totalCount nodes { status } } }", json!({}))
        .await;
    assert_eq!(
        listed["data"]["dialogues"],
        json!({ "totalCount": 1, "nodes": [{ "status": "HELD" }] })
    );
}
