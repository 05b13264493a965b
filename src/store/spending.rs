//! The spending per fund and day derived from the entries in force: summed per source and
//! day in `source_days`, and per fund as one series in `fund_days`, so evaluation never scans
//! entries.
//!
//! A series is, per day with spending, its day number (4 bytes) and its amount in 分 (8
//! bytes), little-endian, by day; then the fund's entries in force (8 bytes), so that how
//! many a fund has is read from its one row too. Series written before the count was kept
//! end without it (their length is a multiple of 12): the migration to schema 11 rewrites
//! them. Until it has run, and while a daemon of a build before the count still runs beside
//! a newer one (an upgrade without a restart), such series can be met, so every reader of
//! the count falls back to counting from `source_days` when one lacks it.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};

use super::day_sums::DayChange;
use super::{Store, StoreError};
use crate::core::{DailySpend, Money};

/// Every fund's spending by day and its count of entries in force
/// ([`Store::daily_spend_and_counts`]); a fund without entries in force is in neither.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SpendingAndCounts {
    /// Each fund's spending by day, in 分, keyed by fund id.
    pub spending: HashMap<String, DailySpend>,
    /// Each fund's count of entries in force, keyed by fund id.
    pub entries: HashMap<String, i64>,
}

impl Store {
    /// Every fund's spending by day, in 分, and its count of entries in force, keyed by fund
    /// id; funds without entries in force are absent from both. Read as
    /// [`Store::each_fund_spending`] reads them.
    ///
    /// # Errors
    /// A database failure.
    pub fn daily_spend_and_counts(&self) -> Result<SpendingAndCounts, StoreError> {
        let mut all = SpendingAndCounts::default();
        self.each_fund_spending(|fund, spend, entries| {
            all.entries.insert(fund.to_owned(), entries);
            all.spending.insert(fund.to_owned(), spend);
        })?;
        Ok(all)
    }

    /// Calls `each` with every fund with entries in force: its id, its spending by day (in
    /// 分) and its count of entries in force, one fund at a time in the order of their ids, so
    /// that a caller that needs one fund's series only while it looks at that fund holds one
    /// (`status` at a million entries: 4.4 MB of series, 1,070 pages, if held together). One
    /// pass over one row per fund, however many entries there are; counted from `source_days`
    /// (a row per source, fund and day) only if a series without its count remains (see the
    /// module's doc).
    ///
    /// # Errors
    /// A database failure.
    pub fn each_fund_spending(
        &self,
        mut each: impl FnMut(&str, DailySpend, i64),
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT fund, series FROM fund_days ORDER BY fund")
            .map_err(self.err())?;
        let mut rows = stmt.query([]).map_err(self.err())?;
        let mut counted: Option<HashMap<String, i64>> = None;
        while let Some(r) = rows.next().map_err(self.err())? {
            let fund = r
                .get_ref(0)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(self.err())?;
            // The series read in place: no copy of each fund's blob.
            let series = r
                .get_ref(1)
                .and_then(|v| v.as_blob().map_err(Into::into))
                .map_err(self.err())?;
            let entries = match series_count(series) {
                Some(count) => count,
                None => {
                    if counted.is_none() {
                        counted = Some(self.entry_counts_by_day()?);
                    }
                    counted
                        .as_ref()
                        .and_then(|c| c.get(fund))
                        .copied()
                        .unwrap_or(0)
                }
            };
            each(fund, decode_series(series), entries);
        }
        Ok(())
    }

