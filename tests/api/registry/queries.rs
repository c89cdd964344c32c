//! Reading the registry: every filter and order of `communes`, `agencies` and
//! `enterprises`, keyset pages both ways, `node`, and the relations between
//! communes, partners, twinnings and accounts.

use serde_json::{Value, json};

use super::{
    commune, create_agency, create_commune, end_twinning, enterprise, names, node_ids,
    spawn_registry_app, string_at, twinning,
};
use crate::helpers::{TestApp, error_code};

const COMMUNES: &str = "query($first: Int, $after: String, $last: Int, $before: String, $filter: CommuneFilter, $orderBy: CommuneOrder) {
  communes(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
    nodes { id name code }
  }
}";

const AGENCIES: &str =
    "query($first: Int, $after: String, $last: Int, $before: String, $filter: AgencyFilter) {
  agencies(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
    nodes { id name kind }
  }
}";

const ENTERPRISES: &str = "query($first: Int, $after: String, $last: Int, $before: String, $filter: EnterpriseFilter, $orderBy: EnterpriseOrder) {
  enterprises(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
    nodes { id name taxCode verified sector }
  }
}";

/// One page of `field` (`communes`, ...), after checking its edges match its nodes.
async fn page(app: &TestApp, query: &str, field: &str, variables: Value) -> Value {
    let body = app.graphql(None, query, variables.clone()).await;
    let connection = body["data"][field].clone();
    let edges: Vec<Value> = connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{variables}: {body}"))
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    let nodes: Vec<Value> = node_ids(&connection).into_iter().map(Value::from).collect();
    assert_eq!(edges, nodes, "{body}");
    assert_eq!(
        connection["pageInfo"]["startCursor"], connection["edges"][0]["cursor"],
        "{body}"
    );
    connection
}

/// The names of a whole list: all at once, then `size` at a time forwards
/// (`first`/`after`) and backwards (`last`/`before`), which must agree, with
/// `totalCount` and the page flags right on every page.
async fn list(
    app: &TestApp,
    query: &str,
    field: &str,
    variables: Value,
    size: usize,
) -> Vec<String> {
    let all = page(
        app,
        query,
        field,
        super::with(variables.clone(), json!({ "first": 100 })),
    )
    .await;
    let expected = names(&all);
    let total = json!(expected.len());
    assert_eq!(all["totalCount"], total);
    assert_eq!(all["pageInfo"]["hasNextPage"], json!(false));
    assert_eq!(all["pageInfo"]["hasPreviousPage"], json!(false));

    let mut forwards = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let vars = super::with(variables.clone(), json!({ "first": size, "after": cursor }));
        let connection = page(app, query, field, vars).await;
        assert_eq!(connection["totalCount"], total, "{connection}");
        assert_eq!(
            connection["pageInfo"]["hasPreviousPage"],
            json!(!cursor.is_null()),
            "{connection}"
        );
        let got = names(&connection);
        forwards.extend(got.iter().cloned());
        let more = forwards.len() < expected.len();
        assert_eq!(
            connection["pageInfo"]["hasNextPage"],
            json!(more),
            "{connection}"
        );
        if !more {
            break;
        }
        assert_eq!(got.len(), size);
        cursor = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(forwards, expected, "forwards");

    let mut backwards: Vec<String> = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let vars = super::with(variables.clone(), json!({ "last": size, "before": cursor }));
        let connection = page(app, query, field, vars).await;
        assert_eq!(connection["totalCount"], total, "{connection}");
        assert_eq!(
            connection["pageInfo"]["hasNextPage"],
            json!(!cursor.is_null()),
            "{connection}"
        );
        let mut got = names(&connection);
        got.extend(backwards);
        backwards = got;
        let more = backwards.len() < expected.len();
        assert_eq!(
            connection["pageInfo"]["hasPreviousPage"],
            json!(more),
            "{connection}"
        );
        if !more {
            break;
        }
        cursor = connection["pageInfo"]["startCursor"].clone();
    }
    assert_eq!(backwards, expected, "backwards");
    expected
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Five communes: two twinned today, one whose twinning ended, one whose twinning
/// starts next month, one never twinned.
async fn five_communes(app: &TestApp, token: &str) -> Vec<String> {
    let rows = [
        (
            "C05",
            "Xã Đông Sơn",
            json!({ "district": "Huyện Yên Mô", "special": true, "newRuralLevel": "ADVANCED", "newRuralYear": 2023 }),
        ),
        (
            "C02",
            "Xã Dân Chủ",
            json!({ "district": "Huyện Yên Mô", "special": true, "newRuralLevel": "STANDARD", "newRuralYear": 2021 }),
        ),
        (
            "C04",
            "Xã Ân Thi",
            json!({ "district": "Huyện Nho Quan", "special": false, "newRuralLevel": "STANDARD", "newRuralYear": 2019 }),
        ),
        (
            "C01",
            "Xã Hòa Bình",
            json!({ "district": null, "special": false, "newRuralLevel": "NOT_YET", "newRuralYear": null }),
        ),
        (
            "C03",
            "Xã Yên Lâm",
            json!({ "district": "Huyện Nho Quan", "special": true, "newRuralLevel": "MODEL", "newRuralYear": 2025 }),
        ),
    ];
    let mut ids = Vec::new();
    for (code, name, fields) in rows {
        let body = create_commune(app, token, code, name, fields).await;
        ids.push(string_at(&body, "/data/createCommune/commune/id"));
    }
    ids
}

