//! What the daemon tells the administrator: the journal lines of a check (one per ledger
//! source) and the one-line STATUS the service manager shows (`systemctl status`).
//!
//! Only words: nothing here decides anything or touches the database. The journal is read by
//! an administrator, so it is English except for the accountant's own rejection reasons.

use chrono::{DateTime, NaiveDate, Utc};
use sd_notify::NotifyState;
use tracing::{info, warn};

use super::{Deps, Schedule};
use crate::app::check::CheckSummary;
use crate::app::import::{FileReport, Outcome};
use crate::config::Config;

/// The last check, as the STATUS line says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LastCheck {
    pub at: DateTime<Utc>,
    /// How many emails it queued.
    pub emails: usize,
    /// How many pairs of sources it found counting the same money twice (said until fixed).
    pub overlaps: usize,
}

/// The day `now` falls on in the configured time zone: the day a check evaluates.
pub(super) fn local_day(config: &Config, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&config.timezone).date_naive()
}

/// A moment as the administrator reads it: local time in the configured zone.
pub(super) fn local_time(config: &Config, t: DateTime<Utc>) -> String {
    t.with_timezone(&config.timezone)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// What the check read from each source (one line each, so the journal answers "did it see
/// my file?"), and the sources it could not use at WARN.
pub(super) fn log_sources(summary: &CheckSummary) {
    for warning in &summary.import_warnings {
        warn!("{warning}");
    }
    for report in &summary.imports {
        log_source(report);
    }
    for warning in &summary.reading_warnings {
        warn!("{warning}");
    }
    for report in &summary.readings {
        log_reading_source(report);
    }
}

/// What the sources synced before a digest gave, as after a check.
pub(super) fn log_digest_sources(summary: &crate::app::digest::DigestSummary) {
    for warning in &summary.import_warnings {
        warn!("{warning}");
    }
    for report in &summary.imports {
        log_source(report);
    }
    for warning in &summary.reading_warnings {
        warn!("{warning}");
    }
    for report in &summary.readings {
        log_reading_source(report);
    }
}

fn log_reading_source(report: &crate::app::readings::ReadingReport) {
    use crate::app::readings::ReadingOutcome;
    let path = report.display.as_str();
    match &report.outcome {
        ReadingOutcome::Unchanged { readings } => {
            info!(
                path,
                outcome = "unchanged",
                readings,
                "readings source read"
            );
        }
        ReadingOutcome::Rejected { report, known, .. } => {
            // The problems are for the people who fill in the file: as they are told.
            warn!(
                path,
                outcome = "rejected",
                known,
                "readings source read: {report}"
            );
        }
        other => {
            let outcome = match other {
                ReadingOutcome::Imported { .. } => "imported",
                ReadingOutcome::Missing { .. } => "missing",
                _ => "no longer configured",
            };
            info!(
                path,
                outcome,
                "readings source read: {}",
                report.describe().unwrap_or_default()
            );
        }
    }
}

fn log_source(report: &FileReport) {
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
        } => log_rejected(path, report, *known, *entries_in_force),
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

/// A rejected file: its reasons the first time they are seen (`known`: rejected before and
/// unchanged since), and what stays in force.
fn log_rejected(path: &str, reasons: &str, known: bool, entries_in_force: i64) {
    let outcome = if known {
        "rejected again (unchanged)"
    } else {
        "rejected"
    };
    info!(path, outcome, entries_in_force, "ledger source read");
    if known {
        return;
    }
    // The reasons, as the accountant reads them (one journal entry a line).
    for line in reasons.lines() {
        warn!(file = path, "{line}");
    }
    if entries_in_force > 0 {
        warn!(
            file = path,
            entries_in_force, "ledger file rejected; its previous version stays in force"
        );
    } else {
        warn!(
            file = path,
            "ledger file rejected; no version of it is in force"
        );
    }
}

/// A schedule that fires more than once a day is legal but rarely meant (a sixth field makes
/// `0 9 * * * *` hourly): say so in the journal, where the administrator looks.
pub(super) fn warn_if_busy(schedule: &Schedule, line: &str, now: DateTime<Utc>) {
    if schedule.upcoming(now, 3).more_than_once_a_day {
        warn!(
            schedule = line,
            "the schedule checks more than once a day; \"0 9 * * *\" is 09:00 daily"
        );
    }
}

/// The STATUS line: the last check, the next one, and money counted twice while it is.
pub(super) fn status(deps: &Deps, config: &Config, last: Option<LastCheck>, next: DateTime<Utc>) {
    let fmt = |t: DateTime<Utc>| local_time(config, t);
    let (last, overlaps) = match last {
        Some(LastCheck {
            at,
            emails,
            overlaps,
        }) => (
            format!("last check {} ({emails} emails)", fmt(at)),
            overlaps,
        ),
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

/// Where the dashboard listens, at start; an address beyond this machine is said to be one.
pub(super) fn web_listening(addr: std::net::SocketAddr) {
    if addr.ip().is_loopback() {
        info!(url = %crate::web::describe(addr), "dashboard listening (this machine only)");
    } else {
        warn!(url = %crate::web::describe(addr), "dashboard listening on an address REACHABLE FROM THE NETWORK (web.listen); restrict it with a firewall or web.trusted_proxies");
    }
}
