//! Who may run each registry mutation (DESIGN §3): every mutation against an
//! anonymous caller, a firm, another firm, an official and an admin. A refusal is
//! a top-level UNAUTHENTICATED (anonymous) or FORBIDDEN error and writes nothing.

use serde_json::{Value, json};

use super::{
    CREATE_AGENCY, CREATE_COMMUNE, CREATE_TWINNING, END_TWINNING, REGISTER, UPDATE_COMMUNE,
    UPDATE_ENTERPRISE, VERIFY, commune, commune_input, enterprise_input, row_counts,
    spawn_registry_app, twinning,
};
use crate::helpers::{Member, TestApp, error_code};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Allowed,
    Unauthenticated,
    Forbidden,
}
use Outcome::{Allowed, Forbidden, Unauthenticated};

/// Callers, in the order of each row of expectations below.
const CALLERS: [&str; 5] = [
    "anonymous",
    "the firm",
    "another firm",
    "an official",
    "an admin",
];

/// A fresh input for one call of `mutation`, so that every allowed call succeeds.
async fn input_for(
    app: &TestApp,
    admin: &Member,
    firm: &Member,
    mutation: &str,
    n: usize,
) -> Value {
    let enterprise_id = firm.enterprise_id.clone().unwrap_or_default();
    match mutation {
        "registerEnterprise" => enterprise_input(&format!("Công ty Số {n}")),
        "verifyEnterprise" => json!({ "enterpriseId": enterprise_id }),
        "updateEnterprise" => {
            json!({ "enterpriseId": enterprise_id, "sector": format!("Ngành {n}") })
        }
        "createAgency" => {
            json!({ "code": format!("AG{n}"), "name": format!("Sở Số {n}"), "kind": "BOARD" })
        }
        "createCommune" => commune_input(&format!("CC{n}"), &format!("Xã Số {n}")),
        "updateCommune" | "createTwinning" | "endTwinning" => {
            let commune_id =
                commune(app, &admin.token, &format!("AR{n}"), &format!("Xã Thử {n}")).await;
            match mutation {
                "updateCommune" => {
                    json!({ "communeId": commune_id, "name": format!("Xã Đổi Tên {n}") })
                }
                "createTwinning" => {
                    json!({ "communeId": commune_id, "partnerId": enterprise_id, "startedOn": "2025-01-01" })
                }
                _ => {
                    let twinning_id =
                        twinning(app, &admin.token, &commune_id, &enterprise_id, "2025-01-01")
                            .await;
                    json!({ "twinningId": twinning_id, "endedOn": "2026-01-01" })
                }
            }
        }
        other => panic!("no input for {other}"),
    }
}

