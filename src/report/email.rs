//! The alert emails: subject, plain text and HTML, in Chinese, for finance officers and the
//! administrators.
//!
//! Pure: given the notices of one check for one set of recipients, the funds' evaluations and
//! the as-of day, it builds the email as a [`Document`] and renders it with the plain-text
//! and HTML renderers. MIME, headers and delivery live in `mail`.

mod admin;
mod goals;
mod lag;

use chrono::NaiveDate;

pub use admin::AdminNotice;
use admin::admin_lines;
pub use goals::{GoalItem, GoalNotices, goal_grade};

use super::document::{
    Align, Block, Cell, Column, Document, Grade, Level, Notice as NoticeBlock, Resolution, Table,
};
use super::words::{self, day_name, days_phrase, long_date, milestone_name, percent, yuan};
use super::{html, outlook, shown, text};
use crate::core::{
    Fund, FundReport, MilestoneFacts, Money, Notice, TimeBasis, catch_up, still_to_spend,
};

/// The notices of one fund in one email, with the fund's evaluation on the as-of day.
#[derive(Debug, Clone)]
pub struct FundNotices<'a> {
    /// The fund.
    pub fund: &'a Fund,
    /// Its evaluation on the email's day (the figures of its table row and next steps).
    pub report: &'a FundReport,
    /// What the alert rules decided to tell about it, in order.
    pub notices: Vec<Notice>,
}

/// An email's words: its subject line, plain text and HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part: a whole page.
    pub html: String,
}

/// Renders one email for one set of recipients: `funds` with their notices (in the order
/// given), then the indicator notices (`goals`), then the `admin` notices, on the day `as_of`.
pub fn render(
    as_of: NaiveDate,
    funds: &[FundNotices<'_>],
    goals: &[GoalNotices<'_>],
    admin: &[AdminNotice],
) -> RenderedEmail {
    let doc = document(as_of, funds, goals, admin);
    RenderedEmail {
        // A subject is one line whatever a file name in it holds.
        subject: shown(&subject(funds, goals, admin)).into_owned(),
        text: text::render(&doc),
        html: html::render(&doc),
    }
}

/// The email's body as a document: the greeting, each fund notice, the table of the funds,
/// the indicator notices with their table, each admin notice, and the footer.
pub fn document(
    as_of: NaiveDate,
    funds: &[FundNotices<'_>],
    goals: &[GoalNotices<'_>],
    admin: &[AdminNotice],
) -> Document {
    let mut blocks = vec![Block::Paragraph("各位同事：".to_owned())];
    if !funds.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "截至{}，以下项目的支出进度情况需要关注：",
            long_date(as_of)
        )));
        for item in funds {
            let year_end = year_end_notice(item);
            for (i, notice) in item.notices.iter().enumerate() {
                blocks.push(Block::Notice(NoticeBlock {
                    grade: grade(notice),
                    subject: Some(item.fund.name.clone()),
                    title: headline(item.fund, notice),
                    lines: {
                        let mut lines =
                            details(notice, item.report, item.fund, year_end == Some(i));
                        lines.extend(notice.lag().map(lag::lag_lines).unwrap_or_default());
                        lines
                    },
                    multiline: false,
                }));
            }
        }
        blocks.push(Block::Table(fund_table(funds)));
    }
    // Without a spending part, the indicators' opening line says the day.
    blocks.extend(goals::goal_blocks(goals, funds.is_empty().then_some(as_of)));
    for notice in admin {
        let (title, lines) = admin_lines(notice);
        blocks.push(Block::Notice(NoticeBlock {
            grade: notice.grade(),
            subject: None,
            title,
            lines,
            multiline: true,
        }));
    }
    blocks.push(Block::Footer(footer(as_of, funds, goals, admin)));
    Document { blocks }
}

