use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_readyz_metrics_and_sdl_answer() {
    let app = spawn_app().await;

    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status().as_u16(), 200);
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(ready.status().as_u16(), 200);

    let sdl = app
        .client
        .get(app.url("/schema.graphql"))
        .send()
        .await
        .expect("sent");
    assert_eq!(sdl.status().as_u16(), 200);
    assert_eq!(sdl.text().await.expect("text"), donghanh::graphql::sdl());

    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(metrics.status().as_u16(), 200);
    let text = metrics.text().await.expect("text");
    assert!(
        text.contains(
            r#"donghanh_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_unreachable_and_requests_fail_fast() {
    let app = spawn_app().await;
    app.state.db.read.clone().close().await.expect("closed");
    app.state.db.write.clone().close().await.expect("closed");

    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(ready.status().as_u16(), 503);
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status().as_u16(), 200);

    let admin_body = app
        .graphql(
            None,
            "mutation { login(input: {email: \"a@b.vn\", password: \"whatever-long\"}) { token } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        crate::helpers::error_code(&admin_body),
        "DATABASE_UNAVAILABLE",
        "{admin_body}"
    );
}
