//! Table tests of the grading rules: each condition and each preset at its boundary — exactly
//! at the threshold, one 分 and one day either side — the floors, and ties.

use chrono::NaiveDate;

use super::*;
use crate::core::evaluate::{Policy, evaluate};
use crate::core::fund::{DailySpend, Milestone};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).expect("valid test date")
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// A fund of `budget` 分 in `year` with milestones (month, day, basis points).
fn fund_in(year: i32, budget: i64, plan: &[(u32, u32, u32)]) -> Fund {
    Fund {
        id: "f".into(),
        code: "P001".into(),
        name: "测试专项资金".into(),
        year,
        budget: Money::from_fen(budget),
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

/// 123,456.79 元: 10 points of it are 1,234,567.9 分, so thresholds round (half-up).
const ODD: i64 = 12_345_679;

/// A fund of `budget` with the seed plan (25/50/75/100% at 03-31, 06-30, 10-31, 12-31).
fn seed(budget: i64) -> Fund {
    fund_in(
        2025,
        budget,
        &[
            (3, 31, 2500),
            (6, 30, 5000),
            (10, 31, 7500),
            (12, 31, 10_000),
        ],
    )
}

/// A fund of `budget` whose only milestone is 12-31 (100%): no floor holds before December,
/// so a rule is seen alone.
fn year_end_only(budget: i64) -> Fund {
    fund_in(2025, budget, &[(12, 31, 10_000)])
}

/// The fund evaluated on `as_of` with `spent` 分 spent on 01-02 (the spending by any later
/// day), and `policy`.
fn report_with(fund: &Fund, spent: i64, as_of: NaiveDate, policy: Policy) -> FundReport {
    let spend = DailySpend::from_amounts(vec![(ymd(fund.year, 1, 2), Money::from_fen(spent))]);
    evaluate(fund, &spend, as_of, policy)
}

fn report(fund: &Fund, spent: i64, as_of: NaiveDate) -> FundReport {
    report_with(fund, spent, as_of, Policy::default())
}

/// A rule of `level` with conditions `when`, its basis its name in tests.
fn rule(level: Level, name: &str, when: Conditions) -> LevelRule {
    LevelRule {
        level,
        when,
        basis: name.to_owned(),
    }
}

fn behind(reference: Reference, points_bp: u32, amount: i64, basis: TimeBasis) -> Behind {
    Behind {
        reference,
        points: Share::from_basis_points(points_bp),
        amount: Money::from_fen(amount),
        time_basis: basis,
    }
}

/// Whether `when` holds for `fund` with `spent` on `as_of` (day basis, warn_days 15).
fn holds_at(when: Conditions, fund: &Fund, spent: i64, as_of: NaiveDate) -> bool {
    holds(&when, fund, &report(fund, spent, as_of))
}

/// The level and the basis of the rule named, or `None`.
fn graded(fund: &Fund, report: &FundReport, rules: &[LevelRule]) -> Option<(Level, String)> {
    grade(fund, report, rules).map(|g| (g.level, g.rule.basis))
}

fn plan_amount(fund: &Fund, as_of: NaiveDate) -> i64 {
    report(fund, 0, as_of).plan_amount.fen()
}

fn time_amount_on(fund: &Fund, as_of: NaiveDate, basis: TimeBasis) -> i64 {
    let policy = Policy {
        time_basis: basis,
        ..Policy::default()
    };
    report_with(fund, 0, as_of, policy).time_amount.fen()
}

#[test]
fn behind_the_plan_by_points_is_exact_to_the_fen() {
    let fund = year_end_only(ODD);
    let on = day(8, 15);
    let plan = plan_amount(&fund, on);
    // 10 points of 12,345,679 分 = 1,234,567.9 → 1,234,568 分 (half-up).
    let threshold = 1_234_568;
    assert_eq!(
        fund.budget
            .times_share(Share::from_basis_points(1000))
            .fen(),
        threshold
    );
    let when = Conditions {
        behind: Some(behind(Reference::Plan, 1000, 0, TimeBasis::Day)),
        ..Conditions::default()
    };
    // Shortfall = plan − spent: at the threshold, 1 分 more, 1 分 less.
    assert!(holds_at(when, &fund, plan - threshold, on));
    assert!(holds_at(when, &fund, plan - threshold - 1, on));
    assert!(!holds_at(when, &fund, plan - threshold + 1, on));
    // The plan grows by the day: the same spending one day earlier is 1 day's plan short of
    // the threshold, one day later past it.
    let spent = plan - threshold;
    assert!(!holds_at(when, &fund, spent, day(8, 14)));
    assert!(holds_at(when, &fund, spent, day(8, 16)));
}

#[test]
fn behind_by_an_amount_and_by_both() {
    let fund = year_end_only(ODD);
    let on = day(8, 15);
    let plan = plan_amount(&fund, on);
    let amount = 5_000_000; // 5万元
    let by_amount = Conditions {
        behind: Some(behind(Reference::Plan, 0, amount, TimeBasis::Day)),
        ..Conditions::default()
    };
    assert!(holds_at(by_amount, &fund, plan - amount, on));
    assert!(holds_at(by_amount, &fund, plan - amount - 1, on));
    assert!(!holds_at(by_amount, &fund, plan - amount + 1, on));
    // Both minimums must hold: 10 points (1,234,568 分) and 5万元 — the larger decides.
    let both = Conditions {
        behind: Some(behind(Reference::Plan, 1000, amount, TimeBasis::Day)),
        ..Conditions::default()
    };
    assert!(holds_at(both, &fund, plan - amount, on));
    assert!(!holds_at(both, &fund, plan - amount + 1, on));
    let small = Conditions {
        behind: Some(behind(Reference::Plan, 1000, 100, TimeBasis::Day)),
        ..Conditions::default()
    };
    assert!(holds_at(small, &fund, plan - 1_234_568, on));
    assert!(!holds_at(small, &fund, plan - 1_234_567, on));
}

#[test]
fn any_shortfall_is_more_than_zero() {
    let fund = year_end_only(ODD);
    let on = day(8, 15);
    let plan = plan_amount(&fund, on);
    let any = Conditions {
        behind: Some(behind(Reference::Plan, 0, 0, TimeBasis::Day)),
        ..Conditions::default()
    };
    assert!(holds_at(any, &fund, plan - 1, on));
    assert!(!holds_at(any, &fund, plan, on));
    assert!(!holds_at(any, &fund, plan + 1, on));
}

#[test]
fn behind_time_by_day() {
    let fund = year_end_only(ODD);
    let on = day(8, 15);
    let time = time_amount_on(&fund, on, TimeBasis::Day);
    // 08-15 is day 227 of 365: 12,345,679 × 227 / 365 = 7,677,997.6… → 7,677,998 分.
    assert_eq!(time, 7_677_998);
    // 20 points: 2,469,135.8 → 2,469,136 分.
    let when = Conditions {
        behind: Some(behind(Reference::Time, 2000, 0, TimeBasis::Day)),
        ..Conditions::default()
    };
    assert!(holds_at(when, &fund, time - 2_469_136, on));
    assert!(holds_at(when, &fund, time - 2_469_137, on));
    assert!(!holds_at(when, &fund, time - 2_469_135, on));
}

#[test]
fn behind_time_by_month_steps_on_the_first_of_the_month() {
    let fund = year_end_only(1_200_000); // 12,000.00 元: a month of 序时 is 1,000.00 元.
    let when = Conditions {
        behind: Some(behind(Reference::Time, 0, 0, TimeBasis::Month)),
        ..Conditions::default()
    };
    // Spent 6,000.00 元 = 6/12: June is not behind, from July 1 it is.
    assert!(!holds_at(when, &fund, 600_000, day(6, 1)));
    assert!(!holds_at(when, &fund, 600_000, day(6, 30)));
    assert!(holds_at(when, &fund, 600_000, day(7, 1)));
    // On 06-30, 1 分 short of 6/12 is behind, the exact amount is not.
    assert!(holds_at(when, &fund, 599_999, day(6, 30)));
    // The rule counts by its own basis even when the report was evaluated by day: by day,
    // 06-01 is 152/365 (41.6%) and 45% is ahead of it; by month it is 50%, and 45% is behind.
    let by_day = Conditions {
        behind: Some(behind(Reference::Time, 0, 0, TimeBasis::Day)),
        ..Conditions::default()
    };
    assert!(!holds_at(by_day, &fund, 540_000, day(6, 1)));
    assert!(holds_at(when, &fund, 540_000, day(6, 1)));
}

#[test]
fn time_by_month_in_leap_and_common_years() {
    // February counts 2/12 whether or not it has a 29th, and March starts 3/12 the day after.
    for year in [2024, 2025] {
        let fund = fund_in(year, 1_200_000, &[(12, 31, 10_000)]);
        let when = Conditions {
            behind: Some(behind(Reference::Time, 0, 0, TimeBasis::Month)),
            ..Conditions::default()
        };
        let last_of_february = if year == 2024 { 29 } else { 28 };
        let feb = ymd(year, 2, last_of_february);
        assert!(!holds(&when, &fund, &report(&fund, 200_000, feb)), "{year}");
        assert!(holds(&when, &fund, &report(&fund, 199_999, feb)), "{year}");
        assert!(
            holds(&when, &fund, &report(&fund, 200_000, ymd(year, 3, 1))),
            "{year}"
        );
    }
}

#[test]
fn within_days_looks_at_the_next_milestone_not_met_and_not_passed() {
    let fund = seed(ODD);
    let within = |n| Conditions {
        within_days: Some(n),
        ..Conditions::default()
    };
    // March met (30%), June not: 06-23 is 7 days before 06-30.
    let spent = 3_703_704; // 30% of 12,345,679 → 3,703,703.7 → 3,703,704 分
    assert!(holds_at(within(7), &fund, spent, day(6, 23)));
    assert!(!holds_at(within(7), &fund, spent, day(6, 22)));
    assert!(holds_at(within(7), &fund, spent, day(6, 30)));
    // The day after, June has passed: the next milestone is 10-31, 122 days ahead.
    assert!(!holds_at(within(7), &fund, spent, day(7, 1)));
    // 0 days: on the milestone's day only.
    assert!(holds_at(within(0), &fund, spent, day(6, 30)));
    assert!(!holds_at(within(0), &fund, spent, day(6, 29)));
    // A milestone met does not count: with June met, the next one is October.
    let met = 6_172_840; // 50%: 6,172,839.5 → 6,172,840 分
    assert!(!holds_at(within(7), &fund, met, day(6, 23)));
    assert!(holds_at(within(7), &fund, met - 1, day(6, 23)));
    // Every milestone met or passed: nothing is next.
    assert!(!holds_at(within(366), &fund, 0, ymd(2026, 1, 5)));
}

#[test]
fn rate_below_is_strictly_below() {
    let fund = year_end_only(ODD);
    let below = Conditions {
        rate_below: Some(Share::from_basis_points(6000)),
        ..Conditions::default()
    };
    // 60% of 12,345,679 = 7,407,407.4 → 7,407,407 分.
    assert!(!holds_at(below, &fund, 7_407_407, day(9, 30)));
    assert!(holds_at(below, &fund, 7_407_406, day(9, 30)));
    assert!(!holds_at(below, &fund, 7_407_408, day(9, 30)));
}

#[test]
fn from_starts_on_its_day() {
    let fund = year_end_only(ODD);
    let from = Conditions {
        rate_below: Some(Share::from_basis_points(6000)),
        from: Some((9, 30)),
        ..Conditions::default()
    };
    assert!(!holds_at(from, &fund, 0, day(9, 29)));
    assert!(holds_at(from, &fund, 0, day(9, 30)));
    assert!(holds_at(from, &fund, 0, day(12, 31)));
    // After the year (the year-end notices of January) it still holds.
    assert!(holds_at(from, &fund, 0, ymd(2026, 1, 10)));
    // 02-29: the day itself in a leap year, 03-01 in a common one.
    let leap = Conditions {
        from: Some((2, 29)),
        ..from
    };
    let fund_2024 = fund_in(2024, ODD, &[(12, 31, 10_000)]);
    assert!(!holds(
        &leap,
        &fund_2024,
        &report(&fund_2024, 0, ymd(2024, 2, 28))
    ));
    assert!(holds(
        &leap,
        &fund_2024,
        &report(&fund_2024, 0, ymd(2024, 2, 29))
    ));
    assert!(!holds_at(leap, &fund, 0, day(2, 28)));
    assert!(holds_at(leap, &fund, 0, day(3, 1)));
}

#[test]
fn min_budget_includes_the_budget_itself() {
    let large = Conditions {
        rate_below: Some(Share::from_basis_points(6000)),
        min_budget: Some(Money::from_fen(ODD)),
        ..Conditions::default()
    };
    assert!(holds_at(large, &year_end_only(ODD), 0, day(9, 30)));
    assert!(!holds_at(large, &year_end_only(ODD - 1), 0, day(9, 30)));
    assert!(holds_at(large, &year_end_only(ODD + 1), 0, day(9, 30)));
}

#[test]
fn milestone_conditions() {
    let fund = seed(ODD);
    let at_risk = Conditions {
        milestone: Some(MilestoneCondition::AtRisk),
        ..Conditions::default()
    };
    let missed = Conditions {
        milestone: Some(MilestoneCondition::Missed),
        ..Conditions::default()
    };
    let march = 3_086_420; // 25%: 3,086,419.75 → 3,086,420 分
    // warn_days 15: 03-16 is 15 days before 03-31, 03-15 is 16.
    assert!(holds_at(at_risk, &fund, march - 1, day(3, 16)));
    assert!(!holds_at(at_risk, &fund, march - 1, day(3, 15)));
    assert!(!holds_at(at_risk, &fund, march, day(3, 16)));
    // Missed the day after its day, while spending is short of its target.
    assert!(!holds_at(missed, &fund, march - 1, day(3, 31)));
    assert!(holds_at(missed, &fund, march - 1, day(4, 1)));
    assert!(!holds_at(missed, &fund, march, day(4, 1)));
    // Caught up after the day: spending by 03-31 was short, spending now is not.
    let spend = DailySpend::from_amounts(vec![
        (day(1, 2), Money::from_fen(march - 1)),
        (day(4, 3), Money::from_fen(1)),
    ]);
    let before = evaluate(&fund, &spend, day(4, 2), Policy::default());
    let after = evaluate(&fund, &spend, day(4, 3), Policy::default());
    assert!(holds(&missed, &fund, &before));
    assert!(!holds(&missed, &fund, &after));
}

#[test]
fn every_condition_of_a_rule_must_hold() {
    let fund = seed(ODD);
    let both = Conditions {
        rate_below: Some(Share::from_basis_points(6000)),
        from: Some((9, 30)),
        min_budget: Some(Money::from_fen(ODD + 1)),
        ..Conditions::default()
    };
    assert!(!holds_at(both, &fund, 0, day(10, 1)));
    // No condition at all holds always (the config refuses such a rule).
    assert!(holds_at(Conditions::default(), &fund, ODD, day(10, 1)));
}

#[test]
fn the_floors_are_always_in_force() {
    let fund = seed(ODD);
    let march = 3_086_420;
    for rules in [Vec::new(), Preset::None.rules(TimeBasis::Day)] {
        assert_eq!(
            grade(&fund, &report(&fund, march - 1, day(3, 15)), &rules),
            None
        );
        let yellow = graded(&fund, &report(&fund, march - 1, day(3, 16)), &rules);
        assert_eq!(yellow.map(|g| g.0), Some(Level::Yellow));
        let red = graded(&fund, &report(&fund, march - 1, day(4, 1)), &rules);
        assert_eq!(red.map(|g| g.0), Some(Level::Red));
    }
    // Every preset keeps them: a missed milestone is red whatever the preset says.
    for preset in Preset::ALL {
        let rules = preset.rules(TimeBasis::Month);
        let red = grade(&fund, &report(&fund, march - 1, day(4, 1)), &rules).expect("graded");
        assert_eq!(red.level, Level::Red, "{}", preset.name());
        assert_eq!(
            red.rule,
            LevelRule::milestone_floors()[1],
            "{}",
            preset.name()
        );
    }
}

#[test]
fn the_highest_level_wins_and_a_tie_names_the_earlier_rule() {
    let fund = year_end_only(ODD);
    let below = |bp| Conditions {
        rate_below: Some(Share::from_basis_points(bp)),
        ..Conditions::default()
    };
    let rules = [
        rule(Level::Yellow, "a", below(9000)),
        rule(Level::Orange, "b", below(8000)),
        rule(Level::Orange, "c", below(7000)),
        rule(Level::Red, "d", below(1000)),
    ];
    let at = |spent| graded(&fund, &report(&fund, spent, day(8, 1)), &rules);
    // 85%: only "a"; 75%: "a" and "b"; 65%: "b" and "c" tie at 橙, "b" is named; 5%: "d".
    assert_eq!(at(ODD * 85 / 100), Some((Level::Yellow, "a".into())));
    assert_eq!(at(ODD * 75 / 100), Some((Level::Orange, "b".into())));
    assert_eq!(at(ODD * 65 / 100), Some((Level::Orange, "b".into())));
    assert_eq!(at(ODD * 5 / 100), Some((Level::Red, "d".into())));
    assert_eq!(at(ODD * 95 / 100), None);
    // A floor comes before the configured rules: a tie with it names the floor.
    let fund = seed(ODD);
    let red = [rule(Level::Red, "office", below(5000))];
    let missed = graded(&fund, &report(&fund, 0, day(4, 1)), &red);
    assert_eq!(
        missed,
        Some((Level::Red, LevelRule::milestone_floors()[1].basis.clone()))
    );
}

/// `standard`: 黄 from warn_days, 橙 a week before while 10 points or more behind the plan,
/// 红 when missed.
#[test]
fn the_standard_preset_at_its_boundaries() {
    let fund = seed(ODD);
    let rules = Preset::Standard.rules(TimeBasis::Day);
    let orange = rules[0].basis.clone();
    let floor_yellow = LevelRule::milestone_floors()[0].basis.clone();
    let on = day(6, 23); // 7 days before 06-30
    let plan = plan_amount(&fund, on);
    let threshold = 1_234_568; // 10 points of 12,345,679 分, half-up
    let at = |spent, d| graded(&fund, &report(&fund, spent, d), &rules);
    assert_eq!(
        at(plan - threshold, on),
        Some((Level::Orange, orange.clone()))
    );
    assert_eq!(
        at(plan - threshold - 1, on),
        Some((Level::Orange, orange.clone()))
    );
    assert_eq!(
        at(plan - threshold + 1, on),
        Some((Level::Yellow, floor_yellow.clone()))
    );
    // 8 days before: still 黄, even further behind.
    assert_eq!(
        at(plan - threshold - 100_000, day(6, 22)),
        Some((Level::Yellow, floor_yellow.clone()))
    );
    // On the milestone's day it is still 橙; the day after, missed: 红.
    let june_plan = plan_amount(&fund, day(6, 30));
    assert_eq!(
        at(june_plan - threshold, day(6, 30)),
        Some((Level::Orange, orange))
    );
    assert_eq!(
        at(june_plan - threshold, day(7, 1)).map(|g| g.0),
        Some(Level::Red)
    );
    // At warn_days (15 days before) it starts 黄, the day before nothing: with March met
    // (25%, 3,086,420 分) the common path is 黄 → 橙 → 红.
    assert_eq!(
        at(3_086_420, day(6, 15)),
        Some((Level::Yellow, floor_yellow))
    );
    assert_eq!(at(3_086_420, day(6, 14)), None);
}

/// `time-month`: any shortfall against 序时进度 by month is 黄.
#[test]
fn the_time_month_preset_at_its_boundaries() {
    let fund = year_end_only(ODD);
    assert_eq!(Preset::TimeMonth.time_basis(), Some(TimeBasis::Month));
    let rules = Preset::TimeMonth.rules(TimeBasis::Month);
    let basis = rules[0].basis.clone();
    let month = Policy {
        time_basis: TimeBasis::Month,
        ..Policy::default()
    };
    let at = |spent, d| graded(&fund, &report_with(&fund, spent, d, month), &rules);
    // 05-31 by month: 5/12 of 12,345,679 = 5,144,032.9… → 5,144,033 分.
    let may = 5_144_033;
    assert_eq!(time_amount_on(&fund, day(5, 31), TimeBasis::Month), may);
    assert_eq!(at(may, day(5, 31)), None);
    assert_eq!(
        at(may - 1, day(5, 31)),
        Some((Level::Yellow, basis.clone()))
    );
    assert_eq!(at(may + 1, day(5, 31)), None);
    // The next day is June, 6/12: the same spending is behind.
    assert_eq!(at(may, day(6, 1)), Some((Level::Yellow, basis)));
}

/// `large-fund`: 红 for a budget of 1000万元 or more, 20 points or more behind 序时进度.
#[test]
fn the_large_fund_preset_at_its_boundaries() {
    let rules = Preset::LargeFund.rules(TimeBasis::Day);
    let basis = rules[0].basis.clone();
    let large = 1_000_000_000; // 1000万元 in 分
    let on = day(8, 15);
    for (budget, applies) in [(large, true), (large - 1, false), (large + 1, true)] {
        let fund = year_end_only(budget);
        let time = time_amount_on(&fund, on, TimeBasis::Day);
        let twenty = fund
            .budget
            .times_share(Share::from_basis_points(2000))
            .fen();
        let at = |spent| graded(&fund, &report(&fund, spent, on), &rules);
        let red = applies.then(|| (Level::Red, basis.clone()));
        assert_eq!(at(time - twenty), red, "{budget}");
        assert_eq!(at(time - twenty - 1), red, "{budget}");
        assert_eq!(at(time - twenty + 1), None, "{budget}");
    }
    // 1000万元 × 20% = 200万元 exactly; 08-15 by day: 1,000,000,000 × 227/365 → 621,917,808 分.
    let fund = year_end_only(large);
    assert_eq!(time_amount_on(&fund, on, TimeBasis::Day), 621_917_808);
    let at = |spent, d| graded(&fund, &report(&fund, spent, d), &rules);
    assert_eq!(at(421_917_808, on), Some((Level::Red, basis)));
    // The day before, 序时 is one day (2,739,726 分) lower: the same spending is not 20 points
    // behind.
    assert_eq!(at(421_917_808, day(8, 14)), None);
}

/// `q3-60`: 橙 from 09-30 while 执行率 is below 60%.
#[test]
fn the_q3_60_preset_at_its_boundaries() {
    let fund = year_end_only(ODD);
    let rules = Preset::Q3Sixty.rules(TimeBasis::Day);
    let basis = rules[0].basis.clone();
    let sixty = 7_407_407; // 60% of 12,345,679 分, half-up
    let at = |spent, d| graded(&fund, &report(&fund, spent, d), &rules);
    assert_eq!(
        at(sixty - 1, day(9, 30)),
        Some((Level::Orange, basis.clone()))
    );
    assert_eq!(at(sixty, day(9, 30)), None);
    assert_eq!(at(sixty - 1, day(9, 29)), None);
    assert_eq!(at(sixty - 1, day(10, 1)), Some((Level::Orange, basis)));
}

#[test]
fn presets_by_name() {
    for preset in Preset::ALL {
        assert_eq!(Preset::parse(preset.name()), Some(preset));
        // Every rule of a preset says where it comes from.
        for rule in preset.rules(TimeBasis::Day) {
            assert!(!rule.basis.is_empty(), "{}", preset.name());
        }
    }
    assert_eq!(Preset::parse("Standard"), None);
    assert_eq!(Preset::default(), Preset::Standard);
    assert!(Preset::None.rules(TimeBasis::Day).is_empty());
    // A preset's 序时 rules count by the basis given.
    let rule = &Preset::LargeFund.rules(TimeBasis::Month)[0];
    assert_eq!(
        rule.when.behind.map(|b| b.time_basis),
        Some(TimeBasis::Month)
    );
}

#[test]
fn words_of_the_config_round_trip() {
    for level in [Level::Yellow, Level::Orange, Level::Red] {
        assert_eq!(Level::parse(level.as_str()), Some(level));
    }
    for basis in [TimeBasis::Day, TimeBasis::Month] {
        assert_eq!(TimeBasis::parse(basis.as_str()), Some(basis));
    }
    assert_eq!(TimeBasis::parse("monthly"), None);
    assert!(Level::Yellow < Level::Orange && Level::Orange < Level::Red);
}
