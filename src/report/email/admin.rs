//! The notices about spendwatch's own inputs (stale or rejected files, money counted twice,
//! funds with no data …) and what they say: for the administrators, and 数据缺失 for finance.

use chrono::NaiveDate;

use crate::core::{AlertKind, Money};
use crate::report::document::{Grade, Resolution};
use crate::report::words::{self, long_date, yuan};

/// Notices about spendwatch's own inputs, for the admin recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminNotice {
    /// No ledger source changed for `days` days; `last_change` is the day of the last change
    /// (`None`: nothing was ever imported).
    Stale {
        /// Days since `last_change`.
        days: i64,
        /// The day a ledger source last changed.
        last_change: Option<NaiveDate>,
    },
    /// A ledger source changed again after a stale notice.
    Fresh,
    /// A ledger file was rejected; `problems` lists them as `file:line: …`, one a line;
    /// `in_force` is how many entries the version still in force has (`None`: no version of
    /// the file was ever imported).
    Rejected {
        /// The file, as shown to people (relative to the working folder when inside it).
        file: String,
        /// The reader's messages, `file:line: …` one a line.
        problems: String,
        /// Entries of the version still in force.
        in_force: Option<i64>,
    },
    /// A file of readings (完成值, `indicators.sources`) was rejected: its previous version
    /// (if any) stays in force.
    ReadingsRejected {
        /// The file, as shown to people (relative to the working folder when inside it).
        file: String,
        /// The reader's messages, `file:line: …` one a line.
        problems: String,
        /// Readings of the version still in force.
        in_force: Option<i64>,
    },
    /// The same `entries` (summing to `amount`, 分) of fund `fund` (its name) are in force
    /// through both `files`: that money is counted twice.
    Overlap {
        /// The files, as shown to people (relative to the working folder when inside it).
        files: Vec<String>,
        /// The fund's name (项目名称).
        fund: String,
        /// How many entries are counted twice.
        entries: i64,
        /// Their sum, in 分.
        amount: Money,
    },
    /// A `ledger.sources` pattern matches no file.
    NoMatch {
        /// The pattern, as shown to people (relative to the working folder when inside it).
        pattern: String,
    },
    /// A configured file vanished from disk; its `entries` stay in force.
    Vanished {
        /// The file, as shown to people (relative to the working folder when inside it).
        file: String,
        /// How many of its entries are still counted.
        entries: i64,
    },
    /// A source left force or came back (`what` says which and why).
    Force {
        /// The file, as shown to people (relative to the working folder when inside it).
        file: String,
        /// What changed, why, and what to do, in Chinese (a sentence or two, ending in 。).
        what: String,
    },
    /// No entry of fund `fund` (its name) is in force from any source: its spending alerts
    /// wait for data rather than report ¥0.00 spent. Sent to finance as well as the admin.
    NoData {
        /// The fund's name (项目名称).
        fund: String,
    },
}

impl AdminNotice {
    /// What kind of notice it is, in a word for a subject line.
    pub fn label(&self) -> &'static str {
        match self {
            AdminNotice::Stale { .. } => words::alert_kind(AlertKind::Stale),
            AdminNotice::Fresh => "数据已更新",
            AdminNotice::Rejected { .. } | AdminNotice::ReadingsRejected { .. } => "导入失败",
            AdminNotice::Overlap { .. } => "重复计入",
            AdminNotice::NoMatch { .. }
            | AdminNotice::Vanished { .. }
            | AdminNotice::NoData { .. } => "数据缺失",
            AdminNotice::Force { .. } => "来源变更",
        }
    }

    /// Its grade in the email's body: 已恢复 when the data changed again, else 系统通知.
    pub fn grade(&self) -> Grade {
        match self {
            AdminNotice::Fresh => Grade::Resolved(Resolution::Recovered),
            _ => Grade::System,
        }
    }

    /// Whether finance officers get it too (the others are about spendwatch's inputs only):
    /// a fund without data, and a file of readings they fill in that was refused.
    pub fn for_finance(&self) -> bool {
        matches!(
            self,
            AdminNotice::NoData { .. } | AdminNotice::ReadingsRejected { .. }
        )
    }
}

