//! What the dashboard reads besides the snapshot: a read-only connection, whether anything
//! changed since the last look, a fund's entries a page at a time, and the outbox's health.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::OpenFlags;

use super::{SCHEMA_VERSION, Store, StoreError, check_access, day, moment_opt};
use crate::core::Money;

/// A page waits at most this long for the database (a checkpoint, say): better an error page
/// than a hanging connection.
const READER_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// One entry in force of a fund, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    /// Its date.
    pub date: NaiveDate,
    /// The voucher (凭证号) as read; may be empty.
    pub voucher: String,
    /// The memo (摘要) as read: hostile text from a file.
    pub memo: String,
    /// The amount, in 分 (negative for a refund or reversal).
    pub amount: Money,
    /// The source file's path.
    pub path: String,
    /// The line (CSV) or row (spreadsheet) in that file, from 1.
    pub line: i64,
    /// The sheet, for spreadsheets.
    pub sheet: Option<String>,
}

/// The outbox as `/healthz` and the health page judge it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxHealth {
    /// Messages waiting to be sent (some perhaps after a failed attempt).
    pub pending: i64,
    /// Messages given up after their retries (until `spendwatch outbox --retry`).
    pub failed: i64,
    /// Pending messages whose last attempt failed.
    pub retrying: i64,
    /// The error of the newest failed attempt among pending and failed messages.
    pub last_error: Option<String>,
    /// When the newest message was sent.
    pub last_sent: Option<DateTime<Utc>>,
}

impl OutboxHealth {
    /// Whether mail is failing: a message was given up, or the last attempt of one still
    /// waiting failed. Sending again successfully (or `outbox --retry`) ends it.
    pub fn failing(&self) -> bool {
        self.failed > 0 || self.retrying > 0
    }
}

impl Store {
    /// Opens the existing database at `path` for reading only (`PRAGMA query_only`): the
    /// dashboard's connection, beside the daemon's own. Nothing is created or migrated; the
    /// daemon opened (and migrated) it first.
    ///
    /// # Errors
    /// Those of [`Store::open_existing`]; [`StoreError::Sqlite`] when `query_only` cannot be
    /// set.
    pub fn open_reader(path: &Path) -> Result<Store, StoreError> {
        check_access(path, false)?;
        // Read-write at the file level (a WAL reader may need to create the shared-memory
        // file), but `query_only` before anything else: no pragma, schema or migration of
        // the writers' open runs here.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let display = path.display().to_string();
        let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(|source| {
            StoreError::Sqlite {
                path: display.clone(),
                source,
            }
        })?;
        let store = Store {
            conn,
            path: display,
            all_or_nothing: false,
        };
        store
            .conn
            .pragma_update(None, "query_only", true)
            .and_then(|()| store.conn.busy_timeout(READER_BUSY_TIMEOUT))
            .map_err(store.err())?;
        let found = store.schema_version()?;
        if found > SCHEMA_VERSION {
            store.keep_log_at_close();
            return Err(StoreError::NewerSchema {
                path: store.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < SCHEMA_VERSION {
            // The daemon migrates at start: an older file is not the daemon's database yet.
            return Err(StoreError::Corrupt {
                path: store.path.clone(),
                detail: format!(
                    "schema version {found}, not yet migrated to {SCHEMA_VERSION}: restart \
                     spendwatch so that it migrates the database"
                ),
            });
        }
        Ok(store)
    }

    /// SQLite's `PRAGMA data_version`: it changes when another connection commits, so a
    /// reader knows whether what it computed before is still current.
    ///
    /// # Errors
    /// A database failure.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// How many entries in force `fund` has dated on or before `through`: from the sums per
    /// source and day (a key lookup per source), not the entries.
    ///
    /// # Errors
    /// A database failure.
    pub fn fund_entry_count(&self, fund: &str, through: NaiveDate) -> Result<u64, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT COALESCE(SUM(d.entries), 0) FROM sources s
                 JOIN source_days d ON d.source_id = s.id AND d.fund = ?1 AND d.day <= ?2
                 WHERE s.withdrawn IS NULL",
            )
            .and_then(|mut stmt| {
                stmt.query_row(
                    rusqlite::params![fund, super::day_sums::day_number(through)],
                    |r| r.get::<_, i64>(0),
                )
            })
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(self.err())
    }

    /// Entries in force of `fund` dated on or before `through`, `limit` from `offset`, in the
    /// order of their files, last first: the newest source's last line first (an export
    /// sorted by date lists its newest entries first). Entries have no index by fund: one would
    /// make every import write a page per entry at city scale (BENCHMARKS.md), so a page reads
    /// back from the end of the table until it has its rows.
    ///
    /// # Errors
    /// A database failure.
    pub fn fund_entries(
        &self,
        fund: &str,
        through: NaiveDate,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<EntryRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT e.date, e.voucher, e.memo, e.amount, s.path, e.line, e.sheet
                 FROM entries e JOIN sources s ON s.id = (e.id >> 40)
                 WHERE e.fund = ?1 AND e.date <= ?2 AND s.withdrawn IS NULL
                 ORDER BY e.id DESC LIMIT ?3 OFFSET ?4",
            )
            .map_err(self.err())?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(
                rusqlite::params![fund, through.to_string(), limit, offset],
                |r| {
                    Ok(EntryRow {
                        date: day(r, 0)?,
                        voucher: r.get(1)?,
                        memo: r.get(2)?,
                        amount: Money::from_fen(r.get(3)?),
                        path: r.get(4)?,
                        line: r.get(5)?,
                        sheet: r.get(6)?,
                    })
                },
            )
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The outbox's counts and its newest error.
    ///
    /// # Errors
    /// A database failure.
    pub fn outbox_health(&self) -> Result<OutboxHealth, StoreError> {
        // `status IN (…)`, not `<> 'sent'`: the index on status answers it, where a scan
        // reads every row's status past its message (`raw`, megabytes of overflow pages).
        let (pending, failed, retrying) = self
            .conn
            .query_row(
                "SELECT COUNT(*) FILTER (WHERE status = 'pending'),
                        COUNT(*) FILTER (WHERE status = 'failed'),
                        COUNT(*) FILTER (WHERE status = 'pending' AND last_error IS NOT NULL)
                 FROM outbox WHERE status IN ('pending', 'failed')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(self.err())?;
        let last_error = self
            .conn
            .query_row(
                "SELECT last_error FROM outbox
                 WHERE status IN ('pending', 'failed') AND last_error IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(self.err())?;
        let last_sent = self
            .conn
            .query_row(
                "SELECT MAX(sent_at) FROM outbox WHERE status = 'sent'",
                [],
                |r| moment_opt(r, 0),
            )
            .map_err(self.err())?;
        Ok(OutboxHealth {
            pending,
            failed,
            retrying,
            last_error,
            last_sent,
        })
    }

    /// The database's size on disk in bytes: the file and its write-ahead log.
    pub fn size_on_disk(&self) -> u64 {
        let size = |p: &str| std::fs::metadata(p).map_or(0, |m| m.len());
        size(&self.path) + size(&format!("{}-wal", self.path))
    }
}