    /// One fund's spending by day (the dashboard's fund page reads no other). Empty (no
    /// spending on any day) for a fund without entries in force.
    ///
    /// # Errors
    /// A database failure.
    pub fn daily_spend_of(&self, fund: &str) -> Result<DailySpend, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT series FROM fund_days WHERE fund = ?1")
            .map_err(self.err())?;
        let series: Option<Vec<u8>> = stmt
            .query_row([fund], |r| r.get(0))
            .optional()
            .map_err(self.err())?;
        Ok(series.map_or_else(DailySpend::default, |s| decode_series(&s)))
    }

    /// Entries in force per fund id; funds without any are absent (the 数据缺失 notice is
    /// about them).
    ///
    /// Read from the funds' series, one row per fund whatever the number of entries; counted
    /// from `source_days` (a row per source, fund and day) only while a series written before
    /// the count was kept remains.
    ///
    /// # Errors
    /// A database failure.
    pub fn entry_counts(&self) -> Result<HashMap<String, i64>, StoreError> {
        // The count is the series' last 8 bytes: only they are read from each row.
        let mut stmt = self
            .conn
            .prepare("SELECT fund, length(series), substr(series, -8) FROM fund_days")
            .map_err(self.err())?;
        let mut rows = stmt.query([]).map_err(self.err())?;
        let mut counts = HashMap::new();
        while let Some(r) = rows.next().map_err(self.err())? {
            let length: i64 = r.get(1).map_err(self.err())?;
            let tail = r
                .get_ref(2)
                .and_then(|v| v.as_blob().map_err(Into::into))
                .map_err(self.err())?;
            match <[u8; 8]>::try_from(tail) {
                Ok(count) if length % 12 == 8 => {
                    counts.insert(
                        r.get::<_, String>(0).map_err(self.err())?,
                        i64::from_le_bytes(count),
                    );
                }
                _ => return self.entry_counts_by_day(),
            }
        }
        Ok(counts)
    }

    /// [`Store::entry_counts`] summed from `source_days`.
    pub(super) fn entry_counts_by_day(&self) -> Result<HashMap<String, i64>, StoreError> {
        // Grouped by source, then fund: the primary key's order, so SQLite sums as it walks
        // the rows instead of sorting every (source, fund, day) row by fund first (a quarter
        // of a second at a million entries); the sources are added up here.
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.fund, SUM(d.entries) FROM sources s JOIN source_days d ON d.source_id = s.id
                 WHERE s.withdrawn IS NULL GROUP BY s.id, d.fund",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(self.err())?;
        let mut counts = HashMap::new();
        for row in rows {
            let (fund, entries) = row.map_err(self.err())?;
            *counts.entry(fund).or_insert(0) += entries;
        }
        Ok(counts)
    }

    /// Entries in force of `fund` (the dashboard's fund page): a look-up by the primary
    /// key's (source, fund) prefix, not a pass over every fund's days.
    ///
    /// # Errors
    /// A database failure.
    pub fn entry_count_of(&self, fund: &str) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(d.entries), 0) FROM sources s
                 CROSS JOIN source_days d ON d.source_id = s.id AND d.fund = ?1
                 WHERE s.withdrawn IS NULL",
                [fund],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    /// Entries in force in all sources, and the number of sources that have any.
    ///
    /// # Errors
    /// A database failure.
    pub fn entries_in_force(&self) -> Result<(i64, i64), StoreError> {
        self.conn
            .query_row("SELECT COALESCE(SUM(entry_count), 0), COUNT(*) FILTER (WHERE entry_count > 0) FROM sources WHERE withdrawn IS NULL", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(self.err())
    }

    /// Rebuilds every fund's series from `source_days` (after a migration).
    pub(super) fn rebuild_all_fund_days(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(wrap)?;
        rebuild_every_series(&tx).map_err(wrap)?;
        tx.commit().map_err(wrap)
    }
}

/// Whether a fund's series was written before series kept the fund's count of entries (its
/// length is then a multiple of 12 bytes).
pub(super) fn series_without_counts(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM fund_days WHERE length(series) % 12 <> 8)",
        [],
        |r| r.get(0),
    )
}

/// Rebuilds every fund's series from `source_days`, inside the caller's transaction (a
/// migration's, or [`Store::rebuild_all_fund_days`]'s savepoint).
pub(super) fn rebuild_every_series(conn: &Connection) -> rusqlite::Result<()> {
    let funds: Vec<String> = conn
        // A fund with a series but no days left (none in force) loses its series.
        .prepare("SELECT fund FROM source_days UNION SELECT fund FROM fund_days")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for fund in &funds {
        rebuild_fund_days(conn, fund)?;
    }
    Ok(())
}

