use std::process::Command;

use crate::helpers::spawn_app;

/// The `graphql-http` package's server audit: no error and no warning.
/// `scripts/test` installs it (`npm ci` in tests/graphql-http).
#[tokio::test]
async fn graphql_http_audit_passes() {
    let app = spawn_app().await;
    let dir = std::path::Path::new("tests/graphql-http");
    assert!(
        dir.join("node_modules/graphql-http").exists(),
        "run `npm ci` in tests/graphql-http first (scripts/test does)"
    );
    let url = app.url("/graphql");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("audit.mjs")
            .arg(url)
            .current_dir("tests/graphql-http")
            .output()
    })
    .await
    .expect("joined")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
