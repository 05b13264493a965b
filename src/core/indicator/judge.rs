//! Judging an indicator on a day (pure): its 完成值 so far, what it should be by now (序时应达),
//! the 全年预计完成值, the 完成目标可能性 and its state; and a fund's 双监控 light.

use chrono::NaiveDate;

use super::{Actual, Pace};
use crate::core::forecast::Band;

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
    /// indicator. Expected values and states are judged on this day, not the as-of day, so a
    /// July figure is not held against mid-August's 序时.
    pub data_day: Option<NaiveDate>,
    /// How many months have a reading (up to the as-of day).
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
    /// `data_day` with no reading above zero. Empty for other kinds.
    pub months_without_update: Vec<u32>,
    /// Days from `data_day` to the as-of day when more than the stale limit (数据未更新), for an
    /// indicator that takes readings; `None` when fresh, or for a ledger indicator.
    pub stale_days: Option<i64>,
}

/// 序时应达: the value an indicator should have reached on its data day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    /// The value, in the indicator's unit.
    pub value: f64,
    /// What it follows: the target × 序时进度 or × the fund's 计划进度 (cumulative), or the
    /// target itself (a level, a limit).
    pub basis: ExpectedBasis,
    /// 差距: `value − actual` for an indicator that should be at least something, `actual −
    /// value` for one that should be at most; positive when behind, in the unit.
    pub gap: f64,
}

/// What an [`Expected`] value follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedBasis {
    /// The target × the share given by the pace (序时进度 or 计划进度) on the data day, a
    /// fraction.
    Share {
        /// What the share follows.
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
    /// A projected year-end value with its range.
    Projected(Band<f64>),
    /// The year is over: the final value.
    Final(Actual),
    /// 数据不足: too few readings to project, with why.
    Insufficient(&'static str),
    /// A qualitative indicator: judged, not projected.
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
    /// Behind 序时应达 (or a level below its target, or a month without an update).
    Lagging,
    /// A limit (≤ <) exceeded.
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
