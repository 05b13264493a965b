//! `spendwatch import FILE… [--fund ID] [--dry-run]`: import ledger files by hand, all or nothing.

use std::path::PathBuf;

use super::{Failure, now_stamp};
use crate::config::Config;
use crate::import::{self, FileReport, Outcome, SourceFile};
use crate::store::Store;

/// Entries in force are listed per fund for configs with at most this many funds.
const PER_FUND_UP_TO: usize = 20;

pub(super) fn run(
    config: &Config,
    files: &[PathBuf],
    fund: Option<String>,
    dry_run: bool,
) -> Result<(), Failure> {
    if let Some(id) = &fund
        && config.fund(id).is_none()
    {
        let known: Vec<&str> = config.funds.iter().map(|f| f.id.as_str()).collect();
        return Err(Failure::invalid(format!(
            "spendwatch: --fund {id}: no fund has this id in {} (known: {})",
            config.file.display(),
            known.join(", ")
        )));
    }
    let mut sources: Vec<SourceFile> = Vec::with_capacity(files.len());
    for file in files {
        let path = import::source_key(file);
        // The same file named twice is one source, imported once.
        if !sources.iter().any(|s| s.path == path) {
            sources.push(SourceFile {
                path,
                fund: fund.clone(),
            });
        }
    }
    let mut store = Store::open(&config.database)?;
    let reports = import::import_files(&mut store, config, &sources, dry_run, &now_stamp())?;
    for report in &reports {
        println!("{}", describe(report));
        for duplicate in &report.duplicates {
            eprintln!("spendwatch: warning: {duplicate}");
        }
    }
    let prefix = if dry_run {
        "dry run, nothing changed; entries in force"
    } else {
        "entries in force"
    };
    let (entries, sources) = store.entries_in_force()?;
    let sources = format!("{sources} source{}", if sources == 1 { "" } else { "s" });
    if config.funds.len() <= PER_FUND_UP_TO {
        let counts = store.entry_counts()?;
        let mut per_fund: Vec<String> = config
            .funds
            .iter()
            .map(|f| format!("{} {}", f.id, counts.get(&f.id).copied().unwrap_or(0)))
            .collect();
        let unknown: i64 = counts
            .iter()
            .filter(|(id, _)| config.fund(id).is_none())
            .map(|(_, n)| n)
            .sum();
        if unknown > 0 {
            per_fund.push(format!("funds no longer in the config {unknown}"));
        }
        println!(
            "{prefix}: {} ({entries} from {sources})",
            per_fund.join(", ")
        );
    } else {
        println!(
            "{prefix}: {entries} from {sources}, {} funds",
            config.funds.len()
        );
    }
    Ok(())
}

/// One line about what happened to a file.
pub(super) fn describe(report: &FileReport) -> String {
    match &report.outcome {
        Outcome::Unchanged { entries } => {
            format!("{}: unchanged, {entries} entries in force", report.display)
        }
        Outcome::Imported {
            entries,
            previous,
            written,
            subtotal_rows,
            note_rows,
            encoding,
        } => {
            let mut text = format!("{}: {entries} entries read", report.display);
            if let Some(encoding) = encoding {
                text += &format!(" ({})", encoding.name());
            }
            text += &format!(", {subtotal_rows} subtotal rows skipped");
            if *note_rows > 0 {
                text += &format!(", {note_rows} rows without date or amount skipped");
            }
            text += &format!("; replaces {previous} entries");
            if *previous > 0 {
                text += &format!(" ({written} new or changed)");
            }
            text
        }
        Outcome::Rejected {
            report: problems, ..
        } => problems.clone(),
        Outcome::Missing { entries_in_force } => {
            format!(
                "{}: does not exist; {entries_in_force} entries stay in force",
                report.display
            )
        }
    }
}
