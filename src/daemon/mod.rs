//! The daemon (`spendwatch run`): the composition root that ties the clock, the schedule, the
//! database, the mail sender, signals and systemd together.
//!
//! Two tasks: the check loop (one check at start to catch up, then one at every fire time of
//! the schedule, computed from wall-clock time; beside it the monthly digest at the fire times
//! of `digest.schedule`, and at start the digest of the latest fire time if it was missed) and
//! the sender (delivers the outbox with its
//! retries; a slow mail server never delays a check). The clock, the service-manager
//! notifications and the control messages (reload, shutdown) come in as arguments, so tests
//! drive the loop with paused tokio time.
//!
//! Here: start-up, the check loop ([`run`]: one check, a wait, a reload, the stop). Beside it:
//! `sender.rs` (the sender task), `logs.rs` (journal lines and the STATUS line), `schedule.rs`
//! (the crontab line in the configured zone), `lock.rs` (one daemon per database).

mod lock;
mod logs;
mod schedule;
mod sender;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sd_notify::NotifyState;
use tokio::sync::{Notify, mpsc, watch};
use tracing::{error, info, warn};

use crate::app::check::{self, CheckClock};
use crate::app::digest::{self, DigestError, DigestOptions, DigestOutcome};
use crate::config::{self, Config};
use crate::core::digest::Period;
use crate::store::{Store, StoreError};
use crate::web::{self, CheckOutcome, DaemonState};
pub use lock::{DaemonLock, LockError, lock_path};
use logs::{LastCheck, local_day, local_time};
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
    /// The current moment; the daemon turns it into the as-of day in the configured zone.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's wall clock ([`Utc::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Tells the service manager about the daemon's state.
pub trait Notifier: Send + Sync {
    /// Sends `states` (READY=1, STATUS=…, WATCHDOG=1, RELOADING=1, STOPPING=1) as one message.
    /// A notification that cannot be sent must not stop the daemon: the systemd one logs it.
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
    /// Load the config file again (SIGHUP); an invalid one is logged and the old one kept.
    Reload,
    /// Stop cleanly (SIGTERM, SIGINT): no half-written transaction; an email whose send is cut
    /// off is sent again after the restart.
    Shutdown,
}

/// What happened, for tests that watch the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A check completed.
    Checked {
        /// The clock's moment the check ran for.
        at: DateTime<Utc>,
        /// The as-of day of that check (the local date in the configured zone).
        day: NaiveDate,
        /// How many emails the check put in the outbox.
        emails: usize,
    },
    /// A check failed (logged); it is tried again after a minute.
    CheckFailed {
        /// The clock's moment the check ran for.
        at: DateTime<Utc>,
    },
    /// A digest was made, or found sent already.
    Digest {
        /// The period it reports (`2025-07`).
        period: String,
        /// True when its email was queued now; false when the period was sent already.
        queued: bool,
    },
    /// A [`Control::Reload`] was handled.
    Reloaded {
        /// False when the new config was invalid or its database could not be taken, and the
        /// previous config stays in effect.
        ok: bool,
    },
    /// The daemon stopped; [`run`] returns next.
    Stopped,
}

/// What the daemon needs from its surroundings.
#[derive(Clone)]
pub struct Deps {
    /// Where the daemon reads the time (schedules, as-of days, retries).
    pub clock: Arc<dyn Clock>,
    /// Where the daemon's state goes (systemd's notify socket in production).
    pub notifier: Arc<dyn Notifier>,
    /// Half of systemd's `WatchdogSec`, if set: the check loop pings at least this often.
    pub watchdog: Option<Duration>,
    /// Where each [`Event`] is sent, for tests; `None` in production.
    pub events: Option<mpsc::UnboundedSender<Event>>,
    /// Where a reload keeps and finds the validated config ([`config::cache_folder`]);
    /// `None` keeps none (tests).
    pub config_cache: Option<PathBuf>,
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
            config_cache: config::cache_folder(),
        }
    }

    fn emit(&self, event: Event) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }
}

/// Why the daemon could not start. Once it runs, failures are logged and retried instead.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Another daemon holds the database, or the lock file cannot be made.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The database cannot be opened and migrated, or the leases a killed daemon left on its
    /// outbox cannot be released.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The `schedule` line cannot be read as a crontab line: the message names it and why.
    #[error("{0}")]
    Schedule(String),
    /// The dashboard's address (`web.listen`) cannot be listened on.
    #[error(
        "web.listen {addr}: cannot listen there: {source}; choose a free port on an address of \
         this machine, or write listen: \"\" to turn the dashboard off"
    )]
    Web {
        /// The address configured.
        addr: std::net::SocketAddr,
        /// What the system said (address in use, not an address of this machine…).
        source: std::io::Error,
    },
}

