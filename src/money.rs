//! Money: whole đồng in 64-bit integers, never floats.
//!
//! The bound: one pledge or disbursement is at most 10^15 đồng (a thousand times
//! the programme's four-year total), so no single amount, and no sum of a
//! contribution's disbursements (never above its pledge), comes near `i64::MAX`
//! (about 9.2 × 10^18). Sums over many contributions are another matter: ten
//! thousand maximal pledges overflow `i64`. Totals are therefore [`Total`]s, 128-bit,
//! and the database sums amounts in two parts that cannot overflow (see
//! `reports::totals`), so a total is exact whatever the ledger holds.

use serde::Serialize;

use crate::error::{UserError, UserErrorCode};

/// The largest amount one pledge or disbursement may carry, in đồng.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// An amount of a pledge or a disbursement: 1 to [`MAX_AMOUNT`] đồng.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PositiveVnd(i64);

impl PositiveVnd {
    /// An amount from input, or INVALID on `field`.
    pub fn parse(field: &str, amount: i64) -> Result<PositiveVnd, UserError> {
        if amount <= 0 {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!("phải lớn hơn 0 đồng", "must be more than 0 đồng"),
            ));
        }
        if amount > MAX_AMOUNT {
            return Err(UserError::at(
                field,
                UserErrorCode::Invalid,
                crate::msg!("không được quá 10^15 đồng", "must be at most 10^15 đồng"),
            ));
        }
        Ok(PositiveVnd(amount))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A sum of amounts, in đồng: wide enough for any number of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct Total(i128);

impl Total {
    pub const ZERO: Total = Total(0);

    pub fn new(value: i128) -> Total {
        Total(value)
    }

    pub fn get(self) -> i128 {
        self.0
    }

    /// `self - other`, never below zero (a cancelled pledge owes nothing).
    pub fn minus(self, other: Total) -> Total {
        Total((self.0 - other.0).max(0))
    }
}

impl From<i64> for Total {
    fn from(value: i64) -> Total {
        Total(i128::from(value))
    }
}

impl std::ops::Add for Total {
    type Output = Total;

    fn add(self, other: Total) -> Total {
        Total(self.0 + other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_positive_and_bounded() {
        assert_eq!(PositiveVnd::parse("amount", 1).map(PositiveVnd::get), Ok(1));
        assert_eq!(
            PositiveVnd::parse("amount", MAX_AMOUNT).map(PositiveVnd::get),
            Ok(MAX_AMOUNT)
        );
        for bad in [0, -1, MAX_AMOUNT + 1, i64::MAX, i64::MIN] {
            assert!(PositiveVnd::parse("amount", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn totals_hold_far_more_than_i64() {
        let many = (0..20_000).fold(Total::ZERO, |sum, _| sum + Total::from(MAX_AMOUNT));
        assert_eq!(many.get(), 20_000_000_000_000_000_000);
        assert_eq!(Total::from(5).minus(Total::from(7)), Total::ZERO);
    }
}
