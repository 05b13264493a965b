//! Ledger sources and their entries, and the spending per fund and day derived from them.
//!
//! A source's new version is written through a [`SourceWriter`] inside one savepoint: rows are
//! numbered, and a row whose hash is unchanged is not written again, so re-reading a grown
//! export costs little more than reading it. Spending is kept summed per source and day, and
//! per fund as one series, so evaluation never scans entries.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};
use xxhash_rust::xxh3::Xxh3;

use super::{Store, StoreError, day};
use crate::core::{DailySpend, Entry, Money};
use crate::ledger::{Block, EntryRef};

/// What identifies one version of a source: its bytes and the settings it was read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// A hash of the file's bytes.
    pub content: String,
    /// A hash of the config settings that decide how rows become entries (funds, columns).
    pub settings: String,
}

/// A file's size and modification time: when both and the settings are unchanged, the file is
/// taken as unchanged without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceMeta {
    pub size: i64,
    pub mtime_ns: i64,
}

/// What the database knows about a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    pub path: String,
    /// The version in force; `None` if no version was ever accepted.
    pub accepted: Option<Fingerprint>,
    /// Size and time of the file when the version in force was last read or confirmed.
    pub meta: Option<SourceMeta>,
    pub entry_count: i64,
    /// The last rejected version and why, if it is newer than the accepted one.
    pub rejected: Option<(Fingerprint, String)>,
    /// Where the version in force was cut into blocks (UTF-8 text files).
    pub blocks: Vec<Block>,
}

/// Where a source came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Named by `ledger.sources`: it follows the config.
    Config,
    /// Imported with `spendwatch import`: it stays until forgotten.
    Hand,
}

impl Origin {
    fn key(self) -> &'static str {
        match self {
            Origin::Config => "config",
            Origin::Hand => "hand",
        }
    }

    fn from_key(key: &str) -> Option<Origin> {
        match key {
            "config" => Some(Origin::Config),
            "hand" => Some(Origin::Hand),
            _ => None,
        }
    }
}

/// Why a source is out of force (its entries are kept, and counted nowhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawn {
    /// An older file of a year-to-date series (`series: ytd`): a newer one holds its entries.
    Superseded,
    /// `ledger.sources` no longer names it (a folder moved, a glob changed).
    Unconfigured,
}

impl Withdrawn {
    fn key(self) -> &'static str {
        match self {
            Withdrawn::Superseded => "superseded",
            Withdrawn::Unconfigured => "unconfigured",
        }
    }

    fn from_key(key: &str) -> Option<Withdrawn> {
        match key {
            "superseded" => Some(Withdrawn::Superseded),
            "unconfigured" => Some(Withdrawn::Unconfigured),
            _ => None,
        }
    }
}

/// The same entries in force through two sources: money counted twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The two source paths.
    pub files: Vec<String>,
    /// The fund id.
    pub fund: String,
    /// How many entries of the first file are also in the second, and their sum.
    pub entries: i64,
    pub amount: Money,
}

/// One source as `spendwatch sources` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceOverview {
    /// The absolute path, the source's key.
    pub path: String,
    /// `None` for sources recorded before schema 6 that no read has classified yet.
    pub origin: Option<Origin>,
    /// `None`: in force.
    pub withdrawn: Option<Withdrawn>,
    pub withdrawn_note: Option<String>,
    /// Entries of the version read last (in force or not).
    pub entries: i64,
    /// Their sum.
    pub amount: Money,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    /// The funds its entries belong to, by id.
    pub funds: Vec<String>,
    /// When the accepted version was last read (RFC 3339), and when a new version (accepted or
    /// rejected) was last seen.
    pub read_at: Option<String>,
    pub changed_at: Option<String>,
    /// Why the newest version was rejected, if it was.
    pub rejected: Option<String>,
    /// When the file was first found missing on disk, if it is.
    pub missing_since: Option<String>,
    /// Whether any version was ever accepted.
    pub accepted: bool,
    /// The file's modification time when last read (ns since the epoch).
    pub mtime_ns: Option<i64>,
}

/// How many entries are read per query when comparing with the version in force.
const HASH_WINDOW: i64 = 8_192;

/// Entry ids are `(source_id << SEQ_BITS) + seq`: each source owns one range of rowids.
const SEQ_BITS: u32 = 40;

fn entry_id(source_id: i64, seq: i64) -> i64 {
    (source_id << SEQ_BITS) + seq
}

/// Days since 0001-01-01 (that day is 1), as stored in `source_days` and `fund_days`.
fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

