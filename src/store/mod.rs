//! The SQLite database: schema and migrations, ledger sources and their entries.
//!
//! This is the only module that uses rusqlite. Every change a caller asks for happens in one
//! transaction, so a crash leaves either the old or the new state, never a mix. It knows
//! nothing of how files are read: entries come as [`EntryRef`](crate::core::EntryRef)s, and
//! what the reader keeps for its next read is bytes it stores unread.
//!
//! Moments cross its API as `DateTime<Utc>` and are kept as RFC 3339 text (whole seconds, `Z`)
//! or, for the outbox's schedule, as Unix seconds; the conversion happens here, at the SQL.
//!
//! | file | what |
//! |------|------|
//! | `sources.rs` | the record of each source file, and whether it is in force |
//! | `writer.rs`, `day_sums.rs` | writing a source's new version ([`SourceWriter`]), and the sums per day it changes |
//! | `spending.rs` | the spending per fund and day, rebuilt from the sources in force |
//! | `overlaps.rs` | entries counted twice |
//! | `alerts.rs`, `outbox.rs` | alert states and history; emails waiting to be delivered |
//! | `digests.rs` | the monthly digests sent, one per period |
//! | `explanations.rs` | 情况说明: recorded, withdrawn, ended when the fund caught up |
//! | `dashboard.rs` | what the dashboard reads besides the snapshot: a fund's entries by page, the outbox's health |
//! | `backup.rs` | a consistent copy of the database while it is in use |

mod alerts;
mod backup;
mod dashboard;
mod day_sums;
mod digests;
mod explanations;
mod outbox;
mod overlaps;
mod readings;
mod schema;
mod sources;
mod spending;
mod writer;

use std::io::ErrorKind;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

pub use alerts::{AlertEvent, AlertRow, CheckRecord, EmailRecord};
pub use backup::{BackupReport, backup};
pub use dashboard::{EntryRow, OutboxHealth};
pub use digests::{DigestRecord, DigestRow};
pub use explanations::{ExplanationRecord, NewExplanation, WithdrawError};
pub use outbox::{Claimed, OutboxRow};
pub use overlaps::Overlap;
pub use readings::{HeldElsewhere, ReadingSourceOverview, ReadingSourceRecord};
pub use schema::SCHEMA_VERSION;
pub use sources::{
    Fingerprint, Origin, SourceMeta, SourceOverview, SourceRecord, SourceState, Withdrawn,
};
pub use spending::SpendingAndCounts;
pub use writer::{ReadSummary, SourceWriter, WriteStats, row_hash};

