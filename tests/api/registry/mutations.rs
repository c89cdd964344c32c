//! Each registry mutation does what it says and writes exactly one audit event
//! naming its action and its subject.

use serde_json::{Value, json};

use super::{
    CREATE_COMMUNE, UPDATE_COMMUNE, UPDATE_ENTERPRISE, VERIFY, audit_events, commune,
    commune_input, create_agency, end_twinning, register, spawn_registry_app, string_at, twin,
    with,
};
use crate::helpers::{Member, TestApp};

/// Runs `mutation` and checks it added exactly one audit event, of `action`, about
/// `subject` (read from the response at `subject_at`), by `actor`.
async fn audited(
    app: &TestApp,
    reader: &Member,
    action: &str,
    actor: Option<&Member>,
    mutation: impl AsyncFnOnce() -> Value,
    subject_at: &str,
) -> Value {
    let rows_before = app.count_rows("audit_events").await;
    let events_before = audit_events(app, &reader.token, action).await.len();
    let body = mutation().await;
    let subject = string_at(&body, subject_at);
    assert_eq!(
        app.count_rows("audit_events").await,
        rows_before + 1,
        "{body}"
    );
    let events = audit_events(app, &reader.token, action).await;
    assert_eq!(events.len(), events_before + 1, "{action}: {events:?}");
    assert_eq!(events[0]["action"], json!(action));
    assert_eq!(events[0]["subjectId"], json!(subject), "{action}");
    if let Some(actor) = actor {
        assert_eq!(events[0]["actor"]["id"], json!(actor.id), "{action}");
    }
    body
}

#[tokio::test]
async fn register_enterprise_creates_an_unverified_enterprise_and_a_working_firm_account() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let enterprises = app.count_rows("enterprises").await;
    let accounts = app.count_rows("accounts").await;

    let body = audited(
        &app,
        &admin,
        "registerEnterprise",
        None,
        async || {
            register(
                &app,
                None,
                "  Công ty TNHH Nông sản Đông Sơn  ",
                json!({ "taxCode": "0100 233 488", "email": " GiamDoc@DongSon.vn " }),
            )
            .await
        },
        "/data/registerEnterprise/enterprise/id",
    )
    .await;
    let payload = &body["data"]["registerEnterprise"];
    let enterprise_id = string_at(&body, "/data/registerEnterprise/enterprise/id");
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        payload["enterprise"]["name"],
        json!("Công ty TNHH Nông sản Đông Sơn")
    );
    assert_eq!(payload["enterprise"]["taxCode"], json!("0100233488"));
    assert_eq!(payload["enterprise"]["verified"], json!(false));
    assert_eq!(payload["enterprise"]["sector"], json!("Nông nghiệp"));
    assert_eq!(app.count_rows("enterprises").await, enterprises + 1);
    assert_eq!(app.count_rows("accounts").await, accounts + 1);

    // The token signs in as the enterprise's first FIRM account.
    let token = string_at(&body, "/data/registerEnterprise/token");
    let me = app
        .graphql(
            Some(&token),
            "{ viewer { id email displayName role agency { id } enterprise { id name verified contactEmail contactPhone } } }",
            json!({}),
        )
        .await;
    let viewer = &me["data"]["viewer"];
    assert_eq!(
        viewer["enterprise"],
        json!({
            "id": enterprise_id, "name": "Công ty TNHH Nông sản Đông Sơn", "verified": false,
            "contactEmail": "lienhe@example.vn", "contactPhone": "0912 345 678"
        }),
        "{me}"
    );
    assert_eq!(viewer["email"], json!("giamdoc@dongson.vn"));
    assert_eq!(viewer["role"], json!("FIRM"));
    assert_eq!(viewer["displayName"], json!("Giám đốc"));
    assert_eq!(viewer["agency"], json!(null));

    // The event is the new account's own.
    let events = audit_events(&app, &admin.token, "registerEnterprise").await;
    assert_eq!(events[0]["actor"]["id"], viewer["id"]);
    assert_eq!(events[0]["actorRole"], json!("FIRM"));

    // The same e-mail and password sign in again.
    let login = app
        .login("giamdoc@dongson.vn", crate::helpers::PASSWORD)
        .await;
    assert_eq!(
        login["data"]["login"]["viewer"]["id"], viewer["id"],
        "{login}"
    );
}

#[tokio::test]
async fn verify_enterprise_marks_it_verified() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();

    let body = audited(
        &app,
        &official,
        "verifyEnterprise",
        Some(&official),
        async || {
            app.graphql(
                Some(&official.token),
                VERIFY,
                json!({ "input": { "enterpriseId": enterprise_id } }),
            )
            .await
        },
        "/data/verifyEnterprise/enterprise/id",
    )
    .await;
    assert_eq!(
        body["data"]["verifyEnterprise"],
        json!({ "enterprise": { "id": enterprise_id, "verified": true }, "userErrors": [] })
    );
    let events = audit_events(&app, &official.token, "verifyEnterprise").await;
    assert_eq!(events[0]["actorRole"], json!("OFFICIAL"));

    // The firm sees it too.
    let me = app
        .graphql(
            Some(&firm.token),
            "{ viewer { enterprise { verified } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["viewer"]["enterprise"]["verified"], json!(true));
}

