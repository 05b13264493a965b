//! Alert states, their history, and the record of one check: states and emails written in one
//! transaction (the outbox pattern), so an alert change is never without its email or the
//! other way round.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, day, moment, moment_opt, stamp};
use crate::core::{AlertKey, AlertKind, AlertState, AlertStatus, Decision, EndCause, Level};

/// An email to put in the outbox, with the alerts it announces.
#[derive(Debug)]
pub struct EmailRecord<'a> {
    /// Its `Message-ID` header.
    pub message_id: &'a str,
    /// Its subject, for `spendwatch outbox`.
    pub subject: &'a str,
    /// The SMTP envelope's sender.
    pub envelope_from: &'a str,
    /// The SMTP envelope's recipients, as addresses.
    pub envelope_to: &'a [String],
    /// The whole message, as it is sent.
    pub raw: &'a [u8],
    /// The alerts whose change it tells (their history points at it).
    pub announces: Vec<AlertKey>,
}

/// Everything one check changes.
#[derive(Debug)]
pub struct CheckRecord<'a> {
    /// The day the check evaluated.
    pub check_day: NaiveDate,
    /// The moment recorded in the history.
    pub now: DateTime<Utc>,
    /// When the new emails may first be sent.
    pub send_from: DateTime<Utc>,
    /// The alerts' new states and why.
    pub decisions: &'a [Decision],
    /// The emails to queue.
    pub emails: &'a [EmailRecord<'a>],
    /// Sources whose rejected version the admin is now told about.
    pub rejections_notified: &'a [String],
    /// Files of readings whose rejected version is now told about.
    pub reading_rejections_notified: &'a [String],
    /// The keys of the one-time notices sent now (`nomatch:…`, `missing:…`, `overlap:…`,
    /// `nodata:…`): remembered, so they are not told again while their condition holds.
    pub notices_sent: &'a [String],
    /// The keys of one-time notices whose condition ended: forgotten, so they are told again
    /// if it returns.
    pub notices_cleared: &'a [String],
    /// The ids of the force notices ([`Store::force_notices`]) emailed now.
    pub force_notices_sent: &'a [i64],
    /// The explanations ([`Store::explanations`]) that end with this check, by id, and why
    /// (the lag alerts they cover ended by catching up, or a later one took over): they are no
    /// longer in force from `check_day` on. One already ended keeps its end.
    pub explanations_ended: &'a [(i64, EndCause)],
}

/// An alert as `spendwatch alerts` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    /// Which alert.
    pub key: AlertKey,
    /// Its state after the last check that changed it.
    pub state: AlertState,
    /// When that check ran.
    pub updated_at: DateTime<Utc>,
}

/// One line of alert history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEvent {
    /// The day the check evaluated.
    pub check_day: NaiveDate,
    /// Which alert.
    pub key: AlertKey,
    /// Why it changed (`first`, `repeat`, `resolved`, `replaced`, …).
    pub reason: String,
    /// Its status after the change (`firing` or `resolved`).
    pub status: String,
    /// Its level after the change (the highest announced in its firing episode); `None` for
    /// `over_budget`, `stale`, and for changes recorded before levels existed that were not
    /// firing.
    pub level: Option<Level>,
    /// The email that announced it, if any.
    pub outbox_id: Option<i64>,
}

/// The `milestone` column: the milestone's day, or the indicator's id for the indicator
/// kinds (the key's third part, so the table keeps its shape), or empty.
fn milestone_text(key: &AlertKey) -> String {
    match (&key.indicator, key.milestone) {
        (Some(id), _) => id.clone(),
        (None, Some(d)) => d.to_string(),
        (None, None) => String::new(),
    }
}

fn key_of(row: &rusqlite::Row<'_>, fund: usize) -> rusqlite::Result<AlertKey> {
    let milestone: String = row.get(fund + 1)?;
    let kind: String = row.get(fund + 2)?;
    let kind = AlertKind::parse(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            fund + 2,
            rusqlite::types::Type::Text,
            format!("unknown alert kind {kind:?}").into(),
        )
    })?;
    let (milestone, indicator) = if kind.is_indicator() {
        (None, Some(milestone))
    } else if milestone.is_empty() {
        (None, None)
    } else {
        (Some(day(row, fund + 1)?), None)
    };
    Ok(AlertKey {
        fund: row.get(fund)?,
        milestone,
        kind,
        indicator,
    })
}

