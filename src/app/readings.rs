//! Bringing the files of readings (`indicators.sources`) into the store, one by one, as the
//! ledger's sources are: an unchanged file is skipped by its size and time, then by the hash
//! of its bytes; a changed one is read whole (such files are small) and replaces that file's
//! readings in one transaction; a bad one is recorded and reported, and its previous version
//! stays in force.
//!
//! An indicator's month is counted through one file only. When a changed file holds a month
//! another file holds already, the changed file is rejected, naming both: the file in force
//! keeps it until one of them is corrected. A file that vanished keeps its readings in force
//! (as a vanished ledger export keeps its entries: deleting a file by mistake must not make a
//! month's figures disappear); a file `indicators.sources` no longer names leaves force.
//!
//! As for the ledger, a file that leads out of the source folders or is not a regular file is
//! refused without being read (see the ledger sync's guard).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};
use xxhash_rust::xxh3::Xxh3;

use crate::app::import::{self, Bounds, Folders, Refusal, display_path, hash_funds, hash_text};
use crate::config::Config;
use crate::ledger::{Encoding, Problem, ProblemList};
use crate::readings::read_readings;
use crate::store::{Fingerprint, Store, StoreError};

/// The version of how files of readings are read: raised with every change that can read the
/// same bytes differently, so that every file is read once again.
const READER_VERSION: u32 = 1;

/// What became of one file of readings in a sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadingOutcome {
    /// Same bytes, same settings as the version in force: nothing was read.
    Unchanged {
        /// Readings of the version in force.
        readings: i64,
    },
    /// Read without problems: its readings replaced the `previous` ones of the file.
    Imported {
        /// Readings of the new version.
        readings: usize,
        /// Readings of the version it replaced (0 for a new file).
        previous: i64,
        /// Rows with an empty 完成值 (the template's rows not filled in), skipped.
        unfilled: usize,
        /// The sheets of a workbook not read, each with why.
        skipped_sheets: Vec<String>,
        /// The text encoding, for CSV/TSV.
        encoding: Option<Encoding>,
    },
    /// Rejected with every problem listed; `known` when this very version was rejected
    /// before. The version in force (`in_force` readings) stays.
    Rejected {
        /// Every problem, one a line, in the `file:line:` form.
        report: String,
        /// This version was rejected before (its problems were told already).
        known: bool,
        /// Readings of the previous good version, which stay (0 if there is none).
        in_force: i64,
    },
    /// A configured file that is not there: its readings stay in force.
    Missing {
        /// Readings of its last good version, still counted.
        in_force: i64,
    },
    /// `indicators.sources` no longer names it: its readings left force.
    Unconfigured {
        /// Readings that no longer count.
        readings: i64,
    },
}

/// One file of a sync of readings, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadingReport {
    /// The file's key: an absolute path.
    pub path: String,
    /// The path as the user should see it.
    pub display: String,
    /// What became of it.
    pub outcome: ReadingOutcome,
}

impl ReadingReport {
    /// One line in Chinese for the terminal and the journal (a rejected file's problems are
    /// [`ReadingOutcome::Rejected::report`], shown before it); `None` for an unchanged file.
    #[must_use]
    pub fn describe(&self) -> Option<String> {
        let file = &self.display;
        Some(match &self.outcome {
            ReadingOutcome::Unchanged { .. } => return None,
            ReadingOutcome::Imported {
                readings,
                previous,
                unfilled,
                skipped_sheets,
                ..
            } => {
                let mut line =
                    format!("{file}: 读入完成值 {readings} 条；取代原有完成值 {previous} 条");
                if *unfilled > 0 {
                    line.push_str(&format!("；跳过未填完成值的行 {unfilled} 行"));
                }
                if !skipped_sheets.is_empty() {
                    line.push_str(&format!("；未读取 {}", skipped_sheets.join("、")));
                }
                line
            }
            ReadingOutcome::Rejected {
                known, in_force, ..
            } => {
                let again = if *known {
                    "（被拒绝后未改动）"
                } else {
                    ""
                };
                if *in_force > 0 {
                    format!(
                        "警告：完成值文件 {file} 被拒绝{again}；原有版本（完成值 {in_force} 条）继续有效"
                    )
                } else {
                    format!(
                        "警告：完成值文件 {file} 被拒绝{again}；它还没有可用的版本，其中的完成值目前不计入"
                    )
                }
            }
            ReadingOutcome::Missing { in_force } => format!(
                "警告：完成值文件 {file} 不在磁盘上；它之前读入的 {in_force} 条完成值仍然计入"
            ),
            ReadingOutcome::Unconfigured { readings } => format!(
                "完成值文件 {file}: indicators.sources 已不再包含它，它的 {readings} 条完成值不再计入"
            ),
        })
    }
}

