//! Bringing ledger files into the store: which files, whether they changed, reading them and
//! replacing each source's entries.
//!
//! Two modes: the sources of the config are synced one by one (a bad file is reported and its
//! previous version stays in force), and `spendwatch import FILE…` is all or nothing.
//!
//! A file is looked at in up to three steps, each only when the one before says it may have
//! changed: its size and time; a pass that hashes its bytes and detects its encoding; and the
//! pass that reads it into the store, streaming, so memory does not grow with the file.

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use crate::config::{Config, Series};
use crate::core::Money;
use crate::ledger::{
    self, Block, Blocks, Detected, Encoding, EntryRef, ProblemList, ReadError, ReadOptions,
    Scanned, Sniffer,
};
use crate::store::{Fingerprint, Origin, Overlap, SourceMeta, Store, StoreError, Withdrawn};

mod settle;
pub(crate) use settle::pattern_names;

/// A file to import and the fund of its rows when it has no fund column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Absolute; the key of the source in the database.
    pub path: PathBuf,
    pub fund: Option<String>,
    /// The `ledger.sources` entry that names it (its position); `None` for a file imported by
    /// hand.
    pub spec: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Same bytes, same settings as the version in force.
    Unchanged { entries: i64 },
    /// Read without problems; `previous` entries were (or would be) replaced, of which
    /// `written` were new or changed.
    Imported {
        entries: usize,
        previous: i64,
        written: usize,
        subtotal_rows: usize,
        note_rows: usize,
        /// Title lines, page lines and repeated headers of a printed report.
        page_rows: usize,
        /// The sheets of a workbook not read, each with why (`工作表"旧账"（隐藏的工作表）`).
        skipped_sheets: Vec<String>,
        encoding: Option<Encoding>,
    },
    /// Rejected with every problem listed; `known` when this exact version was rejected before.
    Rejected {
        report: String,
        known: bool,
        entries_in_force: i64,
    },
    /// A configured file that is not there (any entries it had stay in force).
    Missing { entries_in_force: i64 },
    /// Left force: a newer file of its year-to-date series (`by`, as shown) holds its
    /// entries; `why` says why that one is newer. Its `entries` (summing to `amount`) stay in
    /// the database, counted nowhere.
    Superseded {
        by: String,
        why: String,
        entries: i64,
        amount: Money,
    },
    /// Left force: `ledger.sources` no longer names it (a folder moved, a glob changed).
    Unconfigured { entries: i64, amount: Money },
    /// Back in force, for the reason `why`.
    Restored { why: String, entries: i64 },
}

impl Outcome {
    /// For a change of force (superseded, no longer configured, back in force), what happened
    /// in words for the admin's email; `None` for the other outcomes.
    pub fn force_change(&self) -> Option<String> {
        Some(match self {
            Outcome::Superseded {
                by,
                why,
                entries,
                amount,
            } => format!(
                "它已被 {by} 取代（{why}），它的{entries}条分录（{}）不再计入；同一账簿只计最新的一份逐月累计导出。",
                crate::report::words::yuan(*amount)
            ),
            Outcome::Unconfigured { entries, amount } => format!(
                "config.yaml 的 ledger.sources 已不再包含它，它的{entries}条分录（{}）不再计入；如需计入，请把它加回 ledger.sources，或用 spendwatch import 手工导入。",
                crate::report::words::yuan(*amount)
            ),
            Outcome::Restored { why, entries } => {
                format!("它重新计入（{why}），分录{entries}条。")
            }
            _ => return None,
        })
    }

    /// Whether the entries in force may have changed (the overlaps must be found again).
    pub fn changes_force(&self) -> bool {
        matches!(
            self,
            Outcome::Imported { .. }
                | Outcome::Superseded { .. }
                | Outcome::Unconfigured { .. }
                | Outcome::Restored { .. }
        )
    }
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: SourceFile,
    /// The path as the user should see it.
    pub display: String,
    pub outcome: Outcome,
    /// Warnings about entries that also appear in another source.
    pub duplicates: Vec<String>,
}

