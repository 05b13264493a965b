//! The sums per source and day that a new version changes: entries added are summed per
//! fund in an array over the fund's year, entries replaced or removed per fund in a map, and
//! both applied to `source_days` at the end, in key order.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, params};

/// Days since 0001-01-01 (that day is 1), as stored in `source_days` and `fund_days`.
pub(super) fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

/// A fund's (amount, entries) per day.
pub(super) type FundDays = HashMap<i32, (i64, i64)>;
/// Per fund, its (amount, entries) per day.
pub(super) type DaySums = HashMap<String, FundDays>;

/// A fund's sums per day, in an array over its year (no hashing per entry), with a map for
/// days outside it (a fund's entries fall in its year, but the store does not rely on that).
pub(super) struct DenseDays {
    fund: String,
    first: i32,
    sums: Vec<(i64, i64)>,
    outside: FundDays,
}

impl DenseDays {
    pub(super) fn new(fund: &str, date: NaiveDate) -> DenseDays {
        let first = NaiveDate::from_ymd_opt(date.year(), 1, 1).map_or(day_number(date), day_number);
        DenseDays {
            fund: fund.to_owned(),
            first,
            sums: vec![(0, 0); 366],
            outside: FundDays::new(),
        }
    }

    pub(super) fn at(&mut self, day: i32) -> &mut (i64, i64) {
        match usize::try_from(day - self.first)
            .ok()
            .filter(|i| *i < self.sums.len())
        {
            Some(i) => &mut self.sums[i],
            None => self.outside.entry(day).or_insert((0, 0)),
        }
    }

    pub(super) fn into_map(self) -> (String, FundDays) {
        let mut map = self.outside;
        for (i, sums) in self.sums.into_iter().enumerate() {
            if sums.1 > 0 {
                map.insert(self.first + i as i32, sums);
            }
        }
        (self.fund, map)
    }
}

/// A day of a source that a new version changed: the day, the change of its amount in 分 and
/// of its number of entries, and whether the source has no entries on it any more.
pub(super) type DayChange = (i32, i64, i64, bool);

/// Applies to a source's per-day sums what the new version added and removed, in key order
/// (appending to the B-tree is much cheaper than inserting at random places); returns the
/// funds whose sums changed, with their days that did.
pub(super) fn apply_day_changes(
    conn: &Connection,
    source_id: i64,
    mut added: DaySums,
    mut removed: DaySums,
) -> rusqlite::Result<HashMap<String, Vec<DayChange>>> {
    let mut funds: Vec<String> = added.keys().chain(removed.keys()).cloned().collect();
    funds.sort_unstable();
    funds.dedup();
    let mut upsert = conn.prepare_cached(
        "INSERT INTO source_days (source_id, fund, day, amount, entries) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (source_id, fund, day) DO UPDATE SET
            amount = source_days.amount + excluded.amount, entries = source_days.entries + excluded.entries",
    )?;
    // Only a day that lost entries can be left with none; deleting those by key does not scan
    // every day of the source.
    let mut emptied = conn.prepare_cached(
        "DELETE FROM source_days WHERE source_id = ?1 AND fund = ?2 AND day = ?3 AND entries <= 0",
    )?;
    let mut affected = HashMap::new();
    // One fund at a time, days in order: memory for one fund's changes only.
    for fund in funds {
        let mut changes: std::collections::BTreeMap<i32, (i64, i64)> =
            std::collections::BTreeMap::new();
        for (day, (amount, entries)) in added.remove(&fund).unwrap_or_default() {
            let c = changes.entry(day).or_insert((0, 0));
            c.0 += amount;
            c.1 += entries;
        }
        for (day, (amount, entries)) in removed.remove(&fund).unwrap_or_default() {
            let c = changes.entry(day).or_insert((0, 0));
            c.0 -= amount;
            c.1 -= entries;
        }
        let mut changed = Vec::new();
        for (day, (amount, entries)) in changes {
            if (amount, entries) != (0, 0) {
                upsert.execute(params![source_id, fund, day, amount, entries])?;
                let gone = entries < 0 && emptied.execute(params![source_id, fund, day])? > 0;
                changed.push((day, amount, entries, gone));
            }
        }
        if !changed.is_empty() {
            affected.insert(fund, changed);
        }
    }
    Ok(affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_match_sqlite_julianday() {
        let conn = Connection::open_in_memory().expect("memory db");
        for text in ["2025-01-01", "2024-02-29", "2025-12-31", "0001-01-01"] {
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date");
            let sql: i64 = conn
                .query_row(
                    "SELECT CAST(julianday(?1) - 1721424.5 AS INTEGER)",
                    [text],
                    |r| r.get(0),
                )
                .expect("julianday");
            assert_eq!(sql, i64::from(day_number(date)), "{text}");
        }
    }
}
