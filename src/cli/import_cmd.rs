//! `spendwatch import FILE… [--fund ID] [--dry-run]`: import ledger files by hand, all or nothing.

use std::path::PathBuf;

use super::{Failure, now_stamp};
use crate::app::import::{self, FileReport, Outcome, SourceFile};
use crate::config::Config;
use crate::store::{Overlap, Store};

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
            "spendwatch: --fund {id}：{} 中没有这个资金编号（已有：{}）；请改用其中之一",
            config.file.display(),
            known.join(", ")
        )));
    }
    let mut sources: Vec<SourceFile> = Vec::with_capacity(files.len());
    for file in files {
        // Any regular file the admin names, but not a link in a source folder leading out of
        // them (kept under its own name, its import is refused).
        let path = import::hand_source_key(file, config);
        // The same file named twice is one source, imported once.
        if !sources.iter().any(|s| s.path == path) {
            sources.push(SourceFile {
                path,
                fund: fund.clone(),
                spec: None,
            });
        }
    }
    // A dry run changes nothing, not even by creating the database (run as root before the
    // service's first start, that would make one the service cannot write).
    let mut store = match Store::open_existing(&config.database) {
        Err(crate::store::StoreError::Missing { .. }) if dry_run => Store::open_in_memory()?,
        Err(crate::store::StoreError::Missing { .. }) => Store::open(&config.database)?,
        other => other?,
    };
    let (reports, overlaps) =
        import::import_files(&mut store, config, &sources, dry_run, now_stamp())?;
    for report in &reports {
        outln!("{}", describe(report));
        for duplicate in &report.duplicates {
            eprintln!("spendwatch: 警告：{duplicate}");
        }
    }
    for overlap in &overlaps {
        eprintln!("spendwatch: 警告：{}", overlap_sentence(overlap));
    }
    let prefix = if dry_run {
        "试运行，未作任何改动；现行分录"
    } else {
        "现行分录"
    };
    let (entries, sources) = store.entries_in_force()?;
    if config.funds.len() <= PER_FUND_UP_TO {
        let counts = store.entry_counts()?;
        let mut per_fund: Vec<String> = config
            .funds
            .iter()
            .map(|f| format!("{} {} 条", f.id, counts.get(&f.id).copied().unwrap_or(0)))
            .collect();
        let unknown: i64 = counts
            .iter()
            .filter(|(id, _)| config.fund(id).is_none())
            .map(|(_, n)| n)
            .sum();
        if unknown > 0 {
            per_fund.push(format!("已不在配置中的资金 {unknown} 条"));
        }
        outln!(
            "{prefix}：{}（共 {entries} 条，来自 {sources} 个文件）",
            per_fund.join("，")
        );
    } else {
        outln!(
            "{prefix}：共 {entries} 条，来自 {sources} 个文件，{} 项资金",
            config.funds.len()
        );
    }
    Ok(())
}

/// The finding of money counted twice, in one sentence with what to do.
pub(super) fn overlap_sentence(overlap: &Overlap) -> String {
    let files: Vec<String> = overlap
        .files
        .iter()
        .map(|f| import::display_path(std::path::Path::new(f)))
        .collect();
    format!(
        "{} 有 {} 笔相同的分录（{} 元，资金 {}）被重复计入；如果它们是同一账簿的逐月累计导出，\
         请在 ledger.sources 中给它们的条目加上 series: ytd，否则删除多余的文件或用 \
         spendwatch sources --forget 撤除",
        files.join(" 与 "),
        overlap.entries,
        overlap.amount.grouped(),
        overlap.fund
    )
}

/// One line about what happened to a file, in Chinese: the person reading it is the
/// accountant who made the export.
pub(super) fn describe(report: &FileReport) -> String {
    match &report.outcome {
        Outcome::Unchanged { entries } => {
            format!("{}: 未变化，现行分录 {entries} 条", report.display)
        }
        Outcome::Imported {
            entries,
            previous,
            written,
            subtotal_rows,
            note_rows,
            page_rows,
            skipped_sheets,
            encoding,
        } => {
            let mut text = format!("{}: 读入分录 {entries} 条", report.display);
            if let Some(encoding) = encoding {
                text += &format!("（{}）", encoding.name());
            }
            text += &format!("；跳过合计行 {subtotal_rows} 行");
            if *page_rows > 0 {
                text += &format!("、标题页码和重复表头 {page_rows} 行");
            }
            if *note_rows > 0 {
                text += &format!("、没有金额的说明行 {note_rows} 行");
            }
            if !skipped_sheets.is_empty() {
                text += &format!("；未读取 {}", skipped_sheets.join("、"));
            }
            text += &format!("；取代原有分录 {previous} 条");
            if *previous > 0 {
                text += &format!("（其中新增或变动 {written} 条）");
            }
            text
        }
        Outcome::Rejected {
            report: problems, ..
        } => problems.clone(),
        Outcome::Missing {
            entries_in_force: 0,
        } => format!(
            "{}: 文件不存在，也从未导入过，其中的支出不计入；请检查 ledger.sources 中的路径和文件名",
            report.display
        ),
        Outcome::Missing { entries_in_force } => {
            format!(
                "{}: 文件不存在；原有分录 {entries_in_force} 条继续有效（如不再需要，用 \
                 spendwatch sources --forget 撤除）",
                report.display
            )
        }
        Outcome::Superseded {
            by,
            why,
            entries,
            amount,
        } => format!(
            "{}: 已被 {by} 取代（{why}）；它的 {entries} 条分录（{} 元）不再计入",
            report.display,
            amount.grouped()
        ),
        Outcome::Unconfigured { entries, amount } => format!(
            "{}: ledger.sources 已不再包含此文件；它的 {entries} 条分录（{} 元）不再计入",
            report.display,
            amount.grouped()
        ),
        Outcome::Restored { why, entries } => {
            format!("{}: 重新计入（{why}），分录 {entries} 条", report.display)
        }
    }
}
