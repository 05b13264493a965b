//! The monthly digests (月度通报) sent, one per period, and the alert history of a period.
//!
//! A digest's email and its period's row are written in one transaction: a crash before it
//! leaves nothing (the next start makes the digest again), a crash after it leaves the email in
//! the outbox, delivered later and never composed twice.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::alerts::{AlertEvent, EmailRecord, event_of, insert_email};
use super::{Store, StoreError, day, moment, stamp};
use crate::core::digest::Period;

/// A digest to record with its email.
#[derive(Debug)]
pub struct DigestRecord<'a> {
    /// The month it reports.
    pub period: Period,
    /// The as-of day it was made on (the outbox's `check_day`).
    pub made_on: NaiveDate,
    /// The moment recorded.
    pub now: DateTime<Utc>,
    /// When its email may first be sent.
    pub send_from: DateTime<Utc>,
    /// Its email.
    pub email: &'a EmailRecord<'a>,
    /// Whether to make it again when the period was sent already (`digest --force`).
    pub replace: bool,
}

/// A digest sent, as the database keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRow {
    /// The month it reports.
    pub period: Period,
    /// The day it was made on.
    pub made_on: NaiveDate,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Its subject line.
    pub subject: String,
    /// Its email in the outbox.
    pub outbox_id: Option<i64>,
    /// How many times it was made again by hand.
    pub forced: i64,
}

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<DigestRow> {
    let key: String = r.get(0)?;
    let period = Period::parse_key(&key).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("{key:?} is not a YYYY-MM period").into(),
        )
    })?;
    Ok(DigestRow {
        period,
        made_on: day(r, 1)?,
        created_at: moment(r, 2)?,
        subject: r.get(3)?,
        outbox_id: r.get(4)?,
        forced: r.get(5)?,
    })
}

impl Store {
    /// Queues a digest's email and records its period as sent, in one transaction; returns
    /// the outbox id, or `None` when the period was sent already and `record.replace` is
    /// false (then nothing is written).
    ///
    /// # Errors
    /// A database failure; nothing of the record is kept.
    pub fn record_digest(&mut self, record: &DigestRecord<'_>) -> Result<Option<i64>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(wrap)?;
        let key = record.period.key();
        let made_on = record.made_on.to_string();
        let now = stamp(record.now);
        let sent_before: bool = tx
            .query_row(
                "SELECT 1 FROM digests WHERE period = ?1",
                [&key],
                |_| Ok(()),
            )
            .optional()
            .map_err(wrap)?
            .is_some();
        if sent_before && !record.replace {
            return Ok(None);
        }
        let id = insert_email(&tx, record.email, &made_on, &now, record.send_from).map_err(wrap)?;
        tx.execute(
            "INSERT INTO digests (period, made_on, created_at, subject, outbox_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (period) DO UPDATE SET
                made_on = excluded.made_on, created_at = excluded.created_at,
                subject = excluded.subject, outbox_id = excluded.outbox_id,
                forced = forced + 1",
            params![key, made_on, now, record.email.subject, id],
        )
        .map_err(wrap)?;
        tx.commit().map_err(wrap)?;
        Ok(Some(id))
    }

    /// The digest of `period`, if it was sent.
    ///
    /// # Errors
    /// A database failure.
    pub fn digest_of(&self, period: Period) -> Result<Option<DigestRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT period, made_on, created_at, subject, outbox_id, forced FROM digests
                 WHERE period = ?1",
                [period.key()],
                row_of,
            )
            .optional()
            .map_err(self.err())
    }

    /// Every digest sent, oldest period first.
    ///
    /// # Errors
    /// A database failure.
    pub fn digests(&self) -> Result<Vec<DigestRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT period, made_on, created_at, subject, outbox_id, forced FROM digests
                 ORDER BY period",
            )
            .map_err(self.err())?;
        let rows = stmt.query_map([], row_of).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The alert history of the checks whose day is within `first ..= last`, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub fn alert_events_between(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<AlertEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT check_day, fund, milestone, kind, reason, status, outbox_id, level
                 FROM alert_events WHERE check_day BETWEEN ?1 AND ?2 ORDER BY id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([first.to_string(), last.to_string()], event_of)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}
