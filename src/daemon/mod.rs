//! The daemon (`spendwatch run`): the composition root that ties the clock, the schedule, the
//! database, the mail sender, signals and systemd together.
//!
//! Two tasks: the check loop (one check at start to catch up, then one at every fire time of
//! the schedule, computed from wall-clock time) and the sender (delivers the outbox with its
//! retries; a slow mail server never delays a check). The clock, the service-manager
//! notifications and the control messages (reload, shutdown) come in as arguments, so tests
//! drive the loop with paused tokio time.

mod lock;
mod schedule;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sd_notify::NotifyState;
use tokio::sync::{Notify, mpsc, watch};
use tracing::{error, info, warn};

use crate::app::check::{self, CheckClock};
use crate::app::deliver;
use crate::config::{self, Config};
use crate::mail;
use crate::store::{Store, StoreError};
pub use lock::{DaemonLock, LockError, lock_path};
pub use schedule::{Schedule, Upcoming};

/// The daemon waits for the database at most this long per statement, so that a stop request
/// is honoured within seconds even while an import in another process holds the lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(3);
/// The longest the loops sleep: the wall clock is looked at again at least this often, so a
/// clock change or a suspend never makes a check late by more than this.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// A failed check (say, the database locked) is tried again after this long.
const RETRY_FAILED_CHECK: Duration = Duration::from_secs(60);
/// How long the sender may take to notice a stop before it is abandoned (its message in
/// flight, if any, is sent again after the restart).
const SENDER_STOP_GRACE: Duration = Duration::from_secs(2);

/// What time it is. The daemon reads the clock only through this.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Tells the service manager about the daemon's state.
pub trait Notifier: Send + Sync {
    fn notify(&self, states: &[NotifyState<'_>]);
}

/// Notifies systemd through `$NOTIFY_SOCKET` (does nothing when it is not set).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemdNotifier;

impl Notifier for SystemdNotifier {
    fn notify(&self, states: &[NotifyState<'_>]) {
        if let Err(e) = sd_notify::notify(states) {
            warn!(error = %e, "cannot notify the service manager");
        }
    }
}

/// Requests from outside: signals, or a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Reload,
    Shutdown,
}

/// What happened, for tests that watch the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Checked {
        at: DateTime<Utc>,
        day: NaiveDate,
        emails: usize,
    },
    CheckFailed {
        at: DateTime<Utc>,
    },
    Reloaded {
        ok: bool,
    },
    Stopped,
}

/// What the daemon needs from its surroundings.
#[derive(Clone)]
pub struct Deps {
    pub clock: Arc<dyn Clock>,
    pub notifier: Arc<dyn Notifier>,
    /// Half of systemd's `WatchdogSec`, if set: the check loop pings at least this often.
    pub watchdog: Option<Duration>,
    pub events: Option<mpsc::UnboundedSender<Event>>,
}

impl std::fmt::Debug for Deps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deps")
            .field("watchdog", &self.watchdog)
            .finish_non_exhaustive()
    }
}

impl Deps {
    /// The real clock, systemd notifications, and the watchdog interval systemd asks for.
    pub fn system() -> Deps {
        Deps {
            clock: Arc::new(SystemClock),
            notifier: Arc::new(SystemdNotifier),
            watchdog: sd_notify::watchdog_enabled().map(|d| d / 2),
            events: None,
        }
    }

    fn emit(&self, event: Event) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Schedule(String),
}

