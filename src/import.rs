//! Bringing ledger files into the store: which files, whether they changed, reading them and
//! replacing each source's entries.
//!
//! Two modes: the sources of the config are synced one by one (a bad file is reported and its
//! previous version stays in force), and `spendwatch import FILE…` is all or nothing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::ledger::{self, Encoding, Parsed, ProblemList, ReadOptions};
use crate::store::{Fingerprint, NewVersion, Store, StoreError};

/// A file to import and the fund of its rows when it has no fund column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Absolute; the key of the source in the database.
    pub path: PathBuf,
    pub fund: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Same bytes, same settings as the version in force.
    Unchanged { entries: i64 },
    /// Read without problems; `previous` entries were (or would be) replaced.
    Imported {
        entries: usize,
        previous: i64,
        subtotal_rows: usize,
        note_rows: usize,
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
    for spec in &config.sources {
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
                });
            } else {
                warnings.push(format!("ledger source {pattern} matches no file"));
            }
        }
    }
    (files, warnings)
}

/// Syncs the config's sources one by one: changed files are re-read, bad versions are recorded
/// and reported, good ones replace their source's entries.
pub fn sync_sources(
    store: &mut Store,
    config: &Config,
    files: &[SourceFile],
    now: &str,
) -> Result<Vec<FileReport>, StoreError> {
    let mut reports = Vec::with_capacity(files.len());
    for file in files {
        let display = display_path(&file.path);
        let key = file.path.to_string_lossy().into_owned();
        let record = store.source(&key)?;
        let in_force = record.as_ref().map_or(0, |r| r.entry_count);
        let bytes = match std::fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                reports.push(FileReport {
                    file: file.clone(),
                    display,
                    outcome: Outcome::Missing {
                        entries_in_force: in_force,
                    },
                    duplicates: vec![],
                });
                continue;
            }
            Err(e) => {
                let report = format!("{display}: cannot read the file: {e}");
                reports.push(FileReport {
                    file: file.clone(),
                    display,
                    outcome: Outcome::Rejected {
                        report,
                        known: false,
                        entries_in_force: in_force,
                    },
                    duplicates: vec![],
                });
                continue;
            }
        };
        let fingerprint = fingerprint(&bytes, config, file.fund.as_deref());
        if record.as_ref().and_then(|r| r.accepted.as_ref()) == Some(&fingerprint) {
            reports.push(FileReport {
                file: file.clone(),
                display,
                outcome: Outcome::Unchanged { entries: in_force },
                duplicates: vec![],
            });
            continue;
        }
        if let Some((rejected, report)) = record.as_ref().and_then(|r| r.rejected.as_ref())
            && rejected == &fingerprint
        {
            let outcome = Outcome::Rejected {
                report: report.clone(),
                known: true,
                entries_in_force: in_force,
            };
            reports.push(FileReport {
                file: file.clone(),
                display,
                outcome,
                duplicates: vec![],
            });
            continue;
        }
        match read(&bytes, file, config, &display) {
            Ok(parsed) => {
                store.replace_sources(
                    &[NewVersion {
                        path: &key,
                        fingerprint: &fingerprint,
                        entries: &parsed.entries,
                        subtotal_rows: parsed.subtotal_rows,
                    }],
                    now,
                )?;
                let duplicates = duplicate_warnings(store, &key, &display)?;
                reports.push(FileReport {
                    file: file.clone(),
                    display,
                    outcome: imported(&parsed, in_force),
                    duplicates,
                });
            }
            Err(report) => {
                store.record_rejection(&key, &fingerprint, &report, now)?;
                let outcome = Outcome::Rejected {
                    report,
                    known: false,
                    entries_in_force: in_force,
                };
                reports.push(FileReport {
                    file: file.clone(),
                    display,
                    outcome,
                    duplicates: vec![],
                });
            }
        }
    }
    Ok(reports)
}

