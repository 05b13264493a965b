//! Graded warnings: a fund's lag has a level, 黄 (attention), 橙 (serious) or 红 (severe),
//! given by rules the bureau uses (README, "Warning levels").
//!
//! Pure: [`grade`] takes a fund's evaluation on a day and the rules in force and returns the
//! highest level whose rule holds, with that rule. Where a rule comes from (预警依据) is data
//! of the rule; the rule's words (预警标准) are [`crate::report::rule_words`]'s job. The
//! [`Preset`]s are the named sets of rules the config offers, each mirroring a rule in use.

use chrono::NaiveDate;

use super::evaluate::{FundReport, MilestoneStatus, time_amount};
use super::fund::Fund;
use super::money::{Money, Share};

/// How severe a lag is, in rising order; `Ord` compares severity (黄 < 橙 < 红).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
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

    /// The basis written `text` in the config ([`TimeBasis::as_str`]); `None` for any other.
    pub fn parse(text: &str) -> Option<TimeBasis> {
        [TimeBasis::Day, TimeBasis::Month]
            .into_iter()
            .find(|b| b.as_str() == text)
    }
}

/// What a rule measures a shortfall against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MilestoneCondition {
    /// A milestone is at risk: not met, its day at most `warn_days` ahead.
    AtRisk,
    /// A milestone passed unmet and spending has not caught up with it since (its `missed`
    /// alert is firing).
    Missed,
}

impl MilestoneCondition {
    /// The condition as written in the config: `at_risk`, `missed`.
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneCondition::AtRisk => "at_risk",
            MilestoneCondition::Missed => "missed",
        }
    }
}

/// A shortfall condition: spending is below the reference, by at least `points` of the
/// budget and at least `amount`. Both at zero: any shortfall at all (more than 0 分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Behind {
    /// The plan or 序时进度.
    pub reference: Reference,
    /// Percentage points of the budget, as a share (10 points = `Share` of 10%); zero: no
    /// minimum. The threshold in 分 is budget × points, rounded half-up.
    pub points: Share,
    /// A minimum shortfall in 分; zero: no minimum.
    pub amount: Money,
    /// How 序时进度 is counted for a [`Reference::Time`] shortfall (ignored for the plan).
    /// The config gives every rule its `alerts.time_basis`, the basis `evaluate` shows
    /// 序时进度 by, so that a rule and the figures beside it agree; it is part of the rule so
    /// that its words (预警标准) can say it.
    pub time_basis: TimeBasis,
}

/// The conditions of a rule; every condition given must hold (and a rule has at least one,
/// which the config checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Conditions {
    /// A milestone at risk or missed.
    pub milestone: Option<MilestoneCondition>,
    /// Spending below a reference.
    pub behind: Option<Behind>,
    /// The next milestone not yet met whose day has not passed
    /// ([`FundReport::next_step`]) is due within this many days (0: today).
    pub within_days: Option<u32>,
    /// 执行率 below this share of the budget: spent < budget × share (rounded half-up).
    pub rate_below: Option<Share>,
    /// Only from this day of the fund's year on: (month, day). A 02-29 in a year without one
    /// starts on 03-01.
    pub from: Option<(u32, u32)>,
    /// Only for a fund whose budget is at least this, in 分 (a "large fund").
    pub min_budget: Option<Money>,
}

/// A grading rule: when its conditions hold, the fund's lag is at least `level`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
        let basis = "资金支出计划（各支出节点的目标比例）";
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
    grade_where(fund, report, rules, |_| true)
}

/// [`grade`] with only the rules (floors included) that `keep` accepts: a milestone's `due`
/// alert is graded without the rules about a missed milestone, which that milestone's own
/// `missed` alert speaks for.
pub fn grade_where(
    fund: &Fund,
    report: &FundReport,
    rules: &[LevelRule],
    keep: impl Fn(&LevelRule) -> bool,
) -> Option<Grading> {
    let floors = LevelRule::milestone_floors();
    let mut best: Option<&LevelRule> = None;
    for rule in floors.iter().chain(rules).filter(|r| keep(r)) {
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
        // Targets increase down the plan, so if any missed milestone is not caught up, the
        // latest missed one is not either.
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
            Reference::Time => time_amount(fund, report.as_of, b.time_basis),
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
    let from = when
        .from
        .is_none_or(|(m, d)| start_day(fund.year, m, d).is_some_and(|start| report.as_of >= start));
    let large = when.min_budget.is_none_or(|min| fund.budget >= min);
    milestone && behind && within && rate && from && large
}

/// The day a rule's `from` (month, day) starts in `year`: that day, or for a day the year does
/// not have (02-29 outside leap years) the first day of the next month.
fn start_day(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day).or_else(|| {
        NaiveDate::from_ymd_opt(year, month, 1)
            .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
    })
}