/// A fund's (amount, entries) per day.
type FundDays = HashMap<i32, (i64, i64)>;
/// Per fund, its (amount, entries) per day.
type DaySums = HashMap<String, FundDays>;

/// A fund's sums per day, in an array over its year (no hashing per entry), with a map for
/// days outside it (which the ledger reader does not produce, but the store does not rely on).
struct DenseDays {
    fund: String,
    first: i32,
    sums: Vec<(i64, i64)>,
    outside: FundDays,
}

impl DenseDays {
    fn new(fund: &str, date: NaiveDate) -> DenseDays {
        let first = NaiveDate::from_ymd_opt(date.year(), 1, 1).map_or(day_number(date), day_number);
        DenseDays {
            fund: fund.to_owned(),
            first,
            sums: vec![(0, 0); 366],
            outside: FundDays::new(),
        }
    }

    fn at(&mut self, day: i32) -> &mut (i64, i64) {
        match usize::try_from(day - self.first)
            .ok()
            .filter(|i| *i < self.sums.len())
        {
            Some(i) => &mut self.sums[i],
            None => self.outside.entry(day).or_insert((0, 0)),
        }
    }

    fn into_map(self) -> (String, FundDays) {
        let mut map = self.outside;
        for (i, sums) in self.sums.into_iter().enumerate() {
            if sums.1 > 0 {
                map.insert(self.first + i as i32, sums);
            }
        }
        (self.fund, map)
    }
}

/// A row of the version in force, as far as day sums need it.
#[derive(Debug, Clone, Copy)]
struct OldRow {
    hash: i64,
    /// Into [`SourceWriter::fund_names`].
    fund: u32,
    day: i32,
    amount: i64,
}

/// Receives the entries of a source's new version, in order. Day sums are kept as changes to
/// those of the version in force: an unchanged entry, or a kept block, costs nothing.
pub struct SourceWriter<'c> {
    conn: &'c Connection,
    path: &'c str,
    source_id: i64,
    /// Entries of the version in force (compared by position).
    old_count: i64,
    /// Prepared once per version: a million rows should not look up a million statements.
    insert: rusqlite::Statement<'c>,
    window_start: i64,
    window: Vec<Option<OldRow>>,
    fund_names: Vec<String>,
    fund_slots: HashMap<String, u32>,
    seq: i64,
    /// Entries written because they are new or changed.
    written: usize,
    /// Per fund (by its position in the config): sums of entries added.
    added: Vec<Option<DenseDays>>,
    /// Per fund: sums of entries of the version in force that were replaced or removed.
    removed: DaySums,
    subtotal_rows: usize,
    blocks: Vec<Block>,
}

