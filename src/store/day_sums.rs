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

/// A fund's sums per day: a short list while it has few days (the 10 or so of a fund in a
/// small ledger), then an array over its year (no hashing per entry), with a map for days
/// outside it (a fund's entries fall in its year, but the store does not rely on that). An
/// array from the start cost 5.9 KB per fund, 1,400 new pages (a page fault each) for the
/// 10,000 entries of 1,000 funds, where the lists take 240 KB.
pub(super) struct DenseDays {
    fund: String,
    first: i32,
    /// The days so far, in the order first seen, while at most [`FEW_DAYS`]; then empty.
    few: Vec<(i32, (i64, i64))>,
    /// Per day of the year from `first`: empty while the days are `few`.
    sums: Vec<(i64, i64)>,
    outside: FundDays,
}

/// How many days a fund's sums keep in a list (looked through for each entry) before they
/// take the array.
const FEW_DAYS: usize = 32;

impl DenseDays {
    pub(super) fn new(fund: &str, date: NaiveDate) -> DenseDays {
        let first = NaiveDate::from_ymd_opt(date.year(), 1, 1).map_or(day_number(date), day_number);
        DenseDays {
            fund: fund.to_owned(),
            first,
            few: Vec::new(),
            sums: Vec::new(),
            outside: FundDays::new(),
        }
    }

    pub(super) fn at(&mut self, day: i32) -> &mut (i64, i64) {
        if self.sums.is_empty() {
            // Entries come mostly in date order: the day sought is most often the last one.
            if let Some(i) = self.few.iter().rposition(|(d, _)| *d == day) {
                return &mut self.few[i].1;
            }
            if self.few.len() < FEW_DAYS {
                self.few.push((day, (0, 0)));
                let last = self.few.len() - 1;
                return &mut self.few[last].1;
            }
            self.sums = vec![(0, 0); 366];
            for (d, sums) in std::mem::take(&mut self.few) {
                *self.slot(d) = sums;
            }
        }
        self.slot(day)
    }

    /// The array's (or the map's) place of `day`.
    fn slot(&mut self, day: i32) -> &mut (i64, i64) {
        match usize::try_from(day - self.first)
            .ok()
            .filter(|i| *i < self.sums.len())
        {
            Some(i) => &mut self.sums[i],
            None => self.outside.entry(day).or_insert((0, 0)),
        }
    }

    /// The fund's days with entries, in order.
    fn into_days(self) -> FundChanges {
        let first = self.first;
        let mut days: Vec<(i32, i64, i64)> = self
            .few
            .into_iter()
            .chain(
                self.sums
                    .into_iter()
                    .enumerate()
                    .map(|(i, sums)| (first + i as i32, sums)),
            )
            .chain(self.outside)
            .filter(|(_, (_, entries))| *entries > 0)
            .map(|(day, (amount, entries))| (day, amount, entries))
            .collect();
        if !days.is_sorted_by_key(|d| d.0) {
            days.sort_unstable_by_key(|d| d.0);
        }
        (self.fund, days)
    }
}

/// A fund and the changes of its days: (day, amount in 分, entries), by day.
type FundChanges = (String, Vec<(i32, i64, i64)>);

/// A day of a source that a new version changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DayChange {
    /// Days since 0001-01-01 ([`day_number`]).
    pub(super) day: i32,
    /// The change of the day's amount, in 分.
    pub(super) amount: i64,
    /// The change of the day's number of entries.
    pub(super) entries: i64,
    /// Whether the source has no entries on the day any more.
    pub(super) emptied: bool,
}

/// How many days one statement writes: a statement per day cost 6,000 instructions, most of
/// them SQLite's per statement (binding, stepping, resetting), not the row's.
const ROWS_PER_STATEMENT: usize = 100;

