//! The demo's ledger, as the report tells it: the partners *gave* the special
//! communes over 70.3 billion đồng in four years. Each special commune has a
//! contribution from its twinned enterprise, and every fifth one also from its
//! agency in charge. Contributions of the three earlier years are fulfilled
//! (disbursed in two tranches); this year's are confirmed and half disbursed, or
//! still open (pledged, not yet confirmed).

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};

use crate::{
    agencies::entity as agency,
    communes::entity as commune,
    contributions::{
        disbursement,
        entity::{self as contribution, ContributionKind, ContributionStatus},
    },
    enterprises::entity as enterprise,
    error::MutationError,
};

/// Pledged in the three earlier years, and disbursed in full.
pub const FULFILLED_TOTAL: i64 = 66_000_000_000;
/// Pledged this year and confirmed: half of it disbursed so far.
pub const CONFIRMED_TOTAL: i64 = 10_960_000_000;
/// Pledged this year and not yet confirmed: nothing disbursed.
pub const OPEN_TOTAL: i64 = 2_500_000_000;
/// Everything pledged (nothing is cancelled).
pub const PLEDGED_TOTAL: i64 = FULFILLED_TOTAL + CONFIRMED_TOTAL + OPEN_TOTAL;
/// Everything handed over: over the 70.3 billion the report quotes.
pub const DISBURSED_TOTAL: i64 = FULFILLED_TOTAL + CONFIRMED_TOTAL / 2;

/// Where a demo contribution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Fulfilled,
    Confirmed,
    Open,
}

impl Stage {
    fn total(self) -> i64 {
        match self {
            Stage::Fulfilled => FULFILLED_TOTAL,
            Stage::Confirmed => CONFIRMED_TOTAL,
            Stage::Open => OPEN_TOTAL,
        }
    }
}

/// One planned contribution.
struct Line {
    commune: usize,
    /// An enterprise's index, or an agency's.
    contributor: Contributor,
    years_back: i32,
    stage: Stage,
    weight: i64,
}

#[derive(Clone, Copy)]
enum Contributor {
    Enterprise(usize),
    Agency(usize),
}

/// The plan: who gives what to which commune, in which year, and how far it got.
fn plan(communes: usize, enterprises: usize, agencies: usize) -> Vec<Line> {
    let mut lines = Vec::new();
    for index in 0..communes {
        let years_back = (index % 4) as i32;
        let stage = match (years_back, index % 16) {
            (0, 0) => Stage::Open,
            (0, _) => Stage::Confirmed,
            _ => Stage::Fulfilled,
        };
        lines.push(Line {
            commune: index,
            contributor: Contributor::Enterprise(index % enterprises),
            years_back,
            stage,
            weight: 10 + (index as i64 * 7) % 11,
        });
        if index % 5 == 2 {
            lines.push(Line {
                commune: index,
                contributor: Contributor::Agency(index % agencies),
                years_back: (index / 5) as i32 % 3 + 1,
                stage: Stage::Fulfilled,
                weight: 4 + index as i64 % 5,
            });
        }
    }
    lines
}

/// Each line's amount: its stage's total shared by weight, in whole 2 millions (so
/// half of it is whole đồng too); the last line of a stage takes what is left, so
/// every stage sums to its total exactly.
fn amounts(lines: &[Line]) -> Vec<i64> {
    let mut amounts = vec![0; lines.len()];
    for stage in [Stage::Fulfilled, Stage::Confirmed, Stage::Open] {
        let members: Vec<usize> = (0..lines.len())
            .filter(|i| lines[*i].stage == stage)
            .collect();
        let weights: i64 = members.iter().map(|i| lines[*i].weight).sum();
        let mut remaining = stage.total();
        for (n, &i) in members.iter().enumerate() {
            let amount = if n + 1 == members.len() {
                remaining
            } else {
                stage.total() * lines[i].weight / weights / 2_000_000 * 2_000_000
            };
            remaining -= amount;
            amounts[i] = amount;
        }
    }
    amounts
}