/// The grade of a fund notice: its label in 【】, the unit its email's subject counts by, and
/// its colour. A lag is graded by its level (a milestone at risk 黄色预警, a missed one
/// 红色预警); a missed milestone already made good is 已补齐, not a warning.
pub fn grade(notice: &Notice) -> Grade {
    match notice {
        Notice::Due { lag, .. } | Notice::Behind { lag } => Grade::Lag(lag.level),
        Notice::Missed {
            caught_up: false,
            lag,
            ..
        } => Grade::Lag(lag.as_ref().map_or(Level::Red, |l| l.level)),
        Notice::Missed {
            caught_up: true, ..
        }
        | Notice::CaughtUp { .. } => Grade::Resolved(Resolution::CaughtUp),
        Notice::Met { .. } => Grade::Resolved(Resolution::Met),
        Notice::OverBudget { .. } => Grade::OverBudget,
        Notice::BackWithinBudget { .. } | Notice::BackOnTrack { .. } | Notice::Fresh => {
            Grade::Resolved(Resolution::Recovered)
        }
        Notice::Stale { .. } => Grade::Stale,
        other => goal_grade(other).unwrap_or(Grade::System),
    }
}

/// What one notice says happened, in one line (its headline after the grade).
fn headline(fund: &Fund, notice: &Notice) -> String {
    let node = |m: &MilestoneFacts| milestone_name(m.date, m.share);
    match notice {
        Notice::Due { milestone, .. } => format!(
            "距{}支出节点{}，尚未达标",
            node(milestone),
            days_phrase(milestone.days_left)
        ),
        Notice::Missed {
            milestone,
            caught_up: false,
            ..
        } => format!("未达{}支出进度", node(milestone)),
        Notice::Missed {
            milestone,
            caught_up: true,
            ..
        } => format!("未达{}支出进度（现已补齐）", node(milestone)),
        Notice::CaughtUp { milestone, .. } => format!("已补齐{}支出进度", node(milestone)),
        Notice::Met { milestone } => format!("已达到{}支出进度", node(milestone)),
        Notice::OverBudget { .. } => "累计支出超出预算".to_owned(),
        Notice::BackWithinBudget { .. } => "累计支出已回到预算以内".to_owned(),
        Notice::Behind { .. } => "支出进度滞后".to_owned(),
        Notice::BackOnTrack { .. } => "支出进度已不再滞后".to_owned(),
        Notice::Stale { .. } | Notice::Fresh => format!("{}的账务数据", fund.name),
        // Indicator notices are told in their own part ([`goals`]), never as a fund's.
        Notice::IndicatorOff { .. }
        | Notice::IndicatorOnTrack { .. }
        | Notice::IndicatorStale { .. }
        | Notice::IndicatorFresh { .. } => format!("{}的绩效指标", fund.name),
    }
}

/// The sentence of the next step after a notice: what is still to be spent by the next
/// milestone not yet met (`None`: none is left this year).
fn next_step(report: &FundReport, label: &str) -> Option<String> {
    report.next_step().map(|step| {
        format!(
            "{label}：{}前累计还需支出 {}（{}，节点目标 {}）。",
            long_date(step.date),
            yuan(step.amount),
            days_phrase(step.days_left),
            yuan(step.target)
        )
    })
}

/// The catch-up schedule as the 下一步 of a lag notice ([`outlook::catch_up_lines`]): what
/// must still be spent by each remaining milestone, then per month and, within the last month,
/// per week; `label` goes before the first line. Empty when no milestone is left this year.
fn plan_lines(report: &FundReport, fund: &Fund, label: &str) -> Vec<String> {
    let mut lines = outlook::catch_up_lines(&catch_up(fund, report));
    if let Some(first) = lines.first_mut() {
        *first = format!("{label}：{first}");
    }
    lines
}

