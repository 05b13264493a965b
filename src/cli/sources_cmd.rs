//! `spendwatch sources [--format json]`: every ledger source the database knows, and whether
//! its money counts; `spendwatch sources --forget PATH [--dry-run]` withdraws one for good.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::{Failure, open_and_sync, open_for_reading};
use crate::app::import::{self, display_path};
use crate::config::Config;
use crate::report::Align;
use crate::report::terminal::columns as render;
use crate::report::words;
use crate::store::{Origin, SourceOverview, Withdrawn};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    Table,
    Json,
}

pub(super) fn run(
    config: &Config,
    forget: Option<&Path>,
    dry_run: bool,
    format: Format,
) -> Result<(), Failure> {
    let mut store = match forget {
        // A withdrawal must land in the real database, never in one made up in memory; and it
        // reads nothing first, so a dry run changes nothing at all.
        Some(_) => open_for_reading(config, "sources --forget …")?,
        None => open_and_sync(config, "sources")?,
    };
    if let Some(path) = forget {
        return forget_source(config, &mut store, path, dry_run);
    }
    let sources = store.source_overviews()?;
    match format {
        Format::Table => out!("{}", table(config, &sources)),
        Format::Json => {
            let json = serde_json::to_string_pretty(&json!({
                "sources": sources.iter().map(|s| to_json(config, s)).collect::<Vec<_>>()
            }))
            .unwrap_or_default();
            // The paths as they are (a program may use them), escaped as JSON allows.
            outln!("{}", crate::report::shown_json(&json));
        }
    }
    Ok(())
}

/// The state of a source, as a key (JSON) and in words (the table).
fn state(source: &SourceOverview) -> (&'static str, String) {
    match source.withdrawn {
        Some(Withdrawn::Superseded) => (
            "superseded",
            format!(
                "不计入：{}",
                source
                    .withdrawn_note
                    .as_deref()
                    .unwrap_or("被较新的文件取代")
            ),
        ),
        Some(Withdrawn::Unconfigured) => {
            ("unconfigured", "不计入：已不在 ledger.sources 中".into())
        }
        None if source.missing_since.is_some() => ("missing", "计入，但文件已不在磁盘上".into()),
        None if !source.accepted => ("rejected", "被拒绝，没有可用的版本".into()),
        None if source.rejected.is_some() => {
            ("rejected_version", "计入旧版本；新版本被拒绝".into())
        }
        None => ("in_force", "计入".into()),
    }
}

fn origin(source: &SourceOverview) -> &'static str {
    match source.origin {
        Some(Origin::Config) => "config",
        Some(Origin::Hand) => "hand",
        None => "unknown",
    }
}

/// A moment as the database keeps it (RFC 3339, whole seconds, `Z`), for the JSON.
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A moment as a local time of the configured zone (`2025-07-15 09:00`).
fn local(config: &Config, stamp: Option<DateTime<Utc>>) -> String {
    stamp
        .map(|t| {
            t.with_timezone(&config.timezone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "—".to_owned())
}

fn table(config: &Config, sources: &[SourceOverview]) -> String {
    if sources.is_empty() {
        return "还没有读入任何账簿文件（ledger.sources 或 spendwatch import）\n".to_owned();
    }
    let mut rows = vec![
        [
            "文件",
            "资金",
            "分录",
            "金额（元）",
            "起止日期",
            "最后读取",
            "最后变化",
            "状态",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for s in sources {
        let span = match (s.first_day, s.last_day) {
            (Some(a), Some(b)) => format!("{a}～{b}"),
            _ => "—".to_owned(),
        };
        rows.push(vec![
            display_path(Path::new(&s.path)),
            s.funds.join("、"),
            s.entries.to_string(),
            s.amount.grouped(),
            span,
            local(config, s.read_at),
            local(config, s.changed_at),
            state(s).1,
        ]);
    }
    use Align::{Left, Right};
    render(&[Left, Left, Right, Right, Left, Left, Left, Left], &rows)
}

fn to_json(config: &Config, s: &SourceOverview) -> serde_json::Value {
    json!({
        "path": s.path,
        "origin": origin(s),
        "state": state(s).0,
        "note": s.withdrawn_note,
        "funds": s.funds,
        "entries": s.entries,
        "amount": s.amount.to_string(),
        "first_day": s.first_day.map(|d| d.to_string()),
        "last_day": s.last_day.map(|d| d.to_string()),
        "read_at": s.read_at.map(rfc3339),
        "changed_at": s.changed_at.map(rfc3339),
        "missing_since": s.missing_since.map(rfc3339),
        "rejected": s.rejected,
        "timezone": config.timezone.name(),
    })
}

/// Withdraws the source at `path`, showing first the money it takes away.
fn forget_source(
    config: &Config,
    store: &mut crate::store::Store,
    path: &Path,
    dry_run: bool,
) -> Result<(), Failure> {
    // As `import` keys it: a link in a source folder leading out is known by its own name.
    let key = import::hand_source_key(path, config)
        .to_string_lossy()
        .into_owned();
    let (files, _) = import::configured_files(config);
    if files
        .iter()
        .any(|f| f.path.as_os_str() == key.as_str() && f.path.is_file())
    {
        return Err(Failure::invalid(format!(
            "spendwatch: {}：ledger.sources 仍然包含这个文件，撤除后下次读取又会读入；请先把它从 \
             ledger.sources 中去掉（或把文件移走），再撤除",
            display_path(path)
        )));
    }
    let Some(found) = store.forget_source(&key, !dry_run)? else {
        let known: Vec<String> = store
            .source_overviews()?
            .iter()
            .map(|s| display_path(Path::new(&s.path)))
            .collect();
        return Err(Failure::invalid(format!(
            "spendwatch: {}：数据库里没有这个来源文件；已有：{}（用 spendwatch sources 查看）",
            display_path(path),
            if known.is_empty() {
                "无".to_owned()
            } else {
                known.join("，")
            }
        )));
    };
    let counted = found.withdrawn.is_none();
    outln!(
        "{}{}：{} 条分录，{}（{}）{}",
        if dry_run {
            "试运行，将撤除 "
        } else {
            "已撤除 "
        },
        display_path(path),
        found.entries,
        words::in_yuan(found.amount),
        if found.funds.is_empty() {
            "无资金".to_owned()
        } else {
            found.funds.join("、")
        },
        if counted {
            "；这些金额不再计入"
        } else {
            "；它本来就不计入，金额不变"
        }
    );
    Ok(())
}
