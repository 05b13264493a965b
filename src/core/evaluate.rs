//! Evaluation of a fund against its plan on an as-of day (SPEC section 3).
//!
//! Pure: it takes the fund, its daily spend and the day, and returns data. It never reads the
//! clock, the database or the config file; callers pass all of that in.
//!
//! The file is over 600 lines only through its tests (the second half), kept beside the rules
//! they pin at their boundary days.

use chrono::{Datelike, NaiveDate};

use super::fund::{DailySpend, Fund, Milestone};
use super::level::TimeBasis;
use super::money::{Money, Share};

/// Settings that change the outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// A milestone at most this many days ahead, not yet met, is `at_risk`.
    pub warn_days: u32,
    /// How 序时进度 ([`FundReport::time_rate`], [`FundReport::time_amount`]) is counted
    /// (config `alerts.time_basis`).
    pub time_basis: TimeBasis,
}

impl Default for Policy {
    /// The config's defaults: 15 days, 序时进度 by day.
    fn default() -> Policy {
        Policy {
            warn_days: 15,
            time_basis: TimeBasis::Day,
        }
    }
}

/// Where a milestone stands on the as-of day (SPEC section 3); `as_str` is its key in the JSON
/// of `status`, `report::words::milestone_status` its Chinese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneStatus {
    /// spent(min(d, t)) ≥ target.
    Met,
    /// Its day passed unmet.
    Missed,
    /// Unmet, its day at most `warn_days` ahead.
    AtRisk,
    /// Unmet, its day further ahead.
    Upcoming,
}

impl MilestoneStatus {
    /// The status as a key: `met`, `missed`, `at_risk`, `upcoming`.
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneStatus::Met => "met",
            MilestoneStatus::Missed => "missed",
            MilestoneStatus::AtRisk => "at_risk",
            MilestoneStatus::Upcoming => "upcoming",
        }
    }
}

/// How a fund stands on the as-of day; `as_str` is its key in JSON, `report::words::fund_state`
/// its Chinese name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundState {
    /// Neither over budget, behind nor at risk.
    OnTrack,
    /// A milestone not yet met is at most `warn_days` ahead.
    AtRisk,
    /// Spending is below the target of the latest milestone passed.
    Behind,
    /// Spending is above the budget (超预算). It comes first: spending above the budget is above
    /// every target (a share is at most 100%), so such a fund is never behind or at risk anyway.
    OverBudget,
}

impl FundState {
    /// The state as a key: `on_track`, `at_risk`, `behind`, `over_budget`.
    pub fn as_str(self) -> &'static str {
        match self {
            FundState::OnTrack => "on_track",
            FundState::AtRisk => "at_risk",
            FundState::Behind => "behind",
            FundState::OverBudget => "over_budget",
        }
    }
}

/// A milestone evaluated on the as-of day; amounts in 分.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneReport {
    /// The milestone: its day and share.
    pub milestone: Milestone,
    /// budget × share, rounded half-up to the 分.
    pub target: Money,
    /// spent(min(d, t)).
    pub spent: Money,
    /// Where it stands on the as-of day.
    pub status: MilestoneStatus,
    /// max(0, target − spent).
    pub shortfall: Money,
    /// d − t in days: positive before the milestone, negative once it has passed.
    pub days_left: i64,
}

/// A fund evaluated on the as-of day: amounts in 分, rates as fractions (0.2749 = 27.49%).
#[derive(Debug, Clone, PartialEq)]
pub struct FundReport {
    /// The day evaluated.
    pub as_of: NaiveDate,
    /// spent(t), in 分.
    pub spent: Money,
    /// 执行率, the execution rate: spent ÷ budget, a fraction (above 1.0 when over budget).
    pub execution_rate: f64,
    /// 计划进度: the plan's share on `as_of`, interpolated by day, a fraction of the budget.
    pub plan_rate: f64,
    /// The plan's amount on `as_of` (budget × plan_rate, rounded half-up to the 分).
    pub plan_amount: Money,
    /// 序时进度, a fraction (0 before the year, 1 after): by [`Policy::time_basis`], day of
    /// year ÷ days in the year, or the month ÷ 12.
    pub time_rate: f64,
    /// How `time_rate` was counted, for the words that define it.
    pub time_basis: TimeBasis,
    /// The 序时 amount on `as_of` (budget × time_rate, rounded half-up to the 分).
    pub time_amount: Money,
    /// How the fund stands.
    pub state: FundState,
    /// Each milestone of the plan, in date order.
    pub milestones: Vec<MilestoneReport>,
}