/// Imports files given by hand: every file is read first; if any is bad, nothing changes.
pub fn import_files(
    store: &mut Store,
    config: &Config,
    files: &[SourceFile],
    dry_run: bool,
    now: &str,
) -> Result<Vec<FileReport>, ImportError> {
    let mut problems = Vec::new();
    let mut read_files = Vec::new();
    for file in files {
        let display = display_path(&file.path);
        let bytes = match std::fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(e) => {
                problems.push(format!("{display}: cannot read the file: {e}"));
                continue;
            }
        };
        match read(&bytes, file, config, &display) {
            Ok(parsed) => read_files.push((
                file,
                display,
                fingerprint(&bytes, config, file.fund.as_deref()),
                parsed,
            )),
            Err(report) => problems.push(report),
        }
    }
    if !problems.is_empty() {
        let count = problems.len();
        let mut message = problems.join("\n");
        let _ = write!(
            message,
            "\n{} rejected: nothing was imported; correct the file{} and run the import again",
            if count == 1 { "1 file" } else { "files" },
            if count == 1 { "" } else { "s" },
        );
        return Err(ImportError::Rejected(message));
    }

    let mut reports = Vec::with_capacity(read_files.len());
    let mut versions = Vec::new();
    let keys: Vec<String> = read_files
        .iter()
        .map(|(f, ..)| f.path.to_string_lossy().into_owned())
        .collect();
    for ((file, display, fingerprint, parsed), key) in read_files.iter().zip(&keys) {
        let record = store.source(key)?;
        let in_force = record.as_ref().map_or(0, |r| r.entry_count);
        let outcome = if record.as_ref().and_then(|r| r.accepted.as_ref()) == Some(fingerprint) {
            Outcome::Unchanged { entries: in_force }
        } else {
            versions.push(NewVersion {
                path: key,
                fingerprint,
                entries: &parsed.entries,
                subtotal_rows: parsed.subtotal_rows,
            });
            imported(parsed, in_force)
        };
        reports.push(FileReport {
            file: (*file).clone(),
            display: display.clone(),
            outcome,
            duplicates: vec![],
        });
    }
    if !dry_run && !versions.is_empty() {
        store.replace_sources(&versions, now)?;
        for (report, key) in reports.iter_mut().zip(&keys) {
            report.duplicates = duplicate_warnings(store, key, &report.display)?;
        }
    }
    Ok(reports)
}

fn imported(parsed: &Parsed, previous: i64) -> Outcome {
    Outcome::Imported {
        entries: parsed.entries.len(),
        previous,
        subtotal_rows: parsed.subtotal_rows,
        note_rows: parsed.note_rows,
        encoding: parsed.encoding,
    }
}

/// Problems beyond this many are summarised: the first ones are enough to fix an export.
const MAX_PROBLEMS_SHOWN: usize = 100;

fn read(bytes: &[u8], file: &SourceFile, config: &Config, display: &str) -> Result<Parsed, String> {
    let extension = file
        .path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = ReadOptions {
        funds: &config.funds,
        default_fund: file.fund.as_deref(),
        extra_headers: &config.extra_headers,
    };
    ledger::read(bytes, &extension, options).map_err(|problems| {
        let shown = &problems[..problems.len().min(MAX_PROBLEMS_SHOWN)];
        let mut report = ProblemList {
            file: display,
            problems: shown,
        }
        .to_string();
        if problems.len() > shown.len() {
            let _ = write!(
                report,
                "\n{display}: … and {} more problems",
                problems.len() - shown.len()
            );
        }
        report
    })
}

fn duplicate_warnings(store: &Store, key: &str, display: &str) -> Result<Vec<String>, StoreError> {
    Ok(store
        .duplicates_elsewhere(key)?
        .into_iter()
        .map(|(e, other, other_line)| {
            format!(
                "{display}:{}: the same entry ({} {} {} {} {}) is also in {}:{other_line}; it is counted twice",
                e.line,
                e.fund,
                e.date,
                e.voucher,
                e.amount.grouped(),
                e.memo,
                display_path(Path::new(&other))
            )
        })
        .collect())
}

/// What decides whether a file must be read again: its bytes, and the settings that turn its
/// rows into entries (a new alias or fund changes the result of the same bytes).
fn fingerprint(bytes: &[u8], config: &Config, fund: Option<&str>) -> Fingerprint {
    let content = hex(&Sha256::digest(bytes));
    let mut settings = Sha256::new();
    for f in &config.funds {
        settings.update(format!(
            "{:?}\0{:?}\0{:?}\0{}\0{:?}\n",
            f.id, f.code, f.name, f.year, f.aliases
        ));
    }
    settings.update(format!("fund={fund:?}\n"));
    for (role, name) in config.extra_headers.iter() {
        settings.update(format!("{}={name:?}\n", role.key()));
    }
    Fingerprint {
        content,
        settings: hex(&settings.finalize()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
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