/// Runs the daemon until `Control::Shutdown` (or the control channel closes).
///
/// # Errors
///
/// At start only: the schedule cannot be read, another daemon holds the database's lock, or
/// the database cannot be opened. Once running, failures are logged and retried instead.
pub async fn run(
    config_file: PathBuf,
    config: Config,
    deps: Deps,
    mut control: mpsc::UnboundedReceiver<Control>,
) -> Result<(), DaemonError> {
    let schedule =
        Schedule::new(&config.schedule, &config.timezone).map_err(DaemonError::Schedule)?;
    let digest_schedule = digest_schedule(&config).map_err(DaemonError::Schedule)?;
    logs::warn_if_busy(&schedule, &config.schedule, deps.clock.now());
    let (lock, mut store) = open_database(&config)?;
    let web_listener = match config.web.listen {
        Some(addr) => Some((
            addr,
            web::bind(addr).map_err(|source| DaemonError::Web { addr, source })?,
        )),
        None => None,
    };
    info!(database = %config.database.display(), lock = %lock.path().display(), pid = std::process::id(), schedule = %config.schedule, timezone = %config.timezone, funds = config.funds.len(), "spendwatch started");
    deps.notifier.notify(&[
        NotifyState::Ready,
        NotifyState::Status("database open; first check running"),
    ]);

    let started = deps.clock.now();
    // The digest of the latest fire time, if the daemon was down then (made once: a period
    // already sent is found so and left alone). Only the latest: a month of downtime sends
    // one digest, not one per month missed.
    let digest = digest_schedule.as_ref().and_then(|s| {
        s.latest_at_or_before(started)
            .filter(|fire| worth_reporting(&config, local_day(&config, *fire)))
            .or_else(|| s.next_after(started))
            .map(|fire| PendingDigest { fire, at: fire })
    });
    let (state_tx, state_rx) = watch::channel(DaemonState {
        started: Some(started),
        next_digest: digest.map(|d| d.at),
        ..DaemonState::default()
    });
    let (config_tx, config_rx) = watch::channel(Arc::new(config));
    let (stop_tx, stop_rx) = watch::channel(false);
    let wake = Arc::new(Notify::new());
    let web = web_listener.map(|(addr, listener)| {
        logs::web_listening(addr);
        let clock = deps.clock.clone();
        tokio::spawn(web::serve(
            listener,
            config_rx.clone(),
            state_rx,
            Arc::new(move || clock.now()),
            stop_rx.clone(),
        ))
    });
    let sender = tokio::spawn(sender::run(config_rx, deps.clone(), wake.clone(), stop_rx));

    let mut checks = CheckLoop {
        next_fire: started,
        digest_schedule,
        digest,
        config_file,
        config: config_tx,
        schedule,
        lock,
        deps,
        wake,
        last_check: None,
        stopping: false,
        state: state_tx,
    };
    while !checks.stopping {
        let now = checks.deps.clock.now();
        if checks.last_check.is_some_and(|last| now < last.at) {
            // The clock went back: plan from the new time rather than wait for the old one.
            checks.next_fire = checks.next_after(now);
        }
        if now >= checks.next_fire {
            store = checks.check(store, now, &mut control).await;
        } else if let Some(pending) = checks.digest.filter(|d| now >= d.at) {
            store = checks.digest(store, pending.fire, now, &mut control).await;
        } else {
            checks.wait(now, &mut store, &mut control).await;
        }
    }
    checks.stop(&stop_tx, sender, web).await;
    Ok(())
}

/// Takes the database for this daemon: first the lock, then the connection.
fn open_database(config: &Config) -> Result<(DaemonLock, Store), DaemonError> {
    // First the lock: a second daemon must stop here, before it touches the database (its
    // release of the leases below would let the first daemon's emails in flight be sent twice).
    let lock = DaemonLock::acquire(&config.database)?;
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
    Ok((lock, store))
}

/// The digest schedule of `config`; `None` when `digest.enabled` is false.
fn digest_schedule(config: &Config) -> Result<Option<Schedule>, String> {
    if !config.digest.enabled {
        return Ok(None);
    }
    Schedule::new(&config.digest.schedule, &config.timezone)
        .map(Some)
        .map_err(|e| format!("digest.{e}"))
}

