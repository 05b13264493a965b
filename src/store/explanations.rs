//! 情况说明 as the database keeps them: recorded by `spendwatch explain`, withdrawn by
//! `spendwatch explain --withdraw`, ended by the check that finds the fund caught up
//! ([`CheckRecord::explanations_ended`](super::CheckRecord::explanations_ended)).
//!
//! Nothing is deleted: an explanation that ended keeps its text, with the first day it was no
//! longer in force and why, so a season replayed with `check --as-of` sees each one in force
//! exactly on the days it was.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError, day, moment, stamp};
use crate::core::{EndCause, Explanation, ExplanationReason};

/// A 情况说明 to record ([`Store::record_explanation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewExplanation<'a> {
    /// The fund's id.
    pub fund: &'a str,
    /// The milestone it is about; `None`: every lag alert of the fund.
    pub milestone: Option<NaiveDate>,
    /// The cause.
    pub reason: ExplanationReason,
    /// What happened and what is being done, as written.
    pub text: &'a str,
    /// The day it is recorded on and in force from.
    pub day: NaiveDate,
    /// The last day it is in force; `None`: until it is withdrawn or the fund catches up.
    /// Not before `day`.
    pub until: Option<NaiveDate>,
    /// The OS user who records it.
    pub user: &'a str,
}

/// An explanation with the moment it was written to the database (its `day` may be another
/// one: `--as-of`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplanationRecord {
    /// The explanation.
    pub explanation: Explanation,
    /// When `spendwatch explain` wrote it.
    pub created_at: DateTime<Utc>,
}

/// Why [`Store::withdraw_explanation`] withdrew nothing. The command line words these for the
/// finance officer.
#[derive(Debug, thiserror::Error)]
pub enum WithdrawError {
    /// No explanation has this id.
    #[error("no explanation has id {id}")]
    Unknown {
        /// The id asked for.
        id: i64,
    },
    /// It ended already (withdrawn before, or the fund caught up).
    #[error("explanation {id} already ended: not in force from {day} ({cause})", cause = .cause.as_str())]
    AlreadyEnded {
        /// The explanation.
        id: i64,
        /// The first day it was no longer in force.
        day: NaiveDate,
        /// Why it ended.
        cause: EndCause,
    },
    /// Its `until` day passed before the day of the withdrawal.
    #[error("explanation {id} expired: its last day in force was {until}")]
    Expired {
        /// The explanation.
        id: i64,
        /// Its last day in force.
        until: NaiveDate,
    },
    /// The day of the withdrawal is before the day it was recorded (a replay with `--as-of`).
    #[error("explanation {id} was recorded on {recorded}, after the day of the withdrawal")]
    NotYetRecorded {
        /// The explanation.
        id: i64,
        /// The day it was recorded on.
        recorded: NaiveDate,
    },
    /// The database failed; nothing changed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

const COLUMNS: &str =
    "id, fund, milestone, reason, text, day, until, user, created_at, ended, end_cause";

/// An explanation from the columns of [`COLUMNS`].
fn record_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<ExplanationRecord> {
    let bad = |index: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, what.into())
    };
    let optional_day = |index: usize| -> rusqlite::Result<Option<NaiveDate>> {
        match row.get_ref(index)?.as_str_or_null()? {
            None => Ok(None),
            Some(_) => day(row, index).map(Some),
        }
    };
    let reason_text: String = row.get(3)?;
    let reason = ExplanationReason::parse(&reason_text)
        .ok_or_else(|| bad(3, format!("unknown explanation reason {reason_text:?}")))?;
    let ended = match (optional_day(9)?, row.get::<_, Option<String>>(10)?) {
        (Some(d), Some(cause)) => Some((
            d,
            EndCause::parse(&cause)
                .ok_or_else(|| bad(10, format!("unknown end cause {cause:?}")))?,
        )),
        _ => None,
    };
    Ok(ExplanationRecord {
        explanation: Explanation {
            id: row.get(0)?,
            fund: row.get(1)?,
            milestone: optional_day(2)?,
            reason,
            text: row.get(4)?,
            day: day(row, 5)?,
            until: optional_day(6)?,
            user: row.get(7)?,
            ended,
        },
        created_at: moment(row, 8)?,
    })
}

