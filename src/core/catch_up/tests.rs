//! The catch-up arithmetic, exact to the 分: worked parts at their rounding remainders, the
//! boundaries of months and weeks, and the cases with nothing left to schedule.

use chrono::NaiveDate;

use super::*;
use crate::core::evaluate::{Policy, evaluate};
use crate::core::fund::{DailySpend, Milestone};
use crate::core::money::Share;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// 150,000 元 with the plan `(month, day, basis points)` in 2025.
fn fund_with(plan: &[(u32, u32, u32)]) -> Fund {
    Fund {
        id: "network-governance".into(),
        code: "13020225P00901410001D".into(),
        name: "网络综合治理体系建设专项资金".into(),
        year: 2025,
        budget: Money::from_fen(15_000_000),
        milestones: plan
            .iter()
            .map(|&(m, d, bp)| Milestone {
                date: ymd(2025, m, d),
                share: Share::from_basis_points(bp),
            })
            .collect(),
        aliases: vec![],
        notify: vec![],
        escalate: vec![],
    }
}

const PLAN: &[(u32, u32, u32)] = &[
    (3, 31, 2500),
    (6, 30, 5000),
    (10, 31, 7500),
    (12, 31, 10_000),
];

/// The schedule of the usual plan with `spent_fen` spent on 01-10, on `as_of`.
fn schedule(plan: &[(u32, u32, u32)], spent_fen: i64, as_of: NaiveDate) -> CatchUp {
    let fund = fund_with(plan);
    let spend = DailySpend::from_amounts(vec![(ymd(2025, 1, 10), Money::from_fen(spent_fen))]);
    catch_up(&fund, &evaluate(&fund, &spend, as_of, Policy::default()))
}

fn fen(parts: &[Part]) -> Vec<i64> {
    parts.iter().map(|p| p.amount.fen()).collect()
}

fn spans(parts: &[Part]) -> Vec<(NaiveDate, NaiveDate)> {
    parts.iter().map(|p| (p.from, p.to)).collect()
}

/// Every step's months and weeks add up to its increment, the increments to its
/// still_to_spend, and the spans are contiguous from the step's `from` to its day.
fn assert_exact(plan: &CatchUp) {
    let mut before = Money::ZERO;
    for step in &plan.steps {
        let months: Money = step.months.iter().map(|p| p.amount).sum();
        assert_eq!(months, step.increment, "{step:?}");
        if !step.weeks.is_empty() {
            let weeks: Money = step.weeks.iter().map(|p| p.amount).sum();
            assert_eq!(weeks, step.increment, "{step:?}");
        }
        assert_eq!(before.saturating_add(step.increment), step.still_to_spend);
        before = step.still_to_spend;
        for parts in [&step.months, &step.weeks] {
            if let (Some(first), Some(last)) = (parts.first(), parts.last()) {
                assert_eq!((first.from, last.to), (step.from, step.date), "{step:?}");
            }
            for pair in parts.windows(2) {
                assert_eq!(pair[0].to.succ_opt(), Some(pair[1].from), "{step:?}");
            }
        }
    }
    let merged: Money = plan.months().iter().map(|p| p.amount).sum();
    assert_eq!(merged, plan.total());
}

#[test]
fn parts_add_up_with_the_remainder_on_the_earliest() {
    // 07-15, 41,234 元 spent: 71,266 元 by 10-31 over 07-16..10-31 (16 + 31 + 30 + 31 = 108
    // days), of which June's 33,766 元 is due at once (July carries it whole). The other
    // 37,500 元: floors 555,555 / 1,076,388 / 1,041,666 / 1,076,388 leave 3 分, one each for
    // July, August and September.
    let plan = schedule(PLAN, 4_123_400, ymd(2025, 7, 15));
    assert_exact(&plan);
    let october = &plan.steps[0];
    assert_eq!(october.date, ymd(2025, 10, 31));
    assert_eq!(october.still_to_spend, Money::from_fen(7_126_600));
    assert_eq!(october.days_left, 108);
    assert_eq!(october.from, ymd(2025, 7, 16));
    assert_eq!(
        fen(&october.months),
        [3_376_600 + 555_556, 1_076_389, 1_041_667, 1_076_388]
    );
    assert!(october.weeks.is_empty());
    // 12-31 adds 37,500 元 over November (30 days) and December (31): 1 分 left for November.
    let december = &plan.steps[1];
    assert_eq!(december.increment, Money::from_fen(3_750_000));
    assert_eq!(december.still_to_spend, Money::from_fen(10_876_600));
    assert_eq!(december.from, ymd(2025, 11, 1));
    assert_eq!(fen(&december.months), [1_844_263, 1_905_737]);
    assert_eq!(
        plan.months()
            .iter()
            .map(|p| (p.year(), p.month()))
            .collect::<Vec<_>>(),
        [
            (2025, 7),
            (2025, 8),
            (2025, 9),
            (2025, 10),
            (2025, 11),
            (2025, 12)
        ]
    );
    // June (75,000 元) was missed: its 33,766 元 are part of October's amount.
    assert_eq!(plan.overdue, Money::from_fen(3_376_600));
}

