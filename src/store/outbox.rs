//! The outbox: emails waiting to be delivered, claimed one at a time with a lease.
//!
//! A sender claims a row (the lease keeps a second sender off it), sends, then marks it sent,
//! reschedules it after a transient failure, or marks it failed. Leases are released at start,
//! so after a crash only the message that was in flight can be sent twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, moment, moment_opt, stamp, unix_moment};

/// A message claimed for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The outbox id (`#N`).
    pub id: i64,
    /// Its `Message-ID` header.
    pub message_id: String,
    /// Its subject, for the delivery log.
    pub subject: String,
    /// The SMTP envelope's sender.
    pub envelope_from: String,
    /// The SMTP envelope's recipients, as addresses.
    pub envelope_to: Vec<String>,
    /// The whole message, as it is sent.
    pub raw: Vec<u8>,
    /// Attempts including this one.
    pub attempt: i64,
}

/// A row as `spendwatch outbox` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The outbox id (`#N` in the log and in `spendwatch outbox`).
    pub id: i64,
    /// When the check that wrote it ran.
    pub created_at: DateTime<Utc>,
    /// Its subject, in Chinese as sent.
    pub subject: String,
    /// The recipients.
    pub envelope_to: Vec<String>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When it may next be tried (pending messages).
    pub next_attempt_at: DateTime<Utc>,
    /// As the mail library or the server put it.
    pub last_error: Option<String>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
}

fn split_addresses(text: String) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

impl Store {
    /// Releases every lease: called at start, when no sender of ours can be running. Returns
    /// how many messages were leased (in flight when the last sender stopped).
    ///
    /// # Errors
    /// A database failure.
    pub fn release_leases(&mut self) -> Result<usize, StoreError> {
        self.conn
            .execute("UPDATE outbox SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL", [])
            .map_err(self.err())
    }

    /// Claims the oldest pending message that is due at `now` and not leased, leasing it for
    /// `lease` (whole seconds).
    ///
    /// # Errors
    /// A database failure.
    pub fn claim_next(
        &mut self,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Option<Claimed>, StoreError> {
        let lease_secs = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX / 2);
        self.conn
            .query_row(
                "UPDATE outbox SET lease_until = ?1 + ?2, attempts = attempts + 1
                 WHERE id = (SELECT id FROM outbox
                             WHERE status = 'pending' AND next_attempt_at <= ?1
                               AND (lease_until IS NULL OR lease_until < ?1)
                             ORDER BY next_attempt_at, id LIMIT 1)
                 RETURNING id, message_id, subject, envelope_from, envelope_to, raw, attempts",
                params![now.timestamp(), lease_secs],
                |r| {
                    Ok(Claimed {
                        id: r.get(0)?,
                        message_id: r.get(1)?,
                        subject: r.get(2)?,
                        envelope_from: r.get(3)?,
                        envelope_to: split_addresses(r.get(4)?),
                        raw: r.get(5)?,
                        attempt: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Marks message `id` sent at `now`.
    ///
    /// # Errors
    /// A database failure.
    pub fn mark_sent(&mut self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?2, lease_until = NULL, last_error = NULL WHERE id = ?1",
                params![id, stamp(now)],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// After a transient failure: try again at `retry_at` (whole seconds).
    ///
    /// # Errors
    /// A database failure.
    pub fn reschedule(
        &mut self,
        id: i64,
        retry_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET next_attempt_at = ?2, lease_until = NULL, last_error = ?3 WHERE id = ?1",
                params![id, retry_at.timestamp(), error],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// After the server did not answer at all: every other pending message due before
    /// `retry_at` (and not leased) waits until then too, without counting an attempt, so an
    /// outage costs one connection attempt per backoff rather than one per queued message.
    /// Returns how many of them were due at `now`.
    ///
    /// # Errors
    /// A database failure.
    pub fn postpone_due(
        &mut self,
        now: DateTime<Utc>,
        retry_at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let (now, retry_at) = (now.timestamp(), retry_at.timestamp());
        let lease_free = "status = 'pending' AND (lease_until IS NULL OR lease_until < ?1)";
        let due_now: i64 = self
            .conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM outbox WHERE {lease_free} AND next_attempt_at <= ?1"
                ),
                params![now],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        self.conn
            .execute(
                &format!(
                    "UPDATE outbox SET next_attempt_at = ?2 WHERE {lease_free} AND next_attempt_at < ?2"
                ),
                params![now, retry_at],
            )
            .map_err(self.err())?;
        Ok(usize::try_from(due_now).unwrap_or(0))
    }

    /// After a permanent failure: kept, shown by `spendwatch outbox`, re-queued by `--retry`.
    /// `error` is recorded as the message's last error.
    ///
    /// # Errors
    /// A database failure.
    pub fn mark_failed(&mut self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = ?2 WHERE id = ?1",
                params![id, error],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// Puts failed messages back in the queue and makes every waiting message due at `now`
    /// (an administrator who fixed the cause wants them sent, not after the backoff); returns
    /// how many failed messages were re-queued.
    ///
    /// # Errors
    /// A database failure.
    pub fn requeue_failed(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let requeued = self
            .conn
            .execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, lease_until = NULL WHERE status = 'failed'",
                [],
            )
            .map_err(self.err())?;
        self.conn
            .execute("UPDATE outbox SET next_attempt_at = ?1 WHERE status = 'pending' AND next_attempt_at > ?1", [now.timestamp()])
            .map_err(self.err())?;
        Ok(requeued)
    }

    /// Messages not yet sent (pending and failed), oldest first, and the `recent` last sent ones.
    ///
    /// # Errors
    /// A database failure.
    pub fn outbox_rows(&self, recent: usize) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, created_at, subject, envelope_to, status, attempts, next_attempt_at, last_error, sent_at
                 FROM outbox
                 WHERE status <> 'sent' OR id IN (SELECT id FROM outbox WHERE status = 'sent' ORDER BY id DESC LIMIT ?1)
                 ORDER BY id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([recent as i64], |r| {
                Ok(OutboxRow {
                    id: r.get(0)?,
                    created_at: moment(r, 1)?,
                    subject: r.get(2)?,
                    envelope_to: split_addresses(r.get(3)?),
                    status: r.get(4)?,
                    attempts: r.get(5)?,
                    next_attempt_at: unix_moment(r, 6)?,
                    last_error: r.get(7)?,
                    sent_at: moment_opt(r, 8)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// When the next pending message is due, if any.
    ///
    /// # Errors
    /// A database failure.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.conn
            .query_row(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'",
                [],
                |r| match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Null => Ok(None),
                    _ => unix_moment(r, 0).map(Some),
                },
            )
            .map_err(self.err())
    }

    /// Starts a transaction that [`Store::rollback_dry_run`] undoes: a dry run does everything
    /// a real check does, then leaves no trace.
    ///
    /// # Errors
    /// A database failure, or [`StoreError::Sqlite`] (busy) when another process holds the
    /// write lock for longer than the busy timeout.
    pub fn begin_dry_run(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(self.err())
    }

    /// Undoes everything since [`Store::begin_dry_run`].
    ///
    /// # Errors
    /// A database failure.
    pub fn rollback_dry_run(&mut self) -> Result<(), StoreError> {
        // After some errors (a full disk) SQLite has rolled back already.
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn.execute_batch("ROLLBACK").map_err(self.err())
    }
}