#[tokio::test]
async fn every_registry_mutation_is_open_to_exactly_the_roles_the_design_names() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let official = app.official(&admin).await;
    let firm = app.firm().await;
    let other_firm = app.firm().await;
    let tokens = [
        None,
        Some(firm.token.as_str()),
        Some(other_firm.token.as_str()),
        Some(official.token.as_str()),
        Some(admin.token.as_str()),
    ];

    let table: [(&str, &str, &str, [Outcome; 5]); 8] = [
        (
            "registerEnterprise",
            REGISTER,
            "enterprise",
            [Allowed, Allowed, Allowed, Allowed, Allowed],
        ),
        (
            "verifyEnterprise",
            VERIFY,
            "enterprise",
            [Unauthenticated, Forbidden, Forbidden, Allowed, Allowed],
        ),
        (
            "updateEnterprise",
            UPDATE_ENTERPRISE,
            "enterprise",
            [Unauthenticated, Allowed, Forbidden, Allowed, Allowed],
        ),
        (
            "createAgency",
            CREATE_AGENCY,
            "agency",
            [Unauthenticated, Forbidden, Forbidden, Forbidden, Allowed],
        ),
        (
            "createCommune",
            CREATE_COMMUNE,
            "commune",
            [Unauthenticated, Forbidden, Forbidden, Allowed, Allowed],
        ),
        (
            "updateCommune",
            UPDATE_COMMUNE,
            "commune",
            [Unauthenticated, Forbidden, Forbidden, Allowed, Allowed],
        ),
        (
            "createTwinning",
            CREATE_TWINNING,
            "twinning",
            [Unauthenticated, Forbidden, Forbidden, Allowed, Allowed],
        ),
        (
            "endTwinning",
            END_TWINNING,
            "twinning",
            [Unauthenticated, Forbidden, Forbidden, Allowed, Allowed],
        ),
    ];

    let mut n = 0;
    for (mutation, document, object, outcomes) in table {
        for ((caller, token), expected) in CALLERS.iter().zip(tokens).zip(outcomes) {
            n += 1;
            let input = input_for(&app, &admin, &firm, mutation, n).await;
            let before = row_counts(&app).await;
            let body = app
                .graphql(token, document, json!({ "input": input }))
                .await;
            let after = row_counts(&app).await;
            match expected {
                Allowed => {
                    assert_eq!(body.get("errors"), None, "{mutation} by {caller}: {body}");
                    assert_eq!(
                        body["data"][mutation]["userErrors"],
                        json!([]),
                        "{mutation} by {caller}: {body}"
                    );
                    assert!(
                        body["data"][mutation][object]["id"].is_string(),
                        "{mutation} by {caller}: {body}"
                    );
                    let audit = |counts: &[(&str, i64)]| counts[5].1;
                    assert_eq!(audit(&after), audit(&before) + 1, "{mutation} by {caller}");
                }
                Unauthenticated | Forbidden => {
                    let code = if expected == Forbidden {
                        "FORBIDDEN"
                    } else {
                        "UNAUTHENTICATED"
                    };
                    assert_eq!(error_code(&body), code, "{mutation} by {caller}: {body}");
                    assert_eq!(body["data"], json!(null), "{mutation} by {caller}: {body}");
                    assert_eq!(
                        body["errors"][0]["path"],
                        json!([mutation]),
                        "{mutation} by {caller}: {body}"
                    );
                    assert_eq!(after, before, "{mutation} by {caller} wrote something");
                }
            }
        }
    }
}

#[tokio::test]
async fn refusals_come_before_any_look_at_the_input() {
    let app = spawn_registry_app().await;
    let admin = app.admin().await;
    let firm = app.firm().await;
    let other_firm = app.firm().await;
    let official = app.official(&admin).await;
    let junk = json!({ "code": "", "name": "", "kind": "OTHER" });
    // Input that would be INVALID still meets the role check first.
    for (token, code) in [
        (None, "UNAUTHENTICATED"),
        (Some(&firm.token), "FORBIDDEN"),
        (Some(&official.token), "FORBIDDEN"),
    ] {
        let body = app
            .graphql(
                token.map(String::as_str),
                CREATE_AGENCY,
                json!({ "input": junk }),
            )
            .await;
        assert_eq!(error_code(&body), code, "{body}");
    }
    let body = app
        .graphql(
            Some(&firm.token),
            CREATE_COMMUNE,
            json!({ "input": commune_input("", "") }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    // Another firm may not learn whether an enterprise exists by updating it.
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    for id in [
        other_firm.enterprise_id.clone().unwrap_or_default(),
        URL_SAFE_NO_PAD.encode("Enterprise:987654"),
    ] {
        let body = app
            .graphql(
                Some(&firm.token),
                UPDATE_ENTERPRISE,
                json!({ "input": { "enterpriseId": id, "name": "Công ty Chiếm Quyền" } }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    }
}

#[tokio::test]
async fn a_bad_token_is_refused_even_where_anyone_may_act() {
    let app = spawn_registry_app().await;
    let before = row_counts(&app).await;
    let body = app
        .graphql(
            Some("not-a-token"),
            REGISTER,
            json!({ "input": enterprise_input("Công ty Thử") }),
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert_eq!(row_counts(&app).await, before);
}