#[test]
fn a_milestone_due_today_is_all_due_today() {
    // 06-30 (a Monday) with 60,000 元 spent: 15,000 元 today, in June and in one week of a day.
    let plan = schedule(PLAN, 6_000_000, ymd(2025, 6, 30));
    assert_exact(&plan);
    let june = &plan.steps[0];
    assert_eq!((june.days_left, june.from), (0, ymd(2025, 6, 30)));
    assert_eq!(spans(&june.months), [(ymd(2025, 6, 30), ymd(2025, 6, 30))]);
    assert_eq!(fen(&june.months), [1_500_000]);
    assert_eq!(spans(&june.weeks), [(ymd(2025, 6, 30), ymd(2025, 6, 30))]);
    // The next step starts the day after: July to October.
    let october = &plan.steps[1];
    assert_eq!(october.from, ymd(2025, 7, 1));
    assert_eq!(october.increment, Money::from_fen(3_750_000));
    assert_eq!(october.months.len(), 4);
}

#[test]
fn the_as_of_month_does_not_count_on_its_last_day() {
    // 05-31: nothing of May is left, so June alone; 30 days ahead, so weeks too. 06-01 is a
    // Sunday: a one-day week, four whole weeks, and 06-30 (a Monday) alone. 25,000 元 × 1/30
    // and × 7/30 floor to 83,333 and 583,333; the 2 分 left go to the first two weeks.
    let plan = schedule(PLAN, 5_000_000, ymd(2025, 5, 31));
    assert_exact(&plan);
    let june = &plan.steps[0];
    assert_eq!(spans(&june.months), [(ymd(2025, 6, 1), ymd(2025, 6, 30))]);
    assert_eq!(
        spans(&june.weeks),
        [
            (ymd(2025, 6, 1), ymd(2025, 6, 1)),
            (ymd(2025, 6, 2), ymd(2025, 6, 8)),
            (ymd(2025, 6, 9), ymd(2025, 6, 15)),
            (ymd(2025, 6, 16), ymd(2025, 6, 22)),
            (ymd(2025, 6, 23), ymd(2025, 6, 29)),
            (ymd(2025, 6, 30), ymd(2025, 6, 30)),
        ]
    );
    assert_eq!(
        fen(&june.weeks),
        [83_334, 583_334, 583_333, 583_333, 583_333, 83_333]
    );
    // The day before, one day of May is left and counts as a month of its own.
    let plan = schedule(PLAN, 5_000_000, ymd(2025, 5, 30));
    assert_exact(&plan);
    assert_eq!(
        spans(&plan.steps[0].months),
        [
            (ymd(2025, 5, 31), ymd(2025, 5, 31)),
            (ymd(2025, 6, 1), ymd(2025, 6, 30)),
        ]
    );
}

#[test]
fn weeks_only_within_thirty_one_days_and_only_for_the_next_step() {
    let within = schedule(PLAN, 5_000_000, ymd(2025, 5, 30));
    assert_eq!(within.steps[0].days_left, 31);
    assert!(!within.steps[0].weeks.is_empty());
    assert!(within.steps[1..].iter().all(|s| s.weeks.is_empty()));
    let beyond = schedule(PLAN, 5_000_000, ymd(2025, 5, 29));
    assert_eq!(beyond.steps[0].days_left, 32);
    assert!(beyond.steps[0].weeks.is_empty());
}

