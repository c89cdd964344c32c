use std::io::Write;

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, error_code, spawn_app, spawn_app_with};

const CREATE: &str = "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id email displayName role } userErrors { field message code } } }";

#[tokio::test]
async fn unknown_email_and_wrong_password_answer_alike() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    let unknown = app.login("nobody@example.vn", PASSWORD).await;
    let wrong = app.login(&admin.email, "not-the-password").await;
    assert_eq!(unknown, wrong);
    assert_eq!(
        unknown["data"]["login"],
        json!({
            "token": null, "expiresAt": null, "viewer": null,
            "userErrors": [{ "field": null, "message": "the e-mail or password is incorrect", "code": "INVALID" }]
        })
    );

    // E-mails are matched case-insensitively and trimmed.
    let ok = app
        .login(&format!("  {}  ", admin.email.to_uppercase()), PASSWORD)
        .await;
    assert_eq!(
        ok["data"]["login"]["viewer"]["role"],
        json!("ADMIN"),
        "{ok}"
    );
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_email() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for _ in 0..5 {
        let body = app.login(&admin.email, "not-the-password").await;
        assert_eq!(
            body["data"]["login"]["userErrors"][0]["code"],
            json!("INVALID")
        );
    }
    // Even the right password is refused now, without being checked.
    let limited = app.login(&admin.email, PASSWORD).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
    // Another e-mail is not affected.
    let other = app
        .login("someone-else@example.vn", "whatever-password")
        .await;
    assert_eq!(
        other["data"]["login"]["userErrors"][0]["code"],
        json!("INVALID")
    );
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_client_address() {
    let app = spawn_app_with(|s| s.login_limits.per_address = 3).await;
    let admin = app.admin().await;
    for i in 0..3 {
        let body = app
            .login(&format!("guess-{i}@example.vn"), "whatever-password")
            .await;
        assert_eq!(
            body["data"]["login"]["userErrors"][0]["code"],
            json!("INVALID")
        );
    }
    let limited = app.login(&admin.email, PASSWORD).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
}

#[tokio::test]
async fn only_admins_create_accounts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let input = json!({ "input": {
        "email": "new@example.vn", "password": PASSWORD, "displayName": "Mới", "role": "OFFICIAL",
        "agencyId": official.agency_id
    } });

    assert_eq!(
        error_code(&app.graphql(None, CREATE, input.clone()).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&app.graphql(Some(&firm.token), CREATE, input.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.graphql(Some(&official.token), CREATE, input.clone())
                .await
        ),
        "FORBIDDEN"
    );
    let accounts_before = app.count_rows("accounts").await;
    assert_eq!(accounts_before, 3);

    let created = app.graphql(Some(&admin.token), CREATE, input).await;
    assert_eq!(
        created["data"]["createAccount"]["account"]["email"],
        json!("new@example.vn")
    );
    assert_eq!(
        created["data"]["createAccount"]["account"]["role"],
        json!("OFFICIAL")
    );
    assert_eq!(app.count_rows("accounts").await, 4);
}

#[tokio::test]
async fn bad_account_input_is_a_user_error_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let agency = app.agency(&admin, "Sở Tài chính").await;
    let unknown_agency = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Agency:999")
    };
    let cases = [
        (json!({ "agencyId": null }), "agencyId", "INVALID"),
        (
            json!({ "agencyId": unknown_agency }),
            "agencyId",
            "NOT_FOUND",
        ),
        (
            json!({ "role": "FIRM", "agencyId": null }),
            "enterpriseId",
            "INVALID",
        ),
        (json!({ "role": "FIRM" }), "enterpriseId", "INVALID"),
        (json!({ "email": "not-an-email" }), "email", "INVALID"),
        (
            json!({ "email": admin.email.to_uppercase() }),
            "email",
            "TAKEN",
        ),
        (json!({ "password": "short" }), "password", "INVALID"),
        (json!({ "displayName": "   " }), "displayName", "INVALID"),
        (
            json!({ "displayName": "x".repeat(201) }),
            "displayName",
            "INVALID",
        ),
        (
            json!({ "displayName": "bad\u{0}name" }),
            "displayName",
            "INVALID",
        ),
        (json!({ "agencyId": "QWNjb3VudDox" }), "agencyId", "INVALID"),
    ];
    let rows_before = (
        app.count_rows("accounts").await,
        app.count_rows("audit_events").await,
    );
    for (change, field, code) in cases {
        let mut input = json!({
            "email": "fresh@example.vn", "password": PASSWORD, "displayName": "Tên", "role": "OFFICIAL", "agencyId": agency
        });
        for (key, value) in change.as_object().expect("object") {
            input[key] = value.clone();
        }
        let body = app
            .graphql(Some(&admin.token), CREATE, json!({ "input": input }))
            .await;
        let payload = &body["data"]["createAccount"];
        assert_eq!(payload["account"], Value::Null, "{field}: {body}");
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", field]),
            "{body}"
        );
        assert_eq!(payload["userErrors"][0]["code"], json!(code), "{body}");
    }
    assert_eq!(
        (
            app.count_rows("accounts").await,
            app.count_rows("audit_events").await
        ),
        rows_before
    );
}