/// Ends the explanation `id` from `day` on for `cause`, if it is in force on `day`: one that
/// ended already, expired before `day`, or was recorded after it is left as it is.
pub(super) fn end(
    conn: &Connection,
    id: i64,
    day: NaiveDate,
    cause: EndCause,
) -> rusqlite::Result<()> {
    let day = day.to_string();
    conn.execute(
        "UPDATE explanations SET ended = ?2, end_cause = ?3
         WHERE id = ?1 AND ended IS NULL AND day <= ?2 AND (until IS NULL OR until >= ?2)",
        params![id, day, cause.as_str()],
    )?;
    Ok(())
}

impl Store {
    /// Records a 情况说明 (`now`: when, for the record); returns its id. The caller checks
    /// the fund, the milestone, the text and that `until` is not before `day`.
    ///
    /// # Errors
    /// A database failure (also when `until` is before `day`, which the table refuses);
    /// nothing was recorded.
    pub fn record_explanation(
        &mut self,
        new: &NewExplanation<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "INSERT INTO explanations (fund, milestone, reason, text, day, until, user, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                params![
                    new.fund,
                    new.milestone.map(|d| d.to_string()),
                    new.reason.as_str(),
                    new.text,
                    new.day.to_string(),
                    new.until.map(|d| d.to_string()),
                    new.user,
                    stamp(now)
                ],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    /// Every explanation ever recorded (ended ones too), by id: what the check decides with
    /// ([`Explanation::in_force`] on its day).
    ///
    /// # Errors
    /// A database failure.
    pub fn explanations(&self) -> Result<Vec<Explanation>, StoreError> {
        Ok(self
            .explanation_records(None)?
            .into_iter()
            .map(|r| r.explanation)
            .collect())
    }

    /// The explanations of the fund `fund` (its id), by id.
    ///
    /// # Errors
    /// A database failure.
    pub fn explanations_of(&self, fund: &str) -> Result<Vec<Explanation>, StoreError> {
        Ok(self
            .explanation_records(Some(fund))?
            .into_iter()
            .map(|r| r.explanation)
            .collect())
    }

