//! Writing a source's new version: [`Store::begin_source`] gives a [`SourceWriter`], which
//! takes the entries in order and is [finished](SourceWriter::finish) with what else the read
//! found; a writer dropped unfinished leaves the source as it was.
//!
//! Rows are numbered, and a row whose hash is unchanged is not written again, so re-reading a
//! grown export costs little more than reading it. The sums per source and day are kept as the
//! changes the new version makes to those of the version in force.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};
use xxhash_rust::xxh3::xxh3_64;

use super::day_sums::{DaySums, DenseDays, apply_day_changes, day_number};
use super::spending::patch_fund_days;
use super::{Fingerprint, SourceMeta, Store, StoreError, day, stamp};
use crate::core::{EntryRef, IsoDay, iso_day};

/// How many entries are read per query when comparing with the version in force, at most; a
/// window starts at [`FIRST_WINDOW`] after kept entries and doubles while entries follow one
/// another.
const HASH_WINDOW: i64 = 8_192;
/// The first window after kept entries: a re-read block is about that long (kept equal to
/// the reader's [`crate::ledger::BLOCK_RECORDS`]; 1,024 read four times what was compared).
const FIRST_WINDOW: i64 = 256;

/// Entries appended by one statement (8 parameters each, far below SQLite's limit). A
/// statement per entry paid SQLite's start and end of a statement each time (a fifth of the
/// writing thread); more rows a statement keep more bound texts alive than SQLite's own small
/// allocations hold. At 100,000 entries the writing thread ran 1,066M instructions with one,
/// 948M with 8, 938M with 16, 1,006M with 32 and 1,050M with 64.
const APPEND_ROWS: usize = 16;
const APPEND_COLUMNS: usize = 8;

/// Entry ids are `(source_id << SEQ_BITS) + seq`: each source owns one range of rowids.
const SEQ_BITS: u32 = 40;

/// The rowid of the entry at position `seq` (0-based) of the source `source_id`.
pub(super) fn entry_id(source_id: i64, seq: i64) -> i64 {
    (source_id << SEQ_BITS) + seq
}