impl std::fmt::Debug for SourceWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceWriter")
            .field("source_id", &self.source_id)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl SourceWriter<'_> {
    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.to_owned(),
            source,
        }
    }

    pub fn add(&mut self, e: &EntryRef<'_>) -> Result<(), StoreError> {
        let day = day_number(e.date);
        let mut hasher = Xxh3::new();
        hasher.update(&e.line.to_le_bytes());
        hasher.update(e.sheet.unwrap_or("").as_bytes());
        hasher.update(&[0xFF]);
        hasher.update(e.fund.as_bytes());
        hasher.update(&[0xFF]);
        hasher.update(&day.to_le_bytes());
        hasher.update(&e.amount.fen().to_le_bytes());
        hasher.update(e.voucher.as_bytes());
        hasher.update(&[0xFF]);
        hasher.update(e.memo.as_bytes());
        // Stored as SQLite's signed 64-bit integer; 0 is kept for "unknown".
        let hash = (hasher.digest() as i64) | 1;

        let old = self.old_row(self.seq)?;
        if old.is_some_and(|o| o.hash == hash) {
            // The same entry at the same place: nothing to write, no sum changes.
            self.seq += 1;
            return Ok(());
        }
        if let Some(old) = old {
            let fund = self.fund_names[old.fund as usize].clone();
            let sums = self
                .removed
                .entry(fund)
                .or_default()
                .entry(old.day)
                .or_insert((0, 0));
            sums.0 += old.amount;
            sums.1 += 1;
        }
        let mut date = [0u8; 10];
        let path = self.path;
        let wrap = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        // Raw binding: every parameter is set each time, so clearing them between rows (what
        // `execute` does) is work for nothing, a million times over.
        let insert = &mut self.insert;
        insert
            .raw_bind_parameter(1, entry_id(self.source_id, self.seq))
            .map_err(wrap)?;
        insert.raw_bind_parameter(2, e.line).map_err(wrap)?;
        insert.raw_bind_parameter(3, e.sheet).map_err(wrap)?;
        insert.raw_bind_parameter(4, e.fund).map_err(wrap)?;
        insert
            .raw_bind_parameter(5, iso_date(e.date, &mut date))
            .map_err(wrap)?;
        insert.raw_bind_parameter(6, e.amount.fen()).map_err(wrap)?;
        insert
            .raw_bind_parameter(7, e.voucher.as_ref())
            .map_err(wrap)?;
        insert
            .raw_bind_parameter(8, e.memo.as_ref())
            .map_err(wrap)?;
        insert.raw_bind_parameter(9, hash).map_err(wrap)?;
        insert.raw_execute().map_err(wrap)?;
        self.written += 1;
        if self.added.len() <= e.fund_index {
            self.added.resize_with(e.fund_index + 1, || None);
        }
        let dense = self.added[e.fund_index].get_or_insert_with(|| DenseDays::new(e.fund, e.date));
        let sums = dense.at(day);
        sums.0 += e.amount.fen();
        sums.1 += 1;
        self.seq += 1;
        Ok(())
    }

    /// The next `count` entries are the version in force's, unchanged.
    pub fn keep(&mut self, count: u64) -> Result<(), StoreError> {
        self.seq += i64::try_from(count).unwrap_or(i64::MAX);
        if self.seq > self.old_count {
            return Err(StoreError::Corrupt {
                path: self.path.to_owned(),
                detail: format!(
                    "asked to keep entries up to {} of a version with {}",
                    self.seq, self.old_count
                ),
            });
        }
        Ok(())
    }

    pub fn set_subtotal_rows(&mut self, rows: usize) {
        self.subtotal_rows = rows;
    }

    /// Where this read cut the file into blocks, for the next read to reuse.
    pub fn set_blocks(&mut self, blocks: Vec<Block>) {
        self.blocks = blocks;
    }

    fn fund_slot(&mut self, fund: &str) -> u32 {
        if let Some(&slot) = self.fund_slots.get(fund) {
            return slot;
        }
        let slot = u32::try_from(self.fund_names.len()).unwrap_or(u32::MAX);
        self.fund_names.push(fund.to_owned());
        self.fund_slots.insert(fund.to_owned(), slot);
        slot
    }

    /// The row of the version in force at position `seq`, reading them a window at a time.
    fn old_row(&mut self, seq: i64) -> Result<Option<OldRow>, StoreError> {
        if seq >= self.old_count {
            return Ok(None);
        }
        if seq < self.window_start || seq >= self.window_start + self.window.len() as i64 {
            self.window_start = seq;
            let mut window = std::mem::take(&mut self.window);
            window.clear();
            let conn = self.conn;
            let mut stmt = conn
                .prepare_cached("SELECT id, row_hash, fund, date, amount FROM entries WHERE id >= ?1 AND id < ?2 ORDER BY id")
                .map_err(self.err())?;
            let mut rows = stmt
                .query(params![
                    entry_id(self.source_id, seq),
                    entry_id(self.source_id, seq + HASH_WINDOW)
                ])
                .map_err(self.err())?;
            while let Some(r) = rows.next().map_err(self.err())? {
                let at = r.get::<_, i64>(0).map_err(self.err())? - entry_id(self.source_id, 0);
                let fund = r
                    .get_ref(2)
                    .and_then(|v| v.as_str().map_err(Into::into))
                    .map_err(self.err())?;
                let fund = self.fund_slot(fund);
                let row = OldRow {
                    hash: r.get(1).map_err(self.err())?,
                    fund,
                    day: day_number(day(r, 3).map_err(self.err())?),
                    amount: r.get(4).map_err(self.err())?,
                };
                // Positions are dense (0..count), so each lands at its index.
                let index = usize::try_from(at - seq).unwrap_or(usize::MAX);
                if index >= window.len() {
                    window.resize(index + 1, None);
                }
                window[index] = Some(row);
            }
            self.window = window;
        }
        let index = usize::try_from(seq - self.window_start).unwrap_or(usize::MAX);
        // A row migrated from schema version 2 has hash 0, which no new row has: it is
        // rewritten, and its sums count as removed.
        Ok(self.window.get(index).copied().flatten())
    }
}

/// `YYYY-MM-DD` without allocating.
fn iso_date(date: NaiveDate, buf: &mut [u8; 10]) -> &str {
    let (y, m, d) = (date.year().clamp(0, 9999) as u32, date.month(), date.day());
    let digits = [
        y / 1000,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        m / 10,
        m % 10,
        d / 10,
        d % 10,
    ];
    let positions = [0, 1, 2, 3, 5, 6, 8, 9];
    for (pos, digit) in positions.into_iter().zip(digits) {
        buf[pos] = b'0' + digit as u8;
    }
    buf[4] = b'-';
    buf[7] = b'-';
    std::str::from_utf8(buf).unwrap_or("0000-00-00")
}