pub(super) fn rebuild_funds_of(conn: &Connection, path: &str) -> rusqlite::Result<()> {
    let funds: Vec<String> = conn
        .prepare(
            "SELECT DISTINCT d.fund FROM source_days d JOIN sources s ON s.id = d.source_id
             WHERE s.path = ?1",
        )?
        .query_map([path], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for fund in &funds {
        rebuild_fund_days(conn, fund)?;
    }
    Ok(())
}

/// Sums a fund's spending over all sources in force into its series (each source's days are one range
/// of `source_days`' key, so no second index is needed).
pub(super) fn rebuild_fund_days(conn: &Connection, fund: &str) -> rusqlite::Result<()> {
    // Sources out of force keep their days for the record, and count nowhere.
    let mut sources = conn.prepare_cached("SELECT id FROM sources WHERE withdrawn IS NULL")?;
    let ids: Vec<i64> = sources
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut days: BTreeMap<i32, i64> = BTreeMap::new();
    let mut entries: i64 = 0;
    let mut stmt = conn.prepare_cached(
        "SELECT day, amount, entries FROM source_days WHERE source_id = ?1 AND fund = ?2",
    )?;
    for id in ids {
        for row in stmt.query_map(params![id, fund], |r| {
            Ok((
                r.get::<_, i32>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (day, amount, count) = row?;
            *days.entry(day).or_insert(0) += amount;
            entries += count;
        }
    }
    let mut insert = insert_series(conn)?;
    write_series(conn, &mut insert, fund, days.into_iter(), entries)
}

/// The statement [`write_series`] writes a series with: prepared once for all the funds a
/// change touches (taken from the cache and given back per fund, it cost 1,300 instructions
/// a fund).
fn insert_series(conn: &Connection) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
    conn.prepare_cached("INSERT OR REPLACE INTO fund_days (fund, series) VALUES (?1, ?2)")
}

/// Applies to the funds' series the changes [`apply_day_changes`] made to the days of the
/// source `source_id`: the series [`rebuild_fund_days`] would sum anew from every source, at
/// the cost of the days that changed (a grown export changes a few days of every fund). A
/// source out of force counts in no series: nothing changes.
///
/// [`apply_day_changes`]: super::day_sums::apply_day_changes
pub(super) fn patch_fund_days(
    conn: &Connection,
    source_id: i64,
    changes: &HashMap<String, Vec<DayChange>>,
) -> rusqlite::Result<()> {
    let in_force: bool = conn.query_row(
        "SELECT withdrawn IS NULL FROM sources WHERE id = ?1",
        [source_id],
        |r| r.get(0),
    )?;
    if !in_force {
        return Ok(());
    }
    let mut read = conn.prepare_cached("SELECT series FROM fund_days WHERE fund = ?1")?;
    let mut insert = insert_series(conn)?;
    let mut elsewhere = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM sources s JOIN source_days d ON d.source_id = s.id
                        WHERE s.withdrawn IS NULL AND d.fund = ?1 AND d.day = ?2)",
    )?;
    for (fund, days) in changes {
        let series: Option<Vec<u8>> = read.query_row([fund], |r| r.get(0)).optional()?;
        // The series' days in order, patched in place: a grown export adds a few days at the
        // end and changes a few others (a B-tree built and dropped per fund cost more than
        // the rest of the patch).
        let (mut sums, mut entries): (Vec<(i32, i64)>, i64) = match series.as_deref() {
            None => (Vec::new(), 0),
            Some(s) => match series_count(s) {
                Some(count) => {
                    let days: Vec<(i32, i64)> = series_days(s).collect();
                    debug_assert!(days.is_sorted_by_key(|&(day, _)| day), "{fund}");
                    (days, count)
                }
                // Written before series kept the count: summed anew (the days are applied).
                None => {
                    rebuild_fund_days(conn, fund)?;
                    continue;
                }
            },
        };
        sums.reserve(days.len());
        for change in days {
            let at = match sums.binary_search_by_key(&change.day, |&(day, _)| day) {
                Ok(at) => at,
                Err(at) => {
                    sums.insert(at, (change.day, 0));
                    at
                }
            };
            sums[at].1 += change.amount;
            entries += change.entries;
            // A day no source in force has entries on any more leaves the series.
            if change.emptied
                && !elsewhere.query_row(params![fund, change.day], |r| r.get::<_, bool>(0))?
            {
                sums.remove(at);
            }
        }
        write_series(conn, &mut insert, fund, sums.iter().copied(), entries)?;
    }
    Ok(())
}

/// Writes a fund's series (see the module's doc) with its count of `entries`; a fund without
/// days has none. `days` come in day order, each day once (the series' binary search needs
/// it).
fn write_series(
    conn: &Connection,
    insert: &mut rusqlite::Statement<'_>,
    fund: &str,
    days: impl ExactSizeIterator<Item = (i32, i64)>,
    entries: i64,
) -> rusqlite::Result<()> {
    if days.len() == 0 {
        conn.prepare_cached("DELETE FROM fund_days WHERE fund = ?1")?
            .execute([fund])?;
        return Ok(());
    }
    let mut series = Vec::with_capacity(days.len() * 12 + 8);
    for (day, amount) in days {
        series.extend_from_slice(&day.to_le_bytes());
        series.extend_from_slice(&amount.to_le_bytes());
    }
    series.extend_from_slice(&entries.to_le_bytes());
    insert.execute(params![fund, series])?;
    Ok(())
}

/// A series' days: per day with spending, its day number and its amount in 分 (the count at
/// the end, if any, is not a whole day and is left out).
fn series_days(series: &[u8]) -> impl Iterator<Item = (i32, i64)> + Clone + '_ {
    let (days, _count) = series.as_chunks::<12>();
    days.iter()
        .map(|&[d0, d1, d2, d3, a0, a1, a2, a3, a4, a5, a6, a7]| {
            (
                i32::from_le_bytes([d0, d1, d2, d3]),
                i64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
            )
        })
}

