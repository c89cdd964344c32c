//! The business clock. Deadlines, scheduling and "today" read it; it is fixed by
//! `DONGHANH_NOW` outside production so time-dependent rules can be tested across a
//! restart. Token times and rate limits never use it: they read the real clock.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct Clock {
    fixed: Option<DateTime<Utc>>,
    zone: Tz,
}

impl Clock {
    pub fn new(fixed: Option<DateTime<Utc>>, zone: Tz) -> Clock {
        Clock { fixed, zone }
    }

    /// The current instant of the business day.
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(Utc::now)
    }

    /// Today's date in the programme's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.zone).date_naive()
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_in_the_programme_zone() {
        // 18:30 UTC on 26 November is already 27 November in Hà Nội (UTC+7).
        let instant = DateTime::parse_from_rfc3339("2026-11-26T18:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let clock = Clock::new(instant, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
        );
    }
}
