//! Readings (完成值) in force, keyed by the file they came from, and the bookkeeping of those
//! files (`reading_sources`): which version of each is in force, which was rejected and
//! whether the admin was told.
//!
//! Kept apart from the ledger's sources: a file of readings changing is no news about the
//! ledger (the ledger's stale alert reads `sources.changed_at` only), and a reading is never
//! an entry. A version of a file replaces that file's readings as a whole, in one
//! transaction; a rejected one changes nothing but its record. An indicator's month is in
//! force through one file only (a unique index): the sync rejects a file whose readings
//! another file holds already, naming both.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Fingerprint, SourceMeta, Store, StoreError, stamp};
use crate::core::{Actual, Decimal, Judgement, Reading};
use crate::readings::Located;

/// What the database holds about one file of readings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadingSourceRecord {
    /// The fingerprint of the version in force, if one was accepted.
    pub accepted: Option<Fingerprint>,
    /// Its size and time when last looked at.
    pub meta: Option<SourceMeta>,
    /// Readings of the version in force.
    pub reading_count: i64,
    /// The last rejected version and its problems, until a newer version is accepted.
    pub rejected: Option<(Fingerprint, String)>,
}

/// An indicator's month held by another file already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldElsewhere {
    /// The indicator's id.
    pub indicator: String,
    /// The day of the reading in the other file.
    pub day: NaiveDate,
    /// The other file (its key: an absolute path).
    pub path: String,
    /// Where in it (`5`, `完成值:5`).
    pub location: String,
}

/// One file of readings, for `spendwatch indicators sources`-like listings and the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadingSourceOverview {
    /// Its key: an absolute path.
    pub path: String,
    /// Readings in force.
    pub readings: i64,
    /// When the version in force was read.
    pub imported_at: Option<String>,
    /// The problems of the last rejected version, if it is newer than the one in force.
    pub rejected: Option<String>,
}

