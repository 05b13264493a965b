//! The SQLite database: schema and migrations, ledger sources and their entries.
//!
//! This is the only module that uses rusqlite. Every change a caller asks for happens in one
//! transaction, so a crash leaves either the old or the new state, never a mix.

mod alerts;
mod outbox;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use crate::core::{DailySpend, Entry, Money};

pub use alerts::{AlertEvent, AlertRow, CheckRecord, EmailRecord};
pub use outbox::{Claimed, OutboxRow};
pub use schema::SCHEMA_VERSION;

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
    #[error("{path}: cannot create its folder: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
}

/// How long a writer waits for another process (say, an import while the daemon checks).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// What identifies one version of a source: its bytes and the settings it was read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// SHA-256 of the file, hex.
    pub content: String,
    /// A hash of the config settings that decide how rows become entries (funds, columns).
    pub settings: String,
}

/// What the database knows about a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    pub path: String,
    /// The version in force; `None` if no version was ever accepted.
    pub accepted: Option<Fingerprint>,
    pub entry_count: i64,
    /// The last rejected version and why, if it is newer than the accepted one.
    pub rejected: Option<(Fingerprint, String)>,
}

/// A new accepted version of a source.
#[derive(Debug)]
pub struct NewVersion<'a> {
    pub path: &'a str,
    pub fingerprint: &'a Fingerprint,
    pub entries: &'a [Entry],
    pub subtotal_rows: usize,
}

#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
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
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| self.conn.pragma_update(None, "synchronous", "NORMAL"))
            .and_then(|()| self.conn.pragma_update(None, "foreign_keys", "ON"))
            .map_err(self.err())?;
        let path = self.path.clone();
        schema::migrate(&mut self.conn, found).map_err(|source| StoreError::Sqlite { path, source })
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    pub fn source(&self, path: &str) -> Result<Option<SourceRecord>, StoreError> {
        self.conn
            .query_row(
                "SELECT path, content_sha256, settings_hash, entry_count,
                        rejected_sha256, rejected_settings, rejected_message
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
                    Ok(SourceRecord {
                        path: r.get(0)?,
                        accepted,
                        entry_count: r.get(3)?,
                        rejected,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Replaces the entries of each source with its new version, all in one transaction.
    pub fn replace_sources(
        &mut self,
        versions: &[NewVersion<'_>],
        now: &str,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(wrap)?;
        for version in versions {
            let source_id: i64 = tx
                .query_row(
                    "INSERT INTO sources (path, content_sha256, settings_hash, imported_at, changed_at, entry_count, subtotal_rows)
                     VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)
                     ON CONFLICT (path) DO UPDATE SET
                        content_sha256 = excluded.content_sha256, settings_hash = excluded.settings_hash,
                        imported_at = excluded.imported_at, changed_at = excluded.changed_at,
                        entry_count = excluded.entry_count, subtotal_rows = excluded.subtotal_rows,
                        rejected_sha256 = NULL, rejected_settings = NULL, rejected_at = NULL, rejected_message = NULL
                     RETURNING id",
                    params![
                        version.path,
                        version.fingerprint.content,
                        version.fingerprint.settings,
                        now,
                        version.entries.len() as i64,
                        version.subtotal_rows as i64
                    ],
                    |r| r.get(0),
                )
                .map_err(wrap)?;
            tx.execute("DELETE FROM entries WHERE source_id = ?1", [source_id])
                .map_err(wrap)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO entries (source_id, line, sheet, fund, date, amount, voucher, memo)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(wrap)?;
            for e in version.entries {
                insert
                    .execute(params![
                        source_id,
                        e.line,
                        e.sheet,
                        e.fund,
                        e.date.to_string(),
                        e.amount.fen(),
                        e.voucher,
                        e.memo
                    ])
                    .map_err(wrap)?;
            }
        }
        tx.commit().map_err(wrap)
    }

    /// Remembers that a version of a source was rejected (its entries stay as they were).
    pub fn record_rejection(
        &mut self,
        path: &str,
        fingerprint: &Fingerprint,
        message: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sources (path, changed_at, rejected_sha256, rejected_settings, rejected_at, rejected_message)
                 VALUES (?1, ?2, ?3, ?4, ?2, ?5)
                 ON CONFLICT (path) DO UPDATE SET
                    changed_at = excluded.changed_at, rejected_sha256 = excluded.rejected_sha256,
                    rejected_settings = excluded.rejected_settings, rejected_at = excluded.rejected_at,
                    rejected_message = excluded.rejected_message, rejection_notified = 0",
                params![path, now, fingerprint.content, fingerprint.settings, message],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// Every fund's spending by day.
    pub fn daily_spend(&self) -> Result<HashMap<String, DailySpend>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT fund, date, SUM(amount) FROM entries GROUP BY fund, date")
            .map_err(self.err())?;
        let mut by_fund: HashMap<String, Vec<(NaiveDate, Money)>> = HashMap::new();
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, day(r, 1)?, r.get::<_, i64>(2)?))
            })
            .map_err(self.err())?;
        for row in rows {
            let (fund, date, fen) = row.map_err(self.err())?;
            by_fund
                .entry(fund)
                .or_default()
                .push((date, Money::from_fen(fen)));
        }
        Ok(by_fund
            .into_iter()
            .map(|(fund, days)| (fund, DailySpend::from_amounts(days)))
            .collect())
    }

    /// Number of entries in force per fund.
    pub fn entry_counts(&self) -> Result<HashMap<String, i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT fund, COUNT(*) FROM entries GROUP BY fund")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Entries of `path` that also appear (same fund, date, voucher, amount, memo) in another
    /// source, with that source's path and line.
    pub fn duplicates_elsewhere(
        &self,
        path: &str,
    ) -> Result<Vec<(Entry, String, u32)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.fund, a.date, a.amount, a.voucher, a.memo, a.line, a.sheet, sb.path, b.line
                 FROM entries a
                 JOIN sources sa ON sa.id = a.source_id AND sa.path = ?1
                 JOIN entries b ON b.fund = a.fund AND b.date = a.date AND b.amount = a.amount
                               AND b.voucher = a.voucher AND b.memo = a.memo AND b.source_id <> a.source_id
                 JOIN sources sb ON sb.id = b.source_id
                 ORDER BY a.line",
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

    /// Paths of every source the database holds entries for.
    pub fn source_paths(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT path FROM sources ORDER BY path")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        rows.map(|r| r.map(PathBuf::from))
            .collect::<Result<_, _>>()
            .map_err(self.err())
    }
}

/// Reads a `YYYY-MM-DD` column.
fn day(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<NaiveDate> {
    let text: String = row.get(index)?;
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
mod tests;
