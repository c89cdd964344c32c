//! Uniqueness: commune codes, agency codes, normalised tax codes, and one active
//! twinning per commune–partner pair.

use serde_json::json;

use super::{
    commune, create_agency, create_commune, end_twinning, enterprise, register, row_counts,
    spawn_registry_app, string_at, twin,
};
use crate::helpers::spawn_app;

#[tokio::test]
async fn commune_codes_are_unique_whatever_their_case_and_spacing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let first = create_commune(&app, &official.token, "08830", "Xã Đông Sơn", json!({})).await;
    assert_eq!(
        first["data"]["createCommune"]["commune"]["code"],
        json!("08830"),
        "{first}"
    );
    let lower = create_commune(&app, &official.token, "ns01", "Xã Ninh Sơn", json!({})).await;
    assert_eq!(
        lower["data"]["createCommune"]["commune"]["code"],
        json!("NS01"),
        "{lower}"
    );

    let before = row_counts(&app).await;
    for (code, name) in [
        ("08830", "Xã Đông Sơn mới"),
        (" 08830 ", "Xã Khác"),
        ("NS01", "Xã Ninh Sơn"),
        ("Ns01", "Xã Ninh Sơn 2"),
    ] {
        let again = create_commune(&app, &admin.token, code, name, json!({})).await;
        assert_eq!(
            again["data"]["createCommune"],
            json!({ "commune": null, "userErrors": [{
                "field": ["input", "code"], "code": "TAKEN",
                "message": "a commune with this code already exists"
            }] }),
            "{code}"
        );
    }
    assert_eq!(row_counts(&app).await, before);
}

#[tokio::test]
async fn agency_codes_are_unique_whatever_their_case() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = create_agency(
        &app,
        &admin.token,
        "skhdt",
        "Sở Kế hoạch và Đầu tư",
        "DEPARTMENT",
    )
    .await;
    assert_eq!(
        created["data"]["createAgency"]["agency"]["code"],
        json!("SKHDT"),
        "{created}"
    );
    let before = row_counts(&app).await;
    for code in ["SKHDT", "skhdt", "  SkHdT "] {
        let again = create_agency(&app, &admin.token, code, "Sở Tài chính", "DEPARTMENT").await;
        assert_eq!(
            again["data"]["createAgency"],
            json!({ "agency": null, "userErrors": [{
                "field": ["input", "code"], "code": "TAKEN",
                "message": "an agency with this code already exists"
            }] }),
            "{code}"
        );
    }
    assert_eq!(row_counts(&app).await, before);
}

#[tokio::test]
async fn tax_codes_are_unique_once_normalised() {
    let app = spawn_app().await;
    let first = register(
        &app,
        None,
        "Công ty Cổ phần Bia Hà Nội",
        json!({ "taxCode": "0100233488" }),
    )
    .await;
    assert_eq!(
        first["data"]["registerEnterprise"]["enterprise"]["taxCode"],
        json!("0100233488"),
        "{first}"
    );

    let before = row_counts(&app).await;
    for spelling in [
        "01.0023.3488",
        "0100233488",
        " 0100 233 488 ",
        "01-00-233-488",
    ] {
        let again = register(&app, None, "Công ty Khác", json!({ "taxCode": spelling })).await;
        assert_eq!(
            again["data"]["registerEnterprise"],
            json!({ "enterprise": null, "token": null, "userErrors": [{
                "field": ["input", "taxCode"], "code": "TAKEN",
                "message": "an enterprise with this tax code is already registered"
            }] }),
            "{spelling}"
        );
    }
    // Neither the enterprise nor its first account was written.
    assert_eq!(row_counts(&app).await, before);
}

#[tokio::test]
async fn a_taken_email_registers_no_enterprise() {
    let app = spawn_app().await;
    let email = "giamdoc@hoabinh.vn";
    enterprise(&app, "Công ty TNHH Hòa Bình", json!({ "email": email })).await;
    let before = row_counts(&app).await;
    let again = register(
        &app,
        None,
        "Công ty TNHH Hòa Bình 2",
        json!({ "email": "GiamDoc@HoaBinh.vn" }),
    )
    .await;
    assert_eq!(
        again["data"]["registerEnterprise"],
        json!({ "enterprise": null, "token": null, "userErrors": [{
            "field": ["input", "email"], "code": "TAKEN",
            "message": "an account with this e-mail already exists"
        }] })
    );
    assert_eq!(row_counts(&app).await, before);
}

