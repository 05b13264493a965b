//! The monthly digest's arithmetic (月度通报): which calendar month a digest covers, what a
//! fund spent in it, and how the funds rank against 序时 and against their average.
//!
//! A digest made on any day of a month covers the month before, whole: the bureau's 通报 of
//! early August reports July. The schedule decides the day (the 1st by default, whatever the
//! weekday): the period follows from that day alone, so a digest sent late (the daemon was
//! down) or by hand mid-month still reports the month before, never a part of a month.

use chrono::{Datelike, NaiveDate};

use super::{DailySpend, Money};

/// A calendar month reported by a digest: `first ..= last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// Its first day (the 1st).
    pub first: NaiveDate,
    /// Its last day (28th to 31st).
    pub last: NaiveDate,
}

impl Period {
    /// The month `year`-`month`; `None` for a month that does not exist (13, or beyond
    /// chrono's range).
    pub fn month(year: i32, month: u32) -> Option<Period> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        Some(Period {
            first,
            last: next.pred_opt()?,
        })
    }

    /// The period a digest made on `day` covers: the calendar month before `day`'s month
    /// (2025-08-01 and 2025-08-17 → July 2025; 2026-01-01 → December 2025).
    pub fn reported_on(day: NaiveDate) -> Period {
        let first_of_month = day.with_day(1).unwrap_or(day);
        let last = first_of_month.pred_opt().unwrap_or(first_of_month);
        Period {
            first: last.with_day(1).unwrap_or(last),
            last,
        }
    }

    /// Its year.
    pub fn year(&self) -> i32 {
        self.first.year()
    }

    /// Its month, 1 to 12.
    pub fn month_number(&self) -> u32 {
        self.first.month()
    }

    /// Its key in the database and the logs: `2025-07`.
    pub fn key(&self) -> String {
        format!("{:04}-{:02}", self.year(), self.month_number())
    }

    /// The period of a key written by [`Period::key`]; `None` for anything else.
    pub fn parse_key(key: &str) -> Option<Period> {
        let (y, m) = key.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        Period::month(y.parse().ok()?, m.parse().ok()?)
    }

    /// The days of the period, 28 to 31.
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }
}

/// What was spent within `period`: spent(last day) − spent(the day before the first), in 分
/// (negative when reversals outweigh the month's payments).
pub fn spent_in(spend: &DailySpend, period: Period) -> Money {
    let before = period
        .first
        .pred_opt()
        .map_or(Money::ZERO, |d| spend.spent_through(d));
    spend.spent_through(period.last).saturating_sub(before)
}

/// One fund's figures at the end of a period, as the ranking needs them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// Its budget, in 分.
    pub budget: Money,
    /// spent(period's last day), in 分.
    pub spent: Money,
    /// 执行率 on that day, a fraction.
    pub execution_rate: f64,
    /// 序时进度 on that day, a fraction.
    pub time_rate: f64,
    /// The 序时 amount on that day (budget × time_rate), in 分.
    pub time_amount: Money,
}

impl Standing {
    /// The gap to 序时 in percentage points: (执行率 − 序时进度) × 100; negative: behind.
    pub fn gap_points(&self) -> f64 {
        (self.execution_rate - self.time_rate) * 100.0
    }

    /// The gap to 序时 in 分: spent − the 序时 amount; negative: behind.
    pub fn gap_amount(&self) -> Money {
        self.spent.saturating_sub(self.time_amount)
    }
}

/// The order of a 通报's table: the funds (indexes into `funds`) by their gap to 序时 in
/// points, the furthest behind first; on equal gaps the larger budget first (more money is
/// held back), then the order given.
pub fn rank(funds: &[Standing]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..funds.len()).collect();
    order.sort_by(|&a, &b| {
        funds[a]
            .gap_points()
            .total_cmp(&funds[b].gap_points())
            .then(funds[b].budget.cmp(&funds[a].budget))
            .then(a.cmp(&b))
    });
    order
}

/// The figures of all funds together: the department's 执行率 against its 序时.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overall {
    /// Σ budget, in 分.
    pub budget: Money,
    /// Σ spent, in 分.
    pub spent: Money,
    /// Σ spent ÷ Σ budget, a fraction (0 without budget).
    pub execution_rate: f64,
    /// Σ 序时 amount ÷ Σ budget, a fraction: the budget-weighted 序时进度 (the same as each
    /// fund's when all share a year).
    pub time_rate: f64,
    /// The 平均执行率 a 通报 compares each fund with: the department's own, Σ spent ÷ Σ
    /// budget (the overview chart's average row is the same), a fraction. `None` without
    /// funds or budget.
    pub average_rate: Option<f64>,
}