/// An alert's state from the columns `status, since, last_sent, level, level_since,
/// escalated` starting at `first`.
fn state_of(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<AlertState> {
    let status: String = row.get(first)?;
    Ok(AlertState {
        status: if status == "firing" {
            AlertStatus::Firing
        } else {
            AlertStatus::Resolved
        },
        since: day(row, first + 1)?,
        last_sent: day(row, first + 2)?,
        level: level_of(row, first + 3)?,
        level_since: day(row, first + 4)?,
        escalated: row.get(first + 5)?,
    })
}

/// A level column: `yellow`, `orange`, `red` or NULL.
fn level_of(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<Level>> {
    match row.get_ref(index)?.as_str_or_null()? {
        None => Ok(None),
        Some(text) => Level::parse(text).map(Some).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                format!("unknown alert level {text:?}").into(),
            )
        }),
    }
}

/// Puts one email in the outbox (`day`: the as-of day that made it; `now`: the moment
/// recorded); returns its id.
pub(super) fn insert_email(
    tx: &rusqlite::Connection,
    email: &EmailRecord<'_>,
    day: &str,
    now: &str,
    send_from: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    tx.query_row(
        "INSERT INTO outbox (created_at, check_day, message_id, subject, envelope_from, envelope_to, raw, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        params![
            now,
            day,
            email.message_id,
            email.subject,
            email.envelope_from,
            email.envelope_to.join("\n"),
            email.raw,
            send_from.timestamp()
        ],
        |r| r.get(0),
    )
}

/// A line of alert history from the columns `check_day, fund, milestone, kind, reason,
/// status, outbox_id, level`.
pub(super) fn event_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertEvent> {
    Ok(AlertEvent {
        check_day: day(r, 0)?,
        key: key_of(r, 1)?,
        reason: r.get(4)?,
        status: r.get(5)?,
        outbox_id: r.get(6)?,
        level: level_of(r, 7)?,
    })
}

/// Puts a check's emails in the outbox; returns their ids, and which one announces each alert.
fn queue_emails<'r>(
    tx: &rusqlite::Connection,
    record: &'r CheckRecord<'_>,
    day: &str,
    now: &str,
) -> rusqlite::Result<(Vec<i64>, HashMap<&'r AlertKey, i64>)> {
    let mut ids = Vec::with_capacity(record.emails.len());
    let mut announced_in = HashMap::new();
    for email in record.emails {
        let id = insert_email(tx, email, day, now, record.send_from)?;
        ids.push(id);
        for key in &email.announces {
            announced_in.insert(key, id);
        }
    }
    Ok((ids, announced_in))
}

/// Writes an alert's new state and its line of history (`day` and `now`: the check's day and
/// moment; `outbox_id`: the email that announces it).
fn record_decision(
    tx: &rusqlite::Connection,
    d: &Decision,
    day: &str,
    now: &str,
    outbox_id: Option<i64>,
) -> rusqlite::Result<()> {
    let milestone = milestone_text(&d.key);
    let level = d.next.level.map(Level::as_str);
    tx.execute(
        "INSERT INTO alerts (fund, milestone, kind, status, since, last_sent, updated_at, level,
                             level_since, escalated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (fund, milestone, kind) DO UPDATE SET
            status = excluded.status, since = excluded.since,
            last_sent = excluded.last_sent, updated_at = excluded.updated_at,
            level = excluded.level, level_since = excluded.level_since,
            escalated = excluded.escalated",
        params![
            d.key.fund,
            milestone,
            d.key.kind.as_str(),
            d.next.status.as_str(),
            d.next.since.to_string(),
            d.next.last_sent.to_string(),
            now,
            level,
            d.next.level_since.to_string(),
            d.next.escalated
        ],
    )?;
    tx.execute(
        "INSERT INTO alert_events (check_day, at, fund, milestone, kind, reason, status, outbox_id,
                                   level)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            day,
            now,
            d.key.fund,
            milestone,
            d.key.kind.as_str(),
            d.reason.as_str(),
            d.next.status.as_str(),
            outbox_id,
            level
        ],
    )?;
    Ok(())
}

impl Store {
    /// The state of every alert ever raised (resolved ones too), by key: what the core's rules
    /// decide against.
    ///
    /// # Errors
    /// A database failure.
    pub fn alert_states(&self) -> Result<HashMap<AlertKey, AlertState>, StoreError> {
        Ok(self
            .alert_rows()?
            .into_iter()
            .map(|r| (r.key, r.state))
            .collect())
    }

