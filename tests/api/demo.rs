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
               contributions { count pledged } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        overview["data"]["programmeOverview"],
        json!({
            "specialCommunes": 55, "specialCommunesAtNewRuralStandard": 34, "twinnedSpecialCommunes": 55,
            "partners": 36, "contributions": { "count": 55, "pledged": "70300000000" }
        })
    );
    let statuses = app
        .graphql(None, "{ contributionSummary(groupBy: STATUS) { key } contributionSummary2: contributionSummary(groupBy: YEAR) { key } }", json!({}))
        .await;
    assert_eq!(
        statuses["data"]["contributionSummary2"]
            .as_array()
            .map(Vec::len),
        Some(4),
        "{statuses}"
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