/// Whether a digest made on `day` reports a month of some fund's year: a fresh install early
/// in its first year does not send the digest of the year before, and a config whose funds'
/// years are all over (not yet updated for the new year) does not send a digest of a closed
/// year every month — its December digest was the last.
fn worth_reporting(config: &Config, day: NaiveDate) -> bool {
    let period = Period::reported_on(day);
    config
        .funds
        .iter()
        .any(|f| period.last >= f.first_day() && period.first <= f.last_day())
}

/// The digest to make next: the fire time it is for (whose day sets the period) and when to
/// try it (later than the fire after a failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PendingDigest {
    fire: DateTime<Utc>,
    at: DateTime<Utc>,
}

/// The check loop's state between checks. The store is not part of it: it is handed to the
/// blocking pool for each check and back.
struct CheckLoop {
    config_file: PathBuf,
    /// The config in effect, shared with the sender (which reopens what a reload changed).
    config: watch::Sender<Arc<Config>>,
    schedule: Schedule,
    /// Held while the daemon runs; released last, after the sender stopped.
    lock: DaemonLock,
    deps: Deps,
    /// Wakes the sender when a check may have queued mail.
    wake: Arc<Notify>,
    next_fire: DateTime<Utc>,
    /// `digest.schedule`; `None` when the digest is turned off.
    digest_schedule: Option<Schedule>,
    /// The next digest to make; `None` when turned off (or the schedule never fires again).
    digest: Option<PendingDigest>,
    last_check: Option<LastCheck>,
    stopping: bool,
    /// What the dashboard shows of the daemon.
    state: watch::Sender<DaemonState>,
}

impl CheckLoop {
    /// The schedule's next fire time after `now`, or a retry soon if it has none.
    fn next_after(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.schedule
            .next_after(now)
            .unwrap_or(now + RETRY_FAILED_CHECK)
    }

    /// The digest after the one of `fire`, made at `now`.
    fn next_digest(&self, now: DateTime<Utc>) -> Option<PendingDigest> {
        self.digest_schedule
            .as_ref()
            .and_then(|s| s.next_after(now))
            .map(|fire| PendingDigest { fire, at: fire })
    }

    /// Makes the digest of the fire time `fire` (the period of its day) at `now`, then handles
    /// the control requests that came in meanwhile. A failure is tried again a minute later,
    /// for the same period.
    async fn digest(
        &mut self,
        store: Store,
        fire: DateTime<Utc>,
        now: DateTime<Utc>,
        control: &mut mpsc::UnboundedReceiver<Control>,
    ) -> Store {
        let config = self.config.borrow().clone();
        let clock = CheckClock {
            day: local_day(&config, fire),
            stamp: now,
            now,
        };
        if !worth_reporting(&config, clock.day) {
            self.digest = self.next_digest(now);
            info!(period = %Period::reported_on(clock.day).key(), "no fund's year covers this month: no monthly digest");
            return store;
        }
        let made_with = config.clone();
        let (mut store, result, requests) = in_background(
            store,
            move |store| digest::run_digest(store, &made_with, &clock, DigestOptions::default()),
            control,
        )
        .await;
        match result {
            Ok(summary) => {
                logs::log_digest_sources(&summary);
                let period = summary.period.key();
                let queued = matches!(summary.outcome, DigestOutcome::Queued(_));
                match &summary.outcome {
                    DigestOutcome::Queued(id) => {
                        info!(period = %period, outbox = id, subject = summary.email.as_ref().map_or("", |e| e.subject.as_str()), "monthly digest queued");
                        self.wake.notify_one();
                    }
                    DigestOutcome::AlreadySent(row) => {
                        info!(period = %period, made_on = %row.made_on, "monthly digest of this period was sent already; not sent again");
                    }
                    DigestOutcome::DryRun { .. } => {}
                }
                // The fire after this one, not after now: a digest that succeeds late (after
                // retries) must not skip the next month.
                self.digest = self.next_digest(fire);
                self.deps.emit(Event::Digest { period, queued });
            }
            Err(e @ DigestError::NoRecipients(_)) => {
                warn!(error = %e, "monthly digest not sent");
                self.digest = self.next_digest(now);
            }
            Err(e) => {
                let at = now + RETRY_FAILED_CHECK;
                error!(error = %e, retry_at = %local_time(&config, at), "monthly digest failed; it is tried again");
                self.digest = Some(PendingDigest { fire, at });
            }
        }
        if let Some(next) = self.digest {
            info!(next_digest = %local_time(&config, next.at), "next monthly digest");
        }
        self.publish();
        for request in requests {
            match request {
                Control::Shutdown => self.stopping = true,
                Control::Reload => self.reload(&mut store),
            }
        }
        store
    }

