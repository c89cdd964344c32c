//! Rate limits hold under concurrency: an attempt is counted before it is
//! evaluated, so forty simultaneous guesses at one account's password get as many
//! evaluations as the limit allows; and registrations are limited per address.

use serde_json::json;

use crate::helpers::{PASSWORD, error_code, spawn_app, spawn_app_with, tax_code};

#[tokio::test]
async fn simultaneous_wrong_passwords_are_counted_before_they_are_checked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let passwords: Vec<String> = (0..40).map(|i| format!("wrong-password-{i}")).collect();
    let guesses = passwords.iter().map(|guess| app.login(&admin.email, guess));
    let answers = futures_util::future::join_all(guesses).await;
    let invalid = answers
        .iter()
        .filter(|body| body["data"]["login"]["userErrors"][0]["code"] == json!("INVALID"))
        .count();
    let limited = answers
        .iter()
        .filter(|body| error_code(body) == "RATE_LIMITED")
        .count();
    assert_eq!((invalid, limited), (5, 35));
    // The right password is refused too until the window passes.
    assert_eq!(
        error_code(&app.login(&admin.email, PASSWORD).await),
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn a_correct_password_is_given_back_to_the_address() {
    let app = spawn_app_with(|s| s.login_limits.per_address = 2).await;
    let admin = app.admin().await;
    for _ in 0..5 {
        let ok = app.login(&admin.email, PASSWORD).await;
        assert!(ok["data"]["login"]["token"].is_string(), "{ok}");
    }
}

#[tokio::test]
async fn registrations_are_limited_per_client_address() {
    let app = spawn_app_with(|s| s.login_limits.registrations_per_address = 3).await;
    let admin = app.admin().await;
    let register = |email: String| {
        let app = &app;
        async move {
            app.graphql(
                None,
                "mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { token userErrors { code } } }",
                json!({ "input": { "taxCode": tax_code(), "name": "Công ty Thử", "email": email, "password": PASSWORD, "displayName": "Giám đốc" } }),
            )
            .await
        }
    };
    let first = register("mot@example.vn".into()).await;
    assert!(
        first["data"]["registerEnterprise"]["token"].is_string(),
        "{first}"
    );
    // Probing whether an account exists counts as well.
    let taken = register(admin.email.clone()).await;
    assert_eq!(
        taken["data"]["registerEnterprise"]["userErrors"][0]["code"],
        json!("TAKEN")
    );
    let third = register("ba@example.vn".into()).await;
    assert!(
        third["data"]["registerEnterprise"]["token"].is_string(),
        "{third}"
    );
    let before = app.count_rows("enterprises").await;
    let limited = register("bon@example.vn".into()).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited}");
    assert_eq!(app.count_rows("enterprises").await, before);
    // Signing in is not affected.
    let ok = app.login(&admin.email, PASSWORD).await;
    assert!(ok["data"]["login"]["token"].is_string(), "{ok}");
}
