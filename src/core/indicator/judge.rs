//! Judging an indicator on a day (pure): its 完成值 so far, what it should be by now (序时应达),
//! the 全年预计完成值, the 完成目标可能性 and its state; and a fund's 双监控 light (README, "How
//! an indicator is judged").
//!
//! Every comparison with a target is exact: values are held as whole millionths of the
//! indicator's unit in `i128` (a [`Decimal`] has at most [`MAX_DECIMAL_PLACES`] = 6 digits after
//! the point, and 1 分 is 0.000001 万元), and a share of the year or of the plan stays an exact
//! fraction, so a value exactly on its target or on 序时应达 is on track and one least digit
//! short is not. Only the values shown (expected, gaps, projections) are `f64`.
//!
//! Pure: the indicator, its readings, the fund's figures and the day come in, data goes out; no
//! clock, no I/O.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::{Datelike, NaiveDate};

use super::{Actual, Comparator, Decimal, Indicator, Judgement, MAX_DECIMAL_PLACES, Pace};
use super::{Progress, Reading, Target};
use crate::core::evaluate::{plan_fraction, time_fraction};
use crate::core::forecast::{self, Band, Forecast, Outlook};
use crate::core::fund::{DailySpend, Fund};
use crate::core::level::TimeBasis;
use crate::core::money::Money;

#[cfg(test)]
mod tests;

/// The 全年预计 of a count or a level uses the figures of the last `PROJECTION_MONTHS` months
/// with a reading, and needs that many: one or two months are a date, not a pace (as
/// [`forecast::MIN_SPENDING_DAYS`] says of spending), while a quarter smooths one busy month
/// yet still follows a change of pace within the year.
pub const PROJECTION_MONTHS: usize = 3;

/// [`IndicatorOutlook::Insufficient`]: readings in fewer than [`PROJECTION_MONTHS`] months.
pub const TOO_FEW_MONTHS: &str = "完成值不足3个月";
/// [`IndicatorOutlook::Insufficient`]: no reading counted (none yet, or none in the year).
pub const NO_READING: &str = "尚无完成值";
/// [`IndicatorOutlook::Insufficient`], a ledger indicator: its fund's figures were not given.
pub const NO_FUND_FIGURES: &str = "缺少所属资金的支出数据";
/// [`IndicatorOutlook::Insufficient`], a ledger indicator whose unit is not 元 or 万元 (the
/// config refuses it; kept for an indicator built elsewhere).
pub const NOT_A_MONEY_UNIT: &str = "单位不是元或万元，无法与支出比较";
/// [`IndicatorOutlook::Insufficient`], a ledger indicator: the spending forecast starts on
/// [`forecast::FIRST_FORECAST_DAY`] (03-01).
pub const SPENDING_TOO_EARLY: &str = "3月1日前支出数据不足以预计";
/// [`IndicatorOutlook::Insufficient`], a ledger indicator: nothing spent yet.
pub const NO_SPENDING: &str = "尚无支出";
/// [`IndicatorOutlook::Insufficient`], a ledger indicator: fewer days with spending than
/// [`forecast::MIN_SPENDING_DAYS`] (3).
pub const FEW_SPENDING_DAYS: &str = "有支出的日子不足3天";

/// What judging an indicator needs besides the indicator and its readings.
#[derive(Debug, Clone, Copy)]
pub struct JudgeInputs<'a> {
    /// The as-of day.
    pub as_of: NaiveDate,
    /// The indicator's year: its fund's, or (department indicators) the config's budget year.
    pub year: i32,
    /// The 序时 basis configured for the graded warnings (`alerts.time_basis`).
    pub time_basis: TimeBasis,
    /// `indicators.stale_after` in days: a reading older than this (as-of − data day) is stale.
    pub stale_after_days: i64,
    /// The indicator's fund, for [`Pace::Plan`] and [`Progress::Ledger`]; `None` for the
    /// department's own indicators.
    pub fund: Option<FundFigures<'a>>,
}

