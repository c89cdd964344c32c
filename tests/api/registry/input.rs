//! Bad input to every registry mutation: a `userError` on the offending input
//! field with the right code, and nothing written — neither the registry's rows
//! nor an audit event.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::{
    CREATE_AGENCY, CREATE_COMMUNE, CREATE_TWINNING, END_TWINNING, REGISTER, UPDATE_COMMUNE,
    UPDATE_ENTERPRISE, VERIFY, commune, commune_input, enterprise_input, register, row_counts,
    spawn_registry_app, string_at, twinning, with,
};

/// A well-formed ID of `kind` that names nothing.
fn missing(kind: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:987654"))
}

const TOO_LONG: &str = "is 201 characters long; at most 200 are allowed";
const EMPTY: &str = "must not be empty";
const NUL: &str = "contains a control character (U+0000)";

struct Case {
    document: &'static str,
    mutation: &'static str,
    object: &'static str,
    input: Value,
    field: &'static str,
    code: &'static str,
    message: String,
}

fn case(
    document: &'static str,
    mutation: &'static str,
    object: &'static str,
    input: Value,
    field: &'static str,
    code: &'static str,
    message: &str,
) -> Case {
    Case {
        document,
        mutation,
        object,
        input,
        field,
        code,
        message: message.to_owned(),
    }
}

