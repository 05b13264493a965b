//! `spendwatch report …`: the forms the office hands in. `report monitor` writes the
//! 项目支出绩效目标执行监控表 as an XLSX workbook (README, "The 监控表").

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Subcommand;

use super::{Failure, open_and_sync, today};
use crate::app::snapshot;
use crate::config::Config;
use crate::report::monitor::{MonitorForm, Period, xlsx};
use crate::report::words;

/// The reports.
#[derive(Debug, Subcommand)]
pub(super) enum ReportCommand {
    /// Write the 项目支出绩效目标执行监控表 (XLSX): a summary sheet for the department and one
    /// sheet per fund, with data to the last month end on or before the day
    Monitor {
        /// Fill it in as on this day (2025-08-05, 2025/8/5, 20250805, 2025年8月5日): data to the
        /// last month end on or before it [default: today]
        #[arg(long, value_name = "DAY", value_parser = super::parse_day)]
        as_of: Option<NaiveDate>,
        /// The file to write (replaced if it exists) [default: 项目支出绩效目标执行监控表（YYYY年1-N月）.xlsx
        /// in the current folder]
        #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
        output: Option<PathBuf>,
    },
}

pub(super) fn run(config: &Config, command: ReportCommand) -> Result<(), Failure> {
    match command {
        ReportCommand::Monitor { as_of, output } => monitor(config, as_of, output),
    }
}

fn monitor(
    config: &Config,
    as_of: Option<NaiveDate>,
    output: Option<PathBuf>,
) -> Result<(), Failure> {
    let as_of = as_of.unwrap_or_else(|| today(config));
    let period = Period::of(as_of);
    if !config.funds.iter().any(|f| f.year == period.year()) {
        let mut years: Vec<i32> = config.funds.iter().map(|f| f.year).collect();
        years.sort_unstable();
        years.dedup();
        let years: Vec<String> = years.iter().map(i32::to_string).collect();
        return Err(Failure::invalid(format!(
            "spendwatch: 监控表数据截至{}，但配置中没有{}年度的项目（配置中的项目年度：{}）；\
             请用 --as-of 指定项目年度内的日期，如 --as-of {}-07-31",
            words::long_date(period.end),
            period.year(),
            years.join("、"),
            config.funds[0].year,
        )));
    }
    let store = open_and_sync(config, "report monitor")?;
    let snapshot = snapshot::read(&store, config, period.end)?;
    let form = MonitorForm::build(config, &snapshot, as_of);
    let bytes = xlsx::write(&form)
        .map_err(|e| Failure::runtime(format!("cannot build the workbook: {e}")))?;
    let file = output.unwrap_or_else(|| PathBuf::from(format!("{}.xlsx", form.title)));
    write_whole(&file, &bytes)?;
    if period.end != as_of {
        eprintln!(
            "spendwatch: 注意：{}不是月末；监控表按月填报，数据截至上一个月末（{}）",
            words::long_date(as_of),
            words::long_date(period.end)
        );
    }
    outln!(
        "已写入 {}：{}，{}及{}个项目，数据截至{}",
        file.display(),
        form.title,
        form.summary.sheet_name,
        form.funds.len(),
        words::long_date(period.end)
    );
    Ok(())
}

/// Writes `bytes` to `file` under a temporary name beside it, then renames it: `file` is
/// always a whole workbook, the previous one or the new one.
fn write_whole(file: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = file.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, file));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Failure::runtime(format!(
            "{}：无法写入监控表（{e}）；请检查文件夹是否存在、是否有写入权限，或用 -o 指定别的文件",
            file.display()
        ))
    })
}
