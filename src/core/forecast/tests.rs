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
    /// The 12-31 point: (low, central, high) and (by_pace, by_run_rate), in 分.
    YearEnd {
        spend: (i64, i64, i64),
        ends: (i64, i64),
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
            // S = 60,000, P(t) = 75,000: pace 0.8, so pace(12-31) = 120,000. The window
            // (04-01, 06-30] holds 30,000 over 90 days; 184 days remain:
            // run = 60,000 + 30,000 × 184 ÷ 90 = 121,333.33. Central: 30% pace + 70% run, half-up.
            name: "flat history",
            year: 2025,
            entries: FLAT,
            as_of: ymd(2025, 6, 30),
            want: Want::YearEnd {
                spend: (12_000_000, 12_093_333, 12_133_333),
                ends: (12_000_000, 12_133_333),
            },
        },
        Row {
            // S = 21,000: pace 0.28, pace(12-31) = 42,000; window 15,000:
            // run = 21,000 + 15,000 × 184 ÷ 90 = 51,666.67.
            name: "back-loaded history",
            year: 2025,
            entries: BACK_LOADED,
            as_of: ymd(2025, 6, 30),
            want: Want::YearEnd {
                spend: (4_200_000, 4_876_667, 5_166_667),
                ends: (4_200_000, 5_166_667),
            },
        },
        Row {
            // The window nets −5,000: the run-rate is 0, not negative, and the run end stays
            // at S = 25,000; pace 1/3 of 150,000 = 50,000.
            name: "a reversal in the window",
            year: 2025,
            entries: REVERSED,
            as_of: ymd(2025, 6, 30),
            want: Want::YearEnd {
                spend: (2_500_000, 3_250_000, 5_000_000),
                ends: (5_000_000, 2_500_000),
            },
        },
        Row {
            // 50,000 by 03-31 against a plan of 37,500: both ends pass the budget, which caps
            // them (pace 200,000; run 50,000 + 50,000 × 275 ÷ 90).
            name: "ahead of plan",
            year: 2025,
            entries: AHEAD,
            as_of: ymd(2025, 3, 31),
            want: Want::YearEnd {
                spend: (15_000_000, 15_000_000, 15_000_000),
                ends: (15_000_000, 15_000_000),
            },
        },
        Row {
            // 2024: 03-31 is day 91, so the 90-day window is (01-01, 03-31] and leaves out
            // 01-01's 1,000: run = 15,000 + 14,000 × 275 ÷ 90 = 57,777.78 (275 days to 12-31 of
            // a 366-day year); pace 15,000 ÷ 37,500 = 0.4, so 60,000.
            name: "leap year",
            year: 2024,
            entries: LEAP,
            as_of: ymd(2024, 3, 31),
            want: Want::YearEnd {
                spend: (5_777_778, 5_844_445, 6_000_000),
                ends: (6_000_000, 5_777_778),
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
        PACE_WEIGHT_PERCENT, 30,
        "the central values are worked for a 30% pace weight"
    );
    for row in rows() {
        let f = forecast(&fund(row.year), &spend(row.year, row.entries), row.as_of);
        let name = row.name;
        match (&row.want, &f.outlook) {
            (Want::YearEnd { spend, ends }, Outlook::Projected(p)) => {
                let y = &p.year_end;
                assert_eq!(y.date, ymd(row.year, 12, 31), "{name}");
                assert_eq!(
                    (y.spend.low.fen(), y.spend.central.fen(), y.spend.high.fen()),
                    *spend,
                    "{name}: 12-31 low, central, high"
                );
                assert_eq!(
                    (y.by_pace.fen(), y.by_run_rate.fen()),
                    *ends,
                    "{name}: the two ends"
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
                let mut before = f.spent;
                for point in &p.points {
                    assert!(
                        point.spend.low >= f.spent && point.spend.high <= cap,
                        "{name}"
                    );
                    assert!(point.spend.low <= point.spend.central, "{name}");
                    assert!(point.spend.central <= point.spend.high, "{name}");
                    assert!(point.spend.low >= before, "{name}: {point:?}");
                    before = point.spend.low;
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
    // 10-31: pace 0.8 × 112,500 = 90,000; run 60,000 + 30,000 × 123 ÷ 90 = 101,000.
    assert_eq!(october.by_pace, Money::from_fen(9_000_000));
    assert_eq!(october.by_run_rate, Money::from_fen(10_100_000));
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
fn mul_div_rounds_half_up_and_away_from_zero() {
    assert_eq!(mul_div(5, &[1], &[2]), 3);
    assert_eq!(mul_div(-5, &[1], &[2]), -3);
    assert_eq!(mul_div(4, &[1], &[3]), 1);
    assert_eq!(
        mul_div(1_000_000_000_000_000, &[3_660_000, 366], &[366, 3_660_000]),
        1_000_000_000_000_000
    );
    assert_eq!(central_of(1, 2, 50), 2);
    assert_eq!(central_of(10, 20, 30), 17);
}