#[tokio::test]
async fn twinnings_follow_their_partner_and_one_pair_is_active_once() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.verified_firm(&official).await;
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();
    let agency_id = official.agency_id.clone().unwrap_or_default();
    let commune_id = commune(&app, &official.token, "08830", "Xã Đông Sơn").await;

    let twinned = twin(
        &app,
        &official.token,
        &commune_id,
        &enterprise_id,
        "2024-01-15",
    )
    .await;
    let twinned_id = string_at(&twinned, "/data/createTwinning/twinning/id");
    assert_eq!(
        twinned["data"]["createTwinning"],
        json!({ "twinning": {
            "id": twinned_id, "kind": "TWINNED", "startedOn": "2024-01-15", "endedOn": null,
            "active": true, "commune": { "id": commune_id },
            "partner": { "__typename": "Enterprise", "id": enterprise_id }
        }, "userErrors": [] })
    );
    let in_charge = twin(&app, &official.token, &commune_id, &agency_id, "2024-01-15").await;
    let in_charge_id = string_at(&in_charge, "/data/createTwinning/twinning/id");
    assert_eq!(
        in_charge["data"]["createTwinning"]["twinning"]["kind"],
        json!("IN_CHARGE")
    );
    assert_eq!(
        in_charge["data"]["createTwinning"]["twinning"]["partner"],
        json!({ "__typename": "Agency", "id": agency_id })
    );

    // A second active twinning of either pair, whatever its start, is TAKEN.
    let before = row_counts(&app).await;
    for partner in [&enterprise_id, &agency_id] {
        for started_on in ["2024-01-15", "2020-01-01", "2030-01-01"] {
            let again = twin(&app, &admin.token, &commune_id, partner, started_on).await;
            assert_eq!(
                again["data"]["createTwinning"],
                json!({ "twinning": null, "userErrors": [{
                    "field": ["input", "partnerId"], "code": "TAKEN",
                    "message": "this partner already has an active twinning with this commune"
                }] }),
                "{partner} from {started_on}"
            );
        }
    }
    assert_eq!(row_counts(&app).await, before);

    // Ended on 31 March 2025: a new one may start from 1 April, not on or before 31 March.
    for id in [&twinned_id, &in_charge_id] {
        let ended = end_twinning(&app, &official.token, id, "2025-03-31").await;
        assert_eq!(
            ended["data"]["endTwinning"]["twinning"]["endedOn"],
            json!("2025-03-31"),
            "{ended}"
        );
        assert_eq!(
            ended["data"]["endTwinning"]["twinning"]["active"],
            json!(false)
        );
    }
    for partner in [&enterprise_id, &agency_id] {
        for started_on in ["2025-03-31", "2025-01-01", "2024-01-15", "2023-06-01"] {
            let overlapping = twin(&app, &official.token, &commune_id, partner, started_on).await;
            assert_eq!(
                overlapping["data"]["createTwinning"]["userErrors"],
                json!([{
                    "field": ["input", "partnerId"], "code": "TAKEN",
                    "message": "this partner already has an active twinning with this commune"
                }]),
                "{partner} from {started_on}"
            );
        }
        let renewed = twin(&app, &official.token, &commune_id, partner, "2025-04-01").await;
        assert_eq!(
            renewed["data"]["createTwinning"]["userErrors"],
            json!([]),
            "{renewed}"
        );
        assert_eq!(
            renewed["data"]["createTwinning"]["twinning"]["active"],
            json!(true)
        );
        // And the renewed one is itself the pair's one active twinning.
        let third = twin(&app, &official.token, &commune_id, partner, "2026-01-01").await;
        assert_eq!(
            third["data"]["createTwinning"]["userErrors"][0]["code"],
            json!("TAKEN"),
            "{third}"
        );
    }
    // History stays: the commune shows both periods of each partner.
    assert_eq!(app.count_rows("twinnings").await, 4);
}

#[tokio::test]
async fn other_pairs_are_independent() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let first = commune(&app, &official.token, "00001", "Xã Một").await;
    let second = commune(&app, &official.token, "00002", "Xã Hai").await;
    let a = enterprise(&app, "Công ty A", json!({})).await;
    let b = enterprise(&app, "Công ty B", json!({})).await;
    for (commune_id, partner) in [(&first, &a), (&first, &b), (&second, &a), (&second, &b)] {
        let body = twin(&app, &official.token, commune_id, partner, "2024-01-01").await;
        assert_eq!(
            body["data"]["createTwinning"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    assert_eq!(app.count_rows("twinnings").await, 4);
}

#[tokio::test]
async fn simultaneous_duplicates_get_one_success_and_taken_for_the_rest() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();
    let tally = |bodies: Vec<serde_json::Value>, mutation: &str, field: &str| {
        let mut created = 0;
        for body in &bodies {
            assert_eq!(body.get("errors"), None, "{body}");
            let errors = &body["data"][mutation]["userErrors"];
            if errors == &json!([]) {
                created += 1;
            } else {
                assert_eq!(errors[0]["code"], json!("TAKEN"), "{body}");
                assert_eq!(errors[0]["field"], json!(["input", field]), "{body}");
            }
        }
        created
    };
    const N: usize = 8;
    let names: Vec<String> = (0..N).map(|i| format!("Trùng Tên {i}")).collect();

    let communes = futures_util::future::join_all(
        names
            .iter()
            .map(|name| create_commune(&app, &official.token, "77777", name, json!({}))),
    )
    .await;
    assert_eq!(tally(communes, "createCommune", "code"), 1);

    let agencies = futures_util::future::join_all(
        names
            .iter()
            .map(|name| create_agency(&app, &admin.token, "TRUNG", name, "OTHER")),
    )
    .await;
    assert_eq!(tally(agencies, "createAgency", "code"), 1);

    let code = crate::helpers::tax_code();
    let enterprises = futures_util::future::join_all(
        names
            .iter()
            .map(|name| register(&app, None, name, json!({ "taxCode": code }))),
    )
    .await;
    assert_eq!(tally(enterprises, "registerEnterprise", "taxCode"), 1);

    let commune_id = commune(&app, &official.token, "88888", "Xã Kết Nghĩa").await;
    let twinnings = futures_util::future::join_all((0..N).map(|_| {
        twin(
            &app,
            &official.token,
            &commune_id,
            &enterprise_id,
            "2024-01-01",
        )
    }))
    .await;
    assert_eq!(tally(twinnings, "createTwinning", "partnerId"), 1);

    assert_eq!(app.count_rows("communes WHERE code = '77777'").await, 1);
    assert_eq!(app.count_rows("agencies WHERE code = 'TRUNG'").await, 1);
    assert_eq!(app.count_rows("twinnings").await, 1);
    // One registration: one enterprise besides the firm's, and its one account.
    assert_eq!(app.count_rows("enterprises").await, 2);
    assert_eq!(app.count_rows("accounts WHERE role = 'FIRM'").await, 2);
}