/// Which of a fund's notices says that its year has ended (`None`: its year is open, or no
/// notice is about a milestone still short): the last one still short, which is about its
/// latest milestone — said once per fund, not under each milestone.
fn year_end_notice(item: &FundNotices<'_>) -> Option<usize> {
    if item.report.as_of <= item.fund.last_day() {
        return None;
    }
    item.notices.iter().rposition(|n| {
        matches!(
            n,
            Notice::Missed {
                caught_up: false,
                ..
            }
        )
    })
}

/// What the notice says in detail, and the next step; `year_end`: whether it says that the
/// fund's year has ended (see [`year_end_notice`]).
fn details(notice: &Notice, report: &FundReport, fund: &Fund, year_end: bool) -> Vec<String> {
    let mut lines = Vec::new();
    match notice {
        Notice::Due { milestone, .. } => {
            lines.push(format!(
                "节点目标 {}（预算的{}），目前累计支出 {}，差额 {}。",
                yuan(milestone.target),
                milestone.share,
                yuan(milestone.spent),
                yuan(milestone.shortfall)
            ));
            lines.extend(plan_lines(report, fund, "下一步"));
        }
        Notice::Missed {
            milestone,
            spent_now,
            caught_up,
            again,
            ..
        } => {
            let now = MissedNow {
                spent: *spent_now,
                caught_up: *caught_up,
                again: *again,
                year_end,
            };
            return missed_details(milestone, now, report, fund);
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
            lines.extend(next_step(report, "下一步"));
        }
        Notice::Met { milestone } => {
            lines.push(format!(
                "截至{}累计支出 {}，已达到节点目标 {}。",
                long_date(milestone.date.min(report.as_of)),
                yuan(milestone.spent),
                yuan(milestone.target)
            ));
            lines.extend(next_step(report, "下一步"));
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
        Notice::Behind { .. } | Notice::BackOnTrack { .. } => {
            lines.push(format!(
                "累计支出 {}，执行率 {}，计划进度 {}，序时进度 {}。",
                yuan(report.spent),
                percent(report.execution_rate),
                percent(report.plan_rate),
                percent(report.time_rate)
            ));
            if matches!(notice, Notice::Behind { .. }) {
                lines.extend(plan_lines(report, fund, "下一步"));
            } else {
                lines.extend(next_step(report, "下一步"));
            }
        }
        Notice::Stale { .. }
        | Notice::Fresh
        | Notice::IndicatorOff { .. }
        | Notice::IndicatorOnTrack { .. }
        | Notice::IndicatorStale { .. }
        | Notice::IndicatorFresh { .. } => lines.push(fund.name.clone()),
    }
    lines
}

/// A missed milestone's notice as of the check's day.
struct MissedNow {
    /// spent(t), in 分.
    spent: Money,
    /// `spent` has reached the milestone's target.
    caught_up: bool,
    /// Its alert had ended before and fires once more.
    again: bool,
    /// The notice says that the fund's year has ended (once per fund: [`year_end_notice`]).
    year_end: bool,
}

/// The details of a missed milestone: the shortfall on its day, and now — caught up, the
/// year's final result, or what to spend at once and then.
fn missed_details(
    milestone: &MilestoneFacts,
    now: MissedNow,
    report: &FundReport,
    fund: &Fund,
) -> Vec<String> {
    let mut lines = vec![format!(
        "截至{}累计支出 {}，节点目标 {}，差额 {}。",
        long_date(milestone.date),
        yuan(milestone.spent),
        yuan(milestone.target),
        yuan(milestone.shortfall)
    )];
    if now.again {
        // The reader was told it ended (已补齐): say why it is back.
        lines.push(
            "该节点的预警此前已解除，但目前累计支出又低于节点目标；请核对近期的冲销、退款。"
                .to_owned(),
        );
    }
    let gap = still_to_spend(milestone.target, now.spent);
    if now.caught_up {
        lines.push(format!(
            "目前累计支出 {}，已补齐该节点进度。",
            yuan(now.spent)
        ));
        lines.extend(next_step(report, "下一步"));
    } else if report.as_of > fund.last_day() {
        let mut line = format!("目前累计支出 {}，仍差 {}。", yuan(now.spent), yuan(gap));
        if now.year_end {
            line.push_str(&format!(
                "{}年度已结束，以上为该年度的年终结果。",
                fund.year
            ));
        }
        lines.push(line);
    } else {
        lines.push(format!(
            "目前累计支出 {}，仍差 {}（{}）。",
            yuan(now.spent),
            yuan(gap),
            days_phrase(milestone.days_left)
        ));
        lines.push(format!(
            "下一步：请尽快支出 {}，补齐{}进度。",
            yuan(gap),
            day_name(milestone.date)
        ));
        lines.extend(plan_lines(report, fund, "补齐计划"));
    }
    lines
}

/// The milestone a fund's table row shows: the one its most urgent notice is about (a 红色预警
/// before a 黄色预警 before a 已补齐 or 已达标), the latest of equally urgent ones; when no notice
/// is about a milestone (over budget), the next milestone, or the last once all have passed.
fn focus(notices: &[Notice], report: &FundReport) -> Option<MilestoneFacts> {
    let milestone_of = |n: &Notice| match n {
        Notice::Due { milestone, .. }
        | Notice::Missed { milestone, .. }
        | Notice::CaughtUp { milestone, .. }
        | Notice::Met { milestone } => Some(*milestone),
        _ => None,
    };
    notices
        .iter()
        .filter_map(|n| milestone_of(n).map(|m| (grade(n).rank(), m)))
        .min_by(|(rank_a, a), (rank_b, b)| rank_a.cmp(rank_b).then(b.date.cmp(&a.date)))
        .map(|(_, m)| m)
        .or_else(|| {
            report
                .milestones
                .iter()
                .find(|m| m.days_left >= 0)
                .or(report.milestones.last())
                .map(MilestoneFacts::from)
        })
}

/// The columns of the funds' table, in the email's order; money columns say their unit (元).
fn table_columns() -> Vec<Column> {
    vec![
        Column::new(words::FUND_NAME, Align::Left),
        Column::money(words::BUDGET),
        Column::money(words::SPENT),
        Column::new(words::EXECUTION_RATE, Align::Right),
        Column::new(words::PLAN_RATE, Align::Right),
        Column::new(words::TIME_RATE, Align::Right),
        Column::money(words::MILESTONE_TARGET),
        Column::money(words::GAP),
        Column::new(words::DAYS_LEFT, Align::Right),
    ]
}

/// The column of the execution rate, drawn as a bar against the plan where bars are drawn.
const RATE_COLUMN: usize = 3;

/// 项目明细: one row per fund.
fn fund_table(funds: &[FundNotices<'_>]) -> Table {
    let rows = funds
        .iter()
        .map(|item| {
            table_row(item)
                .into_iter()
                .enumerate()
                .map(|(i, text)| {
                    if i == RATE_COLUMN {
                        Cell::Bar {
                            text,
                            value: item.report.execution_rate,
                            mark: item.report.plan_rate,
                        }
                    } else {
                        Cell::Text(text)
                    }
                })
                .collect()
        })
        .collect();
    Table {
        caption: Some("项目明细".to_owned()),
        columns: table_columns(),
        rows,
        legend: Some("蓝条为执行率，红线为计划进度。".to_owned()),
    }
}

/// The cells of a fund's row, as text.
fn table_row(item: &FundNotices<'_>) -> [String; 9] {
    let (target, gap, days) = match focus(&item.notices, item.report) {
        Some(m) => {
            let gap = item.report.still_to_spend(m.target);
            // Days left or overdue only matter while something is still to be spent.
            let days = if gap == Money::ZERO {
                words::DONE.to_owned()
            } else {
                days_phrase(m.days_left)
            };
            (
                format!(
                    "{}（{}）",
                    m.target.grouped(),
                    milestone_name(m.date, m.share)
                ),
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
        percent(item.report.execution_rate),
        percent(item.report.plan_rate),
        percent(item.report.time_rate),
        target,
        gap,
        days,
    ]
}

/// Who sent the email; the terms of the fund table are explained only where there is one.
fn footer(
    as_of: NaiveDate,
    funds: &[FundNotices<'_>],
    goals: &[GoalNotices<'_>],
    admin: &[AdminNotice],
) -> String {
    // The 序时应达 of an indicator is its own term: said where indicators are told.
    let goal_terms = if goals.is_empty() {
        ""
    } else {
        "序时应达=指标值×截至完成值日期的序时进度（按计划的指标按支出计划进度）。"
    };
    if funds.is_empty() && (!goals.is_empty() || admin.iter().any(AdminNotice::for_finance)) {
        format!(
            "本邮件由 spendwatch 支出进度监控在{}的检查中自动发送。{goal_terms}",
            long_date(as_of)
        )
    } else if funds.is_empty() {
        format!(
            "本邮件由 spendwatch 支出进度监控在{}的检查中自动发送给系统管理员（config.yaml 中的 email.admin）。",
            long_date(as_of)
        )
    } else {
        let time_rate = match funds.first().map(|f| f.report.time_basis) {
            Some(TimeBasis::Month) => "序时进度=截至月份÷12（按月）",
            _ => "序时进度=已过天数÷全年天数",
        };
        format!(
            "本邮件由 spendwatch 支出进度监控自动发送，数据截至{}。执行率=累计支出÷预算数；计划进度按支出计划逐日折算；{time_rate}。{goal_terms}",
            long_date(as_of)
        )
    }
}

/// The subject line: the fund notices (see [`fund_subject`]), then the indicator notices
/// (`…；绩效指标：2项指标预警`; 【指标预警】 when they are alone, or beside spending alerts that
/// only end), then the admin notices — on their own as before, or named after the others'
/// (`…；另有1条系统通知：数据缺失`).
fn subject(funds: &[FundNotices<'_>], goals: &[GoalNotices<'_>], admin: &[AdminNotice]) -> String {
    let category = if goals::any_warning(goals) {
        words::INDICATOR_WARNING
    } else {
        Grade::Resolved(Resolution::Recovered).word()
    };
    let main = match (fund_subject(funds), goals::goal_subject(goals)) {
        (Some((label, spending)), Some(indicators)) => {
            // Only ends of spending alerts beside indicator warnings: the warnings name the
            // email.
            let label = if label == Grade::Resolved(Resolution::Recovered).word()
                && goals::any_warning(goals)
            {
                words::INDICATOR_WARNING.to_owned()
            } else {
                label
            };
            Some(format!("【{label}】{spending}；绩效指标：{indicators}"))
        }
        (Some((label, spending)), None) => Some(format!("【{label}】{spending}")),
        (None, Some(indicators)) => Some(format!("【{category}】{indicators}")),
        (None, None) => None,
    };
    match main {
        Some(subject) if admin.is_empty() => subject,
        Some(subject) => format!(
            "{subject}；另有{}条系统通知：{}",
            admin.len(),
            admin_kinds(admin)
        ),
        None => admin_subject(admin),
    }
}

/// The subject of an email with fund notices (`None`: there are none): its category for the
/// 【】 (with ·报送领导 when a notice escalates), and what is in it — one notice: the fund, its
/// level if it is a warning, and what happened (`网络综合治理体系建设专项资金
/// 红色预警：未达6月底50%支出进度`); several of one fund: the fund and their
/// labels, most urgent first (`… 红色预警、已补齐`); several funds: per label, most urgent
/// first, how many funds it is the most urgent label of (`1个项目红色预警、1个项目已补齐`).
fn fund_subject(funds: &[FundNotices<'_>]) -> Option<(String, String)> {
    let told: Vec<&FundNotices<'_>> = funds.iter().filter(|f| !f.notices.is_empty()).collect();
    let what = match told.as_slice() {
        [] => return None,
        [only] => match only.notices.as_slice() {
            [notice] => match grade(notice) {
                // A warning says its level: a rise from 黄 to 橙 is news in itself.
                g @ Grade::Lag(_) => format!(
                    "{} {}：{}",
                    only.fund.name,
                    g.word(),
                    headline(only.fund, notice)
                ),
                _ => format!("{} {}", only.fund.name, headline(only.fund, notice)),
            },
            several => {
                let labels: Vec<&str> = grades(several).into_iter().map(Grade::word).collect();
                format!("{} {}", only.fund.name, labels.join("、"))
            }
        },
        several => grade_counts(several),
    };
    let notices = told.iter().flat_map(|f| &f.notices);
    let escalated = notices
        .clone()
        .any(|n| n.lag().is_some_and(|l| l.escalation.is_some()));
    let to_leaders = if escalated { "·报送领导" } else { "" };
    Some((format!("{}{to_leaders}", category(notices)), what))
}

/// The category of an email with fund notices, in 【】: 支出进度预警 when a fund lags or a
/// missed milestone is told (the record the bureau assesses, even when made good since), else
/// 超预算 when a fund is over budget, else 已恢复 (only ends of alerts).
fn category<'a>(notices: impl Iterator<Item = &'a Notice> + Clone) -> &'static str {
    let lag = |n: &Notice| matches!(grade(n), Grade::Lag(_)) || matches!(n, Notice::Missed { .. });
    if notices.clone().any(lag) {
        words::SPENDING_WARNING
    } else if notices.clone().any(|n| grade(n) == Grade::OverBudget) {
        Grade::OverBudget.word()
    } else {
        Grade::Resolved(Resolution::Recovered).word()
    }
}

/// The grades of `notices`, each once, most urgent first.
fn grades(notices: &[Notice]) -> Vec<Grade> {
    let mut grades: Vec<Grade> = notices.iter().map(grade).collect();
    grades.sort_by_key(|g| g.rank());
    grades.dedup();
    grades
}

/// `1个项目红色预警、1个项目已补齐`: per grade, most urgent first, the number of funds whose most
/// urgent notice has that grade — each fund counted once, so the counts add up to the funds in
/// the email.
fn grade_counts(funds: &[&FundNotices<'_>]) -> String {
    let mut counts: Vec<(Grade, usize)> = Vec::new();
    for grade in funds
        .iter()
        .filter_map(|f| grades(&f.notices).first().copied())
    {
        match counts.iter_mut().find(|(g, _)| *g == grade) {
            Some((_, n)) => *n += 1,
            None => counts.push((grade, 1)),
        }
    }
    counts.sort_by_key(|(g, _)| g.rank());
    let parts: Vec<String> = counts
        .iter()
        .map(|(grade, n)| format!("{n}个项目{}", grade.word()))
        .collect();
    parts.join("、")
}

/// The subject of an email with admin notices only: the one notice, or what kinds there are.
fn admin_subject(admin: &[AdminNotice]) -> String {
    match admin {
        [only] => {
            let grade = match only.grade() {
                Grade::System => only.label(),
                graded => graded.word(),
            };
            format!("【{grade}】{}", admin_lines(only).0)
        }
        _ if admin
            .iter()
            .all(|n| matches!(n, AdminNotice::NoData { .. })) =>
        {
            format!("【数据缺失】{}个项目尚无账务数据", admin.len())
        }
        _ => format!(
            "【spendwatch】{}条系统通知：{}",
            admin.len(),
            admin_kinds(admin)
        ),
    }
}

/// The kinds of `admin` notices, each once, in the order the notices come: `数据缺失、重复计入`.
fn admin_kinds(admin: &[AdminNotice]) -> String {
    let mut labels: Vec<&str> = Vec::new();
    for label in admin.iter().map(AdminNotice::label) {
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels.join("、")
}

#[cfg(test)]
mod tests;