/// Evaluates `fund` with its `spend` on day `as_of`: each milestone's status and shortfall,
/// the fund's state and its rates (SPEC section 3).
///
/// A fund of 100,000 元 that should have spent half by 06-30 and has spent 30,000 元: ten
/// days before, the milestone is at risk (within `warn_days`) with 20,000 元 still to spend;
/// the day after, it is missed by the same amount, and the fund is behind.
///
/// ```
/// use chrono::NaiveDate;
/// use spendwatch::core::{
///     DailySpend, Fund, FundState, Milestone, MilestoneStatus, Money, Policy, Share, evaluate,
/// };
///
/// let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
/// let fund = Fund {
///     id: "training".into(),
///     code: "P001".into(),
///     name: "培训专项资金".into(),
///     year: 2025,
///     budget: Money::parse_budget("10万元")?,
///     milestones: vec![
///         Milestone { date: day(6, 30), share: Share::parse("50%")? },
///         Milestone { date: day(12, 31), share: Share::parse("100%")? },
///     ],
///     aliases: vec![],
///     notify: vec![],
///     escalate: vec![],
/// };
/// let spend = DailySpend::from_amounts(vec![
///     (day(3, 15), Money::parse("20,000.00")?),
///     (day(6, 10), Money::parse("10,000.00")?),
/// ]);
///
/// let before = evaluate(&fund, &spend, day(6, 20), Policy::default());
/// let june = &before.milestones[0];
/// assert_eq!(june.status, MilestoneStatus::AtRisk);
/// assert_eq!(june.target.grouped(), "50,000.00");
/// assert_eq!(june.shortfall.grouped(), "20,000.00");
/// assert_eq!(june.days_left, 10);
/// assert_eq!(before.state, FundState::AtRisk);
/// assert!((before.execution_rate - 0.30).abs() < 1e-9);
///
/// let after = evaluate(&fund, &spend, day(7, 1), Policy::default());
/// let june = &after.milestones[0];
/// assert_eq!(june.status, MilestoneStatus::Missed);
/// assert_eq!(june.shortfall.grouped(), "20,000.00");
/// assert_eq!(june.days_left, -1);
/// assert_eq!(after.state, FundState::Behind);
/// assert_eq!(after.milestones[1].status, MilestoneStatus::Upcoming);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(fund: &Fund, spend: &DailySpend, as_of: NaiveDate, policy: Policy) -> FundReport {
    let spent_now = spend.spent_through(as_of);
    let milestones: Vec<MilestoneReport> = fund
        .milestones
        .iter()
        .map(|m| milestone_report(fund, m, spend, as_of, policy))
        .collect();

    let latest_passed = fund.milestones.iter().rev().find(|m| m.date < as_of);
    let state = if spent_now > fund.budget {
        FundState::OverBudget
    } else if latest_passed.is_some_and(|m| spent_now < fund.target(m)) {
        FundState::Behind
    } else if milestones
        .iter()
        .any(|r| r.status == MilestoneStatus::AtRisk)
    {
        FundState::AtRisk
    } else {
        FundState::OnTrack
    };

    let (plan_num, plan_den) = plan_fraction(fund, as_of);
    let (time_num, time_den) = time_fraction(fund.year, as_of, policy.time_basis);
    FundReport {
        as_of,
        spent: spent_now,
        execution_rate: spent_now.ratio_to(fund.budget),
        plan_rate: plan_num as f64 / plan_den as f64,
        plan_amount: scale(fund.budget, plan_num, plan_den),
        time_rate: time_num as f64 / time_den as f64,
        time_basis: policy.time_basis,
        time_amount: scale(fund.budget, time_num, time_den),
        state,
        milestones,
    }
}