/// Inserts the plan's contributions and their disbursements.
pub async fn insert_contributions(
    db: &impl ConnectionTrait,
    communes: &[commune::Model],
    enterprises: &[enterprise::Model],
    agencies: &[agency::Model],
    recorded_by: i64,
    today: NaiveDate,
) -> Result<(), MutationError> {
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
    let lines = plan(communes.len(), enterprises.len(), agencies.len());
    let amounts = amounts(&lines);
    for (number, (line, amount)) in lines.iter().zip(amounts).enumerate() {
        let place = &communes[line.commune];
        let pledged_on = NaiveDate::from_ymd_opt(
            today.year() - line.years_back,
            3 + (number % 3) as u32,
            1 + (number % 28) as u32,
        )
        .filter(|d| *d <= today)
        .unwrap_or(today - Duration::days(30));
        let (enterprise_id, agency_id, kind) = match line.contributor {
            Contributor::Enterprise(i) => (Some(enterprises[i].id), None, kinds[number % 4]),
            Contributor::Agency(i) => (None, Some(agencies[i].id), ContributionKind::InKind),
        };
        let confirmed_at = (line.stage != Stage::Open).then(|| {
            (pledged_on + Duration::days(7))
                .and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap_or_default())
                .and_utc()
                .min(now)
        });
        // Tranches of what was handed over: three fifths, then the rest.
        let tranches: Vec<(i64, i64)> = match line.stage {
            Stage::Fulfilled => vec![(amount / 5 * 3, 45), (amount - amount / 5 * 3, 160)],
            Stage::Confirmed => vec![(amount / 2, 45)],
            Stage::Open => Vec::new(),
        };
        let disbursed: i64 = tranches.iter().map(|(part, _)| part).sum();
        let row = contribution::ActiveModel {
            commune_id: Set(place.id),
            enterprise_id: Set(enterprise_id),
            agency_id: Set(agency_id),
            kind: Set(kind),
            purpose: Set(format!(
                "{} ({})",
                purposes[number % purposes.len()],
                place.name
            )),
            pledged_amount: Set(amount),
            disbursed_amount: Set(disbursed),
            status: Set(match line.stage {
                Stage::Fulfilled => ContributionStatus::Fulfilled,
                Stage::Confirmed => ContributionStatus::Confirmed,
                Stage::Open => ContributionStatus::Pledged,
            }),
            pledged_on: Set(pledged_on),
            due_on: Set(Some(pledged_on + Duration::days(270))),
            confirmed_at: Set(confirmed_at),
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
        for (tranche, (part, after_days)) in tranches.into_iter().enumerate() {
            disbursement::ActiveModel {
                contribution_id: Set(row.id),
                amount: Set(part),
                disbursed_on: Set((pledged_on + Duration::days(after_days)).min(today)),
                reference: Set(format!(
                    "BB-BG/{}-{:03}-{}",
                    pledged_on.year(),
                    number + 1,
                    tranche + 1
                )),
                recorded_by: Set(recorded_by),
                recorded_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_gives_over_the_reported_figure() {
        let lines = plan(55, 20, 16);
        let amounts = amounts(&lines);
        let sum = |stage: Stage| -> i64 {
            lines
                .iter()
                .zip(&amounts)
                .filter(|(l, _)| l.stage == stage)
                .map(|(_, a)| a)
                .sum()
        };
        assert_eq!(sum(Stage::Fulfilled), FULFILLED_TOTAL);
        assert_eq!(sum(Stage::Confirmed), CONFIRMED_TOTAL);
        assert_eq!(sum(Stage::Open), OPEN_TOTAL);
        assert!(amounts.iter().all(|a| *a > 0 && a % 2_000_000 == 0));
        assert_eq!(lines.len(), 66);
    }
}