#[tokio::test]
async fn bad_input_is_a_user_error_on_its_field_and_writes_nothing() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();
    let agency_id = official.agency_id.clone().unwrap_or_default();
    let commune_id = commune(&app, &official.token, "14470", "Xã Đông Sơn").await;
    let other_commune = commune(&app, &official.token, "14471", "Xã Yên Lâm").await;
    let twinning_id = twinning(
        &app,
        &official.token,
        &commune_id,
        &enterprise_id,
        "2024-01-01",
    )
    .await;

    let long = "Đ".repeat(201);
    let long_note = "ư".repeat(1001);
    let create_commune = |overrides: Value, field, code, message: &str| {
        case(
            CREATE_COMMUNE,
            "createCommune",
            "commune",
            with(commune_input("99999", "Xã Mới"), overrides),
            field,
            code,
            message,
        )
    };
    let update_commune = |overrides: Value, field, code, message: &str| {
        case(
            UPDATE_COMMUNE,
            "updateCommune",
            "commune",
            with(json!({ "communeId": commune_id }), overrides),
            field,
            code,
            message,
        )
    };
    let create_agency = |overrides: Value, field, code, message: &str| {
        case(
            CREATE_AGENCY,
            "createAgency",
            "agency",
            with(
                json!({ "code": "SYT", "name": "Sở Y tế", "kind": "DEPARTMENT" }),
                overrides,
            ),
            field,
            code,
            message,
        )
    };
    let register = |overrides: Value, field, code, message: &str| {
        case(
            REGISTER,
            "registerEnterprise",
            "enterprise",
            with(enterprise_input("Công ty Mới"), overrides),
            field,
            code,
            message,
        )
    };
    let verify = |id: &str, field, code, message: &str| {
        case(
            VERIFY,
            "verifyEnterprise",
            "enterprise",
            json!({ "enterpriseId": id }),
            field,
            code,
            message,
        )
    };
    let update_enterprise = |overrides: Value, field, code, message: &str| {
        case(
            UPDATE_ENTERPRISE,
            "updateEnterprise",
            "enterprise",
            with(json!({ "enterpriseId": enterprise_id }), overrides),
            field,
            code,
            message,
        )
    };
    let create_twinning = |overrides: Value, field, code, message: &str| {
        case(
            CREATE_TWINNING,
            "createTwinning",
            "twinning",
            with(
                json!({ "communeId": other_commune, "partnerId": agency_id, "startedOn": "2025-01-01" }),
                overrides,
            ),
            field,
            code,
            message,
        )
    };
    let end_twinning = |overrides: Value, field, code, message: &str| {
        case(
            END_TWINNING,
            "endTwinning",
            "twinning",
            with(
                json!({ "twinningId": twinning_id, "endedOn": "2026-01-01" }),
                overrides,
            ),
            field,
            code,
            message,
        )
    };

    let cases = vec![
        // createCommune
        create_commune(json!({ "name": "" }), "name", "INVALID", EMPTY),
        create_commune(json!({ "name": " \t " }), "name", "INVALID", EMPTY),
        create_commune(json!({ "name": long }), "name", "INVALID", TOO_LONG),
        create_commune(json!({ "name": "Xã\u{0}Đông Sơn" }), "name", "INVALID", NUL),
        create_commune(
            json!({ "name": "Xã\nĐông Sơn" }),
            "name",
            "INVALID",
            "contains a control character (U+000A)",
        ),
        create_commune(json!({ "district": long }), "district", "INVALID", TOO_LONG),
        create_commune(
            json!({ "district": "Huyện\u{0}" }),
            "district",
            "INVALID",
            NUL,
        ),
        create_commune(
            json!({ "code": "" }),
            "code",
            "INVALID",
            "use 1 to 16 letters or digits",
        ),
        create_commune(
            json!({ "code": "12345678901234567" }),
            "code",
            "INVALID",
            "use 1 to 16 letters or digits",
        ),
        create_commune(
            json!({ "code": "08 830" }),
            "code",
            "INVALID",
            "use 1 to 16 letters or digits",
        ),
        create_commune(
            json!({ "code": "0883\u{0}" }),
            "code",
            "INVALID",
            "use 1 to 16 letters or digits",
        ),
        create_commune(
            json!({ "code": "14470" }),
            "code",
            "TAKEN",
            "a commune with this code already exists",
        ),
        create_commune(
            json!({ "newRuralLevel": "NOT_YET", "newRuralYear": 2020 }),
            "newRuralYear",
            "INVALID",
            "a commune not yet recognised has no recognition year",
        ),
        create_commune(
            json!({ "newRuralYear": 2009 }),
            "newRuralYear",
            "INVALID",
            "must be between 2010 and this year",
        ),
        create_commune(
            json!({ "newRuralYear": 2027 }),
            "newRuralYear",
            "INVALID",
            "must be between 2010 and this year",
        ),
        // updateCommune
        update_commune(
            json!({ "communeId": missing("Commune") }),
            "communeId",
            "NOT_FOUND",
            "no such commune",
        ),
        update_commune(
            json!({ "communeId": agency_id }),
            "communeId",
            "INVALID",
            "not a Commune ID",
        ),
        update_commune(
            json!({ "communeId": "not-an-id" }),
            "communeId",
            "INVALID",
            "not a Commune ID",
        ),
        update_commune(
            json!({ "communeId": "" }),
            "communeId",
            "INVALID",
            "not a Commune ID",
        ),
        update_commune(json!({ "name": "" }), "name", "INVALID", EMPTY),
        update_commune(json!({ "name": long }), "name", "INVALID", TOO_LONG),
        update_commune(json!({ "name": "\u{0}" }), "name", "INVALID", NUL),
        update_commune(
            json!({ "district": "\u{0}Huyện" }),
            "district",
            "INVALID",
            NUL,
        ),
        update_commune(json!({ "district": long }), "district", "INVALID", TOO_LONG),
        update_commune(
            json!({ "newRuralLevel": "NOT_YET", "newRuralYear": 2022 }),
            "newRuralYear",
            "INVALID",
            "a commune not yet recognised has no recognition year",
        ),
        update_commune(
            json!({ "newRuralYear": 2030 }),
            "newRuralYear",
            "INVALID",
            "must be between 2010 and this year",
        ),
        // createAgency
        create_agency(json!({ "name": "" }), "name", "INVALID", EMPTY),
        create_agency(json!({ "name": long }), "name", "INVALID", TOO_LONG),
        create_agency(json!({ "name": "Sở\u{0}Y tế" }), "name", "INVALID", NUL),
        create_agency(
            json!({ "code": "" }),
            "code",
            "INVALID",
            "use 1 to 64 letters, digits, - or _",
        ),
        create_agency(
            json!({ "code": "SỞ" }),
            "code",
            "INVALID",
            "use 1 to 64 letters, digits, - or _",
        ),
        create_agency(
            json!({ "code": "S Y T" }),
            "code",
            "INVALID",
            "use 1 to 64 letters, digits, - or _",
        ),
        create_agency(
            json!({ "code": "A".repeat(65) }),
            "code",
            "INVALID",
            "use 1 to 64 letters, digits, - or _",
        ),
        create_agency(
            json!({ "code": "SYT\u{0}" }),
            "code",
            "INVALID",
            "use 1 to 64 letters, digits, - or _",
        ),
        // registerEnterprise
        register(
            json!({ "taxCode": "0100233480" }),
            "taxCode",
            "INVALID",
            "the check digit does not match",
        ),
        register(
            json!({ "taxCode": "0314409058-000" }),
            "taxCode",
            "INVALID",
            "a branch suffix cannot be 000",
        ),
        register(
            json!({ "taxCode": "010023348" }),
            "taxCode",
            "INVALID",
            "a tax code has 10 digits, or 13 for a branch",
        ),
        register(
            json!({ "taxCode": "" }),
            "taxCode",
            "INVALID",
            "a tax code has 10 digits, or 13 for a branch",
        ),
        register(
            json!({ "taxCode": "01002334A8" }),
            "taxCode",
            "INVALID",
            "a tax code holds only digits (spaces, dots and dashes are ignored)",
        ),
        register(
            json!({ "taxCode": "0100233488\u{0}" }),
            "taxCode",
            "INVALID",
            "a tax code holds only digits (spaces, dots and dashes are ignored)",
        ),
        register(
            json!({ "taxCode": "0100000000" }),
            "taxCode",
            "INVALID",
            "digits 3 to 9 of a tax code cannot all be zero",
        ),
        register(json!({ "name": "" }), "name", "INVALID", EMPTY),
        register(json!({ "name": long }), "name", "INVALID", TOO_LONG),
        register(json!({ "name": "Công ty\u{0}" }), "name", "INVALID", NUL),
        register(json!({ "sector": long }), "sector", "INVALID", TOO_LONG),
        register(
            json!({ "sector": "Nông\u{0}nghiệp" }),
            "sector",
            "INVALID",
            NUL,
        ),
        register(
            json!({ "address": long_note }),
            "address",
            "INVALID",
            "is 1001 characters long; at most 1000 are allowed",
        ),
        register(json!({ "address": "Số 1\u{0}" }), "address", "INVALID", NUL),
        register(
            json!({ "contactEmail": "lienhe" }),
            "contactEmail",
            "INVALID",
            "is not an e-mail address",
        ),
        register(
            json!({ "contactEmail": "lien\u{0}he@hoabinh.vn" }),
            "contactEmail",
            "INVALID",
            "is not an e-mail address",
        ),
        register(
            json!({ "contactPhone": "gọi tôi" }),
            "contactPhone",
            "INVALID",
            "is not a phone number",
        ),
        register(
            json!({ "contactPhone": "0912" }),
            "contactPhone",
            "INVALID",
            "is not a phone number",
        ),
        register(
            json!({ "contactPhone": "0912\u{0}345678" }),
            "contactPhone",
            "INVALID",
            NUL,
        ),
        register(
            json!({ "email": "giamdoc" }),
            "email",
            "INVALID",
            "is not an e-mail address",
        ),
        register(
            json!({ "email": firm.email }),
            "email",
            "TAKEN",
            "an account with this e-mail already exists",
        ),
        register(
            json!({ "password": "ngắn" }),
            "password",
            "INVALID",
            "use at least 10 characters",
        ),
        register(
            json!({ "displayName": "  " }),
            "displayName",
            "INVALID",
            EMPTY,
        ),
        register(
            json!({ "displayName": "Giám\u{0}đốc" }),
            "displayName",
            "INVALID",
            NUL,
        ),
        // verifyEnterprise
        verify(
            &missing("Enterprise"),
            "enterpriseId",
            "NOT_FOUND",
            "no such enterprise",
        ),
        verify(
            &commune_id,
            "enterpriseId",
            "INVALID",
            "not an Enterprise ID",
        ),
        verify("%%%", "enterpriseId", "INVALID", "not an Enterprise ID"),
        // updateEnterprise
        update_enterprise(
            json!({ "enterpriseId": missing("Enterprise") }),
            "enterpriseId",
            "NOT_FOUND",
            "no such enterprise",
        ),
        update_enterprise(
            json!({ "enterpriseId": agency_id }),
            "enterpriseId",
            "INVALID",
            "not an Enterprise ID",
        ),
        update_enterprise(
            json!({ "enterpriseId": "RW50ZXJwcmlzZTox=" }),
            "enterpriseId",
            "INVALID",
            "not an Enterprise ID",
        ),
        update_enterprise(json!({ "name": "" }), "name", "INVALID", EMPTY),
        update_enterprise(json!({ "name": long }), "name", "INVALID", TOO_LONG),
        update_enterprise(json!({ "name": "\u{0}" }), "name", "INVALID", NUL),
        update_enterprise(json!({ "sector": long }), "sector", "INVALID", TOO_LONG),
        update_enterprise(
            json!({ "address": long_note }),
            "address",
            "INVALID",
            "is 1001 characters long; at most 1000 are allowed",
        ),
        update_enterprise(
            json!({ "contactEmail": "@hoabinh.vn" }),
            "contactEmail",
            "INVALID",
            "is not an e-mail address",
        ),
        update_enterprise(
            json!({ "contactPhone": "12" }),
            "contactPhone",
            "INVALID",
            "is not a phone number",
        ),
        update_enterprise(
            json!({ "contactPhone": "\u{0}0912345678" }),
            "contactPhone",
            "INVALID",
            NUL,
        ),
        // createTwinning
        create_twinning(
            json!({ "communeId": missing("Commune") }),
            "communeId",
            "NOT_FOUND",
            "no such commune",
        ),
        create_twinning(
            json!({ "partnerId": missing("Enterprise") }),
            "partnerId",
            "NOT_FOUND",
            "no such enterprise",
        ),
        create_twinning(
            json!({ "partnerId": missing("Agency") }),
            "partnerId",
            "NOT_FOUND",
            "no such agency",
        ),
        create_twinning(
            json!({ "communeId": enterprise_id }),
            "communeId",
            "INVALID",
            "not a Commune ID",
        ),
        create_twinning(
            json!({ "communeId": "Q29tbXVuZQ" }),
            "communeId",
            "INVALID",
            "not a Commune ID",
        ),
        create_twinning(
            json!({ "partnerId": commune_id }),
            "partnerId",
            "INVALID",
            "not an Enterprise or Agency ID",
        ),
        create_twinning(
            json!({ "partnerId": twinning_id }),
            "partnerId",
            "INVALID",
            "not an Enterprise or Agency ID",
        ),
        create_twinning(
            json!({ "partnerId": firm.id }),
            "partnerId",
            "INVALID",
            "not an Enterprise or Agency ID",
        ),
        create_twinning(
            json!({ "partnerId": "\u{0}" }),
            "partnerId",
            "INVALID",
            "not an Enterprise or Agency ID",
        ),
        create_twinning(
            json!({ "communeId": commune_id, "partnerId": enterprise_id, "startedOn": "2026-01-01" }),
            "partnerId",
            "TAKEN",
            "this partner already has an active twinning with this commune",
        ),
        // endTwinning
        end_twinning(
            json!({ "twinningId": missing("Twinning") }),
            "twinningId",
            "NOT_FOUND",
            "no such twinning",
        ),
        end_twinning(
            json!({ "twinningId": commune_id }),
            "twinningId",
            "INVALID",
            "not a Twinning ID",
        ),
        end_twinning(
            json!({ "twinningId": "VHdpbm5pbmc6LTE" }),
            "twinningId",
            "INVALID",
            "not a Twinning ID",
        ),
        end_twinning(
            json!({ "endedOn": "2023-12-31" }),
            "endedOn",
            "INVALID",
            "cannot be before the twinning started",
        ),
    ];

    for Case {
        document,
        mutation,
        object,
        input,
        field,
        code,
        message,
    } in cases
    {
        let token = match mutation {
            "registerEnterprise" => None,
            "createAgency" => Some(admin.token.as_str()),
            _ => Some(official.token.as_str()),
        };
        let before = row_counts(&app).await;
        let body = app
            .graphql(token, document, json!({ "input": input }))
            .await;
        let payload = &body["data"][mutation];
        assert_eq!(
            payload["userErrors"],
            json!([{ "field": ["input", field], "code": code, "message": message }]),
            "{mutation} {input}: {body}"
        );
        assert_eq!(payload[object], json!(null), "{mutation} {input}");
        assert_eq!(row_counts(&app).await, before, "{mutation} {input}");
    }

    // The rows the refused updates aimed at are as they were.
    let node = app
        .graphql(
            None,
            "query($c: ID!, $e: ID!, $t: ID!) {
                c: node(id: $c) { ... on Commune { name district newRuralLevel newRuralYear } }
                e: node(id: $e) { ... on Enterprise { name verified } }
                t: node(id: $t) { ... on Twinning { endedOn } }
            }",
            json!({ "c": commune_id, "e": enterprise_id, "t": twinning_id }),
        )
        .await;
    assert_eq!(
        node["data"],
        json!({
            "c": { "name": "Xã Đông Sơn", "district": null, "newRuralLevel": "STANDARD", "newRuralYear": 2022 },
            "e": { "name": "Công ty TNHH Hòa Bình", "verified": false },
            "t": { "endedOn": null }
        })
    );
}

