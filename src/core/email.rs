//! The text of alert emails: subject, plain text and HTML, in Chinese, for finance officers.
//!
//! Pure: given the notices of one check for one set of recipients, the funds' evaluations and
//! the as-of day, it returns strings. MIME, headers and delivery live in `mail`.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use super::alert::{MilestoneFacts, Notice};
use super::evaluate::{FundReport, MilestoneStatus};
use super::fund::Fund;
use super::money::Money;

/// The notices of one fund in one email.
#[derive(Debug, Clone)]
pub struct FundNotices<'a> {
    pub fund: &'a Fund,
    pub report: &'a FundReport,
    pub notices: Vec<Notice>,
}

/// Notices about spendwatch's own inputs, for the admin recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminNotice {
    Stale {
        days: i64,
        last_change: Option<NaiveDate>,
    },
    Fresh,
    /// A ledger file was rejected; `problems` lists them as `file:line: …`, one a line;
    /// `in_force` is how many entries the version still in force has (`None`: no version of
    /// the file was ever imported).
    Rejected {
        file: String,
        problems: String,
        in_force: Option<i64>,
    },
    /// The same `entries` (summing to `amount`, 分) of fund `fund` (its name) are in force
    /// through both `files`: that money is counted twice.
    Overlap {
        files: Vec<String>,
        fund: String,
        entries: i64,
        amount: Money,
    },
    /// A `ledger.sources` pattern matches no file.
    NoMatch {
        pattern: String,
    },
    /// A configured file vanished from disk; its `entries` stay in force.
    Vanished {
        file: String,
        entries: i64,
    },
    /// A source left force or came back (`what` says which and why).
    Force {
        file: String,
        what: String,
    },
    /// No entry of fund `fund` (its name) is in force from any source: its spending alerts
    /// wait for data rather than report ¥0.00 spent. Sent to finance as well as the admin.
    NoData {
        fund: String,
    },
}

