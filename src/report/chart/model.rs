//! The numbers of the charts, exact: days and 分, computed once from a fund's snapshot. The
//! renderers ([`super::svg`], [`super::png`]) only scale and draw them.

use chrono::NaiveDate;

use crate::app::snapshot::FundSnapshot;
use crate::core::{Fund, MilestoneStatus, Money, TimeBasis};

/// How many funds [`Overview::of`] shows unless told otherwise: the 10 furthest behind 序时.
pub const DEFAULT_OVERVIEW_FUNDS: usize = 10;

/// The label of the average row of an [`Overview`] (ASCII: the image holds no Chinese text;
/// the HTML beside it says 平均).
pub const AVERAGE_LABEL: &str = "average";

/// A day's cumulative amount: spent, planned or due through the end of `day`, in 分.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The day; its amount holds at the end of it.
    pub day: NaiveDate,
    /// The cumulative amount from the start of the year, in 分.
    pub amount: Money,
}

/// A milestone as the chart marks it: its day, its target and whether it is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    /// The milestone's day.
    pub day: NaiveDate,
    /// budget × share, in 分 (the evaluation's target, to the 分).
    pub target: Money,
    /// Where it stands on the as-of day; [`Marker::met`] says met or not.
    pub status: MilestoneStatus,
}

impl Marker {
    /// Whether spending reached the target by its day (or by the as-of day, before it).
    pub fn met(&self) -> bool {
        self.status == MilestoneStatus::Met
    }

    /// Whether its day passed unmet: drawn red.
    pub fn missed(&self) -> bool {
        self.status == MilestoneStatus::Missed
    }
}

/// The forecast on one day after the as-of day, copied from the projection: cumulative spend
/// from 01-01, in 分, `low ≤ central ≤ high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastPoint {
    /// The day.
    pub day: NaiveDate,
    /// The lower end of the range.
    pub low: Money,
    /// The forecast's best single value.
    pub central: Money,
    /// The upper end of the range.
    pub high: Money,
}

/// A fund's burn-up chart (累计支出进度图) on its as-of day: everything it draws, in days and 分.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurnUp {
    /// The fund's id (from the config: escaped wherever it is written).
    pub fund_id: String,
    /// The fiscal year: the chart runs from the day before 01-01 (the origin, 0) to 12-31.
    pub year: i32,
    /// The as-of day (the report's).
    pub as_of: NaiveDate,
    /// The budget, in 分: a horizontal line.
    pub budget: Money,
    /// Cumulative spend, a step per day with entries: the origin (the day before 01-01, with
    /// the spending dated before the year, 0 for any ledger of the year), then each day of
    /// [`crate::core::DailySpend`] within the year up to the as-of day with spent(day), then
    /// the as-of day (12-31 once the year is over) with spent(as-of), the report's `spent`.
    pub spend: Vec<Point>,
    /// The plan curve: the plan's amount (budget × 计划进度, exact to the 分) on the origin, every
    /// month end and every milestone, in date order; linear between them.
    pub plan: Vec<Point>,
    /// How the 序时 line is counted.
    pub time_basis: TimeBasis,
    /// The 序时 line: budget × 序时进度 on the origin and every month end, in date order. By
    /// day it is straight; by month each month's amount holds from its first day (a
    /// staircase rising at each month's start).
    pub time: Vec<Point>,
    /// The milestones, in date order.
    pub milestones: Vec<Marker>,
    /// The forecast range at each month end after the as-of day, each remaining milestone and
    /// 12-31, from the projection; empty when there is none (too little history, a closed
    /// year). It starts from the last point of `spend`.
    pub forecast: Vec<ForecastPoint>,
}

impl BurnUp {
    /// The chart of the fund of `f` on its report's as-of day, its 序时 line counted by
    /// `time_basis` (the config's `alerts.time_basis`).
    pub fn of(f: &FundSnapshot<'_>, time_basis: TimeBasis) -> BurnUp {
        let fund = f.fund;
        let as_of = f.report.as_of;
        let origin = origin(fund);
        let end = as_of.min(fund.last_day());

        let mut spend = vec![Point {
            day: origin,
            amount: f.spend.spent_through(origin),
        }];
        spend.extend(
            f.spend
                .cumulative()
                .filter(|(day, _)| *day > origin && *day <= end)
                .map(|(day, amount)| Point { day, amount }),
        );
        if end > origin && spend.last().is_some_and(|p| p.day < end) {
            spend.push(Point {
                day: end,
                amount: f.spend.spent_through(end),
            });
        }

        let mut plan_days: Vec<NaiveDate> = month_ends(fund.year);
        plan_days.extend(fund.milestones.iter().map(|m| m.date));
        plan_days.push(origin);
        plan_days.sort_unstable();
        plan_days.dedup();
        let plan = plan_days
            .into_iter()
            .map(|day| Point {
                day,
                amount: fund.plan_amount(day),
            })
            .collect();

        let time = std::iter::once(origin)
            .chain(month_ends(fund.year))
            .map(|day| Point {
                day,
                amount: fund.time_amount(day, time_basis),
            })
            .collect();

        let milestones = f
            .report
            .milestones
            .iter()
            .map(|m| Marker {
                day: m.milestone.date,
                target: m.target,
                status: m.status,
            })
            .collect();

        let forecast = f
            .forecast
            .projection()
            .map(|p| {
                p.points
                    .iter()
                    .map(|point| ForecastPoint {
                        day: point.date,
                        low: point.spend.low,
                        central: point.spend.central,
                        high: point.spend.high,
                    })
                    .collect()
            })
            .unwrap_or_default();

        BurnUp {
            fund_id: fund.id.clone(),
            year: fund.year,
            as_of,
            budget: fund.budget,
            spend,
            plan,
            time_basis,
            time,
            milestones,
            forecast,
        }
    }

