//! The forecast of a fund (预计执行): where its spending is heading by each remaining milestone
//! and by 12-31, as a range with a central value, from its spending so far (README, "Forecast and
//! catch-up schedule").
//!
//! The plan is the prior: government spending is back-loaded and the plan (25/50/75/100% …)
//! already says by how much. Three references extrapolate the fund: the *pace* end keeps the
//! fund's ratio to the plan so far for the rest of the plan's curve; the *run-rate* end continues
//! the spending of the last [`RUN_RATE_WINDOW_DAYS`] days at the same speed; *on plan from now*
//! spends the rest of the plan as planned (the gap so far stays, it does not widen). The central
//! value leans on "on plan from now" while much of the plan is still ahead and on the two ends of
//! the fund's own history as the year runs out ([`PLAN_WEIGHT_SCALE_PERCENT`]). The range around
//! it was calibrated on generated years so that the real year end falls inside it about four
//! times in five ([`LOW_MARGIN_PERCENT`], [`HIGH_REACH_PERCENT`]). Nothing is allowed below what
//! is already spent nor above the budget. A fund with too little history gets no number at all
//! ([`Insufficient`]), and a closed year gets its actual figures.
//!
//! Pure: the fund, its daily spend and the day come in, data goes out; no clock, no I/O.

use chrono::NaiveDate;

use super::evaluate::plan_fraction;
use super::fund::{DailySpend, Fund, Milestone};
use super::money::Money;

/// The run-rate end looks at the spending of this many days, ending on the as-of day (fewer
/// when the year is younger: the window never reaches into the previous year).
pub const RUN_RATE_WINDOW_DAYS: i64 = 90;

/// No forecast before this day (month, day) of the fund's year: two months of spending is the
/// least that says anything about a year whose first quarter is slow, and it leaves the 03-31
/// forecast (the first milestone of the usual plan) possible.
pub const FIRST_FORECAST_DAY: (u32, u32) = (3, 1);

/// No forecast from fewer days with spending (days whose entries net to non-zero, on or before
/// the as-of day): one or two payments are a date, not a pace.
pub const MIN_SPENDING_DAYS: u32 = 3;

/// Within the fund's own history, the two ends are mixed as `PACE_WEIGHT_PERCENT`% of the pace end
/// plus the rest of the run-rate end. The backtest's refit on its tuning years gives 20% with
/// the same error to 0.01 point, so the weight first chosen stays (README).
pub const PACE_WEIGHT_PERCENT: i64 = 30;

/// The central value's weight on "on plan from now" is `min(1, PLAN_WEIGHT_SCALE_PERCENT ÷ 100 ×
/// the share of the plan still ahead)`, the rest on the mix of the two ends: all of it while half
/// of the plan or more is ahead (to 06-30 of the usual plan), half at 10-31, none at 12-31. 200%
/// had the least error on the backtest's tuning years (README).
pub const PLAN_WEIGHT_SCALE_PERCENT: i64 = 200;

/// The low end is the central value less `LOW_MARGIN_PERCENT`% of the plan's amount still due by
/// the day (P(d) − P(t)): on the backtest's tuning years, one year end in ten fell further below
/// its central value than that (README).
pub const LOW_MARGIN_PERCENT: i64 = 29;

/// The high end covers `HIGH_REACH_PERCENT`% of the way from the central value to "the whole
/// budget spent, along the plan's curve": on the backtest's tuning years, one year end in ten
/// went further than that (README).
pub const HIGH_REACH_PERCENT: i64 = 87;

/// A value with its range: `low ≤ central ≤ high`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band<T> {
    /// The lower end of the range.
    pub low: T,
    /// The forecast's best single value.
    pub central: T,
    /// The upper end of the range.
    pub high: T,
}

/// The forecast of one fund on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The day forecast from.
    pub as_of: NaiveDate,
    /// The fund's budget, in 分.
    pub budget: Money,
    /// spent(t): spending on or before `as_of` (on or before 12-31 once the year is over),
    /// in 分.
    pub spent: Money,
    /// The forecast itself, or why there is none, or the year's actual end.
    pub outlook: Outlook,
}

