//! The SQLite database: schema and migrations, ledger sources and their entries.
//!
//! This is the only module that uses rusqlite. Every change a caller asks for happens in one
//! transaction, so a crash leaves either the old or the new state, never a mix.

mod alerts;
mod outbox;
mod schema;
mod sources;

use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::Connection;

pub use alerts::{AlertEvent, AlertRow, CheckRecord, EmailRecord};
pub use outbox::{Claimed, OutboxRow};
pub use schema::SCHEMA_VERSION;
pub use sources::{
    Fingerprint, Origin, Overlap, SourceMeta, SourceOverview, SourceRecord, SourceWriter, Withdrawn,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path}: this database was written by a newer spendwatch (schema version {found}; this one \
         knows up to {supported}): upgrade spendwatch, or set `database:` to another file. The file \
         was left untouched."
    )]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("{path}: {detail}")]
    Corrupt { path: String, detail: String },
    #[error("{path}: cannot create its folder: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}{advice}", advice = advice(source))]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
}

/// What to do about the errors a person can fix (worded for a command and for the daemon's
/// journal, which retries by itself); a failed write changed nothing, because every write is
/// one transaction.
fn advice(e: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode::{
        CannotOpen, DatabaseBusy, DatabaseLocked, DiskFull, ReadOnly, SystemIoFailure,
    };
    match e.sqlite_error_code() {
        Some(DiskFull) => {
            " (the disk that holds the database is full; nothing was changed: free some space, \
             then try again)"
        }
        // SQLite reports a full disk this way when it cannot even grow its shared-memory file.
        Some(SystemIoFailure) => {
            " (reading or writing the database failed; nothing was changed: if its disk is full, \
             free some space; otherwise look for disk errors with dmesg; then try again)"
        }
        Some(ReadOnly) => {
            " (the database or its folder is read-only; nothing was changed: make both writable \
             for the user spendwatch runs as, then try again)"
        }
        Some(CannotOpen) => {
            " (check that its folder exists, is not on a read-only file system, and that the \
             user spendwatch runs as may write in it)"
        }
        Some(DatabaseBusy | DatabaseLocked) => {
            " (another process kept the database busy for too long; nothing was changed: try \
             again)"
        }
        _ => "",
    }
}

/// The page size of new databases.
const PAGE_SIZE: i64 = 65_536;

/// How long a writer waits for another process (say, an import while the daemon checks).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
    /// Inside [`Store::atomically`]: any failure undoes everything, so nested writes need no
    /// savepoints of their own.
    all_or_nothing: bool,
}

impl Store {
    /// Opens the database at `path`, creating and migrating it as needed.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_busy_timeout(path, BUSY_TIMEOUT)
    }

    /// Like [`Store::open`], waiting at most `busy_timeout` for a lock held by another process.
    pub fn open_with_busy_timeout(
        path: &Path,
        busy_timeout: Duration,
    ) -> Result<Store, StoreError> {
        let display = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: display.clone(),
            source,
        })?;
        let mut store = Store {
            conn,
            path: display,
            all_or_nothing: false,
        };
        store.conn.busy_timeout(busy_timeout).map_err(store.err())?;
        store.prepare()?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn prepare(&mut self) -> Result<(), StoreError> {
        // Check the version before anything writes to the file (journal_mode=WAL does).
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            // A new database: larger pages mean fewer pages, splits and writes for a ledger of
            // millions of rows (measured in BENCHMARKS.md). Only possible before the first write.
            self.conn
                .pragma_update(None, "page_size", PAGE_SIZE)
                .map_err(self.err())?;
        }
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| self.conn.pragma_update(None, "synchronous", "NORMAL"))
            .and_then(|()| self.conn.pragma_update(None, "foreign_keys", "ON"))
            .map_err(self.err())?;
        let path = self.path.clone();
        schema::migrate(&mut self.conn, found)
            .map_err(|source| StoreError::Sqlite { path, source })?;
        if found > 0 && found < schema::FUND_DAYS_VERSION {
            self.rebuild_all_fund_days()?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// Runs `f` as one transaction: everything it writes is kept only if it succeeds (and
    /// `commit` is true; a dry run passes false and leaves no trace).
    pub fn atomically<T, E: From<StoreError>>(
        &mut self,
        commit: bool,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        // A plain transaction when none is open: a savepoint would make SQLite keep a copy of
        // every page it touches, in case of a partial rollback (its sub-journal).
        let (begin, keep, undo) = if self.conn.is_autocommit() {
            ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
        } else {
            (
                "SAVEPOINT atomically",
                "RELEASE atomically",
                "ROLLBACK TO atomically; RELEASE atomically",
            )
        };
        self.conn.execute_batch(begin).map_err(self.err())?;
        let outer = std::mem::replace(&mut self.all_or_nothing, true);
        let result = f(self);
        self.all_or_nothing = outer;
        if result.is_ok() && commit {
            if let Err(e) = self.conn.execute_batch(keep) {
                self.undo(undo);
                return Err(self.err()(e).into());
            }
            return result;
        }
        self.undo(undo);
        result
    }

    /// Rolls back what [`Store::atomically`] began. After some errors (a full disk, I/O)
    /// SQLite has rolled back by itself, and a second rollback would fail and hide the cause,
    /// so it is only tried while a transaction is open, and its own failure is not reported.
    fn undo(&mut self, undo: &str) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch(undo);
        }
    }
}

/// Reads a `YYYY-MM-DD` column.
fn day(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<NaiveDate> {
    let text = row.get_ref(index)?.as_str()?;
    parse_iso_day(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("{text:?} is not a YYYY-MM-DD date").into(),
        )
    })
}

/// `YYYY-MM-DD`, as the store writes it (chrono's general parser is slow in bulk).
fn parse_iso_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

#[cfg(test)]
mod tests;