/// A fund's figures on the as-of day, as [`judge`] needs them.
#[derive(Debug, Clone, Copy)]
pub struct FundFigures<'a> {
    /// The fund: its year, budget and plan.
    pub fund: &'a Fund,
    /// Its spending by day.
    pub spend: &'a DailySpend,
    /// Its spending forecast on the same as-of day ([`crate::core::forecast()`]).
    pub forecast: &'a Forecast,
}

/// Where an indicator stands on the as-of day. Values are in the indicator's unit (a `%`
/// indicator in percent); derived values (expected, projections, gaps) are `f64`, the
/// reported ones exact.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorReport {
    /// The indicator's id.
    pub id: String,
    /// The 完成值 so far: the sum of the monthly figures (cumulative, monthly), the latest
    /// reading (level, 定性), or the fund's spending in the indicator's unit (ledger); `None`
    /// when nothing was reported yet.
    pub actual: Option<Actual>,
    /// The day `actual` stands at: the latest reading's day, or the as-of day for a ledger
    /// indicator (12-31 once its year is over). Expected values and states are judged on this
    /// day, not the as-of day, so a July figure is not held against mid-August's 序时.
    pub data_day: Option<NaiveDate>,
    /// How many months have a reading (up to the as-of day); 0 for a ledger indicator.
    pub months_reported: u32,
    /// 序时应达: what `actual` should be on `data_day`; `None` for 定性 or without data.
    pub expected: Option<Expected>,
    /// 全年预计完成值.
    pub outlook: IndicatorOutlook,
    /// 完成目标可能性.
    pub likelihood: Likelihood,
    /// How it stands.
    pub state: IndicatorState,
    /// For a monthly indicator (月月有更新): the months (1–12) from January through the month of
    /// `data_day` with no reading above zero. Empty for other kinds, and without a reading.
    pub months_without_update: Vec<u32>,
    /// Days from `data_day` (or, with no reading at all, from 01-01 of the year) to the as-of
    /// day — to 12-31 at most — when more than the stale limit (数据未更新), for a numeric
    /// indicator that takes readings; `None` when fresh, and always for a ledger or a 定性
    /// indicator.
    pub stale_days: Option<i64>,
}

/// 序时应达: the value an indicator should have reached on its data day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    /// The value, in the indicator's unit.
    pub value: f64,
    /// What it follows: the target × 序时进度 or × the fund's 计划进度 (a count that should
    /// be at least something), or the target itself (a level, a limit).
    pub basis: ExpectedBasis,
    /// 差距: `value − actual` for an indicator that should be at least something (≥ >) or
    /// exactly something (=: negative when above), `actual − value` for one that should be at
    /// most (≤ <); positive when behind (or over a limit), in the unit.
    pub gap: f64,
}

/// What an [`Expected`] value follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedBasis {
    /// The target × the share given by the pace (序时进度 or 计划进度) on the data day, a
    /// fraction.
    Share {
        /// What the share follows: the indicator's pace, or [`Pace::Time`] for a
        /// `cumulative-plan` indicator judged without its fund's figures.
        pace: Pace,
        /// The share on the data day, as an exact fraction (numerator, denominator).
        share: (i64, i64),
    },
    /// The target itself: a level or a limit is held to it at any time.
    Target,
}

/// 全年预计完成值.
#[derive(Debug, Clone, PartialEq)]
pub enum IndicatorOutlook {
    /// A projected year-end value with its range, in the unit.
    Projected(Band<f64>),
    /// The year is over (as-of day on or after 12-31): the final value as known on the day.
    Final(Actual),
    /// 数据不足: too few readings to project, with why (one of this module's constants, in
    /// the users' words: [`TOO_FEW_MONTHS`], [`NO_READING`], [`SPENDING_TOO_EARLY`] …).
    Insufficient(&'static str),
    /// A qualitative indicator in an open year: judged, not projected.
    Judged,
}

/// 完成目标可能性, as the 监控表 asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likelihood {
    /// 确定能.
    Certain,
    /// 有可能.
    Possible,
    /// 完全不可能.
    Impossible,
}