    /// The origin: the day before 01-01, where the plan and the 序时 line start from 0.
    pub fn origin(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MIN)
    }

    /// 12-31 of the year: the chart's last day.
    pub fn last_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(NaiveDate::MAX)
    }

    /// The largest amount drawn, in 分: the budget, the spend, the plan or the forecast's
    /// high end, whichever is highest (the top of the money axis covers it).
    pub fn max_amount(&self) -> Money {
        let points = self.spend.iter().chain(&self.plan).chain(&self.time);
        points
            .map(|p| p.amount)
            .chain(self.forecast.iter().map(|p| p.high))
            .chain(self.milestones.iter().map(|m| m.target))
            .fold(self.budget, Money::max)
    }
}

/// The day before 01-01 of the fund's year.
fn origin(fund: &Fund) -> NaiveDate {
    fund.first_day().pred_opt().unwrap_or(NaiveDate::MIN)
}

/// The last day of each month of `year`, January to December.
fn month_ends(year: i32) -> Vec<NaiveDate> {
    (1..=12)
        .filter_map(|month| {
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)
            };
            next.and_then(|d| d.pred_opt())
        })
        .collect()
}

/// One bar of an [`Overview`]: a fund (or the average) with its 执行率 and 序时进度.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewRow {
    /// The fund's id, or [`AVERAGE_LABEL`] (escaped wherever it is written).
    pub label: String,
    /// 执行率: spent ÷ budget, a fraction (above 1.0 when over budget).
    pub execution_rate: f64,
    /// 序时进度, a fraction of the budget.
    pub time_rate: f64,
}

impl OverviewRow {
    /// The gap to 序时 in fractions: 序时进度 − 执行率 (positive: behind).
    pub fn gap(&self) -> f64 {
        self.time_rate - self.execution_rate
    }
}

/// Many funds in one chart: the funds furthest behind 序时, and the average of all.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    /// The as-of day.
    pub as_of: Option<NaiveDate>,
    /// The funds furthest behind 序时 (largest 序时进度 − 执行率 first; ties by the config's
    /// order), at most the number asked for.
    pub funds: Vec<OverviewRow>,
    /// How many funds with data were ranked (the rows are the first of them).
    pub ranked: usize,
    /// The average of every fund with data, weighted by budget as 通报 count it: Σ spent ÷ Σ
    /// budget and Σ 序时 amount ÷ Σ budget; `None` without any fund with data.
    pub average: Option<OverviewRow>,
}

impl Overview {
    /// The `count` funds of `funds` furthest behind 序时 ([`DEFAULT_OVERVIEW_FUNDS`] is the
    /// usual count) and the average of them all. Funds without any entry are left out of both:
    /// their zeros do not mean nothing was spent ([`FundSnapshot::has_data`]).
    pub fn of(funds: &[FundSnapshot<'_>], count: usize) -> Overview {
        let with_data: Vec<&FundSnapshot<'_>> = funds.iter().filter(|f| f.has_data()).collect();
        let mut rows: Vec<OverviewRow> = with_data
            .iter()
            .map(|f| OverviewRow {
                label: f.fund.id.clone(),
                execution_rate: f.report.execution_rate,
                time_rate: f.report.time_rate,
            })
            .collect();
        // Stable: equal gaps keep the config's order.
        rows.sort_by(|a, b| b.gap().total_cmp(&a.gap()));
        let ranked = rows.len();
        rows.truncate(count);
        let budget: i128 = with_data
            .iter()
            .map(|f| i128::from(f.fund.budget.fen()))
            .sum();
        let spent: i128 = with_data
            .iter()
            .map(|f| i128::from(f.report.spent.fen()))
            .sum();
        let due: i128 = with_data
            .iter()
            .map(|f| i128::from(f.report.time_amount.fen()))
            .sum();
        let average = (budget > 0).then(|| OverviewRow {
            label: AVERAGE_LABEL.to_owned(),
            execution_rate: spent as f64 / budget as f64,
            time_rate: due as f64 / budget as f64,
        });
        Overview {
            as_of: funds.first().map(|f| f.report.as_of),
            funds: rows,
            ranked,
            average,
        }
    }
}

/// The day of the year of `day` counted from the origin (01-01 is 1, 12-31 is 365 or 366), as
/// the renderers place it.
pub(super) fn day_number(year: i32, day: NaiveDate) -> i64 {
    let origin = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MIN);
    (day - origin).num_days()
}

/// Days in `year`: 365 or 366.
pub(super) fn days_in_year(year: i32) -> i64 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

/// The first day of each month of `year` after January, as day numbers ([`day_number`]) of
/// the day before it: where each month starts on the axis.
pub(super) fn month_starts(year: i32) -> Vec<i64> {
    (1..=12)
        .filter_map(|m| NaiveDate::from_ymd_opt(year, m, 1))
        .map(|d| day_number(year, d) - 1)
        .collect()
}