/// Errors of the import command: a bad file changes nothing (exit 2); a store failure is a
/// runtime failure (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The files `ledger.sources` names today, and warnings about patterns that name none.
pub fn configured_files(config: &Config) -> (Vec<SourceFile>, Vec<String>) {
    let mut files: Vec<SourceFile> = Vec::new();
    let mut warnings = Vec::new();
    for (index, spec) in config.sources.iter().enumerate() {
        let pattern = spec.pattern.to_string_lossy();
        let mut matched = 0;
        match glob::glob(&pattern) {
            Ok(paths) => {
                for path in paths.flatten() {
                    let path = source_key(&path);
                    if path.is_file() && !files.iter().any(|f| f.path == path) {
                        files.push(SourceFile {
                            path,
                            fund: spec.fund.clone(),
                            spec: Some(index),
                        });
                    }
                    matched += 1;
                }
            }
            Err(e) => warnings.push(format!("ledger source {pattern}: {e}")),
        }
        if matched == 0 {
            if glob::Pattern::escape(&pattern) == pattern {
                // A plain file name: report it as missing so its entries' fate is visible.
                files.push(SourceFile {
                    path: spec.pattern.clone(),
                    fund: spec.fund.clone(),
                    spec: Some(index),
                });
            } else {
                warnings.push(format!("ledger source {pattern} matches no file"));
            }
        }
    }
    (files, warnings)
}

/// The `ledger.sources` patterns (as written in the config, made absolute) that match no file
/// on disk now.
pub fn unmatched_patterns(config: &Config) -> Vec<String> {
    config
        .sources
        .iter()
        .map(|spec| spec.pattern.to_string_lossy().into_owned())
        .filter(|pattern| {
            glob::glob(pattern).map_or(true, |paths| !paths.flatten().any(|p| p.is_file()))
        })
        .collect()
}

/// Syncs the config's sources one by one: changed files are re-read, bad versions are recorded
/// and reported, good ones replace their source's entries; then force is settled (the newest
/// file of each year-to-date series, nothing the config no longer names), each change of
/// force reported after the files.
pub fn sync_sources(
    store: &mut Store,
    config: &Config,
    files: &[SourceFile],
    now: &str,
) -> Result<Vec<FileReport>, StoreError> {
    let mut reports = Vec::with_capacity(files.len());
    let in_series = |f: &SourceFile| {
        f.spec
            .is_some_and(|i| config.sources[i].series == Series::Ytd)
    };
    for file in files.iter().filter(|f| !in_series(f)) {
        reports.push(sync_report(store, config, file, now)?);
    }
    // A year-to-date series is read and settled in one transaction: a reader never sees the
    // new export in force beside the one it supersedes.
    for (index, _) in config
        .sources
        .iter()
        .enumerate()
        .filter(|(_, spec)| spec.series == Series::Ytd)
    {
        store.together(|store| {
            for file in files.iter().filter(|f| f.spec == Some(index)) {
                reports.push(sync_report(store, config, file, now)?);
            }
            settle::settle_series(store, config, index, files, &mut reports, now)
        })?;
    }
    // After the reads, which create the records of new files.
    settle::mark_configured(store, files, now)?;
    settle::settle_unnamed(store, config, files, &mut reports, now)?;
    if reports.iter().any(|r| r.outcome.changes_force()) {
        store.refresh_overlaps()?;
    }
    queue_force_notices(store, &reports, now)?;
    // Only once force is settled: an export superseded a moment ago duplicates nothing.
    for report in &mut reports {
        if matches!(report.outcome, Outcome::Imported { .. }) {
            report.duplicates = duplicate_warnings(store, &key_of(&report.file), &report.display)?;
        }
    }
    Ok(reports)
}

/// Keeps the changes of force among `reports` for the next check to email to the admin: a
/// change found by `status` or `import` is told as surely as one found by a check.
fn queue_force_notices(
    store: &mut Store,
    reports: &[FileReport],
    now: &str,
) -> Result<(), StoreError> {
    for report in reports {
        if let Some(what) = report.outcome.force_change() {
            store.queue_force_notice(&report.display, &what, now)?;
        }
    }
    Ok(())
}