#[test]
fn a_milestone_mid_month_splits_its_month_between_two_steps() {
    // 06-15 (50%) then 12-31: on 05-20 with 30,000 元 spent, 45,000 元 by 06-15 over 05-21..06-15
    // (11 + 15 days) and 75,000 元 more from 06-16. June is shared: one merged part.
    let plan = schedule(
        &[(6, 15, 5000), (12, 31, 10_000)],
        3_000_000,
        ymd(2025, 5, 20),
    );
    assert_exact(&plan);
    let first = &plan.steps[0];
    assert_eq!(
        spans(&first.months),
        [
            (ymd(2025, 5, 21), ymd(2025, 5, 31)),
            (ymd(2025, 6, 1), ymd(2025, 6, 15)),
        ]
    );
    // 4,500,000 × 11/26 = 1,903,846.15…, × 15/26 = 2,596,153.84…: 1 分 left for May.
    assert_eq!(fen(&first.months), [1_903_847, 2_596_153]);
    assert_eq!(first.weeks.len(), 4); // 05-21..25, 05-26..06-01, 06-02..08, 06-09..15
    let second = &plan.steps[1];
    assert_eq!(second.from, ymd(2025, 6, 16));
    assert_eq!(second.increment, Money::from_fen(7_500_000));
    let merged = plan.months();
    assert_eq!(
        spans(&merged)[..3],
        [
            (ymd(2025, 5, 21), ymd(2025, 5, 31)),
            (ymd(2025, 6, 1), ymd(2025, 6, 30)),
            (ymd(2025, 7, 1), ymd(2025, 7, 31)),
        ]
    );
    assert_eq!(
        merged[1].amount,
        first.months[1]
            .amount
            .saturating_add(second.months[0].amount)
    );
}

#[test]
fn a_missed_shortfall_is_folded_into_the_next_step() {
    // 07-15 with 30,000 元: June (75,000) missed by 45,000, which the October step includes.
    let plan = schedule(PLAN, 3_000_000, ymd(2025, 7, 15));
    assert_exact(&plan);
    assert_eq!(plan.overdue, Money::from_fen(4_500_000));
    assert_eq!(plan.steps[0].date, ymd(2025, 10, 31));
    assert_eq!(plan.steps[0].still_to_spend, Money::from_fen(8_250_000));
}

#[test]
fn a_milestone_met_early_is_not_a_step() {
    let plan = schedule(PLAN, 4_000_000, ymd(2025, 3, 20));
    assert_exact(&plan);
    assert_eq!(plan.steps[0].date, ymd(2025, 6, 30));
    assert_eq!(plan.steps[0].from, ymd(2025, 3, 21));
    assert_eq!(plan.steps[0].increment, Money::from_fen(3_500_000));
}

#[test]
fn nothing_left_when_all_met_or_after_the_year() {
    let plan = schedule(PLAN, 15_000_000, ymd(2025, 2, 1));
    assert!(plan.steps.is_empty());
    assert_eq!((plan.total(), plan.overdue), (Money::ZERO, Money::ZERO));
    assert!(plan.months().is_empty());
    // After 12-31 every milestone has passed: no steps, the year-end shortfall is overdue.
    let plan = schedule(PLAN, 12_000_000, ymd(2026, 1, 10));
    assert!(plan.steps.is_empty());
    assert_eq!(plan.overdue, Money::from_fen(3_000_000));
    // On 12-31 itself December is due today.
    let plan = schedule(PLAN, 12_000_000, ymd(2025, 12, 31));
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(fen(&plan.steps[0].months), [3_000_000]);
}

#[test]
fn before_the_year_the_schedule_starts_on_january_first() {
    let plan = schedule(PLAN, 0, ymd(2024, 12, 1));
    assert_exact(&plan);
    assert_eq!(plan.steps[0].from, ymd(2025, 1, 1));
    assert_eq!(plan.steps[0].days_left, 120);
    assert_eq!(plan.steps[0].months.len(), 3);
}

#[test]
fn every_day_of_the_year_adds_up_exactly() {
    // The sums hold on every as-of day, for odd amounts that leave remainders.
    let mut day = ymd(2025, 1, 1);
    while day <= ymd(2025, 12, 31) {
        for spent in [0, 1, 3_712_345, 9_999_999] {
            assert_exact(&schedule(PLAN, spent, day));
            assert_exact(&schedule(&[(6, 15, 3333), (12, 31, 10_000)], spent, day));
        }
        day = day.succ_opt().expect("in range");
    }
}
