//! The catch-up schedule of a fund (补齐计划): for each milestone still ahead and not met, what
//! must still be spent by its day, spread over the months (and, before a milestone due within
//! [`WEEKS_WITHIN_DAYS`] days, the weeks) left until it, exact to the 分 (README, "Forecast
//! and catch-up schedule").
//!
//! Pure: it reads a [`FundReport`] and returns data.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::evaluate::{FundReport, MilestoneStatus, still_to_spend};
use super::forecast::month_end;
use super::fund::Fund;
use super::money::Money;

/// The next milestone is "in its last month" when it is at most this many days ahead: its part
/// is then also given per week.
pub const WEEKS_WITHIN_DAYS: i64 = 31;

/// A fund's catch-up schedule on the as-of day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatchUp {
    /// The day of the report.
    pub as_of: NaiveDate,
    /// spent(t), in 分.
    pub spent: Money,
    /// The shortfall of the latest milestone already passed and not caught up
    /// (max(0, its target − spent(t)), in 分). It is not a step of its own: it is part of the
    /// first step's amount, since every later target includes it.
    pub overdue: Money,
    /// The milestones still ahead (due on or after the as-of day) and not met, in date order;
    /// empty when every milestone is met or passed.
    pub steps: Vec<CatchUpStep>,
}

/// One milestone of the schedule; amounts in 分.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatchUpStep {
    /// The milestone's day.
    pub date: NaiveDate,
    /// Its target (budget × share, half-up).
    pub target: Money,
    /// max(0, target − spent(t)): what must still be spent by `date`.
    pub still_to_spend: Money,
    /// Days from the as-of day to `date` (0: due today).
    pub days_left: i64,
    /// What this step adds to the previous step's `still_to_spend` (the first step: all of its
    /// own): the amount spread over `months` and `weeks`.
    pub increment: Money,
    /// The first day of this step's span: the day after the as-of day for the first step (the
    /// as-of day itself when the milestone is due today), else the day after the previous
    /// step's milestone; never before 01-01 of the fund's year.
    pub from: NaiveDate,
    /// `increment` spread over the calendar months of `from ..= date`, in proportion to their
    /// days in the span (for the first step, after `overdue`, which the first month carries
    /// whole); the parts add up to `increment` exactly.
    pub months: Vec<Part>,
    /// For the first step when due within [`WEEKS_WITHIN_DAYS`] days: `increment` spread over
    /// the calendar weeks (Monday to Sunday) of the span, likewise; else empty.
    pub weeks: Vec<Part>,
}

/// A share of a step's amount over a period: a calendar month or week cut to the step's span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The first day of the period within the span.
    pub from: NaiveDate,
    /// The last day of the period within the span.
    pub to: NaiveDate,
    /// To be spent in `from ..= to`, in 分.
    pub amount: Money,
}

impl Part {
    /// The calendar year of the period's first day.
    pub fn year(&self) -> i32 {
        self.from.year()
    }

    /// The calendar month (1–12) of the period's first day.
    pub fn month(&self) -> u32 {
        self.from.month()
    }

    /// Days in the period.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

impl CatchUp {
    /// The schedule by calendar month across all steps: a month shared by two steps (a
    /// milestone mid-month) is one part with both amounts, from the first step's first day in
    /// it to the last step's last day. The parts add up to the last step's `still_to_spend`.
    pub fn months(&self) -> Vec<Part> {
        let mut out: Vec<Part> = Vec::new();
        for part in self.steps.iter().flat_map(|s| &s.months) {
            match out.last_mut() {
                Some(last) if (last.year(), last.month()) == (part.year(), part.month()) => {
                    last.to = part.to;
                    last.amount = last.amount.saturating_add(part.amount);
                }
                _ => out.push(*part),
            }
        }
        out
    }

    /// The total still to be spent by the last milestone of the schedule (0 when none).
    pub fn total(&self) -> Money {
        self.steps.last().map_or(Money::ZERO, |s| s.still_to_spend)
    }
}

/// The catch-up schedule of `fund` from its `report` on the report's as-of day.
///
/// Each milestone with `days_left ≥ 0` and not met is a step. Its `still_to_spend` is
/// max(0, target − spent(t)), so a missed milestone's shortfall is folded into the next one.
/// Its `increment` (still_to_spend less the previous step's) is spread over its span: each
/// period's part is ⌊increment × period days ÷ span days⌋, and the 分 left over (fewer than the
/// number of periods) go one each to the earliest periods, so that money is asked for sooner.
/// What a passed milestone still lacks (`overdue`) is not spread: it is due at once, so the
/// first step's first month (and first week) carries all of it, besides its share of the rest.
///
/// ```
/// use chrono::NaiveDate;
/// use spendwatch::core::{
///     DailySpend, Fund, Milestone, Money, Policy, Share, catch_up, evaluate,
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
/// let spend = DailySpend::from_amounts(vec![(day(3, 15), Money::parse("20,000.00")?)]);
/// let report = evaluate(&fund, &spend, day(4, 30), Policy::default());
/// let plan = catch_up(&fund, &report);
/// // 30,000 元 by 06-30 over May (31 days) and June (30 days) of a 61-day span.
/// let june = &plan.steps[0];
/// assert_eq!(june.still_to_spend.grouped(), "30,000.00");
/// let months: Vec<String> = june.months.iter().map(|p| p.amount.grouped()).collect();
/// assert_eq!(months, ["15,245.91", "14,754.09"]);
/// assert!(june.weeks.is_empty()); // 61 days ahead: no weekly parts yet
/// // Then 50,000 元 more by 12-31, July to December.
/// assert_eq!(plan.steps[1].increment.grouped(), "50,000.00");
/// assert_eq!(plan.total().grouped(), "80,000.00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn catch_up(fund: &Fund, report: &FundReport) -> CatchUp {
    let as_of = report.as_of;
    let overdue = report
        .milestones
        .iter()
        .rev()
        .find(|m| m.days_left < 0)
        .map_or(Money::ZERO, |m| still_to_spend(m.target, report.spent));