/// Syncs one configured file into a report (its duplicates are looked for later).
fn sync_report(
    store: &mut Store,
    config: &Config,
    file: &SourceFile,
    now: &str,
) -> Result<FileReport, StoreError> {
    let display = display_path(&file.path);
    let outcome = sync_one(store, config, file, &display, now)?;
    Ok(FileReport {
        file: file.clone(),
        display,
        outcome,
        duplicates: Vec::new(),
    })
}

fn sync_one(
    store: &mut Store,
    config: &Config,
    file: &SourceFile,
    display: &str,
    now: &str,
) -> Result<Outcome, StoreError> {
    let key = key_of(file);
    let record = store.source(&key)?;
    let in_force = record.as_ref().map_or(0, |r| r.entry_count);
    let settings = settings_hash(config, file.fund.as_deref());
    let meta = match stat(&file.path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Outcome::Missing {
                entries_in_force: in_force,
            });
        }
        Err(e) => {
            let report = cannot_read_file(display, &e);
            return Ok(Outcome::Rejected {
                report,
                known: false,
                entries_in_force: in_force,
            });
        }
    };
    let accepted = record.as_ref().and_then(|r| r.accepted.as_ref());
    if accepted.is_some_and(|f| f.settings == settings)
        && record.as_ref().and_then(|r| r.meta) == Some(meta)
    {
        return Ok(Outcome::Unchanged { entries: in_force });
    }
    let (content, detected) = match examine(&file.path) {
        Ok(found) => found,
        Err(e) => {
            let report = cannot_read_file(display, &e);
            return Ok(Outcome::Rejected {
                report,
                known: false,
                entries_in_force: in_force,
            });
        }
    };
    let fingerprint = Fingerprint { content, settings };
    if accepted == Some(&fingerprint) {
        store.touch_source(&key, meta)?;
        return Ok(Outcome::Unchanged { entries: in_force });
    }
    if let Some((rejected, report)) = record.as_ref().and_then(|r| r.rejected.as_ref())
        && rejected == &fingerprint
    {
        return Ok(Outcome::Rejected {
            report: report.clone(),
            known: true,
            entries_in_force: in_force,
        });
    }
    let previous = reusable_blocks(record.as_ref(), &fingerprint);
    match write(
        store,
        config,
        file,
        &key,
        display,
        &fingerprint,
        &detected,
        &previous,
        Some(meta),
        now,
    ) {
        Ok(outcome) => Ok(outcome),
        Err(WriteError::Store(e)) => Err(e),
        Err(WriteError::Io(report)) => Ok(Outcome::Rejected {
            report,
            known: false,
            entries_in_force: in_force,
        }),
        Err(WriteError::Rejected(report)) => {
            store.record_rejection(&key, &fingerprint, &report, now)?;
            Ok(Outcome::Rejected {
                report,
                known: false,
                entries_in_force: in_force,
            })
        }
    }
}

