//! The demo's ledger: one contribution per special commune from its twinned
//! enterprise, over four years.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};

use super::CONTRIBUTIONS_TOTAL;
use crate::{
    communes::entity as commune,
    contributions::{
        disbursement,
        entity::{self as contribution, ContributionKind, ContributionStatus},
    },
    enterprises::entity as enterprise,
    error::MutationError,
};

/// One contribution per special commune from its twinned enterprise, spread over
/// four years and summing to exactly 70.3 billion đồng: earlier years fulfilled,
/// the current year confirmed and partly disbursed.
pub async fn insert_contributions(
    db: &impl ConnectionTrait,
    communes: &[commune::Model],
    enterprises: &[enterprise::Model],
    recorded_by: i64,
    today: NaiveDate,
) -> Result<(), MutationError> {
    let weights: Vec<i64> = (0..communes.len() as i64)
        .map(|i| 10 + (i * 7) % 11)
        .collect();
    let weight_sum: i64 = weights.iter().sum();
    let mut remaining = CONTRIBUTIONS_TOTAL;
    let kinds = [
        ContributionKind::Cash,
        ContributionKind::Infrastructure,
        ContributionKind::SocialWelfare,
        ContributionKind::InKind,
    ];
    let purposes = [
        "Xây dựng nhà văn hóa thôn",
        "Bê tông hóa đường giao thông nông thôn",
        "Xây nhà đại đoàn kết cho hộ nghèo",
        "Trao học bổng cho học sinh nghèo vượt khó",
        "Cấp nước sinh hoạt tập trung",
    ];
    let now = Utc::now();
    for (index, place) in communes.iter().enumerate() {
        let amount = if index + 1 == communes.len() {
            remaining
        } else {
            // Whole millions, proportional to the weight.
            CONTRIBUTIONS_TOTAL * weights[index] / weight_sum / 1_000_000 * 1_000_000
        };
        remaining -= amount;
        let years_back = (index % 4) as i32;
        let pledged_on =
            NaiveDate::from_ymd_opt(today.year() - years_back, 3, 1 + (index % 28) as u32)
                .filter(|d| *d <= today)
                .unwrap_or(today - Duration::days(30));
        let current_year = years_back == 0;
        let disbursed = if current_year { amount / 2 } else { amount };
        let row = contribution::ActiveModel {
            commune_id: Set(place.id),
            enterprise_id: Set(Some(enterprises[index % enterprises.len()].id)),
            agency_id: Set(None),
            kind: Set(kinds[index % kinds.len()]),
            purpose: Set(format!(
                "{} ({})",
                purposes[index % purposes.len()],
                place.name
            )),
            pledged_amount: Set(amount),
            disbursed_amount: Set(disbursed),
            status: Set(if current_year {
                ContributionStatus::Confirmed
            } else {
                ContributionStatus::Fulfilled
            }),
            pledged_on: Set(pledged_on),
            due_on: Set(Some(pledged_on + Duration::days(270))),
            confirmed_at: Set(Some(now)),
            cancelled_at: Set(None),
            cancellation_reason: Set(None),
            idempotency_key: Set(None),
            created_by: Set(recorded_by),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        disbursement::ActiveModel {
            contribution_id: Set(row.id),
            amount: Set(disbursed),
            disbursed_on: Set((pledged_on + Duration::days(60)).min(today)),
            reference: Set(format!("BB-BG/{}-{:03}", pledged_on.year(), index + 1)),
            recorded_by: Set(recorded_by),
            recorded_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