/// The upsert of one day's change: added to the day's sums, or the day's first. For a source
/// without days (`fresh`), an insert `OR IGNORE`, which cannot stop half-way: a statement of
/// many rows that can (a NOT NULL or key check) makes SQLite copy each page it changes to a
/// statement journal first, 5,680 pages of 64 KiB for the 341,262 days of 1M entries.
fn upsert_sql(rows: usize, fresh: bool) -> String {
    let mut sql = String::from(if fresh {
        "INSERT OR IGNORE INTO source_days (source_id, fund, day, amount, entries) VALUES "
    } else {
        "INSERT INTO source_days (source_id, fund, day, amount, entries) VALUES "
    });
    for row in 0..rows {
        let p = 2 + 4 * row;
        if row > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("(?1, ?{}, ?{}, ?{}, ?{})", p, p + 1, p + 2, p + 3));
    }
    if !fresh {
        sql.push_str(
            " ON CONFLICT (source_id, fund, day) DO UPDATE SET
            amount = source_days.amount + excluded.amount,
            entries = source_days.entries + excluded.entries",
        );
    }
    sql
}

/// A day of a source found in `source_days` where `fresh` said it had none: a sum would be
/// lost, so the write stops as for a damaged database.
fn day_already_there() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
        Some("a day of a source without day sums was already in source_days".to_owned()),
    )
}

/// Day changes waiting to be written, [`ROWS_PER_STATEMENT`] at a time.
struct Pending<'c> {
    conn: &'c Connection,
    source_id: i64,
    /// Whether the source had no days before: every day written is its first.
    fresh: bool,
    /// The funds of `rows`.
    funds: Vec<String>,
    /// (index in `funds`, day, change of amount, change of entries).
    rows: Vec<(usize, i32, i64, i64)>,
    /// The statement of [`ROWS_PER_STATEMENT`] days, prepared at its first use and kept:
    /// taking it from the cache and giving it back resets its 401 parameters each time.
    many: Option<rusqlite::CachedStatement<'c>>,
}

impl<'c> Pending<'c> {
    fn push(&mut self, fund: &str, day: i32, amount: i64, entries: i64) -> rusqlite::Result<()> {
        if self.funds.last().is_none_or(|f| f != fund) {
            self.funds.push(fund.to_owned());
        }
        self.rows.push((self.funds.len() - 1, day, amount, entries));
        if self.rows.len() == ROWS_PER_STATEMENT {
            self.write()?;
        }
        Ok(())
    }

    /// Writes what is waiting: full statements, the rest one day at a time.
    fn write(&mut self) -> rusqlite::Result<()> {
        if self.rows.len() == ROWS_PER_STATEMENT {
            let stmt = match &mut self.many {
                Some(stmt) => stmt,
                None => self.many.insert(
                    self.conn
                        .prepare_cached(&upsert_sql(ROWS_PER_STATEMENT, self.fresh))?,
                ),
            };
            stmt.raw_bind_parameter(1, self.source_id)?;
            for (row, (fund, day, amount, entries)) in self.rows.iter().enumerate() {
                let p = 2 + 4 * row;
                stmt.raw_bind_parameter(p, self.funds[*fund].as_str())?;
                stmt.raw_bind_parameter(p + 1, day)?;
                stmt.raw_bind_parameter(p + 2, amount)?;
                stmt.raw_bind_parameter(p + 3, entries)?;
            }
            let written = stmt.raw_execute()?;
            if self.fresh && written != ROWS_PER_STATEMENT {
                return Err(day_already_there());
            }
        } else {
            let mut stmt = self.conn.prepare_cached(&upsert_sql(1, self.fresh))?;
            for (fund, day, amount, entries) in &self.rows {
                let written = stmt.execute(params![
                    self.source_id,
                    self.funds[*fund],
                    day,
                    amount,
                    entries
                ])?;
                if self.fresh && written != 1 {
                    return Err(day_already_there());
                }
            }
        }
        self.rows.clear();
        // The fund being written stays (its next day may follow).
        let last = self.funds.pop();
        self.funds.clear();
        self.funds.extend(last);
        Ok(())
    }
}