/// Imports files given by hand: if any file is bad, nothing changes. With `dry_run`, every
/// file is read and counted and nothing is kept.
pub fn import_files(
    store: &mut Store,
    config: &Config,
    files: &[SourceFile],
    dry_run: bool,
    now: &str,
) -> Result<(Vec<FileReport>, Vec<Overlap>), ImportError> {
    let mut problems: Vec<String> = Vec::new();
    store
        .atomically(!dry_run, |store| -> Result<_, ImportError> {
            let mut reports = Vec::with_capacity(files.len());
            for file in files {
                let display = display_path(&file.path);
                let key = key_of(file);
                let found =
                    stat(&file.path).and_then(|meta| examine(&file.path).map(|e| (meta, e)));
                let (meta, (content, detected)) = match found {
                    Ok(found) => found,
                    Err(e) => {
                        problems.push(cannot_read_file(&display, &e));
                        continue;
                    }
                };
                let fingerprint = Fingerprint {
                    content,
                    settings: settings_hash(config, file.fund.as_deref()),
                };
                let record = store.source(&key)?;
                let in_force = record.as_ref().map_or(0, |r| r.entry_count);
                if record.as_ref().and_then(|r| r.accepted.as_ref()) == Some(&fingerprint) {
                    store.touch_source(&key, meta)?;
                    reports.push(FileReport {
                        file: file.clone(),
                        display,
                        outcome: Outcome::Unchanged { entries: in_force },
                        duplicates: vec![],
                    });
                    continue;
                }
                // After a bad file the others are still read, to report all problems at once.
                let previous = reusable_blocks(record.as_ref(), &fingerprint);
                match write(
                    store,
                    config,
                    file,
                    &key,
                    &display,
                    &fingerprint,
                    &detected,
                    &previous,
                    Some(meta),
                    now,
                ) {
                    Ok(outcome) => reports.push(FileReport {
                        file: file.clone(),
                        display,
                        outcome,
                        duplicates: vec![],
                    }),
                    Err(WriteError::Store(e)) => return Err(e.into()),
                    Err(WriteError::Rejected(report) | WriteError::Io(report)) => {
                        problems.push(report)
                    }
                }
            }
            if !problems.is_empty() {
                return Err(ImportError::Rejected(String::new()));
            }
            // A file imported by hand stays until forgotten, and is back in force if the config had
            // stopped naming it.
            for report in &reports {
                let key = key_of(&report.file);
                store.set_origin(&key, Origin::Hand)?;
                let withdrawn = store
                    .source_overviews()?
                    .into_iter()
                    .find(|s| s.path == key);
                if withdrawn.is_some_and(|s| s.withdrawn == Some(Withdrawn::Unconfigured)) {
                    store.set_withdrawn(&key, None, now)?;
                }
            }
            // A file of a year-to-date folder imported by hand supersedes the older ones at
            // once, not at the next read.
            let (configured, _) = configured_files(config);
            for (index, _) in config
                .sources
                .iter()
                .enumerate()
                .filter(|(_, spec)| spec.series == Series::Ytd)
            {
                settle::settle_series(store, config, index, &configured, &mut reports, now)?;
            }
            if reports.iter().any(|r| r.outcome.changes_force()) {
                store.refresh_overlaps()?;
            }
            queue_force_notices(store, &reports, now)?;
            // In a dry run too: the money counted twice is what a dry run is for.
            for report in &mut reports {
                if matches!(report.outcome, Outcome::Imported { .. }) {
                    report.duplicates =
                        duplicate_warnings(store, &key_of(&report.file), &report.display)?;
                }
            }
            let overlaps = store.overlaps()?;
            Ok((reports, overlaps))
        })
        .map_err(|e| match e {
            ImportError::Rejected(_) => ImportError::Rejected(rejection_summary(&problems)),
            other => other,
        })
}

/// Every problem of the files rejected by a hand import, then what happened and what to do.
fn rejection_summary(problems: &[String]) -> String {
    let count = problems.len();
    let mut message = problems.join("\n");
    let _ = write!(
        message,
        "\n{count} 个文件被拒绝，本次未导入任何内容；请按上面的提示改正文件后重新导入"
    );
    message
}

enum WriteError {
    /// The file is bad: every problem, formatted.
    Rejected(String),
    /// The file could not be read to the end.
    Io(String),
    Store(StoreError),
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> WriteError {
        WriteError::Store(e)
    }
}

