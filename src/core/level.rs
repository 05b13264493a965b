//! Graded warnings: a fund's lag has a level, 黄 (attention), 橙 (serious) or 红 (severe),
//! given by rules the bureau uses (README, "Warning levels").
//!
//! Pure: [`grade`] takes a fund's evaluation on a day and the rules in force and returns the
//! highest level whose rule holds, with that rule. Where a rule comes from (预警依据) is data
//! of the rule; the rule's words (预警标准) are [`crate::report::words`]'s job.

use chrono::NaiveDate;

use super::evaluate::{FundReport, MilestoneStatus};
use super::fund::Fund;
use super::money::{Money, Share};

/// How severe a lag is, in rising order; `Ord` compares severity (黄 < 橙 < 红).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// 黄色预警: attention.
    Yellow,
    /// 橙色预警: serious.
    Orange,
    /// 红色预警: severe.
    Red,
}

impl Level {
    /// The level as a key, stored in the database and in JSON: `yellow`, `orange`, `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    /// The level stored as `text` ([`Level::as_str`]); `None` for any other text.
    pub fn parse(text: &str) -> Option<Level> {
        [Level::Yellow, Level::Orange, Level::Red]
            .into_iter()
            .find(|l| l.as_str() == text)
    }
}

/// How 序时进度 (the time rate) is counted (config `alerts.time_basis`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeBasis {
    /// By day: day of the year ÷ days in the year (SPEC section 3).
    #[default]
    Day,
    /// By month: the as-of day's month ÷ 12, as several provincial platforms count it
    /// (June, any day of it, is 50%).
    Month,
}

impl TimeBasis {
    /// The basis as written in the config: `day`, `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeBasis::Day => "day",
            TimeBasis::Month => "month",
        }
    }
}

/// What a rule measures a shortfall against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// 计划进度: the plan's amount on the day ([`FundReport::plan_amount`]).
    Plan,
    /// 序时进度: the time amount on the day ([`FundReport::time_amount`]), by the configured
    /// [`TimeBasis`].
    Time,
}

impl Reference {
    /// The reference as written in the config: `plan`, `time`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reference::Plan => "plan",
            Reference::Time => "time",
        }
    }
}

/// A milestone condition of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneCondition {
    /// A milestone is at risk: not met, its day at most `warn_days` ahead.
    AtRisk,
    /// The latest milestone passed is missed and spending has not caught up with it.
    Missed,
}

/// A shortfall condition: spending is below the reference by at least `points` of the budget
/// and at least `amount`. Both at zero: any shortfall at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behind {
    /// The plan or 序时进度.
    pub reference: Reference,
    /// Percentage points of the budget, as a share (10 points = `Share` of 10%); zero: no
    /// minimum.
    pub points: Share,
    /// A minimum shortfall in 分; zero: no minimum.
    pub amount: Money,
}

/// The conditions of a rule; every condition given must hold (and a rule has at least one,
/// which the config checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Conditions {
    /// A milestone at risk or missed.
    pub milestone: Option<MilestoneCondition>,
    /// Spending below a reference.
    pub behind: Option<Behind>,
    /// The next milestone not yet met is due within this many days (0: today).
    pub within_days: Option<u32>,
    /// 执行率 below this share of the budget.
    pub rate_below: Option<Share>,
    /// Only from this day of the fund's year on: (month, day).
    pub from: Option<(u32, u32)>,
    /// Only for a fund whose budget is at least this, in 分 (a "large fund").
    pub min_budget: Option<Money>,
}

/// A grading rule: when its conditions hold, the fund's lag is at least `level`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRule {
    /// The level it gives.
    pub level: Level,
    /// When it holds.
    pub when: Conditions,
    /// 预警依据: where the rule comes from (a regulation, a platform, the office's own), as
    /// written in the config or the preset.
    pub basis: String,
}

impl LevelRule {
    /// The rules every configuration has, before its own: a milestone at risk is at least
    /// 黄, a missed milestone not caught up is 红 (SPEC section 4's 黄色预警 and 红色预警).
    pub fn milestone_floors() -> Vec<LevelRule> {
        let basis = "支出计划的支出节点（config: plan / milestones）";
        vec![
            LevelRule {
                level: Level::Yellow,
                when: Conditions {
                    milestone: Some(MilestoneCondition::AtRisk),
                    ..Conditions::default()
                },
                basis: basis.to_owned(),
            },
            LevelRule {
                level: Level::Red,
                when: Conditions {
                    milestone: Some(MilestoneCondition::Missed),
                    ..Conditions::default()
                },
                basis: basis.to_owned(),
            },
        ]
    }
}

/// A fund's level on a day and the rule that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grading {
    /// The highest level any rule gives.
    pub level: Level,
    /// The first rule (floors first, then the configured rules in order) giving that level.
    pub rule: LevelRule,
}

/// Grades `fund` from its evaluation `report`: the highest level among the milestone floors
/// ([`LevelRule::milestone_floors`]) and `rules` whose conditions all hold on
/// `report.as_of`; `None` when none holds. On a tie the earlier rule is named.
pub fn grade(fund: &Fund, report: &FundReport, rules: &[LevelRule]) -> Option<Grading> {
    let floors = LevelRule::milestone_floors();
    let mut best: Option<&LevelRule> = None;
    for rule in floors.iter().chain(rules) {
        if holds(&rule.when, fund, report) && best.is_none_or(|b| rule.level > b.level) {
            best = Some(rule);
        }
    }
    best.map(|rule| Grading {
        level: rule.level,
        rule: rule.clone(),
    })
}

/// Whether every condition of `when` holds for `report`.
pub fn holds(when: &Conditions, fund: &Fund, report: &FundReport) -> bool {
    let milestone = when.milestone.is_none_or(|c| match c {
        MilestoneCondition::AtRisk => report
            .milestones
            .iter()
            .any(|m| m.status == MilestoneStatus::AtRisk),
        MilestoneCondition::Missed => report
            .milestones
            .iter()
            .rev()
            .find(|m| m.status == MilestoneStatus::Missed)
            .is_some_and(|m| report.spent < m.target),
    });
    let behind = when.behind.is_none_or(|b| {
        let reference = match b.reference {
            Reference::Plan => report.plan_amount,
            Reference::Time => report.time_amount,
        };
        let shortfall = reference.saturating_sub(report.spent);
        shortfall > Money::ZERO
            && shortfall >= fund.budget.times_share(b.points)
            && shortfall >= b.amount
    });
    let within = when.within_days.is_none_or(|n| {
        report
            .next_step()
            .is_some_and(|s| s.days_left <= i64::from(n))
    });
    let rate = when
        .rate_below
        .is_none_or(|share| report.spent < fund.budget.times_share(share));
    let from = when.from.is_none_or(|(m, d)| {
        NaiveDate::from_ymd_opt(fund.year, m, d).is_some_and(|start| report.as_of >= start)
    });
    let large = when.min_budget.is_none_or(|min| fund.budget >= min);
    milestone && behind && within && rate && from && large
}