/// The title of an admin notice and its lines (a line may hold several, a rejected file's
/// problems one a line).
pub(super) fn admin_lines(notice: &AdminNotice) -> (String, Vec<String>) {
    match notice {
        AdminNotice::Stale {
            days,
            last_change: Some(day),
        } => (
            format!("账务数据已{days}天未更新"),
            vec![
                format!(
                    "最近一次账务数据变化在{}。预警只反映已导入的数据。",
                    long_date(*day)
                ),
                "下一步：请从财务软件导出最新的支出明细，替换 ledger.sources 中的文件。".to_owned(),
            ],
        ),
        AdminNotice::Stale {
            last_change: None, ..
        } => (
            "尚未导入任何账务数据".to_owned(),
            vec![
                "下一步：请从财务软件导出支出明细，放到 config.yaml 中 ledger.sources 所列的位置。"
                    .to_owned(),
            ],
        ),
        AdminNotice::Fresh => (
            "账务数据已更新".to_owned(),
            vec!["账务数据已有新的变化，数据未更新提醒解除。".to_owned()],
        ),
        AdminNotice::Rejected {
            file,
            problems,
            in_force,
        } => rejected_lines(file, problems, *in_force),
        AdminNotice::ReadingsRejected {
            file,
            problems,
            in_force,
        } => readings_rejected_lines(file, problems, *in_force),
        AdminNotice::Overlap {
            files,
            fund,
            entries,
            amount,
        } => overlap_lines(files, fund, *entries, *amount),
        AdminNotice::NoMatch { pattern } => (
            format!("账簿来源 {pattern} 没有找到任何文件"),
            vec![
                "config.yaml 中 ledger.sources 的这一项没有匹配到任何文件，它的支出没有计入。".to_owned(),
                "下一步：请检查路径和文件名（通配符、大小写、文件夹），或把财务软件的导出放到这个位置。".to_owned(),
            ],
        ),
        AdminNotice::Vanished { file, entries } => (
            format!("账簿文件 {file} 已不在磁盘上"),
            vec![
                format!("它之前导入的{entries}条分录仍然计入支出进度。"),
                format!(
                    "下一步：如果是误删，请把文件放回原处；如果这些分录确实不应再计入，请运行 spendwatch sources --forget {file}。"
                ),
            ],
        ),
        AdminNotice::Force { file, what } => (
            format!("账簿文件 {file} 的计入状态有变化"),
            vec![what.clone(), "可用 spendwatch sources 查看每个来源文件的状态。".to_owned()],
        ),
        AdminNotice::NoData { fund } => (
            format!("{fund}尚无账务数据"),
            vec![
                "还没有从任何账簿文件读到这个项目的分录，所以暂不判断支出进度，也不发送支出进度预警；这不表示支出为零。".to_owned(),
                "下一步：请确认财务软件的导出已放到 ledger.sources 所列的位置，且文件中的项目名称或编码与 config.yaml 一致；读到数据后会恢复正常的预警。".to_owned(),
            ],
        ),
    }
}

/// A rejected `file`: its `problems`, what stays in force (`in_force` entries of the version
/// imported before, if any), and how to put it right.
fn rejected_lines(file: &str, problems: &str, in_force: Option<i64>) -> (String, Vec<String>) {
    (
        format!("账务文件 {file} 未能导入"),
        vec![
            "该文件有以下问题，整份文件都未导入：".to_owned(),
            problems.to_owned(),
            match in_force {
                Some(n) => format!("支出进度和预警仍按该文件之前导入的版本（{n}条记录）计算。"),
                None => "该文件还没有成功导入过，在它导入之前，支出进度和预警中不含它的支出。"
                    .to_owned(),
            },
            format!(
                "下一步：请按上面每条所说的办法改正，重新导出后用同名文件替换 {file}；下次检查时会自动导入，无需其他操作。"
            ),
        ],
    )
}

/// A refused file of readings: its problems, what stays in force, and what to do.
fn readings_rejected_lines(
    file: &str,
    problems: &str,
    in_force: Option<i64>,
) -> (String, Vec<String>) {
    (
        format!("完成值文件 {file} 未能导入"),
        vec![
            "该文件有以下问题，整份文件都未导入：".to_owned(),
            problems.to_owned(),
            match in_force {
                Some(n) => format!("绩效指标仍按该文件之前导入的版本（{n}条完成值）评价。"),
                None => "该文件还没有成功导入过，在它导入之前，绩效指标的评价中不含它的完成值。"
                    .to_owned(),
            },
            format!(
                "下一步：请按上面每条所说的办法改正后保存，替换 {file}；下次检查时会自动导入（空白模板：spendwatch indicators template）。"
            ),
        ],
    )
}

/// `entries` of `fund` (summing to `amount`, in 分) in force through both `files`.
fn overlap_lines(
    files: &[String],
    fund: &str,
    entries: i64,
    amount: Money,
) -> (String, Vec<String>) {
    (
        format!("{fund}有{entries}笔分录被重复计入"),
        vec![
            format!(
                "{}中有{entries}笔相同的分录（合计{}），两个文件都在计入，这笔钱被算了两次，执行率偏高。",
                files.join("与"),
                yuan(amount)
            ),
            "下一步：如果它们是同一账簿的逐月累计导出，请在 config.yaml 的 ledger.sources 中给它们的条目加上 series: ytd（只计最新的一份）；否则删除多余的文件，或用 spendwatch sources --forget 文件 撤除。".to_owned(),
        ],
    )
}