    /// Runs the check due at `now`, then the control requests that came in meanwhile.
    async fn check(
        &mut self,
        store: Store,
        now: DateTime<Utc>,
        control: &mut mpsc::UnboundedReceiver<Control>,
    ) -> Store {
        let config = self.config.borrow().clone();
        let (mut store, result, requests) =
            check_in_background(store, config.clone(), now, control).await;
        let outcome = match result {
            Ok(summary) => {
                self.checked(&config, now, &summary);
                CheckOutcome {
                    at: now,
                    error: None,
                    emails: summary.emails.len(),
                }
            }
            Err(e) => {
                self.next_fire = now + RETRY_FAILED_CHECK;
                error!(error = %e, retry_in_s = RETRY_FAILED_CHECK.as_secs(), next_check = %local_time(&config, self.next_fire), "check failed; it is tried again");
                self.deps.emit(Event::CheckFailed { at: now });
                CheckOutcome {
                    at: now,
                    error: Some(e.to_string()),
                    emails: 0,
                }
            }
        };
        self.state.send_modify(|s| s.last_check = Some(outcome));
        self.publish();
        logs::status(&self.deps, &config, self.last_check, self.next_fire);
        for request in requests {
            match request {
                Control::Shutdown => self.stopping = true,
                Control::Reload => self.reload(&mut store),
            }
        }
        store
    }

    /// A check done: logged, the sender woken, the next one planned.
    fn checked(&mut self, config: &Config, now: DateTime<Utc>, summary: &check::CheckSummary) {
        let emails = summary.emails.len();
        logs::log_sources(summary);
        self.next_fire = self.next_after(now);
        info!(day = %local_day(config, now), alert_changes = summary.decisions.len(), emails, next_check = %local_time(config, self.next_fire), "check done");
        self.wake.notify_one();
        self.last_check = Some(LastCheck {
            at: now,
            emails,
            overlaps: summary.overlaps,
        });
        self.deps.emit(Event::Checked {
            at: now,
            day: local_day(config, now),
            emails,
        });
    }

    /// Waits until the next check is due, the wall clock is due a look ([`MAX_SLEEP`]), the
    /// watchdog is due a ping, or a control request comes.
    async fn wait(
        &mut self,
        now: DateTime<Utc>,
        store: &mut Store,
        control: &mut mpsc::UnboundedReceiver<Control>,
    ) {
        let next = self
            .digest
            .map_or(self.next_fire, |d| d.at.min(self.next_fire));
        let mut wait = (next - now).to_std().unwrap_or_default().min(MAX_SLEEP);
        if let Some(ping) = self.deps.watchdog {
            wait = wait.min(ping);
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            request = control.recv() => match request {
                Some(Control::Reload) => {
                    self.reload(store);
                    logs::status(&self.deps, &self.config.borrow(), self.last_check, self.next_fire);
                }
                Some(Control::Shutdown) | None => self.stopping = true,
            },
        }
        if self.deps.watchdog.is_some() {
            self.deps.notifier.notify(&[NotifyState::Watchdog]);
        }
        // The code a waiting minute ran (this loop's look at the clock, the sender's at the
        // outbox) leaves again: without this the waiting daemon maps 3 MiB more in its first
        // minute.
        crate::memory::unmap_code_when_quiet();
    }

