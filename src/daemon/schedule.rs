//! The check schedule: a crontab line in the configured time zone.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use croner::Cron;

use crate::zone::Zone;

/// A check schedule: a crontab line read in a time zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    tz: Zone,
}

impl Schedule {
    /// The schedule of crontab `line` (5 fields; 6 or 7 with seconds/year), fired in `tz`.
    ///
    /// # Errors
    ///
    /// The line is not a crontab line croner reads (the config check normally caught that
    /// already): the message quotes the line and says why.
    pub fn new(line: &str, tz: &Zone) -> Result<Schedule, String> {
        Cron::from_str(line)
            .map(|cron| Schedule {
                cron,
                tz: tz.clone(),
            })
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

    /// The latest fire time at or before `now` (`None`: the schedule never fired before), for
    /// the digest missed while the daemon was down.
    pub fn latest_at_or_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.tz);
        self.cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The next `count` fire times strictly after `after`, in the schedule's zone (as an
    /// administrator reads them), and whether the schedule fires more than once on some day:
    /// for `config check`, where a sixth field added by mistake (`0 9 * * * *`: at minute 9
    /// of every hour) must not pass silently. Fewer than `count` times only if the schedule
    /// ends (a date that never comes again).
    pub fn upcoming(&self, after: DateTime<Utc>, count: usize) -> Upcoming {
        let mut times = Vec::with_capacity(count.max(3));
        let mut now = after;
        // Three fire times always show a second fire on one day if there is one: the time
        // fields are the same on every day the schedule fires, so if a day has two or more,
        // of three fires in a row either the first two or the last two share a day.
        while times.len() < count.max(3) {
            let Some(next) = self.next_after(now) else {
                break;
            };
            times.push(next.with_timezone(&self.tz));
            now = next;
        }
        let more_than_once_a_day = times
            .windows(2)
            .take(2)
            .any(|w| w[0].date_naive() == w[1].date_naive());
        times.truncate(count);
        Upcoming {
            times,
            more_than_once_a_day,
        }
    }
}

