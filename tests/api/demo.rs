use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn demo_data_shows_the_reported_figures_and_loads_once() {
    let app = spawn_app().await;
    donghanh::demo::load(&app.state).await.expect("demo loads");
    donghanh::demo::load(&app.state)
        .await
        .expect("a second load is a no-op");

    let overview = app
        .graphql(
            None,
            "{ programmeOverview { specialCommunes specialCommunesAtNewRuralStandard twinnedSpecialCommunes partners
               contributions { count pledged disbursed outstanding } dialoguesHeld agendaItems agendaItemsAnswered agendaItemsOverdue } }",
            json!({}),
        )
        .await;
    assert_eq!(
        overview["data"]["programmeOverview"],
        json!({
            "specialCommunes": 55, "specialCommunesAtNewRuralStandard": 34, "twinnedSpecialCommunes": 55,
            "partners": 36,
            // The partners gave over the 70.3 billion the report quotes; this year's
            // pledges are still being disbursed, some not yet confirmed.
            "contributions": { "count": 66, "pledged": "79460000000", "disbursed": "71480000000", "outstanding": "7980000000" },
            "dialoguesHeld": 4, "agendaItems": 2028, "agendaItemsAnswered": 2024, "agendaItemsOverdue": 1
        })
    );
    let statuses = app
        .graphql(None, "{ contributionSummary(groupBy: STATUS) { key totals { count } } contributionSummary2: contributionSummary(groupBy: YEAR) { key } }", json!({}))
        .await;
    let mut by_status = statuses["data"]["contributionSummary"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    by_status.sort_by_key(|group| group["key"].as_str().map(str::to_owned));
    assert_eq!(
        by_status,
        vec![
            json!({ "key": "CONFIRMED", "totals": { "count": 10 } }),
            json!({ "key": "FULFILLED", "totals": { "count": 52 } }),
            json!({ "key": "PLEDGED", "totals": { "count": 4 } }),
        ],
        "{statuses}"
    );
    assert_eq!(
        statuses["data"]["contributionSummary2"]
            .as_array()
            .map(Vec::len),
        Some(4),
        "{statuses}"
    );
    let upcoming = app
        .graphql(
            None,
            "{ dialogues(filter: {statuses: [SCHEDULED]}) { nodes { registeredCount agenda { status position } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        upcoming["data"]["dialogues"]["nodes"],
        json!([{ "registeredCount": 3, "agenda": [
            { "status": "ACCEPTED", "position": 1 }, { "status": "ASSIGNED", "position": 2 },
            { "status": "ANSWERED", "position": 3 }, { "status": "RESOLVED", "position": 4 }
        ] }])
    );
    let official = app
        .login(
            donghanh::demo::OFFICIAL_EMAIL,
            donghanh::demo::DEMO_PASSWORD,
        )
        .await;
    let token = official["data"]["login"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let states = app
        .graphql(Some(&token), "{ agendaItems(first: 100, filter: {dialogueId: null}, orderBy: {field: SUBMITTED_AT, direction: DESC}) { nodes { status version history { toStatus } } } }", json!({}))
        .await;
    let nodes = states["data"]["agendaItems"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 100, "{states}");
    assert!(
        nodes
            .iter()
            .all(|n| n["version"].as_u64() == n["history"].as_array().map(|h| h.len() as u64)),
        "{states}"
    );
    let login = app
        .login(
            donghanh::demo::OFFICIAL_EMAIL,
            donghanh::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(
        login["data"]["login"]["viewer"]["role"],
        json!("OFFICIAL"),
        "{login}"
    );
    assert_eq!(app.count_rows("accounts").await, 3);
}