/// The files `indicators.sources` names today (sorted within each pattern, each once), and
/// warnings about patterns that match none. As for the ledger, folders are passed over, and a
/// FIFO or a link leading out is a file, to be refused (kept under its own path).
#[must_use]
pub fn configured_reading_files(config: &Config) -> (Vec<PathBuf>, Vec<String>) {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut warnings = Vec::new();
    let folders = Folders::of(config);
    for pattern in &config.indicator_sources {
        let text = pattern.to_string_lossy();
        let mut matched = 0;
        match glob::glob(&text) {
            Ok(paths) => {
                for path in paths.flatten() {
                    matched += 1;
                    if !import::candidate(&path) {
                        continue;
                    }
                    let path = import::guarded_key(&path, Bounds::Inside(&folders));
                    if !files.contains(&path) {
                        files.push(path);
                    }
                }
            }
            Err(e) => warnings.push(format!("indicators source {text}: {e}")),
        }
        if matched == 0 {
            if glob::Pattern::escape(&text) == text {
                // A plain file name: reported as missing, so its readings' fate is visible.
                files.push(pattern.clone());
            } else {
                warnings.push(format!("indicators source {text} matches no file"));
            }
        }
    }
    (files, warnings)
}

/// Syncs the files of `indicators.sources` into `store`, one by one (each file is written as a
/// unit); then withdraws the readings of files the config no longer names.
///
/// A bad or unreadable file is not an error: it is reported as [`ReadingOutcome::Rejected`]
/// and the other files are still synced.
///
/// # Errors
/// [`StoreError`] when the database fails; the files synced before keep their new versions.
pub fn sync_readings(
    store: &mut Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(Vec<ReadingReport>, Vec<String>), StoreError> {
    let (files, warnings) = configured_reading_files(config);
    let settings = settings_hash(config);
    let folders = Folders::of(config);
    let mut reports = Vec::with_capacity(files.len());
    for file in &files {
        let path = file.to_string_lossy().into_owned();
        let display = display_path(file);
        let at = Place {
            file,
            key: &path,
            display: &display,
            bounds: Bounds::Inside(&folders),
        };
        let outcome = sync_one(store, config, &at, &settings, now)?;
        reports.push(ReadingReport {
            path,
            display,
            outcome,
        });
    }
    let named: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    for (path, readings) in store.withdraw_reading_sources_except(&named)? {
        let display = display_path(Path::new(&path));
        reports.push(ReadingReport {
            path,
            display,
            outcome: ReadingOutcome::Unconfigured { readings },
        });
    }
    Ok((reports, warnings))
}

/// A file of readings being synced: its path, its key in the database, its path as shown, and
/// where it may lead.
struct Place<'a> {
    file: &'a Path,
    key: &'a str,
    display: &'a str,
    bounds: Bounds<'a>,
}