/// Reads `file` into a new version of its source; nothing changes if it is bad.
#[allow(clippy::too_many_arguments)]
fn write(
    store: &mut Store,
    config: &Config,
    file: &SourceFile,
    key: &str,
    display: &str,
    fingerprint: &Fingerprint,
    detected: &Detected,
    previous: &[Block],
    meta: Option<SourceMeta>,
    now: &str,
) -> Result<Outcome, WriteError> {
    let extension = file
        .path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = ReadOptions {
        funds: &config.funds,
        default_fund: file.fund.as_deref(),
        extra_headers: &config.extra_headers,
        extra_subtotal_words: &config.subtotal_words,
    };
    let cannot_read = |e: std::io::Error| WriteError::Io(cannot_read_file(display, &e));
    let opened = std::fs::File::open(&file.path).map_err(cannot_read)?;
    // For cutting a UTF-8 file into blocks and reusing those the previous read had.
    let scan = |start: u64, end: u64| scan_range(&opened, start, end);
    let reopen = |offset: u64| -> std::io::Result<Box<dyn Read + Send>> {
        let mut f = std::fs::File::open(&file.path)?;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(offset))?;
        Ok(Box::new(std::io::BufReader::with_capacity(256 * 1024, f)))
    };
    let blocks = Blocks {
        previous,
        scan: &scan,
        reopen: &reopen,
    };
    let input = std::io::BufReader::with_capacity(
        256 * 1024,
        std::fs::File::open(&file.path).map_err(cannot_read)?,
    );
    // Reading (on a second thread) and writing run side by side: the profile of an import
    // showed them about equal. Entries cross in batches through a bounded channel, so memory
    // stays flat; if the store fails, hanging up stops the reader.
    let ((stats, cut, skipped), written) =
        store.write_source(key, fingerprint, meta, now, |writer| {
            let (batches, received) = std::sync::mpsc::sync_channel::<Item>(4);
            let (read_result, store_error) = std::thread::scope(|scope| {
                let reader = scope.spawn(|| {
                    let mut batcher = Batcher {
                        batches,
                        batch: Batch::default(),
                        skipped: Vec::new(),
                    };
                    let result = ledger::read(
                        input,
                        detected,
                        &extension,
                        options,
                        Some(&blocks),
                        &mut batcher,
                    );
                    let skipped = std::mem::take(&mut batcher.skipped);
                    batcher.flush();
                    (result, skipped)
                });
                let mut store_error = None;
                'receive: for item in received.iter() {
                    match item {
                        Item::Entries(batch) => {
                            for row in &batch.rows {
                                if let Err(e) = writer.add(&batch.entry(row, &config.funds)) {
                                    store_error = Some(e);
                                    break 'receive;
                                }
                            }
                        }
                        Item::Keep(count) => {
                            if let Err(e) = writer.keep(count) {
                                store_error = Some(e);
                                break 'receive;
                            }
                        }
                    }
                }
                drop(received);
                let (read_result, skipped) = reader
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (
                    read_result.map(|(stats, cut)| (stats, cut, skipped)),
                    store_error,
                )
            });
            if let Some(e) = store_error {
                return Err(WriteError::Store(e));
            }
            match read_result {
                Ok((stats, cut, skipped)) => {
                    writer.set_subtotal_rows(stats.subtotal_rows);
                    writer.set_blocks(cut.clone());
                    Ok((stats, cut, skipped))
                }
                Err(ReadError::Sink(HungUp)) => {
                    Err(WriteError::Io(format!("{display}: 读取中断；请重新导入")))
                }
                Err(ReadError::Io(e)) => Err(cannot_read(e)),
                Err(ReadError::Problems { problems, more }) => Err(WriteError::Rejected(
                    ProblemList {
                        file: display,
                        problems: &problems,
                        more,
                    }
                    .to_string(),
                )),
            }
        })?;
    let shown = display;
    tracing::debug!(
        file = shown,
        blocks = cut.len(),
        reused = stats.reused_blocks,
        "read"
    );
    Ok(Outcome::Imported {
        entries: stats.entries,
        previous: written.previous,
        written: written.written,
        subtotal_rows: stats.subtotal_rows,
        note_rows: stats.note_rows,
        page_rows: stats.page_rows,
        skipped_sheets: skipped.iter().map(ToString::to_string).collect(),
        encoding: stats.encoding,
    })
}

/// The blocks of the version in force, if they were cut with the same settings (the same
/// bytes may make other entries under other settings).
fn reusable_blocks(
    record: Option<&crate::store::SourceRecord>,
    fingerprint: &Fingerprint,
) -> Vec<Block> {
    match record {
        Some(r)
            if r.accepted
                .as_ref()
                .is_some_and(|a| a.settings == fingerprint.settings) =>
        {
            r.blocks.clone()
        }
        _ => Vec::new(),
    }
}

