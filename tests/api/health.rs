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

/// Dropping every session of an embedded SQLite file is not a thing.
#[tokio::test]
#[ignore = "PostgreSQL only: runs with TEST_DATABASE_URL and --include-ignored"]
async fn the_server_recovers_when_postgresql_drops_its_connections() {
    let server = crate::helpers::require_postgres();
    let app = spawn_app().await;
    let admin = app.admin().await;
    let database = app
        .settings
        .database_url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let killer = sea_orm::sqlx::PgPool::connect(&server)
        .await
        .expect("connects");
    let killed: Vec<i32> = sea_orm::sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&database)
    .fetch_all(&killer)
    .await
    .expect("the server's sessions");
    assert!(!killed.is_empty(), "the server had sessions");
    sea_orm::sqlx::query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid")
        .bind(&killed)
        .execute(&killer)
        .await
        .expect("terminates");
    // Every one of them is gone before the next request.
    loop {
        let left: i64 = sea_orm::sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)",
        )
        .bind(&killed)
        .fetch_one(&killer)
        .await
        .expect("counts");
        if left == 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    // The server notices its connections are lost and opens new ones, without a
    // restart and without failing the request that found them lost.
    let answered = app
        .graphql(
            Some(&admin.token),
            "{ viewer { role } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(answered["data"]["viewer"]["role"], "ADMIN", "{answered}");
    let ready = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(ready.status().as_u16(), 200);
}
