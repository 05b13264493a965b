//! Delivering the outbox: claim a message, send it with a timeout, then mark it sent,
//! reschedule it with exponential backoff (transient failure) or mark it failed (permanent).
//! When the server does not answer at all, the others due wait with it: one connection attempt
//! per backoff, and one log line, however long the queue.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tracing::{error, info, warn};

use crate::mail::{self, FailureClass, Transport};
use crate::store::{Store, StoreError};

/// The first retry waits this long; each further one twice as long, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(60);
/// The longest wait between two tries of one email.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3_600);

/// The wait before attempt `attempt + 1` after `attempt` failed (1-based).
pub fn backoff(attempt: i64) -> Duration {
    let doublings = u32::try_from(attempt.max(1) - 1)
        .unwrap_or(u32::MAX)
        .min(16);
    FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF)
}

/// What one delivery run did, in emails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Sent and marked sent.
    pub sent: usize,
    /// Waiting for a later try (a transient failure, or the server not answering).
    pub retrying: usize,
    /// Failed for good (kept for `spendwatch outbox --retry`).
    pub failed: usize,
}

/// Delivers every message due now, one at a time; `now` gives the time (the clock is an
/// argument so tests and the daemon decide what time it is). Once `stopping()` is true it
/// claims no further message, but the one being sent is finished and recorded.
///
/// `unanswered` counts the tries in a row that got no answer from the server (the caller keeps
/// it between calls): the wait before the next try doubles with it, whichever email is tried.
///
/// A failed send is not an error: it is counted in the [`DeliveryReport`] and recorded on
/// its message (retry later, or failed for good).
///
/// # Errors
/// [`StoreError`] when the database fails while claiming or recording a message; the
/// messages recorded before it stay recorded, and a message claimed but not recorded is
/// tried again once its lease expires.
pub async fn deliver_due(
    store: &mut Store,
    transport: &dyn Transport,
    now: impl Fn() -> DateTime<Utc>,
    stopping: impl Fn() -> bool,
    unanswered: &mut i64,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    // A lease outlives the send timeout, so an expired lease means its sender is gone.
    let lease = transport.timeout().saturating_add(Duration::from_secs(60));
    while !stopping() {
        let Some(msg) = store.claim_next(now(), lease)? else {
            break;
        };
        let result = match mail::envelope(&msg.envelope_from, &msg.envelope_to) {
            Ok(envelope) => mail::send_with_timeout(transport, &envelope, &msg.raw).await,
            Err(e) => Err(mail::SendError {
                class: FailureClass::Permanent,
                message: e,
            }),
        };
        match result {
            Ok(()) => {
                *unanswered = 0;
                store.mark_sent(msg.id, now())?;
                report.sent += 1;
                info!(outbox_id = msg.id, message_id = %msg.message_id, attempt = msg.attempt, to = %msg.envelope_to.join(","), subject = %msg.subject, "email sent");
            }
            Err(e) if e.class == FailureClass::Unreachable => {
                *unanswered = unanswered.saturating_add(1);
                let wait = backoff(*unanswered);
                let retry_at = after(now(), wait);
                // The email tried goes after the others, so the next try is another one: an
                // email that fails this way for a reason of its own holds back no other.
                store.reschedule(msg.id, after(retry_at, Duration::from_secs(1)), &e.message)?;
                let waiting = store.postpone_due(now(), retry_at)?;
                report.retrying += 1 + waiting;
                warn!(outbox_id = msg.id, attempt = msg.attempt, retry_in_s = wait.as_secs(), also_waiting = waiting, transport = %transport.describe(), error = %e.message, "mail server not reachable; this email and the others due wait for the next try");
                break;
            }
            Err(e) if e.class == FailureClass::Transient => {
                *unanswered = 0;
                let wait = backoff(msg.attempt);
                store.reschedule(msg.id, after(now(), wait), &e.message)?;
                report.retrying += 1;
                warn!(outbox_id = msg.id, attempt = msg.attempt, retry_in_s = wait.as_secs(), transport = %transport.describe(), error = %e.message, "email not sent, will retry");
            }
            Err(e) => {
                *unanswered = 0;
                store.mark_failed(msg.id, &e.message)?;
                report.failed += 1;
                error!(outbox_id = msg.id, attempt = msg.attempt, to = %msg.envelope_to.join(","), subject = %msg.subject, transport = %transport.describe(), error = %e.message, "email FAILED permanently; see `spendwatch outbox`, fix the cause, then `spendwatch outbox --retry`");
            }
        }
    }
    Ok(report)
}

