//! Bringing ledger files into the store: which files, whether they changed, reading them and
//! replacing each source's entries.
//!
//! Two modes: the sources of the config are synced one by one (a bad file is reported and its
//! previous version stays in force), and `spendwatch import FILE…` is all or nothing.
//!
//! A file is looked at in up to three steps, each only when the one before says it may have
//! changed: its size and time; a pass that hashes its bytes and detects its encoding; and the
//! pass that reads it into the store, streaming, so memory does not grow with the file.
//! The first two are `look.rs` (shared by both modes), the third `read.rs`; which sources are
//! in force afterwards (year-to-date series, files the config no longer names) is `settle.rs`.
//! Before any of them, `guard.rs` refuses a source that leads out of the source folders or is
//! not a regular file (a FIFO, a device), without reading it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::config::{Config, Series};
use crate::core::Money;
use crate::ledger::Encoding;
use crate::report::shown;
use crate::store::{Origin, Overlap, Store, StoreError, Withdrawn};
use look::{Look, look_at};
use read::{WriteError, write};

mod guard;
mod look;
mod read;
mod settle;
pub(crate) use guard::{
    Bounds, Folders, Refusal, candidate, key as guarded_key, open as open_source,
};
pub(crate) use look::{hash_funds, hash_text, refusal_fingerprint, stat};
pub(crate) use settle::pattern_names;

/// A file to import and the fund of its rows when it has no fund column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Absolute; the key of the source in the database.
    pub path: PathBuf,
    /// The fund of rows without a fund column (`--fund`, or the source's `fund:`), by id.
    pub fund: Option<String>,
    /// The `ledger.sources` entry that names it (its position); `None` for a file imported by
    /// hand.
    pub spec: Option<usize>,
}

/// What became of one source file in a sync or an import. Entry counts are of entries, not
/// rows; amounts in 分.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Same bytes, same settings as the version in force: nothing was read.
    Unchanged {
        /// Entries of the version in force, which stays.
        entries: i64,
    },
    /// Read without problems; `previous` entries were (or would be) replaced, of which
    /// `written` were new or changed.
    Imported {
        /// Entries of the new version.
        entries: usize,
        /// Entries of the version this one replaced (0 for a file seen the first time).
        previous: i64,
        /// Entries new or changed against the replaced version (the rest were already in
        /// force and kept as they were).
        written: usize,
        /// Subtotal and carry rows skipped (合计, 承前页 …).
        subtotal_rows: usize,
        /// Rows without a date or an amount skipped (notes, signatures).
        note_rows: usize,
        /// Title lines, page lines and repeated headers of a printed report.
        page_rows: usize,
        /// The sheets of a workbook not read, each with why (`工作表"旧账"（隐藏的工作表）`).
        skipped_sheets: Vec<String>,
        /// The text encoding, for CSV/TSV.
        encoding: Option<Encoding>,
    },
    /// Rejected with every problem listed (`report`); `known` when this exact version was
    /// rejected before. The version in force (`entries_in_force` entries) stays.
    Rejected {
        /// Every problem of the file, one per line, in the `file:line:` form, as printed.
        report: String,
        /// This exact version (same bytes, same settings) was rejected before, so its problems
        /// were already told.
        known: bool,
        /// Entries of the previous good version, which stays in force (0 if there is none).
        entries_in_force: i64,
    },
    /// A configured file that is not there (any entries it had stay in force).
    Missing {
        /// Entries of its last good version, still counted.
        entries_in_force: i64,
    },
    /// Left force: a newer file of its year-to-date series (`by`, as shown) holds its
    /// entries; `why` says why that one is newer. Its `entries` (summing to `amount`) stay in
    /// the database, counted nowhere.
    Superseded {
        /// The newer file of the series, as the user sees its path.
        by: String,
        /// Why `by` is newer, in Chinese, for the admin's email (a later period, a later
        /// export).
        why: String,
        /// Entries of this file that no longer count.
        entries: i64,
        /// Their sum, in 分.
        amount: Money,
    },
    /// Left force: `ledger.sources` no longer names it (a folder moved, a glob changed).
    Unconfigured {
        /// Entries of this file that no longer count.
        entries: i64,
        /// Their sum, in 分.
        amount: Money,
    },
    /// Back in force, for the reason `why`.
    Restored {
        /// Why it counts again, in Chinese (`ledger.sources 又包含了它`, or it is the newest
        /// of its series).
        why: String,
        /// Entries that count again.
        entries: i64,
    },
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

/// One file of a sync or an import, and what became of it.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file (for a change of force found by settling, its path only).
    pub file: SourceFile,
    /// The path as the user should see it.
    pub display: String,
    /// What became of it.
    pub outcome: Outcome,
    /// Warnings about entries that also appear in another source.
    pub duplicates: Vec<String>,
}