#[tokio::test]
async fn communes_filter_and_order_every_way_and_page_both_ways() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let ids = five_communes(&app, &admin.token).await;
    let (dong_son, dan_chu, hoa_binh, yen_lam) = (&ids[0], &ids[1], &ids[3], &ids[4]);
    let firm = enterprise(&app, "Công ty TNHH Hòa Bình", json!({})).await;
    let agency = app.agency(&admin, "Sở Tài chính").await;
    twinning(&app, &admin.token, dong_son, &firm, "2024-01-01").await;
    twinning(&app, &admin.token, dan_chu, &agency, "2026-07-01").await;
    let ended = twinning(&app, &admin.token, hoa_binh, &firm, "2023-01-01").await;
    end_twinning(&app, &admin.token, &ended, "2025-12-31").await;
    let ends_today = twinning(&app, &admin.token, yen_lam, &agency, "2025-01-01").await;
    end_twinning(&app, &admin.token, &ends_today, super::TODAY).await;

    let by_name = strings(&[
        "Xã Ân Thi",
        "Xã Dân Chủ",
        "Xã Đông Sơn",
        "Xã Hòa Bình",
        "Xã Yên Lâm",
    ]);
    let by_code = strings(&[
        "Xã Hòa Bình",
        "Xã Dân Chủ",
        "Xã Yên Lâm",
        "Xã Ân Thi",
        "Xã Đông Sơn",
    ]);
    let reversed = |v: &Vec<String>| v.iter().rev().cloned().collect::<Vec<_>>();
    for (order, expected) in [
        (Value::Null, by_name.clone()),
        (
            json!({ "field": "NAME", "direction": "ASC" }),
            by_name.clone(),
        ),
        (
            json!({ "field": "NAME", "direction": "DESC" }),
            reversed(&by_name),
        ),
        (
            json!({ "field": "CODE", "direction": "ASC" }),
            by_code.clone(),
        ),
        (
            json!({ "field": "CODE", "direction": "DESC" }),
            reversed(&by_code),
        ),
    ] {
        for size in [1, 2, 3] {
            let got = list(
                &app,
                COMMUNES,
                "communes",
                json!({ "orderBy": order }),
                size,
            )
            .await;
            assert_eq!(got, expected, "{order} by {size}");
        }
    }

    for (filter, expected) in [
        (
            json!({ "special": true }),
            vec!["Xã Dân Chủ", "Xã Đông Sơn", "Xã Yên Lâm"],
        ),
        (
            json!({ "special": false }),
            vec!["Xã Ân Thi", "Xã Hòa Bình"],
        ),
        (
            json!({ "newRuralLevels": ["STANDARD", "MODEL"] }),
            vec!["Xã Ân Thi", "Xã Dân Chủ", "Xã Yên Lâm"],
        ),
        (
            json!({ "newRuralLevels": ["NOT_YET"] }),
            vec!["Xã Hòa Bình"],
        ),
        (json!({ "newRuralLevels": [] }), vec![]),
        (
            json!({ "district": "Huyện Yên Mô" }),
            vec!["Xã Dân Chủ", "Xã Đông Sơn"],
        ),
        (
            json!({ "district": "  Huyện Nho Quan " }),
            vec!["Xã Ân Thi", "Xã Yên Lâm"],
        ),
        (json!({ "district": "Huyện" }), vec![]),
        (
            json!({ "twinned": true }),
            vec!["Xã Đông Sơn", "Xã Yên Lâm"],
        ),
        (
            json!({ "twinned": false }),
            vec!["Xã Ân Thi", "Xã Dân Chủ", "Xã Hòa Bình"],
        ),
        (
            json!({ "search": "xa d" }),
            vec!["Xã Dân Chủ", "Xã Đông Sơn"],
        ),
        (
            json!({ "special": true, "twinned": false }),
            vec!["Xã Dân Chủ"],
        ),
        (
            json!({ "special": true, "district": "Huyện Nho Quan", "newRuralLevels": ["MODEL"], "twinned": true, "search": "lam" }),
            vec!["Xã Yên Lâm"],
        ),
        (json!({}), by_name.iter().map(String::as_str).collect()),
    ] {
        let got = list(&app, COMMUNES, "communes", json!({ "filter": filter }), 2).await;
        assert_eq!(got, strings(&expected), "{filter}");
    }
    // A filter with an order, paged.
    let got = list(
        &app,
        COMMUNES,
        "communes",
        json!({ "filter": { "special": true }, "orderBy": { "field": "CODE", "direction": "DESC" } }),
        1,
    )
    .await;
    assert_eq!(got, strings(&["Xã Đông Sơn", "Xã Yên Lâm", "Xã Dân Chủ"]));
}