/// What [`Schedule::upcoming`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    /// The next fire times, earliest first, in the schedule's zone.
    pub times: Vec<DateTime<Zone>>,
    /// True when some day has two fire times or more (the daemon then checks, imports and
    /// may email several times that day).
    pub more_than_once_a_day: bool,
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
        let s = Schedule::new("0 9 * * *", &shanghai_zone()).expect("schedule");
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
        let s = Schedule::new("0 9 * * 1-5", &shanghai_zone()).expect("schedule");
        // 2025-07-05 is a Saturday: the next fire is Monday 07-07 09:00 +08.
        assert_eq!(
            s.next_after(utc("2025-07-04T02:00:00Z")),
            Some(utc("2025-07-07T01:00:00Z"))
        );
        let monday = Schedule::new("0 9 * * 1", &Zone::utc()).expect("schedule");
        assert_eq!(
            monday.next_after(utc("2025-07-05T00:00:00Z")),
            Some(utc("2025-07-07T09:00:00Z"))
        );
    }

    #[test]
    fn seconds_field_is_accepted() {
        let s = Schedule::new("*/2 * * * * *", &Zone::utc()).expect("schedule");
        assert_eq!(
            s.next_after(utc("2025-07-05T00:00:01Z")),
            Some(utc("2025-07-05T00:00:02Z"))
        );
    }

    fn shanghai_zone() -> Zone {
        Zone::named("Asia/Shanghai").expect("zone")
    }

    fn shanghai(text: &str) -> DateTime<Zone> {
        utc(text).with_timezone(&shanghai_zone())
    }

    #[test]
    fn upcoming_lists_fire_times_in_the_zone() {
        let s = Schedule::new("0 9 * * *", &shanghai_zone()).expect("schedule");
        let up = s.upcoming(utc("2025-06-30T02:00:00Z"), 3);
        assert_eq!(
            up.times,
            vec![
                shanghai("2025-07-01T01:00:00Z"),
                shanghai("2025-07-02T01:00:00Z"),
                shanghai("2025-07-03T01:00:00Z"),
            ]
        );
        assert_eq!(
            up.times[0].format("%Y-%m-%d %H:%M %Z").to_string(),
            "2025-07-01 09:00 CST"
        );
        assert!(!up.more_than_once_a_day);
        // Weekdays only: Friday, then Monday.
        let s = Schedule::new("0 9 * * 1-5", &shanghai_zone()).expect("schedule");
        let up = s.upcoming(utc("2025-07-04T00:00:00Z"), 2);
        assert_eq!(
            up.times,
            vec![
                shanghai("2025-07-04T01:00:00Z"),
                shanghai("2025-07-07T01:00:00Z")
            ]
        );
        assert!(!up.more_than_once_a_day);
    }

    #[test]
    fn a_sixth_field_by_mistake_fires_hourly_and_is_flagged() {
        // Meant as "09:00 daily"; with seconds first it is minute 9 of every hour.
        let s = Schedule::new("0 9 * * * *", &shanghai_zone()).expect("schedule");
        let up = s.upcoming(utc("2025-06-30T02:30:00Z"), 3);
        assert_eq!(
            up.times,
            vec![
                shanghai("2025-06-30T03:09:00Z"),
                shanghai("2025-06-30T04:09:00Z"),
                shanghai("2025-06-30T05:09:00Z"),
            ]
        );
        assert!(up.more_than_once_a_day);
    }

    #[test]
    fn twice_a_day_is_flagged_whatever_the_starting_moment() {
        let s = Schedule::new("0 9,17 * * 1", &shanghai_zone()).expect("schedule");
        // Before, between and after the two fires of Monday 2025-07-07 (Shanghai), and on
        // other days: the first fire may be the last of its day.
        for after in [
            "2025-07-07T00:00:00Z",
            "2025-07-07T05:00:00Z",
            "2025-07-07T10:00:00Z",
            "2025-07-09T00:00:00Z",
        ] {
            let up = s.upcoming(utc(after), 1);
            assert_eq!(up.times.len(), 1, "{after}");
            assert!(up.more_than_once_a_day, "{after}");
        }
        let between = s.upcoming(utc("2025-07-07T05:00:00Z"), 2);
        assert_eq!(
            between.times,
            vec![
                shanghai("2025-07-07T09:00:00Z"),
                shanghai("2025-07-14T01:00:00Z")
            ]
        );
        // Once a month is not.
        let monthly = Schedule::new("0 9 1 * *", &shanghai_zone()).expect("schedule");
        let up = monthly.upcoming(utc("2025-07-07T05:00:00Z"), 3);
        assert_eq!(up.times[2], shanghai("2025-10-01T01:00:00Z"));
        assert!(!up.more_than_once_a_day);
        // Every minute is; zero times asked still says so.
        let minutely = Schedule::new("* * * * *", &Zone::utc()).expect("schedule");
        let up = minutely.upcoming(utc("2025-07-07T05:00:00Z"), 0);
        assert!(up.times.is_empty());
        assert!(up.more_than_once_a_day);
    }

    #[test]
    fn the_latest_fire_at_or_before_a_moment() {
        let monthly = Schedule::new("0 9 1 * *", &shanghai_zone()).expect("schedule");
        // 2025-10-15 in Shanghai: the latest fire is 10-01 09:00 (+08); exactly at a fire, that
        // fire; a second before it, the month before's.
        assert_eq!(
            monthly.latest_at_or_before(utc("2025-10-15T04:00:00Z")),
            Some(utc("2025-10-01T01:00:00Z"))
        );
        assert_eq!(
            monthly.latest_at_or_before(utc("2025-10-01T01:00:00Z")),
            Some(utc("2025-10-01T01:00:00Z"))
        );
        assert_eq!(
            monthly.latest_at_or_before(utc("2025-10-01T00:59:59Z")),
            Some(utc("2025-09-01T01:00:00Z"))
        );
        // Across a year end.
        assert_eq!(
            monthly.latest_at_or_before(utc("2026-01-01T00:00:00Z")),
            Some(utc("2025-12-01T01:00:00Z"))
        );
    }

    #[test]
    fn invalid_lines_are_errors() {
        assert!(Schedule::new("61 9 * * *", &Zone::utc()).is_err());
    }
}