/// What a forecast found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outlook {
    /// The year is still open and there is history enough: the projected range.
    Projected(Projection),
    /// The year is over (`as_of` on or after 12-31 of the fund's year): its actual figures.
    Closed(YearEnd),
    /// Too little history to project anything (数据不足): why.
    Insufficient(Insufficient),
}

/// Why a fund gets no forecast (数据不足).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insufficient {
    /// The as-of day is before [`FIRST_FORECAST_DAY`] of the fund's year (or before its year).
    TooEarly {
        /// The first day a forecast can be made.
        from: NaiveDate,
    },
    /// Nothing spent on or before the as-of day (no entry, or reversals that cancel it all).
    NoSpending,
    /// Fewer than [`MIN_SPENDING_DAYS`] days with spending.
    FewSpendingDays {
        /// Days with spending so far.
        days: u32,
        /// The least needed ([`MIN_SPENDING_DAYS`]).
        needed: u32,
    },
}

/// A closed year's actual end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearEnd {
    /// spent(12-31), in 分.
    pub spent: Money,
    /// 执行率: spent ÷ budget, a fraction (above 1.0 when over budget).
    pub execution_rate: f64,
    /// 结余: max(0, budget − spent), in 分.
    pub unspent: Money,
}

/// The projected range of an open year with history enough.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// The plan's amount on the as-of day (budget × 计划进度, half-up to the 分).
    pub plan_amount: Money,
    /// spent(t) ÷ plan amount(t), a fraction (1.0 = on plan, 0.5 = half the plan's pace); `None`
    /// when the plan asks for nothing yet (then the pace end is the run-rate end).
    pub pace: Option<f64>,
    /// The run-rate window: its first day (the window is `window_from ..= as_of`).
    pub window_from: NaiveDate,
    /// Days in the window.
    pub window_days: i64,
    /// Net spending in the window, floored at 0 (reversals never make the rate negative), in 分.
    pub window_spend: Money,
    /// The central value's weight on "on plan from now" (the rest is on the mix of the two
    /// ends), a fraction from 0 to 1: `min(1, PLAN_WEIGHT_SCALE_PERCENT ÷ 100 × the share of
    /// the plan still ahead)` ([`PLAN_WEIGHT_SCALE_PERCENT`]).
    pub plan_weight: f64,
    /// The projection at every month end after the as-of day, at every remaining milestone and
    /// at 12-31 (the last point), in date order: enough for a chart, since every reference is
    /// straight between these days except where it meets the budget.
    pub points: Vec<ProjectedPoint>,
    /// The point of 12-31 (also the last of `points`).
    pub year_end: ProjectedPoint,
    /// The year-end 执行率 range: the year-end spend range ÷ budget, fractions. On the backtest's
    /// evaluation years the real year end fell within `low ..= high` about four times in five
    /// (README).
    pub execution_rate: Band<f64>,
    /// 预计结余, the money at risk of being taken back: budget − projected year-end spend,
    /// never negative, in 分. Its `low` goes with the high spend and its `high` with the low.
    pub unspent: Band<Money>,
}

/// The projection on one day after the as-of day; amounts in 分, cumulative from 01-01.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectedPoint {
    /// The day.
    pub date: NaiveDate,
    /// The milestone due on this day, if any.
    pub milestone: Option<Milestone>,
    /// The plan's amount on this day (on a milestone's day, its target).
    pub plan: Money,
    /// The pace end: plan(day) × pace, held within [spent(t), cap].
    pub by_pace: Money,
    /// The run-rate end: spent(t) + window spend ÷ window days × days ahead, held within
    /// [spent(t), cap].
    pub by_run_rate: Money,
    /// On plan from now: spent(t) + plan(day) − plan(t), held within [spent(t), cap]: the fund
    /// spends the rest of the plan as planned, keeping (not widening) its gap so far.
    pub on_plan: Money,
    /// The forecast on this day: `central` = `plan_weight` × on_plan + the rest × (
    /// [`PACE_WEIGHT_PERCENT`]% × by_pace + the rest × by_run_rate); `low` = central less
    /// [`LOW_MARGIN_PERCENT`]% of plan(day) − plan(t), never below spent(t) nor below an earlier
    /// point's `low`; `high` = central plus [`HIGH_REACH_PERCENT`]% of the way to the whole budget
    /// spent along the plan's curve. Half-up to the 分; `low ≤ central ≤ high` within
    /// [spent(t), cap].
    pub spend: Band<Money>,
}

