//! The contribution totals the database keeps per commune (`commune_totals`, kept by
//! triggers on the ledger) always equal the ledger's rows summed, to the đồng:
//! under simultaneous pledges, confirmations, cancellations and disbursements,
//! after writes that bypass the API, and when the migration fills them from an
//! existing ledger.

use futures_util::future::join_all;
use migration::{Migrator, MigratorTrait};
use serde_json::{Value, json};

use crate::contributions::{CANCEL, CONFIRM, Ledger, create_commune, ledger};

/// What `Commune.contributionTotals` answers, and the same totals summed by the
/// database over the ledger (`contributionSummary`) and by this test over the
/// commune's rows as the API lists them.
struct Seen {
    kept: Value,
    summed: Value,
    listed: Value,
}

async fn seen(l: &Ledger, commune: &str) -> Seen {
    let body = l
        .app
        .graphql(
            Some(&l.official.token),
            "query($id: ID!) {
               node(id: $id) { ... on Commune { contributionTotals { count pledged disbursed outstanding } } }
               contributions(first: 100, filter: { communeId: $id }) { nodes { status pledgedAmount disbursedAmount } }
               contributionSummary(groupBy: COMMUNE) { key totals { count pledged disbursed outstanding } }
             }",
            json!({ "id": commune }),
        )
        .await;
    let data = &body["data"];
    let kept = data["node"]["contributionTotals"].clone();
    assert!(kept.is_object(), "{body}");
    let summed = data["contributionSummary"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|group| group["key"] == json!(commune))
        .map_or_else(
            || json!({ "count": 0, "pledged": "0", "disbursed": "0", "outstanding": "0" }),
            |group| group["totals"].clone(),
        );
    let amount = |node: &Value, field: &str| -> i128 {
        node[field]
            .as_str()
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("{field} of {node}"))
    };
    let (mut count, mut pledged, mut disbursed) = (0, 0i128, 0i128);
    for node in data["contributions"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
    {
        if node["status"] != json!("CANCELLED") {
            count += 1;
            pledged += amount(node, "pledgedAmount");
            disbursed += amount(node, "disbursedAmount");
        }
    }
    let listed = json!({
        "count": count,
        "pledged": pledged.to_string(),
        "disbursed": disbursed.to_string(),
        "outstanding": (pledged - disbursed).to_string(),
    });
    Seen {
        kept,
        summed,
        listed,
    }
}

/// The kept totals equal the summed ones and the listed rows; returns them.
async fn agreed(l: &Ledger, commune: &str) -> Value {
    let seen = seen(l, commune).await;
    assert_eq!(seen.kept, seen.listed, "kept against the rows");
    assert_eq!(seen.summed, seen.listed, "summed against the rows");
    seen.kept
}

