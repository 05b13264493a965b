//! Ledger sources: what the database knows of each file (the version in force, the last
//! rejected one, its size and time), and whether it is in force.
//!
//! A source's entries are written by a [`SourceWriter`](super::SourceWriter) (`writer.rs`);
//! the spending they sum to is in `spending.rs`, the entries counted twice in `overlaps.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::spending::rebuild_funds_of;
use super::writer::entry_id;
use super::{Store, StoreError, moment_opt, stamp};
use crate::core::Money;
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
    /// In bytes.
    pub size: i64,
    /// Nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
}

/// What the database knows about a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// The absolute path, the source's key.
    pub path: String,
    /// The version in force; `None` if no version was ever accepted.
    pub accepted: Option<Fingerprint>,
    /// Size and time of the file when the version in force was last read or confirmed.
    pub meta: Option<SourceMeta>,
    /// Entries of the version in force.
    pub entry_count: i64,
    /// The last rejected version and why, if it is newer than the accepted one.
    pub rejected: Option<(Fingerprint, String)>,
    /// Where the reader cut the version in force into blocks (UTF-8 text files), as the
    /// reader encoded them: the store keeps these bytes and gives them back unread. Empty when
    /// none were kept.
    pub blocks: Vec<u8>,
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

/// A source's place in force, without what its entries sum to: all that settling the
/// sources at every read needs, from one row per source (an overview sums a row per source,
/// fund and day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    /// The absolute path, the source's key.
    pub path: String,
    /// `None` for sources recorded before schema 6 that no read has classified yet.
    pub origin: Option<Origin>,
    /// `None`: in force.
    pub withdrawn: Option<Withdrawn>,
    /// Entries of the version read last (in force or not).
    pub entries: i64,
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
    /// Why it was withdrawn, for people (`被 B.csv 取代`).
    pub withdrawn_note: Option<String>,
    /// Entries of the version read last (in force or not).
    pub entries: i64,
    /// Their sum, in 分.
    pub amount: Money,
    /// The day of its first entry.
    pub first_day: Option<NaiveDate>,
    /// The day of its last entry.
    pub last_day: Option<NaiveDate>,
    /// The funds its entries belong to, by id.
    pub funds: Vec<String>,
    /// When the accepted version was last read.
    pub read_at: Option<DateTime<Utc>>,
    /// When a new version (accepted or rejected) was last seen.
    pub changed_at: Option<DateTime<Utc>>,
    /// Why the newest version was rejected, if it was.
    pub rejected: Option<String>,
    /// When the file was first found missing on disk, if it is.
    pub missing_since: Option<DateTime<Utc>>,
    /// Whether any version was ever accepted.
    pub accepted: bool,
    /// The file's modification time when last read (ns since the epoch).
    pub mtime_ns: Option<i64>,
}

impl Store {
    /// What the database knows of the source at `path` (`None`: nothing).
    ///
    /// # Errors
    /// A database failure.
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
                    let blocks = r.get::<_, Option<Vec<u8>>>(9)?.unwrap_or_default();
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
    ///
    /// # Errors
    /// A database failure.
    pub fn touch_source(&mut self, path: &str, meta: SourceMeta) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE sources SET size = ?2, mtime_ns = ?3 WHERE path = ?1",
                params![path, meta.size, meta.mtime_ns],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// Remembers that a version of a source was rejected (its entries stay as they were). The
    /// same bytes rejected for the same reason again (read again under new settings, or under
    /// another hash after an upgrade: a SHA-256 before schema 3) is not news: the admin is not
    /// told again, and the file has not changed.
    ///
    /// # Errors
    /// A database failure.
    pub fn record_rejection(
        &mut self,
        path: &str,
        fingerprint: &Fingerprint,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sources (path, changed_at, rejected_hash, rejected_settings, rejected_at, rejected_message)
                 VALUES (?1, ?2, ?3, ?4, ?2, ?5)
                 ON CONFLICT (path) DO UPDATE SET
                    changed_at = CASE WHEN (sources.rejected_message = excluded.rejected_message AND (sources.rejected_hash NOT LIKE 'xxh3:%' OR sources.rejected_hash = excluded.rejected_hash)) THEN sources.changed_at ELSE excluded.changed_at END,
                    rejected_hash = excluded.rejected_hash,
                    rejected_settings = excluded.rejected_settings, rejected_at = excluded.rejected_at,
                    rejected_message = excluded.rejected_message,
                    rejection_notified = CASE WHEN (sources.rejected_message = excluded.rejected_message AND (sources.rejected_hash NOT LIKE 'xxh3:%' OR sources.rejected_hash = excluded.rejected_hash)) THEN sources.rejection_notified ELSE 0 END",
                params![path, stamp(now), fingerprint.content, fingerprint.settings, message],
            )
            .map(drop)
            .map_err(self.err())
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
        now: DateTime<Utc>,
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
                    params![path, kind, note, stamp(now)],
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
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = if missing {
            "UPDATE sources SET missing_since = ?2 WHERE path = ?1 AND missing_since IS NULL"
        } else {
            "UPDATE sources SET missing_since = NULL WHERE path = ?1 AND missing_since IS NOT NULL AND ?2 IS NOT NULL"
        };
        self.conn
            .execute(sql, params![path, stamp(now)])
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
                let (origin, withdrawn) = place(r)?;
                Ok(SourceOverview {
                    path: r.get(0)?,
                    origin,
                    withdrawn,
                    withdrawn_note: r.get(3)?,
                    entries: r.get(4)?,
                    read_at: moment_opt(r, 5)?,
                    changed_at: moment_opt(r, 6)?,
                    rejected: r.get(7)?,
                    missing_since: moment_opt(r, 8)?,
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

    /// Every source's place in force, by path, as in [`Store::source_overviews`].
    ///
    /// # Errors
    /// A database failure.
    pub fn source_states(&self) -> Result<Vec<SourceState>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT path, origin, withdrawn, entry_count FROM sources ORDER BY path")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                let (origin, withdrawn) = place(r)?;
                Ok(SourceState {
                    path: r.get(0)?,
                    origin,
                    withdrawn,
                    entries: r.get(3)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// What the entries of the source at `path` sum to, in 分 (zero when there is none).
    ///
    /// # Errors
    /// A database failure.
    pub fn source_amount(&self, path: &str) -> Result<Money, StoreError> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(d.amount), 0) FROM source_days d JOIN sources s ON s.id = d.source_id
                 WHERE s.path = ?1",
                [path],
                |r| r.get(0),
            )
            .map(Money::from_fen)
            .map_err(self.err())
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
}

/// A source's origin and force from columns 1 and 2 of a row (`origin`, `withdrawn`), as
/// [`Store::source_overviews`] and [`Store::source_states`] select them.
fn place(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Option<Origin>, Option<Withdrawn>)> {
    let origin = r.get::<_, Option<String>>(1)?;
    let withdrawn = r.get::<_, Option<String>>(2)?;
    Ok((
        origin.as_deref().and_then(Origin::from_key),
        withdrawn.as_deref().and_then(Withdrawn::from_key),
    ))
}
