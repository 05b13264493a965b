//! The monthly digest (月度通报), as `spendwatch digest` and the daemon's digest schedule make
//! it: sync the sources, read the snapshot as of the last day of the month before the clock's
//! day, compose the digest, and queue its email with the period marked sent in one
//! transaction (the outbox delivers it like a check's emails).
//!
//! A period is sent once: a second digest of it is refused unless forced, and the check and the
//! write are one transaction, so two makers racing (the daemon and a hand) queue one email.

use std::path::Path;

use tracing::warn;

use crate::app::check::{CheckClock, QueuedEmail};
use crate::app::import::{self, FileReport};
use crate::app::readings::ReadingReport;
use crate::app::snapshot::{self, Snapshot};
use crate::config::Config;
use crate::core::digest::{Period, spent_in};
use crate::core::{AlertKey, Reason};
use crate::mail::{self, InlineImage, MailError};
use crate::report::chart::{self, BurnUp, DEFAULT_OVERVIEW_FUNDS, Fonts, Overview};
use crate::report::digest::{
    self as words, ChartRef, DigestFund, DigestInput, PeriodAlert, SourceChange,
};
use crate::report::{RenderedEmail, goals};
use crate::store::{AlertEvent, DigestRecord, DigestRow, EmailRecord, Store, StoreError};

/// How a digest is made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DigestOptions {
    /// Compose it and say what would happen; change nothing.
    pub dry_run: bool,
    /// Make it again although its period was sent (`digest --force`).
    pub force: bool,
}

/// What became of a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestOutcome {
    /// Queued in the outbox (row id), its period recorded as sent.
    Queued(i64),
    /// A dry run: nothing was kept. `sent_before` is the digest of the period already sent,
    /// which would make a real run refuse (without `--force`).
    DryRun {
        /// The digest of the period already sent, if any.
        sent_before: Option<DigestRow>,
    },
    /// The period was sent already: nothing was done.
    AlreadySent(DigestRow),
}

/// What one digest did, for `spendwatch digest` to print and the daemon to log.
#[derive(Debug, Clone)]
pub struct DigestSummary {
    /// The month reported.
    pub period: Period,
    /// Each configured file synced first, and what became of it.
    pub imports: Vec<FileReport>,
    /// `ledger.sources` patterns that are not valid globs or name no file, in English.
    pub import_warnings: Vec<String>,
    /// Each file of readings synced beside them.
    pub readings: Vec<ReadingReport>,
    /// `indicators.sources` patterns that are not valid globs or name no file, in English.
    pub reading_warnings: Vec<String>,
    /// The email (absent when the period was sent already and not forced).
    pub email: Option<QueuedEmail>,
    /// What became of it.
    pub outcome: DigestOutcome,
}

/// Why a digest could not be made. Nothing is queued or recorded then.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The database failed (exit 1).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The email could not be built from the configured addresses (exit 2).
    #[error(transparent)]
    Mail(#[from] MailError),
    /// Nobody to send it to: neither `digest.to` nor `email.to` (exit 2).
    #[error(
        "the monthly digest has no recipients: set digest.to (or email.to) in {0}, or turn it off with digest: {{enabled: false}}"
    )]
    NoRecipients(String),
}

/// Makes the digest of the period of `clock.day` (the month before its month).
///
/// # Errors
/// [`DigestError::Store`] when the database fails, [`DigestError::Mail`] when the configured
/// addresses cannot make an email, [`DigestError::NoRecipients`] without recipients. Nothing
/// is queued or recorded then (the sources synced before keep their new versions).
pub fn run_digest(
    store: &mut Store,
    config: &Config,
    clock: &CheckClock,
    options: DigestOptions,
) -> Result<DigestSummary, DigestError> {
    if config.digest.to.is_empty() {
        return Err(DigestError::NoRecipients(config.file.display().to_string()));
    }
    if options.dry_run {
        store.begin_dry_run()?;
    }
    let result = digest_inner(store, config, clock, options);
    if options.dry_run {
        store.rollback_dry_run()?;
    }
    result
}