/// The hash kept with an entry's row (never 0, which marks a row migrated from schema 2):
/// xxh3 of every field, so a re-read writes only the rows that changed.
pub fn row_hash(e: &EntryRef<'_>) -> i64 {
    let sheet = e.sheet.unwrap_or("");
    let parts: [&[u8]; 10] = [
        &e.line.to_le_bytes(),
        sheet.as_bytes(),
        &[0xFF],
        e.fund.as_bytes(),
        &[0xFF],
        &day_number(e.date).to_le_bytes(),
        &e.amount.fen().to_le_bytes(),
        e.voucher.as_bytes(),
        &[0xFF],
        e.memo.as_bytes(),
    ];
    // The fields one after another, hashed at once: the same hash as feeding them to a
    // streaming hasher one by one (as earlier builds did, so rows in force keep matching),
    // at a fraction of the cost of ten calls to it (700 instructions a row).
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut stack = [0u8; 256];
    let mut heap = Vec::new();
    let buf = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap[..]
    };
    let mut at = 0;
    for part in parts {
        buf[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    // Stored as SQLite's signed 64-bit integer; 0 is kept for "unknown".
    (xxh3_64(buf) as i64) | 1
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

/// Receives the entries of a source's new version, in order, then [`SourceWriter::finish`]
/// makes it the version in force. Dropped unfinished (the read failed, the file was bad), it
/// undoes what it wrote: by its own savepoint, or, inside [`Store::all_or_nothing`], by the
/// failure that must then end the whole transaction.
///
/// Day sums are kept as changes to those of the version in force: an unchanged entry, or a
/// kept block, costs nothing.
pub struct SourceWriter<'c> {
    conn: &'c Connection,
    /// The database's, for errors.
    path: &'c str,
    source_id: i64,
    fingerprint: Fingerprint,
    meta: Option<SourceMeta>,
    now: DateTime<Utc>,
    /// Entries of the version in force (compared by position).
    old_count: i64,
    /// Prepared once per version: a million rows should not look up a million statements.
    /// A plain `INSERT`, not `INSERT OR REPLACE`: should `entries` ever get an index, a
    /// REPLACE may delete index entries before a NOT NULL check aborts, so SQLite gives every
    /// such statement a statement journal, a copy of each page it touches (two 64 KiB pages
    /// per entry, measured while a draft of schema 10 indexed entries by fund). A changed
    /// entry is deleted first instead.
    insert: rusqlite::Statement<'c>,
    /// The same without the id, while this source's rows are the last of the table (a new
    /// source): SQLite gives the next rowid, the table's last plus one, which is the next
    /// entry's id, and appends it without the search from the root that an id given (to be
    /// checked for uniqueness) costs — 1,400 of the 8,400 instructions a row took at 1M
    /// entries. Each id given is checked (`last_insert_rowid`).
    append: Option<rusqlite::Statement<'c>>,
    /// The same for `APPEND_ROWS` entries; `OR IGNORE`, so that a statement that cannot stop
    /// half-way needs no statement journal (what it wrote is checked by count and last id).
    append_many: Option<rusqlite::Statement<'c>>,
    /// The id of the last row written: a row is appended only right after it.
    last_id: Option<i64>,
    /// Deletes the entry of one id: the entry of the version in force that a changed one
    /// replaces.
    delete: rusqlite::Statement<'c>,
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
    /// Last, so that it is dropped after the statement above: rolls back an unfinished write.
    undo: UndoOnDrop<'c>,
}

/// What the read of a new version found besides its entries, kept with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Subtotal and carry rows skipped.
    pub subtotal_rows: usize,
    /// Where the reader cut the file into blocks, as the reader encodes them (opaque to the
    /// store), for the next read to reuse; empty for none.
    pub blocks: Vec<u8>,
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

    /// Takes the next entry of the new version.
    ///
    /// # Errors
    /// A database failure; then drop the writer.
    pub fn add(&mut self, e: &EntryRef<'_>) -> Result<(), StoreError> {
        self.add_hashed(e, row_hash(e))
    }

    /// Takes the next entries of the new version, in order, each with its [`row_hash`]
    /// (computed by the caller: an import hashes on the reading thread, which has time to
    /// spare where this one has not). While a new source is appended, `APPEND_ROWS` entries
    /// go in one statement.
    ///
    /// # Errors
    /// A database failure; then drop the writer.
    pub fn add_all(&mut self, entries: &[(EntryRef<'_>, i64)]) -> Result<(), StoreError> {
        let mut rest = entries;
        // One at a time until the rows are appended (the first row is placed by id), then
        // `APPEND_ROWS` to a statement while they still are.
        while let Some(((e, hash), after)) = rest.split_first() {
            let appending = self.append_many.is_some()
                && self.last_id == Some(entry_id(self.source_id, self.seq) - 1);
            if appending && rest.len() >= APPEND_ROWS {
                let (chunk, after) = rest.split_at(APPEND_ROWS);
                rest = after;
                if !self.append_chunk(chunk)? {
                    // Not appended after all: each is placed by id.
                    for (e, hash) in chunk {
                        self.add_hashed(e, *hash)?;
                    }
                }
            } else {
                self.add_hashed(e, *hash)?;
                rest = after;
            }
        }
        Ok(())
    }

    /// Appends `APPEND_ROWS` entries with one statement, SQLite giving the ids; false (and no
    /// row left) when they would not have been the entries' ids, which stops appending.
    fn append_chunk(&mut self, chunk: &[(EntryRef<'_>, i64)]) -> Result<bool, StoreError> {
        let Some(stmt) = self.append_many.as_mut() else {
            return Ok(false);
        };
        let path = self.path;
        let wrap = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let (mut date, mut other_date) = (IsoDay::new(), String::new());
        for (i, (e, hash)) in chunk.iter().enumerate() {
            let at = i * APPEND_COLUMNS;
            stmt.raw_bind_parameter(at + 1, e.line).map_err(wrap)?;
            stmt.raw_bind_parameter(at + 2, e.sheet).map_err(wrap)?;
            stmt.raw_bind_parameter(at + 3, e.fund).map_err(wrap)?;
            stmt.raw_bind_parameter(at + 4, stored_day(e.date, &mut date, &mut other_date))
                .map_err(wrap)?;
            stmt.raw_bind_parameter(at + 5, e.amount.fen())
                .map_err(wrap)?;
            stmt.raw_bind_parameter(at + 6, e.voucher.as_ref())
                .map_err(wrap)?;
            stmt.raw_bind_parameter(at + 7, e.memo.as_ref())
                .map_err(wrap)?;
            stmt.raw_bind_parameter(at + 8, hash).map_err(wrap)?;
        }
        let written = stmt.raw_execute().map_err(wrap)?;
        let expected_last = entry_id(self.source_id, self.seq) + APPEND_ROWS as i64 - 1;
        let last = self.conn.last_insert_rowid();
        if written != APPEND_ROWS || last != expected_last {
            // Rows were in the way (or one was ignored): the rows written, at the ids SQLite
            // gave one after another, go.
            if written > 0 {
                self.conn
                    .execute(
                        "DELETE FROM entries WHERE id > ?1 AND id <= ?2",
                        [last - written as i64, last],
                    )
                    .map_err(wrap)?;
            }
            self.append = None;
            self.append_many = None;
            return Ok(false);
        }
        self.last_id = Some(last);
        self.written += APPEND_ROWS;
        for (e, _) in chunk {
            self.count_added(e);
            self.seq += 1;
        }
        Ok(true)
    }

    /// Counts a written entry in its fund's day sums.
    fn count_added(&mut self, e: &EntryRef<'_>) {
        if self.added.len() <= e.fund_index {
            self.added.resize_with(e.fund_index + 1, || None);
        }
        let dense = self.added[e.fund_index].get_or_insert_with(|| DenseDays::new(e.fund, e.date));
        let sums = dense.at(day_number(e.date));
        sums.0 += e.amount.fen();
        sums.1 += 1;
    }

    /// Takes the next entry of the new version with its [`row_hash`], computed by the caller:
    /// an import hashes on the reading thread, which has time to spare where this one has not.
    ///
    /// # Errors
    /// A database failure; then drop the writer.
    pub fn add_hashed(&mut self, e: &EntryRef<'_>, hash: i64) -> Result<(), StoreError> {
        // A wrong hash that matched the row in force would leave a changed entry unwritten.
        debug_assert_eq!(hash, row_hash(e), "the hash of the entry given");
        let old = self.old_row(self.seq)?;
        if old.is_some_and(|o| o.hash == hash) {
            // The same entry at the same place: nothing to write, no sum changes.
            self.seq += 1;
            return Ok(());
        }
        let id = entry_id(self.source_id, self.seq);
        if let Some(old) = old {
            self.delete_entry(id)?;
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
        self.insert_one(id, e, hash)?;
        self.count_added(e);
        self.seq += 1;
        Ok(())
    }

    /// Writes one entry.
    fn insert_one(&mut self, id: i64, e: &EntryRef<'_>, hash: i64) -> Result<(), StoreError> {
        let (mut date, mut other_date) = (IsoDay::new(), String::new());
        let path = self.path;
        let wrap = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let appending = self.append.is_some() && self.last_id == Some(id - 1);
        // Raw binding: every parameter is set each time, so clearing them between rows (what
        // `execute` does) is work for nothing, a million times over.
        let (insert, first) = match &mut self.append {
            Some(append) if appending => (append, 1),
            _ => {
                self.insert.raw_bind_parameter(1, id).map_err(wrap)?;
                (&mut self.insert, 2)
            }
        };
        insert.raw_bind_parameter(first, e.line).map_err(wrap)?;
        insert
            .raw_bind_parameter(first + 1, e.sheet)
            .map_err(wrap)?;
        insert.raw_bind_parameter(first + 2, e.fund).map_err(wrap)?;
        insert
            .raw_bind_parameter(first + 3, stored_day(e.date, &mut date, &mut other_date))
            .map_err(wrap)?;
        insert
            .raw_bind_parameter(first + 4, e.amount.fen())
            .map_err(wrap)?;
        insert
            .raw_bind_parameter(first + 5, e.voucher.as_ref())
            .map_err(wrap)?;
        insert
            .raw_bind_parameter(first + 6, e.memo.as_ref())
            .map_err(wrap)?;
        insert.raw_bind_parameter(first + 7, hash).map_err(wrap)?;
        match insert.raw_execute() {
            Ok(_) if appending && self.conn.last_insert_rowid() != id => {
                // Not where this source's rows end after all (cannot happen while the writer
                // alone writes entries): the row goes, and the rest are placed by id.
                let stray = self.conn.last_insert_rowid();
                self.delete_entry(stray)?;
                self.append = None;
                self.append_many = None;
                return self.insert_one(id, e, hash);
            }
            Ok(_) => {}
            // A row at this id that the version in force does not count (never left by the
            // writer, which removes the tail of a shorter version): replaced, as before.
            Err(rusqlite::Error::SqliteFailure(f, _))
                if !appending && f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                self.delete_entry(id)?;
                self.insert.raw_execute().map_err(wrap)?;
            }
            Err(e) => return Err(wrap(e)),
        }
        self.last_id = Some(id);
        self.written += 1;
        Ok(())
    }

    /// The next `count` entries are the version in force's, unchanged.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the version in force has fewer entries.
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

    /// Deletes the entry at rowid `id`, if any.
    fn delete_entry(&mut self, id: i64) -> Result<(), StoreError> {
        let path = self.path;
        let wrap = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        self.delete.raw_bind_parameter(1, id).map_err(wrap)?;
        self.delete.raw_execute().map_err(wrap)?;
        Ok(())
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
            let follows = seq == self.window_start + self.window.len() as i64;
            let size = if follows {
                2 * self.window.len() as i64
            } else {
                0
            };
            let size = size.clamp(FIRST_WINDOW, HASH_WINDOW);
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
                    entry_id(self.source_id, seq + size)
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

    /// Makes the entries given the version in force, with what else the read found; returns
    /// what changed.
    ///
    /// # Errors
    /// A database failure; nothing changed.
    pub fn finish(self, summary: ReadSummary) -> Result<WriteStats, StoreError> {
        let SourceWriter {
            conn,
            path,
            source_id,
            fingerprint,
            meta,
            now,
            old_count,
            insert,
            append,
            append_many,
            delete,
            seq: count,
            written,
            added,
            mut removed,
            undo,
            ..
        } = self;
        drop(insert);
        drop(append);
        drop(append_many);
        drop(delete);
        let wrap = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        if count < old_count {
            remove_tail(conn, source_id, count, &mut removed).map_err(wrap)?;
        }
        let added = added.into_iter().flatten().collect();
        let affected = apply_day_changes(conn, source_id, added, removed).map_err(wrap)?;
        patch_fund_days(conn, source_id, &affected).map_err(wrap)?;
        // The first read after an upgrade from schema 1 or 2 finds a SHA-256 (no `xxh3:`) that
        // never matches, and a new reader or new settings re-read the same bytes: if that
        // brings the same spending, the data did not change, and the stale-data clock keeps
        // running.
        let same_as_before = affected.is_empty() && count == old_count;
        conn.execute(
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
                stamp(now),
                count,
                summary.subtotal_rows as i64,
                meta.map(|m| m.size),
                meta.map(|m| m.mtime_ns),
                summary.blocks,
                same_as_before
            ],
        )
        .map_err(wrap)?;
        undo.release().map_err(wrap)?;
        Ok(WriteStats {
            entries: count,
            previous: old_count,
            written,
        })
    }
}

/// Entries at positions `count` and after, which the new version no longer has: their sums
/// go to `removed`, then they do.
fn remove_tail(
    conn: &Connection,
    source_id: i64,
    count: i64,
    removed: &mut DaySums,
) -> rusqlite::Result<()> {
    let range = params![entry_id(source_id, count), entry_id(source_id + 1, 0)];
    {
        let mut stmt =
            conn.prepare("SELECT fund, date, amount FROM entries WHERE id >= ?1 AND id < ?2")?;
        let mut rows = stmt.query(range)?;
        while let Some(r) = rows.next()? {
            let fund: String = r.get(0)?;
            let sums = removed
                .entry(fund)
                .or_default()
                .entry(day_number(day(r, 1)?))
                .or_insert((0, 0));
            sums.0 += r.get::<_, i64>(2)?;
            sums.1 += 1;
        }
    }
    conn.execute("DELETE FROM entries WHERE id >= ?1 AND id < ?2", range)?;
    Ok(())
}

/// An entry's day as stored: `YYYY-MM-DD` ([`iso_day`], in `buf`), or chrono's text for a
/// year it does not write (in `other`).
fn stored_day<'b>(date: NaiveDate, buf: &'b mut IsoDay, other: &'b mut String) -> &'b str {
    match iso_day(date) {
        Some(text) => {
            *buf = text;
            buf
        }
        None => {
            *other = date.to_string();
            other
        }
    }
}

/// Rolls a `write_source` savepoint back unless released (when it owns one: `armed`).
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
    /// Entries of the new version.
    pub entries: i64,
    /// Entries of the version it replaced.
    pub previous: i64,
    /// Entries written because they were new or changed (the rest were already in force).
    pub written: usize,
}

impl Store {
    /// Begins a new version of the source at `path` (its record is created if it has none):
    /// hand its entries to the writer, then finish it. `now` is recorded as when it was read.
    ///
    /// # Errors
    /// A database failure; nothing changed.
    pub fn begin_source(
        &mut self,
        path: &str,
        fingerprint: &Fingerprint,
        meta: Option<SourceMeta>,
        now: DateTime<Utc>,
    ) -> Result<SourceWriter<'_>, StoreError> {
        // Inside `all_or_nothing` the whole import is undone on any failure, so a savepoint of
        // our own would only cost a copy of every page it touches (SQLite's sub-journal). Inside
        // `atomically` (a year-to-date series) one file may be rejected while the others are
        // kept: its writes must go alone.
        let own = !self.all_or_nothing;
        let store: &Store = self;
        let conn = &store.conn;
        let wrap = |source| StoreError::Sqlite {
            path: store.path.clone(),
            source,
        };
        if own {
            conn.execute_batch("SAVEPOINT write_source").map_err(wrap)?;
        }
        let undo = UndoOnDrop { conn, armed: own };
        conn.execute(
            "INSERT INTO sources (path) VALUES (?1) ON CONFLICT (path) DO NOTHING",
            [path],
        )
        .map_err(wrap)?;
        let (source_id, old_count): (i64, i64) = conn
            .query_row(
                "SELECT id, entry_count FROM sources WHERE path = ?1",
                [path],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(wrap)?;
        let insert = conn
            .prepare(
                "INSERT INTO entries (id, line, sheet, fund, date, amount, voucher, memo, row_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(wrap)?;
        // Appending is right only when no row lies at or after this source's first id.
        let last: Option<i64> = conn
            .query_row("SELECT MAX(id) FROM entries", [], |r| r.get(0))
            .map_err(wrap)?;
        let append = if old_count == 0 && last.is_none_or(|l| l < entry_id(source_id, 0)) {
            Some(
                conn.prepare(
                    "INSERT INTO entries (line, sheet, fund, date, amount, voucher, memo, row_hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(wrap)?,
            )
        } else {
            None
        };
        let append_many = match append {
            Some(_) => {
                let mut sql = String::from(
                    "INSERT OR IGNORE INTO entries (line, sheet, fund, date, amount, voucher, memo, row_hash) VALUES ",
                );
                for row in 0..APPEND_ROWS {
                    let params: Vec<String> = (1..=APPEND_COLUMNS)
                        .map(|c| format!("?{}", row * APPEND_COLUMNS + c))
                        .collect();
                    sql.push_str(if row == 0 { "(" } else { ", (" });
                    sql.push_str(&params.join(", "));
                    sql.push(')');
                }
                Some(conn.prepare(&sql).map_err(wrap)?)
            }
            None => None,
        };
        let delete = conn
            .prepare("DELETE FROM entries WHERE id = ?1")
            .map_err(wrap)?;
        Ok(SourceWriter {
            conn,
            path: &store.path,
            source_id,
            fingerprint: fingerprint.clone(),
            meta,
            now,
            old_count,
            insert,
            append,
            append_many,
            last_id: None,
            delete,
            window_start: 0,
            window: Vec::new(),
            fund_names: Vec::new(),
            fund_slots: HashMap::new(),
            seq: 0,
            written: 0,
            added: Vec::new(),
            removed: DaySums::new(),
            undo,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::core::Money;

    fn entry_on(day: u32, line: u32) -> EntryRef<'static> {
        EntryRef {
            fund: "a",
            fund_index: 0,
            date: NaiveDate::from_ymd_opt(2025, 3, day).expect("date"),
            amount: Money::from_fen(i64::from(day) * 100),
            voucher: Cow::Borrowed("V"),
            memo: Cow::Borrowed("memo"),
            line,
            sheet: None,
        }
    }

    /// The hash of a row is what the streaming hasher of earlier builds gave (rows in force
    /// keep matching), for rows short and long (the buffer on the stack, or not).
    #[test]
    fn row_hashes_are_those_of_the_streaming_hasher() {
        let streaming = |e: &EntryRef<'_>| {
            let mut hasher = xxhash_rust::xxh3::Xxh3::new();
            hasher.update(&e.line.to_le_bytes());
            hasher.update(e.sheet.unwrap_or("").as_bytes());
            hasher.update(&[0xFF]);
            hasher.update(e.fund.as_bytes());
            hasher.update(&[0xFF]);
            hasher.update(&day_number(e.date).to_le_bytes());
            hasher.update(&e.amount.fen().to_le_bytes());
            hasher.update(e.voucher.as_bytes());
            hasher.update(&[0xFF]);
            hasher.update(e.memo.as_bytes());
            (hasher.digest() as i64) | 1
        };
        for n in [0, 1, 16, 100, 200, 220, 230, 240, 250, 300, 1_000, 5_000] {
            let memo = "摘".repeat(n / 3) + &"m".repeat(n % 3);
            for sheet in [None, Some("支出明细")] {
                let mut e = entry_on(1 + (n % 28) as u32, n as u32);
                e.memo = Cow::Owned(memo.clone());
                e.sheet = sheet;
                assert_eq!(row_hash(&e), streaming(&e), "memo of {n} bytes, {sheet:?}");
            }
        }
    }

    /// Writes `entries` as a new source in `calls` calls to `add_all`, with a row put in the
    /// way after the first call (as only another writer could); returns the ids and lines of
    /// the table's rows, the source's id and whether the writer still appended at the end.
    fn write_with_a_row_in_the_way(
        entries: &[EntryRef<'static>],
        calls: usize,
        in_the_way: Option<i64>,
    ) -> (Vec<(i64, u32)>, i64, bool) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("db")).expect("open");
        let fingerprint = Fingerprint {
            content: "1".into(),
            settings: "s".into(),
        };
        let hashed: Vec<(EntryRef<'static>, i64)> =
            entries.iter().map(|e| (e.clone(), row_hash(e))).collect();
        let mut writer = store
            .begin_source("/x.csv", &fingerprint, None, Utc::now())
            .expect("begin");
        assert!(writer.append.is_some(), "a new source is appended");
        let source = writer.source_id;
        let mut chunks = hashed.chunks(hashed.len().div_ceil(calls));
        writer
            .add_all(chunks.next().expect("a first call"))
            .expect("add");
        if let Some(seq) = in_the_way {
            writer
                .conn
                .execute(
                    "INSERT INTO entries (id, line, fund, date, amount, voucher, memo, row_hash)
                     VALUES (?1, 99, 'a', '2025-03-31', 1, '', '', 1)",
                    [entry_id(source, seq)],
                )
                .expect("a row in the way");
        }
        for chunk in chunks {
            writer.add_all(chunk).expect("add");
        }
        let appending = writer.append.is_some();
        let stats = writer.finish(ReadSummary::default()).expect("finish");
        assert_eq!(stats.entries as usize, entries.len());
        assert_eq!(stats.written, entries.len());
        // Each entry counted once in the day sums, however it was written.
        let spent = store
            .daily_spend_and_counts()
            .expect("daily spend")
            .spending["a"]
            .spent_through(NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"));
        let total: i64 = entries.iter().map(|e| e.amount.fen()).sum();
        assert_eq!(spent, Money::from_fen(total));
        let rows: Vec<(i64, u32)> = store
            .conn
            .prepare("SELECT id, line FROM entries ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        (rows, source, appending)
    }

    /// A new source's rows are appended with the ids SQLite gives, alone or `APPEND_ROWS` to
    /// a statement; should a row ever stand in the way, the misplaced rows go, the rest are
    /// placed by id, and the row in the way is replaced: each entry ends at its own id, once,
    /// and is counted once in the day sums.
    #[test]
    fn a_row_in_the_way_of_appending_is_replaced_and_every_id_is_right() {
        let entries: Vec<EntryRef<'static>> = (0..3 * APPEND_ROWS as u32 + 5)
            .map(|i| entry_on(1 + i % 28, i + 2))
            .collect();
        let expected: Vec<(i64, u32)> = (0..entries.len())
            .map(|s| (s as i64, s as u32 + 2))
            .collect();
        // One entry a call (each appended alone); calls of 27 (the first placed by id, 16 in
        // one statement, the rest alone) and of 14; nothing in the way, or a row in the way of
        // the next append (alone or many), or further on, after statements of many succeeded.
        for (calls, in_the_way) in [
            (1, None),
            (2, None),
            (entries.len(), Some(5)),
            (2, Some(40)),
            (2, Some(27)),
            (4, Some(20)),
        ] {
            let (rows, source, appending) =
                write_with_a_row_in_the_way(&entries, calls, in_the_way);
            let expected: Vec<(i64, u32)> = expected
                .iter()
                .map(|(seq, line)| (entry_id(source, *seq), *line))
                .collect();
            assert_eq!(
                rows, expected,
                "{calls} calls, in the way at {in_the_way:?}"
            );
            assert_eq!(
                appending,
                in_the_way.is_none(),
                "{calls} calls, {in_the_way:?}"
            );
        }
    }
}