fn id_of(body: &Value) -> String {
    body["data"]["pledgeContribution"]["contribution"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

#[tokio::test]
async fn kept_commune_totals_follow_every_change_even_when_simultaneous() {
    let l = ledger().await;
    // Amounts around the billion the sums are kept in two parts of, up to the
    // largest pledge allowed.
    let amounts: Vec<i64> = (0..16)
        .map(|i| match i % 4 {
            0 => 999_999_999 + i,
            1 => 1_000_000_000 * i + 7,
            2 => 1_000_000_000_000_000 - i,
            _ => 12_345 * (i + 1),
        })
        .collect();
    let pledges = amounts.iter().enumerate().map(|(i, amount)| {
        let (token, contributor) = match i % 3 {
            0 => (&l.firm.token, None),
            1 => (&l.other_firm.token, None),
            _ => (&l.official.token, l.official.agency_id.clone()),
        };
        let mut input = json!({ "amount": amount.to_string(), "pledgedOn": "2026-11-01" });
        if let Some(agency) = contributor {
            input["contributorId"] = json!(agency);
        }
        l.pledge(token, input)
    });
    let ids: Vec<String> = join_all(pledges).await.iter().map(id_of).collect();
    assert_eq!(agreed(&l, &l.commune).await["count"], json!(16));

    // At once: confirm the first twelve; cancel the last eight, so four of them
    // race a confirmation (either order is allowed: confirmed then cancelled, or
    // cancelled and the confirmation refused).
    let confirms = ids[..12].iter().map(|id| {
        l.app
            .graphql(Some(&l.official.token), CONFIRM, json!({ "id": id }))
    });
    let cancels = ids[8..].iter().map(|id| {
        l.app.graphql(
            Some(&l.official.token),
            CANCEL,
            json!({ "id": id, "reason": "Điều chỉnh kế hoạch" }),
        )
    });
    let (confirmed, cancelled) = tokio::join!(join_all(confirms), join_all(cancels));
    assert!(
        cancelled.iter().all(
            |b| b["data"]["cancelContribution"]["contribution"]["status"] == json!("CANCELLED")
        ),
        "{cancelled:?}"
    );
    assert!(
        confirmed[..8].iter().all(
            |b| b["data"]["confirmContribution"]["contribution"]["status"] == json!("CONFIRMED")
        ),
        "{confirmed:?}"
    );
    assert_eq!(agreed(&l, &l.commune).await["count"], json!(8));

    // At once: four disbursements of a third of each of the eight confirmed
    // pledges (three fit, the fourth exceeds the pledge), and a cancellation of
    // each, refused once anything is disbursed.
    let disbursements = ids[..8].iter().zip(&amounts).flat_map(|(id, amount)| {
        let third = (amount / 3).to_string();
        (0..4).map(move |_| (id.clone(), third.clone()))
    });
    let l = &l;
    let disbursed = join_all(
        disbursements
            .map(|(id, third)| async move {
                l.disburse(&l.official.token, &id, &third, "2026-11-20")
                    .await
            })
            .collect::<Vec<_>>(),
    );
    let late_cancels = join_all(ids[..8].iter().map(|id| {
        l.app.graphql(
            Some(&l.official.token),
            CANCEL,
            json!({ "id": id, "reason": "Điều chỉnh kế hoạch" }),
        )
    }));
    let (disbursed, late_cancels) = tokio::join!(disbursed, late_cancels);
    let recorded = disbursed
        .iter()
        .filter(|b| b["data"]["recordDisbursement"]["disbursement"]["id"].is_string())
        .count();
    let cancelled_late = late_cancels
        .iter()
        .filter(|b| b["data"]["cancelContribution"]["contribution"]["status"] == json!("CANCELLED"))
        .count();
    // A contribution cancelled before its first disbursement takes none; every
    // other one takes exactly three.
    assert_eq!(recorded, 3 * (8 - cancelled_late), "{disbursed:?}");

    let totals = agreed(l, &l.commune).await;
    assert_eq!(totals["count"], json!(8 - cancelled_late));
    let expected_disbursed: i128 = ids[..8]
        .iter()
        .zip(&amounts)
        .zip(&late_cancels)
        .filter(|(_, cancel)| cancel["data"]["cancelContribution"]["contribution"].is_null())
        .map(|((_, amount), _)| 3 * i128::from(amount / 3))
        .sum();
    assert_eq!(totals["disbursed"], json!(expected_disbursed.to_string()));
}

#[tokio::test]
async fn kept_commune_totals_follow_writes_that_bypass_the_api() {
    let l = ledger().await;
    let second = create_commune(&l.app, &l.official, "08831", "Xã Hòa Bình", false).await;
    for amount in ["777", "1000000001", "888"] {
        id_of(
            &l.pledge(
                &l.firm.token,
                json!({ "amount": amount, "pledgedOn": "2026-11-01" }),
            )
            .await,
        );
    }
    assert_eq!(
        agreed(&l, &l.commune).await,
        json!({ "count": 3, "pledged": "1000001666", "disbursed": "0", "outstanding": "1000001666" })
    );

    // A contribution moved to another commune takes its share along.
    l.app
        .execute_sql(
            "UPDATE contributions SET commune_id = (SELECT id FROM communes WHERE code = '08831') \
             WHERE pledged_amount = 1000000001",
        )
        .await;
    assert_eq!(agreed(&l, &l.commune).await["pledged"], json!("1665"));
    assert_eq!(
        agreed(&l, &second).await,
        json!({ "count": 1, "pledged": "1000000001", "disbursed": "0", "outstanding": "1000000001" })
    );
    // A deleted one leaves; an amount corrected in place moves the sum.
    l.app
        .execute_sql("DELETE FROM contributions WHERE pledged_amount = 777")
        .await;
    l.app
        .execute_sql(
            "UPDATE contributions SET pledged_amount = 2000000888 WHERE pledged_amount = 888",
        )
        .await;
    assert_eq!(
        agreed(&l, &l.commune).await,
        json!({ "count": 1, "pledged": "2000000888", "disbursed": "0", "outstanding": "2000000888" })
    );
}

#[tokio::test]
async fn the_migration_fills_kept_totals_from_an_existing_ledger() {
    let l = ledger().await;
    let kept = l.confirmed_id("1500000000").await;
    l.disburse(&l.official.token, &kept, "499999999", "2026-11-20")
        .await;
    l.pledged_id(&l.other_firm.token, json!({ "amount": "42" }))
        .await;
    let cancelled = l
        .pledged_id(&l.firm.token, json!({ "amount": "1000" }))
        .await;
    l.app
        .graphql(
            Some(&l.official.token),
            CANCEL,
            json!({ "id": cancelled, "reason": "Trùng lặp" }),
        )
        .await;
    let before = agreed(&l, &l.commune).await;
    assert_eq!(
        before,
        json!({ "count": 2, "pledged": "1500000042", "disbursed": "499999999", "outstanding": "1000000043" })
    );

    // Undo the last migration (table and triggers gone), change the ledger while
    // nothing keeps the totals, and migrate again.
    let db = &l.app.state.db.write;
    Migrator::down(db, Some(1)).await.expect("down one");
    assert_eq!(
        Migrator::get_pending_migrations(db)
            .await
            .expect("status")
            .len(),
        1
    );
    l.app
        .execute_sql("UPDATE contributions SET pledged_amount = 43 WHERE pledged_amount = 42")
        .await;
    Migrator::up(db, None).await.expect("up again");
    assert_eq!(
        agreed(&l, &l.commune).await,
        json!({ "count": 2, "pledged": "1500000043", "disbursed": "499999999", "outstanding": "1000000044" })
    );
    // And the triggers keep them again.
    l.pledged_id(&l.firm.token, json!({ "amount": "1" })).await;
    assert_eq!(agreed(&l, &l.commune).await["pledged"], json!("1500000044"));
}