#[tokio::test]
async fn names_of_up_to_200_characters_in_any_script_are_accepted() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    for (i, name) in [
        "Đ".repeat(200),
        "ữ".repeat(200),
        "한".repeat(200),
        "İ".repeat(200),
        format!("  {}  ", "x".repeat(200)),
    ]
    .into_iter()
    .enumerate()
    {
        let body =
            super::create_commune(&app, &admin.token, &format!("N{i}"), &name, json!({})).await;
        assert_eq!(
            body["data"]["createCommune"]["userErrors"],
            json!([]),
            "{name}: {body}"
        );
        assert_eq!(
            body["data"]["createCommune"]["commune"]["name"],
            json!(name.trim())
        );
        let agency =
            super::create_agency(&app, &admin.token, &format!("N{i}"), &name, "OTHER").await;
        assert_eq!(
            agency["data"]["createAgency"]["userErrors"],
            json!([]),
            "{name}: {agency}"
        );
        let firm = register(
            &app,
            None,
            &name,
            json!({ "sector": name, "address": "ư".repeat(1000) }),
        )
        .await;
        assert_eq!(
            firm["data"]["registerEnterprise"]["userErrors"],
            json!([]),
            "{name}: {firm}"
        );
    }
    let found = app
        .graphql(
            None,
            "{ communes(filter: { search: \"한한\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(found["data"]["communes"]["totalCount"], json!(1), "{found}");
}