impl Store {
    /// The record of the file of readings `path`, if it was ever seen.
    ///
    /// # Errors
    /// A database failure.
    pub fn reading_source(&self, path: &str) -> Result<Option<ReadingSourceRecord>, StoreError> {
        self.conn
            .query_row(
                "SELECT content_hash, settings_hash, size, mtime_ns, reading_count,
                        rejected_hash, rejected_settings, rejected_message
                 FROM reading_sources WHERE path = ?1",
                [path],
                |r| {
                    let fingerprint = |c: Option<String>, s: Option<String>| {
                        c.zip(s)
                            .map(|(content, settings)| Fingerprint { content, settings })
                    };
                    let size: Option<i64> = r.get(2)?;
                    let mtime: Option<i64> = r.get(3)?;
                    let rejected =
                        fingerprint(r.get(5)?, r.get(6)?).zip(r.get::<_, Option<String>>(7)?);
                    Ok(ReadingSourceRecord {
                        accepted: fingerprint(r.get(0)?, r.get(1)?),
                        meta: size
                            .zip(mtime)
                            .map(|(size, mtime_ns)| SourceMeta { size, mtime_ns }),
                        reading_count: r.get(4)?,
                        rejected,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Records that the version in force of `path` now has size and time `meta` (a file
    /// touched or copied without changing its bytes).
    ///
    /// # Errors
    /// A database failure.
    pub fn touch_reading_source(&mut self, path: &str, meta: SourceMeta) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE reading_sources SET size = ?2, mtime_ns = ?3 WHERE path = ?1",
                params![path, meta.size, meta.mtime_ns],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// The indicator-months among `keys` (indicator, day) that another file than `path` holds.
    ///
    /// # Errors
    /// A database failure.
    pub fn readings_held_elsewhere(
        &self,
        path: &str,
        keys: &[(String, NaiveDate)],
    ) -> Result<Vec<HeldElsewhere>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT r.day, s.path, r.location FROM readings r
                 JOIN reading_sources s ON s.id = r.source_id
                 WHERE r.indicator = ?1 AND r.month = ?2 AND s.path <> ?3",
            )
            .map_err(self.err())?;
        let mut out = Vec::new();
        for (indicator, day) in keys {
            let rows = stmt
                .query_map(params![indicator, month(*day), path], |r| {
                    Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(self.err())?;
            for row in rows {
                let (day, path, location) = row.map_err(self.err())?;
                out.push(HeldElsewhere {
                    indicator: indicator.clone(),
                    day: parse_day(&day)?,
                    path,
                    location,
                });
            }
        }
        Ok(out)
    }

    /// Makes `readings` the readings of `path` in force, replacing its previous version's, in
    /// one transaction; returns how many the previous version had.
    ///
    /// # Errors
    /// A database failure (an indicator's month held by another file among them); nothing
    /// changed.
    pub fn replace_readings(
        &mut self,
        path: &str,
        fingerprint: &Fingerprint,
        meta: Option<SourceMeta>,
        readings: &[Located],
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let now = stamp(now);
        self.atomically(true, |store| {
            let err = store.err();
            let conn = &store.conn;
            conn.execute(
                "INSERT INTO reading_sources (path) VALUES (?1) ON CONFLICT (path) DO NOTHING",
                [path],
            )
            .map_err(&err)?;
            let (id, previous): (i64, i64) = conn
                .query_row(
                    "SELECT id, reading_count FROM reading_sources WHERE path = ?1",
                    [path],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(&err)?;
            conn.execute("DELETE FROM readings WHERE source_id = ?1", [id])
                .map_err(&err)?;
            let mut insert = conn
                .prepare_cached(
                    "INSERT INTO readings
                     (source_id, location, indicator, day, month, number, judgement, note)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(&err)?;
            for l in readings {
                let r = &l.reading;
                let (number, judgement) = match r.value {
                    Actual::Number(n) => (Some(n.to_string()), None),
                    Actual::Judgement(j) => (None, Some(j.as_str())),
                };
                insert
                    .execute(params![
                        id,
                        l.at,
                        r.indicator,
                        r.day.to_string(),
                        month(r.day),
                        number,
                        judgement,
                        r.note
                    ])
                    .map_err(&err)?;
            }
            conn.execute(
                "UPDATE reading_sources SET content_hash = ?2, settings_hash = ?3, size = ?4,
                        mtime_ns = ?5, imported_at = ?6, changed_at = ?6, reading_count = ?7,
                        rejected_hash = NULL, rejected_settings = NULL, rejected_at = NULL,
                        rejected_message = NULL, rejection_notified = 0
                 WHERE id = ?1",
                params![
                    id,
                    fingerprint.content,
                    fingerprint.settings,
                    meta.map(|m| m.size),
                    meta.map(|m| m.mtime_ns),
                    now,
                    i64::try_from(readings.len()).unwrap_or(i64::MAX)
                ],
            )
            .map_err(&err)?;
            Ok(previous)
        })
    }

    /// Records that this version of `path` was rejected with `report`; the readings in force
    /// stay. The same bytes rejected with the same report again (read again under new
    /// settings) is not news: the admin is not told again, and the file has not changed.
    ///
    /// # Errors
    /// A database failure.
    pub fn record_reading_rejection(
        &mut self,
        path: &str,
        fingerprint: &Fingerprint,
        report: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now = stamp(now);
        self.conn
            .execute(
                "INSERT INTO reading_sources (path) VALUES (?1) ON CONFLICT (path) DO NOTHING",
                [path],
            )
            .and_then(|_| {
                self.conn.execute(
                    // The same bytes rejected for the same reason (read again under new
                    // settings) is not news, as for ledger files.
                    "UPDATE reading_sources SET
                            changed_at = CASE WHEN rejected_hash = ?2 AND rejected_message = ?5
                                THEN changed_at ELSE ?4 END,
                            rejection_notified = CASE WHEN rejected_hash = ?2 AND rejected_message = ?5
                                THEN rejection_notified ELSE 0 END,
                            rejected_hash = ?2, rejected_settings = ?3,
                            rejected_at = ?4, rejected_message = ?5
                     WHERE path = ?1",
                    params![path, fingerprint.content, fingerprint.settings, now, report],
                )
            })
            .map(drop)
            .map_err(self.err())
    }

    /// Every reading in force, ordered by indicator, then day.
    ///
    /// # Errors
    /// A database failure, or a reading the database holds in a form this program never
    /// writes.
    pub fn readings(&self) -> Result<Vec<Reading>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT indicator, day, number, judgement, note FROM readings
                 ORDER BY indicator, day",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for row in rows {
            let (indicator, day, number, judgement, note) = row.map_err(self.err())?;
            let value = match (number, judgement) {
                (Some(n), None) => Decimal::parse(&n).ok().map(Actual::Number),
                (None, Some(j)) => Judgement::parse(&j).map(Actual::Judgement),
                _ => None,
            };
            let value = value.ok_or_else(|| {
                self.corrupt(format!(
                    "reading of {indicator} on {day} has no value it can read"
                ))
            })?;
            out.push(Reading {
                day: parse_day(&day)?,
                indicator,
                value,
                note,
            });
        }
        Ok(out)
    }

    /// Every file of readings the database knows, by path.
    ///
    /// # Errors
    /// A database failure.
    pub fn reading_sources(&self) -> Result<Vec<ReadingSourceOverview>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT path, reading_count, imported_at, rejected_message FROM reading_sources
                 ORDER BY path",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ReadingSourceOverview {
                    path: r.get(0)?,
                    readings: r.get(1)?,
                    imported_at: r.get(2)?,
                    rejected: r.get(3)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Rejected versions of files of readings the admin was not told about yet: the path, the
    /// problems, and the readings still in force (`None`: no version was ever accepted).
    ///
    /// # Errors
    /// A database failure.
    pub fn unnotified_reading_rejections(
        &self,
    ) -> Result<Vec<(String, String, Option<i64>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT path, rejected_message,
                        CASE WHEN content_hash IS NULL THEN NULL ELSE reading_count END
                 FROM reading_sources WHERE rejected_message IS NOT NULL AND rejection_notified = 0
                 ORDER BY path",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Withdraws the readings of every file of readings but `paths` (those the config names):
    /// returns each file withdrawn now and how many readings left force. The records of the
    /// files stay, so a file named again is read again.
    ///
    /// # Errors
    /// A database failure; nothing changed.
    pub fn withdraw_reading_sources_except(
        &mut self,
        paths: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let known: Vec<(i64, String, i64)> = {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT id, path, reading_count FROM reading_sources
                     WHERE content_hash IS NOT NULL ORDER BY path",
                )
                .map_err(self.err())?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(self.err())?;
            rows.collect::<Result<_, _>>().map_err(self.err())?
        };
        let gone: Vec<(i64, String, i64)> = known
            .into_iter()
            .filter(|(_, path, _)| !paths.contains(path))
            .collect();
        if gone.is_empty() {
            return Ok(Vec::new());
        }
        self.atomically(true, |store| {
            for (id, _, _) in &gone {
                store
                    .conn
                    .execute("DELETE FROM readings WHERE source_id = ?1", [id])
                    .and_then(|_| {
                        // Forgetting the version read makes the file read again if named again.
                        store.conn.execute(
                            "UPDATE reading_sources SET content_hash = NULL, settings_hash = NULL,
                                    reading_count = 0 WHERE id = ?1",
                            [id],
                        )
                    })
                    .map_err(store.err())?;
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(gone.into_iter().map(|(_, path, n)| (path, n)).collect())
    }

    fn corrupt(&self, detail: String) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            detail,
        }
    }
}

/// `YYYY-MM`: the month an indicator's reading is counted once in.
fn month(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

fn parse_day(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| StoreError::Corrupt {
        path: String::new(),
        detail: format!("reading day {text:?} is not a date"),
    })
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::super::schema;
    use super::*;

    fn located(indicator: &str, day: &str, value: Actual, at: &str) -> Located {
        Located {
            reading: Reading {
                indicator: indicator.to_owned(),
                day: NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("day"),
                value,
                note: None,
            },
            at: at.to_owned(),
        }
    }

    fn fp(content: &str) -> Fingerprint {
        Fingerprint {
            content: content.to_owned(),
            settings: "s".to_owned(),
        }
    }

    fn number(text: &str) -> Actual {
        Actual::Number(Decimal::parse(text).expect("number"))
    }

    /// Schema 8 adds the tables of readings: a version-7 database (the version-6 fixture,
    /// written by that release with the samples imported and the June alert sent, migrated
    /// to 7) keeps every row, and the ledger's last change is not moved by a file of readings.
    #[test]
    fn a_version_7_database_migrates_with_everything_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v7.db");
        std::fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/schema/v6.db"),
            &path,
        )
        .expect("copy fixture");
        let tables = ["sources", "entries", "alerts", "alert_events", "outbox"];
        let counts = |conn: &Connection| -> Vec<i64> {
            tables
                .iter()
                .map(|t| {
                    conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                        .expect("count")
                })
                .collect()
        };
        let before = {
            let mut conn = Connection::open(&path).expect("open");
            schema::migrate_to(&mut conn, 6, 7).expect("migrate to 7");
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .expect("version");
            assert_eq!(version, 7);
            counts(&conn)
        };
        assert!(before.iter().all(|n| *n > 0), "{before:?}");
        let mut store = Store::open(&path).expect("migrate to current");
        assert_eq!(
            store.schema_version().expect("version"),
            schema::SCHEMA_VERSION
        );
        assert_eq!(counts(&store.conn), before);
        let last_change = store.last_source_change().expect("last change");
        let now = DateTime::parse_from_rfc3339("2025-08-05T00:00:00Z")
            .expect("time")
            .to_utc();
        store
            .replace_readings(
                "/r.csv",
                &fp("r1"),
                None,
                &[located("posts", "2025-07-31", number("2"), "3")],
                now,
            )
            .expect("readings");
        assert_eq!(store.readings().expect("readings").len(), 1);
        assert_eq!(
            store.last_source_change().expect("last change"),
            last_change
        );
        assert_eq!(counts(&store.conn), before);
    }

    #[test]
    fn a_new_version_replaces_its_files_readings_and_a_month_is_held_once() {
        let mut store = Store::open_in_memory().expect("store");
        let now = Utc::now();
        let v1 = [
            located("posts", "2025-07-31", number("2"), "3"),
            located(
                "jiping-posts",
                "2025-12-31",
                Actual::Judgement(Judgement::Achieved),
                "4",
            ),
        ];
        assert_eq!(
            store
                .replace_readings("/a.csv", &fp("a1"), None, &v1, now)
                .expect("v1"),
            0
        );
        let v2 = [located("posts", "2025-07-15", number("3.5"), "3")];
        assert_eq!(
            store
                .replace_readings("/a.csv", &fp("a2"), None, &v2, now)
                .expect("v2"),
            2
        );
        let readings = store.readings().expect("readings");
        assert_eq!(readings.len(), 1);
        assert_eq!(readings[0].value, number("3.5"));
        assert_eq!(readings[0].day.to_string(), "2025-07-15");
        // Another file's July of `posts` is held by /a.csv; August is free.
        let keys = [
            (
                "posts".to_owned(),
                NaiveDate::from_ymd_opt(2025, 7, 31).expect("day"),
            ),
            (
                "posts".to_owned(),
                NaiveDate::from_ymd_opt(2025, 8, 31).expect("day"),
            ),
        ];
        let held = store
            .readings_held_elsewhere("/b.csv", &keys)
            .expect("held");
        assert_eq!(
            held,
            [HeldElsewhere {
                indicator: "posts".into(),
                day: NaiveDate::from_ymd_opt(2025, 7, 15).expect("day"),
                path: "/a.csv".into(),
                location: "3".into(),
            }]
        );
        assert!(
            store
                .readings_held_elsewhere("/a.csv", &keys)
                .expect("held")
                .is_empty()
        );
        // Written anyway, the database refuses it, and nothing of the version changes.
        let twice = [
            located("posts", "2025-08-31", number("1"), "2"),
            located("posts", "2025-07-31", number("1"), "3"),
        ];
        assert!(
            store
                .replace_readings("/b.csv", &fp("b1"), None, &twice, now)
                .is_err()
        );
        assert_eq!(store.readings().expect("readings").len(), 1);
        assert_eq!(store.reading_source("/b.csv").expect("record"), None);
        // A rejection keeps what is in force and is told once.
        store
            .record_reading_rejection("/a.csv", &fp("a3"), "a.csv:2: 坏", now)
            .expect("rejected");
        assert_eq!(store.readings().expect("readings").len(), 1);
        let told = store.unnotified_reading_rejections().expect("rejections");
        assert_eq!(
            told,
            [("/a.csv".to_owned(), "a.csv:2: 坏".to_owned(), Some(1))]
        );
        // Told by the check that emails it, in the check's own transaction.
        let day = chrono::NaiveDate::from_ymd_opt(2025, 8, 5).expect("day");
        store
            .record_check(&crate::store::CheckRecord {
                check_day: day,
                now,
                send_from: now,
                decisions: &[],
                emails: &[],
                rejections_notified: &[],
                reading_rejections_notified: &["/a.csv".to_owned()],
                notices_sent: &[],
                notices_cleared: &[],
                force_notices_sent: &[],
                explanations_ended: &[],
            })
            .expect("told");
        assert!(
            store
                .unnotified_reading_rejections()
                .expect("rejections")
                .is_empty()
        );
        // The same bytes rejected for the same reason under new settings are not told again;
        // another reason is.
        let resettled = Fingerprint {
            content: "a3".into(),
            settings: "other".into(),
        };
        store
            .record_reading_rejection("/a.csv", &resettled, "a.csv:2: 坏", now)
            .expect("rejected");
        assert!(
            store
                .unnotified_reading_rejections()
                .expect("rejections")
                .is_empty()
        );
        store
            .record_reading_rejection("/a.csv", &resettled, "a.csv:3: 坏", now)
            .expect("rejected");
        assert_eq!(
            store
                .unnotified_reading_rejections()
                .expect("rejections")
                .len(),
            1
        );
        // A file the config no longer names leaves force.
        assert_eq!(
            store
                .withdraw_reading_sources_except(&[])
                .expect("withdrawn"),
            [("/a.csv".to_owned(), 1)]
        );
        assert!(store.readings().expect("readings").is_empty());
    }
}
