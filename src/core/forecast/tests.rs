//! Table tests of the forecast: each row is a history, an as-of day and what must come out,
//! worked by hand from the formulas of the README (amounts in 分).

use super::*;
use crate::core::money::Share;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// 150,000 元, 25/50/75/100% at 03-31, 06-30, 10-31, 12-31 (the sample plan).
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
        budget: Money::from_fen(15_000_000),
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

/// (month, day, 元) of `year`.
fn spend(year: i32, entries: &[(u32, u32, i64)]) -> DailySpend {
    DailySpend::from_amounts(
        entries
            .iter()
            .map(|&(m, d, yuan)| (ymd(year, m, d), Money::from_fen(yuan * 100)))
            .collect(),
    )
}

/// What a row expects.
#[derive(Debug)]
enum Want {
    /// The 12-31 point: (low, central, high) and (by_pace, by_run_rate, on_plan), in 分, with
    /// the central value's weight on on_plan.
    YearEnd {
        spend: (i64, i64, i64),
        ends: (i64, i64, i64),
        plan_weight: f64,
    },
    Insufficient(Insufficient),
    /// Actual spend and 结余, in 分.
    Closed {
        spent: i64,
        unspent: i64,
    },
}

struct Row {
    name: &'static str,
    year: i32,
    entries: &'static [(u32, u32, i64)],
    as_of: NaiveDate,
    want: Want,
}

const FLAT: &[(u32, u32, i64)] = &[
    (1, 15, 10_000),
    (2, 15, 10_000),
    (3, 15, 10_000),
    (4, 15, 10_000),
    (5, 15, 10_000),
    (6, 15, 10_000),
];

const BACK_LOADED: &[(u32, u32, i64)] = &[
    (1, 15, 2_000),
    (2, 15, 2_000),
    (3, 15, 2_000),
    (4, 15, 5_000),
    (5, 15, 5_000),
    (6, 15, 5_000),
];

const REVERSED: &[(u32, u32, i64)] = &[
    (1, 15, 10_000),
    (2, 15, 10_000),
    (3, 15, 10_000),
    (4, 10, -5_000),
];

const AHEAD: &[(u32, u32, i64)] = &[(1, 10, 20_000), (2, 10, 20_000), (3, 10, 10_000)];

const LEAP: &[(u32, u32, i64)] = &[(1, 1, 1_000), (2, 29, 9_000), (3, 31, 5_000)];

/// FLAT, then 10,000 元 at each 15th of August, September and October (none in July).
const FLAT_TO_OCTOBER: &[(u32, u32, i64)] = &[
    (1, 15, 10_000),
    (2, 15, 10_000),
    (3, 15, 10_000),
    (4, 15, 10_000),
    (5, 15, 10_000),
    (6, 15, 10_000),
    (8, 15, 10_000),
    (9, 15, 10_000),
    (10, 15, 10_000),
];

const WHOLE_YEAR: &[(u32, u32, i64)] = &[
    (3, 1, 40_000),
    (6, 1, 40_000),
    (10, 1, 40_000),
    (12, 30, 20_000),
];