/// Runs the daemon until `Control::Shutdown` (or the control channel closes).
pub async fn run(
    config_file: PathBuf,
    config: Config,
    deps: Deps,
    mut control: mpsc::UnboundedReceiver<Control>,
) -> Result<(), DaemonError> {
    let mut schedule =
        Schedule::new(&config.schedule, config.timezone).map_err(DaemonError::Schedule)?;
    warn_if_busy(&schedule, &config.schedule, deps.clock.now());
    // First the lock: a second daemon must stop here, before it touches the database (its
    // release of the leases below would let the first daemon's emails in flight be sent twice).
    let mut lock = DaemonLock::acquire(&config.database)?;
    let mut store = Store::open_with_busy_timeout(&config.database, BUSY_TIMEOUT)?;
    // No other daemon runs on this database, and no sender of ours yet: a lease left by a
    // killed process is stale.
    let released = store.release_leases()?;
    if released > 0 {
        warn!(
            count = released,
            "released the leases of emails in flight when spendwatch stopped; they are sent again"
        );
    }
    info!(database = %config.database.display(), lock = %lock.path().display(), pid = std::process::id(), schedule = %config.schedule, timezone = %config.timezone, funds = config.funds.len(), "spendwatch started");
    deps.notifier.notify(&[
        NotifyState::Ready,
        NotifyState::Status("database open; first check running"),
    ]);

    let (config_tx, config_rx) = watch::channel(Arc::new(config));
    let (stop_tx, stop_rx) = watch::channel(false);
    let wake = Arc::new(Notify::new());
    let sender = tokio::spawn(sender_loop(config_rx, deps.clone(), wake.clone(), stop_rx));

    let mut next_fire = deps.clock.now();
    // The last check's time and emails, and how many pairs of sources it found counting the
    // same money twice (said in the STATUS line until fixed).
    let mut last_check: Option<(DateTime<Utc>, usize, usize)> = None;
    let mut stopping = false;
    while !stopping {
        let now = deps.clock.now();
        if let Some((last, _, _)) = last_check
            && now < last
        {
            // The clock went back: plan from the new time rather than wait for the old one.
            next_fire = schedule.next_after(now).unwrap_or(now + RETRY_FAILED_CHECK);
        }
        if now >= next_fire {
            let config = config_tx.borrow().clone();
            let (returned, result, requests) =
                check_in_background(store, config.clone(), now, &mut control).await;
            store = returned;
            match result {
                Ok(summary) => {
                    let emails = summary.emails.len();
                    log_sources(&summary);
                    next_fire = schedule.next_after(now).unwrap_or(now + RETRY_FAILED_CHECK);
                    info!(day = %local_day(&config, now), alert_changes = summary.decisions.len(), emails, next_check = %local_time(&config, next_fire), "check done");
                    wake.notify_one();
                    last_check = Some((now, emails, summary.overlaps));
                    deps.emit(Event::Checked {
                        at: now,
                        day: local_day(&config, now),
                        emails,
                    });
                }
                Err(e) => {
                    next_fire = now + RETRY_FAILED_CHECK;
                    error!(error = %e, retry_in_s = RETRY_FAILED_CHECK.as_secs(), next_check = %local_time(&config, next_fire), "check failed; it is tried again");
                    deps.emit(Event::CheckFailed { at: now });
                }
            }
            status(&deps, &config, last_check, next_fire);
            for request in requests {
                match request {
                    Control::Shutdown => stopping = true,
                    Control::Reload => reload(
                        &config_file,
                        &config_tx,
                        &mut schedule,
                        &mut next_fire,
                        &deps,
                        (&mut store, &mut lock),
                    ),
                }
            }
            continue;
        }
        let mut wait = (next_fire - now)
            .to_std()
            .unwrap_or_default()
            .min(MAX_SLEEP);
        if let Some(ping) = deps.watchdog {
            wait = wait.min(ping);
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            request = control.recv() => match request {
                Some(Control::Reload) => {
                    reload(&config_file, &config_tx, &mut schedule, &mut next_fire, &deps, (&mut store, &mut lock));
                    status(&deps, &config_tx.borrow(), last_check, next_fire);
                }
                Some(Control::Shutdown) | None => stopping = true,
            },
        }
        if deps.watchdog.is_some() {
            deps.notifier.notify(&[NotifyState::Watchdog]);
        }
    }

    info!("stopping");
    deps.notifier.notify(&[NotifyState::Stopping]);
    let _ = stop_tx.send(true);
    match tokio::time::timeout(SENDER_STOP_GRACE, sender).await {
        Ok(_) => {}
        Err(_) => warn!(
            "the mail sender did not stop in time; an email in flight is sent again after the restart"
        ),
    }
    deps.emit(Event::Stopped);
    info!("stopped");
    drop(lock);
    Ok(())
}

