//! Search ignores case and Vietnamese diacritics, and takes `%`, `_`, `\` and
//! quotes as the characters they are, on SQLite and PostgreSQL alike.

use serde_json::json;

use super::{commune, create_agency, enterprise, names};
use crate::helpers::{TestApp, spawn_app};

async fn communes(app: &TestApp, search: &str) -> Vec<String> {
    let body = app
        .graphql(
            None,
            "query($s: String) { communes(first: 100, filter: { search: $s }) { totalCount nodes { name } } }",
            json!({ "s": search }),
        )
        .await;
    let connection = &body["data"]["communes"];
    assert_eq!(
        connection["totalCount"],
        json!(connection["nodes"].as_array().map_or(0, Vec::len)),
        "{search:?}: {body}"
    );
    names(connection)
}

#[tokio::test]
async fn commune_search_ignores_case_and_diacritics_and_takes_wildcards_literally() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let all = [
        "Xã Đông Sơn",
        "Xã Hòa Bình",
        "Xã 100% Đạt",
        "Xã Tân_Lập",
        "Xã Dương Quang",
        "Xã Đắk R'Moan",
        "Phường Ninh Bình",
        "Xã \"Mới\" Thành",
    ];
    for (i, name) in all.iter().enumerate() {
        commune(&app, &admin.token, &format!("S{i:02}"), name).await;
    }
    let cases: &[(&str, &[&str])] = &[
        ("dong son", &["Xã Đông Sơn"]),
        ("DONG SON", &["Xã Đông Sơn"]),
        ("Đông Sơn", &["Xã Đông Sơn"]),
        ("đông   sơn", &["Xã Đông Sơn"]),
        ("  xã đông sơn  ", &["Xã Đông Sơn"]),
        ("HOA", &["Xã Hòa Bình"]),
        ("hoà", &["Xã Hòa Bình"]),
        ("ninh binh", &["Phường Ninh Bình"]),
        ("BÌNH", &["Phường Ninh Bình", "Xã Hòa Bình"]),
        // đ is d, and d is đ.
        (
            "đ",
            &[
                "Xã 100% Đạt",
                "Xã Đắk R'Moan",
                "Xã Đông Sơn",
                "Xã Dương Quang",
            ],
        ),
        (
            "d",
            &[
                "Xã 100% Đạt",
                "Xã Đắk R'Moan",
                "Xã Đông Sơn",
                "Xã Dương Quang",
            ],
        ),
        ("Đương", &["Xã Dương Quang"]),
        ("dat", &["Xã 100% Đạt"]),
        // Wildcards are plain characters.
        ("100%", &["Xã 100% Đạt"]),
        ("%", &["Xã 100% Đạt"]),
        ("% đ", &["Xã 100% Đạt"]),
        ("1%0", &[]),
        ("_", &["Xã Tân_Lập"]),
        ("tan_lap", &["Xã Tân_Lập"]),
        ("tan lap", &[]),
        ("x_", &[]),
        ("\\", &[]),
        ("\\%", &[]),
        ("0\\", &[]),
        ("%%", &[]),
        ("__", &[]),
        // Quotes too, and nothing in the text is SQL.
        ("r'moan", &["Xã Đắk R'Moan"]),
        ("'", &["Xã Đắk R'Moan"]),
        ("\"mới\"", &["Xã \"Mới\" Thành"]),
        ("\"", &["Xã \"Mới\" Thành"]),
        ("' OR '1'='1", &[]),
        ("'; DROP TABLE communes; --", &[]),
        ("nowhere", &[]),
    ];
    for (search, expected) in cases {
        assert_eq!(communes(&app, search).await, *expected, "{search:?}");
    }
    // An empty or blank search does not narrow the list.
    for blank in ["", "   "] {
        assert_eq!(communes(&app, blank).await.len(), all.len(), "{blank:?}");
    }
    assert_eq!(app.count_rows("communes").await, all.len() as i64);
}