fn digest_inner(
    store: &mut Store,
    config: &Config,
    clock: &CheckClock,
    options: DigestOptions,
) -> Result<DigestSummary, DigestError> {
    let period = Period::reported_on(clock.day);
    let sent_before = store.digest_of(period)?;
    let (files, import_warnings) = import::configured_files(config);
    let imports = import::sync_sources(store, config, &files, clock.stamp)?;
    let (readings, reading_warnings) =
        crate::app::readings::sync_readings(store, config, clock.stamp)?;
    let mut summary = DigestSummary {
        period,
        imports,
        import_warnings,
        readings,
        reading_warnings,
        email: None,
        outcome: DigestOutcome::DryRun { sent_before: None },
    };
    if let (Some(row), false, false) = (&sent_before, options.force, options.dry_run) {
        summary.outcome = DigestOutcome::AlreadySent(row.clone());
        return Ok(summary);
    }
    let snapshot = snapshot::read(store, config, period.last)?;
    let sources = source_changes(store, config)?;
    let events = store.alert_events_between(period.first, period.last)?;
    let input = input(config, &snapshot, period, sources, &events);
    let (message, rendered) = compose(config, &input, &snapshot)?;
    let queued = if options.dry_run {
        summary.outcome = DigestOutcome::DryRun { sent_before };
        None
    } else {
        let email = EmailRecord {
            message_id: &message.message_id,
            subject: &message.subject,
            envelope_from: &message.envelope_from,
            envelope_to: &message.envelope_to,
            raw: &message.raw,
            announces: Vec::new(),
        };
        let record = DigestRecord {
            period,
            made_on: clock.day,
            now: clock.stamp,
            send_from: clock.now,
            email: &email,
            replace: options.force,
        };
        match store.record_digest(&record)? {
            Some(id) => {
                summary.outcome = DigestOutcome::Queued(id);
                Some(id)
            }
            // Sent by another maker since it was looked at: nothing was written.
            None => {
                let row = store.digest_of(period)?;
                if let Some(row) = row {
                    summary.outcome = DigestOutcome::AlreadySent(row);
                }
                return Ok(summary);
            }
        }
    };
    summary.email = Some(QueuedEmail {
        outbox_id: queued,
        to: message.envelope_to,
        subject: message.subject,
        text: rendered.text,
    });
    Ok(summary)
}