#[tokio::test]
async fn email_is_private_and_accounts_are_visible_only_to_themselves_and_officials() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let other_firm = app.firm().await;
    let query = "query($id: ID!) { node(id: $id) { ... on Account { id email role } } }";
    let vars = json!({ "id": firm.id });

    let own = app.graphql(Some(&firm.token), query, vars.clone()).await;
    assert_eq!(own["data"]["node"]["email"], json!(firm.email));
    let by_official = app
        .graphql(Some(&official.token), query, vars.clone())
        .await;
    assert_eq!(by_official["data"]["node"]["email"], json!(firm.email));
    let by_other = app
        .graphql(Some(&other_firm.token), query, vars.clone())
        .await;
    assert_eq!(by_other["data"], json!({ "node": null }));
    let by_anonymous = app.graphql(None, query, vars).await;
    assert_eq!(by_anonymous["data"], json!({ "node": null }));

    let nodes = app
        .graphql(
            Some(&firm.token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [firm.id, other_firm.id, "garbage"] }),
        )
        .await;
    assert_eq!(
        nodes["data"]["nodes"],
        json!([{ "id": firm.id }, null, null])
    );
}

#[tokio::test]
async fn create_admin_command_then_login() {
    let app = spawn_app().await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_donghanh"))
        .args([
            "create-admin",
            "--email",
            "Chu.Tich@Example.vn",
            "--display-name",
            "Chủ tịch",
        ])
        .env("DATABASE_URL", &app.settings.database_url)
        .env("DONGHANH_LOG_FORMAT", "json")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("password written");
    let output = child.wait_with_output().expect("finishes");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let login = app.login("chu.tich@example.vn", PASSWORD).await;
    assert_eq!(
        login["data"]["login"]["viewer"]["role"],
        json!("ADMIN"),
        "{login}"
    );
    assert_eq!(
        login["data"]["login"]["viewer"]["email"],
        json!("chu.tich@example.vn")
    );
    let viewer = app
        .graphql(
            login["data"]["login"]["token"].as_str(),
            "{ viewer { email role } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["data"]["viewer"],
        json!({ "email": "chu.tich@example.vn", "role": "ADMIN" })
    );
}

#[test]
fn production_refuses_to_start_without_a_long_secret() {
    let run = |secret: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_donghanh"));
        command
            .arg("serve")
            .env("DONGHANH_ENV", "production")
            .env("DONGHANH_BIND", "127.0.0.1:0")
            .env("DATABASE_URL", "sqlite::memory:")
            .env_remove("DONGHANH_JWT_SECRET");
        if let Some(secret) = secret {
            command.env("DONGHANH_JWT_SECRET", secret);
        }
        command.output().expect("the binary runs")
    };
    for secret in [None, Some("too-short")] {
        let output = run(secret);
        assert_eq!(output.status.code(), Some(2), "{secret:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("DONGHANH_JWT_SECRET"), "{stderr}");
        assert!(
            !stderr.contains("too-short"),
            "the secret must not be printed: {stderr}"
        );
    }
}
