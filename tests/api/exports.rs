//! Downloads: the lists as CSV and XLSX, authorised and filtered like the API, and
//! the programme report as XLSX and as a printable page.

use std::io::Read as _;

use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, error_code},
    reports::demo_app,
};

/// A CSV body's records (RFC 4180: quoted fields, doubled quotes, CRLF).
pub fn records(body: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = body.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request sent")
}

async fn csv(app: &TestApp, path: &str, token: Option<&str>) -> Vec<Vec<String>> {
    let response = get(app, path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8",
        "{path}"
    );
    let bytes = response.bytes().await.expect("a body");
    assert_eq!(bytes[..3], [0xef, 0xbb, 0xbf], "{path}: a byte-order mark");
    records(std::str::from_utf8(&bytes).expect("UTF-8"))
}

async fn token(app: &TestApp, email: &str) -> String {
    let body = app.login(email, donghanh::demo::DEMO_PASSWORD).await;
    body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

fn column<'a>(records: &'a [Vec<String>], header: &str) -> Vec<&'a str> {
    let at = records[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}: {:?}", records[0]));
    records[1..].iter().map(|r| r[at].as_str()).collect()
}

async fn total_count(app: &TestApp, token: Option<&str>, field: &str) -> usize {
    let body = app
        .graphql(
            token,
            &format!("{{ {field}(first: 0) {{ totalCount }} }}"),
            json!({}),
        )
        .await;
    body["data"][field]["totalCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("{body}")) as usize
}

#[tokio::test]
async fn the_ledger_downloads_as_csv_with_exact_amounts_and_local_times() {
    let app = demo_app().await;
    let rows = csv(&app, "/exports/contributions.csv", None).await;
    assert_eq!(
        rows[0][..4],
        ["Mã định danh (API)", "Ngày cam kết", "Mã xã", "Xã"]
    );
    assert_eq!(rows.len(), 1 + 66);
    let pledged: i128 = column(&rows, "Số tiền cam kết (đồng)")
        .iter()
        .map(|v| v.parse::<i128>().expect("whole đồng"))
        .sum();
    let disbursed: i128 = column(&rows, "Đã giải ngân (đồng)")
        .iter()
        .map(|v| v.parse::<i128>().expect("whole đồng"))
        .sum();
    assert_eq!((pledged, disbursed), (79_460_000_000, 71_480_000_000));
    assert!(column(&rows, "Xã").contains(&"Xã Đông Sơn"));
    // Confirmed at 02:00 UTC: 09:00 in Hà Nội.
    assert!(
        column(&rows, "Thời điểm xác nhận")
            .iter()
            .filter(|v| !v.is_empty())
            .all(|v| v.ends_with(" 09:00:00")),
        "{rows:?}"
    );
    // The ID column is the API's: each one is a node.
    let id = rows[1][0].clone();
    let node = app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on Contribution { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["data"]["node"]["id"], json!(id), "{node}");

    let open = csv(&app, "/exports/contributions.csv?statuses=PLEDGED", None).await;
    assert_eq!(open.len(), 1 + 4);
    assert!(
        column(&open, "Trạng thái")
            .iter()
            .all(|s| *s == "Đã cam kết")
    );
    let some = csv(
        &app,
        "/exports/contributions.csv?statuses=CONFIRMED,FULFILLED&pledgedFrom=2026-01-01&pledgedTo=2026-12-31",
        None,
    )
    .await;
    assert_eq!(some.len(), 1 + 10);
}

#[tokio::test]
async fn bad_parameters_and_credentials_are_refused_clearly() {
    let app = demo_app().await;
    for (path, status, code, message) in [
        (
            "/exports/contributions.csv?colour=red",
            400,
            "BAD_USER_INPUT",
            "unknown parameter `colour`",
        ),
        (
            "/exports/contributions.csv?statuses=PAID",
            400,
            "BAD_USER_INPUT",
            "`PAID` is not one of",
        ),
        (
            "/exports/contributions.csv?pledgedFrom=26/11/2026",
            400,
            "BAD_USER_INPUT",
            "must be a date",
        ),
        (
            "/exports/contributions.pdf",
            400,
            "BAD_USER_INPUT",
            "not a format",
        ),
        (
            "/exports/salaries.csv",
            400,
            "BAD_USER_INPUT",
            "no such export",
        ),
        (
            "/exports/registrations.csv",
            401,
            "UNAUTHENTICATED",
            "sign in",
        ),
        (
            "/exports/audit-events.xlsx",
            401,
            "UNAUTHENTICATED",
            "sign in",
        ),
        (
            "/exports/report.xlsx?from=2026-01-01",
            400,
            "BAD_USER_INPUT",
            "give `to`",
        ),
        (
            "/reports/programme?from=2026-02-01&to=2026-01-01",
            400,
            "BAD_USER_INPUT",
            "on or before",
        ),
    ] {
        let response = get(&app, path, None).await;
        assert_eq!(response.status(), status, "{path}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(error_code(&body), code, "{path}: {body}");
        let said = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(said.contains(message), "{path}: {said}");
    }
    let response = get(&app, "/exports/contributions.csv", Some("not-a-token")).await;
    assert_eq!(response.status(), 401);
    let firm = token(&app, donghanh::demo::FIRM_EMAIL).await;
    let response = get(&app, "/exports/audit-events.csv", Some(&firm)).await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn each_viewer_gets_what_the_api_shows_them() {
    let app = demo_app().await;
    let official = token(&app, donghanh::demo::OFFICIAL_EMAIL).await;
    let firm = token(&app, donghanh::demo::FIRM_EMAIL).await;

    // Contact details: officials see all; the firm its own; anonymous none.
    let emails = |rows: &[Vec<String>]| -> Vec<String> {
        column(rows, "Email liên hệ")
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let anonymous = csv(&app, "/exports/enterprises.csv", None).await;
    assert_eq!(anonymous.len(), 1 + 20);
    assert!(emails(&anonymous).is_empty());
    assert_eq!(
        emails(&csv(&app, "/exports/enterprises.csv", Some(&official)).await).len(),
        20
    );
    assert_eq!(
        emails(&csv(&app, "/exports/enterprises.csv", Some(&firm)).await),
        vec!["lienhe1@demo.donghanh.vn".to_owned()]
    );

    // Agenda items: the rows the API lists to each viewer, submitters withheld alike.
    for token in [None, Some(firm.as_str()), Some(official.as_str())] {
        let rows = csv(&app, "/exports/agenda-items.csv", token).await;
        assert_eq!(
            rows.len() - 1,
            total_count(&app, token, "agendaItems").await
        );
    }
    let public = csv(&app, "/exports/agenda-items.csv", None).await;
    let statuses = column(&public, "Trạng thái");
    assert!(!statuses.contains(&"Đã gửi") && !statuses.contains(&"Không tiếp nhận"));
    let withheld = public[1..]
        .iter()
        .zip(column(&public, "Bảo mật danh tính"))
        .filter(|(_, confidential)| *confidential == "Có")
        .all(|(row, _)| row[6].is_empty());
    assert!(withheld, "a confidential submitter is shown to the public");
    let overdue = csv(
        &app,
        "/exports/agenda-items.csv?overdue=true",
        Some(&official),
    )
    .await;
    assert_eq!(overdue.len(), 1 + 1);

    // Registrations: officials all; the firm its own enterprise's.
    let all = csv(&app, "/exports/registrations.csv", Some(&official)).await;
    let own = csv(&app, "/exports/registrations.csv", Some(&firm)).await;
    assert_eq!(all.len() - 1, 3 + 7 + 8 + 9 + 10);
    let own_names = column(&own, "Doanh nghiệp");
    assert!(!own_names.is_empty());
    assert!(
        own_names
            .iter()
            .all(|n| *n == "Công ty Cổ phần Xi măng Đông Sơn"),
        "{own_names:?}"
    );
    let upcoming = csv(
        &app,
        "/exports/registrations.csv?statuses=SCHEDULED",
        Some(&official),
    )
    .await;
    assert_eq!(upcoming.len(), 1 + 3);

    // Audit events: officials and admins.
    let audit = csv(
        &app,
        "/exports/audit-events.csv?action=loadDemoData",
        Some(&official),
    )
    .await;
    assert_eq!(audit.len(), 1 + 1);
    assert_eq!(column(&audit, "Hành động"), vec!["loadDemoData"]);
}

/// The files inside an XLSX.
fn unzip(bytes: &[u8]) -> std::collections::HashMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut files = std::collections::HashMap::new();
    for at in 0..archive.len() {
        let mut file = archive.by_index(at).expect("a file");
        let name = file.name().map(|n| n.to_string()).unwrap_or_default();
        let mut text = String::new();
        if file.read_to_string(&mut text).is_ok() {
            files.insert(name, text);
        }
    }
    files
}

#[tokio::test]
async fn xlsx_has_typed_cells_a_frozen_header_and_widths() {
    let app = demo_app().await;
    let response = get(&app, "/exports/contributions.xlsx?statuses=PLEDGED", None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("dong-gop.xlsx"))
    );
    let files = unzip(&response.bytes().await.expect("a body"));
    let sheet = &files["xl/worksheets/sheet1.xml"];
    assert!(sheet.contains(r#"ySplit="1""#), "the header row is frozen");
    assert!(sheet.contains("<cols>"), "column widths are set");
    assert!(sheet.contains("<autoFilter"), "the header filters");
    // Row 2: B is the pledge day (a date serial, not text); I the amount, a number.
    let cell = |reference: &str| -> String {
        let start = sheet
            .find(&format!(r#"<c r="{reference}""#))
            .expect("the cell");
        sheet[start..]
            .split("</c>")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        !cell("B2").contains(r#"t="s""#) && cell("B2").contains("<v>"),
        "{}",
        cell("B2")
    );
    assert!(!cell("I2").contains(r#"t="s""#), "{}", cell("I2"));
    let strings = &files["xl/sharedStrings.xml"];
    assert!(strings.contains("Số tiền cam kết (đồng)") && strings.contains("Đã cam kết"));
}

#[tokio::test]
async fn the_report_downloads_and_prints_with_the_same_figures() {
    let app = demo_app().await;
    let page = get(
        &app,
        "/reports/programme?from=2023-01-01&to=2026-12-31",
        None,
    )
    .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("a page");
    assert!(html.contains("Báo cáo chương trình Đồng Hành từ 01/01/2023 đến 31/12/2026"));
    assert!(html.contains("71.480.000.000"), "the disbursed total");
    assert!(html.contains("79.460.000.000"), "the pledged total");
    assert!(!html.contains("http://") && !html.contains("https://"));

    let response = get(
        &app,
        "/exports/report.xlsx?from=2023-01-01&to=2026-12-31",
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    let files = unzip(&response.bytes().await.expect("a body"));
    assert!(files["xl/sharedStrings.xml"].contains("Kinh phí hỗ trợ theo năm"));
    assert!(files["xl/worksheets/sheet1.xml"].contains("<v>71480000000</v>"));
}