    /// Loads the config file again; a bad one leaves the previous config in effect. A new
    /// database is taken (its lock, then a connection) before the old one is let go.
    fn reload(&mut self, store: &mut Store) {
        self.deps.notifier.notify(&[NotifyState::Reloading]);
        let config_file = &self.config_file;
        let current_database = self.config.borrow().database.clone();
        // One line per message: the journal stores each line as its own entry.
        let outcome = config::load_kept_in(config_file, self.deps.config_cache.as_deref())
            .map_err(|e| e.to_string().replace('\n', "; "))
            .and_then(|new| {
                let new_schedule = Schedule::new(&new.schedule, &new.timezone)?;
                let new_digest = digest_schedule(&new)?;
                logs::warn_if_busy(&new_schedule, &new.schedule, Utc::now());
                if new.database != current_database {
                    // Another database is this daemon's only if no other daemon holds it.
                    let new_lock = DaemonLock::acquire(&new.database).map_err(|e| e.to_string())?;
                    *store = Store::open_with_busy_timeout(&new.database, BUSY_TIMEOUT)
                        .map_err(|e| e.to_string())?;
                    self.lock = new_lock;
                }
                Ok((new, new_schedule, new_digest))
            });
        match outcome {
            Ok((new, new_schedule, new_digest)) => {
                self.schedule = new_schedule;
                let now = self.deps.clock.now();
                self.next_fire = self.next_after(now);
                // A digest failing and waiting to be tried again, or one due and not made yet
                // (the catch-up at start), keeps its period.
                let retrying = self.digest.filter(|d| d.at != d.fire || d.at <= now);
                self.digest_schedule = new_digest;
                self.digest = match (&self.digest_schedule, retrying) {
                    (Some(_), Some(pending)) => Some(pending),
                    _ => self.next_digest(now),
                };
                info!(file = %config_file.display(), schedule = %new.schedule, funds = new.funds.len(), next_check = %local_time(&new, self.next_fire), "config reloaded");
                if new.web.listen != self.config.borrow().web.listen {
                    warn!(listen = ?new.web.listen, "web.listen changed: the dashboard moves at the next restart (systemctl restart spendwatch)");
                }
                let _ = self.config.send(Arc::new(new));
                self.publish();
                self.deps.emit(Event::Reloaded { ok: true });
            }
            Err(e) => {
                error!(file = %config_file.display(), "config NOT reloaded, the previous one stays in effect: {e}");
                self.deps.emit(Event::Reloaded { ok: false });
            }
        }
        self.deps.notifier.notify(&[NotifyState::Ready]);
    }

    /// The next check and digest, for the dashboard.
    fn publish(&self) {
        let (next_check, next_digest) = (Some(self.next_fire), self.digest.map(|d| d.at));
        self.state.send_if_modified(|s| {
            let changed = s.next_check != next_check || s.next_digest != next_digest;
            s.next_check = next_check;
            s.next_digest = next_digest;
            changed
        });
    }

    /// Stops the sender (waiting [`SENDER_STOP_GRACE`] for a send in flight) and the
    /// dashboard, then lets the database's lock go.
    async fn stop(
        self,
        stop_tx: &watch::Sender<bool>,
        sender: tokio::task::JoinHandle<()>,
        web: Option<tokio::task::JoinHandle<()>>,
    ) {
        info!("stopping");
        self.deps.notifier.notify(&[NotifyState::Stopping]);
        let _ = stop_tx.send(true);
        match tokio::time::timeout(SENDER_STOP_GRACE, sender).await {
            Ok(_) => {}
            Err(_) => warn!(
                "the mail sender did not stop in time; an email in flight is sent again after the restart"
            ),
        }
        if let Some(web) = web {
            let _ = tokio::time::timeout(SENDER_STOP_GRACE, web).await;
        }
        self.deps.emit(Event::Stopped);
        info!("stopped");
        drop(self.lock);
    }
}

/// Runs one check on the blocking pool (SQLite and file reading block), handing the store in
/// and out. Control requests that arrive meanwhile are returned, to be handled after the
/// check: a stop never interrupts a transaction.
async fn check_in_background(
    store: Store,
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
    in_background(
        store,
        move |store| check::run_check(store, &config, &clock, false),
        control,
    )
    .await
}

/// Runs `work` with the store on the blocking pool (SQLite and file reading block), handing the
/// store in and out; control requests that arrive meanwhile are returned, to be handled after:
/// a stop never interrupts a transaction.
async fn in_background<T: Send + 'static>(
    mut store: Store,
    work: impl FnOnce(&mut Store) -> T + Send + 'static,
    control: &mut mpsc::UnboundedReceiver<Control>,
) -> (Store, T, Vec<Control>) {
    // No unmap of the code while the work runs (see `crate::memory`).
    let _working = crate::memory::working();
    let mut handle = tokio::task::spawn_blocking(move || {
        let result = work(&mut store);
        // What the work freed goes back before the daemon waits again (it would stay resident
        // in this thread's arena; see `crate::memory`).
        crate::memory::give_back_freed();
        (store, result)
    });
    let mut requests = Vec::new();
    loop {
        tokio::select! {
            joined = &mut handle => {
                // The check cannot panic in a way we could recover the store from; a panic is a bug.
                let (store, result) = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                // The code it ran (and what runs after it) leaves the daemon's memory once
                // it has been quiet a moment (see `crate::memory`).
                crate::memory::unmap_code_when_quiet();
                return (store, result, requests);
            }
            Some(request) = control.recv() => requests.push(request),
        }
    }
}

#[cfg(test)]
mod tests;
