//! The contributions CSV streams in constant memory: a million contributions
//! download while the server's resident memory stays within a few pages' worth.
//!
//! The server measured is the `donghanh` binary, run as a subprocess against the
//! test's database, and its memory is read from `/proc/<pid>/status`. Not the
//! in-process server of the other tests: the test binary runs many tests, each
//! with its own server, in parallel threads of one process, so that process's
//! memory moves with whatever the others do; a process of its own serves this
//! download alone, so its memory is this download's.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use serde_json::{Value, json};

use crate::{
    contributions::create_commune,
    helpers::{TEST_JWT_SECRET, spawn_app},
    registry::string_at,
};

const ROWS: u64 = 1_000_000;
/// What the download may add to the server's memory: a few pages of rows and the
/// socket's buffers, far below the file (over 150 MB) or the rows it holds.
const ALLOWANCE_BYTES: u64 = 64 * 1024 * 1024;

/// The server binary, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `donghanh serve` on `database_url` and waits for its "listening" line.
fn serve(database_url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_donghanh"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("DONGHANH_BIND", "127.0.0.1:0")
        .env("DONGHANH_JWT_SECRET", TEST_JWT_SECRET)
        .env("DONGHANH_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let stdout = child.stdout.take().expect("its output");
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("the server says it is listening before it stops")
            .expect("a line");
        let Ok(event) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if event["fields"]["message"] == json!("listening") {
            break event["fields"]["port"].as_u64().expect("a port") as u16;
        }
    };
    // Keep reading its log so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, port }
}

/// The resident memory of a process, in bytes.
fn resident(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc is readable");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS")
        * 1024
}

#[tokio::test]
async fn a_million_contributions_stream_in_flat_memory() {
    // Arrange: one pledge through the API, copied by SQL to a million.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let commune = create_commune(&app, &official, "90100", "Xã Triệu Dòng", true).await;
    let body = app
        .graphql(
            Some(&firm.token),
            "mutation($input: PledgeContributionInput!) { pledgeContribution(input: $input) { contribution { id } userErrors { message } } }",
            json!({ "input": { "communeId": commune, "kind": "CASH", "purpose": "Đường liên thôn, bản Mường", "amount": "123456789" } }),
        )
        .await;
    string_at(&body, "/data/pledgeContribution/contribution/id");
    app.execute_sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) \
         INSERT INTO contributions (commune_id, enterprise_id, agency_id, kind, purpose, \
           pledged_amount, disbursed_amount, status, pledged_on, due_on, confirmed_at, \
           cancelled_at, cancellation_reason, idempotency_key, created_by, created_at, updated_at) \
         SELECT c.commune_id, c.enterprise_id, c.agency_id, c.kind, c.purpose, c.pledged_amount, \
           c.disbursed_amount, c.status, c.pledged_on, c.due_on, c.confirmed_at, c.cancelled_at, \
           c.cancellation_reason, NULL, c.created_by, c.created_at, c.updated_at \
         FROM contributions c CROSS JOIN n",
        copies = ROWS - 1
    ))
    .await;
    assert_eq!(app.count_rows("contributions").await as u64, ROWS);

    let server = serve(&app.settings.database_url);
    let pid = server.child.id();
    let url = |path: &str| format!("http://127.0.0.1:{}{path}", server.port);
    let client = reqwest::Client::new();

    // Too many rows for an XLSX: refused before anything is read.
    let refused = client
        .get(url("/exports/contributions.xlsx"))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 400);
    let refusal: Value = refused.json().await.expect("JSON");
    assert!(
        refusal["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1000000 rows") && m.contains("200000")),
        "{refusal}"
    );

    // The same path once, empty, so the baseline has its code and connections warm.
    let warm = client
        .get(url("/exports/contributions.csv?statuses=CANCELLED"))
        .send()
        .await
        .expect("sent");
    assert_eq!(warm.status(), 200);
    warm.bytes().await.expect("read");
    let baseline = resident(pid);

    // Act: download everything, reading as it comes, while watching the server.
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(resident(pid), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let mut response = client
        .get(url("/exports/contributions.csv"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let (mut bytes, mut lines) = (0_u64, 0_u64);
    while let Some(chunk) = response.chunk().await.expect("the download completes") {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    done.store(true, Ordering::Relaxed);
    watcher.join().expect("the watcher stops");
    let grown = peak.load(Ordering::Relaxed).saturating_sub(baseline);
    eprintln!(
        "streamed {} MiB; the server grew by {} KiB from {} MiB",
        bytes / (1024 * 1024),
        grown / 1024,
        baseline / (1024 * 1024)
    );

    assert_eq!(lines, 1 + ROWS, "a header and every row");
    assert!(bytes > 150 * 1024 * 1024, "the file is {bytes} bytes");
    assert!(
        grown < ALLOWANCE_BYTES,
        "the server grew by {} MiB while streaming {} MiB",
        grown / (1024 * 1024),
        bytes / (1024 * 1024)
    );
}
