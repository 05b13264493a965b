//! Delivering the outbox: claim a message, send it with a timeout, then mark it sent,
//! reschedule it with exponential backoff (transient failure) or mark it failed (permanent).

use std::time::Duration;

use tracing::{error, info, warn};

use crate::mail::{self, FailureClass, Transport};
use crate::store::{Store, StoreError};

/// The first retry waits this long; each further one twice as long, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(60);
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Delivers every message due now, one at a time; `now` gives unix seconds (the clock is an
/// argument so tests and the daemon decide what time it is).
pub async fn deliver_due(
    store: &mut Store,
    transport: &dyn Transport,
    now: impl Fn() -> i64,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    // A lease outlives the send timeout, so an expired lease means its sender is gone.
    let lease = i64::try_from(transport.timeout().as_secs())
        .unwrap_or(i64::MAX / 2)
        .saturating_add(60);
    while let Some(msg) = store.claim_next(now(), lease)? {
        let result = match mail::envelope(&msg.envelope_from, &msg.envelope_to) {
            Ok(envelope) => mail::send_with_timeout(transport, &envelope, &msg.raw).await,
            Err(e) => Err(mail::SendError {
                class: FailureClass::Permanent,
                message: e,
            }),
        };
        let stamp = chrono::DateTime::from_timestamp(now(), 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        match result {
            Ok(()) => {
                store.mark_sent(msg.id, &stamp)?;
                report.sent += 1;
                info!(outbox_id = msg.id, message_id = %msg.message_id, attempt = msg.attempt, to = %msg.envelope_to.join(","), subject = %msg.subject, "email sent");
            }
            Err(e) if e.class == FailureClass::Transient => {
                let wait = backoff(msg.attempt);
                store.reschedule(
                    msg.id,
                    now().saturating_add(wait.as_secs() as i64),
                    &e.message,
                )?;
                report.retrying += 1;
                warn!(outbox_id = msg.id, attempt = msg.attempt, retry_in_s = wait.as_secs(), transport = %transport.describe(), error = %e.message, "email not sent, will retry");
            }
            Err(e) => {
                store.mark_failed(msg.id, &e.message)?;
                report.failed += 1;
                error!(outbox_id = msg.id, attempt = msg.attempt, to = %msg.envelope_to.join(","), subject = %msg.subject, transport = %transport.describe(), error = %e.message, "email FAILED permanently; see `spendwatch outbox`, fix the cause, then `spendwatch outbox --retry`");
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_up_to_an_hour() {
        let minutes: Vec<u64> = (1..=9).map(|a| backoff(a).as_secs() / 60).collect();
        assert_eq!(minutes, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(0), FIRST_BACKOFF);
        assert_eq!(backoff(i64::MAX), MAX_BACKOFF);
    }
}
