//! Working days: Monday to Friday, less the configured public holidays
//! (`DONGHANH_HOLIDAYS`). Response deadlines count them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// True on a weekday that is not a holiday.
pub fn is_working_day(day: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&day)
}

/// The day `n` working days after `start` (`start` itself does not count).
pub fn add_working_days(start: NaiveDate, n: u32, holidays: &[NaiveDate]) -> NaiveDate {
    let mut day = start;
    let mut counted = 0;
    while counted < n {
        day += Duration::days(1);
        if is_working_day(day, holidays) {
            counted += 1;
        }
    }
    day
}

/// Working days after `start` up to and including `end`: 0 when `end` is not
/// after `start`.
pub fn working_days_between(start: NaiveDate, end: NaiveDate, holidays: &[NaiveDate]) -> i64 {
    start
        .iter_days()
        .skip(1)
        .take_while(|day| *day <= end)
        .filter(|day| is_working_day(*day, holidays))
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("bug: a test date")
    }

    #[test]
    fn working_days_between_count_what_add_working_days_adds() {
        let start = date("2026-11-26");
        for n in 0..20 {
            let end = add_working_days(start, n, &[date("2026-12-01")]);
            assert_eq!(
                working_days_between(start, end, &[date("2026-12-01")]),
                i64::from(n)
            );
        }
        assert_eq!(working_days_between(start, date("2026-11-20"), &[]), 0);
    }

    #[test]
    fn weekends_are_skipped() {
        // Thursday 26 November 2026 + 1 working day = Friday; + 2 = Monday 30th.
        assert_eq!(
            add_working_days(date("2026-11-26"), 1, &[]),
            date("2026-11-27")
        );
        assert_eq!(
            add_working_days(date("2026-11-26"), 2, &[]),
            date("2026-11-30")
        );
        // From a Saturday, the first working day is Monday.
        assert_eq!(
            add_working_days(date("2026-11-28"), 1, &[]),
            date("2026-11-30")
        );
        assert_eq!(
            add_working_days(date("2026-11-26"), 0, &[]),
            date("2026-11-26")
        );
    }

    #[test]
    fn fifteen_working_days_with_a_holiday() {
        // Three weeks of working days from Thursday 26 November is Thursday 17
        // December; a holiday on Wednesday 2 December pushes it to Friday 18th.
        assert_eq!(
            add_working_days(date("2026-11-26"), 15, &[]),
            date("2026-12-17")
        );
        assert_eq!(
            add_working_days(date("2026-11-26"), 15, &[date("2026-12-02")]),
            date("2026-12-18")
        );
        // A holiday on a weekend changes nothing.
        assert_eq!(
            add_working_days(date("2026-11-26"), 15, &[date("2026-11-28")]),
            date("2026-12-17")
        );
    }

    #[test]
    fn tet_holidays_are_skipped_in_a_row() {
        let tet: Vec<NaiveDate> = (16..=20).map(|d| date(&format!("2026-02-{d}"))).collect();
        // Friday 13 February 2026 + 1 working day, with Tết from Monday 16th to Friday 20th.
        assert_eq!(
            add_working_days(date("2026-02-13"), 1, &tet),
            date("2026-02-23")
        );
        assert!(!is_working_day(date("2026-02-17"), &tet));
        assert!(is_working_day(date("2026-02-23"), &tet));
    }
}
