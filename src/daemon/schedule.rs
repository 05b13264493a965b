//! The check schedule: a crontab line in the configured time zone.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    tz: Tz,
}

impl Schedule {
    /// `line` was validated with the config; an invalid one still gives an error here.
    pub fn new(line: &str, tz: Tz) -> Result<Schedule, String> {
        Cron::from_str(line)
            .map(|cron| Schedule { cron, tz })
            .map_err(|e| format!("schedule {line:?}: {e}"))
    }

    /// The first fire time strictly after `now`, in local time of the zone (so `0 9 * * *` is
    /// 09:00 in Asia/Shanghai whatever the machine's zone).
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test time")
            .with_timezone(&Utc)
    }

    #[test]
    fn five_fields_in_the_configured_zone() {
        let s = Schedule::new("0 9 * * *", chrono_tz::Asia::Shanghai).expect("schedule");
        // 09:00 in Shanghai is 01:00 UTC.
        assert_eq!(
            s.next_after(utc("2025-06-30T00:30:00Z")),
            Some(utc("2025-06-30T01:00:00Z"))
        );
        assert_eq!(
            s.next_after(utc("2025-06-30T01:00:00Z")),
            Some(utc("2025-07-01T01:00:00Z"))
        );
        // Across a month end and a year end.
        assert_eq!(
            s.next_after(utc("2025-12-31T02:00:00Z")),
            Some(utc("2026-01-01T01:00:00Z"))
        );
    }

    #[test]
    fn weekdays_count_from_monday_as_in_crontab() {
        let s = Schedule::new("0 9 * * 1-5", chrono_tz::Asia::Shanghai).expect("schedule");
        // 2025-07-05 is a Saturday: the next fire is Monday 07-07 09:00 +08.
        assert_eq!(
            s.next_after(utc("2025-07-04T02:00:00Z")),
            Some(utc("2025-07-07T01:00:00Z"))
        );
        let monday = Schedule::new("0 9 * * 1", chrono_tz::UTC).expect("schedule");
        assert_eq!(
            monday.next_after(utc("2025-07-05T00:00:00Z")),
            Some(utc("2025-07-07T09:00:00Z"))
        );
    }

    #[test]
    fn seconds_field_is_accepted() {
        let s = Schedule::new("*/2 * * * * *", chrono_tz::UTC).expect("schedule");
        assert_eq!(
            s.next_after(utc("2025-07-05T00:00:01Z")),
            Some(utc("2025-07-05T00:00:02Z"))
        );
    }

    #[test]
    fn invalid_lines_are_errors() {
        assert!(Schedule::new("61 9 * * *", chrono_tz::UTC).is_err());
    }
}
