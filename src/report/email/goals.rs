//! The 绩效指标 part of an alert email (双监控): a notice per indicator that lags, is breached,
//! has stale data or is back on track, then one table of their figures (指标, 指标值, 完成值,
//! 序时应达, 差距, 全年预计, 可能性).

use chrono::NaiveDate;

use super::lag::{explanation_words, in_force_words};
use crate::core::{Fund, Indicator, IndicatorReport, IndicatorState, Notice, Progress};
use crate::report::document::{Block, Grade, Notice as NoticeBlock, Resolution};
use crate::report::goals::{self, DEPARTMENT};
use crate::report::words::long_date;

/// The indicator notices of one fund (or of the department) in one email.
#[derive(Debug, Clone)]
pub struct GoalNotices<'a> {
    /// The fund whose 绩效目标表 holds them; `None`: the department's own 分项绩效目标.
    pub owner: Option<&'a Fund>,
    /// Each notice with its indicator and how the indicator stands on the email's day.
    pub items: Vec<GoalItem<'a>>,
}

/// One indicator notice.
#[derive(Debug, Clone)]
pub struct GoalItem<'a> {
    /// The indicator.
    pub indicator: &'a Indicator,
    /// How it stands on the email's day.
    pub report: &'a IndicatorReport,
    /// What the alert rules decided to tell ([`Notice::IndicatorOff`], `IndicatorOnTrack`,
    /// `IndicatorStale` or `IndicatorFresh`).
    pub notice: Notice,
}

/// The grade of an indicator notice: 指标预警 while it lags or is breached, 数据未更新 while
/// its data is stale, 已恢复 when either ends; `None` for a notice of another kind.
pub fn goal_grade(notice: &Notice) -> Option<Grade> {
    match notice {
        Notice::IndicatorOff { .. } => Some(Grade::Indicator),
        Notice::IndicatorStale { .. } => Some(Grade::Stale),
        Notice::IndicatorOnTrack { .. } | Notice::IndicatorFresh { .. } => {
            Some(Grade::Resolved(Resolution::Recovered))
        }
        _ => None,
    }
}

