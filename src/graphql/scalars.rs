//! The contract's scalars: `DateTime` (RFC 3339, always output in UTC with `Z`),
//! `Date` (ISO 8601 calendar date) and `Vnd` (whole đồng as a string of digits).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, NaiveDate, SecondsFormat, Utc};

use crate::money::{MAX_AMOUNT, Total};

/// An instant, RFC 3339 (`2026-11-26T08:30:00Z`). Output is always UTC with `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// An instant, RFC 3339 (`2026-11-26T08:30:00Z`). Output is always UTC with `Z`.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            // In UTC it must still fall in the years 1 to 9999: an offset can carry
            // 9999-12-31 into year 10000, which sorts before year 2000 as text.
            Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
                .filter(|t| (1..=9999).contains(&t.year()))
                .map(DateTime)
                .ok_or_else(|| {
                    InputValueError::custom(
                        "expected an RFC 3339 date-time such as 2026-11-26T08:30:00Z, in the years 1 to 9999",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(value: chrono::DateTime<Utc>) -> Self {
        DateTime(value)
    }
}

/// A calendar date, ISO 8601 (`2026-11-26`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, ISO 8601 (`2026-11-26`), in the programme's time zone where it is "today".
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) if is_iso_date_shape(text) => {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .filter(|day| day.year() >= 1)
                    .map(Date)
                    .ok_or_else(|| InputValueError::custom("expected a date such as 2026-11-26"))
            }
            Value::String(_) => Err(InputValueError::custom(
                "expected a date such as 2026-11-26",
            )),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(iso_date(self.0))
    }
}

/// `day` as `YYYY-MM-DD`; written digit by digit for the four-digit years every
/// stored day has (chrono's `format` reads its pattern afresh on each call: a
/// page of contributions formats a hundred days).
fn iso_date(day: NaiveDate) -> String {
    let year = day.year();
    if !(0..=9999).contains(&year) {
        return day.format("%Y-%m-%d").to_string();
    }
    let digits = |number: u32, width: u32| {
        (0..width)
            .rev()
            .map(move |place| char::from(b'0' + (number / 10u32.pow(place) % 10) as u8))
    };
    let mut text = String::with_capacity(10);
    text.extend(digits(year.unsigned_abs(), 4));
    text.push('-');
    text.extend(digits(day.month(), 2));
    text.push('-');
    text.extend(digits(day.day(), 2));
    text
}