/// What is still to be spent to reach `target` from `spent`: max(0, target − spent), in 分.
pub fn still_to_spend(target: Money, spent: Money) -> Money {
    target.saturating_sub(spent).max(Money::ZERO)
}

/// The next step of a fund: the amount still to be spent by a milestone's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextStep {
    /// The milestone's day.
    pub date: NaiveDate,
    /// The milestone's target, in 分.
    pub target: Money,
    /// Still to be spent by `date` from the spending on the as-of day, in 分 (never negative).
    pub amount: Money,
    /// Days from the as-of day to `date` (0: due today; never negative here).
    pub days_left: i64,
}

impl FundReport {
    /// What is still to be spent to reach `target` from the spending on the as-of day:
    /// max(0, target − spent), in 分.
    pub fn still_to_spend(&self, target: Money) -> Money {
        still_to_spend(target, self.spent)
    }

    /// The next milestone not yet met whose day has not passed, with what is still to be
    /// spent by its day (`还需支出 ¥N`); `None` when every milestone is met or passed.
    pub fn next_step(&self) -> Option<NextStep> {
        self.milestones
            .iter()
            .find(|m| m.status != MilestoneStatus::Met && m.days_left >= 0)
            .map(|m| NextStep {
                date: m.milestone.date,
                target: m.target,
                amount: self.still_to_spend(m.target),
                days_left: m.days_left,
            })
    }
}

fn milestone_report(
    fund: &Fund,
    milestone: &Milestone,
    spend: &DailySpend,
    as_of: NaiveDate,
    policy: Policy,
) -> MilestoneReport {
    let target = fund.target(milestone);
    let d = milestone.date;
    let spent = spend.spent_through(d.min(as_of));
    let days_left = (d - as_of).num_days();
    let status = if spent >= target {
        MilestoneStatus::Met
    } else if d < as_of {
        MilestoneStatus::Missed
    } else if days_left <= i64::from(policy.warn_days) {
        MilestoneStatus::AtRisk
    } else {
        MilestoneStatus::Upcoming
    };
    MilestoneReport {
        milestone: *milestone,
        target,
        spent,
        status,
        shortfall: still_to_spend(target, spent),
        days_left,
    }
}

impl Fund {
    /// The plan's amount on `day`, in 分: budget × the plan's share on the day (linear by day
    /// between milestones from 0 on the day before 01-01), rounded half-up to the 分. On a
    /// milestone's day it is that milestone's target; what [`FundReport::plan_amount`] holds.
    pub fn plan_amount(&self, day: NaiveDate) -> Money {
        let (num, den) = plan_fraction(self, day);
        scale(self.budget, num, den)
    }

    /// The 序时 amount on `day` counted by `basis`, in 分: budget × 序时进度, rounded half-up
    /// to the 分; what [`FundReport::time_amount`] holds when evaluated with that basis.
    pub fn time_amount(&self, day: NaiveDate, basis: TimeBasis) -> Money {
        time_amount(self, day, basis)
    }
}

/// The plan's cumulative share on `day` as an exact fraction (numerator, denominator) of the
/// budget: linear by day between milestones, starting from 0 on the last day of the previous
/// year; 0 before the year and the last share after the last milestone.
pub(crate) fn plan_fraction(fund: &Fund, day: NaiveDate) -> (i64, i64) {
    let whole = i64::from(Share::WHOLE);
    let mut prev_date = fund.first_day().pred_opt().unwrap_or(NaiveDate::MIN);
    let mut prev_bp: i64 = 0;
    if day <= prev_date {
        return (0, 1);
    }
    for m in &fund.milestones {
        let bp = i64::from(m.share.basis_points());
        if day <= m.date {
            let span = (m.date - prev_date).num_days();
            let elapsed = (day - prev_date).num_days();
            return (prev_bp * span + (bp - prev_bp) * elapsed, whole * span);
        }
        prev_date = m.date;
        prev_bp = bp;
    }
    (prev_bp, whole)
}