/// Applies to a source's per-day sums what the new version added (`added`: per fund, from
/// the entries written) and removed, in key order (appending to the B-tree is much cheaper
/// than inserting at random places), many days per statement; returns the funds whose sums
/// changed, with their days that did.
pub(super) fn apply_day_changes(
    conn: &Connection,
    source_id: i64,
    added: Vec<DenseDays>,
    mut removed: DaySums,
) -> rusqlite::Result<HashMap<String, Vec<DayChange>>> {
    let mut added: Vec<FundChanges> = added.into_iter().map(DenseDays::into_days).collect();
    added.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut only_removed: Vec<String> = removed
        .keys()
        .filter(|f| added.binary_search_by(|a| a.0.as_str().cmp(f)).is_err())
        .cloned()
        .collect();
    only_removed.sort_unstable();
    let mut funds: Vec<FundChanges> = added;
    funds.extend(only_removed.into_iter().map(|f| (f, Vec::new())));
    funds.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // Only a day that lost entries can be left with none; deleting those by key does not scan
    // every day of the source.
    let mut emptied = conn.prepare_cached(
        "DELETE FROM source_days WHERE source_id = ?1 AND fund = ?2 AND day = ?3 AND entries <= 0",
    )?;
    let fresh = !conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM source_days WHERE source_id = ?1)")?
        .query_row([source_id], |r| r.get::<_, bool>(0))?;
    let mut pending = Pending {
        conn,
        source_id,
        fresh,
        funds: Vec::new(),
        rows: Vec::with_capacity(ROWS_PER_STATEMENT),
        many: None,
    };
    let mut affected = HashMap::with_capacity(funds.len());
    // One fund at a time, days in order: memory for one fund's changes only.
    for (fund, mut changes) in funds {
        if let Some(gone) = removed.remove(&fund) {
            changes.extend(gone.into_iter().map(|(day, (a, e))| (day, -a, -e)));
            changes.sort_by_key(|c| c.0);
            changes.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    kept.1 += later.1;
                    kept.2 += later.2;
                }
                same
            });
        }
        let mut changed = Vec::with_capacity(changes.len());
        let mut lost_entries = false;
        for (day, amount, entries) in changes {
            if (amount, entries) != (0, 0) {
                pending.push(&fund, day, amount, entries)?;
                lost_entries |= entries < 0;
                changed.push(DayChange {
                    day,
                    amount,
                    entries,
                    emptied: false,
                });
            }
        }
        if lost_entries {
            // The days that lost entries are deleted if left with none: after their upsert.
            pending.write()?;
            for change in changed.iter_mut().filter(|c| c.entries < 0) {
                change.emptied = emptied.execute(params![source_id, fund, change.day])? > 0;
            }
        }
        if !changed.is_empty() {
            affected.insert(fund, changed);
        }
    }
    pending.write()?;
    Ok(affected)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The days of source 1, as (fund, day) → (amount, entries).
    type Table = BTreeMap<(String, i32), (i64, i64)>;

    fn table(conn: &Connection) -> Table {
        conn.prepare("SELECT fund, day, amount, entries FROM source_days WHERE source_id = 1")
            .expect("prepare")
            .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    /// Sums added per fund as the writer gathers them: `(fund, date, amount)` per entry.
    fn added(entries: &[(&str, NaiveDate, i64)]) -> Vec<DenseDays> {
        let mut by_fund: Vec<DenseDays> = Vec::new();
        for (fund, date, amount) in entries {
            let at = match by_fund.iter().position(|d| d.fund == *fund) {
                Some(at) => at,
                None => {
                    by_fund.push(DenseDays::new(fund, *date));
                    by_fund.len() - 1
                }
            };
            let sums = by_fund[at].at(day_number(*date));
            sums.0 += amount;
            sums.1 += 1;
        }
        by_fund
    }

    /// Applies the changes to the model too; returns what `apply_day_changes` must return.
    fn expect(
        model: &mut Table,
        entries: &[(&str, NaiveDate, i64)],
        removed: &DaySums,
    ) -> HashMap<String, Vec<DayChange>> {
        let mut changes: BTreeMap<(String, i32), (i64, i64)> = BTreeMap::new();
        for (fund, date, amount) in entries {
            let c = changes
                .entry(((*fund).to_owned(), day_number(*date)))
                .or_default();
            c.0 += amount;
            c.1 += 1;
        }
        for (fund, days) in removed {
            for (day, (amount, count)) in days {
                let c = changes.entry((fund.clone(), *day)).or_default();
                c.0 -= amount;
                c.1 -= count;
            }
        }
        let mut affected: HashMap<String, Vec<DayChange>> = HashMap::new();
        for ((fund, day), (amount, count)) in changes {
            if (amount, count) == (0, 0) {
                continue;
            }
            let row = model.entry((fund.clone(), day)).or_default();
            row.0 += amount;
            row.1 += count;
            let gone = count < 0 && row.1 <= 0;
            if gone {
                model.remove(&(fund.clone(), day));
            }
            affected.entry(fund).or_default().push(DayChange {
                day,
                amount,
                entries: count,
                emptied: gone,
            });
        }
        affected
    }

    /// Many days per statement (more than one statement's worth, and a rest), days outside
    /// the fund's year, then a new version that adds to days, replaces and empties others:
    /// the table and the changes returned are those of the days applied one by one.
    #[test]
    fn day_changes_are_applied_as_one_by_one() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        super::super::schema::migrate(&mut conn, 0).expect("schema");
        let date = |n: i64| {
            NaiveDate::from_ymd_opt(2025, 1, 1).expect("day") + chrono::Days::new(n as u64)
        };
        let mut first = Vec::new();
        for n in 0..230 {
            first.push(("F1", date(n), 100 + n));
            if n % 3 == 0 {
                first.push(("F1", date(n), 7));
                first.push(("F2", date(n), 5));
            }
        }
        let before_year = NaiveDate::from_ymd_opt(2024, 12, 31).expect("day");
        first.push(("F2", before_year, 9));
        first.push(("F3", date(400), 11));
        // Out of date order: a few days (a list), and more than a list holds (then the array).
        for n in (0..5).rev() {
            first.push(("F5", date(n), n));
            first.push(("F5", date(n), 1));
        }
        for n in (0..40).rev() {
            first.push(("F6", date(3 * n), n));
        }
        let mut model = Table::new();
        let want = expect(&mut model, &first, &DaySums::new());
        let got = apply_day_changes(&conn, 1, added(&first), DaySums::new()).expect("apply");
        assert_eq!(got, want);
        assert_eq!(table(&conn), model);
        assert_eq!(model.len(), 230 + 77 + 2 + 5 + 40);

        // A new version: F1's first 50 days replaced (some by the same sums), F2 emptied of
        // its day outside the year and half of one day, F3 gone, F4 new.
        let mut removed = DaySums::new();
        for n in 0..50 {
            let (amount, count) = model[&("F1".to_owned(), day_number(date(n)))];
            removed
                .entry("F1".to_owned())
                .or_default()
                .insert(day_number(date(n)), (amount, count));
        }
        let f2 = removed.entry("F2".to_owned()).or_default();
        f2.insert(day_number(before_year), (9, 1));
        f2.insert(day_number(date(3)), (3, 1));
        removed
            .entry("F3".to_owned())
            .or_default()
            .insert(day_number(date(400)), (11, 1));
        let mut second = Vec::new();
        for n in 0..50 {
            second.push(("F1", date(n), if n % 2 == 0 { 100 + n } else { 1 }));
        }
        second.push(("F4", date(9), 4));
        let want = expect(&mut model, &second, &removed);
        let got = apply_day_changes(&conn, 1, added(&second), removed).expect("apply");
        assert_eq!(got, want);
        assert_eq!(table(&conn), model);
        assert!(
            got["F2"].iter().any(|c| c.emptied) && got["F3"][0].emptied,
            "{got:?}"
        );
    }

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