fn local_day(config: &Config, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&config.timezone).date_naive()
}

/// A moment as the administrator reads it: local time in the configured zone.
fn local_time(config: &Config, t: DateTime<Utc>) -> String {
    t.with_timezone(&config.timezone)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// What the check read from each source (one line each, so the journal answers "did it see
/// my file?"), and the sources it could not use at WARN.
fn log_sources(summary: &check::CheckSummary) {
    use crate::app::import::Outcome;
    for warning in &summary.import_warnings {
        warn!("{warning}");
    }
    for report in &summary.imports {
        let path = report.display.as_str();
        match &report.outcome {
            Outcome::Unchanged { entries } => {
                info!(path, outcome = "unchanged", entries, "ledger source read");
            }
            Outcome::Imported {
                entries, previous, ..
            } => {
                info!(
                    path,
                    outcome = "imported",
                    entries,
                    replaced = previous,
                    "ledger source read"
                );
            }
            Outcome::Rejected {
                report,
                known,
                entries_in_force,
            } => {
                let outcome = if *known {
                    "rejected again (unchanged)"
                } else {
                    "rejected"
                };
                info!(path, outcome, entries_in_force, "ledger source read");
                if !known {
                    // The reasons, as the accountant reads them (one journal entry a line).
                    for line in report.lines() {
                        warn!(file = path, "{line}");
                    }
                    if *entries_in_force > 0 {
                        warn!(
                            file = path,
                            entries_in_force,
                            "ledger file rejected; its previous version stays in force"
                        );
                    } else {
                        warn!(
                            file = path,
                            "ledger file rejected; no version of it is in force"
                        );
                    }
                }
            }
            Outcome::Missing { entries_in_force } => {
                // The file is gone but what it held still counts: say so at every check.
                warn!(
                    path,
                    outcome = "missing",
                    entries_in_force,
                    "ledger source read: the file is not there; its entries stay in force"
                );
            }
            Outcome::Superseded {
                by, why, entries, ..
            } => {
                info!(
                    path,
                    outcome = "superseded",
                    by = by.as_str(),
                    why = why.as_str(),
                    entries,
                    "ledger source read"
                );
            }
            Outcome::Unconfigured { entries, amount } => {
                warn!(
                    path,
                    outcome = "no longer configured",
                    entries,
                    amount = %amount,
                    "ledger source read: ledger.sources no longer names it; its entries left force"
                );
            }
            Outcome::Restored { why, entries } => {
                info!(
                    path,
                    outcome = "back in force",
                    why = why.as_str(),
                    entries,
                    "ledger source read"
                );
            }
        }
    }
}

/// Runs one check on the blocking pool (SQLite and file reading block), handing the store in
/// and out. Control requests that arrive meanwhile are returned, to be handled after the
/// check: a stop never interrupts a transaction.
async fn check_in_background(
    mut store: Store,
    config: Arc<Config>,
    now: DateTime<Utc>,
    control: &mut mpsc::UnboundedReceiver<Control>,
) -> (
    Store,
    Result<check::CheckSummary, check::CheckError>,
    Vec<Control>,
) {
    let clock = CheckClock {
        day: local_day(&config, now),
        stamp: now,
        now,
    };
    let mut handle = tokio::task::spawn_blocking(move || {
        let result = check::run_check(&mut store, &config, &clock, false);
        (store, result)
    });
    let mut requests = Vec::new();
    loop {
        tokio::select! {
            joined = &mut handle => {
                // The check cannot panic in a way we could recover the store from; a panic is a bug.
                let (store, result) = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                return (store, result, requests);
            }
            Some(request) = control.recv() => requests.push(request),
        }
    }
}

fn reload(
    config_file: &std::path::Path,
    config_tx: &watch::Sender<Arc<Config>>,
    schedule: &mut Schedule,
    next_fire: &mut DateTime<Utc>,
    deps: &Deps,
    (store, lock): (&mut Store, &mut DaemonLock),
) {
    deps.notifier.notify(&[NotifyState::Reloading]);
    // One line per message: the journal stores each line as its own entry.
    let outcome = config::load(config_file)
        .map_err(|e| e.to_string().replace('\n', "; "))
        .and_then(|new| {
            let new_schedule = Schedule::new(&new.schedule, new.timezone)?;
            warn_if_busy(&new_schedule, &new.schedule, Utc::now());
            if new.database != config_tx.borrow().database {
                // Another database is this daemon's only if no other daemon holds it.
                let new_lock = DaemonLock::acquire(&new.database).map_err(|e| e.to_string())?;
                *store = Store::open_with_busy_timeout(&new.database, BUSY_TIMEOUT)
                    .map_err(|e| e.to_string())?;
                *lock = new_lock;
            }
            Ok((new, new_schedule))
        });
    match outcome {
        Ok((new, new_schedule)) => {
            *schedule = new_schedule;
            let now = deps.clock.now();
            *next_fire = schedule.next_after(now).unwrap_or(now + RETRY_FAILED_CHECK);
            info!(file = %config_file.display(), schedule = %new.schedule, funds = new.funds.len(), next_check = %local_time(&new, *next_fire), "config reloaded");
            let _ = config_tx.send(Arc::new(new));
            deps.emit(Event::Reloaded { ok: true });
        }
        Err(e) => {
            error!(file = %config_file.display(), "config NOT reloaded, the previous one stays in effect: {e}");
            deps.emit(Event::Reloaded { ok: false });
        }
    }
    deps.notifier.notify(&[NotifyState::Ready]);
}

/// A schedule that fires more than once a day is legal but rarely meant (a sixth field makes
/// `0 9 * * * *` hourly): say so in the journal, where the administrator looks.
fn warn_if_busy(schedule: &Schedule, line: &str, now: DateTime<Utc>) {
    if schedule.upcoming(now, 3).more_than_once_a_day {
        warn!(
            schedule = line,
            "the schedule checks more than once a day; \"0 9 * * *\" is 09:00 daily"
        );
    }
}

fn status(
    deps: &Deps,
    config: &Config,
    last: Option<(DateTime<Utc>, usize, usize)>,
    next: DateTime<Utc>,
) {
    let fmt = |t: DateTime<Utc>| local_time(config, t);
    let (last, overlaps) = match last {
        Some((t, emails, overlaps)) => {
            (format!("last check {} ({emails} emails)", fmt(t)), overlaps)
        }
        None => ("no check done yet".to_owned(), 0),
    };
    let mut text = format!("{last}; next check {}", fmt(next));
    if overlaps > 0 {
        text += &format!(
            "; money counted twice through {overlaps} pair(s) of ledger files (spendwatch sources)"
        );
    }
    deps.notifier.notify(&[NotifyState::Status(&text)]);
}

/// Delivers the outbox: at once when a check queued mail, when a retry is due, and at least
/// every minute. Stops when `stop` turns true, abandoning a send in flight.
async fn sender_loop(
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
            if let Err(e) = result {
                error!(error = %e, "the mail sender cannot use the database");
            }
            if *stop.borrow() {
                return;
            }
            next_due = db.next_due().unwrap_or(None).map(|t| t.timestamp());
        }
        let now = deps.clock.now().timestamp();
        let wait = next_due
            .map_or(MAX_SLEEP, |due| {
                Duration::from_secs(u64::try_from(due.saturating_sub(now)).unwrap_or(0))
            })
            // A message due but not claimable is leased by another process: do not spin.
            .clamp(Duration::from_secs(1), MAX_SLEEP);
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

#[cfg(test)]
mod tests;