/// A series' count of entries in force, when it keeps one (see the module's doc).
fn series_count(series: &[u8]) -> Option<i64> {
    (series.len() % 12 == 8)
        .then(|| series.last_chunk::<8>().map(|c| i64::from_le_bytes(*c)))
        .flatten()
}

/// A fund's spending by day, from its series as `fund_days` keeps it (see the module's doc).
/// A day number no date has (only a damaged series holds one) is left out with its amount,
/// as a day chrono cannot date always was: one before every date would count on every day.
fn decode_series(series: &[u8]) -> DailySpend {
    let dates = NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce();
    DailySpend::from_day_numbers(
        series_days(series)
            .filter(|(day, _)| dates.contains(day))
            .map(|(day, amount)| (day, Money::from_fen(amount))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A series read back gives spent(d) as a sum over its days would, for every day around
    /// them: in order (one pass), and out of order or with a day twice (sorted and summed),
    /// across year ends and a leap day; the count at the end is not a day.
    #[test]
    fn a_series_reads_back_as_its_days_summed() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let in_order = vec![
            day(2023, 12, 31),
            day(2024, 1, 1),
            day(2024, 2, 29),
            day(2024, 12, 31),
            day(2025, 1, 1),
            day(2025, 12, 31),
            day(2028, 2, 29),
        ];
        let mut mixed = in_order.clone();
        mixed.extend([day(2025, 6, 30), day(2024, 1, 1), day(2023, 12, 31)]);
        // In order but for one day written twice in a row: not one pass.
        let mut twice = in_order.clone();
        twice.push(day(2028, 2, 29));
        for days in [in_order, mixed, twice] {
            let amounts: Vec<(NaiveDate, i64)> = days
                .iter()
                .enumerate()
                .map(|(i, &d)| (d, 100 * i64::try_from(i).expect("small") - 250))
                .collect();
            let mut series = Vec::new();
            for (d, fen) in &amounts {
                series.extend_from_slice(&d.num_days_from_ce().to_le_bytes());
                series.extend_from_slice(&fen.to_le_bytes());
            }
            series.extend_from_slice(&7i64.to_le_bytes());
            let spend = decode_series(&series);
            let mut distinct = days.clone();
            distinct.sort();
            distinct.dedup();
            let shown: Vec<NaiveDate> = spend.cumulative().map(|(d, _)| d).collect();
            assert_eq!(shown, distinct);
            for d in day(2023, 12, 30)
                .iter_days()
                .take_while(|&d| d <= day(2028, 3, 1))
            {
                let summed: i64 = amounts.iter().filter(|(on, _)| *on <= d).map(|a| a.1).sum();
                assert_eq!(spend.spent_through(d), Money::from_fen(summed), "{d}");
            }
        }
    }

    /// A day number no date has, before or after every date, is left out with its amount.
    #[test]
    fn a_damaged_day_of_a_series_is_left_out() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 20).expect("date");
        let mut series = Vec::new();
        for (number, fen) in [
            (i32::MIN, 700i64),
            (day.num_days_from_ce(), 100),
            (i32::MAX, 50),
        ] {
            series.extend_from_slice(&number.to_le_bytes());
            series.extend_from_slice(&fen.to_le_bytes());
        }
        let spend = decode_series(&series);
        assert_eq!(
            spend.cumulative().collect::<Vec<_>>(),
            [(day, Money::from_fen(100))]
        );
        assert_eq!(spend.spent_through(NaiveDate::MIN), Money::ZERO);
        assert_eq!(spend.spent_through(NaiveDate::MAX), Money::from_fen(100));
    }
}