fn rows() -> Vec<Row> {
    use Insufficient::{FewSpendingDays, NoSpending, TooEarly};
    vec![
        Row {
            // S = 60,000, P(t) = 75,000 (half the plan): pace 0.8, so pace(12-31) = 120,000.
            // The window (04-01, 06-30] holds 30,000 over 90 days; 184 days remain:
            // run = 60,000 + 30,000 × 184 ÷ 90 = 121,333.33. On plan: 60,000 + 75,000 =
            // 135,000. Half the plan is ahead, so the weight on on_plan is min(1, 2 × 0.5) = 1
            // and the central value is 135,000. Low: 135,000 − 29% × 75,000 = 113,250; high:
            // 135,000 + 87% × (150,000 − 135,000) = 148,050.
            name: "flat history",
            year: 2025,
            entries: FLAT,
            as_of: ymd(2025, 6, 30),
            want: Want::YearEnd {
                spend: (11_325_000, 13_500_000, 14_805_000),
                ends: (12_000_000, 12_133_333, 13_500_000),
                plan_weight: 1.0,
            },
        },
        Row {
            // S = 90,000 on 10-31, P(t) = 112,500: a quarter of the plan is ahead, weight 0.5.
            // pace 120,000; window (08-02, 10-31] 30,000, 61 days left: run = 110,333.33; on
            // plan 127,500. Central: 0.5 × 127,500 + 0.5 × (0.3 × 120,000 + 0.7 × 110,333.33)
            // = 120,366.67. Low: − 29% × 37,500 = 109,491.67; high: + 87% × 29,633.33 =
            // 146,147.67.
            name: "flat history, as of 10-31",
            year: 2025,
            entries: FLAT_TO_OCTOBER,
            as_of: ymd(2025, 10, 31),
            want: Want::YearEnd {
                spend: (10_949_167, 12_036_667, 14_614_767),
                ends: (12_000_000, 11_033_333, 12_750_000),
                plan_weight: 0.5,
            },
        },
        Row {
            // 11-30: the plan is at 75% + 25% × 30 ÷ 61, so 25% × 31 ÷ 61 of it is ahead and
            // the weight is 2 × that = 31 ÷ 122. P(12-31) − P(t) = 19,057.38: on plan
            // 109,057.38; pace 90,000 ÷ 0.872951 = 103,098.59; window (09-01, 11-30] 20,000
            // over 90 days, 31 left: run = 96,888.89. Central 101,370.43; low − 5,526.64;
            // high + 87% × (150,000 − 101,370.43).
            name: "flat history, as of 11-30",
            year: 2025,
            entries: FLAT_TO_OCTOBER,
            as_of: ymd(2025, 11, 30),
            want: Want::YearEnd {
                spend: (9_584_379, 10_137_043, 14_367_816),
                ends: (10_309_859, 9_688_889, 10_905_738),
                plan_weight: 31.0 / 122.0,
            },
        },
        Row {
            // S = 21,000: pace 0.28, pace(12-31) = 42,000; window 15,000:
            // run = 21,000 + 15,000 × 184 ÷ 90 = 51,666.67; on plan 21,000 + 75,000 = 96,000,
            // the central value. Low 96,000 − 21,750; high 96,000 + 87% × 54,000.
            name: "back-loaded history",
            year: 2025,
            entries: BACK_LOADED,
            as_of: ymd(2025, 6, 30),
            want: Want::YearEnd {
                spend: (7_425_000, 9_600_000, 14_298_000),
                ends: (4_200_000, 5_166_667, 9_600_000),
                plan_weight: 1.0,
            },
        },
        Row {
            // The window nets −5,000: the run-rate is 0, not negative, and the run end stays
            // at S = 25,000; pace 1/3 of 150,000 = 50,000; on plan 25,000 + 75,000.
            name: "a reversal in the window",
            year: 2025,
            entries: REVERSED,
            as_of: ymd(2025, 6, 30),
            want: Want::YearEnd {
                spend: (7_825_000, 10_000_000, 14_350_000),
                ends: (5_000_000, 2_500_000, 10_000_000),
                plan_weight: 1.0,
            },
        },
        Row {
            // 50,000 by 03-31 against a plan of 37,500: every reference passes the budget,
            // which caps it (pace 200,000; run 50,000 + 50,000 × 275 ÷ 90; on plan 162,500).
            // The low end is 150,000 − 29% × 112,500 = 117,375.
            name: "ahead of plan",
            year: 2025,
            entries: AHEAD,
            as_of: ymd(2025, 3, 31),
            want: Want::YearEnd {
                spend: (11_737_500, 15_000_000, 15_000_000),
                ends: (15_000_000, 15_000_000, 15_000_000),
                plan_weight: 1.0,
            },
        },
        Row {
            // 2024: 03-31 is day 91, so the 90-day window is (01-01, 03-31] and leaves out
            // 01-01's 1,000: run = 15,000 + 14,000 × 275 ÷ 90 = 57,777.78 (275 days to 12-31 of
            // a 366-day year); pace 15,000 ÷ 37,500 = 0.4, so 60,000; on plan 15,000 + 112,500.
            name: "leap year",
            year: 2024,
            entries: LEAP,
            as_of: ymd(2024, 3, 31),
            want: Want::YearEnd {
                spend: (9_487_500, 12_750_000, 14_707_500),
                ends: (6_000_000, 5_777_778, 12_750_000),
                plan_weight: 1.0,
            },
        },
        Row {
            name: "no history",
            year: 2025,
            entries: &[],
            as_of: ymd(2025, 6, 30),
            want: Want::Insufficient(NoSpending),
        },
        Row {
            name: "reversals cancel everything",
            year: 2025,
            entries: &[(1, 15, 10_000), (2, 15, 5_000), (3, 15, -15_000)],
            as_of: ymd(2025, 6, 30),
            want: Want::Insufficient(NoSpending),
        },
        Row {
            name: "two spending days",
            year: 2025,
            entries: &[(1, 15, 10_000), (5, 15, 5_000)],
            as_of: ymd(2025, 6, 30),
            want: Want::Insufficient(FewSpendingDays { days: 2, needed: 3 }),
        },
        Row {
            // A day whose entry and reversal cancel is not a spending day.
            name: "a day netting to zero",
            year: 2025,
            entries: &[(1, 15, 10_000), (2, 3, 700), (2, 3, -700), (5, 15, 5_000)],
            as_of: ymd(2025, 6, 30),
            want: Want::Insufficient(FewSpendingDays { days: 2, needed: 3 }),
        },
        Row {
            name: "the day before the first forecast day",
            year: 2025,
            entries: FLAT,
            as_of: ymd(2025, 2, 28),
            want: Want::Insufficient(TooEarly {
                from: ymd(2025, 3, 1),
            }),
        },
        Row {
            name: "before the fund's year",
            year: 2025,
            entries: &[],
            as_of: ymd(2024, 11, 1),
            want: Want::Insufficient(TooEarly {
                from: ymd(2025, 3, 1),
            }),
        },
        Row {
            // Leap year: 02-29 is still too early.
            name: "02-29 of a leap year",
            year: 2024,
            entries: LEAP,
            as_of: ymd(2024, 2, 29),
            want: Want::Insufficient(TooEarly {
                from: ymd(2024, 3, 1),
            }),
        },
        Row {
            name: "year closed on 12-31",
            year: 2025,
            entries: WHOLE_YEAR,
            as_of: ymd(2025, 12, 31),
            want: Want::Closed {
                spent: 14_000_000,
                unspent: 1_000_000,
            },
        },
        Row {
            name: "year closed, as of the next year",
            year: 2025,
            entries: WHOLE_YEAR,
            as_of: ymd(2026, 2, 1),
            want: Want::Closed {
                spent: 14_000_000,
                unspent: 1_000_000,
            },
        },
        Row {
            name: "closed over budget: nothing unspent",
            year: 2025,
            entries: &[(3, 1, 100_000), (9, 1, 60_000)],
            as_of: ymd(2025, 12, 31),
            want: Want::Closed {
                spent: 16_000_000,
                unspent: 0,
            },
        },
    ]
}