#[tokio::test]
async fn update_enterprise_clears_null_fields_and_keeps_absent_ones() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let firm = app.firm().await;
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();
    let update = |input: Value| {
        let app = &app;
        let token = firm.token.clone();
        async move {
            app.graphql(Some(&token), UPDATE_ENTERPRISE, json!({ "input": input }))
                .await
        }
    };

    // Set every field.
    let body = audited(
        &app,
        &admin,
        "updateEnterprise",
        Some(&firm),
        async || {
            update(json!({
                "enterpriseId": enterprise_id, "name": " Công ty Cổ phần Hòa Bình ",
                "sector": "Xây dựng", "address": "1 Lê Lợi, Hoa Lư",
                "contactEmail": "HoTro@HoaBinh.vn", "contactPhone": "+84 (229) 3871 234"
            }))
            .await
        },
        "/data/updateEnterprise/enterprise/id",
    )
    .await;
    let enterprise = body["data"]["updateEnterprise"]["enterprise"].clone();
    assert_eq!(
        enterprise,
        json!({
            "id": enterprise_id, "taxCode": enterprise["taxCode"], "name": "Công ty Cổ phần Hòa Bình",
            "sector": "Xây dựng", "address": "1 Lê Lợi, Hoa Lư", "contactEmail": "hotro@hoabinh.vn",
            "contactPhone": "+84 (229) 3871 234", "verified": false
        }),
        "{body}"
    );

    // Only the enterprise's ID: nothing changes.
    let same = update(json!({ "enterpriseId": enterprise_id })).await;
    assert_eq!(same["data"]["updateEnterprise"]["enterprise"], enterprise);

    // Null clears the optional fields given; absent ones stay.
    let cleared =
        update(json!({ "enterpriseId": enterprise_id, "sector": null, "contactPhone": null }))
            .await;
    assert_eq!(
        cleared["data"]["updateEnterprise"]["enterprise"],
        with(
            enterprise.clone(),
            json!({ "sector": null, "contactPhone": null })
        )
    );
    let cleared =
        update(json!({ "enterpriseId": enterprise_id, "address": null, "contactEmail": null }))
            .await;
    assert_eq!(
        cleared["data"]["updateEnterprise"]["enterprise"],
        with(
            enterprise.clone(),
            json!({ "sector": null, "contactPhone": null, "address": null, "contactEmail": null })
        )
    );
    // A null name (required) keeps the name.
    let kept = update(json!({ "enterpriseId": enterprise_id, "name": null })).await;
    assert_eq!(
        kept["data"]["updateEnterprise"]["enterprise"]["name"],
        json!("Công ty Cổ phần Hòa Bình")
    );

    // The new name is searchable, the old one no longer.
    let search = "query($s: String) { enterprises(filter: { search: $s }) { nodes { id } } }";
    let found = app
        .graphql(None, search, json!({ "s": "co phan hoa binh" }))
        .await;
    assert_eq!(
        found["data"]["enterprises"]["nodes"],
        json!([{ "id": enterprise_id }])
    );
    let old = app.graphql(None, search, json!({ "s": "TNHH" })).await;
    assert_eq!(old["data"]["enterprises"]["nodes"], json!([]));
}

#[tokio::test]
async fn create_agency_creates_it() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let body = audited(
        &app,
        &admin,
        "createAgency",
        Some(&admin),
        async || create_agency(&app, &admin.token, " stc ", "  Sở Tài chính ", "DEPARTMENT").await,
        "/data/createAgency/agency/id",
    )
    .await;
    let id = string_at(&body, "/data/createAgency/agency/id");
    assert_eq!(
        body["data"]["createAgency"],
        json!({ "agency": { "id": id, "code": "STC", "name": "Sở Tài chính", "kind": "DEPARTMENT" }, "userErrors": [] })
    );
    let events = audit_events(&app, &admin.token, "createAgency").await;
    assert_eq!(events[0]["actorRole"], json!("ADMIN"));
}