/// The blocks of the 绩效指标 part: an opening line (with the day `as_of` when given: the
/// email has no spending part to say it), each notice, and the table of figures.
pub(super) fn goal_blocks(goals: &[GoalNotices<'_>], as_of: Option<NaiveDate>) -> Vec<Block> {
    let items: Vec<(&GoalNotices<'_>, &GoalItem<'_>)> = goals
        .iter()
        .flat_map(|g| g.items.iter().map(move |i| (g, i)))
        .collect();
    if items.is_empty() {
        return Vec::new();
    }
    let day = as_of.map_or_else(String::new, |d| format!("截至{}，", long_date(d)));
    let mut blocks = vec![Block::Paragraph(format!(
        "{day}以下绩效指标（双监控）的完成情况需要关注："
    ))];
    for (group, item) in &items {
        let Some(grade) = goal_grade(&item.notice) else {
            continue;
        };
        blocks.push(Block::Notice(NoticeBlock {
            grade,
            subject: Some(owner_name(group.owner)),
            title: headline(item),
            lines: details(item),
            multiline: false,
        }));
    }
    let mut rows: Vec<(&Indicator, &IndicatorReport)> = Vec::new();
    for (_, item) in &items {
        if !rows.iter().any(|(i, _)| i.id == item.indicator.id) {
            rows.push((item.indicator, item.report));
        }
    }
    blocks.push(Block::Table(goals::table(
        Some("绩效指标明细".to_owned()),
        &rows,
    )));
    blocks
}

/// The subject's words for the indicator notices (`None`: there are none): one notice names
/// its indicator (`上报涉唐舆情数量 指标预警：滞后`), several count them by grade
/// (`2项指标预警、1项数据未更新`).
pub(super) fn goal_subject(goals: &[GoalNotices<'_>]) -> Option<String> {
    let items: Vec<&GoalItem<'_>> = goals.iter().flat_map(|g| &g.items).collect();
    match items.as_slice() {
        [] => None,
        [only] => Some(format!(
            "{} {}：{}",
            only.indicator.name,
            goal_grade(&only.notice).map_or("", Grade::word),
            state_words(only)
        )),
        several => {
            let mut counts: Vec<(Grade, usize)> = Vec::new();
            for grade in several.iter().filter_map(|i| goal_grade(&i.notice)) {
                match counts.iter_mut().find(|(g, _)| *g == grade) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((grade, 1)),
                }
            }
            counts.sort_by_key(|(g, _)| g.rank());
            let parts: Vec<String> = counts
                .iter()
                .map(|(g, n)| format!("{n}项{}", g.word()))
                .collect();
            Some(parts.join("、"))
        }
    }
}

/// Whether any of the notices is a warning (lagging, breached or stale), not only ends.
pub(super) fn any_warning(goals: &[GoalNotices<'_>]) -> bool {
    goals.iter().flat_map(|g| &g.items).any(|i| {
        matches!(
            i.notice,
            Notice::IndicatorOff { .. } | Notice::IndicatorStale { .. }
        )
    })
}

fn owner_name(owner: Option<&Fund>) -> String {
    owner.map_or_else(|| DEPARTMENT.to_owned(), |f| f.name.clone())
}

fn headline(item: &GoalItem<'_>) -> String {
    format!("{}：{}", item.indicator.name, state_words(item))
}

/// What the notice says of the indicator's state: 滞后, 超出限值, 数据已N天未更新, 已恢复正常.
fn state_words(item: &GoalItem<'_>) -> String {
    match &item.notice {
        Notice::IndicatorOff { state, .. } => goals::state(item.indicator, *state).to_owned(),
        Notice::IndicatorStale { days, .. } => format!("完成值已{days}天未更新"),
        Notice::IndicatorOnTrack { .. } => "已恢复正常".to_owned(),
        Notice::IndicatorFresh { .. } => "已收到新的完成值".to_owned(),
        _ => String::new(),
    }
}

fn details(item: &GoalItem<'_>) -> Vec<String> {
    let (i, r) = (item.indicator, item.report);
    let mut lines = Vec::new();
    let figures = || {
        let mut line = format!(
            "指标值 {}，完成值 {}",
            goals::target(i),
            goals::actual(i, r)
        );
        if let Some(day) = r.data_day {
            line.push_str(&format!("（截至{}）", long_date(day)));
        }
        if r.expected.is_some() && !matches!(i.progress, Progress::Level | Progress::Ledger) {
            line.push_str(&format!("，序时应达 {}", goals::expected(i, r)));
        }
        let gap = goals::gap(i, r);
        if gap != goals::NONE {
            line.push_str(&format!("，{gap}"));
        }
        line.push('。');
        line
    };
    match &item.notice {
        Notice::IndicatorOff {
            state,
            explanation,
            expired,
            ..
        } => {
            lines.push(figures());
            if !r.months_without_update.is_empty() {
                let months: Vec<String> = r
                    .months_without_update
                    .iter()
                    .map(|m| format!("{m}月"))
                    .collect();
                lines.push(format!(
                    "{}没有更新（该指标要求月月有更新）。",
                    months.join("、")
                ));
            }
            lines.push(format!(
                "全年预计：{}；完成目标可能性：{}。",
                goals::outlook(i, r),
                r.likelihood.as_str()
            ));
            if let Some(e) = explanation {
                lines.push(format!(
                    "已说明：{}（{}，在说明有效期内不再重复提醒）。",
                    explanation_words(e),
                    in_force_words(e)
                ));
            }
            if let Some(e) = expired {
                lines.push(format!(
                    "情况说明（第{}号）已结束，该指标仍未达到要求，恢复提醒：{}。",
                    e.id,
                    explanation_words(e)
                ));
            }
            lines.push(if *state == IndicatorState::Breached {
                "下一步：请核实完成值，查明超出限值的原因并采取措施；需要说明的，请报送情况说明（spendwatch explain）。".to_owned()
            } else {
                "下一步：请指标责任人核实完成值，制定措施加快进度，确保绩效目标如期实现。".to_owned()
            });
        }
        Notice::IndicatorStale { data_day, days, .. } => {
            lines.push(match data_day {
                Some(day) => format!(
                    "最近一次完成值截至{}，已{days}天没有新的完成值。",
                    long_date(*day)
                ),
                None => format!("本年度尚未报送完成值（已{days}天）。"),
            });
            lines.push(
                "下一步：请指标责任人按月报送完成值（模板：spendwatch indicators template）。"
                    .to_owned(),
            );
        }
        Notice::IndicatorOnTrack { .. } | Notice::IndicatorFresh { .. } => {
            lines.push(figures());
        }
        _ => {}
    }
    // Names and goals come from the checked config (no control characters); the 情况说明's
    // words are escaped by `explanation_words`; the HTML renderer escapes everything.
    lines
}
