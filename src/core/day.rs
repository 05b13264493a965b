//! Days written as ISO 8601 without allocating: the store writes one per entry (a million in
//! a city's import), `status --format json` tens of thousands.

use chrono::{Datelike, NaiveDate};

/// The text of a day, `YYYY-MM-DD`, on the stack.
pub type IsoDay = arrayvec::ArrayString<10>;

/// `00` to `99`: numbers are written two digits at a time from these, as text already, so
/// that what is written needs no UTF-8 check (which cost more than the writing: 89
/// instructions per day, 48,000 amounts and 30,000 days in a `status --format json` of 1,000
/// funds).
pub(crate) const DIGIT_PAIRS: [&str; 100] = {
    const TEXT: &[u8; 200] = b"00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
    let mut pairs = [""; 100];
    let mut i = 0;
    while i < 100 {
        let (_, rest) = TEXT.split_at(2 * i);
        let (pair, _) = rest.split_at(2);
        pairs[i] = match std::str::from_utf8(pair) {
            Ok(text) => text,
            Err(_) => panic!("digits are ASCII"),
        };
        i += 1;
    }
    pairs
};

/// `date` as `YYYY-MM-DD`, the text chrono's `Display` writes; `None` for a year outside
/// 0–9999, which chrono writes with a sign (use its `Display` for those).
#[must_use]
pub fn iso_day(date: NaiveDate) -> Option<IsoDay> {
    let year = usize::try_from(date.year()).ok().filter(|&y| y <= 9999)?;
    let mut text = IsoDay::new();
    text.push_str(DIGIT_PAIRS[year / 100]);
    text.push_str(DIGIT_PAIRS[year % 100]);
    text.push('-');
    text.push_str(DIGIT_PAIRS[date.month0() as usize + 1]);
    text.push('-');
    text.push_str(DIGIT_PAIRS[date.day0() as usize + 1]);
    Some(text)
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

    #[test]
    fn digit_pairs_are_the_numbers_0_to_99() {
        for (i, pair) in DIGIT_PAIRS.iter().enumerate() {
            assert_eq!(*pair, format!("{i:02}"));
        }
    }

    /// Every day of three years, and the years at and past the ends, as chrono writes them.
    #[test]
    fn days_as_chrono_writes_them() {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        let days = start.iter_days().take(3 * 366).chain(
            [0, 1, 9, 99, 999, 9999]
                .into_iter()
                .flat_map(|y| [(y, 1, 1), (y, 12, 31)])
                .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        );
        for day in days {
            assert_eq!(iso_day(day).as_deref(), Some(day.to_string().as_str()));
        }
        for year in [-1, 10_000] {
            let day = NaiveDate::from_ymd_opt(year, 6, 30).expect("date");
            assert_eq!(iso_day(day), None, "{day}");
        }
    }
}
