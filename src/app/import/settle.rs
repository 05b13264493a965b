//! Which sources are in force after the configured files were read: the newest file of each
//! year-to-date series (`series: ytd`) and nothing older, nothing the config no longer names,
//! and every change of force said.
//!
//! Money is never counted twice without a person being told, and never dropped silently: an
//! older file of a series, or a source the config stopped naming, leaves force with a report
//! (its entries stay in the database, counted nowhere, and come back if it is named again); a
//! file that vanished from disk keeps its entries in force and is reported at every read until
//! it returns or is withdrawn with `spendwatch sources --forget`.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{FileReport, Outcome, SourceFile, display_path};
use crate::config::Config;
use crate::store::{Origin, SourceOverview, Store, StoreError, Withdrawn};

/// Records that the configured `files` come from the config, and which are on disk.
///
/// # Errors
/// A database failure.
pub(super) fn mark_configured(
    store: &mut Store,
    files: &[SourceFile],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for file in files {
        let key = file.path.to_string_lossy();
        store.set_origin(&key, Origin::Config)?;
        // A FIFO or a link leading out is there (and refused), not missing.
        store.set_missing(&key, !super::guard::candidate(&file.path), now)?;
    }
    Ok(())
}

/// Whether `path` is matched by a `ledger.sources` pattern of `config` (`only`: that one).
fn named_by(config: &Config, path: &str, only: Option<usize>) -> bool {
    config
        .sources
        .iter()
        .enumerate()
        .any(|(i, spec)| only.is_none_or(|o| o == i) && pattern_names(&spec.pattern, path))
}

/// Whether the `ledger.sources` pattern `pattern` (absolute) names the source kept as `path`.
pub(crate) fn pattern_names(pattern: &Path, path: &str) -> bool {
    [pattern.to_string_lossy().into_owned(), resolved(pattern)]
        .iter()
        .any(|p| glob::Pattern::new(p).is_ok_and(|p| p.matches_path(Path::new(path))))
}

/// A pattern as the paths of sources are kept (canonical: symlinks and `..` resolved), so a
/// file of `../ledger/*.csv` or of a symlinked folder is still known as named by it: its
/// folder part (up to the first component with a wildcard) is resolved, the rest kept.
fn resolved(pattern: &Path) -> String {
    let (folder, rest) = super::guard::folder_part(pattern);
    let folder = folder.canonicalize().unwrap_or_else(|_| {
        // A folder that is gone (moved): resolve `..` by hand.
        let mut out = std::path::PathBuf::new();
        for c in folder.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    });
    if rest.as_os_str().is_empty() {
        folder.to_string_lossy().into_owned()
    } else {
        folder.join(rest).to_string_lossy().into_owned()
    }
}

/// Keeps only the newest file of series `index` in force: the one whose entries reach the
/// latest day, and of those the one modified last. A file whose every version was rejected,
/// or that has no entries, is no candidate: it never withdraws the one in force.
///
/// # Errors
/// A database failure.
pub(super) fn settle_series(
    store: &mut Store,
    config: &Config,
    index: usize,
    files: &[SourceFile],
    reports: &mut Vec<FileReport>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sources = store.source_overviews()?;
    let on_disk: Vec<String> = files
        .iter()
        .filter(|f| f.spec == Some(index))
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect();
    // Files of the series that vanished keep their entries (see the module doc): they stay
    // candidates, or deleting the newest export would put an older one back beside it.
    let members: Vec<&SourceOverview> = sources
        .iter()
        .filter(|s| {
            on_disk.contains(&s.path)
                || (s.withdrawn.is_none() && named_by(config, &s.path, Some(index)))
        })
        .filter(|s| s.accepted && s.entries > 0)
        .collect();
    let Some(newest) = members
        .iter()
        .max_by_key(|s| (s.last_day, s.mtime_ns, s.path.clone()))
    else {
        return Ok(());
    };
    let newest_display = display_path(Path::new(&newest.path));
    for member in &members {
        let display = display_path(Path::new(&member.path));
        if member.path == newest.path {
            if store.set_withdrawn(&member.path, None, now)? {
                reports.push(report_of(
                    &member.path,
                    display,
                    Outcome::Restored {
                        why: "它是该年初至今系列中最新的文件".to_owned(),
                        entries: member.entries,
                    },
                ));
            }
            continue;
        }
        let note = format!("被 {newest_display} 取代");
        if store.set_withdrawn(&member.path, Some((Withdrawn::Superseded, &note)), now)? {
            reports.push(report_of(
                &member.path,
                display,
                Outcome::Superseded {
                    by: newest_display.clone(),
                    why: why_newer(newest, member),
                    entries: member.entries,
                    amount: member.amount,
                },
            ));
        }
    }
    Ok(())
}

/// Why `newer` is taken as newer than `older`, for the report.
fn why_newer(newer: &SourceOverview, older: &SourceOverview) -> String {
    match (newer.last_day, older.last_day) {
        (Some(n), Some(o)) if n > o => format!("其分录截至 {n}，晚于 {o}"),
        (Some(n), _) => format!("两者分录都截至 {n}，它修改得更晚"),
        _ => "它修改得更晚".to_owned(),
    }
}

/// Sources the config named once and no longer names leave force; those it names again come
/// back; those it still names whose file vanished are reported missing and stay in force.
///
/// # Errors
/// A database failure.
pub(super) fn settle_unnamed(
    store: &mut Store,
    config: &Config,
    files: &[SourceFile],
    reports: &mut Vec<FileReport>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for source in store.source_states()? {
        let display = display_path(Path::new(&source.path));
        let listed = files
            .iter()
            .any(|f| f.path.as_os_str() == source.path.as_str());
        let reported = reports
            .iter()
            .any(|r| r.file.path.as_os_str() == source.path.as_str());
        if listed {
            if source.withdrawn == Some(Withdrawn::Unconfigured)
                && store.set_withdrawn(&source.path, None, now)?
            {
                reports.push(report_of(
                    &source.path,
                    display,
                    Outcome::Restored {
                        why: "ledger.sources 又包含了它".to_owned(),
                        entries: source.entries,
                    },
                ));
            }
            continue;
        }
        if named_by(config, &source.path, None) {
            // A file of a glob that vanished: its money stays, and is said at every read.
            if source.withdrawn.is_none() && !reported {
                store.set_missing(&source.path, true, now)?;
                reports.push(report_of(
                    &source.path,
                    display,
                    Outcome::Missing {
                        entries_in_force: source.entries,
                    },
                ));
            }
            continue;
        }
        if source.origin == Some(Origin::Config)
            && source.withdrawn.is_none()
            && store.set_withdrawn(
                &source.path,
                Some((Withdrawn::Unconfigured, "ledger.sources 不再包含此文件")),
                now,
            )?
        {
            reports.push(report_of(
                &source.path,
                display,
                Outcome::Unconfigured {
                    entries: source.entries,
                    amount: store.source_amount(&source.path)?,
                },
            ));
        }
    }
    Ok(())
}

fn report_of(path: &str, display: String, outcome: Outcome) -> FileReport {
    FileReport {
        file: SourceFile {
            path: path.into(),
            fund: None,
            spec: None,
        },
        display,
        outcome,
        duplicates: Vec::new(),
    }
}