    /// Every alert with its state, firing ones first.
    ///
    /// # Errors
    /// A database failure.
    pub fn alert_rows(&self) -> Result<Vec<AlertRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT fund, milestone, kind, status, since, last_sent, level, level_since,
                        escalated, updated_at FROM alerts
                 ORDER BY status = 'resolved', fund, milestone, kind",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AlertRow {
                    key: key_of(r, 0)?,
                    state: state_of(r, 3)?,
                    updated_at: moment(r, 9)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The latest `limit` history events, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub fn alert_events(&self, limit: usize) -> Result<Vec<AlertEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT check_day, fund, milestone, kind, reason, status, outbox_id, level FROM
                   (SELECT * FROM alert_events ORDER BY id DESC LIMIT ?1) ORDER BY id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([limit as i64], event_of)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Writes a check's alert changes (with their levels), history, emails and the ends of the
    /// explanations it found caught up, in one transaction; returns the ids of the new outbox
    /// rows, in the order of `record.emails`.
    ///
    /// # Errors
    /// A database failure; nothing of the record is kept.
    pub fn record_check(&mut self, record: &CheckRecord<'_>) -> Result<Vec<i64>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.savepoint().map_err(wrap)?;
        let day = record.check_day.to_string();
        let now = stamp(record.now);
        let (ids, announced_in) = queue_emails(&tx, record, &day, &now).map_err(wrap)?;
        for d in record.decisions {
            let outbox_id = announced_in.get(&d.key).copied();
            record_decision(&tx, d, &day, &now, outbox_id).map_err(wrap)?;
        }
        for source in record.rejections_notified {
            tx.execute(
                "UPDATE sources SET rejection_notified = 1 WHERE path = ?1",
                [source],
            )
            .map_err(wrap)?;
        }
        for path in record.reading_rejections_notified {
            tx.execute(
                "UPDATE reading_sources SET rejection_notified = 1 WHERE path = ?1",
                [path],
            )
            .map_err(wrap)?;
        }
        for key in record.notices_sent {
            tx.execute(
                "INSERT INTO notices (key, since) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                [key.as_str(), now.as_str()],
            )
            .map_err(wrap)?;
        }
        for id in record.force_notices_sent {
            tx.execute("DELETE FROM force_notices WHERE id = ?1", [id])
                .map_err(wrap)?;
        }
        for key in record.notices_cleared {
            tx.execute("DELETE FROM notices WHERE key = ?1", [key])
                .map_err(wrap)?;
        }
        for &(id, cause) in record.explanations_ended {
            super::explanations::end(&tx, id, record.check_day, cause).map_err(wrap)?;
        }
        tx.commit().map_err(wrap)?;
        Ok(ids)
    }

    /// Remembers a change of force of the source shown as `file` (`what`: in words) for the
    /// next check to email to the admin, whichever command's read found it.
    ///
    /// # Errors
    /// A database failure.
    pub fn queue_force_notice(
        &mut self,
        file: &str,
        what: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO force_notices (file, what, at) VALUES (?1, ?2, ?3)",
                [file, what, &stamp(now)],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// The changes of force not yet emailed: (id, file, what), oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub fn force_notices(&self) -> Result<Vec<(i64, String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, file, what FROM force_notices ORDER BY id")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The keys of the one-time notices already sent whose condition still held at the last
    /// check.
    ///
    /// # Errors
    /// A database failure.
    pub fn notice_keys(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key FROM notices")
            .map_err(self.err())?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Rejected source versions the admin has not been told about: (path, problems, entries
    /// of the version in force — `None` when no version of the source was ever accepted).
    ///
    /// # Errors
    /// A database failure.
    pub fn unnotified_rejections(&self) -> Result<Vec<(String, String, Option<i64>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT path, rejected_message,
                        CASE WHEN content_hash IS NULL THEN NULL ELSE entry_count END
                 FROM sources WHERE rejected_message IS NOT NULL AND rejection_notified = 0
                 ORDER BY path",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// When a ledger source in force last changed (a new version, accepted or rejected). A
    /// superseded or unconfigured file re-saved is no news about the data in force.
    ///
    /// # Errors
    /// A database failure.
    pub fn last_source_change(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.conn
            .query_row(
                "SELECT MAX(changed_at) FROM sources WHERE withdrawn IS NULL",
                [],
                |r| moment_opt(r, 0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(self.err())
    }
}