impl Likelihood {
    /// 确定能, 有可能 or 完全不可能.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Likelihood::Certain => "确定能",
            Likelihood::Possible => "有可能",
            Likelihood::Impossible => "完全不可能",
        }
    }
}

/// How an indicator stands on its data day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorState {
    /// At or ahead of what it should be.
    OnTrack,
    /// Behind 序时应达 (or a level below its target, or a month without an update, or a 定性
    /// goal judged 基本达成 or 未达成).
    Lagging,
    /// A limit (≤ <) exceeded, or a count already past an `=` target (it cannot come back).
    Breached,
    /// Nothing reported (or a qualitative goal not judged yet).
    NoData,
}

impl IndicatorState {
    /// Whether it counts against the 双监控 light (lagging or breached).
    #[must_use]
    pub fn is_off_track(self) -> bool {
        matches!(self, IndicatorState::Lagging | IndicatorState::Breached)
    }
}

/// A fund's 双监控 light.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    /// 红: spending behind 序时, whatever the goals.
    Red,
    /// 黄: spending on track, an indicator lagging or breached.
    Yellow,
    /// 绿: both on track.
    Green,
}

impl Light {
    /// `red`, `yellow` or `green`: the JSON's and the journal's word.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Light::Red => "red",
            Light::Yellow => "yellow",
            Light::Green => "green",
        }
    }

    /// 红, 黄 or 绿.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Red => "红",
            Light::Yellow => "黄",
            Light::Green => "绿",
        }
    }
}