impl Projection {
    /// The points of the remaining milestones (due after the as-of day), in date order.
    pub fn milestones(&self) -> impl Iterator<Item = &ProjectedPoint> {
        self.points.iter().filter(|p| p.milestone.is_some())
    }

    /// The run-rate in 分 per day (for display; the projection itself is computed exactly).
    pub fn daily_rate(&self) -> f64 {
        if self.window_days <= 0 {
            return 0.0;
        }
        self.window_spend.fen() as f64 / self.window_days as f64
    }
}

impl Forecast {
    /// The projection, when there is one.
    pub fn projection(&self) -> Option<&Projection> {
        match &self.outlook {
            Outlook::Projected(p) => Some(p),
            _ => None,
        }
    }
}

/// Forecasts `fund` from its `spend` on day `as_of` (README, "Forecast and catch-up schedule").
///
/// With t = `as_of`, S = spent(t), B the budget, P(d) = the plan's amount on day d, W = the net
/// spending of the window (floored at 0) and w its days, the references on a later day d are
/// `pace(d) = S × P(d) ÷ P(t)`, `run(d) = S + W × (d − t) ÷ w` and `on_plan(d) = S + P(d) −
/// P(t)`, each held within [S, max(B, S)] and rounded half-up to the 分. The central value mixes
/// them with the weight `a = min(1, 2 × (P(12-31) − P(t)) ÷ P(12-31))` on `on_plan` (see
/// [`ProjectedPoint::spend`] for the range). Milestones due on `as_of` itself are not
/// projected: their spending is known (see `evaluate`).
///
/// ```
/// use chrono::NaiveDate;
/// use spendwatch::core::{DailySpend, Fund, Milestone, Money, Outlook, Share, forecast};
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
/// // 10,000 元 at each month's 15th, January to June: 60,000 元 by 06-30.
/// let spend = DailySpend::from_amounts(
///     (1..=6).map(|m| (day(m, 15), Money::parse("10,000.00").unwrap())).collect(),
/// );
/// let f = forecast(&fund, &spend, day(6, 30));
/// let Outlook::Projected(p) = &f.outlook else { panic!("history enough") };
/// // Ahead of plan (60,000 vs 50,000 元): both ends reach the budget's cap at 12-31.
/// assert_eq!(p.pace, Some(1.2));
/// assert_eq!(p.year_end.spend.central.grouped(), "100,000.00");
/// assert_eq!(p.unspent.central, Money::ZERO);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn forecast(fund: &Fund, spend: &DailySpend, as_of: NaiveDate) -> Forecast {
    let last = fund.last_day();
    let spent = spend.spent_through(as_of.min(last));
    let outlook = if as_of >= last {
        Outlook::Closed(YearEnd {
            spent,
            execution_rate: spent.ratio_to(fund.budget),
            unspent: unspent(fund.budget, spent),
        })
    } else {
        match insufficient(fund, spend, as_of, spent) {
            Some(why) => Outlook::Insufficient(why),
            None => Outlook::Projected(project(fund, spend, as_of, spent)),
        }
    };
    Forecast {
        as_of,
        budget: fund.budget,
        spent,
        outlook,
    }
}

/// Why the open year has too little history on `as_of`, or `None` when it has enough.
fn insufficient(
    fund: &Fund,
    spend: &DailySpend,
    as_of: NaiveDate,
    spent: Money,
) -> Option<Insufficient> {
    let (month, day) = FIRST_FORECAST_DAY;
    let from = NaiveDate::from_ymd_opt(fund.year, month, day).unwrap_or(fund.first_day());
    if as_of < from {
        return Some(Insufficient::TooEarly { from });
    }
    if spent <= Money::ZERO {
        return Some(Insufficient::NoSpending);
    }
    let days = spending_days(fund, spend, as_of);
    (days < MIN_SPENDING_DAYS).then_some(Insufficient::FewSpendingDays {
        days,
        needed: MIN_SPENDING_DAYS,
    })
}