/// Rolls a `write_source` savepoint back unless released.
struct UndoOnDrop<'c> {
    conn: &'c Connection,
    armed: bool,
}

impl UndoOnDrop<'_> {
    fn release(mut self) -> rusqlite::Result<()> {
        if self.armed {
            self.armed = false;
            self.conn.execute_batch("RELEASE write_source")?;
        }
        Ok(())
    }
}

impl Drop for UndoOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            // Nothing better to do with an error here: the connection reports it on next use.
            let _ = self
                .conn
                .execute_batch("ROLLBACK TO write_source; RELEASE write_source");
        }
    }
}

/// What writing a new version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    pub entries: i64,
    pub previous: i64,
    /// Entries written because they were new or changed (the rest were already in force).
    pub written: usize,
}

impl Store {
    pub fn source(&self, path: &str) -> Result<Option<SourceRecord>, StoreError> {
        self.conn
            .query_row(
                "SELECT path, content_hash, settings_hash, entry_count,
                        rejected_hash, rejected_settings, rejected_message, size, mtime_ns, blocks
                 FROM sources WHERE path = ?1",
                [path],
                |r| {
                    let accepted = match (
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ) {
                        (Some(content), Some(settings)) => Some(Fingerprint { content, settings }),
                        _ => None,
                    };
                    let rejected = match (
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ) {
                        (Some(content), Some(settings), Some(message)) => {
                            Some((Fingerprint { content, settings }, message))
                        }
                        _ => None,
                    };
                    let meta = match (r.get::<_, Option<i64>>(7)?, r.get::<_, Option<i64>>(8)?) {
                        (Some(size), Some(mtime_ns)) => Some(SourceMeta { size, mtime_ns }),
                        _ => None,
                    };
                    let blocks = r
                        .get::<_, Option<Vec<u8>>>(9)?
                        .map(|bytes| decode_blocks(&bytes))
                        .unwrap_or_default();
                    Ok(SourceRecord {
                        blocks,
                        path: r.get(0)?,
                        accepted,
                        meta,
                        entry_count: r.get(3)?,
                        rejected,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Notes that the file of the version in force now has this size and time (it was
    /// touched or copied, but its bytes are the same).
    pub fn touch_source(&mut self, path: &str, meta: SourceMeta) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sources SET size = ?2, mtime_ns = ?3 WHERE path = ?1",
                params![path, meta.size, meta.mtime_ns],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// Writes a new version of the source at `path`: `fill` hands every entry to the writer.
    /// If `fill` fails, nothing changes.
    pub fn write_source<T, E: From<StoreError>>(
        &mut self,
        path: &str,
        fingerprint: &Fingerprint,
        meta: Option<SourceMeta>,
        now: &str,
        fill: impl FnOnce(&mut SourceWriter<'_>) -> Result<T, E>,
    ) -> Result<(T, WriteStats), E> {
        let store_path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: store_path.clone(),
            source,
        };
        // Inside `atomically` the whole import is undone on any failure, so a savepoint of our
        // own would only cost a copy of every page it touches (SQLite's sub-journal).
        let own = !self.all_or_nothing;
        let sp: &Connection = &self.conn;
        if own {
            sp.execute_batch("SAVEPOINT write_source").map_err(wrap)?;
        }
        let guard = UndoOnDrop {
            conn: sp,
            armed: own,
        };
        sp.execute(
            "INSERT INTO sources (path) VALUES (?1) ON CONFLICT (path) DO NOTHING",
            [path],
        )
        .map_err(wrap)?;
        let (source_id, old_count): (i64, i64) = sp
            .query_row(
                "SELECT id, entry_count FROM sources WHERE path = ?1",
                [path],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(wrap)?;
        let insert = sp
            .prepare(
                "INSERT OR REPLACE INTO entries (id, line, sheet, fund, date, amount, voucher, memo, row_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(wrap)?;
        let mut writer = SourceWriter {
            insert,
            conn: sp,
            path: &store_path,
            source_id,
            old_count,
            window_start: 0,
            window: Vec::new(),
            fund_names: Vec::new(),
            fund_slots: HashMap::new(),
            seq: 0,
            written: 0,
            added: Vec::new(),
            removed: DaySums::new(),
            subtotal_rows: 0,
            blocks: Vec::new(),
        };
        // On error the guard rolls the savepoint back.
        let value = fill(&mut writer)?;
        let SourceWriter {
            seq: count,
            written,
            added,
            mut removed,
            subtotal_rows,
            blocks,
            ..
        } = writer;

        if count < old_count {
            // Entries the new version no longer has: their sums go, then they do.
            let range = params![entry_id(source_id, count), entry_id(source_id + 1, 0)];
            {
                let mut stmt = sp
                    .prepare("SELECT fund, date, amount FROM entries WHERE id >= ?1 AND id < ?2")
                    .map_err(wrap)?;
                let mut rows = stmt.query(range).map_err(wrap)?;
                while let Some(r) = rows.next().map_err(wrap)? {
                    let fund: String = r.get(0).map_err(wrap)?;
                    let sums = removed
                        .entry(fund)
                        .or_default()
                        .entry(day_number(day(r, 1).map_err(wrap)?))
                        .or_insert((0, 0));
                    sums.0 += r.get::<_, i64>(2).map_err(wrap)?;
                    sums.1 += 1;
                }
            }
            sp.execute("DELETE FROM entries WHERE id >= ?1 AND id < ?2", range)
                .map_err(wrap)?;
        }
        let added: DaySums = added
            .into_iter()
            .flatten()
            .map(DenseDays::into_map)
            .collect();
        let affected = apply_day_changes(sp, source_id, added, removed).map_err(wrap)?;
        for fund in &affected {
            rebuild_fund_days(sp, fund).map_err(wrap)?;
        }
        let blocks: Vec<u8> = blocks
            .iter()
            .flat_map(|b| b.to_words())
            .flat_map(u64::to_le_bytes)
            .collect();
        // The first read after an upgrade from schema 1 or 2 finds a SHA-256 (no `xxh3:`) that
        // never matches, and a new reader or new settings re-read the same bytes: if that
        // brings the same spending, the data did not change, and the stale-data clock keeps
        // running.
        let same_as_before = affected.is_empty() && count == old_count;
        sp.execute(
            "UPDATE sources SET content_hash = ?2, settings_hash = ?3, imported_at = ?4,
                changed_at = CASE WHEN ?10 AND (content_hash NOT LIKE 'xxh3:%' OR content_hash = ?2) THEN changed_at ELSE ?4 END,
                entry_count = ?5, subtotal_rows = ?6, size = ?7, mtime_ns = ?8, blocks = ?9,
                rejected_hash = NULL, rejected_settings = NULL, rejected_at = NULL, rejected_message = NULL,
                rejection_notified = 0
             WHERE id = ?1",
            params![
                source_id,
                fingerprint.content,
                fingerprint.settings,
                now,
                count,
                subtotal_rows as i64,
                meta.map(|m| m.size),
                meta.map(|m| m.mtime_ns),
                blocks,
                same_as_before
            ],
        )
        .map_err(wrap)?;
        guard.release().map_err(wrap)?;
        Ok((
            value,
            WriteStats {
                entries: count,
                previous: old_count,
                written,
            },
        ))
    }

    /// Remembers that a version of a source was rejected (its entries stay as they were). The
    /// same rejection first recorded under a SHA-256 (before an upgrade from schema 1 or 2) is
    /// not news: the admin is not told again.
    pub fn record_rejection(
        &mut self,
        path: &str,
        fingerprint: &Fingerprint,
        message: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sources (path, changed_at, rejected_hash, rejected_settings, rejected_at, rejected_message)
                 VALUES (?1, ?2, ?3, ?4, ?2, ?5)
                 ON CONFLICT (path) DO UPDATE SET
                    changed_at = CASE WHEN (sources.rejected_hash NOT LIKE 'xxh3:%' AND sources.rejected_message = excluded.rejected_message) THEN sources.changed_at ELSE excluded.changed_at END,
                    rejected_hash = excluded.rejected_hash,
                    rejected_settings = excluded.rejected_settings, rejected_at = excluded.rejected_at,
                    rejected_message = excluded.rejected_message,
                    rejection_notified = CASE WHEN (sources.rejected_hash NOT LIKE 'xxh3:%' AND sources.rejected_message = excluded.rejected_message) THEN sources.rejection_notified ELSE 0 END",
                params![path, now, fingerprint.content, fingerprint.settings, message],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// Every fund's spending by day (one row per fund: cheap however many entries there are).
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
    /// funds there are.
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

    /// Entries in force per fund.
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
    pub fn entries_in_force(&self) -> Result<(i64, i64), StoreError> {
        self.conn
            .query_row("SELECT COALESCE(SUM(entry_count), 0), COUNT(*) FILTER (WHERE entry_count > 0) FROM sources WHERE withdrawn IS NULL", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(self.err())
    }

    /// Entries of `path` that also appear (same fund, date, voucher, amount, memo) in another
    /// source, with that source's path and line.
    pub fn duplicates_elsewhere(
        &self,
        path: &str,
    ) -> Result<Vec<(Entry, String, u32)>, StoreError> {
        let others: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sources WHERE entry_count > 0 AND withdrawn IS NULL AND path <> ?1",
                [path],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        if others == 0 {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.fund, a.date, a.amount, a.voucher, a.memo, a.line, a.sheet, sb.path, b.line
                 FROM entries a
                 JOIN sources sa ON sa.id = (a.id >> 40) AND sa.path = ?1
                 JOIN entries b ON b.fund = a.fund AND b.date = a.date AND b.amount = a.amount
                               AND b.voucher = a.voucher AND b.memo = a.memo AND (b.id >> 40) <> (a.id >> 40)
                 JOIN sources sb ON sb.id = (b.id >> 40) AND sb.withdrawn IS NULL
                 WHERE sa.withdrawn IS NULL
                 ORDER BY a.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([path], |r| {
                Ok((
                    Entry {
                        fund: r.get(0)?,
                        date: day(r, 1)?,
                        amount: Money::from_fen(r.get(2)?),
                        voucher: r.get(3)?,
                        memo: r.get(4)?,
                        line: r.get(5)?,
                        sheet: r.get(6)?,
                    },
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Records where a source came from: a file imported by hand is `hand` from then on (it
    /// stays until forgotten, whatever the config says); a file the config names is `config`
    /// unless it was imported by hand.
    ///
    /// # Errors
    /// A database failure.
    pub fn set_origin(&mut self, path: &str, origin: Origin) -> Result<(), StoreError> {
        let origin = origin.key();
        self.conn
            .execute(
                "UPDATE sources SET origin = ?2 WHERE path = ?1 AND (origin IS NULL OR ?2 = 'hand')",
                params![path, origin],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// Puts a source out of force (`Some`: why, and a note for people) or back in force
    /// (`None`); its entries stay in the database either way, and the sums of its funds are
    /// rebuilt. Returns whether anything changed (false for a source the database lacks).
    ///
    /// # Errors
    /// A database failure; nothing changed.
    pub fn set_withdrawn(
        &mut self,
        path: &str,
        withdrawn: Option<(Withdrawn, &str)>,
        now: &str,
    ) -> Result<bool, StoreError> {
        let (kind, note) = match withdrawn {
            Some((kind, note)) => (Some(kind.key()), Some(note)),
            None => (None, None),
        };
        self.atomically(true, |store| {
            let conn = &store.conn;
            let changed = conn
                .execute(
                    "UPDATE sources SET withdrawn = ?2, withdrawn_note = ?3, withdrawn_at = ?4
                     WHERE path = ?1 AND (withdrawn IS NOT ?2 OR withdrawn_note IS NOT ?3)",
                    params![path, kind, note, now],
                )
                .map_err(store.err())?;
            if changed > 0 {
                rebuild_funds_of(conn, path).map_err(store.err())?;
            }
            Ok::<_, StoreError>(changed > 0)
        })
    }

    /// Notes that the file of a source is (`true`) or is no longer (`false`) missing on disk;
    /// returns whether this is news (it was not already so recorded).
    ///
    /// # Errors
    /// A database failure.
    pub fn set_missing(
        &mut self,
        path: &str,
        missing: bool,
        now: &str,
    ) -> Result<bool, StoreError> {
        let sql = if missing {
            "UPDATE sources SET missing_since = ?2 WHERE path = ?1 AND missing_since IS NULL"
        } else {
            "UPDATE sources SET missing_since = NULL WHERE path = ?1 AND missing_since IS NOT NULL AND ?2 IS NOT NULL"
        };
        self.conn
            .execute(sql, params![path, now])
            .map(|n| n > 0)
            .map_err(self.err())
    }

    /// What the database knows of every source, by path: for `spendwatch sources`, `status`
    /// and the check's notices.
    ///
    /// # Errors
    /// A database failure.
    pub fn source_overviews(&self) -> Result<Vec<SourceOverview>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.path, s.origin, s.withdrawn, s.withdrawn_note, s.entry_count,
                        s.imported_at, s.changed_at, s.rejected_message, s.missing_since,
                        s.content_hash IS NOT NULL,
                        (SELECT COALESCE(SUM(amount), 0) FROM source_days WHERE source_id = s.id),
                        (SELECT MIN(day) FROM source_days WHERE source_id = s.id),
                        (SELECT MAX(day) FROM source_days WHERE source_id = s.id),
                        (SELECT group_concat(fund, char(10)) FROM (SELECT DISTINCT fund FROM source_days WHERE source_id = s.id ORDER BY fund)),
                        s.mtime_ns
                 FROM sources s ORDER BY s.path",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                let days = |i: usize| -> rusqlite::Result<Option<NaiveDate>> {
                    Ok(r.get::<_, Option<i32>>(i)?
                        .and_then(NaiveDate::from_num_days_from_ce_opt))
                };
                Ok(SourceOverview {
                    path: r.get(0)?,
                    origin: r
                        .get::<_, Option<String>>(1)?
                        .as_deref()
                        .and_then(Origin::from_key),
                    withdrawn: r
                        .get::<_, Option<String>>(2)?
                        .as_deref()
                        .and_then(Withdrawn::from_key),
                    withdrawn_note: r.get(3)?,
                    entries: r.get(4)?,
                    read_at: r.get(5)?,
                    changed_at: r.get(6)?,
                    rejected: r.get(7)?,
                    missing_since: r.get(8)?,
                    accepted: r.get(9)?,
                    amount: Money::from_fen(r.get(10)?),
                    first_day: days(11)?,
                    last_day: days(12)?,
                    funds: r
                        .get::<_, Option<String>>(13)?
                        .map(|f| f.lines().map(str::to_owned).collect())
                        .unwrap_or_default(),
                    mtime_ns: r.get(14)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Withdraws a source for good: its entries and its record are deleted and the sums of
    /// its funds rebuilt, in one transaction. Returns what it was (`None`: no such source).
    /// With `commit` false nothing changes (a dry run).
    ///
    /// # Errors
    /// A database failure; nothing changed.
    pub fn forget_source(
        &mut self,
        path: &str,
        commit: bool,
    ) -> Result<Option<SourceOverview>, StoreError> {
        let found = self
            .source_overviews()?
            .into_iter()
            .find(|s| s.path == path);
        let Some(found) = found else {
            return Ok(None);
        };
        self.atomically(commit, |store| {
            let conn = &store.conn;
            let id: i64 = conn
                .query_row("SELECT id FROM sources WHERE path = ?1", [path], |r| {
                    r.get(0)
                })
                .map_err(store.err())?;
            // Out of force first, so that rebuilding leaves its days out.
            conn.execute(
                "UPDATE sources SET withdrawn = 'unconfigured' WHERE id = ?1",
                [id],
            )
            .map_err(store.err())?;
            rebuild_funds_of(conn, path).map_err(store.err())?;
            conn.execute(
                "DELETE FROM entries WHERE id >= ?1 AND id < ?2",
                params![entry_id(id, 0), entry_id(id + 1, 0)],
            )
            .and_then(|_| conn.execute("DELETE FROM source_days WHERE source_id = ?1", [id]))
            .and_then(|_| conn.execute("DELETE FROM sources WHERE id = ?1", [id]))
            .map_err(store.err())?;
            store.refresh_overlaps()
        })?;
        Ok(Some(found))
    }

    /// Finds again the entries in force through two sources (same fund, date, amount, voucher
    /// and memo), per pair of sources and fund. Runs only where two sources in force share a
    /// fund; called after anything changed what is in force.
    ///
    /// # Errors
    /// A database failure.
    pub fn refresh_overlaps(&mut self) -> Result<(), StoreError> {
        let conn = &self.conn;
        let shared: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM (SELECT d.fund FROM source_days d JOIN sources s ON s.id = d.source_id
                 WHERE s.withdrawn IS NULL GROUP BY d.fund HAVING COUNT(DISTINCT d.source_id) > 1)",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        conn.execute("DELETE FROM overlaps", [])
            .map_err(self.err())?;
        if shared == 0 {
            return Ok(());
        }
        conn.execute(
            "INSERT INTO overlaps (files, fund, entries, amount)
             WITH e AS (
                SELECT e.id, e.id >> 40 AS src, e.fund, e.date, e.amount, e.voucher, e.memo
                FROM entries e JOIN sources s ON s.id = (e.id >> 40) WHERE s.withdrawn IS NULL
             ),
             pairs AS (
                SELECT DISTINCT a.id, a.src AS a_src, b.src AS b_src, a.fund, a.amount
                FROM e a JOIN e b ON b.fund = a.fund AND b.date = a.date AND b.amount = a.amount
                    AND b.voucher = a.voucher AND b.memo = a.memo AND b.src > a.src
             )
             SELECT sa.path || char(10) || sb.path, p.fund, COUNT(*), SUM(p.amount)
             FROM pairs p JOIN sources sa ON sa.id = p.a_src JOIN sources sb ON sb.id = p.b_src
             GROUP BY p.a_src, p.b_src, p.fund",
            [],
        )
        .map_err(self.err())?;
        Ok(())
    }

    /// The entries counted twice, as [`Store::refresh_overlaps`] last found them, by files.
    ///
    /// # Errors
    /// A database failure.
    pub fn overlaps(&self) -> Result<Vec<Overlap>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT files, fund, entries, amount FROM overlaps ORDER BY files, fund")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Overlap {
                    files: r.get::<_, String>(0)?.lines().map(str::to_owned).collect(),
                    fund: r.get(1)?,
                    entries: r.get(2)?,
                    amount: Money::from_fen(r.get(3)?),
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Every entry of the source at `path`, in order (for tests and inspection).
    pub fn entries_of(&self, path: &str) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.fund, e.date, e.amount, e.voucher, e.memo, e.line, e.sheet
                 FROM entries e JOIN sources s ON s.id = (e.id >> 40) WHERE s.path = ?1 ORDER BY e.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([path], |r| {
                Ok(Entry {
                    fund: r.get(0)?,
                    date: day(r, 1)?,
                    amount: Money::from_fen(r.get(2)?),
                    voucher: r.get(3)?,
                    memo: r.get(4)?,
                    line: r.get(5)?,
                    sheet: r.get(6)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
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

/// Applies to a source's per-day sums what the new version added and removed, in key order
/// (appending to the B-tree is much cheaper than inserting at random places); returns the
/// funds whose sums changed.
fn apply_day_changes(
    conn: &Connection,
    source_id: i64,
    mut added: DaySums,
    mut removed: DaySums,
) -> rusqlite::Result<HashSet<String>> {
    let mut funds: Vec<String> = added.keys().chain(removed.keys()).cloned().collect();
    funds.sort_unstable();
    funds.dedup();
    let mut upsert = conn.prepare_cached(
        "INSERT INTO source_days (source_id, fund, day, amount, entries) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (source_id, fund, day) DO UPDATE SET
            amount = source_days.amount + excluded.amount, entries = source_days.entries + excluded.entries",
    )?;
    let mut affected = HashSet::new();
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
        let mut changed = false;
        for (day, (amount, entries)) in changes {
            if (amount, entries) != (0, 0) {
                upsert.execute(params![source_id, fund, day, amount, entries])?;
                changed = true;
            }
        }
        if changed {
            affected.insert(fund);
        }
    }
    conn.prepare_cached("DELETE FROM source_days WHERE source_id = ?1 AND entries <= 0")?
        .execute([source_id])?;
    Ok(affected)
}

/// Rebuilds the series of every fund the source at `path` has entries for.
fn rebuild_funds_of(conn: &Connection, path: &str) -> rusqlite::Result<()> {
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
fn rebuild_fund_days(conn: &Connection, fund: &str) -> rusqlite::Result<()> {
    // Sources out of force keep their days for the record, and count nowhere.
    let mut sources = conn.prepare_cached("SELECT id FROM sources WHERE withdrawn IS NULL")?;
    let ids: Vec<i64> = sources
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut days: std::collections::BTreeMap<i32, i64> = std::collections::BTreeMap::new();
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

fn decode_blocks(bytes: &[u8]) -> Vec<Block> {
    bytes
        .chunks_exact(8 * Block::FIELDS)
        .map(|chunk| {
            let mut words = [0u64; Block::FIELDS];
            for (word, bytes) in words.iter_mut().zip(chunk.chunks_exact(8)) {
                *word = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
            }
            Block::from_words(words)
        })
        .collect()
}

fn decode_series(series: &[u8]) -> Vec<(NaiveDate, Money)> {
    series
        .chunks_exact(12)
        .filter_map(|chunk| {
            let (day, amount) = chunk.split_at(4);
            let day = i32::from_le_bytes(day.try_into().ok()?);
            let amount = i64::from_le_bytes(amount.try_into().ok()?);
            Some((
                NaiveDate::from_num_days_from_ce_opt(day)?,
                Money::from_fen(amount),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_without_allocating() {
        let mut buf = [0u8; 10];
        let d = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
        assert_eq!(iso_date(d, &mut buf), "2025-03-01");
        let d = NaiveDate::from_ymd_opt(999, 12, 31).expect("date");
        assert_eq!(iso_date(d, &mut buf), "0999-12-31");
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