#[tokio::test]
async fn page_arguments_are_checked() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    five_communes(&app, &admin.token).await;
    for (query, field) in [
        (COMMUNES, "communes"),
        (AGENCIES, "agencies"),
        (ENTERPRISES, "enterprises"),
    ] {
        for args in [
            json!({ "first": 101 }),
            json!({ "first": -1 }),
            json!({ "last": 101 }),
            json!({ "first": 1, "last": 1 }),
            json!({ "after": "bm90IGEgY3Vyc29y" }),
            json!({ "before": "!!" }),
        ] {
            let body = app.graphql(None, query, args.clone()).await;
            assert_eq!(
                error_code(&body),
                "BAD_USER_INPUT",
                "{field} {args}: {body}"
            );
        }
        let empty = app.graphql(None, query, json!({ "first": 0 })).await;
        assert_eq!(empty["data"][field]["nodes"], json!([]), "{empty}");
    }
    // Twenty by default, a hundred at most.
    for i in 0..20 {
        commune(
            &app,
            &admin.token,
            &format!("D{i:02}"),
            &format!("Xã Thêm {i:02}"),
        )
        .await;
    }
    let default = app.graphql(None, COMMUNES, json!({})).await;
    assert_eq!(
        default["data"]["communes"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(20)
    );
    assert_eq!(default["data"]["communes"]["totalCount"], json!(25));
    assert_eq!(
        default["data"]["communes"]["pageInfo"]["hasNextPage"],
        json!(true)
    );
    let hundred = app.graphql(None, COMMUNES, json!({ "first": 100 })).await;
    assert_eq!(
        hundred["data"]["communes"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(25)
    );
}

#[tokio::test]
async fn agencies_filter_by_search_and_kind_and_page_both_ways() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    for (code, name, kind) in [
        ("STC", "Sở Tài chính", "DEPARTMENT"),
        ("BDT", "Ban Dân tộc", "BOARD"),
        ("HND", "Hội Nông dân tỉnh", "MASS_ORGANIZATION"),
        ("UBDS", "Ủy ban nhân dân xã Đông Sơn", "PEOPLES_COMMITTEE"),
        ("DPT", "Đài Phát thanh", "OTHER"),
    ] {
        let body = create_agency(&app, &admin.token, code, name, kind).await;
        assert_eq!(
            body["data"]["createAgency"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    let all = [
        "Ban Dân tộc",
        "Đài Phát thanh",
        "Hội Nông dân tỉnh",
        "Sở Tài chính",
        "Ủy ban nhân dân xã Đông Sơn",
    ];
    for size in [1, 2, 4] {
        assert_eq!(
            list(&app, AGENCIES, "agencies", json!({}), size).await,
            strings(&all)
        );
    }
    for (filter, expected) in [
        (
            json!({ "kinds": ["DEPARTMENT", "BOARD"] }),
            vec!["Ban Dân tộc", "Sở Tài chính"],
        ),
        (
            json!({ "kinds": ["PEOPLES_COMMITTEE"] }),
            vec!["Ủy ban nhân dân xã Đông Sơn"],
        ),
        (json!({ "kinds": [] }), vec![]),
        (
            json!({ "search": "uy ban" }),
            vec!["Ủy ban nhân dân xã Đông Sơn"],
        ),
        (
            json!({ "search": "DAN" }),
            vec![
                "Ban Dân tộc",
                "Hội Nông dân tỉnh",
                "Ủy ban nhân dân xã Đông Sơn",
            ],
        ),
        (
            json!({ "search": "dan", "kinds": ["BOARD", "MASS_ORGANIZATION"] }),
            vec!["Ban Dân tộc", "Hội Nông dân tỉnh"],
        ),
        (json!({ "search": "đài" }), vec!["Đài Phát thanh"]),
    ] {
        let got = list(&app, AGENCIES, "agencies", json!({ "filter": filter }), 2).await;
        assert_eq!(got, strings(&expected), "{filter}");
    }
}

#[tokio::test]
async fn enterprises_filter_and_order_every_way_and_page_both_ways() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let verify = async |id: &str| {
        let body = app
            .graphql(
                Some(&admin.token),
                super::VERIFY,
                json!({ "input": { "enterpriseId": id } }),
            )
            .await;
        assert_eq!(
            body["data"]["verifyEnterprise"]["enterprise"]["verified"],
            json!(true),
            "{body}"
        );
    };
    // Registered in this order.
    let hoa_binh = enterprise(
        &app,
        "Công ty TNHH Hòa Bình",
        json!({ "sector": "Nông nghiệp" }),
    )
    .await;
    enterprise(
        &app,
        "Công ty Cổ phần Đông Sơn",
        json!({ "sector": "Xây dựng" }),
    )
    .await;
    enterprise(
        &app,
        "Công ty TNHH An Phát",
        json!({ "sector": "Nông nghiệp" }),
    )
    .await;
    let yen_mo = enterprise(&app, "Hợp tác xã Yên Mô", json!({ "sector": null })).await;
    enterprise(
        &app,
        "Chi nhánh Công ty Đông Sơn",
        json!({ "taxCode": "0314.409.058-002", "sector": "Xây dựng" }),
    )
    .await;
    verify(&hoa_binh).await;
    verify(&yen_mo).await;

    let by_name = strings(&[
        "Chi nhánh Công ty Đông Sơn",
        "Công ty Cổ phần Đông Sơn",
        "Công ty TNHH An Phát",
        "Công ty TNHH Hòa Bình",
        "Hợp tác xã Yên Mô",
    ]);
    let by_time = strings(&[
        "Công ty TNHH Hòa Bình",
        "Công ty Cổ phần Đông Sơn",
        "Công ty TNHH An Phát",
        "Hợp tác xã Yên Mô",
        "Chi nhánh Công ty Đông Sơn",
    ]);
    let reversed = |v: &Vec<String>| v.iter().rev().cloned().collect::<Vec<_>>();
    for (order, expected) in [
        (Value::Null, by_name.clone()),
        (
            json!({ "field": "NAME", "direction": "ASC" }),
            by_name.clone(),
        ),
        (
            json!({ "field": "NAME", "direction": "DESC" }),
            reversed(&by_name),
        ),
        (
            json!({ "field": "CREATED_AT", "direction": "ASC" }),
            by_time.clone(),
        ),
        (
            json!({ "field": "CREATED_AT", "direction": "DESC" }),
            reversed(&by_time),
        ),
    ] {
        for size in [1, 2, 3] {
            let got = list(
                &app,
                ENTERPRISES,
                "enterprises",
                json!({ "orderBy": order }),
                size,
            )
            .await;
            assert_eq!(got, expected, "{order} by {size}");
        }
    }

    for (filter, expected) in [
        (
            json!({ "verified": true }),
            vec!["Công ty TNHH Hòa Bình", "Hợp tác xã Yên Mô"],
        ),
        (
            json!({ "verified": false }),
            vec![
                "Chi nhánh Công ty Đông Sơn",
                "Công ty Cổ phần Đông Sơn",
                "Công ty TNHH An Phát",
            ],
        ),
        (
            json!({ "sector": "Nông nghiệp" }),
            vec!["Công ty TNHH An Phát", "Công ty TNHH Hòa Bình"],
        ),
        (
            json!({ "sector": " Xây dựng " }),
            vec!["Chi nhánh Công ty Đông Sơn", "Công ty Cổ phần Đông Sơn"],
        ),
        (json!({ "sector": "Nông" }), vec![]),
        (
            json!({ "search": "tnhh" }),
            vec!["Công ty TNHH An Phát", "Công ty TNHH Hòa Bình"],
        ),
        (
            json!({ "search": "dong son" }),
            vec!["Chi nhánh Công ty Đông Sơn", "Công ty Cổ phần Đông Sơn"],
        ),
        (
            json!({ "search": "0314409058-002" }),
            vec!["Chi nhánh Công ty Đông Sơn"],
        ),
        (
            json!({ "search": "0314 409 058 002" }),
            vec!["Chi nhánh Công ty Đông Sơn"],
        ),
        (
            json!({ "search": " 0314.409.058-002 " }),
            vec!["Chi nhánh Công ty Đông Sơn"],
        ),
        // Exact: the parent's code is not a prefix match of its branch's.
        (json!({ "search": "0314409058" }), vec![]),
        (
            json!({ "search": "dong son", "verified": false, "sector": "Xây dựng" }),
            vec!["Chi nhánh Công ty Đông Sơn", "Công ty Cổ phần Đông Sơn"],
        ),
        (
            json!({ "search": "tnhh", "verified": true, "sector": "Nông nghiệp" }),
            vec!["Công ty TNHH Hòa Bình"],
        ),
    ] {
        let got = list(
            &app,
            ENTERPRISES,
            "enterprises",
            json!({ "filter": filter }),
            2,
        )
        .await;
        assert_eq!(got, strings(&expected), "{filter}");
    }
    // A filter with an order, paged one at a time.
    let got = list(
        &app,
        ENTERPRISES,
        "enterprises",
        json!({ "filter": { "verified": false }, "orderBy": { "field": "CREATED_AT", "direction": "DESC" } }),
        1,
    )
    .await;
    assert_eq!(
        got,
        strings(&[
            "Chi nhánh Công ty Đông Sơn",
            "Công ty TNHH An Phát",
            "Công ty Cổ phần Đông Sơn"
        ])
    );
}

#[tokio::test]
async fn an_enterprise_is_found_by_its_own_tax_code_in_any_spelling() {
    let app = spawn_registry_app().await;
    let code = crate::helpers::tax_code();
    let id = enterprise(&app, "Công ty TNHH Hòa Bình", json!({ "taxCode": code })).await;
    enterprise(&app, "Công ty TNHH Khác", json!({})).await;
    let spaced = format!("{} {} {}", &code[..4], &code[4..7], &code[7..]);
    let dotted = format!("{}.{}.{}", &code[..2], &code[2..6], &code[6..]);
    for search in [code.clone(), spaced, dotted] {
        let body = app
            .graphql(
                None,
                "query($s: String) { enterprises(filter: { search: $s }) { totalCount nodes { id taxCode } } }",
                json!({ "s": search }),
            )
            .await;
        assert_eq!(
            body["data"]["enterprises"],
            json!({ "totalCount": 1, "nodes": [{ "id": id, "taxCode": code }] }),
            "{search}"
        );
    }
}

#[tokio::test]
async fn nodes_of_every_registry_type_and_their_relations() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();
    let agency_id = official.agency_id.clone().unwrap_or_default();
    let commune_id = commune(&app, &official.token, "14470", "Xã Đông Sơn").await;
    let other_commune = commune(&app, &official.token, "14471", "Xã Yên Lâm").await;
    let past = twinning(
        &app,
        &official.token,
        &commune_id,
        &enterprise_id,
        "2023-01-01",
    )
    .await;
    end_twinning(&app, &official.token, &past, "2025-12-31").await;
    let current = twinning(
        &app,
        &official.token,
        &commune_id,
        &enterprise_id,
        "2026-01-01",
    )
    .await;
    let in_charge = twinning(
        &app,
        &official.token,
        &other_commune,
        &agency_id,
        "2024-05-01",
    )
    .await;

    let node = "query($id: ID!) { node(id: $id) { __typename id
        ... on Commune { code name twinnings { id } }
        ... on Agency { name kind twinnings { id active commune { id } } }
        ... on Enterprise { name verified twinnings { id active startedOn endedOn commune { id name } } }
        ... on Twinning { kind startedOn endedOn active commune { id } partner { __typename ... on Enterprise { id name } ... on Agency { id name } } }
    } }";
    let get =
        async |id: &str| app.graphql(None, node, json!({ "id": id })).await["data"]["node"].clone();

    assert_eq!(
        get(&commune_id).await,
        json!({ "__typename": "Commune", "id": commune_id, "code": "14470", "name": "Xã Đông Sơn", "twinnings": [{ "id": current }] })
    );
    assert_eq!(
        get(&agency_id).await,
        json!({ "__typename": "Agency", "id": agency_id, "name": "Sở Kế hoạch và Đầu tư", "kind": "DEPARTMENT",
                "twinnings": [{ "id": in_charge, "active": true, "commune": { "id": other_commune } }] })
    );
    // An enterprise's twinnings: all of them, ended ones too, oldest first.
    assert_eq!(
        get(&enterprise_id).await,
        json!({ "__typename": "Enterprise", "id": enterprise_id, "name": "Công ty TNHH Hòa Bình", "verified": false,
                "twinnings": [
                    { "id": past, "active": false, "startedOn": "2023-01-01", "endedOn": "2025-12-31", "commune": { "id": commune_id, "name": "Xã Đông Sơn" } },
                    { "id": current, "active": true, "startedOn": "2026-01-01", "endedOn": null, "commune": { "id": commune_id, "name": "Xã Đông Sơn" } }
                ] })
    );
    assert_eq!(
        get(&past).await,
        json!({ "__typename": "Twinning", "id": past, "kind": "TWINNED", "startedOn": "2023-01-01", "endedOn": "2025-12-31",
                "active": false, "commune": { "id": commune_id },
                "partner": { "__typename": "Enterprise", "id": enterprise_id, "name": "Công ty TNHH Hòa Bình" } })
    );
    assert_eq!(
        get(&in_charge).await,
        json!({ "__typename": "Twinning", "id": in_charge, "kind": "IN_CHARGE", "startedOn": "2024-05-01", "endedOn": null,
                "active": true, "commune": { "id": other_commune },
                "partner": { "__typename": "Agency", "id": agency_id, "name": "Sở Kế hoạch và Đầu tư" } })
    );

    // Well-formed IDs of nothing, and IDs that are not ours, are null.
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    for missing in [
        "Commune:999",
        "Agency:999",
        "Enterprise:999",
        "Twinning:999",
        "Commune:0",
        "Bogus:1",
    ] {
        let id = URL_SAFE_NO_PAD.encode(missing);
        assert_eq!(get(&id).await, json!(null), "{missing}");
    }
    assert_eq!(get("not an id").await, json!(null));

    // `nodes` keeps the order given.
    let many = app
        .graphql(
            None,
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": [in_charge, "x", commune_id, enterprise_id, agency_id] }),
        )
        .await;
    assert_eq!(
        many["data"]["nodes"],
        json!([
            { "__typename": "Twinning", "id": in_charge }, null,
            { "__typename": "Commune", "id": commune_id },
            { "__typename": "Enterprise", "id": enterprise_id },
            { "__typename": "Agency", "id": agency_id }
        ])
    );
}