/// Days of the fund's year up to `as_of` whose entries net to non-zero (the first day's
/// against no spending at all: it counts the entries of before the year too).
fn spending_days(fund: &Fund, spend: &DailySpend, as_of: NaiveDate) -> u32 {
    spend.changed_days(fund.first_day(), as_of)
}

fn project(fund: &Fund, spend: &DailySpend, as_of: NaiveDate, spent: Money) -> Projection {
    let year_start = fund.first_day().pred_opt().unwrap_or(NaiveDate::MIN);
    let window_start = (as_of - chrono::Days::new(RUN_RATE_WINDOW_DAYS as u64)).max(year_start);
    let window_days = (as_of - window_start).num_days();
    let window_spend = spent
        .saturating_sub(spend.spent_through(window_start))
        .max(Money::ZERO);
    let budget = fund.budget.fen();
    let (num_t, den_t) = plan_fraction(fund, as_of);
    let (num_end, den_end) = plan_fraction(fund, fund.last_day());
    // The plan's share still ahead, (P(12-31) − P(t)) ÷ P(12-31) = ahead_num ÷ ahead_den.
    let ahead_num = (num_end * den_t - num_t * den_end).max(0);
    let ahead_den = num_end * den_t;
    let weight = plan_weight(ahead_num, ahead_den);
    let cap = fund.budget.max(spent);
    let hold = |m: i64| Money::from_fen(m).max(spent).min(cap);

    let at = |date: NaiveDate| {
        let (num, den) = plan_fraction(fund, date);
        let ahead = (date - as_of).num_days();
        let by_run_rate = hold(spent.fen().saturating_add(mul_div(
            window_spend.fen(),
            &[ahead],
            &[window_days.max(1)],
        )));
        // pace(d) = S × P(d) ÷ P(t), with P as exact fractions of the budget.
        let by_pace = if num_t > 0 {
            hold(mul_div(spent.fen(), &[num, den_t], &[den, num_t]))
        } else {
            by_run_rate
        };
        // P(d) − P(t) = B × due_num ÷ due_den, exactly.
        let due_num = (num * den_t - num_t * den).max(0);
        let due_den = den * den_t;
        let on_plan = hold(
            spent
                .fen()
                .saturating_add(mul_div(budget, &[due_num], &[due_den])),
        );
        let central = hold(central_of(
            on_plan.fen(),
            by_pace.fen(),
            by_run_rate.fen(),
            weight,
        ));
        let margin = mul_div(budget, &[LOW_MARGIN_PERCENT, due_num], &[100, due_den]);
        let low = hold(central.fen().saturating_sub(margin)).min(central);
        // The whole rest of the budget spent along the plan's curve: S + (cap − S) × (P(d) −
        // P(t)) ÷ (P(12-31) − P(t)); all of it when the plan has nothing left to ask.
        let room = cap.saturating_sub(spent).fen();
        let full = if ahead_num > 0 {
            spent
                .fen()
                .saturating_add(mul_div(room, &[due_num, den_end], &[den, ahead_num]))
        } else {
            cap.fen()
        };
        let reach = mul_div((full - central.fen()).max(0), &[HIGH_REACH_PERCENT], &[100]);
        let high = hold(central.fen().saturating_add(reach)).max(central);
        ProjectedPoint {
            date,
            milestone: fund.milestones.iter().find(|m| m.date == date).copied(),
            plan: Money::from_fen(mul_div(budget, &[num], &[den])),
            by_pace,
            by_run_rate,
            on_plan,
            spend: Band { low, central, high },
        }
    };
    let mut points: Vec<ProjectedPoint> =
        projection_days(fund, as_of).into_iter().map(at).collect();
    // Spending by a later day is at least the spending by an earlier one, so an earlier low
    // end bounds every later day too.
    let mut floor = spent;
    for point in &mut points {
        floor = floor.max(point.spend.low);
        point.spend.low = floor;
    }
    let year_end = points
        .last()
        .copied()
        .filter(|p| p.date == fund.last_day())
        .unwrap_or_else(|| at(fund.last_day()));
    let rate = |m: Money| m.ratio_to(fund.budget);
    Projection {
        plan_amount: Money::from_fen(mul_div(budget, &[num_t], &[den_t])),
        pace: (num_t > 0)
            .then(|| spent.fen() as f64 * den_t as f64 / (budget as f64 * num_t as f64)),
        window_from: window_start.succ_opt().unwrap_or(window_start),
        window_days,
        window_spend,
        plan_weight: weight.0 as f64 / weight.1 as f64,
        execution_rate: Band {
            low: rate(year_end.spend.low),
            central: rate(year_end.spend.central),
            high: rate(year_end.spend.high),
        },
        unspent: Band {
            low: unspent(fund.budget, year_end.spend.high),
            central: unspent(fund.budget, year_end.spend.central),
            high: unspent(fund.budget, year_end.spend.low),
        },
        points,
        year_end,
    }
}

