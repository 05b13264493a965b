//! The Chinese words spendwatch says to people, in one place: the names of states, milestone
//! statuses and alert grades, the column headings, and the forms of days, money and rates.
//!
//! The email, `status`, `alerts` and `sources` take their words from here, so a term is
//! changed once and never drifts between outputs (as 已过N天 and 逾期N天 once did). Pure:
//! values in, strings out.

use chrono::{Datelike, NaiveDate};

use super::document::{Level, Resolution};
use crate::core::{AlertKind, AlertStatus, FundState, MilestoneStatus, Money, Reason, Share};

/// 项目名称: a fund as finance officers name it.
pub const FUND_NAME: &str = "项目名称";
/// 预算数: the fund's budget.
pub const BUDGET: &str = "预算数";
/// 累计支出: spending so far in the year.
pub const SPENT: &str = "累计支出";
/// 执行率: spent ÷ budget.
pub const EXECUTION_RATE: &str = "执行率";
/// 计划进度: the plan's share on the day, interpolated between milestones.
pub const PLAN_RATE: &str = "计划进度";
/// 序时进度: days passed ÷ days in the year.
pub const TIME_RATE: &str = "序时进度";
/// 状态: a fund's or a milestone's state.
pub const STATE: &str = "状态";
/// 节点: a milestone of the spending plan.
pub const MILESTONE: &str = "节点";
/// 目标比例: a milestone's share of the budget.
pub const TARGET_SHARE: &str = "目标比例";
/// 节点目标: a milestone's target amount.
pub const MILESTONE_TARGET: &str = "节点目标";
/// 截至节点支出: spending up to a milestone's day.
pub const SPENT_BY_MILESTONE: &str = "截至节点支出";
/// 差额: what is still to be spent to reach a target.
pub const GAP: &str = "差额";
/// 剩余/逾期天数: days left until a milestone, or days since it passed.
pub const DAYS_LEFT: &str = "剩余/逾期天数";

/// A column heading for amounts of `term`, with their unit: `预算数（元）`. Cells under it are
/// grouped figures without a sign (`150,000.00`), so the heading says what they count in.
pub fn money_heading(term: &str) -> String {
    format!("{term}（元）")
}

/// 无数据: no source has an entry of the fund (which is not the same as nothing spent).
pub const NO_DATA: &str = "无数据";
/// 已完成: nothing left to spend for a milestone.
pub const DONE: &str = "已完成";
/// 支出进度预警: the subject's word for a warning about spending.
pub const SPENDING_WARNING: &str = "支出进度预警";
/// 指标预警: the grade of a 绩效指标 lagging or breached (双监控's goal half).
pub const INDICATOR_WARNING: &str = "指标预警";
/// 系统通知: the grade of a notice about spendwatch's own inputs, for its administrators.
pub const SYSTEM: &str = "系统通知";
/// 注意: the grade of a caution beside figures (no data, money counted twice).
pub const CAUTION: &str = "注意";

/// A fund's state on a day: 正常, 预警, 滞后, 超预算.
pub fn fund_state(state: FundState) -> &'static str {
    match state {
        FundState::OnTrack => "正常",
        FundState::AtRisk => "预警",
        FundState::Behind => "滞后",
        FundState::OverBudget => alert_kind(AlertKind::OverBudget),
    }
}

/// A milestone's status on a day: 已达标, 未达标, 临近, 未到期.
pub fn milestone_status(status: MilestoneStatus) -> &'static str {
    match status {
        MilestoneStatus::Met => "已达标",
        MilestoneStatus::Missed => "未达标",
        MilestoneStatus::AtRisk => "临近",
        MilestoneStatus::Upcoming => "未到期",
    }
}

/// What an alert watches, as `spendwatch alerts` names its kind: 节点临近 (`due`), 节点逾期
/// (`missed`), 进度滞后 (`lag`), 超预算, 数据未更新. Its colour is the level beside it (a `due`
/// alert can be 黄, 橙 or 红); an email labels each notice by its grade.
pub fn alert_kind(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Due => "节点临近",
        AlertKind::Missed => "节点逾期",
        AlertKind::OverBudget => "超预算",
        AlertKind::Lag => "进度滞后",
        AlertKind::Stale => "数据未更新",
        AlertKind::Indicator => "指标滞后",
        AlertKind::IndicatorStale => "指标数据未更新",
    }
}

/// The label of a lag warning at `level`: 黄色预警, 橙色预警, 红色预警.
pub fn level(level: Level) -> &'static str {
    match level {
        Level::Yellow => "黄色预警",
        Level::Orange => "橙色预警",
        Level::Red => "红色预警",
    }
}