#[tokio::test]
async fn commune_twinnings_are_those_active_on_the_day_asked() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let commune_id = commune(&app, &admin.token, "14470", "Xã Đông Sơn").await;
    let firm = enterprise(&app, "Công ty TNHH Hòa Bình", json!({})).await;
    let agency = app.agency(&admin, "Sở Tài chính").await;
    let ended = twinning(&app, &admin.token, &commune_id, &firm, "2023-01-01").await;
    end_twinning(&app, &admin.token, &ended, "2025-12-31").await;
    let open = twinning(&app, &admin.token, &commune_id, &agency, "2025-06-01").await;
    let future = twinning(&app, &admin.token, &commune_id, &firm, "2026-09-01").await;

    let query = "query($id: ID!, $on: Date) { node(id: $id) { ... on Commune { twinnings(activeOn: $on) { id active } } } }";
    for (on, expected) in [
        (Value::Null, vec![(&open, true)]),
        (json!(super::TODAY), vec![(&open, true)]),
        (json!("2022-12-31"), vec![]),
        (json!("2023-01-01"), vec![(&ended, false)]),
        (json!("2025-05-31"), vec![(&ended, false)]),
        (json!("2025-06-01"), vec![(&ended, false), (&open, true)]),
        (json!("2025-12-31"), vec![(&ended, false), (&open, true)]),
        (json!("2026-01-01"), vec![(&open, true)]),
        (json!("2026-09-01"), vec![(&open, true), (&future, false)]),
        (json!("2099-01-01"), vec![(&open, true), (&future, false)]),
    ] {
        let body = app
            .graphql(None, query, json!({ "id": commune_id, "on": on }))
            .await;
        let expected: Vec<Value> = expected
            .into_iter()
            .map(|(id, active)| json!({ "id": id, "active": active }))
            .collect();
        assert_eq!(
            body["data"]["node"]["twinnings"],
            json!(expected),
            "{on}: {body}"
        );
    }
    // Without the argument at all: today.
    let body = app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on Commune { twinnings { id } } } }",
            json!({ "id": commune_id }),
        )
        .await;
    assert_eq!(body["data"]["node"]["twinnings"], json!([{ "id": open }]));
}