/// Errors of the import command: a bad file changes nothing (exit 2); a store failure is a
/// runtime failure (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Some files are bad: every problem of each, then what to do, as printed.
    #[error("{0}")]
    Rejected(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The files `ledger.sources` names today, and warnings about patterns that name none.
///
/// Folders are passed over; anything else a pattern matches is a source, to be refused with
/// its reason if it is not a regular file or leads out of the source folders (then it is kept
/// under its own path, never the one it leads to).
pub fn configured_files(config: &Config) -> (Vec<SourceFile>, Vec<String>) {
    let mut files: Vec<SourceFile> = Vec::new();
    let mut warnings = Vec::new();
    let folders = Folders::of(config);
    for (index, spec) in config.sources.iter().enumerate() {
        let pattern = spec.pattern.to_string_lossy();
        let mut matched = 0;
        match glob::glob(&pattern) {
            Ok(paths) => {
                for path in paths.flatten() {
                    matched += 1;
                    if !guard::candidate(&path) {
                        continue;
                    }
                    let path = guard::key(&path, Bounds::Inside(&folders));
                    if !files.iter().any(|f| f.path == path) {
                        files.push(SourceFile {
                            path,
                            fund: spec.fund.clone(),
                            spec: Some(index),
                        });
                    }
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
            glob::glob(pattern).map_or(true, |paths| !paths.flatten().any(|p| guard::candidate(&p)))
        })
        .collect()
}

/// Syncs the config's sources one by one: changed files are re-read, bad versions are recorded
/// and reported, good ones replace their source's entries; then force is settled (the newest
/// file of each year-to-date series, nothing the config no longer names), each change of
/// force reported after the files.
///
/// A bad or unreadable file is not an error: it is reported in its [`FileReport`] as
/// [`Outcome::Rejected`] and the other files are still synced.
///
/// # Errors
/// [`StoreError`] when the database fails; the files synced before the failure keep their new
/// versions (each file, and each year-to-date series, is written as a unit).
pub fn sync_sources(
    store: &mut Store,
    config: &Config,
    files: &[SourceFile],
    now: DateTime<Utc>,
) -> Result<Vec<FileReport>, StoreError> {
    let mut reports = Vec::with_capacity(files.len());
    let folders = Folders::of(config);
    let bounds = Bounds::Inside(&folders);
    let in_series = |f: &SourceFile| {
        f.spec
            .is_some_and(|i| config.sources[i].series == Series::Ytd)
    };
    for file in files.iter().filter(|f| !in_series(f)) {
        reports.push(sync_report(store, config, file, bounds, now)?);
    }
    // A year-to-date series is read and settled in one transaction: a reader never sees the
    // new export in force beside the one it supersedes.
    for (index, _) in config
        .sources
        .iter()
        .enumerate()
        .filter(|(_, spec)| spec.series == Series::Ytd)
    {
        store.atomically(true, |store| {
            for file in files.iter().filter(|f| f.spec == Some(index)) {
                reports.push(sync_report(store, config, file, bounds, now)?);
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
    now: DateTime<Utc>,
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
    bounds: Bounds<'_>,
    now: DateTime<Utc>,
) -> Result<FileReport, StoreError> {
    let display = display_path(&file.path);
    let outcome = sync_one(store, config, file, &display, bounds, now)?;
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
    bounds: Bounds<'_>,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let key = key_of(file);
    let (in_force, look) = look_at(store, config, file, &key, display, bounds, true)?;
    let rejected = |report, known| Outcome::Rejected {
        report,
        known,
        entries_in_force: in_force,
    };
    let version = match look {
        Look::Missing(_) => {
            return Ok(Outcome::Missing {
                entries_in_force: in_force,
            });
        }
        Look::Unreadable(e) => return Ok(rejected(cannot_read_file(display, &e), false)),
        Look::Refused {
            refusal,
            fingerprint,
            known,
        } => {
            // Kept as a rejection, so the admin is told once, by email too, and `sources`
            // shows it: under the link's own name, with a message that never says where it
            // leads.
            let report = refusal.message(display);
            if !known {
                store.record_rejection(&key, &fingerprint, &report, now)?;
            }
            return Ok(rejected(report, known));
        }
        Look::Unchanged => return Ok(Outcome::Unchanged { entries: in_force }),
        Look::Changed {
            rejected_before: Some(report),
            ..
        } => return Ok(rejected(report, true)),
        Look::Changed { version, .. } => version,
    };
    match write(store, config, &version, now) {
        Ok(outcome) => Ok(outcome),
        Err(WriteError::Store(e)) => Err(e),
        Err(WriteError::Io(report)) => Ok(rejected(report, false)),
        Err(WriteError::Rejected(report)) => {
            store.record_rejection(&key, &version.fingerprint, &report, now)?;
            Ok(rejected(report, false))
        }
    }
}

/// Why a hand import's transaction ends with nothing kept.
enum Abort {
    /// Some files are bad: every problem of each, formatted.
    Rejected(Vec<String>),
    Store(StoreError),
}

impl From<StoreError> for Abort {
    fn from(e: StoreError) -> Abort {
        Abort::Store(e)
    }
}

/// Imports files given by hand: if any file is bad, nothing changes. With `dry_run`, every
/// file is read and counted and nothing is kept.
///
/// # Errors
/// [`ImportError::Rejected`] with every problem of every bad file; [`ImportError::Store`] for
/// a database failure. Nothing changed either way.
pub fn import_files(
    store: &mut Store,
    config: &Config,
    files: &[SourceFile],
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<(Vec<FileReport>, Vec<Overlap>), ImportError> {
    store
        .all_or_nothing(!dry_run, |store| -> Result<_, Abort> {
            let mut reports = Vec::with_capacity(files.len());
            let mut problems: Vec<String> = Vec::new();
            let folders = Folders::of(config);
            for file in files {
                // After a bad file the others are still read, to report all problems at once.
                match import_one(store, config, file, Bounds::ByHand(&folders), now)? {
                    Ok(report) => reports.push(report),
                    Err(problem) => problems.push(problem),
                }
            }
            if !problems.is_empty() {
                return Err(Abort::Rejected(problems));
            }
            keep_by_hand(store, &reports, now)?;
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
            Abort::Rejected(problems) => ImportError::Rejected(rejection_summary(&problems)),
            Abort::Store(e) => ImportError::Store(e),
        })
}

/// Imports one file given by hand: its report, or (`Err` inside) why it is bad.
fn import_one(
    store: &mut Store,
    config: &Config,
    file: &SourceFile,
    bounds: Bounds<'_>,
    now: DateTime<Utc>,
) -> Result<Result<FileReport, String>, StoreError> {
    let display = display_path(&file.path);
    let key = key_of(file);
    let (in_force, look) = look_at(store, config, file, &key, &display, bounds, false)?;
    let outcome = match look {
        Look::Missing(e) | Look::Unreadable(e) => return Ok(Err(cannot_read_file(&display, &e))),
        Look::Refused { refusal, .. } => return Ok(Err(refusal.message(&display))),
        Look::Unchanged => Outcome::Unchanged { entries: in_force },
        Look::Changed { version, .. } => match write(store, config, &version, now) {
            Ok(outcome) => outcome,
            Err(WriteError::Store(e)) => return Err(e),
            Err(WriteError::Rejected(report) | WriteError::Io(report)) => return Ok(Err(report)),
        },
    };
    Ok(Ok(FileReport {
        file: file.clone(),
        display,
        outcome,
        duplicates: vec![],
    }))
}

/// A file imported by hand stays until forgotten, and is back in force if the config had
/// stopped naming it.
fn keep_by_hand(
    store: &mut Store,
    reports: &[FileReport],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // One look at the sources for all the files, not one per file.
    let unconfigured: Vec<String> = store
        .source_states()?
        .into_iter()
        .filter(|s| s.withdrawn == Some(Withdrawn::Unconfigured))
        .map(|s| s.path)
        .collect();
    for report in reports {
        let key = key_of(&report.file);
        store.set_origin(&key, Origin::Hand)?;
        if unconfigured.contains(&key) {
            store.set_withdrawn(&key, None, now)?;
        }
    }
    Ok(())
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
                shown(&e.voucher),
                e.amount.grouped(),
                shown(&e.memo),
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
pub(crate) fn cannot_read_file(display: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    if let Some(refusal) = Refusal::of(e) {
        return refusal.message(display);
    }
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

/// The source's key in the database: its path, as text.
fn key_of(file: &SourceFile) -> String {
    file.path.to_string_lossy().into_owned()
}

/// The key of a file named by hand (`spendwatch import FILE`): as [`source_key`], except that a
/// link in a source folder leading out of them keeps its own name (its import is refused,
/// naming the link only).
pub fn hand_source_key(path: &Path, config: &Config) -> PathBuf {
    guard::key(path, Bounds::ByHand(&Folders::of(config)))
}

/// The path a file is known by in the database: the same file named from another folder, through
/// a symlink, or through `ledger.sources`, must be the same source.
pub fn source_key(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_owned())
}

/// A path as people see it: relative to the working directory when it is below it, with
/// line breaks, control and bidi characters escaped ([`crate::report::shown_path`]), since a
/// file name is whatever the person who dropped the file chose.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let relative = cwd
        .as_deref()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .unwrap_or(path);
    crate::report::shown_path(relative).into_owned()
}