fn sync_one(
    store: &mut Store,
    config: &Config,
    at: &Place<'_>,
    settings: &str,
    now: DateTime<Utc>,
) -> Result<ReadingOutcome, StoreError> {
    let Place {
        file,
        key,
        display,
        bounds,
    } = *at;
    let record = store.reading_source(key)?;
    let in_force = record.as_ref().map_or(0, |r| r.reading_count);
    let rejected = |report: String, known| ReadingOutcome::Rejected {
        report,
        known,
        in_force,
    };
    let meta = match import::stat(file, bounds) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(ReadingOutcome::Missing { in_force });
        }
        Err(e) => {
            let Some(refusal) = Refusal::of(&e) else {
                return Ok(rejected(import::cannot_read_file(display, &e), false));
            };
            // Kept as a rejection under the file's own name, told once (by email too).
            let fingerprint = import::refusal_fingerprint(refusal, settings.to_owned());
            let known = record
                .as_ref()
                .and_then(|r| r.rejected.as_ref())
                .is_some_and(|(f, _)| *f == fingerprint);
            let report = refusal.message(display);
            if !known {
                store.record_reading_rejection(key, &fingerprint, &report, now)?;
            }
            return Ok(rejected(report, known));
        }
    };
    let accepted = record.as_ref().and_then(|r| r.accepted.as_ref());
    if accepted.is_some_and(|f| f.settings == settings)
        && record.as_ref().and_then(|r| r.meta) == Some(meta)
    {
        return Ok(ReadingOutcome::Unchanged { readings: in_force });
    }
    let bytes = match read_whole(file, bounds) {
        Ok(bytes) => bytes,
        Err(e) => return Ok(rejected(import::cannot_read_file(display, &e), false)),
    };
    let mut hasher = Xxh3::new();
    hasher.update(&bytes);
    let fingerprint = Fingerprint {
        content: format!("xxh3:{:032x}", hasher.digest128()),
        settings: settings.to_owned(),
    };
    if accepted == Some(&fingerprint) {
        store.touch_reading_source(key, meta)?;
        return Ok(ReadingOutcome::Unchanged { readings: in_force });
    }
    if let Some((_, report)) = record
        .as_ref()
        .and_then(|r| r.rejected.as_ref())
        .filter(|(f, _)| *f == fingerprint)
    {
        return Ok(rejected(report.clone(), true));
    }
    let extension = file
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let read = read_readings(&bytes, &extension, &config.indicators, &config.funds);
    let problems = match read {
        Ok(read) => {
            let keys: Vec<_> = read
                .readings
                .iter()
                .map(|l| (l.reading.indicator.clone(), l.reading.day))
                .collect();
            let held = store.readings_held_elsewhere(key, &keys)?;
            if held.is_empty() {
                let previous =
                    store.replace_readings(key, &fingerprint, Some(meta), &read.readings, now)?;
                return Ok(ReadingOutcome::Imported {
                    readings: read.readings.len(),
                    previous,
                    unfilled: read.unfilled,
                    skipped_sheets: read
                        .skipped_sheets
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    encoding: read.encoding,
                });
            }
            let problems = held
                .iter()
                .filter_map(|h| {
                    let mine = read.readings.iter().find(|l| {
                        l.reading.indicator == h.indicator
                            && (l.reading.day.year(), l.reading.day.month())
                                == (h.day.year(), h.day.month())
                    })?;
                    let name = config
                        .indicators
                        .iter()
                        .find(|i| i.id == h.indicator)
                        .map_or(h.indicator.as_str(), |i| i.name.as_str());
                    Some(Problem {
                        location: Some(mine.at.clone()),
                        message: format!(
                            "指标“{name}”（{}）{}年{}月的完成值已由 {}:{} 计入；同一指标同一月份只能在一个文件中填报，\
                             请从其中一个文件删除这一行（另一个文件中的仍然有效）",
                            h.indicator,
                            h.day.year(),
                            h.day.month(),
                            display_path(Path::new(&h.path)),
                            h.location
                        ),
                    })
                })
                .collect::<Vec<_>>();
            (problems, 0, true)
        }
        Err((problems, more)) => (problems, more, false),
    };
    let report = ProblemList {
        file: display,
        problems: &problems.0,
        more: problems.1,
    }
    .to_string();
    // A clash depends on the other files too: its rejection is kept under a fingerprint the
    // file's own never equals, so the file is read again at every sync (and taken in once the
    // other file lets go of the month); the same clash is not told twice.
    let fingerprint = if problems.2 {
        let clash = Fingerprint {
            content: fingerprint.content,
            settings: format!("{}{CLASH}", fingerprint.settings),
        };
        let same = record
            .as_ref()
            .and_then(|r| r.rejected.as_ref())
            .is_some_and(|(f, told)| *f == clash && *told == report);
        if same {
            return Ok(rejected(report, true));
        }
        clash
    } else {
        fingerprint
    };
    store.record_reading_rejection(key, &fingerprint, &report, now)?;
    Ok(rejected(report, false))
}

/// The bytes of a file of readings (such files are small), opened as the ledger's are: checked
/// again once open.
fn read_whole(file: &Path, bounds: Bounds<'_>) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    import::open_source(file, bounds)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Marks the settings of a rejection caused by another file holding the same months.
const CLASH: &str = "+clash";

/// What decides, besides the bytes, which readings a file gives: the indicators and the funds
/// their rows may name.
fn settings_hash(config: &Config) -> String {
    let mut hasher = Xxh3::new();
    hasher.update(format!("readings={READER_VERSION}\n").as_bytes());
    hasher.update(&(config.indicators.len() as u64).to_le_bytes());
    for i in &config.indicators {
        hash_text(&mut hasher, &i.id);
        match &i.fund {
            Some(fund) => {
                hasher.update(&[1]);
                hash_text(&mut hasher, fund);
            }
            None => hasher.update(&[0]),
        }
        hash_text(&mut hasher, &i.name);
        hash_text(&mut hasher, i.comparator.as_str());
        hash_text(&mut hasher, &i.target.to_string());
        hash_text(&mut hasher, &i.unit);
        hash_text(&mut hasher, i.progress.as_str());
    }
    hash_funds(&mut hasher, &config.funds);
    format!("xxh3:{:032x}", hasher.digest128())
}