/// The label of a notice that an alert ended: 已补齐 (a missed milestone made good), 已达标 (a
/// milestone met by its day), 已恢复 (back within the budget, fresh data).
pub fn resolution(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::CaughtUp => "已补齐",
        Resolution::Met => "已达标",
        Resolution::Recovered => "已恢复",
    }
}

/// An alert's status as `spendwatch alerts` shows it: 预警中, 已解除.
pub fn alert_status(status: AlertStatus) -> &'static str {
    match status {
        AlertStatus::Firing => "预警中",
        AlertStatus::Resolved => "已解除",
    }
}

/// What happened to an alert of `kind`, in the words of the alert history.
pub fn alert_reason(reason: Reason, kind: AlertKind) -> &'static str {
    match (reason, kind) {
        (Reason::First, _) => "首次通知",
        (Reason::Repeat, _) => "重复提醒",
        (Reason::Resolved, _) => "解除",
        // A due alert whose day passed unmet: the missed alert of the same milestone.
        (Reason::Replaced, AlertKind::Due) => "转为节点逾期",
        (Reason::Replaced, AlertKind::Lag) => "由节点预警接替",
        // Old figures say nothing about today: the indicator's stale alert takes over.
        (Reason::Replaced, AlertKind::Indicator) => "由指标数据未更新接替",
        (Reason::Replaced, _) => "由更晚的节点接替",
        (Reason::Expired, _) => "情况说明到期",
        (Reason::Escalated, _) => "报送领导",
    }
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

/// A milestone by its day and share: `6月底50%`.
pub fn milestone_name(date: NaiveDate, share: Share) -> String {
    format!("{}{share}", day_name(date))
}

/// `2025年7月1日`.
pub fn long_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// A rate (a fraction, 0.416 = 41.6%) as a percentage with two decimals: `41.60%`.
pub fn percent(fraction: f64) -> String {
    format!("{:.2}%", fraction * 100.0)
}

/// An amount (in 分) with the yuan sign, grouped: `¥62,398.50`.
pub fn yuan(amount: Money) -> String {
    format!("¥{}", amount.grouped())
}

/// An amount (in 分) followed by its unit, grouped: `13,574.67 元`.
pub fn in_yuan(amount: Money) -> String {
    format!("{} 元", amount.grouped())
}

/// The days to a milestone (`days_left`: positive before its day, negative after):
/// `剩余15天`, `今天到期`, `逾期3天`.
pub fn days_phrase(days_left: i64) -> String {
    match days_left {
        0 => "今天到期".to_owned(),
        d if d > 0 => format!("剩余{d}天"),
        d => format!("逾期{}天", -d),
    }
}

/// How far spending is ahead of or behind a pace, in percentage points (`rate_gap`, a
/// fraction) and in 元 (`amount_gap`, 分; negative: behind):
/// `落后 9.05 个百分点（13,574.67 元）` or `超前 …`; `持平` when the amounts are equal to the 分.
pub fn lead_or_lag(rate_gap: f64, amount_gap: Money) -> String {
    if amount_gap == Money::ZERO {
        return "持平".to_owned();
    }
    let word = if amount_gap < Money::ZERO {
        "落后"
    } else {
        "超前"
    };
    let amount = Money::from_fen(amount_gap.fen().abs());
    format!(
        "{word} {:.2} 个百分点（{}）",
        rate_gap.abs() * 100.0,
        in_yuan(amount)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn days_are_left_due_today_or_overdue() {
        assert_eq!(days_phrase(15), "剩余15天");
        assert_eq!(days_phrase(0), "今天到期");
        assert_eq!(days_phrase(-3), "逾期3天");
    }

    #[test]
    fn money_and_rates() {
        assert_eq!(yuan(Money::from_fen(6_239_850)), "¥62,398.50");
        assert_eq!(in_yuan(Money::from_fen(1_357_467)), "13,574.67 元");
        assert_eq!(percent(0.416), "41.60%");
        assert_eq!(percent(160_000.0 / 150_000.0), "106.67%");
        assert_eq!(
            lead_or_lag(0.2749 - 0.3654, Money::from_fen(-1_357_467)),
            "落后 9.05 个百分点（13,574.67 元）"
        );
        assert_eq!(
            lead_or_lag(0.01, Money::from_fen(150_000)),
            "超前 1.00 个百分点（1,500.00 元）"
        );
    }

    #[test]
    fn money_headings_say_their_unit() {
        assert_eq!(money_heading(BUDGET), "预算数（元）");
        assert_eq!(money_heading(GAP), "差额（元）");
    }

    #[test]
    fn milestones_by_their_day() {
        assert_eq!(
            milestone_name(ymd(2025, 6, 30), Share::from_basis_points(5000)),
            "6月底50%"
        );
        assert_eq!(long_date(ymd(2025, 7, 1)), "2025年7月1日");
    }
}