/// Why the database could not do what was asked. Every variant names the file (`path`): the
/// database, or the backup being written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database's schema is newer than this program knows.
    #[error(
        "{path}: this database was written by a newer spendwatch (schema version {found}; this one \
         knows up to {supported}): upgrade spendwatch, or set `database:` to another file. The file \
         was left untouched."
    )]
    NewerSchema {
        /// The database.
        path: String,
        /// The schema version of the file.
        found: i64,
        /// The newest this program knows.
        supported: i64,
    },
    /// The database holds what it cannot (`detail` says what).
    #[error("{path}: {detail}")]
    Corrupt {
        /// The damaged file: the database, or the backup copy that failed its check.
        path: String,
        /// What is wrong, in English, for the administrator.
        detail: String,
    },
    /// The folder of a new database could not be created.
    #[error("{path}: cannot create its folder: {source}")]
    CreateDir {
        /// The folder.
        path: String,
        /// Why the system refused.
        source: std::io::Error,
    },
    /// A command that only shows what the database holds found none (it never creates one).
    #[error("{path}: the database does not exist yet")]
    Missing {
        /// Where the config says the database is.
        path: String,
    },
    /// The user running the command may not open the database (or enter its folder).
    #[error("{path}: {source}")]
    NoAccess {
        /// The database.
        path: String,
        /// The system's refusal (permission denied).
        source: std::io::Error,
    },
    /// `backup` would replace a file without being told to.
    #[error("{path} already exists; give --force to replace it, or another file name")]
    Exists {
        /// The backup file asked for.
        path: String,
    },
    /// Reading or writing a file failed (a backup).
    #[error("{path}: {source}")]
    Io {
        /// The file being written (the backup, or its partial copy).
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// SQLite failed; the message adds what to do about the failures a person can fix.
    #[error("{path}: {source}{advice}", advice = advice(source))]
    Sqlite {
        /// The database (`:memory:` for one in memory), or the backup being written.
        path: String,
        /// What SQLite said.
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

/// The page size of new databases: 32 KiB. Every table and index has a root page of its own
/// from the start (23 pages in all with the schema's own), zeroed in memory and written out,
/// so larger pages cost the small case: with 64 KiB a new database was 1.5 MB before its first
/// entry, and a 10k import and `status` took 4.5 % more wall time than with 32 KiB. Smaller
/// pages cost the large case: with 16 KiB the grown re-import of a 1M-entry export took 1.2×
/// the CPU time of 32 KiB (more pages to find and rewrite). 32 KiB is as fast as 64 KiB for a
/// 1M import (BENCHMARKS.md, "The small case, again").
const PAGE_SIZE: i64 = 32_768;

/// How long a writer waits for another process (say, an import while the daemon checks).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest write-ahead log (bytes, 4 MiB: 128 pages) the last connection's close leaves
/// beside the database instead of copying it in. Every commit syncs the log
/// (`synchronous=FULL`), so what it holds is safe either way; copying it in at close costs a
/// second write of each page and two more syncs (a 10k-entry import into a new database
/// waited 4 ms for them), while leaving it costs each later first opener one read of the log
/// to index it (SQLite's recovery: 0.4 ms for the 2.1 MB of that import). A larger log is
/// copied in and deleted at close, as SQLite does by default, so that a big import does not
/// leave its log behind; a smaller one is copied in by SQLite's automatic checkpoint once a
/// commit takes it past 1,000 pages, or by a later close that finds it larger than this.
/// BENCHMARKS.md, "The small case, a fourth time".
const KEEP_WAL_UP_TO: u64 = 4 << 20;

/// The page cache, in KiB (16 pages of 32 KiB), of a command that reads once
/// ([`Store::for_one_pass`]).
const ONE_PASS_CACHE_KIB: i64 = 512;

/// An open database: every read and write of the program's state goes through it.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
    /// Inside [`Store::all_or_nothing`]: any failure undoes everything, so nested writes need
    /// no savepoints of their own.
    all_or_nothing: bool,
}

impl Store {
    /// Opens the database at `path`, creating and migrating it as needed.
    ///
    /// # Errors
    /// [`StoreError::CreateDir`] when its folder cannot be created; [`StoreError::NewerSchema`]
    /// when a newer spendwatch wrote it (the file is left untouched); [`StoreError::Sqlite`]
    /// when SQLite cannot open, lock or migrate it (not a database, read-only, busy for
    /// longer than 30 seconds).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_busy_timeout(path, BUSY_TIMEOUT)
    }

    /// Like [`Store::open`], waiting at most `busy_timeout` for a lock held by another process.
    ///
    /// # Errors
    /// Those of [`Store::open`], busy meaning longer than `busy_timeout`.
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
        create_file(path);
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: display.clone(),
            source,
        })?;
        Store::from_connection(conn, display, busy_timeout)
    }

    /// Opens the database at `path` only if it is there, for the commands that show what it
    /// holds (`status`, `alerts`, `outbox`): run before the service's first start, or as
    /// root, they must not create a database (or its folder) that the service cannot write.
    ///
    /// # Errors
    ///
    /// [`StoreError::Missing`] when there is no database at `path` (nothing is created);
    /// [`StoreError::NoAccess`] when this user may not read and write it or enter its folder;
    /// the errors of [`Store::open`] otherwise.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        check_access(path, true)?;
        // Without SQLITE_OPEN_CREATE: a database removed since the check is not made anew.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let display = path.display().to_string();
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| StoreError::Sqlite {
                path: display.clone(),
                source,
            })?;
        Store::from_connection(conn, display, BUSY_TIMEOUT)
    }

    /// A database in memory, with the schema: `status` evaluates the ledger sources in one
    /// when the service has not created the real database yet.
    ///
    /// # Errors
    ///
    /// Only if SQLite cannot allocate it.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let display = ":memory:".to_owned();
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Sqlite {
            path: display.clone(),
            source,
        })?;
        Store::from_connection(conn, display, BUSY_TIMEOUT)
    }

    fn from_connection(
        conn: Connection,
        path: String,
        busy_timeout: Duration,
    ) -> Result<Store, StoreError> {
        let mut store = Store {
            conn,
            path,
            all_or_nothing: false,
        };
        store.conn.busy_timeout(busy_timeout).map_err(store.err())?;
        store.prepare(busy_timeout)?;
        Ok(store)
    }

    /// The file this store was opened from (`:memory:` for [`Store::open_in_memory`]).
    pub fn path(&self) -> &str {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn prepare(&mut self, busy_timeout: Duration) -> Result<(), StoreError> {
        // Check the version before anything writes to the file (journal_mode=WAL does).
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())?;
        if found > SCHEMA_VERSION {
            // Not even the copy of its log into it at close.
            self.keep_log_at_close();
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            // A new database: its page size (see `PAGE_SIZE`) can only be set before the
            // first write.
            self.conn
                .pragma_update(None, "page_size", PAGE_SIZE)
                .map_err(self.err())?;
        }
        self.wal_mode(busy_timeout)
            // FULL: every commit syncs the log, so a write is on disk when the command that
            // made it returns, whether or not its close copies the log in (see `Drop`).
            .and_then(|()| self.conn.pragma_update(None, "synchronous", "FULL"))
            // A log that grew past the size a close leaves (the daemon's, after a large
            // import) is cut back to it when SQLite starts it over, not kept at its largest.
            .and_then(|()| {
                self.conn
                    .pragma_update(None, "journal_size_limit", KEEP_WAL_UP_TO as i64)
            })
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

    /// `PRAGMA journal_mode=WAL`, waiting up to `busy_timeout` for other processes. Switching a
    /// new database takes it whole, and SQLite answers "database is locked" at once, without
    /// its busy timeout, while another process switches or creates it: the service and a
    /// command started together on a new database failed so 14 times in 20. Once the other
    /// has switched it, the pragma has nothing to do.
    fn wal_mode(&self, busy_timeout: Duration) -> rusqlite::Result<()> {
        let deadline = std::time::Instant::now() + busy_timeout;
        loop {
            match self.conn.pragma_update(None, "journal_mode", "WAL") {
                Err(e)
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                done => return done,
            }
        }
    }

    /// Shrinks SQLite's page cache to [`ONE_PASS_CACHE_KIB`] for the rest of a command that
    /// reads what it needs once (`status`, after bringing changed sources in): such a read
    /// finds little in a cache again but the B-trees' upper pages, and filling the default 2
    /// MB with pages passed over cost `status` 405 page faults of 1,536 at a million entries
    /// (BENCHMARKS.md, "The small case, a fifth time").
    ///
    /// # Errors
    /// A database failure.
    pub fn for_one_pass(&self) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "cache_size", -ONE_PASS_CACHE_KIB)
            .map_err(self.err())
    }

    /// The schema version of the database (`PRAGMA user_version`).
    ///
    /// # Errors
    /// A database failure.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// Runs `f` as one transaction: everything it writes is kept only if it succeeds (and
    /// `commit` is true; a dry run passes false and leaves no trace). A source written inside
    /// may fail alone: its [`SourceWriter`] dropped unfinished undoes only its own writes.
    ///
    /// # Errors
    /// `f`'s own, or a database failure; nothing changed.
    pub fn atomically<T, E: From<StoreError>>(
        &mut self,
        commit: bool,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(commit, false, f)
    }

    /// Like [`Store::atomically`], for a caller that fails whenever anything inside fails
    /// (`spendwatch import`: one bad file, nothing imported). The sources written inside take
    /// no savepoints of their own, which would make SQLite keep a copy of every page they touch:
    /// a [`SourceWriter`] dropped unfinished here must make `f` fail.
    ///
    /// # Errors
    /// `f`'s own, or a database failure; nothing changed.
    pub fn all_or_nothing<T, E: From<StoreError>>(
        &mut self,
        commit: bool,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(commit, true, f)
    }

    fn transaction<T, E: From<StoreError>>(
        &mut self,
        commit: bool,
        all_or_nothing: bool,
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
        // Inside an all-or-nothing transaction, everything is.
        let outer = self.all_or_nothing;
        self.all_or_nothing = outer || all_or_nothing;
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

impl Drop for Store {
    /// Leaves a small write-ahead log as it is when the connection closes, instead of copying
    /// it into the database (see [`KEEP_WAL_UP_TO`]); an empty or a large one is copied in and
    /// deleted, as SQLite does by default. Only the last connection to close would copy it in
    /// at all: while the daemon holds the database, commands never do.
    fn drop(&mut self) {
        // In memory (an empty name), or a name that is not UTF-8: SQLite's default.
        let Some(path) = self.conn.path().filter(|p| !p.is_empty()) else {
            return;
        };
        let wal = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
        if (1..=KEEP_WAL_UP_TO).contains(&wal) {
            self.keep_log_at_close();
        }
    }
}

impl Store {
    /// Makes the close leave the write-ahead log as it is. Failing leaves SQLite's default:
    /// the last connection to close copies the log in.
    fn keep_log_at_close(&self) {
        let _ = self
            .conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true);
    }
}