#[tokio::test]
async fn accounts_lead_to_their_enterprise_or_agency() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let me = "{ viewer { role enterprise { id name } agency { id name kind } } }";
    let seen = app.graphql(Some(&firm.token), me, json!({})).await;
    assert_eq!(
        seen["data"]["viewer"],
        json!({ "role": "FIRM", "enterprise": { "id": firm.enterprise_id, "name": "Công ty TNHH Hòa Bình" }, "agency": null })
    );
    let seen = app.graphql(Some(&official.token), me, json!({})).await;
    assert_eq!(
        seen["data"]["viewer"],
        json!({ "role": "OFFICIAL", "enterprise": null, "agency": { "id": official.agency_id, "name": "Sở Kế hoạch và Đầu tư", "kind": "DEPARTMENT" } })
    );
    let seen = app.graphql(Some(&admin.token), me, json!({})).await;
    assert_eq!(
        seen["data"]["viewer"],
        json!({ "role": "ADMIN", "enterprise": null, "agency": null })
    );
    // The same through `node`, as an official.
    let body = app
        .graphql(
            Some(&official.token),
            "query($id: ID!) { node(id: $id) { ... on Account { role enterprise { id } agency { id } } } }",
            json!({ "id": firm.id }),
        )
        .await;
    assert_eq!(
        body["data"]["node"],
        json!({ "role": "FIRM", "enterprise": { "id": firm.enterprise_id }, "agency": null })
    );
}

