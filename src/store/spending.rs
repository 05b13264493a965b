//! The spending per fund and day derived from the entries in force: summed per source and
//! day in `source_days`, and per fund as one series in `fund_days`, so evaluation never scans
//! entries.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::day_sums::DayChange;
use super::{Store, StoreError};
use crate::core::{DailySpend, Money};

impl Store {
    /// Every fund's spending by day, in 分, keyed by fund id; funds without entries in force
    /// are absent (one row per fund: cheap however many entries there are).
    ///
    /// # Errors
    /// A database failure.
    pub fn daily_spend(&self) -> Result<HashMap<String, DailySpend>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT fund, series FROM fund_days")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(self.err())?;
        let mut out = HashMap::new();
        for row in rows {
            let (fund, series) = row.map_err(self.err())?;
            out.insert(fund, DailySpend::from_amounts(decode_series(&series)));
        }
        Ok(out)
    }

    /// One fund's spending by day. Evaluating fund by fund keeps memory small however many
    /// funds there are. Empty (no spending on any day) for a fund without entries in force.
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
        Ok(series.map_or_else(DailySpend::default, |s| {
            DailySpend::from_amounts(decode_series(&s))
        }))
    }

    /// Entries in force per fund id; funds without any are absent (the 数据缺失 notice is
    /// about them).
    ///
    /// # Errors
    /// A database failure.
    pub fn entry_counts(&self) -> Result<HashMap<String, i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.fund, SUM(d.entries) FROM source_days d JOIN sources s ON s.id = d.source_id
                 WHERE s.withdrawn IS NULL GROUP BY d.fund",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
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
        let funds: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT DISTINCT fund FROM source_days")
                .map_err(wrap)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(wrap)?;
            rows.collect::<Result<_, _>>().map_err(wrap)?
        };
        for fund in &funds {
            rebuild_fund_days(&tx, fund).map_err(wrap)?;
        }
        tx.commit().map_err(wrap)
    }
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
    let mut stmt = conn
        .prepare_cached("SELECT day, amount FROM source_days WHERE source_id = ?1 AND fund = ?2")?;
    for id in ids {
        for row in stmt.query_map(params![id, fund], |r| {
            Ok((r.get::<_, i32>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (day, amount) = row?;
            *days.entry(day).or_insert(0) += amount;
        }
    }
    write_series(conn, fund, &days)
}

/// Applies to the funds' series the changes [`apply_day_changes`] made to the days of the
/// source `source_id`: the series [`rebuild_fund_days`] would sum anew from every source, at
/// the cost of the days that changed (a grown export changes a few days of every fund). A
/// source out of force counts in no series: nothing changes.
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
    let mut elsewhere = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM sources s JOIN source_days d ON d.source_id = s.id
                        WHERE s.withdrawn IS NULL AND d.fund = ?1 AND d.day = ?2)",
    )?;
    for (fund, days) in changes {
        let series: Option<Vec<u8>> = read.query_row([fund], |r| r.get(0)).optional()?;
        let mut sums: BTreeMap<i32, i64> = series
            .as_deref()
            .map_or_else(BTreeMap::new, |s| series_days(s).collect());
        for &(day, amount, gone) in days {
            *sums.entry(day).or_insert(0) += amount;
            // A day no source in force has entries on any more leaves the series.
            if gone && !elsewhere.query_row(params![fund, day], |r| r.get::<_, bool>(0))? {
                sums.remove(&day);
            }
        }
        write_series(conn, fund, &sums)?;
    }
    Ok(())
}

/// Writes a fund's series (see [`series_days`]); a fund without days has none.
fn write_series(conn: &Connection, fund: &str, days: &BTreeMap<i32, i64>) -> rusqlite::Result<()> {
    let mut series = Vec::with_capacity(days.len() * 12);
    for (day, amount) in days {
        series.extend_from_slice(&day.to_le_bytes());
        series.extend_from_slice(&amount.to_le_bytes());
    }
    if series.is_empty() {
        conn.prepare_cached("DELETE FROM fund_days WHERE fund = ?1")?
            .execute([fund])?;
    } else {
        conn.prepare_cached("INSERT OR REPLACE INTO fund_days (fund, series) VALUES (?1, ?2)")?
            .execute(params![fund, series])?;
    }
    Ok(())
}

/// A fund's series as `fund_days` keeps it: per day with spending, its day number (4 bytes)
/// and its amount in 分 (8 bytes), little-endian.
fn series_days(series: &[u8]) -> impl Iterator<Item = (i32, i64)> + '_ {
    series.chunks_exact(12).filter_map(|chunk| {
        let (day, amount) = chunk.split_at(4);
        Some((
            i32::from_le_bytes(day.try_into().ok()?),
            i64::from_le_bytes(amount.try_into().ok()?),
        ))
    })
}

/// A fund's series (see [`series_days`]) as dates and amounts.
fn decode_series(series: &[u8]) -> Vec<(NaiveDate, Money)> {
    series_days(series)
        .filter_map(|(day, amount)| {
            Some((
                NaiveDate::from_num_days_from_ce_opt(day)?,
                Money::from_fen(amount),
            ))
        })
        .collect()
}