/// The xxh3 of a file's bytes `start..end`, and whether they end a line.
fn scan_range(file: &std::fs::File, start: u64, end: u64) -> std::io::Result<Scanned> {
    use std::os::unix::fs::FileExt;
    let mut hasher = Xxh3::new();
    let mut last = 0u8;
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = start;
    while at < end {
        let want = usize::try_from((end - at).min(buf.len() as u64)).unwrap_or(buf.len());
        let n = file.read_at(&mut buf[..want], at)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "文件在读取时变短了（是否正在被写入？）",
            ));
        }
        hasher.update(&buf[..n]);
        last = buf[n - 1];
        at += n as u64;
    }
    Ok(Scanned {
        hash: hasher.digest(),
        ends_line: matches!(last, b'\n' | b'\r'),
    })
}

/// Entries handed from the reading thread to the writing one, in batches of this many.
const BATCH: usize = 1024;

/// Entries as they cross from the reading thread: their text in one buffer per batch, so a
/// batch is a handful of allocations, not two per entry.
#[derive(Default)]
struct Batch {
    text: String,
    rows: Vec<Row>,
}

struct Row {
    fund_index: usize,
    date: chrono::NaiveDate,
    amount: crate::core::Money,
    voucher: std::ops::Range<usize>,
    memo: std::ops::Range<usize>,
    line: u32,
    sheet: Option<String>,
}

impl Batch {
    fn entry<'a>(&'a self, row: &'a Row, funds: &'a [crate::core::Fund]) -> EntryRef<'a> {
        EntryRef {
            fund: &funds[row.fund_index].id,
            fund_index: row.fund_index,
            date: row.date,
            amount: row.amount,
            voucher: std::borrow::Cow::Borrowed(&self.text[row.voucher.clone()]),
            memo: std::borrow::Cow::Borrowed(&self.text[row.memo.clone()]),
            line: row.line,
            sheet: row.sheet.as_deref(),
        }
    }

    fn push_text(&mut self, text: &str) -> std::ops::Range<usize> {
        let start = self.text.len();
        self.text.push_str(text);
        start..self.text.len()
    }
}

/// What crosses from the reading thread: entries, or "keep the next N entries as they are".
enum Item {
    Entries(Batch),
    Keep(u64),
}

/// The writing side hung up (the store failed; it reports why).
#[derive(Debug)]
struct HungUp;

struct Batcher {
    batches: std::sync::mpsc::SyncSender<Item>,
    batch: Batch,
    /// The sheets of a workbook not read, for the report.
    skipped: Vec<ledger::SkippedSheet>,
}

impl ledger::Sink for Batcher {
    type Error = HungUp;

    fn entry(&mut self, e: &EntryRef<'_>) -> Result<(), HungUp> {
        self.push(e)
    }

    fn keep(&mut self, count: u64) -> Result<(), HungUp> {
        // In order: the entries before the kept ones go first.
        let pending = std::mem::take(&mut self.batch);
        if !pending.rows.is_empty() {
            self.batches
                .send(Item::Entries(pending))
                .map_err(|_| HungUp)?;
        }
        self.batches.send(Item::Keep(count)).map_err(|_| HungUp)
    }

    fn sheet_skipped(&mut self, sheet: &ledger::SkippedSheet) -> Result<(), HungUp> {
        self.skipped.push(sheet.clone());
        Ok(())
    }
}

impl Batcher {
    fn push(&mut self, e: &EntryRef<'_>) -> Result<(), HungUp> {
        let voucher = self.batch.push_text(&e.voucher);
        let memo = self.batch.push_text(&e.memo);
        self.batch.rows.push(Row {
            fund_index: e.fund_index,
            date: e.date,
            amount: e.amount,
            voucher,
            memo,
            line: e.line,
            sheet: e.sheet.map(str::to_owned),
        });
        if self.batch.rows.len() == BATCH {
            let next = Batch {
                text: String::with_capacity(self.batch.text.capacity()),
                rows: Vec::with_capacity(BATCH),
            };
            let full = std::mem::replace(&mut self.batch, next);
            self.batches.send(Item::Entries(full)).map_err(|_| HungUp)?;
        }
        Ok(())
    }

    fn flush(self) {
        if !self.batch.rows.is_empty() {
            // A hang-up here is reported by the writing side.
            let _ = self.batches.send(Item::Entries(self.batch));
        }
    }
}