/// The central value's weight on "on plan from now" as a fraction (numerator, denominator):
/// `min(1, PLAN_WEIGHT_SCALE_PERCENT ÷ 100 × ahead_num ÷ ahead_den)`, 0 when the plan asks for
/// nothing by 12-31.
fn plan_weight(ahead_num: i64, ahead_den: i64) -> (i64, i64) {
    if ahead_den <= 0 {
        return (0, 1);
    }
    let den = ahead_den.saturating_mul(100);
    (
        ahead_num.saturating_mul(PLAN_WEIGHT_SCALE_PERCENT).min(den),
        den,
    )
}

/// `(w × on_plan + (1 − w) × (p × pace + (1 − p) × run))` with w = `weight` and p =
/// [`PACE_WEIGHT_PERCENT`]%, half-up, exact.
fn central_of(on_plan: i64, pace: i64, run: i64, weight: (i64, i64)) -> i64 {
    let (w, den) = (i128::from(weight.0), i128::from(weight.1));
    let p = i128::from(PACE_WEIGHT_PERCENT);
    let ends = i128::from(pace) * p + i128::from(run) * (100 - p);
    round_div(w * 100 * i128::from(on_plan) + (den - w) * ends, den * 100)
}

/// The days projected: every month end after `as_of`, every milestone after it, and 12-31.
fn projection_days(fund: &Fund, as_of: NaiveDate) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = (1..=12)
        .filter_map(|month| month_end(fund.year, month))
        .chain(fund.milestones.iter().map(|m| m.date))
        .filter(|d| *d > as_of && *d <= fund.last_day())
        .collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// The last day of `month` of `year`.
pub(crate) fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    first_of_next.and_then(|d| d.pred_opt())
}

/// max(0, budget − spent).
fn unspent(budget: Money, spent: Money) -> Money {
    budget.saturating_sub(spent).max(Money::ZERO)
}

/// `amount × Π num ÷ Π den`, rounded half-up (away from zero at a half), in `i128` so that no
/// product of an amount with day counts and basis points overflows; held at the `i64` bounds.
fn mul_div(amount: i64, num: &[i64], den: &[i64]) -> i64 {
    let n = num.iter().fold(i128::from(amount), |acc, &x| {
        acc.saturating_mul(i128::from(x))
    });
    let d = den
        .iter()
        .fold(1_i128, |acc, &x| acc.saturating_mul(i128::from(x)));
    round_div(n, d)
}

/// `n ÷ d` rounded half away from zero, held at the `i64` bounds; 0 when `d` is 0.
fn round_div(n: i128, d: i128) -> i64 {
    if d == 0 {
        return 0;
    }
    let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
    let biased = if n >= 0 { n + d / 2 } else { n - d / 2 };
    // Where both fit in 64 bits, the processor divides them; a 128-bit division is a library
    // call several times slower, and `status` with 1,000 funds makes 38,000 of them. Both
    // truncate toward zero: the same quotient (a test compares the two).
    let q = match (i64::try_from(biased), i64::try_from(d)) {
        (Ok(b), Ok(d)) => i128::from(b / d),
        _ => biased / d,
    };
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

#[cfg(test)]
mod tests;