/// A fund's 双监控 light (the provincial platforms' rule): 红 when its spending is behind
/// 序时 (`spending_behind`), whatever its goals; otherwise 黄 when any of its indicators is
/// lagging or breached; 绿 when both are on track. Indicators without data count as on track
/// here: the caller says how many there are beside the light, so a 绿 on no data is not
/// mistaken for a 绿 on data.
#[must_use]
pub fn light(spending_behind: bool, states: impl IntoIterator<Item = IndicatorState>) -> Light {
    if spending_behind {
        Light::Red
    } else if states.into_iter().any(IndicatorState::is_off_track) {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// Judges `indicator` on `inputs.as_of` from its `readings` (README, "How an indicator is
/// judged").
///
/// `readings` are this indicator's, in any order; those dated after the as-of day or outside
/// `inputs.year` are ignored, and so is a reading of the wrong kind (a number for a 定性
/// indicator, a judgement for a numeric one, which files of readings refuse). The rules, by
/// kind of progress:
///
/// - **完成值** (`actual`): cumulative and monthly — the sum of every reading, each the figure
///   of its own month (two readings of one month, from two sources, both count); level — the
///   latest reading (on a tie of days, the less favourable of them: the lower for ≥ > =, the
///   higher for ≤ <); ledger — the fund's spending through the as-of day (12-31 once the year
///   is over), converted exactly from 分 to 元 or 万元; 定性 — the latest judgement (on a tie,
///   the worse).
/// - **Data day**: the latest counted reading's day (the as-of day, or 12-31, for a ledger
///   indicator). 序时应达 and the state are judged on it.
/// - **序时应达** (`expected`): a count that should be at least (≥ >) or exactly (=) its
///   target — cumulative, monthly, and a ledger indicator with ≥ > = — is held to target ×
///   share: 序时进度 by `inputs.time_basis` for `cumulative-time` and monthly, the fund's
///   计划进度 for `cumulative-plan` and ledger (序时进度 when no fund's figures are given). A
///   level, and any limit (≤ <), is held to the target itself.
/// - **State**: a limit (≤ <, any kind) is [`IndicatorState::Breached`] when the comparator
///   fails against the target; a level with ≥ > = is [`IndicatorState::Lagging`] when it
///   fails; a count is lagging when below target × share — and, once the share is whole (12-31
///   by day, December by month), when it fails the comparator itself (so `>` then needs more
///   than the target); a count already above an `=` target is breached (counts do not fall).
///   A monthly indicator is also lagging when a month from January to the data day's month
///   has no reading above zero. 定性: 达成 on track, 基本达成 and 未达成 lagging. No counted
///   reading: [`IndicatorState::NoData`].
/// - **全年预计** (`outlook`): [`IndicatorOutlook::Final`] from 12-31 of the year on;
///   otherwise, for a count, actual + (12 − the data day's month) × the mean of the last
///   [`PROJECTION_MONTHS`] reported months' figures, the range with their least and greatest;
///   for a level, the latest reading, the range the least and greatest of the last
///   [`PROJECTION_MONTHS`] months' readings; both need readings in that many months. A ledger
///   indicator takes the fund's year-end spending forecast, converted. 定性:
///   [`IndicatorOutlook::Judged`].
/// - **完成目标可能性** (`likelihood`): [`Likelihood::Certain`] when met for good (a count with
///   ≥ > already meeting its target; a closed year whose final value meets it; 定性 达成) or,
///   in an open year, when both ends of the projected range meet it;
///   [`Likelihood::Impossible`] only when it can no longer be met (a closed year missed; a
///   count or the fund's spending already past a limit ≤ < or an `=` target; 定性 未达成
///   judged in December, or a closed year's 未达成); [`Likelihood::Possible`] otherwise,
///   without data and with too little to project included, and for 定性 基本达成 even in a
///   closed year (the office's own word is "nearly", not "missed").
/// - **Stale** (`stale_days`): for a numeric indicator that takes readings, the days from the
///   data day to the as-of day when more than `inputs.stale_after_days`; with no reading at
///   all, counted from 01-01 of the year. The as-of day counts up to 12-31 at most: after the
///   year, staleness stays as it was at its end (December's figure, dated 12-31, is fresh).
///
/// ```
/// use chrono::NaiveDate;
/// use spendwatch::core::{
///     Actual, Comparator, Decimal, Indicator, IndicatorState, JudgeInputs, Pace, Progress,
///     Reading, Target, Tier1, Tier2, TimeBasis, judge,
/// };
///
/// let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
/// let posts = Indicator {
///     id: "yq-reports".into(),
///     fund: None,
///     tier1: Tier1::Output,
///     tier2: Tier2::Quantity,
///     name: "收集研判并上报涉及唐山舆情信息".into(),
///     comparator: Comparator::AtLeast,
///     target: Target::Number(Decimal::whole(1200)),
///     unit: "条".into(),
///     basis: None,
///     progress: Progress::Cumulative { by: Pace::Time },
///     stale_after_days: None,
/// };
/// // 100 条 each month, January to June, reported as month ends.
/// let readings: Vec<Reading> = [31, 28, 31, 30, 31, 30]
///     .iter()
///     .zip(1..)
///     .map(|(&d, m)| Reading {
///         indicator: "yq-reports".into(),
///         day: day(m, d),
///         value: Actual::Number(Decimal::whole(100)),
///         note: None,
///     })
///     .collect();
/// let inputs = JudgeInputs {
///     as_of: day(7, 10),
///     year: 2025,
///     time_basis: TimeBasis::Month,
///     stale_after_days: 35,
///     fund: None,
/// };
/// let report = judge(&posts, &readings, &inputs);
/// // 600 条 by 06-30, exactly 6/12 of 1200: on track.
/// assert_eq!(report.actual, Some(Actual::Number(Decimal::whole(600))));
/// assert_eq!(report.state, IndicatorState::OnTrack);
/// assert_eq!(report.expected.unwrap().value, 600.0);
/// ```
#[must_use]
pub fn judge(
    indicator: &Indicator,
    readings: &[Reading],
    inputs: &JudgeInputs<'_>,
) -> IndicatorReport {
    let year = Year::of(inputs);
    let counted: Vec<&Reading> = readings
        .iter()
        .filter(|r| r.day <= inputs.as_of && r.day.year() == inputs.year)
        .collect();
    match (&indicator.target, indicator.comparator, indicator.progress) {
        (Target::Text(_), ..) | (_, Comparator::Qualitative, _) => {
            judge_qualitative(indicator, &counted, year)
        }
        (Target::Number(target), c, Progress::Ledger) => {
            judge_ledger(indicator, c, micro(*target), inputs, year)
        }
        (Target::Number(target), c, progress) => judge_reported(
            indicator,
            c,
            micro(*target),
            progress,
            &counted,
            inputs,
            year,
        ),
    }
}

/// The indicator's year as the rules see it.
#[derive(Debug, Clone, Copy)]
struct Year {
    first: NaiveDate,
    /// The as-of day is on or after 12-31: values are final.
    closed: bool,
    /// The as-of day, held to 12-31 at most (what staleness and the ledger count to).
    through: NaiveDate,
}

impl Year {
    fn of(inputs: &JudgeInputs<'_>) -> Year {
        let first = NaiveDate::from_ymd_opt(inputs.year, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(inputs.year, 12, 31).unwrap_or(NaiveDate::MAX);
        Year {
            first,
            closed: inputs.as_of >= last,
            through: inputs.as_of.min(last),
        }
    }
}

/// One millionth of the unit: every [`Decimal`] is a whole number of them.
const MICRO: i128 = 1_000_000;

/// `d` in millionths of its unit.
fn micro(d: Decimal) -> i128 {
    i128::from(d.units()) * 10_i128.pow(MAX_DECIMAL_PLACES.saturating_sub(d.scale()))
}

/// Millionths back to a [`Decimal`], held within `i64` millionths (±9.2 × 10^12 in the unit,
/// beyond any count or budget).
fn decimal(m: i128) -> Decimal {
    let units = i64::try_from(m).unwrap_or(if m < 0 { i64::MIN } else { i64::MAX });
    Decimal {
        units,
        scale: MAX_DECIMAL_PLACES,
    }
    .normalised()
}

fn shown(m: i128) -> f64 {
    m as f64 / MICRO as f64
}

/// Whether `actual` meets `target` by `c` (both in millionths); 定性 never does.
fn holds(c: Comparator, actual: i128, target: i128) -> bool {
    match c {
        Comparator::AtLeast => actual >= target,
        Comparator::MoreThan => actual > target,
        Comparator::Equal => actual == target,
        Comparator::AtMost => actual <= target,
        Comparator::LessThan => actual < target,
        Comparator::Qualitative => false,
    }
}

fn is_limit(c: Comparator) -> bool {
    matches!(c, Comparator::AtMost | Comparator::LessThan)
}

/// A report with nothing known.
fn no_data(indicator: &Indicator, outlook: IndicatorOutlook) -> IndicatorReport {
    IndicatorReport {
        id: indicator.id.clone(),
        actual: None,
        data_day: None,
        months_reported: 0,
        expected: None,
        outlook,
        likelihood: Likelihood::Possible,
        state: IndicatorState::NoData,
        months_without_update: Vec::new(),
        stale_days: None,
    }
}

fn months_of<'r>(readings: impl Iterator<Item = &'r Reading>) -> u32 {
    let mut months: Vec<u32> = readings.map(|r| r.day.month()).collect();
    months.sort_unstable();
    months.dedup();
    u32::try_from(months.len()).unwrap_or(12)
}

/// 定性: the latest judgement, judged as it stands.
fn judge_qualitative(indicator: &Indicator, counted: &[&Reading], year: Year) -> IndicatorReport {
    let judged = counted.iter().filter_map(|r| match r.value {
        Actual::Judgement(j) => Some((r.day, j)),
        Actual::Number(_) => None,
    });
    // Latest day first; on a tie the worse judgement (later in `Judgement::ALL`).
    let rank = |j: Judgement| Judgement::ALL.iter().position(|x| *x == j).unwrap_or(0);
    let latest = judged.max_by_key(|(day, j)| (*day, rank(*j)));
    let months = months_of(
        counted
            .iter()
            .copied()
            .filter(|r| matches!(r.value, Actual::Judgement(_))),
    );
    let Some((day, judgement)) = latest else {
        let outlook = if year.closed {
            IndicatorOutlook::Insufficient(NO_READING)
        } else {
            IndicatorOutlook::Judged
        };
        return no_data(indicator, outlook);
    };
    let likelihood = match judgement {
        Judgement::Achieved => Likelihood::Certain,
        Judgement::NotAchieved if year.closed || day.month() == 12 => Likelihood::Impossible,
        Judgement::NotAchieved | Judgement::Mostly => Likelihood::Possible,
    };
    IndicatorReport {
        id: indicator.id.clone(),
        actual: Some(Actual::Judgement(judgement)),
        data_day: Some(day),
        months_reported: months,
        expected: None,
        outlook: if year.closed {
            IndicatorOutlook::Final(Actual::Judgement(judgement))
        } else {
            IndicatorOutlook::Judged
        },
        likelihood,
        // A goal in words is met over the year: 基本达成 in June is progress, not a lag; only
        // the year's own judgement (December on) is held against the goal.
        state: match judgement {
            Judgement::Achieved => IndicatorState::OnTrack,
            Judgement::Mostly if !year.closed && day.month() < 12 => IndicatorState::OnTrack,
            Judgement::Mostly | Judgement::NotAchieved => IndicatorState::Lagging,
        },
        months_without_update: Vec::new(),
        stale_days: None,
    }
}

/// What a numeric indicator's figures say, before the common rules judge them.
#[derive(Debug, Clone, Copy)]
struct Figures {
    /// 完成值, in millionths of the unit.
    actual: i128,
    data_day: NaiveDate,
    /// `Some(pace)` for a count that grows over the year (cumulative, monthly, ledger); `None`
    /// for a level.
    grows: Option<Pace>,
    /// The projected year end in millionths (low, central, high), or why there is none.
    projection: Result<(i128, f64, i128), &'static str>,
}

/// Cumulative, monthly and level indicators: from their readings.
fn judge_reported(
    indicator: &Indicator,
    c: Comparator,
    target: i128,
    progress: Progress,
    counted: &[&Reading],
    inputs: &JudgeInputs<'_>,
    year: Year,
) -> IndicatorReport {
    let numbers: Vec<(NaiveDate, i128)> = counted
        .iter()
        .filter_map(|r| match r.value {
            Actual::Number(n) => Some((r.day, micro(n))),
            Actual::Judgement(_) => None,
        })
        .collect();
    let stale = |from: NaiveDate| {
        let days = (year.through - from).num_days();
        (days > inputs.stale_after_days).then_some(days)
    };
    let Some(data_day) = numbers.iter().map(|(d, _)| *d).max() else {
        let mut report = no_data(indicator, IndicatorOutlook::Insufficient(NO_READING));
        report.stale_days = stale(year.first);
        return report;
    };
    let level = progress == Progress::Level;
    // Each month's figure: the sum of its readings for a count; for a level the latest
    // reading, the less favourable on a tie of days.
    let mut months: BTreeMap<u32, (NaiveDate, i128)> = BTreeMap::new();
    for &(day, value) in &numbers {
        match months.entry(day.month()) {
            Entry::Vacant(e) => {
                e.insert((day, value));
            }
            Entry::Occupied(mut e) => {
                let slot = e.get_mut();
                if !level {
                    *slot = (slot.0.max(day), slot.1 + value);
                } else if day > slot.0 {
                    *slot = (day, value);
                } else if day == slot.0 {
                    slot.1 = if is_limit(c) {
                        slot.1.max(value)
                    } else {
                        slot.1.min(value)
                    };
                }
            }
        }
    }
    let figures: Vec<i128> = months.values().map(|(_, v)| *v).collect();
    let actual = if level {
        figures.last().copied().unwrap_or(0)
    } else {
        figures.iter().sum()
    };
    let start = figures.len().saturating_sub(PROJECTION_MONTHS);
    let recent = &figures[start..];
    let projection = if figures.len() < PROJECTION_MONTHS {
        Err(TOO_FEW_MONTHS)
    } else if level {
        let least = recent.iter().copied().min().unwrap_or(0);
        let most = recent.iter().copied().max().unwrap_or(0);
        Ok((least, shown(actual), most))
    } else {
        // A figure covers the months since the previous one (a quarterly report covers
        // three): the pace is per calendar month, not per report.
        let keys: Vec<u32> = months.keys().copied().collect();
        let before = start.checked_sub(1).map_or(0, |i| keys[i]);
        let spans: Vec<i128> = (start..keys.len())
            .map(|i| {
                let previous = i.checked_sub(1).map_or(0, |p| keys[p]);
                i128::from(keys[i] - previous)
            })
            .collect();
        let per_month = |(figure, span): (&i128, &i128)| shown(*figure) / *span as f64;
        let rates: Vec<f64> = recent.iter().zip(&spans).map(per_month).collect();
        let least = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let most = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let left = f64::from(12 - data_day.month());
        let covered = f64::from(data_day.month() - before);
        let sum: i128 = recent.iter().sum();
        let central = shown(actual) + left * shown(sum) / covered;
        // Millionths, rounded towards the safe side of each end.
        let low = actual + ((left * least) * MICRO as f64).floor() as i128;
        let high = actual + ((left * most) * MICRO as f64).ceil() as i128;
        Ok((low, central, high))
    };
    let grows = match progress {
        Progress::Cumulative { by } => Some(by),
        Progress::Monthly => Some(Pace::Time),
        Progress::Level | Progress::Ledger => None,
    };
    let mut report = judge_figures(
        indicator,
        c,
        target,
        Figures {
            actual,
            data_day,
            grows,
            projection,
        },
        inputs,
        year,
    );
    report.months_reported = u32::try_from(months.len()).unwrap_or(12);
    // A count that has reached its target for good needs no more readings to be judged: no
    // stale alert for the events already held (a monthly one must still grow every month).
    let reached = matches!(progress, Progress::Cumulative { .. })
        && match c {
            Comparator::AtLeast => actual >= target,
            Comparator::MoreThan => actual > target,
            _ => false,
        };
    report.stale_days = if reached { None } else { stale(data_day) };
    if progress == Progress::Monthly {
        report.months_without_update = (1..=data_day.month())
            .filter(|m| months.get(m).is_none_or(|(_, v)| *v <= 0))
            .collect();
        if !report.months_without_update.is_empty() && report.state == IndicatorState::OnTrack {
            report.state = IndicatorState::Lagging;
        }
    }
    report
}

/// A ledger indicator (成本指标): the fund's own spending, in the indicator's unit.
fn judge_ledger(
    indicator: &Indicator,
    c: Comparator,
    target: i128,
    inputs: &JudgeInputs<'_>,
    year: Year,
) -> IndicatorReport {
    let Some(fund) = inputs.fund else {
        return no_data(indicator, IndicatorOutlook::Insufficient(NO_FUND_FIGURES));
    };
    // Millionths of the unit in one 分: 0.01 元 is 10,000 millionths of a 元, and 0.000001 万元.
    let per_fen: i128 = match indicator.unit.as_str() {
        "元" => 10_000,
        "万元" => 1,
        _ => return no_data(indicator, IndicatorOutlook::Insufficient(NOT_A_MONEY_UNIT)),
    };
    let in_unit = |m: Money| i128::from(m.fen()) * per_fen;
    let projection = match &fund.forecast.outlook {
        Outlook::Projected(p) => {
            let b = p.year_end.spend;
            Ok((in_unit(b.low), shown(in_unit(b.central)), in_unit(b.high)))
        }
        Outlook::Closed(end) => {
            let spent = in_unit(end.spent);
            Ok((spent, shown(spent), spent))
        }
        Outlook::Insufficient(why) => Err(match why {
            forecast::Insufficient::TooEarly { .. } => SPENDING_TOO_EARLY,
            forecast::Insufficient::NoSpending => NO_SPENDING,
            forecast::Insufficient::FewSpendingDays { .. } => FEW_SPENDING_DAYS,
        }),
    };
    let figures = Figures {
        actual: in_unit(fund.spend.spent_through(year.through)),
        data_day: year.through,
        grows: Some(Pace::Plan),
        projection,
    };
    judge_figures(indicator, c, target, figures, inputs, year)
}

/// The share to date a growing count is held to on `day`: the fund's 计划进度 for
/// [`Pace::Plan`] when its figures are given, else 序时进度 by the configured basis.
fn share(pace: Pace, day: NaiveDate, inputs: &JudgeInputs<'_>) -> (Pace, (i64, i64)) {
    match (pace, inputs.fund) {
        (Pace::Plan, Some(f)) => (Pace::Plan, plan_fraction(f.fund, day)),
        _ => (
            Pace::Time,
            time_fraction(inputs.year, day, inputs.time_basis),
        ),
    }
}

/// The rules common to every numeric indicator: 序时应达, state, 全年预计 and 可能性 (the
/// caller fills in months, staleness and the monthly rule).
fn judge_figures(
    indicator: &Indicator,
    c: Comparator,
    target: i128,
    f: Figures,
    inputs: &JudgeInputs<'_>,
    year: Year,
) -> IndicatorReport {
    let meets = holds(c, f.actual, target);
    let (expected, state) = match f.grows {
        // A count that should reach (or equal) its target: held to its share to date.
        Some(pace) if !is_limit(c) => {
            // A closed year is held to its whole target, whenever its last figure stands.
            let on = if year.closed {
                year.through
            } else {
                f.data_day
            };
            let (pace, (num, den)) = share(pace, on, inputs);
            let value = shown(target) * num as f64 / den as f64;
            let state = if c == Comparator::Equal && f.actual > target {
                IndicatorState::Breached
            } else if num >= den {
                // The whole target is due: the comparator itself decides (`>` needs more).
                if meets {
                    IndicatorState::OnTrack
                } else {
                    IndicatorState::Lagging
                }
            } else if f.actual * i128::from(den) >= target * i128::from(num) {
                IndicatorState::OnTrack
            } else {
                IndicatorState::Lagging
            };
            let expected = Expected {
                value,
                basis: ExpectedBasis::Share {
                    pace,
                    share: (num, den),
                },
                gap: value - shown(f.actual),
            };
            (expected, state)
        }
        // A level, or a limit: held to the target itself at any time.
        _ => {
            let value = shown(target);
            let gap = if is_limit(c) {
                shown(f.actual) - value
            } else {
                value - shown(f.actual)
            };
            let state = if meets {
                IndicatorState::OnTrack
            } else if is_limit(c) {
                IndicatorState::Breached
            } else {
                IndicatorState::Lagging
            };
            let expected = Expected {
                value,
                basis: ExpectedBasis::Target,
                gap,
            };
            (expected, state)
        }
    };
    let grows = f.grows.is_some();
    let likelihood = if year.closed {
        if meets {
            Likelihood::Certain
        } else {
            Likelihood::Impossible
        }
    } else if grows && matches!(c, Comparator::AtLeast | Comparator::MoreThan) && meets {
        // A count only grows: once past the target it stays past.
        Likelihood::Certain
    } else if grows && (is_limit(c) && !meets || c == Comparator::Equal && f.actual > target) {
        // ... and once past a limit (or an `=` target) it cannot come back.
        Likelihood::Impossible
    } else if let Ok((low, _, high)) = f.projection
        && state != IndicatorState::Lagging
        && holds(c, low, target)
        && holds(c, high, target)
    {
        Likelihood::Certain
    } else {
        Likelihood::Possible
    };
    let outlook = if year.closed {
        IndicatorOutlook::Final(Actual::Number(decimal(f.actual)))
    } else {
        match f.projection {
            Ok((low, central, high)) => IndicatorOutlook::Projected(Band {
                low: shown(low),
                central,
                high: shown(high),
            }),
            Err(why) => IndicatorOutlook::Insufficient(why),
        }
    };
    IndicatorReport {
        id: indicator.id.clone(),
        actual: Some(Actual::Number(decimal(f.actual))),
        data_day: Some(f.data_day),
        months_reported: 0,
        expected: Some(expected),
        outlook,
        likelihood,
        state,
        months_without_update: Vec::new(),
        stale_days: None,
    }
}
