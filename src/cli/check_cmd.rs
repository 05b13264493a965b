//! `spendwatch check [--as-of DAY] [--dry-run]`: one import + evaluation + alerting pass, as the
//! daemon does at each tick, then delivery of what is due in the outbox.

use chrono::NaiveDate;

use super::{Failure, print_import_reports};
use crate::app::check::{self, CheckClock};
use crate::app::deliver;
use crate::config::Config;
use crate::mail;
use crate::store::Store;

pub(super) fn run(config: &Config, as_of: Option<NaiveDate>, dry_run: bool) -> Result<(), Failure> {
    let mut store = Store::open(&config.database)?;
    let clock = clock(config, as_of);
    let summary = check::run_check(&mut store, config, &clock, dry_run).map_err(|e| match e {
        check::CheckError::Store(e) => Failure::from(e),
        check::CheckError::Mail(e) => Failure::invalid(format!("spendwatch: {e}")),
    })?;
    print_import_reports(&summary.imports, &summary.import_warnings);
    super::print_reading_reports(&summary.readings, &summary.reading_warnings);

    let changes = summary.decisions.len();
    if dry_run {
        for email in &summary.emails {
            outln!(
                "To: {}\nSubject: {}\n\n{}",
                email.to.join(", "),
                email.subject,
                email.text
            );
        }
        outln!(
            "check {}: dry run — {changes} alert changes, {} emails would be sent; nothing was changed or sent",
            clock.day,
            summary.emails.len()
        );
        return Ok(());
    }
    let delivery = deliver_now(config, &mut store)?;
    outln!(
        "check {}: {changes} alert changes, {} emails queued; delivered {}, retrying later {}, failed {}",
        clock.day,
        summary.emails.len(),
        delivery.sent,
        delivery.retrying,
        delivery.failed
    );
    Ok(())
}

/// The check's clock: the as-of day (today in the configured zone unless given), the moment
/// recorded for it (the current time of day on that day), and the real time for delivery.
pub(super) fn clock(config: &Config, as_of: Option<NaiveDate>) -> CheckClock {
    let now = chrono::Utc::now();
    let local = now.with_timezone(&config.timezone);
    let day = as_of.unwrap_or_else(|| local.date_naive());
    let stamp = day
        .and_time(local.time())
        .and_local_timezone(config.timezone.clone())
        .earliest()
        .map_or(now, |t| t.with_timezone(&chrono::Utc));
    CheckClock { day, stamp, now }
}

/// Delivers the outbox messages that are due now through the configured transport.
pub(super) fn deliver_now(
    config: &Config,
    store: &mut Store,
) -> Result<deliver::DeliveryReport, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let transport = mail::transport(&config.email)
            .map_err(|e| Failure::invalid(format!("spendwatch: {e}")))?;
        deliver::deliver_due(
            store,
            transport.as_ref(),
            chrono::Utc::now,
            || false,
            &mut 0,
        )
        .await
        .map_err(Failure::from)
    })
}