/// A named set of grading rules that mirrors a rule in real use (config
/// `alerts.levels.preset`); the office's own `rules` are added after it, and the milestone
/// floors are always in force besides. README, "Warning levels", gives each one's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// `standard`: 橙 a week before a milestone while still 10 points or more behind the plan,
    /// so a lag goes 黄 (at warn_days) → 橙 (a week before) → 红 (missed).
    #[default]
    Standard,
    /// `time-month`: 黄 for any shortfall against 序时进度 by month (未达序时), as provincial
    /// 绩效监控 platforms count it. Needs `alerts.time_basis: month`.
    TimeMonth,
    /// `large-fund`: 红 for a fund of 1000万元 or more 20 points or more behind 序时进度, as
    /// treasury execution dashboards flag it.
    LargeFund,
    /// `q3-60`: 橙 from 09-30 while 执行率 is below 60%, the end-of-Q3 line of a municipal
    /// finance bureau.
    Q3Sixty,
    /// `none`: only the milestone floors and the office's own rules.
    None,
}

impl Preset {
    /// Every preset, in the order the config's messages list them.
    pub const ALL: [Preset; 5] = [
        Preset::Standard,
        Preset::TimeMonth,
        Preset::LargeFund,
        Preset::Q3Sixty,
        Preset::None,
    ];

    /// The name written in the config: `standard`, `time-month`, `large-fund`, `q3-60`,
    /// `none`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Standard => "standard",
            Preset::TimeMonth => "time-month",
            Preset::LargeFund => "large-fund",
            Preset::Q3Sixty => "q3-60",
            Preset::None => "none",
        }
    }

    /// The preset named `name` ([`Preset::name`]); `None` for any other text.
    pub fn parse(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The basis of 序时进度 the preset's source counts by, which the config must then use
    /// too (so that a preset never changes the 序时进度 shown elsewhere unasked); `None` when
    /// it works with either.
    pub fn time_basis(self) -> Option<TimeBasis> {
        match self {
            Preset::TimeMonth => Some(TimeBasis::Month),
            _ => None,
        }
    }

    /// The preset's rules, in order, with 序时进度 counted by `basis` (the config's).
    pub fn rules(self, basis: TimeBasis) -> Vec<LevelRule> {
        let behind = |reference, points: u32| Behind {
            reference,
            points: Share::from_basis_points(points * 100),
            amount: Money::ZERO,
            time_basis: basis,
        };
        let rule = |level, when, basis: &str| LevelRule {
            level,
            when,
            basis: basis.to_owned(),
        };
        match self {
            Preset::Standard => vec![rule(
                Level::Orange,
                Conditions {
                    within_days: Some(7),
                    behind: Some(behind(Reference::Plan, 10)),
                    ..Conditions::default()
                },
                "spendwatch默认分级标准（本单位未另定分级规则时使用）",
            )],
            Preset::TimeMonth => vec![rule(
                Level::Yellow,
                Conditions {
                    behind: Some(behind(Reference::Time, 0)),
                    ..Conditions::default()
                },
                "参照部分省级预算绩效运行监控平台的做法：序时进度按月计算（月份÷12），支出进度低于序时进度即为未达序时",
            )],
            Preset::LargeFund => vec![rule(
                Level::Red,
                Conditions {
                    behind: Some(behind(Reference::Time, 20)),
                    // 1000万元 = 10,000,000 元 = 1,000,000,000 分.
                    min_budget: Some(Money::from_fen(1_000_000_000)),
                    ..Conditions::default()
                },
                "参照部分财政部门国库支付执行监控看板的做法：大额项目（预算1000万元及以上）落后序时进度20个百分点及以上为红色",
            )],
            Preset::Q3Sixty => vec![rule(
                Level::Orange,
                Conditions {
                    rate_below: Some(Share::from_basis_points(6_000)),
                    from: Some((9, 30)),
                    ..Conditions::default()
                },
                "参照朔州市财政局2015年的做法：三季度末支出进度在60%以下的单位，由市政府召开支出进度促进会，要求说明原因并限期加快",
            )],
            Preset::None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