impl AdminNotice {
    /// What kind of notice it is, in a word for a subject line.
    pub fn label(&self) -> &'static str {
        match self {
            AdminNotice::Stale { .. } => "数据未更新",
            AdminNotice::Fresh => "数据已更新",
            AdminNotice::Rejected { .. } => "导入失败",
            AdminNotice::Overlap { .. } => "重复计入",
            AdminNotice::NoMatch { .. }
            | AdminNotice::Vanished { .. }
            | AdminNotice::NoData { .. } => "数据缺失",
            AdminNotice::Force { .. } => "来源变更",
        }
    }

    /// Whether finance officers get it too (the others are about spendwatch's inputs only).
    pub fn for_finance(&self) -> bool {
        matches!(self, AdminNotice::NoData { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `6月底` for a month's last day, else `6月15日`.
pub fn day_name(date: NaiveDate) -> String {
    let last_of_month = date
        .succ_opt()
        .is_none_or(|next| next.month() != date.month());
    if last_of_month {
        format!("{}月底", date.month())
    } else {
        format!("{}月{}日", date.month(), date.day())
    }
}

fn long_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

fn percent(fraction: f64) -> String {
    format!("{:.2}%", fraction * 100.0)
}

fn yuan(m: Money) -> String {
    format!("¥{}", m.grouped())
}

/// `剩余15天`, `今天到期`, `逾期3天`.
fn days_phrase(days_left: i64) -> String {
    match days_left {
        0 => "今天到期".to_owned(),
        d if d > 0 => format!("剩余{d}天"),
        d => format!("逾期{}天", -d),
    }
}

/// The headline of one notice: its grade and what happened.
fn headline(fund: &Fund, notice: &Notice) -> (&'static str, String) {
    let node = |m: &MilestoneFacts| format!("{}{}", day_name(m.date), m.share);
    match notice {
        Notice::Due { milestone } => (
            "黄色预警",
            format!(
                "距{}支出节点{}，尚未达标",
                node(milestone),
                days_phrase(milestone.days_left)
            ),
        ),
        Notice::Missed {
            milestone,
            caught_up: false,
            ..
        } => ("红色预警", format!("未达{}支出进度", node(milestone))),
        Notice::Missed {
            milestone,
            caught_up: true,
            ..
        } => (
            "红色预警",
            format!("未达{}支出进度（现已补齐）", node(milestone)),
        ),
        Notice::CaughtUp { milestone, .. } => {
            ("已恢复", format!("已补齐{}支出进度", node(milestone)))
        }
        Notice::Met { milestone } => ("已恢复", format!("已达到{}支出进度", node(milestone))),
        Notice::OverBudget { .. } => ("超预算", "累计支出超出预算".to_owned()),
        Notice::BackWithinBudget { .. } => ("已恢复", "累计支出已回到预算以内".to_owned()),
        Notice::Stale { .. } | Notice::Fresh => ("通知", format!("{}的账务数据", fund.name)),
    }
}

/// What the notice says in detail, and the next step.
fn details(notice: &Notice, report: &FundReport, fund: &Fund) -> Vec<String> {
    let next_milestone = report
        .milestones
        .iter()
        .find(|m| m.status != MilestoneStatus::Met && m.days_left >= 0);
    let next_step = |lines: &mut Vec<String>, label: &str| {
        if let Some(m) = next_milestone {
            lines.push(format!(
                "{label}：{}前累计还需支出 {}（{}，节点目标 {}）。",
                long_date(m.milestone.date),
                yuan(m.target.saturating_sub(report.spent).max(Money::ZERO)),
                days_phrase(m.days_left),
                yuan(m.target)
            ));
        }
    };
    let mut lines = Vec::new();
    match notice {
        Notice::Due { milestone } => {
            lines.push(format!(
                "节点目标 {}（预算的{}），目前累计支出 {}，差额 {}。",
                yuan(milestone.target),
                milestone.share,
                yuan(milestone.spent),
                yuan(milestone.shortfall)
            ));
            lines.push(format!(
                "下一步：{}前还需支出 {}（{}）。",
                long_date(milestone.date),
                yuan(milestone.shortfall),
                days_phrase(milestone.days_left)
            ));
        }
        Notice::Missed {
            milestone,
            spent_now,
            caught_up,
            again,
        } => {
            lines.push(format!(
                "截至{}累计支出 {}，节点目标 {}，差额 {}。",
                long_date(milestone.date),
                yuan(milestone.spent),
                yuan(milestone.target),
                yuan(milestone.shortfall)
            ));
            if *again {
                // The reader was told it ended (已补齐): say why it is back.
                lines.push(
                    "该节点的预警此前已解除，但目前累计支出又低于节点目标；请核对近期的冲销、退款。"
                        .to_owned(),
                );
            }
            if *caught_up {
                lines.push(format!(
                    "目前累计支出 {}，已补齐该节点进度。",
                    yuan(*spent_now)
                ));
                next_step(&mut lines, "下一步");
            } else if report.as_of > fund.last_day() {
                lines.push(format!(
                    "目前累计支出 {}，仍差 {}。{}年度已结束，以上为该年度的年终结果。",
                    yuan(*spent_now),
                    yuan(milestone.target.saturating_sub(*spent_now)),
                    fund.year
                ));
            } else {
                let gap = milestone.target.saturating_sub(*spent_now);
                lines.push(format!(
                    "目前累计支出 {}，仍差 {}（{}）。",
                    yuan(*spent_now),
                    yuan(gap),
                    days_phrase(milestone.days_left)
                ));
                lines.push(format!(
                    "下一步：请尽快支出 {}，补齐{}进度。",
                    yuan(gap),
                    day_name(milestone.date)
                ));
                next_step(&mut lines, "随后");
            }
        }
        Notice::CaughtUp {
            milestone,
            spent_now,
        } => {
            lines.push(format!(
                "目前累计支出 {}，已达到节点目标 {}。",
                yuan(*spent_now),
                yuan(milestone.target)
            ));
            next_step(&mut lines, "下一步");
        }
        Notice::Met { milestone } => {
            lines.push(format!(
                "截至{}累计支出 {}，已达到节点目标 {}。",
                long_date(milestone.date.min(report.as_of)),
                yuan(milestone.spent),
                yuan(milestone.target)
            ));
            next_step(&mut lines, "下一步");
        }
        Notice::OverBudget { spent, budget } => {
            lines.push(format!(
                "累计支出 {}，预算数 {}，超出 {}。",
                yuan(*spent),
                yuan(*budget),
                yuan(spent.saturating_sub(*budget))
            ));
            lines.push("下一步：请核对账务是否有误记、重复记账，或按规定办理预算调整。".to_owned());
        }
        Notice::BackWithinBudget { spent, budget } => {
            lines.push(format!(
                "累计支出 {}，预算数 {}。",
                yuan(*spent),
                yuan(*budget)
            ));
        }
        Notice::Stale { .. } | Notice::Fresh => lines.push(fund.name.clone()),
    }
    lines
}

/// The milestone a fund's table row shows: the one a notice is about, else the next one.
fn focus(notices: &[Notice], report: &FundReport) -> Option<MilestoneFacts> {
    let milestone_of = |n: &Notice| match n {
        Notice::Due { milestone }
        | Notice::Missed { milestone, .. }
        | Notice::CaughtUp { milestone, .. }
        | Notice::Met { milestone } => Some(*milestone),
        _ => None,
    };
    // The milestone that needs action comes first; then any the notices are about.
    notices
        .iter()
        .filter(|n| n.is_warning())
        .find_map(milestone_of)
        .or_else(|| notices.iter().find_map(milestone_of))
        .or_else(|| {
            report
                .milestones
                .iter()
                .find(|m| m.days_left >= 0)
                .or(report.milestones.last())
                .map(MilestoneFacts::from)
        })
}

const TABLE_HEADINGS: [&str; 9] = [
    "项目名称",
    "预算数",
    "累计支出",
    "执行率",
    "计划进度",
    "序时进度",
    "节点目标",
    "差额",
    "剩余/逾期天数",
];

fn table_row(item: &FundNotices<'_>) -> [String; 9] {
    let (target, gap, days) = match focus(&item.notices, item.report) {
        Some(m) => {
            let gap = m.target.saturating_sub(item.report.spent).max(Money::ZERO);
            // Days left or overdue only matter while something is still to be spent.
            let days = if gap == Money::ZERO {
                "已完成".to_owned()
            } else {
                days_phrase(m.days_left)
            };
            (
                format!("{}（{}{}）", m.target.grouped(), day_name(m.date), m.share),
                gap.grouped(),
                days,
            )
        }
        None => ("-".into(), "-".into(), "-".into()),
    };
    [
        item.fund.name.clone(),
        item.fund.budget.grouped(),
        item.report.spent.grouped(),
        percent(item.report.rate),
        percent(item.report.plan_rate),
        percent(item.report.time_rate),
        target,
        gap,
        days,
    ]
}

fn admin_lines(notice: &AdminNotice) -> (String, Vec<String>) {
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
        } => (
            format!("账务文件 {file} 未能导入"),
            vec![
                "该文件有以下问题，整份文件都未导入：".to_owned(),
                problems.clone(),
                match in_force {
                    Some(n) => format!("支出进度和预警仍按该文件之前导入的版本（{n}条记录）计算。"),
                    None => "该文件还没有成功导入过，在它导入之前，支出进度和预警中不含它的支出。"
                        .to_owned(),
                },
                format!(
                    "下一步：请按上面每条所说的办法改正，重新导出后用同名文件替换 {file}；下次检查时会自动导入，无需其他操作。"
                ),
            ],
        ),
        AdminNotice::Overlap {
            files,
            fund,
            entries,
            amount,
        } => (
            format!("{fund}有{entries}笔分录被重复计入"),
            vec![
                format!(
                    "{}中有{entries}笔相同的分录（合计{}），两个文件都在计入，这笔钱被算了两次，执行率偏高。",
                    files.join("与"),
                    yuan(*amount)
                ),
                "下一步：如果它们是同一账簿的逐月累计导出，请在 config.yaml 的 ledger.sources 中给它们的条目加上 series: ytd（只计最新的一份）；否则删除多余的文件，或用 spendwatch sources --forget 文件 撤除。".to_owned(),
            ],
        ),
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

fn subject(funds: &[FundNotices<'_>], admin: &[AdminNotice]) -> String {
    let warned: Vec<&FundNotices<'_>> = funds
        .iter()
        .filter(|f| f.notices.iter().any(Notice::is_warning))
        .collect();
    let recorded: Vec<&FundNotices<'_>> = funds
        .iter()
        .filter(|f| f.notices.iter().any(|n| matches!(n, Notice::Missed { .. })))
        .collect();
    if let [only] = warned.as_slice() {
        // The other funds in the email only report (a caught-up milestone, a recovery).
        let others = if funds.len() > 1 {
            format!("（共{}个项目）", funds.len())
        } else {
            String::new()
        };
        let subject = match only.notices.as_slice() {
            [n @ Notice::OverBudget { .. }] => {
                format!("【超预算】{} {}", only.fund.name, headline(only.fund, n).1)
            }
            [n] => format!(
                "【支出进度预警】{} {}",
                only.fund.name,
                headline(only.fund, n).1
            ),
            _ => format!("【支出进度预警】{} 支出进度滞后", only.fund.name),
        };
        return subject + &others;
    }
    if warned.len() > 1 {
        return format!("【支出进度预警】{}个项目支出进度滞后", warned.len());
    }
    if let [only] = recorded.as_slice() {
        let n = only
            .notices
            .iter()
            .find(|n| matches!(n, Notice::Missed { .. }))
            .unwrap_or(&only.notices[0]);
        return format!(
            "【支出进度预警】{} {}",
            only.fund.name,
            headline(only.fund, n).1
        );
    }
    if recorded.len() > 1 {
        return format!(
            "【支出进度预警】{}个项目未达支出节点（现已补齐）",
            recorded.len()
        );
    }
    match funds {
        [only] if only.notices.len() == 1 => {
            return format!(
                "【已恢复】{} {}",
                only.fund.name,
                headline(only.fund, &only.notices[0]).1
            );
        }
        [only] => return format!("【已恢复】{} 支出进度已恢复", only.fund.name),
        [] => {}
        many => return format!("【已恢复】{}个项目支出进度已恢复", many.len()),
    }
    match admin {
        [AdminNotice::Stale { .. }] | [AdminNotice::Fresh] => {
            let prefix = if matches!(admin[0], AdminNotice::Fresh) {
                "【已恢复】"
            } else {
                "【数据未更新】"
            };
            format!("{prefix}{}", admin_lines(&admin[0]).0)
        }
        [AdminNotice::Rejected { .. }] => format!("【导入失败】{}", admin_lines(&admin[0]).0),
        [AdminNotice::Overlap { .. }] => format!("【重复计入】{}", admin_lines(&admin[0]).0),
        [AdminNotice::NoMatch { .. } | AdminNotice::Vanished { .. }] => {
            format!("【数据缺失】{}", admin_lines(&admin[0]).0)
        }
        [AdminNotice::Force { .. }] => format!("【来源变更】{}", admin_lines(&admin[0]).0),
        [AdminNotice::NoData { .. }] => format!("【数据缺失】{}", admin_lines(&admin[0]).0),
        _ if admin
            .iter()
            .all(|n| matches!(n, AdminNotice::NoData { .. })) =>
        {
            format!("【数据缺失】{}个项目尚无账务数据", admin.len())
        }
        _ => {
            let mut labels: Vec<&str> = admin.iter().map(AdminNotice::label).collect();
            labels.dedup();
            format!(
                "【spendwatch】{}条系统通知：{}",
                admin.len(),
                labels.join("、")
            )
        }
    }
}

/// Renders one email for one set of recipients.
pub fn render(as_of: NaiveDate, funds: &[FundNotices<'_>], admin: &[AdminNotice]) -> RenderedEmail {
    let subject = subject(funds, admin);
    let mut text = String::from("各位同事：\n\n");
    let mut html = String::from(HTML_HEAD);
    html.push_str("<p>各位同事：</p>\n");

    if !funds.is_empty() {
        let intro = format!("截至{}，以下项目的支出进度情况需要关注：", long_date(as_of));
        let _ = writeln!(text, "{intro}\n");
        let _ = writeln!(html, "<p>{}</p>", escape(&intro));
        for item in funds {
            for notice in &item.notices {
                let (grade, what) = headline(item.fund, notice);
                let _ = writeln!(text, "【{grade}】{}：{what}", item.fund.name);
                let color = grade_color(grade);
                let _ = writeln!(
                    html,
                    "<div style=\"border-left:4px solid {color};padding:6px 12px;margin:12px 0;background:#fafafa\">\
                     <div><span style=\"color:{color};font-weight:bold\">【{grade}】</span><b>{}</b>：{}</div>",
                    escape(&item.fund.name),
                    escape(&what)
                );
                for line in details(notice, item.report, item.fund) {
                    let _ = writeln!(text, "  {line}");
                    let _ = writeln!(
                        html,
                        "<div style=\"margin-top:4px\">{}</div>",
                        escape(&line)
                    );
                }
                let _ = writeln!(html, "</div>");
                text.push('\n');
            }
        }
        text.push_str("项目明细：\n");
        for item in funds {
            for (heading, value) in TABLE_HEADINGS.iter().zip(table_row(item)) {
                let _ = writeln!(text, "  {heading}：{value}");
            }
            text.push('\n');
        }
        html.push_str(&html_table(funds));
    }

    for notice in admin {
        let (title, lines) = admin_lines(notice);
        let _ = writeln!(text, "【系统通知】{title}");
        let _ = writeln!(
            html,
            "<div style=\"border-left:4px solid #888;padding:6px 12px;margin:12px 0;background:#fafafa\"><div><b>【系统通知】{}</b></div>",
            escape(&title)
        );
        for line in lines {
            for part in line.lines() {
                let _ = writeln!(text, "  {part}");
            }
            let _ = writeln!(
                html,
                "<div style=\"margin-top:4px;white-space:pre-wrap\">{}</div>",
                escape(&line)
            );
        }
        let _ = writeln!(html, "</div>");
        text.push('\n');
    }

    // The terms of the fund table are explained only where there is a fund table.
    let footer = if funds.is_empty() && admin.iter().any(AdminNotice::for_finance) {
        format!(
            "本邮件由 spendwatch 支出进度监控在{}的检查中自动发送。",
            long_date(as_of)
        )
    } else if funds.is_empty() {
        format!(
            "本邮件由 spendwatch 支出进度监控在{}的检查中自动发送给系统管理员（config.yaml 中的 email.admin）。",
            long_date(as_of)
        )
    } else {
        format!(
            "本邮件由 spendwatch 支出进度监控自动发送，数据截至{}。执行率=累计支出÷预算数；计划进度按支出计划逐日折算；序时进度=已过天数÷全年天数。",
            long_date(as_of)
        )
    };
    let _ = writeln!(text, "--\n{footer}");
    let _ = writeln!(
        html,
        "<p style=\"color:#888;font-size:12px;margin-top:24px\">{}</p>\n</body>\n</html>",
        escape(&footer)
    );
    RenderedEmail {
        subject,
        text,
        html,
    }
}

fn grade_color(grade: &str) -> &'static str {
    match grade {
        "黄色预警" => "#d4a000",
        "红色预警" | "超预算" => "#c62828",
        "已恢复" => "#2e7d32",
        _ => "#555",
    }
}

const HTML_HEAD: &str = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"utf-8\"></head>\n\
<body style=\"font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',sans-serif;font-size:14px;color:#222;line-height:1.6\">\n";

fn html_table(funds: &[FundNotices<'_>]) -> String {
    let cell = "border:1px solid #ccc;padding:4px 8px";
    let mut out = String::from(
        "<table style=\"border-collapse:collapse;margin:12px 0;font-size:13px\">\n<tr style=\"background:#f0f0f0\">",
    );
    for heading in TABLE_HEADINGS {
        let _ = write!(
            out,
            "<th style=\"{cell};white-space:nowrap\">{heading}</th>"
        );
    }
    out.push_str("</tr>\n");
    for item in funds {
        out.push_str("<tr>");
        let row = table_row(item);
        for (i, value) in row.iter().enumerate() {
            let align = if i == 0 { "left" } else { "right" };
            if i == 3 {
                // The execution rate with a bar against the plan, in CSS so it shows even
                // when the mail client blocks images.
                let width = (item.report.rate.clamp(0.0, 1.0) * 100.0).round();
                let plan = (item.report.plan_rate.clamp(0.0, 1.0) * 100.0).round();
                let _ = write!(
                    out,
                    "<td style=\"{cell};text-align:{align};white-space:nowrap\">{}<div style=\"position:relative;width:80px;height:6px;background:#e0e0e0;margin-top:2px\">\
                     <div style=\"width:{width}%;height:6px;background:#1e88e5\"></div>\
                     <div style=\"position:absolute;left:{plan}%;top:-2px;width:2px;height:10px;background:#c62828\"></div></div></td>",
                    escape(value)
                );
            } else {
                let _ = write!(
                    out,
                    "<td style=\"{cell};text-align:{align};white-space:nowrap\">{}</td>",
                    escape(value)
                );
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str(
        "</table>\n<p style=\"font-size:12px;color:#666\">蓝条为执行率，红线为计划进度。</p>\n",
    );
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
