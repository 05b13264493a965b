//! The sender task: delivers the outbox beside the check loop, so that a slow mail server never
//! delays a check.
//!
//! It opens its own connection to the database and its own transport, and opens them again
//! after a reload that changes them. It stops when told, abandoning a send in flight only
//! after the grace the check loop gives it.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tracing::error;

use super::{BUSY_TIMEOUT, Deps, MAX_SLEEP};
use crate::app::deliver;
use crate::config::Config;
use crate::mail;
use crate::store::Store;

/// Delivers the outbox: at once when a check queued mail (`wake`), when a retry is due, and at
/// least every minute. Stops when `stop` turns true, abandoning a send in flight.
pub(super) async fn run(
    mut config_rx: watch::Receiver<Arc<Config>>,
    deps: Deps,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let mut config = config_rx.borrow_and_update().clone();
    let mut store: Option<Store> = None;
    let mut transport: Option<Box<dyn mail::Transport>> = None;
    let mut unanswered = 0;
    loop {
        if store.is_none() {
            store = Store::open_with_busy_timeout(&config.database, BUSY_TIMEOUT)
                .map_err(|e| error!(error = %e, "the mail sender cannot open the database"))
                .ok();
        }
        if transport.is_none() {
            transport = mail::transport(&config.email)
                .map_err(|e| error!(error = %e, "the mail transport cannot be set up; emails wait in the outbox"))
                .ok();
        }
        let mut next_due = None;
        if let (Some(db), Some(t)) = (store.as_mut(), transport.as_deref()) {
            let clock = deps.clock.clone();
            let stopping = stop.clone();
            // Not raced against the stop: a send in flight is finished and recorded (the run
            // loop waits SENDER_STOP_GRACE for it), so it is not sent again after a restart.
            let result = deliver::deliver_due(
                db,
                t,
                move || clock.now(),
                move || *stopping.borrow(),
                &mut unanswered,
            )
            .await;
            match result {
                // A message read, composed for the wire and sent leaves its buffers freed in
                // the allocator's arenas, and the code that did it mapped: given back while the
                // sender waits (see `crate::memory`), off this runtime thread.
                Ok(report) if report.sent + report.retrying + report.failed > 0 => {
                    crate::memory::give_back_freed_soon();
                    crate::memory::unmap_code_when_quiet();
                }
                Ok(_) => {}
                Err(e) => error!(error = %e, "the mail sender cannot use the database"),
            }
            if *stop.borrow() {
                return;
            }
            next_due = db.next_due().unwrap_or(None).map(|t| t.timestamp());
        }
        let wait = until_due(next_due, deps.clock.now().timestamp());
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
            changed = config_rx.changed() => {
                if changed.is_err() {
                    return;
                }
                let new = config_rx.borrow_and_update().clone();
                if new.database != config.database {
                    store = None;
                }
                transport = None;
                config = new;
            }
            _ = stop.changed() => return,
        }
    }
}

/// How long to sleep from `now` (unix seconds) until the next email is due (`next_due`, unix
/// seconds; `None`: none waits): between one second and [`MAX_SLEEP`].
fn until_due(next_due: Option<i64>, now: i64) -> Duration {
    next_due
        .map_or(MAX_SLEEP, |due| {
            Duration::from_secs(u64::try_from(due.saturating_sub(now)).unwrap_or(0))
        })
        // A message due but not claimable is leased by another process: do not spin.
        .clamp(Duration::from_secs(1), MAX_SLEEP)
}
