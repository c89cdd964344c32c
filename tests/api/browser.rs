use std::{path::Path, process::Command};

use crate::helpers::spawn_app;

/// The dashboard and GraphiQL in a real browser: Debian's `chromium`, headless,
/// driven by `playwright-core` (tests/browser/dashboard.mjs) against a server with
/// the demo data; every request outside 127.0.0.1 is blocked. Screenshots are kept
/// in tests/browser/screenshots/ (ignored by git). `scripts/test` installs the npm
/// package; `.ci/run` installs Chromium.
#[tokio::test]
async fn the_dashboard_and_graphiql_work_in_a_browser() {
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: `apt-get install chromium` (.ci/run does), or set CHROMIUM_PATH"
    );
    assert!(
        Path::new("tests/browser/node_modules/playwright-core").exists(),
        "run `npm ci` in tests/browser first (scripts/test does)"
    );
    let app = spawn_app().await;
    donghanh::demo::load(&app.state).await.expect("demo loads");
    let base = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("dashboard.mjs")
            .arg(base)
            .arg("screenshots")
            .env("CHROMIUM_PATH", chromium)
            .current_dir("tests/browser")
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
    assert!(stdout.contains("all checks passed"), "{stdout}");
}
