//! A burst of requests beyond the pool waits its turn: while the database is only
//! busy, no request fails with DATABASE_UNAVAILABLE for want of a connection.

use std::time::Duration;

use serde_json::json;

use crate::{helpers::spawn_app_with, registry::commune_input};

#[tokio::test]
async fn a_burst_beyond_the_pool_waits_its_turn_instead_of_failing() {
    // One connection, and an acquire timeout far shorter than the burst takes to
    // serve (but long enough to open the connection): requests that queued at the
    // pool would fail.
    let app = spawn_app_with(|s| {
        s.database_pool_size = 1;
        s.database_acquire_timeout = Duration::from_millis(250);
    })
    .await;
    let admin = app.admin().await;
    for n in 0..5 {
        app.mutate(
            &admin.token,
            "createCommune",
            commune_input(&format!("ADM{n}"), &format!("Xã Hàng Đợi {n}")),
        )
        .await;
    }
    // Each request runs several statements: the page, its count, the totals.
    let query = "{ communes(first: 20) { totalCount nodes { code contributionTotals { count pledged } } } }";
    let answers = futures_util::future::join_all(
        (0..400).map(|_| app.graphql(Some(&admin.token), query, json!({}))),
    )
    .await;
    for answer in &answers {
        assert!(answer.get("errors").is_none(), "{answer}");
        assert_eq!(answer["data"]["communes"]["totalCount"], 5, "{answer}");
    }
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics
            .lines()
            .any(|line| line == "donghanh_graphql_requests_waiting 0"),
        "nothing waits once the burst is served:\n{metrics}"
    );
}