/// `wait` (whole seconds) after `t`; the end of time if that is beyond it.
fn after(t: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    let secs = i64::try_from(wait.as_secs()).unwrap_or(i64::MAX);
    TimeDelta::try_seconds(secs)
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use chrono::NaiveDate;
    use lettre::address::Envelope;

    use super::*;
    use crate::mail::SendFuture;
    use crate::store::{CheckRecord, EmailRecord};

    /// Answers each message with `answer(raw)`, and records the messages it was given.
    struct Scripted<F> {
        answer: F,
        tried: Mutex<Vec<Vec<u8>>>,
    }

    /// The bound here makes a closure's `raw` any lifetime, as the trait needs.
    fn scripted<F: Fn(&[u8]) -> Result<(), mail::SendError>>(answer: F) -> Scripted<F> {
        Scripted {
            answer,
            tried: Mutex::new(Vec::new()),
        }
    }

    impl<F: Fn(&[u8]) -> Result<(), mail::SendError> + Send + Sync> Transport for Scripted<F> {
        fn send<'a>(&'a self, _envelope: &'a Envelope, raw: &'a [u8]) -> SendFuture<'a> {
            self.tried.lock().expect("lock").push(raw.to_vec());
            let result = (self.answer)(raw);
            Box::pin(async move { result })
        }
        fn describe(&self) -> String {
            "test".into()
        }
        fn timeout(&self) -> Duration {
            Duration::from_secs(5)
        }
    }

    impl<F> Scripted<F> {
        fn tries(&self) -> usize {
            self.tried.lock().expect("lock").len()
        }
    }

    fn failure(class: FailureClass) -> Result<(), mail::SendError> {
        Err(mail::SendError {
            class,
            message: "no".into(),
        })
    }

    /// Queues `n` messages, all due at once.
    fn queue(store: &mut Store, n: usize) {
        let to = vec!["finance@localhost".to_owned()];
        let ids: Vec<String> = (1..=n).map(|i| format!("<{i}@test>")).collect();
        let emails: Vec<EmailRecord<'_>> = ids
            .iter()
            .map(|id| EmailRecord {
                message_id: id,
                subject: "s",
                envelope_from: "spendwatch@localhost",
                envelope_to: &to,
                raw: id.as_bytes(),
                announces: Vec::new(),
            })
            .collect();
        store
            .record_check(&CheckRecord {
                check_day: NaiveDate::from_ymd_opt(2025, 7, 1).expect("day"),
                now: DateTime::parse_from_rfc3339("2025-07-01T01:00:00Z")
                    .expect("time")
                    .to_utc(),
                send_from: at(0),
                decisions: &[],
                emails: &emails,
                rejections_notified: &[],
                reading_rejections_notified: &[],
                notices_sent: &[],
                notices_cleared: &[],
                force_notices_sent: &[],
                explanations_ended: &[],
            })
            .expect("queue");
    }

    /// (attempts, next attempt in Unix seconds) of each message, by id.
    fn schedule(store: &Store) -> Vec<(i64, i64)> {
        let mut rows = store.outbox_rows(100).expect("rows");
        rows.sort_by_key(|r| r.id);
        rows.into_iter()
            .map(|r| (r.attempts, r.next_attempt_at.timestamp()))
            .collect()
    }

    /// The moment `secs` seconds after the Unix epoch.
    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).expect("time")
    }

    #[tokio::test]
    async fn an_unreachable_server_is_tried_once_and_the_others_wait_with_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("db")).expect("open");
        queue(&mut store, 3);
        let transport = scripted(|_| failure(FailureClass::Unreachable));
        let mut unanswered = 0;
        let report = deliver_due(
            &mut store,
            &transport,
            || at(1_000),
            || false,
            &mut unanswered,
        )
        .await
        .expect("deliver");
        assert_eq!(transport.tries(), 1);
        assert_eq!(
            report,
            DeliveryReport {
                sent: 0,
                retrying: 3,
                failed: 0
            }
        );
        // The one tried goes after the others.
        assert_eq!(schedule(&store), vec![(1, 1_061), (0, 1_060), (0, 1_060)]);

        // A minute later the server is still down: the next email is tried, and the wait
        // doubles although that email had not been tried before.
        let report = deliver_due(
            &mut store,
            &transport,
            || at(1_060),
            || false,
            &mut unanswered,
        )
        .await
        .expect("deliver");
        assert_eq!((report.retrying, unanswered), (2, 2));
        assert_eq!(transport.tries(), 2);
        assert_eq!(schedule(&store), vec![(1, 1_180), (1, 1_181), (0, 1_180)]);
    }

    #[tokio::test]
    async fn an_email_that_never_gets_an_answer_does_not_hold_back_the_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("db")).expect("open");
        queue(&mut store, 3);
        // As if the server did not answer for this one email.
        let transport = scripted(|raw| {
            if raw == b"<1@test>" {
                failure(FailureClass::Unreachable)
            } else {
                Ok(())
            }
        });
        let mut unanswered = 0;
        for now in [1_000, 1_060, 1_061] {
            deliver_due(
                &mut store,
                &transport,
                || at(now),
                || false,
                &mut unanswered,
            )
            .await
            .expect("deliver");
        }
        let tried = transport.tried.lock().expect("lock").clone();
        assert_eq!(
            tried,
            [&b"<1@test>"[..], b"<2@test>", b"<3@test>", b"<1@test>"]
        );
        // A success in between started the count again: the first waits one minute more.
        assert_eq!(schedule(&store)[0], (2, 1_122));
    }

    #[tokio::test]
    async fn a_4xx_is_about_one_message_and_the_others_are_still_tried() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("db")).expect("open");
        queue(&mut store, 3);
        let transport = scripted(|_| failure(FailureClass::Transient));
        let report = deliver_due(&mut store, &transport, || at(1_000), || false, &mut 0)
            .await
            .expect("deliver");
        assert_eq!(transport.tries(), 3);
        assert_eq!(
            report,
            DeliveryReport {
                sent: 0,
                retrying: 3,
                failed: 0
            }
        );
        assert_eq!(schedule(&store), vec![(1, 1_060), (1, 1_060), (1, 1_060)]);
    }

    #[tokio::test]
    async fn a_stop_finishes_the_send_in_flight_and_claims_no_more() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("db")).expect("open");
        queue(&mut store, 3);
        let stop = AtomicBool::new(false);
        // A stop asked for while the first email is being sent.
        let transport = scripted(|_| {
            stop.store(true, Ordering::SeqCst);
            Ok(())
        });

        let report = deliver_due(
            &mut store,
            &transport,
            || at(100),
            || stop.load(Ordering::SeqCst),
            &mut 0,
        )
        .await
        .expect("deliver");

        assert_eq!(
            report,
            DeliveryReport {
                sent: 1,
                retrying: 0,
                failed: 0
            }
        );
        assert_eq!(transport.tries(), 1);
        let statuses: Vec<String> = store
            .outbox_rows(10)
            .expect("rows")
            .into_iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| *s == "sent").count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| *s == "pending").count(),
            2,
            "{statuses:?}"
        );
    }

    #[test]
    fn backoff_doubles_from_a_minute_up_to_an_hour() {
        let minutes: Vec<u64> = (1..=9).map(|a| backoff(a).as_secs() / 60).collect();
        assert_eq!(minutes, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(0), FIRST_BACKOFF);
        assert_eq!(backoff(i64::MAX), MAX_BACKOFF);
    }
}