#[tokio::test]
async fn create_and_update_commune() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;

    let body = audited(
        &app,
        &admin,
        "createCommune",
        Some(&official),
        async || {
            app.graphql(
                Some(&official.token),
                CREATE_COMMUNE,
                json!({ "input": with(
                    commune_input(" 14470 ", " Xã  Đông Sơn "),
                    json!({ "unitType": "COMMUNE", "district": " Huyện Yên Mô ", "special": true, "newRuralLevel": "ADVANCED", "newRuralYear": 2024 })
                ) }),
            )
            .await
        },
        "/data/createCommune/commune/id",
    )
    .await;
    let id = string_at(&body, "/data/createCommune/commune/id");
    let created = json!({
        "id": id, "code": "14470", "name": "Xã  Đông Sơn", "unitType": "COMMUNE",
        "district": "Huyện Yên Mô", "special": true, "newRuralLevel": "ADVANCED", "newRuralYear": 2024
    });
    assert_eq!(
        body["data"]["createCommune"],
        json!({ "commune": created, "userErrors": [] })
    );

    let update = |input: Value| {
        let app = &app;
        let token = official.token.clone();
        async move {
            app.graphql(Some(&token), UPDATE_COMMUNE, json!({ "input": input }))
                .await
        }
    };
    let body = audited(
        &app,
        &admin,
        "updateCommune",
        Some(&official),
        async || {
            update(json!({ "communeId": id, "name": "Xã Đông Sơn", "special": false, "newRuralLevel": "MODEL", "newRuralYear": 2026 }))
                .await
        },
        "/data/updateCommune/commune/id",
    )
    .await;
    let updated = with(
        created.clone(),
        json!({ "name": "Xã Đông Sơn", "special": false, "newRuralLevel": "MODEL", "newRuralYear": 2026 }),
    );
    assert_eq!(
        body["data"]["updateCommune"],
        json!({ "commune": updated, "userErrors": [] })
    );

    // Absent fields stay; null clears the district and the year.
    let same = update(json!({ "communeId": id })).await;
    assert_eq!(same["data"]["updateCommune"]["commune"], updated);
    let cleared = update(json!({ "communeId": id, "district": null })).await;
    let updated = with(updated, json!({ "district": null }));
    assert_eq!(cleared["data"]["updateCommune"]["commune"], updated);
    let cleared = update(json!({ "communeId": id, "newRuralYear": null })).await;
    let updated = with(updated, json!({ "newRuralYear": null }));
    assert_eq!(cleared["data"]["updateCommune"]["commune"], updated);
    // Back to NOT_YET without a year: the year stays empty.
    let reset = update(json!({ "communeId": id, "newRuralLevel": "NOT_YET" })).await;
    assert_eq!(
        reset["data"]["updateCommune"]["commune"],
        with(updated, json!({ "newRuralLevel": "NOT_YET" }))
    );

    // Unit type and code never change (the input has no such fields).
    assert_eq!(
        reset["data"]["updateCommune"]["commune"]["code"],
        json!("14470")
    );
}

#[tokio::test]
async fn create_and_end_twinning() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();
    let commune_id = commune(&app, &official.token, "14470", "Xã Đông Sơn").await;

    let body = audited(
        &app,
        &admin,
        "createTwinning",
        Some(&official),
        async || {
            twin(
                &app,
                &official.token,
                &commune_id,
                &enterprise_id,
                "2025-01-01",
            )
            .await
        },
        "/data/createTwinning/twinning/id",
    )
    .await;
    let twinning_id = string_at(&body, "/data/createTwinning/twinning/id");
    assert_eq!(
        body["data"]["createTwinning"]["twinning"]["kind"],
        json!("TWINNED")
    );

    let body = audited(
        &app,
        &official,
        "endTwinning",
        Some(&admin),
        async || end_twinning(&app, &admin.token, &twinning_id, "2026-06-14").await,
        "/data/endTwinning/twinning/id",
    )
    .await;
    assert_eq!(
        body["data"]["endTwinning"],
        json!({ "twinning": {
            "id": twinning_id, "kind": "TWINNED", "startedOn": "2025-01-01",
            "endedOn": "2026-06-14", "active": false
        }, "userErrors": [] })
    );

    // Ending twice is not a move the twinning has.
    let before = super::row_counts(&app).await;
    let again = end_twinning(&app, &admin.token, &twinning_id, "2026-06-15").await;
    assert_eq!(
        again["data"]["endTwinning"],
        json!({ "twinning": null, "userErrors": [{
            "field": ["input", "twinningId"], "code": "INVALID_TRANSITION",
            "message": "this twinning has already ended"
        }] })
    );
    assert_eq!(super::row_counts(&app).await, before);
}

#[tokio::test]
async fn a_twinning_ending_today_is_still_active_and_one_ending_on_its_first_day_is_allowed() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let commune_id = commune(&app, &admin.token, "14470", "Xã Đông Sơn").await;
    let agency_id = app.agency(&admin, "Sở Tài chính").await;
    let other_agency = app.agency(&admin, "Sở Y tế").await;

    let today = super::twinning(&app, &admin.token, &commune_id, &agency_id, "2025-01-01").await;
    let ended = end_twinning(&app, &admin.token, &today, super::TODAY).await;
    assert_eq!(
        ended["data"]["endTwinning"]["twinning"]["active"],
        json!(true),
        "{ended}"
    );

    let one_day =
        super::twinning(&app, &admin.token, &commune_id, &other_agency, "2026-07-01").await;
    let ended = end_twinning(&app, &admin.token, &one_day, "2026-07-01").await;
    assert_eq!(
        ended["data"]["endTwinning"]["twinning"],
        json!({ "id": one_day, "kind": "IN_CHARGE", "startedOn": "2026-07-01", "endedOn": "2026-07-01", "active": false }),
        "{ended}"
    );
}