    /// The explanations of the fund `fund` (its id), or of every fund, by id, with when each
    /// was written: what `spendwatch explain --list` shows.
    ///
    /// # Errors
    /// A database failure.
    pub fn explanation_records(
        &self,
        fund: Option<&str>,
    ) -> Result<Vec<ExplanationRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM explanations WHERE ?1 IS NULL OR fund = ?1 ORDER BY id"
            ))
            .map_err(self.err())?;
        let rows = stmt.query_map([fund], record_of).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The explanation `id`, if there is one.
    ///
    /// # Errors
    /// A database failure.
    pub fn explanation(&self, id: i64) -> Result<Option<ExplanationRecord>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM explanations WHERE id = ?1"),
                [id],
                record_of,
            )
            .optional()
            .map_err(self.err())
    }

    /// Withdraws the explanation `id` on `day`: it is no longer in force from that day on
    /// ([`EndCause::Withdrawn`]). Returns it as it is now. The check and the update are one
    /// transaction, so a check running beside it sees it either in force or withdrawn.
    ///
    /// # Errors
    /// [`WithdrawError::Unknown`] when no explanation has this id;
    /// [`WithdrawError::AlreadyEnded`] when it was withdrawn before or ended when the fund
    /// caught up; [`WithdrawError::Expired`] when its `until` day is before `day`;
    /// [`WithdrawError::NotYetRecorded`] when it was recorded after `day`;
    /// [`WithdrawError::Store`] for a database failure. Nothing changed in every case.
    pub fn withdraw_explanation(
        &mut self,
        id: i64,
        day: NaiveDate,
    ) -> Result<Explanation, WithdrawError> {
        self.atomically(true, |store| {
            let Some(record) = store.explanation(id)? else {
                return Err(WithdrawError::Unknown { id });
            };
            let e = record.explanation;
            if let Some((ended, cause)) = e.ended {
                return Err(WithdrawError::AlreadyEnded {
                    id,
                    day: ended,
                    cause,
                });
            }
            if day < e.day {
                return Err(WithdrawError::NotYetRecorded {
                    id,
                    recorded: e.day,
                });
            }
            if let Some(until) = e.until.filter(|&u| u < day) {
                return Err(WithdrawError::Expired { id, until });
            }
            end(&store.conn, id, day, EndCause::Withdrawn).map_err(store.err())?;
            Ok(Explanation {
                ended: Some((day, EndCause::Withdrawn)),
                ..e
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{AlertKey, AlertKind, AlertState, AlertStatus, Decision, Level, Reason};
    use crate::store::CheckRecord;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).expect("test date")
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("RFC 3339 time")
    }

    fn new<'a>(fund: &'a str, text: &'a str, day: NaiveDate) -> NewExplanation<'a> {
        NewExplanation {
            fund,
            milestone: None,
            reason: ExplanationReason::Funding,
            text,
            day,
            until: None,
            user: "alice",
        }
    }

    /// A check on `day` that writes `decisions` and ends `ended`, nothing else.
    fn check(store: &mut Store, day: NaiveDate, decisions: &[Decision], ended: &[(i64, EndCause)]) {
        store
            .record_check(&CheckRecord {
                check_day: day,
                now: at("2025-07-01T01:00:00Z"),
                send_from: at("2025-07-01T01:00:00Z"),
                decisions,
                emails: &[],
                rejections_notified: &[],
                reading_rejections_notified: &[],
                notices_sent: &[],
                notices_cleared: &[],
                force_notices_sent: &[],
                explanations_ended: ended,
            })
            .expect("record check");
    }

    #[test]
    fn recorded_explanations_come_back_as_written() {
        let mut store = Store::open_in_memory().expect("store");
        assert_eq!(store.explanations().expect("none"), []);
        // Hostile text is kept byte for byte: escaping is for whoever shows it.
        let text = "合同5月签订，9月到货后付款\u{1b}[31m<script>";
        let first = store
            .record_explanation(
                &NewExplanation {
                    milestone: Some(d(6, 30)),
                    reason: ExplanationReason::Hardware,
                    until: Some(d(9, 30)),
                    ..new("ng", text, d(7, 8))
                },
                at("2025-07-08T02:03:04Z"),
            )
            .expect("record");
        let second = store
            .record_explanation(&new("ip", "人员调整", d(7, 9)), at("2025-07-09T00:00:00Z"))
            .expect("record");
        assert!(second > first);

        let expected_first = Explanation {
            id: first,
            fund: "ng".into(),
            milestone: Some(d(6, 30)),
            reason: ExplanationReason::Hardware,
            text: text.into(),
            day: d(7, 8),
            until: Some(d(9, 30)),
            user: "alice".into(),
            ended: None,
        };
        let all = store.explanations().expect("all");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], expected_first);
        assert_eq!(
            (
                all[1].id,
                all[1].fund.as_str(),
                all[1].milestone,
                all[1].until
            ),
            (second, "ip", None, None)
        );
        assert_eq!(
            store.explanations_of("ng").expect("ng"),
            std::slice::from_ref(&expected_first)
        );
        assert_eq!(store.explanations_of("other").expect("other"), []);
        let record = store.explanation(first).expect("read").expect("found");
        assert_eq!(record.explanation, expected_first);
        assert_eq!(record.created_at, at("2025-07-08T02:03:04Z"));
        assert_eq!(store.explanation(second + 1).expect("read"), None);

        // The table refuses an `until` before the day, whoever asks.
        let err = store
            .record_explanation(
                &NewExplanation {
                    until: Some(d(7, 7)),
                    ..new("ng", "x", d(7, 8))
                },
                at("2025-07-08T00:00:00Z"),
            )
            .expect_err("until before day");
        assert!(matches!(err, StoreError::Sqlite { .. }), "{err}");
        assert_eq!(store.explanations().expect("all").len(), 2);
    }

    #[test]
    fn in_force_from_its_day_through_until() {
        let mut store = Store::open_in_memory().expect("store");
        let id = store
            .record_explanation(
                &NewExplanation {
                    until: Some(d(7, 20)),
                    ..new("ng", "x", d(7, 8))
                },
                at("2025-07-08T00:00:00Z"),
            )
            .expect("record");
        let e = store.explanations().expect("all").remove(0);
        assert_eq!(e.id, id);
        let days = [(7, 7, false), (7, 8, true), (7, 20, true), (7, 21, false)];
        for (m, day, expected) in days {
            assert_eq!(e.in_force(d(m, day)), expected, "{m}-{day}");
        }
    }

    #[test]
    fn a_withdrawal_ends_it_from_its_day_and_only_once() {
        let mut store = Store::open_in_memory().expect("store");
        let id = store
            .record_explanation(
                &NewExplanation {
                    until: Some(d(9, 30)),
                    ..new("ng", "x", d(7, 8))
                },
                at("2025-07-08T00:00:00Z"),
            )
            .expect("record");

        // Not before the day it was recorded on (a replay asking for an earlier day).
        let err = store.withdraw_explanation(id, d(7, 7)).expect_err("early");
        assert!(
            matches!(err, WithdrawError::NotYetRecorded { recorded, .. } if recorded == d(7, 8)),
            "{err}"
        );
        let unknown = id + 7;
        assert!(matches!(
            store.withdraw_explanation(unknown, d(7, 10)),
            Err(WithdrawError::Unknown { id }) if id == unknown
        ));

        let withdrawn = store.withdraw_explanation(id, d(7, 15)).expect("withdraw");
        assert_eq!(withdrawn.ended, Some((d(7, 15), EndCause::Withdrawn)));
        let stored = store.explanations().expect("all").remove(0);
        assert_eq!(stored, withdrawn);
        assert!(stored.in_force(d(7, 14)));
        assert!(!stored.in_force(d(7, 15)));
        assert_eq!(stored.end_day(), Some(d(7, 15)));

        let err = store.withdraw_explanation(id, d(7, 16)).expect_err("twice");
        assert!(
            matches!(
                err,
                WithdrawError::AlreadyEnded { day, cause: EndCause::Withdrawn, .. } if day == d(7, 15)
            ),
            "{err}"
        );
        assert_eq!(store.explanations().expect("all").remove(0), withdrawn);

        // One whose `until` passed has nothing left to withdraw.
        let expired = store
            .record_explanation(
                &NewExplanation {
                    until: Some(d(7, 31)),
                    ..new("ng", "y", d(7, 8))
                },
                at("2025-07-08T00:00:00Z"),
            )
            .expect("record");
        let err = store
            .withdraw_explanation(expired, d(8, 1))
            .expect_err("expired");
        assert!(
            matches!(err, WithdrawError::Expired { until, .. } if until == d(7, 31)),
            "{err}"
        );
        // On its last day it still can be.
        store
            .withdraw_explanation(expired, d(7, 31))
            .expect("last day");
    }

    #[test]
    fn a_check_ends_the_explanations_it_found_caught_up_with_its_alert_changes() {
        let mut store = Store::open_in_memory().expect("store");
        let caught_up = store
            .record_explanation(&new("ng", "a", d(7, 8)), at("2025-07-08T00:00:00Z"))
            .expect("record");
        let withdrawn = store
            .record_explanation(&new("ng", "b", d(7, 8)), at("2025-07-08T00:00:00Z"))
            .expect("record");
        let other = store
            .record_explanation(&new("ip", "c", d(7, 8)), at("2025-07-08T00:00:00Z"))
            .expect("record");
        let later = store
            .record_explanation(&new("ng", "d", d(8, 1)), at("2025-07-08T00:00:00Z"))
            .expect("record");
        store
            .withdraw_explanation(withdrawn, d(7, 10))
            .expect("withdraw");

        let key = AlertKey {
            fund: "ng".into(),
            milestone: Some(d(6, 30)),
            kind: AlertKind::Missed,
            indicator: None,
        };
        let resolved = Decision {
            key: key.clone(),
            reason: Reason::Resolved,
            next: AlertState {
                status: AlertStatus::Resolved,
                since: d(7, 1),
                last_sent: d(7, 20),
                level: Some(Level::Orange),
                level_since: d(7, 3),
                escalated: true,
            },
            notice: None,
        };
        // The withdrawn one keeps its end; one recorded after the check's day is not ended.
        check(
            &mut store,
            d(7, 20),
            std::slice::from_ref(&resolved),
            &[
                (caught_up, EndCause::CaughtUp),
                (withdrawn, EndCause::Superseded),
                (later, EndCause::CaughtUp),
            ],
        );
        let all = store.explanations().expect("all");
        let ended: Vec<_> = all.iter().map(|e| (e.id, e.ended)).collect();
        assert_eq!(
            ended,
            [
                (caught_up, Some((d(7, 20), EndCause::CaughtUp))),
                (withdrawn, Some((d(7, 10), EndCause::Withdrawn))),
                (other, None),
                (later, None),
            ]
        );
        assert!(all[0].in_force(d(7, 19)) && !all[0].in_force(d(7, 20)));
        assert!(matches!(
            store.withdraw_explanation(caught_up, d(7, 21)),
            Err(WithdrawError::AlreadyEnded {
                cause: EndCause::CaughtUp,
                ..
            })
        ));
        // In the same transaction, the alert's state with its level and escalation.
        assert_eq!(store.alert_states().expect("states")[&key], resolved.next);
        let events = store.alert_events(10).expect("events");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].level, Some(Level::Orange));
    }

    #[test]
    fn alert_levels_are_kept_and_replaced() {
        let mut store = Store::open_in_memory().expect("store");
        let key = AlertKey {
            fund: "ng".into(),
            milestone: Some(d(10, 31)),
            kind: AlertKind::Due,
            indicator: None,
        };
        let decision = |reason, status, level, level_since, escalated| Decision {
            key: key.clone(),
            reason,
            next: AlertState {
                status,
                since: d(10, 16),
                last_sent: d(10, 16),
                level,
                level_since,
                escalated,
            },
            notice: None,
        };
        let first = decision(
            Reason::First,
            AlertStatus::Firing,
            Some(Level::Yellow),
            d(10, 16),
            false,
        );
        check(&mut store, d(10, 16), std::slice::from_ref(&first), &[]);
        assert_eq!(store.alert_states().expect("states")[&key], first.next);
        let risen = decision(
            Reason::First,
            AlertStatus::Firing,
            Some(Level::Red),
            d(10, 20),
            true,
        );
        check(&mut store, d(10, 20), std::slice::from_ref(&risen), &[]);
        let rows = store.alert_rows().expect("rows");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].state, risen.next);
        let over = AlertKey {
            fund: "ng".into(),
            milestone: None,
            kind: AlertKind::OverBudget,
            indicator: None,
        };
        let plain = Decision {
            key: over.clone(),
            reason: Reason::First,
            next: AlertState::plain(AlertStatus::Firing, d(10, 21), d(10, 21)),
            notice: None,
        };
        check(&mut store, d(10, 21), std::slice::from_ref(&plain), &[]);
        assert_eq!(store.alert_states().expect("states")[&over], plain.next);
        let levels: Vec<_> = store
            .alert_events(10)
            .expect("events")
            .into_iter()
            .map(|e| (e.check_day, e.level))
            .collect();
        assert_eq!(
            levels,
            [
                (d(10, 16), Some(Level::Yellow)),
                (d(10, 20), Some(Level::Red)),
                (d(10, 21), None)
            ]
        );
    }
}
