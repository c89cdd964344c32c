use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TEST_JWT_SECRET, TestApp, error_code, spawn_app};

const VIEWER: &str = "{ viewer { id } }";

async fn viewer_with(app: &TestApp, token: &str) -> Value {
    app.graphql(Some(token), VIEWER, json!({})).await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims as the server issues them for account `sub`, to be varied by each test.
fn claims(sub: &str) -> Value {
    json!({
        "iss": "donghanh", "aud": "donghanh-api", "sub": sub, "role": "ADMIN",
        "iat": now() - 10, "nbf": now() - 10, "exp": now() + 3600,
        "jti": "test", "generation": 0
    })
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("signing works")
}

fn account_key(member_id: &str) -> String {
    let decoded = URL_SAFE_NO_PAD
        .decode(member_id)
        .expect("an opaque id we issued");
    let text = String::from_utf8(decoded).expect("utf-8");
    text.split_once(':').expect("Type:key").1.to_owned()
}

async fn assert_rejected(app: &TestApp, token: &str, why: &str) {
    let body = viewer_with(app, token).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{why}: {body}");
    assert!(
        body.get("data").is_none(),
        "{why}: a rejected token must not run as anonymous: {body}"
    );
}

#[tokio::test]
async fn a_valid_token_signs_in_and_every_bad_token_is_rejected() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let sub = account_key(&admin.id);

    let good = viewer_with(&app, &sign(&claims(&sub), TEST_JWT_SECRET)).await;
    assert_eq!(good["data"]["viewer"]["id"], json!(admin.id), "{good}");

    // Tampered: the payload changed after signing.
    let mut parts: Vec<String> = admin.token.split('.').map(str::to_owned).collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("payload")).expect("json");
    payload["sub"] = json!("999");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    assert_rejected(&app, &parts.join("."), "tampered").await;

    assert_rejected(
        &app,
        &sign(&claims(&sub), "another-key-another-key-another-key-0"),
        "other key",
    )
    .await;

    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let none_payload = URL_SAFE_NO_PAD.encode(claims(&sub).to_string());
    assert_rejected(&app, &format!("{none_header}.{none_payload}."), "alg none").await;

    let mut expired = claims(&sub);
    expired["iat"] = json!(now() - 7200);
    expired["nbf"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    assert_rejected(&app, &sign(&expired, TEST_JWT_SECRET), "expired").await;

    let mut early = claims(&sub);
    early["nbf"] = json!(now() + 3600);
    assert_rejected(&app, &sign(&early, TEST_JWT_SECRET), "nbf ahead").await;

    let mut issuer = claims(&sub);
    issuer["iss"] = json!("someone-else");
    assert_rejected(&app, &sign(&issuer, TEST_JWT_SECRET), "wrong iss").await;

    let mut audience = claims(&sub);
    audience["aud"] = json!("another-api");
    assert_rejected(&app, &sign(&audience, TEST_JWT_SECRET), "wrong aud").await;

    for claim in ["sub", "exp", "nbf", "iss", "aud"] {
        let mut missing = claims(&sub);
        missing.as_object_mut().expect("object").remove(claim);
        assert_rejected(&app, &sign(&missing, TEST_JWT_SECRET), claim).await;
    }

    let mut nobody = claims(&sub);
    nobody["sub"] = json!("987654");
    assert_rejected(&app, &sign(&nobody, TEST_JWT_SECRET), "unknown account").await;

    assert_rejected(&app, "not-a-jwt", "garbage").await;
    let basic = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Basic YTpi")
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .expect("sent");
    let body: Value = basic.json().await.expect("json");
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}

#[tokio::test]
async fn a_disabled_account_is_rejected() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    assert!(viewer_with(&app, &admin.token).await["data"]["viewer"]["id"].is_string());

    app.execute_sql(&format!(
        "UPDATE accounts SET disabled = TRUE WHERE id = {}",
        account_key(&admin.id)
    ))
    .await;

    assert_rejected(&app, &admin.token, "disabled").await;
    let login = app.login(&admin.email, PASSWORD).await;
    assert_eq!(login["data"]["login"]["token"], Value::Null, "{login}");
    assert_eq!(
        login["data"]["login"]["userErrors"][0]["code"],
        json!("INVALID")
    );
}

#[tokio::test]
async fn tokens_issued_before_a_password_change_stop_working() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = app
        .graphql(
            Some(&admin.token),
            "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { token userErrors { field code } } }",
            json!({ "input": { "currentPassword": PASSWORD, "newPassword": "một-mật-khẩu-mới-hơn" } }),
        )
        .await;
    let fresh = body["data"]["changePassword"]["token"]
        .as_str()
        .expect("a fresh token")
        .to_owned();

    assert_rejected(&app, &admin.token, "issued before the change").await;
    assert_eq!(
        viewer_with(&app, &fresh).await["data"]["viewer"]["id"],
        json!(admin.id)
    );
    assert_eq!(
        app.login(&admin.email, PASSWORD).await["data"]["login"]["token"],
        Value::Null
    );
    assert!(
        app.login(&admin.email, "một-mật-khẩu-mới-hơn").await["data"]["login"]["token"].is_string()
    );
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = app
        .graphql(
            Some(&admin.token),
            "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { token userErrors { field code } } }",
            json!({ "input": { "currentPassword": "wrong-password-here", "newPassword": "một-mật-khẩu-mới-hơn" } }),
        )
        .await;
    assert_eq!(
        body["data"]["changePassword"],
        json!({ "token": null, "userErrors": [{ "field": ["input", "currentPassword"], "code": "INVALID" }] })
    );
    assert!(viewer_with(&app, &admin.token).await["data"]["viewer"]["id"].is_string());

    let anonymous = app
        .graphql(
            None,
            "mutation { changePassword(input: {currentPassword: \"x\", newPassword: \"yyyyyyyyyyyy\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}