/// Creates the database file, empty (SQLite takes an empty file as a new database), if it is
/// not there. SQLite would create it 0644 less the umask, never group-writable; made here it
/// is 0666 less the umask, so the service's `UMask=0007` gives its group (the finance
/// officers who run `status`) the same access as the service. Its -wal and -shm files take
/// the database's mode. Any failure (it exists, a read-only file system) is left to SQLite's
/// own open to report, with its advice.
fn create_file(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o666)
        .open(path);
}

/// Whether this user may open the database at `path` (for writing too, if `write`), as a
/// readable error before SQLite's "unable to open database file".
fn check_access(path: &Path, write: bool) -> Result<(), StoreError> {
    let display = || path.display().to_string();
    match std::fs::OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(StoreError::Missing { path: display() }),
        Err(source) if source.kind() == ErrorKind::PermissionDenied => Err(StoreError::NoAccess {
            path: display(),
            source,
        }),
        // Anything else (a read-only file system, a folder given as the database): SQLite
        // reports it with its own advice.
        Err(_) => Ok(()),
    }
}

/// A moment as the database keeps it: RFC 3339 in UTC, whole seconds (`2025-07-01T08:00:00Z`).
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads a moment kept by [`stamp`].
fn moment(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text = row.get_ref(index)?.as_str()?;
    parse_moment(text, index)
}

/// Reads a moment kept by [`stamp`], or NULL.
fn moment_opt(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(index)?.as_str_or_null()? {
        Some(text) => parse_moment(text, index).map(Some),
        None => Ok(None),
    }
}

fn parse_moment(text: &str, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                format!("{text:?} is not an RFC 3339 time: {e}").into(),
            )
        })
}

/// Reads a moment kept as Unix seconds.
fn unix_moment(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    let secs: i64 = row.get(index)?;
    DateTime::from_timestamp(secs, 0).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Integer,
            format!("{secs} is out of the range of times").into(),
        )
    })
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