/// 序时进度 on `day` for fiscal `year` as an exact fraction (numerator, denominator): 0 before
/// the year, 1 after it, and within it by `basis` — day of year ÷ days in the year, or the
/// month ÷ 12 (any day of June is 6/12; 12-01 is already 12/12).
pub(super) fn time_fraction(year: i32, day: NaiveDate, basis: TimeBasis) -> (i64, i64) {
    let days_in_year = if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    };
    let den = match basis {
        TimeBasis::Day => days_in_year,
        TimeBasis::Month => 12,
    };
    match day.year().cmp(&year) {
        std::cmp::Ordering::Less => (0, den),
        std::cmp::Ordering::Greater => (den, den),
        std::cmp::Ordering::Equal => match basis {
            TimeBasis::Day => (i64::from(day.ordinal()), den),
            TimeBasis::Month => (i64::from(day.month()), den),
        },
    }
}

/// The 序时 amount of `fund` on `day` by `basis`: budget × [`time_fraction`], rounded half-up
/// to the 分 (what [`FundReport::time_amount`] holds when evaluated with that basis).
pub(super) fn time_amount(fund: &Fund, day: NaiveDate, basis: TimeBasis) -> Money {
    let (num, den) = time_fraction(fund.year, day, basis);
    scale(fund.budget, num, den)
}