#[test]
fn forecast_table() {
    assert_eq!(
        (
            PACE_WEIGHT_PERCENT,
            PLAN_WEIGHT_SCALE_PERCENT,
            LOW_MARGIN_PERCENT,
            HIGH_REACH_PERCENT
        ),
        (30, 200, 29, 87),
        "the rows are worked for these constants"
    );
    for row in rows() {
        let f = forecast(&fund(row.year), &spend(row.year, row.entries), row.as_of);
        let name = row.name;
        match (&row.want, &f.outlook) {
            (
                Want::YearEnd {
                    spend,
                    ends,
                    plan_weight,
                },
                Outlook::Projected(p),
            ) => {
                let y = &p.year_end;
                assert_eq!(y.date, ymd(row.year, 12, 31), "{name}");
                assert_eq!(
                    (y.spend.low.fen(), y.spend.central.fen(), y.spend.high.fen()),
                    *spend,
                    "{name}: 12-31 low, central, high"
                );
                assert_eq!(
                    (y.by_pace.fen(), y.by_run_rate.fen(), y.on_plan.fen()),
                    *ends,
                    "{name}: the three references"
                );
                assert!(
                    (p.plan_weight - plan_weight).abs() < 1e-12,
                    "{name}: weight {}",
                    p.plan_weight
                );
                assert_eq!(p.points.last(), Some(y), "{name}: 12-31 is the last point");
                let budget = f.budget.fen();
                assert_eq!(p.unspent.low.fen(), (budget - spend.2).max(0), "{name}");
                assert_eq!(p.unspent.central.fen(), (budget - spend.1).max(0), "{name}");
                assert_eq!(p.unspent.high.fen(), (budget - spend.0).max(0), "{name}");
                let rate = |fen: i64| fen as f64 / budget as f64;
                assert_eq!(p.execution_rate.low, rate(spend.0), "{name}");
                assert_eq!(p.execution_rate.central, rate(spend.1), "{name}");
                assert_eq!(p.execution_rate.high, rate(spend.2), "{name}");
                // Never below what is spent, never above the cap, and never falling.
                let cap = f.budget.max(f.spent);
                let mut before = Band {
                    low: f.spent,
                    central: f.spent,
                    high: f.spent,
                };
                for point in &p.points {
                    let b = point.spend;
                    assert!(b.low >= f.spent && b.high <= cap, "{name}");
                    assert!(b.low <= b.central && b.central <= b.high, "{name}");
                    assert!(
                        b.low >= before.low && b.central >= before.central && b.high >= before.high,
                        "{name}: {point:?}"
                    );
                    before = b;
                }
            }
            (Want::Insufficient(why), Outlook::Insufficient(got)) => {
                assert_eq!(got, why, "{name}");
            }
            (Want::Closed { spent, unspent }, Outlook::Closed(end)) => {
                assert_eq!(end.spent.fen(), *spent, "{name}");
                assert_eq!(end.unspent.fen(), *unspent, "{name}");
                assert_eq!(end.execution_rate, *spent as f64 / 15_000_000.0, "{name}");
                assert_eq!(f.spent.fen(), *spent, "{name}");
            }
            (want, got) => panic!("{name}: wanted {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn the_first_forecast_day_with_three_spending_days() {
    let entries = &[(1, 10, 1_000), (2, 10, 1_000), (3, 1, 1_000)];
    let f = forecast(&fund(2025), &spend(2025, entries), ymd(2025, 3, 1));
    assert!(f.projection().is_some(), "{f:?}");
    // One spending day fewer (the 03-01 payment a day later) and there is none.
    let entries = &[(1, 10, 1_000), (2, 10, 1_000), (3, 2, 1_000)];
    let f = forecast(&fund(2025), &spend(2025, entries), ymd(2025, 3, 1));
    assert_eq!(
        f.outlook,
        Outlook::Insufficient(Insufficient::FewSpendingDays { days: 2, needed: 3 })
    );
}

#[test]
fn points_are_the_month_ends_and_milestones_after_the_day() {
    // 06-30 is a milestone due on the as-of day: it is known, not projected.
    let f = forecast(&fund(2025), &spend(2025, FLAT), ymd(2025, 6, 30));
    let p = f.projection().expect("history enough");
    let days: Vec<NaiveDate> = p.points.iter().map(|p| p.date).collect();
    let month_ends = [(7, 31), (8, 31), (9, 30), (10, 31), (11, 30), (12, 31)];
    assert_eq!(
        days,
        month_ends
            .iter()
            .map(|&(m, d)| ymd(2025, m, d))
            .collect::<Vec<_>>()
    );
    let milestones: Vec<NaiveDate> = p.milestones().map(|p| p.date).collect();
    assert_eq!(milestones, [ymd(2025, 10, 31), ymd(2025, 12, 31)]);
    // On a milestone's day its plan is its target.
    let october = p.milestones().next().expect("10-31");
    assert_eq!(october.plan, Money::from_fen(11_250_000));
    // 10-31: pace 0.8 × 112,500 = 90,000; run 60,000 + 30,000 × 123 ÷ 90 = 101,000; on plan
    // 60,000 + 112,500 − 75,000 = 97,500, the central value (weight 1). Low: 97,500 − 29% ×
    // 37,500; high: the whole rest of the budget along the plan's curve is 60,000 + 90,000 ×
    // 37,500 ÷ 75,000 = 105,000 by 10-31, and 97,500 + 87% × 7,500 = 104,025.
    assert_eq!(october.by_pace, Money::from_fen(9_000_000));
    assert_eq!(october.by_run_rate, Money::from_fen(10_100_000));
    assert_eq!(october.on_plan, Money::from_fen(9_750_000));
    assert_eq!(
        october.spend,
        Band {
            low: Money::from_fen(8_662_500),
            central: Money::from_fen(9_750_000),
            high: Money::from_fen(10_402_500),
        }
    );
    assert_eq!(p.plan_amount, Money::from_fen(7_500_000));
    assert_eq!(p.pace, Some(0.8));
    assert_eq!(p.window_from, ymd(2025, 4, 2));
    assert_eq!(p.window_days, 90);
    assert_eq!(p.window_spend, Money::from_fen(3_000_000));
    assert!((p.daily_rate() - 3_000_000.0 / 90.0).abs() < 1e-9);
}

#[test]
fn a_milestone_mid_month_is_a_point_of_its_own() {
    let mut f = fund(2025);
    f.milestones[1].date = ymd(2025, 6, 15);
    let got = forecast(&f, &spend(2025, BACK_LOADED), ymd(2025, 5, 31));
    let p = got.projection().expect("history enough");
    let first: Vec<(NaiveDate, bool)> = p
        .points
        .iter()
        .take(3)
        .map(|p| (p.date, p.milestone.is_some()))
        .collect();
    assert_eq!(
        first,
        [
            (ymd(2025, 6, 15), true),
            (ymd(2025, 6, 30), false),
            (ymd(2025, 7, 31), false),
        ]
    );
}

#[test]
fn ahead_of_plan_is_capped_at_the_budget_but_not_before() {
    let f = forecast(&fund(2025), &spend(2025, AHEAD), ymd(2025, 3, 31));
    let p = f.projection().expect("history enough");
    let june = p.milestones().next().expect("06-30");
    // pace 50,000 ÷ 37,500 × 75,000 = 100,000; run 50,000 + 50,000 × 91 ÷ 90 = 100,555.56.
    assert_eq!(june.by_pace, Money::from_fen(10_000_000));
    assert_eq!(june.by_run_rate, Money::from_fen(10_055_556));
    assert_eq!(p.unspent.central, Money::ZERO);
    assert_eq!(p.execution_rate.high, 1.0);
}

#[test]
fn an_earlier_low_end_bounds_the_later_ones() {
    // 100,000 by 03-31: on plan reaches the budget in August, after which "central less 29%
    // of the plan still due" would fall (150,000 − 29% × 112,500 = 117,375 at 12-31). Spending
    // never falls, so the low end stays at its highest so far: 08-31's 150,000 − 29% ×
    // (75,000 + 37,500 × 62 ÷ 123 − 37,500) = 133,643.29.
    let entries = &[(1, 10, 40_000), (2, 10, 40_000), (3, 10, 20_000)];
    let f = forecast(&fund(2025), &spend(2025, entries), ymd(2025, 3, 31));
    let p = f.projection().expect("history enough");
    let lows: Vec<(NaiveDate, i64)> = p
        .points
        .iter()
        .filter(|p| p.date >= ymd(2025, 7, 31))
        .map(|p| (p.date, p.spend.low.fen()))
        .collect();
    assert_eq!(
        lows,
        [
            (ymd(2025, 7, 31), 13_333_537),
            (ymd(2025, 8, 31), 13_364_329),
            (ymd(2025, 9, 30), 13_364_329),
            (ymd(2025, 10, 31), 13_364_329),
            (ymd(2025, 11, 30), 13_364_329),
            (ymd(2025, 12, 31), 13_364_329),
        ]
    );
    assert_eq!(p.year_end.spend.central, Money::from_fen(15_000_000));
    assert_eq!(p.unspent.high, Money::from_fen(15_000_000 - 13_364_329));
}

#[test]
fn the_plan_weight_falls_from_the_plans_half_to_its_end() {
    // Full weight on "on plan from now" while half of the plan or more is ahead; then 2 × the
    // share ahead; a plan already done asks for nothing more.
    assert_eq!(plan_weight(3, 4), (400, 400));
    assert_eq!(plan_weight(1, 2), (200, 200));
    assert_eq!(plan_weight(1, 4), (200, 400));
    assert_eq!(plan_weight(1, 8), (200, 800));
    assert_eq!(plan_weight(0, 4), (0, 400));
    assert_eq!(plan_weight(0, 0), (0, 1));
    // On the day before the June milestone a little more than half is ahead: weight 1.
    let f = forecast(&fund(2025), &spend(2025, FLAT), ymd(2025, 6, 29));
    assert_eq!(f.projection().map(|p| p.plan_weight), Some(1.0));
    // A plan that ends at 80%: the share ahead is taken of its own end, not of the budget.
    let mut short = fund(2025);
    short.milestones[3].share = Share::from_basis_points(8000);
    let f = forecast(&short, &spend(2025, FLAT_TO_OCTOBER), ymd(2025, 10, 31));
    let p = f.projection().expect("history enough");
    // (80% − 75%) ÷ 80% ahead: weight 2 × 1/16 = 1/8; on plan 90,000 + 7,500.
    assert_eq!(p.plan_weight, 0.125);
    assert_eq!(p.year_end.on_plan, Money::from_fen(9_750_000));
    // The plan's end is 80%, but the high end still reaches for the whole budget.
    assert!(p.year_end.spend.high > Money::from_fen(14_000_000), "{p:?}");
}

#[test]
fn over_budget_already_projects_what_is_spent() {
    let entries = &[(1, 10, 100_000), (2, 10, 40_000), (3, 10, 20_000)];
    let f = forecast(&fund(2025), &spend(2025, entries), ymd(2025, 4, 30));
    let p = f.projection().expect("history enough");
    for point in &p.points {
        assert_eq!(point.spend.low, Money::from_fen(16_000_000), "{point:?}");
        assert_eq!(point.spend.high, Money::from_fen(16_000_000), "{point:?}");
    }
    assert_eq!(p.unspent.high, Money::ZERO);
}

#[test]
fn spending_after_the_as_of_day_is_not_seen() {
    let mut entries = FLAT.to_vec();
    entries.push((7, 20, 90_000));
    let with_later = forecast(&fund(2025), &spend(2025, &entries), ymd(2025, 6, 30));
    let without = forecast(&fund(2025), &spend(2025, FLAT), ymd(2025, 6, 30));
    assert_eq!(with_later, without);
}

#[test]
fn round_div_in_64_bits_is_round_div_in_128() {
    // The rule as first written, all in 128 bits.
    fn wide(n: i128, d: i128) -> i64 {
        if d == 0 {
            return 0;
        }
        let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
        let q = if n >= 0 {
            (n + d / 2) / d
        } else {
            (n - d / 2) / d
        };
        i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
    }
    let edges: Vec<i128> = [0, 1, 2, 3, 7, 100, 365, 366, 10_000, 1 << 31, 1 << 62]
        .into_iter()
        .flat_map(|x: i128| [x, -x, x - 1, x + 1, -x - 1])
        .chain([
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            i128::from(i64::MAX) + 1,
            i128::from(i64::MIN) - 1,
            i128::from(i64::MAX) * 3,
            i128::from(i64::MIN) * 3,
        ])
        .collect();
    for &n in &edges {
        for &d in &edges {
            assert_eq!(round_div(n, d), wide(n, d), "{n} / {d}");
        }
    }
    // And a million pairs of every size, from a fixed xorshift sequence.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..1_000_000 {
        let (a, b, shift) = (next(), next(), next());
        let n = i128::from(a as i64) >> (shift % 64);
        let d = i128::from(b as i64) >> ((shift >> 8) % 64);
        assert_eq!(round_div(n, d), wide(n, d), "{n} / {d}");
    }
}

#[test]
fn mul_div_rounds_half_up_and_away_from_zero() {
    assert_eq!(mul_div(5, &[1], &[2]), 3);
    assert_eq!(mul_div(-5, &[1], &[2]), -3);
    assert_eq!(mul_div(4, &[1], &[3]), 1);
    assert_eq!(
        mul_div(1_000_000_000_000_000, &[3_660_000, 366], &[366, 3_660_000]),
        1_000_000_000_000_000
    );
    // (on_plan, pace, run, weight on on_plan): 30% pace + 70% run when the weight is 0.
    assert_eq!(central_of(10, 20, 30, (0, 1)), 27);
    assert_eq!(central_of(10, 20, 30, (1, 1)), 10);
    // 0.5 × 10 + 0.5 × 27 = 18.5, half-up.
    assert_eq!(central_of(10, 20, 30, (1, 2)), 19);
    assert_eq!(central_of(-10, -20, -30, (1, 2)), -19);
}
