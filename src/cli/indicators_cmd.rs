//! `spendwatch indicators template`: the XLSX the people who do the work fill in with their
//! readings (完成值), one row per indicator and month, written to a new file (or stdout).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::Failure;
use crate::config::Config;
use crate::readings::{template_rows, write_template};

/// Writes the template of `year` (default: the latest year of the configured funds) to
/// `output`: `-` for stdout, else a file (default `完成值-YEAR.xlsx` in the current folder),
/// never replacing one that exists unless `force`.
///
/// # Errors
/// A [`Failure`]: invalid usage (no fund of the year, the file exists, a terminal as stdout),
/// or a runtime failure writing it.
pub(super) fn template(
    config: &Config,
    output: Option<PathBuf>,
    year: Option<i32>,
    force: bool,
) -> Result<(), Failure> {
    let Some(year) = year.or_else(|| config.funds.iter().map(|f| f.year).max()) else {
        return Err(Failure::invalid(
            "spendwatch: 配置中没有项目；请先在 funds 中配置项目",
        ));
    };
    if !config.funds.iter().any(|f| f.year == year) {
        let mut years: Vec<String> = config.funds.iter().map(|f| f.year.to_string()).collect();
        years.sort();
        years.dedup();
        return Err(Failure::invalid(format!(
            "spendwatch: 配置中没有{year}年的项目（配置的年度：{}）；请用 --year 指定其中一年",
            years.join("、")
        )));
    }
    let rows = template_rows(&config.indicators, &config.funds, year).len();
    if rows == 0 {
        return Err(Failure::invalid(format!(
            "spendwatch: {year}年没有需要填报完成值的指标（indicators.items 中没有指标，或都按账簿计算）；请先在配置中填写指标"
        )));
    }
    let bytes = write_template(&config.indicators, &config.funds, year)
        .map_err(|e| Failure::runtime(format!("无法生成模板：{e}")))?;
    let path = output.unwrap_or_else(|| PathBuf::from(format!("完成值-{year}.xlsx")));
    if path == Path::new("-") {
        let mut stdout = std::io::stdout();
        if stdout.is_terminal() {
            return Err(Failure::invalid(
                "spendwatch: 模板是 XLSX 文件，不能写到终端；请用 -o 文件名，或把输出重定向到文件（-o - > 完成值.xlsx）",
            ));
        }
        stdout
            .write_all(&bytes)
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure::runtime(format!("stdout: {e}")))?;
        return Ok(());
    }
    write_new(&path, &bytes, force)?;
    eprintln!(
        "spendwatch: 已写出 {}：{year}年 {} 行（每个指标每月一行），请在 完成值 列填写（定性指标填 达成/基本达成/未达成），说明 列可写文字；保存后放入 indicators.sources 所指的位置",
        path.display(),
        rows
    );
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file beside it, so that a reader never sees a
/// half-written workbook; refuses to replace an existing file unless `force` (a hard link
/// puts the file in place only if none is there, even if one appears meanwhile).
fn write_new(path: &Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    let exists = || {
        Failure::invalid(format!(
            "spendwatch: {} 已存在；要覆盖请加 --force，或用 -o 指定另一个文件名",
            path.display()
        ))
    };
    if path.exists() && !force {
        return Err(exists());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "template".into(), |n| n.to_string_lossy());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let fail = |e: std::io::Error| Failure::runtime(format!("{}: {e}", path.display()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let placed = written.and_then(|()| {
        if force {
            std::fs::rename(&tmp, path)
        } else {
            std::fs::hard_link(&tmp, path)
        }
    });
    let _ = std::fs::remove_file(&tmp);
    match placed {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
        Err(e) => Err(fail(e)),
    }
}
