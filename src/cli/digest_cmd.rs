//! `spendwatch digest [--as-of DAY] [--dry-run] [--force]`: the monthly digest (月度通报) of the
//! month before DAY, queued in the outbox and delivered like a check's emails; once per period.

use chrono::NaiveDate;

use super::{Failure, check_cmd, print_import_reports};
use crate::app::digest::{self, DigestError, DigestOptions, DigestOutcome};
use crate::config::Config;
use crate::store::Store;

pub(super) fn run(
    config: &Config,
    as_of: Option<NaiveDate>,
    dry_run: bool,
    force: bool,
) -> Result<(), Failure> {
    let mut store = Store::open(&config.database)?;
    let clock = check_cmd::clock(config, as_of);
    let summary = digest::run_digest(&mut store, config, &clock, DigestOptions { dry_run, force })
        .map_err(|e| match e {
            DigestError::Store(e) => Failure::from(e),
            e @ (DigestError::Mail(_) | DigestError::NoRecipients(_)) => {
                Failure::invalid(format!("spendwatch: {e}"))
            }
        })?;
    print_import_reports(&summary.imports, &summary.import_warnings);
    super::print_reading_reports(&summary.readings, &summary.reading_warnings);
    let period = summary.period.key();
    match &summary.outcome {
        DigestOutcome::DryRun { sent_before } => {
            if let Some(email) = &summary.email {
                outln!(
                    "To: {}\nSubject: {}\n\n{}",
                    email.to.join(", "),
                    email.subject,
                    email.text
                );
            }
            let refused = match sent_before {
                Some(row) if !force => format!(
                    "; the digest of {period} was sent already on {} (outbox #{}), so without --force it would not be sent again",
                    row.made_on,
                    row.outbox_id
                        .map_or_else(|| "-".to_owned(), |id| id.to_string())
                ),
                _ => String::new(),
            };
            outln!("digest {period}: dry run — nothing was changed or sent{refused}");
        }
        DigestOutcome::AlreadySent(row) => {
            outln!(
                "digest {period}: already sent on {} (outbox #{}): not sent again; give --force to send it once more",
                row.made_on,
                row.outbox_id
                    .map_or_else(|| "-".to_owned(), |id| id.to_string())
            );
        }
        DigestOutcome::Queued(id) => {
            let delivery = check_cmd::deliver_now(config, &mut store)?;
            outln!(
                "digest {period}: queued (outbox #{id}); delivered {}, retrying later {}, failed {}",
                delivery.sent,
                delivery.retrying,
                delivery.failed
            );
        }
    }
    Ok(())
}