#[tokio::test]
async fn agency_and_enterprise_search_ignore_case_and_diacritics_and_wildcards() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for (code, name) in [
        ("STC", "Sở Tài chính"),
        ("SNN", "Sở Nông nghiệp và Phát triển nông thôn"),
        ("BQL", "Ban Quản lý 100% vốn"),
        ("UBD", "Ủy ban nhân dân xã Đông Sơn"),
    ] {
        create_agency(&app, &admin.token, code, name, "DEPARTMENT").await;
    }
    for name in [
        "Công ty TNHH Hòa Bình",
        "Công ty Cổ phần Đông Sơn",
        "Công ty Cổ phần 50% Xanh",
        "Doanh nghiệp tư nhân O'Brien_Việt",
    ] {
        enterprise(&app, name, json!({})).await;
    }
    let agencies = async |search: &str| {
        let body = app
            .graphql(
                None,
                "query($s: String) { agencies(filter: { search: $s }) { nodes { name } } }",
                json!({ "s": search }),
            )
            .await;
        names(&body["data"]["agencies"])
    };
    let enterprises = async |search: &str| {
        let body = app
            .graphql(
                None,
                "query($s: String) { enterprises(filter: { search: $s }) { nodes { name } } }",
                json!({ "s": search }),
            )
            .await;
        names(&body["data"]["enterprises"])
    };

    let agency_cases: &[(&str, &[&str])] = &[
        ("so tai chinh", &["Sở Tài chính"]),
        ("NÔNG THÔN", &["Sở Nông nghiệp và Phát triển nông thôn"]),
        (
            "so",
            &[
                "Sở Nông nghiệp và Phát triển nông thôn",
                "Sở Tài chính",
                "Ủy ban nhân dân xã Đông Sơn",
            ],
        ),
        ("uy ban", &["Ủy ban nhân dân xã Đông Sơn"]),
        ("dong", &["Ủy ban nhân dân xã Đông Sơn"]),
        ("%", &["Ban Quản lý 100% vốn"]),
        ("_", &[]),
    ];
    for (search, expected) in agency_cases {
        assert_eq!(agencies(search).await, *expected, "{search:?}");
    }
    let enterprise_cases: &[(&str, &[&str])] = &[
        ("hoa binh", &["Công ty TNHH Hòa Bình"]),
        ("ĐÔNG", &["Công ty Cổ phần Đông Sơn"]),
        (
            "co phan",
            &["Công ty Cổ phần 50% Xanh", "Công ty Cổ phần Đông Sơn"],
        ),
        ("50%", &["Công ty Cổ phần 50% Xanh"]),
        ("%", &["Công ty Cổ phần 50% Xanh"]),
        ("_", &["Doanh nghiệp tư nhân O'Brien_Việt"]),
        ("o'brien_viet", &["Doanh nghiệp tư nhân O'Brien_Việt"]),
        ("'", &["Doanh nghiệp tư nhân O'Brien_Việt"]),
        ("\\", &[]),
        (
            "",
            &[
                "Công ty Cổ phần 50% Xanh",
                "Công ty Cổ phần Đông Sơn",
                "Công ty TNHH Hòa Bình",
                "Doanh nghiệp tư nhân O'Brien_Việt",
            ],
        ),
    ];
    for (search, expected) in enterprise_cases {
        assert_eq!(enterprises(search).await, *expected, "{search:?}");
    }
}

#[tokio::test]
async fn control_characters_in_filters_match_nothing_rather_than_fail() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    commune(&app, &admin.token, "S01", "Xã Đông Sơn").await;
    enterprise(&app, "Công ty TNHH Hòa Bình", json!({})).await;
    for (query, variables) in [
        (
            "query($v: String) { communes(filter: { search: $v }) { totalCount nodes { name } } }",
            json!({ "v": "đông\u{0}sơn" }),
        ),
        (
            "query($v: String) { communes(filter: { search: $v }) { totalCount nodes { name } } }",
            json!({ "v": "\u{0}" }),
        ),
        (
            "query($v: String) { communes(filter: { district: $v }) { totalCount nodes { name } } }",
            json!({ "v": "Huyện\u{0}" }),
        ),
        (
            "query($v: String) { agencies(filter: { search: $v }) { totalCount nodes { name } } }",
            json!({ "v": "\u{0}" }),
        ),
        (
            "query($v: String) { enterprises(filter: { search: $v }) { totalCount nodes { name } } }",
            json!({ "v": "hoa\u{0}" }),
        ),
        (
            "query($v: String) { enterprises(filter: { sector: $v }) { totalCount nodes { name } } }",
            json!({ "v": "Nông\u{0}" }),
        ),
    ] {
        let body = app.graphql(None, query, variables.clone()).await;
        assert_eq!(body.get("errors"), None, "{variables}: {body}");
        let data = body["data"]
            .as_object()
            .and_then(|d| d.values().next())
            .cloned();
        assert_eq!(
            data,
            Some(json!({ "totalCount": 0, "nodes": [] })),
            "{variables}: {body}"
        );
    }
}