#[tokio::test]
async fn tax_codes_are_checked_and_stored_normalised() {
    let app = spawn_registry_app().await;
    let before = row_counts(&app).await;
    for (code, message) in [
        ("0100233480", "the check digit does not match"),
        ("0314409058-000", "a branch suffix cannot be 000"),
        ("0314 409 058 000", "a branch suffix cannot be 000"),
    ] {
        let body = register(&app, None, "Công ty Thử", json!({ "taxCode": code })).await;
        assert_eq!(
            body["data"]["registerEnterprise"],
            json!({ "enterprise": null, "token": null, "userErrors": [{
                "field": ["input", "taxCode"], "code": "INVALID", "message": message
            }] }),
            "{code}"
        );
    }
    assert_eq!(row_counts(&app).await, before);

    // A branch, spaced and dotted: stored and shown normalised.
    let branch = register(
        &app,
        None,
        "Chi nhánh Công ty Thử",
        json!({ "taxCode": " 0314 409 058 002 " }),
    )
    .await;
    assert_eq!(
        branch["data"]["registerEnterprise"]["enterprise"]["taxCode"],
        json!("0314409058-002"),
        "{branch}"
    );
    let id = string_at(&branch, "/data/registerEnterprise/enterprise/id");
    let dotted = register(
        &app,
        None,
        "Chi nhánh Công ty Thử 3",
        json!({ "taxCode": "0314.409.058.003" }),
    )
    .await;
    assert_eq!(
        dotted["data"]["registerEnterprise"]["enterprise"]["taxCode"],
        json!("0314409058-003"),
        "{dotted}"
    );
    let parent = register(
        &app,
        None,
        "Công ty Thử",
        json!({ "taxCode": "03-14-40-90-58" }),
    )
    .await;
    assert_eq!(
        parent["data"]["registerEnterprise"]["enterprise"]["taxCode"],
        json!("0314409058"),
        "{parent}"
    );
    // The same branch in another spelling is the same tax code.
    let again = register(
        &app,
        None,
        "Chi nhánh khác",
        json!({ "taxCode": "0314409058002" }),
    )
    .await;
    assert_eq!(
        again["data"]["registerEnterprise"]["userErrors"][0]["code"],
        json!("TAKEN"),
        "{again}"
    );
    let node = app
        .graphql(
            None,
            "query($id: ID!) { node(id: $id) { ... on Enterprise { taxCode } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["data"]["node"]["taxCode"], json!("0314409058-002"));
    let stored = app
        .count_rows("enterprises WHERE tax_code = '0314409058-002'")
        .await;
    assert_eq!(stored, 1);
}
