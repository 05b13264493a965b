//! Days written as ISO 8601 without allocating: the store writes one per entry (a million in
//! a city's import), `status --format json` tens of thousands.

use chrono::{Datelike, NaiveDate};

/// `date` as `YYYY-MM-DD` in `buf`, the text chrono's `Display` writes; `None` for a year
/// outside 0–9999, which chrono writes with a sign (use its `Display` for those).
pub fn iso_day(date: NaiveDate, buf: &mut [u8; 10]) -> Option<&str> {
    let year = u32::try_from(date.year()).ok().filter(|&y| y <= 9999)?;
    let two = |buf: &mut [u8], n: u32| {
        buf[0] = b'0' + (n / 10) as u8;
        buf[1] = b'0' + (n % 10) as u8;
    };
    two(&mut buf[0..], year / 100);
    two(&mut buf[2..], year % 100);
    buf[4] = b'-';
    two(&mut buf[5..], date.month());
    buf[7] = b'-';
    two(&mut buf[8..], date.day());
    std::str::from_utf8(buf).ok()
}

/// A day kept as its number from 0001-01-01 (chrono's `num_days_from_ce`, an `i32`) instead of
/// text, for `#[serde(with = "…")]`: the config cache's copy reads 4,000 milestone days back
/// for 1,000 funds, and parsing them as text was a third of reading the copy. Only for copies
/// this program keeps for itself; what people or other programs read stays ISO 8601.
pub(crate) mod day_number {
    use chrono::{Datelike, NaiveDate};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `day` as its number.
    ///
    /// # Errors
    ///
    /// What the serializer gives.
    pub(crate) fn serialize<S: Serializer>(day: &NaiveDate, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_i32(day.num_days_from_ce())
    }

    /// Reads a day written by [`serialize`].
    ///
    /// # Errors
    ///
    /// What the deserializer gives, or a number outside chrono's range of days.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<NaiveDate, D::Error> {
        let n = i32::deserialize(input)?;
        NaiveDate::from_num_days_from_ce_opt(n)
            .ok_or_else(|| serde::de::Error::custom(format!("day number {n} out of range")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every day of three years, and the years at and past the ends, as chrono writes them.
    #[test]
    fn days_as_chrono_writes_them() {
        let mut buf = [0u8; 10];
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        let days = start.iter_days().take(3 * 366).chain(
            [0, 1, 9, 99, 999, 9999]
                .into_iter()
                .flat_map(|y| [(y, 1, 1), (y, 12, 31)])
                .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        );
        for day in days {
            assert_eq!(iso_day(day, &mut buf), Some(day.to_string().as_str()));
        }
        for year in [-1, 10_000] {
            let day = NaiveDate::from_ymd_opt(year, 6, 30).expect("date");
            assert_eq!(iso_day(day, &mut buf), None, "{day}");
        }
    }
}