    let mut steps: Vec<CatchUpStep> = Vec::new();
    for m in report
        .milestones
        .iter()
        .filter(|m| m.days_left >= 0 && m.status != MilestoneStatus::Met)
    {
        let date = m.milestone.date;
        let need = still_to_spend(m.target, report.spent);
        let (from, before) = match steps.last() {
            Some(prev) => (next_day(prev.date), prev.still_to_spend),
            None if date == as_of => (as_of, Money::ZERO),
            None => (next_day(as_of), Money::ZERO),
        };
        let from = from.max(fund.first_day()).min(date);
        let increment = need.saturating_sub(before).max(Money::ZERO);
        // What a passed milestone still lacks is due at once: it goes in the first period,
        // and only the rest of the first step is spread.
        let at_once = if steps.is_empty() {
            overdue.min(increment)
        } else {
            Money::ZERO
        };
        let weeks = if steps.is_empty() && m.days_left <= WEEKS_WITHIN_DAYS {
            spread_after(at_once, increment, &weeks_of(from, date))
        } else {
            Vec::new()
        };
        steps.push(CatchUpStep {
            date,
            target: m.target,
            still_to_spend: need,
            days_left: m.days_left,
            increment,
            from,
            months: spread_after(at_once, increment, &months_of(from, date)),
            weeks,
        });
    }
    CatchUp {
        as_of,
        spent: report.spent,
        overdue,
        steps,
    }
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

/// The calendar months of `from ..= to`, each cut to the span.
fn months_of(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = month_end(start.year(), start.month()).unwrap_or(to).min(to);
        out.push((start, end));
        start = match end.succ_opt() {
            Some(next) => next,
            None => break,
        };
    }
    out
}

/// The calendar weeks (Monday to Sunday) of `from ..= to`, each cut to the span.
fn weeks_of(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let to_sunday = u64::from(6 - start.weekday().num_days_from_monday());
        let sunday = start.checked_add_days(Days::new(to_sunday)).unwrap_or(to);
        debug_assert_eq!(sunday.weekday(), Weekday::Sun);
        let end = sunday.min(to);
        out.push((start, end));
        start = match end.succ_opt() {
            Some(next) => next,
            None => break,
        };
    }
    out
}

/// `at_once` in the first period, and the rest of `amount` spread over all of `periods` by
/// [`spread`].
fn spread_after(at_once: Money, amount: Money, periods: &[(NaiveDate, NaiveDate)]) -> Vec<Part> {
    let mut parts = spread(amount.saturating_sub(at_once), periods);
    if let Some(first) = parts.first_mut() {
        first.amount = first.amount.saturating_add(at_once);
    }
    parts
}

/// Spreads `amount` over `periods` in proportion to their days: each part is the floor of its
/// share, and the 分 left over go one each to the earliest parts.
fn spread(amount: Money, periods: &[(NaiveDate, NaiveDate)]) -> Vec<Part> {
    let days = |(from, to): &(NaiveDate, NaiveDate)| i128::from((*to - *from).num_days() + 1);
    let total_days: i128 = periods.iter().map(days).sum();
    if total_days <= 0 {
        return Vec::new();
    }
    let whole = i128::from(amount.fen());
    let mut parts: Vec<i128> = periods
        .iter()
        .map(|p| whole * days(p) / total_days)
        .collect();
    let mut left = whole - parts.iter().sum::<i128>();
    for part in &mut parts {
        if left <= 0 {
            break;
        }
        *part += 1;
        left -= 1;
    }
    periods
        .iter()
        .zip(parts)
        .map(|(&(from, to), fen)| Part {
            from,
            to,
            amount: Money::from_fen(i64::try_from(fen).unwrap_or(i64::MAX)),
        })
        .collect()
}

#[cfg(test)]
mod tests;