#[tokio::test]
async fn a_cursor_is_only_good_for_the_list_and_order_it_came_from() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    five_communes(&app, &admin.token).await;
    create_agency(&app, &admin.token, "STC", "Sở Tài chính", "DEPARTMENT").await;
    enterprise(&app, "Công ty TNHH Hòa Bình", json!({})).await;
    enterprise(&app, "Công ty TNHH An Phát", json!({})).await;

    let cursor = async |query: &str, field: &str, order: Value| {
        let body = app
            .graphql(None, query, json!({ "first": 1, "orderBy": order }))
            .await;
        string_at(&body, &format!("/data/{field}/pageInfo/endCursor"))
    };
    let by_name = json!({ "field": "NAME", "direction": "ASC" });
    let by_time = json!({ "field": "CREATED_AT", "direction": "ASC" });
    let by_code = json!({ "field": "CODE", "direction": "ASC" });
    let commune_by_name = cursor(COMMUNES, "communes", by_name.clone()).await;
    let commune_by_code = cursor(COMMUNES, "communes", by_code.clone()).await;
    let agency = cursor(AGENCIES, "agencies", Value::Null).await;
    let enterprise_by_name = cursor(ENTERPRISES, "enterprises", by_name.clone()).await;
    let enterprise_by_time = cursor(ENTERPRISES, "enterprises", by_time.clone()).await;

    // Each works where it came from, forwards and backwards.
    for (query, field, order, cursor) in [
        (COMMUNES, "communes", &by_name, &commune_by_name),
        (COMMUNES, "communes", &by_code, &commune_by_code),
        (AGENCIES, "agencies", &Value::Null, &agency),
        (ENTERPRISES, "enterprises", &by_name, &enterprise_by_name),
        (ENTERPRISES, "enterprises", &by_time, &enterprise_by_time),
    ] {
        for args in [
            json!({ "after": cursor }),
            json!({ "before": cursor, "last": 5 }),
        ] {
            let body = app
                .graphql(
                    None,
                    query,
                    super::with(args.clone(), json!({ "orderBy": order })),
                )
                .await;
            assert_eq!(body.get("errors"), None, "{field} {order} {args}: {body}");
        }
    }
    // Anywhere else it is the client's mistake, not an internal error.
    for (query, field, order, cursor) in [
        (ENTERPRISES, "enterprises", &by_name, &enterprise_by_time),
        (ENTERPRISES, "enterprises", &by_time, &enterprise_by_name),
        (ENTERPRISES, "enterprises", &by_time, &commune_by_name),
        (COMMUNES, "communes", &by_name, &enterprise_by_time),
        (COMMUNES, "communes", &by_code, &commune_by_name),
        (COMMUNES, "communes", &by_name, &agency),
        (AGENCIES, "agencies", &Value::Null, &enterprise_by_time),
        (AGENCIES, "agencies", &Value::Null, &commune_by_name),
    ] {
        for args in [
            json!({ "after": cursor }),
            json!({ "before": cursor, "last": 5 }),
        ] {
            let body = app
                .graphql(
                    None,
                    query,
                    super::with(args.clone(), json!({ "orderBy": order })),
                )
                .await;
            assert_eq!(
                error_code(&body),
                "BAD_USER_INPUT",
                "{field} {order} {args}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn today_is_the_programmes_day_not_utcs() {
    // 18:30 UTC on 31 December 2026 is already 1 January 2027 in Hà Nội.
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.now = "2026-12-31T18:30:00Z".parse().ok();
    })
    .await;
    let admin = app.admin().await;
    let agency = app.agency(&admin, "Sở Tài chính").await;
    let other_agency = app.agency(&admin, "Sở Y tế").await;
    let ended = commune(&app, &admin.token, "00001", "Xã Hết Hạn").await;
    let starting = commune(&app, &admin.token, "00002", "Xã Bắt Đầu").await;
    let old = twinning(&app, &admin.token, &ended, &agency, "2025-01-01").await;
    end_twinning(&app, &admin.token, &old, "2026-12-31").await;
    let new = twinning(&app, &admin.token, &starting, &other_agency, "2027-01-01").await;

    let body = app
        .graphql(
            None,
            "query($old: ID!, $new: ID!) {
                old: node(id: $old) { ... on Twinning { active } }
                new: node(id: $new) { ... on Twinning { active } }
                twinned: communes(filter: { twinned: true }) { nodes { name twinnings { id } } }
                untwinned: communes(filter: { twinned: false }) { nodes { name twinnings { id } } }
            }",
            json!({ "old": old, "new": new }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({
            "old": { "active": false },
            "new": { "active": true },
            "twinned": { "nodes": [{ "name": "Xã Bắt Đầu", "twinnings": [{ "id": new }] }] },
            "untwinned": { "nodes": [{ "name": "Xã Hết Hạn", "twinnings": [] }] }
        }),
        "{body}"
    );

    // And "this year", the latest a new-rural level may be recognised, is 2027.
    let body = create_commune(
        &app,
        &admin.token,
        "00003",
        "Xã Mới Đạt Chuẩn",
        json!({ "newRuralYear": 2027 }),
    )
    .await;
    assert_eq!(
        body["data"]["createCommune"]["commune"]["newRuralYear"],
        json!(2027),
        "{body}"
    );
}