/// `amount × num / den`, rounded half-up, for non-negative fractions.
fn scale(amount: Money, num: i64, den: i64) -> Money {
    let product = i128::from(amount.fen()) * i128::from(num);
    let den = i128::from(den);
    let rounded = if product >= 0 {
        (product + den / 2) / den
    } else {
        (product - den / 2) / den
    };
    Money::from_fen(i64::try_from(rounded).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn yuan(v: i64) -> Money {
        Money::from_fen(v * 100)
    }

    /// The seed's network-governance fund: 150,000 元, 25/50/75/100% at month ends.
    fn fund(year: i32) -> Fund {
        let plan = [
            (3, 31, 2500),
            (6, 30, 5000),
            (10, 31, 7500),
            (12, 31, 10_000),
        ];
        Fund {
            id: "network-governance".into(),
            code: "13020225P00901410001D".into(),
            name: "网络综合治理体系建设专项资金".into(),
            year,
            budget: yuan(150_000),
            milestones: plan
                .iter()
                .map(|&(m, d, bp)| Milestone {
                    date: ymd(year, m, d),
                    share: Share::from_basis_points(bp),
                })
                .collect(),
            aliases: vec![],
            notify: vec![],
            escalate: vec![],
        }
    }

    fn spend(entries: &[(NaiveDate, i64)]) -> DailySpend {
        DailySpend::from_amounts(entries.iter().map(|&(d, v)| (d, yuan(v))).collect())
    }

    fn eval(entries: &[(NaiveDate, i64)], as_of: NaiveDate) -> FundReport {
        evaluate(&fund(2025), &spend(entries), as_of, Policy::default())
    }

    fn statuses(report: &FundReport) -> Vec<MilestoneStatus> {
        report.milestones.iter().map(|m| m.status).collect()
    }

    use MilestoneStatus::{AtRisk, Met, Missed, Upcoming};

    #[test]
    fn spend_on_the_milestone_day_counts_for_it() {
        let r = eval(&[(ymd(2025, 3, 31), 37_500)], ymd(2025, 3, 31));
        assert_eq!(r.milestones[0].status, Met);
        assert_eq!(r.milestones[0].shortfall, Money::ZERO);
    }

    #[test]
    fn milestone_is_at_risk_on_its_own_day_and_missed_the_day_after() {
        let entries = [(ymd(2025, 3, 1), 37_499)];
        assert_eq!(
            eval(&entries, ymd(2025, 3, 31)).milestones[0].status,
            AtRisk
        );
        let after = eval(&entries, ymd(2025, 4, 1));
        assert_eq!(after.milestones[0].status, Missed);
        assert_eq!(after.milestones[0].shortfall, yuan(1));
        assert_eq!(after.milestones[0].days_left, -1);
        assert_eq!(after.state, FundState::Behind);
    }

    #[test]
    fn spend_after_the_milestone_does_not_meet_it_but_ends_behind() {
        // Missed in March, caught up in April: the milestone stays missed (spent(d) < target),
        // and the fund is no longer behind because spent(t) ≥ target of the latest passed one.
        let entries = [(ymd(2025, 3, 1), 30_000), (ymd(2025, 4, 10), 10_000)];
        let r = eval(&entries, ymd(2025, 4, 15));
        assert_eq!(r.milestones[0].status, Missed);
        assert_eq!(r.milestones[0].spent, yuan(30_000));
        assert_eq!(r.milestones[0].shortfall, yuan(7_500));
        assert_eq!(r.state, FundState::OnTrack);
    }

    #[test]
    fn over_budget_from_one_fen_above_the_budget() {
        // 12-20: December (150,000.00) is at risk while unmet.
        let state = |fen: i64| {
            let spend = DailySpend::from_amounts(vec![(ymd(2025, 3, 1), Money::from_fen(fen))]);
            evaluate(&fund(2025), &spend, ymd(2025, 12, 20), Policy::default()).state
        };
        assert_eq!(state(15_000_001), FundState::OverBudget);
        assert_eq!(state(15_000_000), FundState::OnTrack);
        assert_eq!(state(14_999_999), FundState::AtRisk);
        assert_eq!(FundState::OverBudget.as_str(), "over_budget");
    }

    #[test]
    fn at_risk_window_is_warn_days_inclusive() {
        let entries = [(ymd(2025, 1, 10), 1_000)];
        // 03-16 is 15 days before 03-31: at risk. 03-15 is 16 days before: upcoming.
        assert_eq!(
            eval(&entries, ymd(2025, 3, 16)).milestones[0].status,
            AtRisk
        );
        assert_eq!(
            eval(&entries, ymd(2025, 3, 15)).milestones[0].status,
            Upcoming
        );
        assert_eq!(eval(&entries, ymd(2025, 3, 16)).state, FundState::AtRisk);
        assert_eq!(eval(&entries, ymd(2025, 3, 15)).state, FundState::OnTrack);
        let zero = Policy {
            warn_days: 0,
            ..Policy::default()
        };
        let r = evaluate(&fund(2025), &spend(&entries), ymd(2025, 3, 30), zero);
        assert_eq!(r.milestones[0].status, Upcoming);
        let r = evaluate(&fund(2025), &spend(&entries), ymd(2025, 3, 31), zero);
        assert_eq!(r.milestones[0].status, AtRisk);
    }

    #[test]
    fn met_early_stays_met_and_is_never_at_risk() {
        let r = eval(&[(ymd(2025, 1, 2), 40_000)], ymd(2025, 3, 20));
        assert_eq!(statuses(&r), vec![Met, Upcoming, Upcoming, Upcoming]);
        assert_eq!(r.state, FundState::OnTrack);
    }

    #[test]
    fn a_reversal_can_unmeet_a_milestone() {
        let entries = [(ymd(2025, 3, 10), 38_000), (ymd(2025, 3, 31), -1_000)];
        let r = eval(&entries, ymd(2025, 4, 1));
        assert_eq!(r.milestones[0].status, Missed);
        assert_eq!(r.milestones[0].spent, yuan(37_000));
        assert_eq!(r.milestones[0].shortfall, yuan(500));
        // A reversal after the milestone day does not change the milestone, only the state.
        let entries = [(ymd(2025, 3, 10), 38_000), (ymd(2025, 4, 2), -1_000)];
        let r = eval(&entries, ymd(2025, 4, 3));
        assert_eq!(r.milestones[0].status, Met);
        assert_eq!(r.state, FundState::Behind);
        assert_eq!(r.spent, yuan(37_000));
    }

    #[test]
    fn behind_looks_only_at_the_latest_passed_milestone() {
        // March missed, June met: on 07-01 the fund is on track although March stays missed.
        let entries = [(ymd(2025, 3, 1), 10_000), (ymd(2025, 6, 1), 70_000)];
        let r = eval(&entries, ymd(2025, 7, 1));
        assert_eq!(statuses(&r), vec![Missed, Met, Upcoming, Upcoming]);
        assert_eq!(r.state, FundState::OnTrack);
    }

    #[test]
    fn behind_wins_over_at_risk() {
        let entries = [(ymd(2025, 3, 1), 10_000)];
        let r = eval(&entries, ymd(2025, 6, 20));
        assert_eq!(statuses(&r), vec![Missed, AtRisk, Upcoming, Upcoming]);
        assert_eq!(r.state, FundState::Behind);
    }

    #[test]
    fn over_one_hundred_percent() {
        let r = eval(&[(ymd(2025, 2, 1), 160_000)], ymd(2025, 12, 31));
        assert_eq!(statuses(&r), vec![Met, Met, Met, Met]);
        assert!((r.execution_rate - 160_000.0 / 150_000.0).abs() < 1e-12);
        assert!(r.milestones.iter().all(|m| m.shortfall == Money::ZERO));
    }

    #[test]
    fn the_spec_example_rates() {
        let r = eval(
            &[(ymd(2025, 3, 20), 38_000), (ymd(2025, 5, 1), 3_234)],
            ymd(2025, 7, 15),
        );
        assert_eq!(r.spent, yuan(41_234));
        assert_eq!(format!("{:.4}", r.execution_rate), "0.2749");
        assert_eq!(format!("{:.4}", r.plan_rate), "0.5305");
        assert_eq!(format!("{:.4}", r.time_rate), "0.5370");
        assert_eq!(r.state, FundState::Behind);
        assert_eq!(statuses(&r), vec![Met, Missed, Upcoming, Upcoming]);
        // 0.5 + 0.25 × 15/123 of 150,000 = 79,573.17…; 196/365 of 150,000 = 80,547.945…
        assert_eq!(r.plan_amount, Money::from_fen(7_957_317));
        assert_eq!(r.time_amount, Money::from_fen(8_054_795));
    }

    #[test]
    fn plan_rate_at_the_year_edges() {
        let f = fund(2025);
        let none = DailySpend::default();
        let at = |d| evaluate(&f, &none, d, Policy::default());
        assert_eq!(at(ymd(2024, 12, 31)).plan_rate, 0.0);
        assert_eq!(at(ymd(2024, 6, 1)).plan_rate, 0.0);
        assert!((at(ymd(2025, 1, 1)).plan_rate - 0.25 / 90.0).abs() < 1e-12);
        assert_eq!(at(ymd(2025, 3, 31)).plan_rate, 0.25);
        assert_eq!(at(ymd(2025, 10, 31)).plan_rate, 0.75);
        assert_eq!(at(ymd(2025, 12, 31)).plan_rate, 1.0);
        assert_eq!(at(ymd(2026, 3, 1)).plan_rate, 1.0);
    }

    #[test]
    fn plan_rate_after_a_last_milestone_before_year_end() {
        let mut f = fund(2025);
        f.milestones.truncate(3); // ends at 75% on 10-31
        let r = evaluate(
            &f,
            &DailySpend::default(),
            ymd(2025, 11, 30),
            Policy::default(),
        );
        assert_eq!(r.plan_rate, 0.75);
    }

    #[test]
    fn time_rate_and_leap_years() {
        let none = DailySpend::default();
        let at = |year, d| evaluate(&fund(year), &none, d, Policy::default()).time_rate;
        assert_eq!(at(2025, ymd(2024, 12, 31)), 0.0);
        assert_eq!(at(2025, ymd(2025, 12, 31)), 1.0);
        assert_eq!(at(2025, ymd(2026, 1, 1)), 1.0);
        assert!((at(2025, ymd(2025, 10, 31)) - 304.0 / 365.0).abs() < 1e-12);
        // 2024 is a leap year: 10-31 is day 305 of 366.
        assert!((at(2024, ymd(2024, 10, 31)) - 305.0 / 366.0).abs() < 1e-12);
        assert!((at(2024, ymd(2024, 2, 29)) - 60.0 / 366.0).abs() < 1e-12);
    }

    /// By month, 序时进度 is the as-of day's month ÷ 12: any day of June is 6/12, the last
    /// day of a month and the first of the next differ by a month, a leap year changes
    /// nothing, and the amount is exact to the 分 (half-up).
    #[test]
    fn time_rate_by_month_at_month_boundaries_and_leap_years() {
        let none = DailySpend::default();
        let month = Policy {
            time_basis: TimeBasis::Month,
            ..Policy::default()
        };
        let thousand = |year| Fund {
            budget: yuan(1_000),
            ..fund(year)
        };
        let at = |year, d| evaluate(&thousand(year), &none, d, month);
        let fraction = |year, d| time_fraction(year, d, TimeBasis::Month);
        assert_eq!(fraction(2025, ymd(2024, 12, 31)), (0, 12));
        assert_eq!(fraction(2025, ymd(2025, 1, 1)), (1, 12));
        assert_eq!(fraction(2025, ymd(2025, 1, 31)), (1, 12));
        assert_eq!(fraction(2025, ymd(2025, 2, 1)), (2, 12));
        assert_eq!(fraction(2025, ymd(2025, 2, 28)), (2, 12));
        assert_eq!(fraction(2025, ymd(2025, 3, 1)), (3, 12));
        assert_eq!(fraction(2024, ymd(2024, 2, 28)), (2, 12));
        assert_eq!(fraction(2024, ymd(2024, 2, 29)), (2, 12));
        assert_eq!(fraction(2024, ymd(2024, 3, 1)), (3, 12));
        assert_eq!(fraction(2025, ymd(2025, 6, 1)), (6, 12));
        assert_eq!(fraction(2025, ymd(2025, 6, 30)), (6, 12));
        assert_eq!(fraction(2025, ymd(2025, 7, 1)), (7, 12));
        assert_eq!(fraction(2025, ymd(2025, 11, 30)), (11, 12));
        assert_eq!(fraction(2025, ymd(2025, 12, 1)), (12, 12));
        assert_eq!(fraction(2025, ymd(2025, 12, 31)), (12, 12));
        assert_eq!(fraction(2025, ymd(2026, 1, 1)), (12, 12));
        assert_eq!(at(2025, ymd(2025, 6, 15)).time_rate, 0.5);
        assert_eq!(at(2025, ymd(2024, 12, 31)).time_rate, 0.0);
        assert_eq!(at(2025, ymd(2026, 1, 1)).time_rate, 1.0);
        // 1,000.00 元 × 7/12 = 583.333… → 583.33; × 8/12 = 666.666… → 666.67.
        assert_eq!(
            at(2025, ymd(2025, 7, 31)).time_amount,
            Money::from_fen(58_333)
        );
        assert_eq!(
            at(2025, ymd(2025, 8, 1)).time_amount,
            Money::from_fen(66_667)
        );
        // The basis changes 序时进度 only: the plan and the statuses are the same.
        let day = evaluate(&thousand(2025), &none, ymd(2025, 6, 15), Policy::default());
        let by_month = at(2025, ymd(2025, 6, 15));
        assert_eq!(day.plan_amount, by_month.plan_amount);
        assert_eq!(day.milestones, by_month.milestones);
        assert_ne!(day.time_amount, by_month.time_amount);
    }

    #[test]
    fn leap_day_milestone() {
        let mut f = fund(2024);
        f.milestones[0].date = ymd(2024, 2, 29);
        let s = DailySpend::from_amounts(vec![(ymd(2024, 2, 29), yuan(37_500))]);
        let r = evaluate(&f, &s, ymd(2024, 3, 1), Policy::default());
        assert_eq!(r.milestones[0].status, Met);
        let s = DailySpend::from_amounts(vec![(ymd(2024, 3, 1), yuan(37_500))]);
        let r = evaluate(&f, &s, ymd(2024, 3, 1), Policy::default());
        assert_eq!(r.milestones[0].status, Missed);
    }

    #[test]
    fn funds_of_different_years_on_one_day() {
        let s2025 = spend(&[
            (ymd(2025, 3, 1), 40_000),
            (ymd(2025, 6, 1), 40_000),
            (ymd(2025, 10, 1), 40_000),
            (ymd(2025, 12, 1), 30_000),
        ]);
        let s2026 = DailySpend::default();
        let day = ymd(2026, 1, 10);
        let old = evaluate(&fund(2025), &s2025, day, Policy::default());
        let new = evaluate(&fund(2026), &s2026, day, Policy::default());
        assert_eq!(statuses(&old), vec![Met, Met, Met, Met]);
        assert_eq!(old.state, FundState::OnTrack);
        assert_eq!(statuses(&new), vec![Upcoming, Upcoming, Upcoming, Upcoming]);
        assert!((new.time_rate - 10.0 / 365.0).abs() < 1e-12);
    }

    #[test]
    fn as_of_before_the_year() {
        let r = evaluate(
            &fund(2025),
            &DailySpend::default(),
            ymd(2024, 11, 1),
            Policy::default(),
        );
        assert_eq!(statuses(&r), vec![Upcoming; 4]);
        assert_eq!(r.state, FundState::OnTrack);
        assert_eq!(
            (r.execution_rate, r.plan_rate, r.time_rate),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(r.milestones[0].days_left, 150);
    }

    #[test]
    fn as_of_after_the_year_with_december_missed() {
        let entries = [
            (ymd(2025, 3, 1), 40_000),
            (ymd(2025, 6, 1), 40_000),
            (ymd(2025, 10, 1), 40_000),
        ];
        let r = eval(&entries, ymd(2026, 2, 1));
        assert_eq!(statuses(&r), vec![Met, Met, Met, Missed]);
        assert_eq!(r.milestones[3].shortfall, yuan(30_000));
        assert_eq!(r.state, FundState::Behind);
        // Entries dated after the as-of day are ignored.
        let r = eval(&entries, ymd(2025, 5, 31));
        assert_eq!(r.spent, yuan(40_000));
    }

    #[test]
    fn entries_after_as_of_are_ignored() {
        let entries = [(ymd(2025, 3, 1), 10_000), (ymd(2025, 3, 20), 30_000)];
        let r = eval(&entries, ymd(2025, 3, 19));
        assert_eq!(r.spent, yuan(10_000));
        assert_eq!(r.milestones[0].status, AtRisk);
        assert_eq!(r.milestones[0].shortfall, yuan(27_500));
    }

    #[test]
    fn still_to_spend_is_never_negative() {
        assert_eq!(still_to_spend(yuan(75_000), yuan(62_398)), yuan(12_602));
        assert_eq!(still_to_spend(yuan(75_000), yuan(75_000)), Money::ZERO);
        assert_eq!(still_to_spend(yuan(75_000), yuan(80_000)), Money::ZERO);
        // A reversal can make spending negative: all of the target is still to be spent, and more.
        assert_eq!(still_to_spend(yuan(100), yuan(-50)), yuan(150));
    }

    #[test]
    fn the_next_step_is_the_next_unmet_milestone_not_yet_passed() {
        // 07-15: March met, June missed (passed), October upcoming: the next step is October's
        // target less what is spent by 07-15, in 108 days.
        let r = eval(
            &[(ymd(2025, 3, 20), 38_000), (ymd(2025, 5, 1), 3_234)],
            ymd(2025, 7, 15),
        );
        assert_eq!(
            r.next_step(),
            Some(NextStep {
                date: ymd(2025, 10, 31),
                target: yuan(112_500),
                amount: yuan(112_500 - 41_234),
                days_left: 108,
            })
        );
        // On a milestone's own day it is still the next step (due today).
        let r = eval(&[(ymd(2025, 3, 1), 30_000)], ymd(2025, 3, 31));
        let step = r.next_step().expect("March is due today");
        assert_eq!(
            (step.date, step.amount, step.days_left),
            (ymd(2025, 3, 31), yuan(7_500), 0)
        );
        // A milestone met early is skipped: the next step is June's.
        let r = eval(&[(ymd(2025, 1, 2), 40_000)], ymd(2025, 3, 20));
        let step = r.next_step().expect("June is next");
        assert_eq!((step.date, step.amount), (ymd(2025, 6, 30), yuan(35_000)));
        // After the year every milestone has passed: no next step.
        assert_eq!(eval(&[], ymd(2026, 1, 5)).next_step(), None);
        // Every milestone met: none either.
        assert_eq!(
            eval(&[(ymd(2025, 1, 2), 150_000)], ymd(2025, 2, 1)).next_step(),
            None
        );
    }
}