/// One pass over the bytes: their hash, and what the file is (format, encoding).
fn examine(path: &Path) -> std::io::Result<(String, Detected)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Xxh3::new();
    let mut sniffer = Sniffer::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        sniffer.feed(&buf[..n]);
    }
    Ok((
        format!("xxh3:{:032x}", hasher.digest128()),
        sniffer.finish(),
    ))
}

fn stat(path: &Path) -> std::io::Result<SourceMeta> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("这不是普通文件（是文件夹或设备）"));
    }
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    Ok(SourceMeta {
        size: i64::try_from(meta.len()).unwrap_or(i64::MAX),
        mtime_ns,
    })
}

fn key_of(file: &SourceFile) -> String {
    file.path.to_string_lossy().into_owned()
}

/// The version of how the ledger reader turns bytes into entries; raised with every change
/// that can give other entries for the same file. 2: the field cases of issue 10.
const READER_VERSION: u32 = 2;

/// What decides, besides the bytes, how rows become entries: a new alias or fund changes the
/// result of the same file.
fn settings_hash(config: &Config, fund: Option<&str>) -> String {
    let mut hasher = Xxh3::new();
    // A reader that reads the same bytes differently (line numbers of CR-only files, hidden
    // sheets, direction columns) must read every file once again.
    hasher.update(format!("reader={READER_VERSION}\n").as_bytes());
    for f in &config.funds {
        hasher.update(
            format!(
                "{:?}\0{:?}\0{:?}\0{}\0{:?}\n",
                f.id, f.code, f.name, f.year, f.aliases
            )
            .as_bytes(),
        );
    }
    hasher.update(format!("fund={fund:?}\n").as_bytes());
    for (role, name) in config.extra_headers.iter() {
        hasher.update(format!("{}={name:?}\n", role.key()).as_bytes());
    }
    for word in &config.subtotal_words {
        hasher.update(format!("subtotal={word:?}\n").as_bytes());
    }
    format!("xxh3:{:032x}", hasher.digest128())
}

/// Entries that also appear in another source, as warnings; the first few, then a count (a
/// file imported twice under two names would otherwise print every entry).
fn duplicate_warnings(store: &Store, key: &str, display: &str) -> Result<Vec<String>, StoreError> {
    const SHOWN: usize = 10;
    let duplicates = store.duplicates_elsewhere(key)?;
    let mut warnings: Vec<String> = duplicates
        .iter()
        .take(SHOWN)
        .map(|(e, other, other_line)| {
            format!(
                "{display}:{}: 同一笔分录（{} {} {} {} {}）也在 {}:{other_line} 中，被重复计算；\
                 请删除其中一个文件或把它移出 ledger.sources",
                e.line,
                e.fund,
                e.date,
                e.voucher,
                e.amount.grouped(),
                e.memo,
                display_path(Path::new(other))
            )
        })
        .collect();
    if duplicates.len() > SHOWN {
        warnings.push(format!(
            "{display}: ……另有 {} 笔分录也在其他来源文件中；是否把同一份导出以两个文件名导入了？",
            duplicates.len() - SHOWN
        ));
    }
    Ok(warnings)
}

/// `file: 无法读取文件（why）；what to do`, for an I/O error on a ledger file: the cause in
/// Chinese for the kinds an accountant can fix, the system's text otherwise.
fn cannot_read_file(display: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => {
            format!("{display}: 无法读取文件（文件不存在）；请检查文件名和所在文件夹")
        }
        ErrorKind::PermissionDenied => format!(
            "{display}: 无法读取文件（没有读取权限）；请让管理员把文件设为 spendwatch 组可读"
        ),
        _ => format!("{display}: 无法读取文件（{e}）；请确认文件完整后重新导入"),
    }
}

/// The path a file is known by in the database: the same file named from another folder, through
/// a symlink, or through `ledger.sources`, must be the same source.
pub fn source_key(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_owned())
}

/// A path relative to the working directory when it is below it, else as it is.
pub fn display_path(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_owned))
        .unwrap_or_else(|| path.to_owned())
        .display()
        .to_string()
}