impl Overall {
    /// The department's gap to 序时 in points: (执行率 − 序时进度) × 100.
    pub fn gap_points(&self) -> f64 {
        (self.execution_rate - self.time_rate) * 100.0
    }

    /// How far `fund`'s 执行率 is above the average, in points (negative: below); `None`
    /// without an average.
    pub fn against_average(&self, fund: &Standing) -> Option<f64> {
        self.average_rate
            .map(|avg| (fund.execution_rate - avg) * 100.0)
    }
}

/// The department's figures from its funds' standings.
pub fn overall(funds: &[Standing]) -> Overall {
    let budget = funds
        .iter()
        .fold(Money::ZERO, |s, f| s.saturating_add(f.budget));
    let spent = funds
        .iter()
        .fold(Money::ZERO, |s, f| s.saturating_add(f.spent));
    let time_amount = funds
        .iter()
        .fold(Money::ZERO, |s, f| s.saturating_add(f.time_amount));
    let ratio = |m: Money| {
        if budget > Money::ZERO {
            m.fen() as f64 / budget.fen() as f64
        } else {
            0.0
        }
    };
    // One average in the whole 通报: the summary's 总体执行率, which the chart's average row
    // shows too (a plain mean of the rates would let a small fund weigh as much as a large one).
    let average_rate = (!funds.is_empty() && budget > Money::ZERO).then(|| ratio(spent));
    Overall {
        budget,
        spent,
        execution_rate: ratio(spent),
        time_rate: ratio(time_amount),
        average_rate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn a_digest_covers_the_month_before_its_day() {
        let july = Period::reported_on(ymd(2025, 8, 1));
        assert_eq!((july.first, july.last), (ymd(2025, 7, 1), ymd(2025, 7, 31)));
        assert_eq!(july.key(), "2025-07");
        // Mid-month by hand: still the whole month before.
        assert_eq!(Period::reported_on(ymd(2025, 8, 17)), july);
        assert_eq!(Period::reported_on(ymd(2025, 8, 31)), july);
        // The last day of a month is still that month's day: the month before it.
        assert_eq!(Period::reported_on(ymd(2025, 7, 31)).key(), "2025-06");
    }

    #[test]
    fn a_weekend_first_is_no_special_case() {
        // 2025-11-01 is a Saturday, 2026-02-01 a Sunday: the period is the month before all
        // the same (the schedule decides when it is sent, not the weekday).
        assert_eq!(ymd(2025, 11, 1).weekday(), chrono::Weekday::Sat);
        let october = Period::reported_on(ymd(2025, 11, 1));
        assert_eq!(
            (october.first, october.last),
            (ymd(2025, 10, 1), ymd(2025, 10, 31))
        );
        assert_eq!(ymd(2026, 2, 1).weekday(), chrono::Weekday::Sun);
        assert_eq!(Period::reported_on(ymd(2026, 2, 1)).key(), "2026-01");
    }

    #[test]
    fn across_a_year_end() {
        let december = Period::reported_on(ymd(2026, 1, 1));
        assert_eq!(
            (december.first, december.last),
            (ymd(2025, 12, 1), ymd(2025, 12, 31))
        );
        assert_eq!(december.key(), "2025-12");
        assert_eq!(Period::reported_on(ymd(2026, 1, 20)), december);
        assert_eq!(Period::month(2025, 12), Some(december));
        assert_eq!(Period::month(2025, 13), None);
    }

    #[test]
    fn february_of_leap_and_common_years() {
        let leap = Period::reported_on(ymd(2024, 3, 1));
        assert_eq!((leap.first, leap.last), (ymd(2024, 2, 1), ymd(2024, 2, 29)));
        assert_eq!(leap.days(), 29);
        let common = Period::reported_on(ymd(2025, 3, 15));
        assert_eq!(common.last, ymd(2025, 2, 28));
        assert_eq!(common.days(), 28);
        assert_eq!(Period::month(2100, 2).map(|p| p.days()), Some(28));
        assert_eq!(Period::month(2000, 2).map(|p| p.days()), Some(29));
    }

    #[test]
    fn keys_round_trip_and_nothing_else_parses() {
        for p in [
            Period::reported_on(ymd(2025, 8, 1)),
            Period::reported_on(ymd(2026, 1, 1)),
        ] {
            assert_eq!(Period::parse_key(&p.key()), Some(p));
        }
        for bad in ["2025-7", "2025-13", "25-07", "2025/07", "", "2025-07-01"] {
            assert_eq!(Period::parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_month_spend_is_the_difference_of_the_running_totals() {
        let spend = DailySpend::from_amounts(vec![
            (ymd(2025, 6, 30), Money::from_fen(10_000)),
            (ymd(2025, 7, 1), Money::from_fen(2_500)),
            (ymd(2025, 7, 31), Money::from_fen(1_000)),
            (ymd(2025, 7, 15), Money::from_fen(-700)),
            (ymd(2025, 8, 1), Money::from_fen(99_999)),
        ]);
        let july = Period::reported_on(ymd(2025, 8, 1));
        assert_eq!(spent_in(&spend, july), Money::from_fen(2_800));
        let june = Period::reported_on(ymd(2025, 7, 1));
        assert_eq!(spent_in(&spend, june), Money::from_fen(10_000));
        // Only a reversal in the month: a negative month.
        let only_reversal = DailySpend::from_amounts(vec![
            (ymd(2025, 5, 2), Money::from_fen(5_000)),
            (ymd(2025, 6, 2), Money::from_fen(-1_000)),
        ]);
        assert_eq!(spent_in(&only_reversal, june), Money::from_fen(-1_000));
    }

    fn standing(budget: i64, spent: i64, time_rate: f64) -> Standing {
        let time_amount = (budget as f64 * time_rate).round() as i64;
        Standing {
            budget: Money::from_fen(budget),
            spent: Money::from_fen(spent),
            execution_rate: spent as f64 / budget as f64,
            time_rate,
            time_amount: Money::from_fen(time_amount),
        }
    }

    #[test]
    fn funds_rank_by_their_gap_to_the_time_line_laggards_first() {
        // 序时 0.5 for all: A 40% (−10 points), B 55% (+5), C 20% (−30), D 40% with a larger
        // budget than A (−10, before A), E 60% (+10).
        let funds = [
            standing(100_000, 40_000, 0.5),
            standing(200_000, 110_000, 0.5),
            standing(50_000, 10_000, 0.5),
            standing(300_000, 120_000, 0.5),
            standing(10_000, 6_000, 0.5),
        ];
        assert_eq!(rank(&funds), vec![2, 3, 0, 1, 4]);
        assert!((funds[2].gap_points() - -30.0).abs() < 1e-9);
        assert_eq!(funds[2].gap_amount(), Money::from_fen(-15_000));
        assert_eq!(funds[1].gap_amount(), Money::from_fen(10_000));
        // A fund of another year (序时 1.0, closed) at 90% is 10 points behind: by points,
        // not by rate alone.
        let mixed = [
            standing(100_000, 45_000, 0.5),
            standing(100_000, 90_000, 1.0),
        ];
        assert_eq!(rank(&mixed), vec![1, 0]);
        assert!(rank(&[]).is_empty());
    }

    #[test]
    fn the_overall_rate_and_the_average_of_the_funds() {
        let funds = [
            standing(100_000, 40_000, 0.5),
            standing(300_000, 120_000, 0.5),
            standing(100_000, 70_000, 0.5),
        ];
        let all = overall(&funds);
        assert_eq!(all.budget, Money::from_fen(500_000));
        assert_eq!(all.spent, Money::from_fen(230_000));
        // 230,000 ÷ 500,000 = 46%; 序时 (50,000 + 150,000 + 50,000) ÷ 500,000 = 50%.
        assert_eq!(all.execution_rate, 0.46);
        assert_eq!(all.time_rate, 0.5);
        assert!((all.gap_points() - -4.0).abs() < 1e-9);
        // The average is the money's: 46%, not the (40% + 40% + 70%) ÷ 3 = 50% of a plain
        // mean, in which the small third fund would weigh as much as the large second.
        let avg = all.average_rate.expect("average");
        assert!((avg - 0.46).abs() < 1e-12, "{avg}");
        let below = all.against_average(&funds[0]).expect("compared");
        assert!((below - -6.0).abs() < 1e-9, "{below}");
        let above = all.against_average(&funds[2]).expect("compared");
        assert!((above - 24.0).abs() < 1e-9, "{above}");
        let none = overall(&[]);
        assert_eq!(none.execution_rate, 0.0);
        assert_eq!(none.average_rate, None);
    }
}