/// The email of a digest, and its words. The one place charts join it: the chart images are
/// rendered here from `input` and passed both to [`words::render`] (as [`ChartRef`]s, which
/// put `<img src="cid:…">` in the HTML) and to the MIME composer (as inline parts); without
/// charts the email refers to no image.
fn compose(
    config: &Config,
    input: &DigestInput<'_>,
    snapshot: &Snapshot<'_>,
) -> Result<(mail::Composed, RenderedEmail), MailError> {
    let charts = charts(config, input, snapshot);
    // Everything; else the overview alone; else no image: the first that fits the size limit
    // (the tables carry every number, so an email without images still says it all).
    let overview_only = |c: &&(ChartRef, InlineImage)| c.0.fund.is_none();
    let attempts: [Vec<&(ChartRef, InlineImage)>; 3] = [
        charts.iter().collect(),
        charts.iter().filter(overview_only).collect(),
        Vec::new(),
    ];
    let mut last = None;
    for chosen in attempts {
        let refs: Vec<ChartRef> = chosen.iter().map(|(r, _)| r.clone()).collect();
        let images: Vec<InlineImage> = chosen.iter().map(|(_, i)| i.clone()).collect();
        let rendered = words::render(input, &refs);
        match mail::compose_with_images(&config.email.from, &config.digest.to, &rendered, &images) {
            Ok(message) => return Ok((message, rendered)),
            Err(MailError::TooLarge { bytes, limit }) => {
                warn!(
                    bytes,
                    limit,
                    charts = refs.len(),
                    "digest too large with its charts: trying with fewer"
                );
                last = Some(MailError::TooLarge { bytes, limit });
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or(MailError::TooLarge {
        bytes: 0,
        limit: mail::MAX_MESSAGE_BYTES,
    }))
}

/// Fund charts drawn at most. With more funds than this, the overview (the
/// [`DEFAULT_OVERVIEW_FUNDS`] furthest behind and the average) stands for all, and the
/// charts go to the laggards only, furthest behind first: a 1,000-fund digest stays small
/// and quick to make.
pub const MAX_FUND_CHARTS: usize = 5;

/// A fund chart's size in CSS pixels (the PNG is twice as large, for sharp screens).
const CHART_SIZE: (u32, u32) = (600, 320);

/// The charts of a digest with their images: the overview when there are more funds with data
/// than [`MAX_FUND_CHARTS`], then the funds' burn-up charts (every fund with data, or the
/// laggards). A chart that cannot be drawn is left out and logged; the digest still goes.
fn charts(
    config: &Config,
    input: &DigestInput<'_>,
    snapshot: &Snapshot<'_>,
) -> Vec<(ChartRef, InlineImage)> {
    // The digest's own order (the table's), so a chart always has its fund's section.
    let ranked = words::ranked(input);
    if ranked.is_empty() {
        return Vec::new();
    }
    let fonts = Fonts::system();
    let mut out = Vec::new();
    let many = ranked.len() > MAX_FUND_CHARTS;
    if many {
        let overview = Overview::of(&snapshot.funds, DEFAULT_OVERVIEW_FUNDS);
        let rows = overview.funds.len() + usize::from(overview.average.is_some());
        let height = 60 + 28 * u32::try_from(rows).unwrap_or(u32::MAX / 64);
        match chart::overview_png_with(&overview, CHART_SIZE.0, height, &fonts) {
            Ok(png) => out.push((
                ChartRef::overview(CHART_SIZE.0, height),
                InlineImage {
                    cid: words::chart_cid(None),
                    name: "overview.png".to_owned(),
                    png,
                },
            )),
            Err(e) => warn!(error = %e, "the digest's overview chart could not be drawn"),
        }
    }
    let drawn = ranked
        .iter()
        // With many funds, the laggards only (the table puts them first).
        .filter(|(_, s)| !many || s.gap_points() < 0.0)
        .take(if many { MAX_FUND_CHARTS } else { ranked.len() });
    for (i, _) in drawn {
        let Some(f) = snapshot.funds.get(*i) else {
            continue;
        };
        let burn_up = BurnUp::of(f, config.alerts.time_basis);
        match chart::png_with(&burn_up, CHART_SIZE.0, CHART_SIZE.1, &fonts) {
            Ok(png) => out.push((
                ChartRef::fund(&f.fund.id, &f.fund.name, CHART_SIZE.0, CHART_SIZE.1),
                InlineImage {
                    cid: words::chart_cid(Some(&f.fund.id)),
                    name: format!("{}.png", f.fund.id),
                    png,
                },
            )),
            Err(e) => warn!(fund = %f.fund.id, error = %e, "a digest chart could not be drawn"),
        }
    }
    out
}

/// The digest's input from the snapshot read as of the period's last day, the sources' last
/// changes and the alert history of the period.
pub fn input<'s>(
    config: &Config,
    snapshot: &'s Snapshot<'_>,
    period: Period,
    sources: Vec<SourceChange>,
    events: &[AlertEvent],
) -> DigestInput<'s> {
    DigestInput {
        period,
        time_basis: config.alerts.time_basis,
        funds: snapshot
            .funds
            .iter()
            .map(|f| DigestFund {
                fund: f.fund,
                report: &f.report,
                has_data: f.has_data(),
                month_spent: spent_in(&f.spend, period),
                level: f.grading.as_ref().map(|g| g.level),
                forecast: &f.forecast,
                catch_up: &f.catch_up,
                light: f.light,
                indicators: f
                    .indicators
                    .iter()
                    .map(|i| (i.indicator, &i.report))
                    .collect(),
                explanations: f
                    .explanations
                    .iter()
                    .filter(|e| e.in_force(period.last))
                    .collect(),
            })
            .collect(),
        department: snapshot
            .department
            .iter()
            .map(|i| (i.indicator, &i.report))
            .collect(),
        sources,
        alerts: events
            .iter()
            .map(|e| PeriodAlert {
                day: e.check_day,
                fund: fund_name(config, &e.key),
                about: about(config, &e.key),
                kind: e.key.kind,
                reason: Reason::parse(&e.reason).ok_or_else(|| e.reason.clone()),
                level: e.level,
            })
            .collect(),
    }
}

/// Each ledger source in force, as shown, with the day (in the configured zone) it last
/// changed.
fn source_changes(store: &Store, config: &Config) -> Result<Vec<SourceChange>, StoreError> {
    Ok(store
        .source_overviews()?
        .into_iter()
        .filter(|s| s.withdrawn.is_none() && s.accepted)
        .map(|s| SourceChange {
            name: import::display_path(Path::new(&s.path)),
            changed: s
                .changed_at
                .map(|t| t.with_timezone(&config.timezone).date_naive()),
        })
        .collect())
}

/// The name a finance officer knows an alert's fund by, as `spendwatch alerts` shows it.
fn fund_name(config: &Config, key: &AlertKey) -> String {
    match config.fund(&key.fund) {
        Some(f) => f.name.clone(),
        None if key.fund.is_empty() && key.kind.is_indicator() => goals::DEPARTMENT.to_owned(),
        None if key.fund.is_empty() => "（账务数据）".to_owned(),
        None => key.fund.clone(),
    }
}

/// The milestone's day or the indicator's name.
fn about(config: &Config, key: &AlertKey) -> Option<String> {
    if let Some(id) = &key.indicator {
        return Some(
            config
                .indicators
                .iter()
                .find(|i| &i.id == id)
                .map_or_else(|| id.clone(), |i| i.name.clone()),
        );
    }
    key.milestone.map(|d| d.to_string())
}