/// `YYYY-MM-DD`, digits where digits belong: no sign, no short month or day.
fn is_iso_date_shape(text: &str) -> bool {
    text.len() == 10
        && text.bytes().enumerate().all(|(at, byte)| match at {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}

/// An amount of Vietnamese đồng, whole đồng only: 0 to 10^15 as input (one pledge
/// or disbursement); a total as output may be larger, and is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Vnd(i128);

impl Vnd {
    pub const MAX: i64 = MAX_AMOUNT;

    pub fn new(amount: i64) -> Option<Vnd> {
        (0..=Self::MAX)
            .contains(&amount)
            .then_some(Vnd(i128::from(amount)))
    }

    /// An amount read from the ledger for output (never negative: the tables'
    /// CHECK constraints see to that).
    pub fn amount(value: i64) -> Vnd {
        Vnd(i128::from(value.max(0)))
    }

    /// A total for output.
    pub fn total(total: Total) -> Vnd {
        Vnd(total.get().max(0))
    }

    /// The amount of an input value, which [`Vnd::new`] bounded to `i64`.
    pub fn get(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }

    /// Parses the string form: ASCII decimal digits only, no sign, no exponent.
    pub fn parse_digits(text: &str) -> Option<Vnd> {
        if text.is_empty() || text.len() > 16 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().and_then(Vnd::new)
    }
}

const VND_EXPECTED: &str =
    "expected whole đồng from 0 to 10^15, as a string of digits or an integer";

/// Vietnamese đồng, whole đồng only, as a string of decimal digits (`70300000000`), so
/// JavaScript clients lose no precision. Input: the same string form, or a JSON integer;
/// 0 to 10^15. Totals may be larger, and are exact.
#[Scalar(name = "Vnd")]
impl ScalarType for Vnd {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::String(text) => Vnd::parse_digits(text),
            Value::Number(number) => number
                .as_i64()
                .and_then(Vnd::new)
                .filter(|_| !number.is_f64()),
            _ => None,
        };
        parsed.ok_or_else(|| InputValueError::custom(VND_EXPECTED))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_as_chrono_writes_them() {
        let mut day = NaiveDate::from_ymd_opt(-3, 1, 1).expect("a day");
        let last = NaiveDate::from_ymd_opt(10_002, 12, 31).expect("a day");
        let mut checked = 0;
        while day <= last {
            assert_eq!(iso_date(day), day.format("%Y-%m-%d").to_string());
            checked += 1;
            // Every day near the ends of the range and of each century, a day a
            // week elsewhere.
            let near_edge = day.year() < 3 || day.year() > 9_997 || day.year() % 100 == 0;
            day = day + chrono::Days::new(if near_edge { 1 } else { 7 });
        }
        assert_eq!(
            iso_date(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()),
            "2026-03-09"
        );
        assert!(checked > 500_000, "{checked}");
    }

    #[test]
    fn instants_and_days_stay_within_four_digit_years() {
        let instant = |text: &str| DateTime::parse(Value::String(text.into())).ok();
        assert_eq!(
            instant("2026-11-26T08:30:00+07:00").map(|t| t.to_value()),
            Some(Value::String("2026-11-26T01:30:00Z".into()))
        );
        assert!(instant("9999-12-31T23:00:00Z").is_some());
        for bad in [
            "9999-12-31T23:00:00-05:00",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "+10000-01-01T00:00:00Z",
            "2026-11-26T08:30:00+24:00",
        ] {
            assert_eq!(instant(bad), None, "{bad}");
        }
        let day = |text: &str| Date::parse(Value::String(text.into())).ok();
        assert!(day("9999-12-31").is_some());
        assert_eq!(day("0000-01-01"), None);
        assert_eq!(day("+9999-1-01"), None);
    }

    #[test]
    fn vnd_accepts_digits_and_integers_only() {
        assert_eq!(
            Vnd::parse(Value::String("70300000000".into())).ok(),
            Vnd::new(70_300_000_000)
        );
        assert_eq!(Vnd::parse(Value::Number(5.into())).ok(), Vnd::new(5));
        assert_eq!(
            Vnd::parse(Value::String("1000000000000000".into())).ok(),
            Vnd::new(Vnd::MAX)
        );
        for bad in [
            "1e9",
            "12.5",
            "-1",
            "",
            " 1",
            "1000000000000001",
            "١٢٣",
            "+5",
            "0x10",
        ] {
            assert!(Vnd::parse(Value::String(bad.into())).is_err(), "{bad:?}");
        }
        let float = serde_json::Number::from_f64(12.0).map(Value::Number);
        assert!(float.is_some_and(|v| Vnd::parse(v).is_err()));
        assert!(Vnd::parse(Value::Number((-1).into())).is_err());
        assert!(Vnd::parse(Value::Boolean(true)).is_err());
        assert_eq!(
            Vnd::new(7).map(|v| v.to_value()),
            Some(Value::String("7".into()))
        );
    }

    #[test]
    fn date_time_is_output_in_utc_with_z() {
        let parsed = DateTime::parse(Value::String("2026-11-26T15:30:00+07:00".into())).ok();
        assert_eq!(
            parsed.map(|t| t.to_value()),
            Some(Value::String("2026-11-26T08:30:00Z".into()))
        );
        assert!(DateTime::parse(Value::String("2026-11-26".into())).is_err());
    }

    #[test]
    fn date_is_iso() {
        assert!(Date::parse(Value::String("2026-02-30".into())).is_err());
        assert!(Date::parse(Value::String("2026-1-5".into())).is_err());
        assert_eq!(
            Date::parse(Value::String("2026-11-26".into()))
                .ok()
                .map(|d| d.to_value()),
            Some(Value::String("2026-11-26".into()))
        );
    }
}
