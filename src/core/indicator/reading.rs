//! 完成值: what the people who do the work report for an indicator, month by month.

use std::fmt;

use chrono::NaiveDate;

use super::Decimal;

/// One row of a file of readings: an indicator's 完成值 for one month.
///
/// What the value means depends on the indicator's [`super::Progress`]: for a cumulative or
/// monthly indicator it is the month's own figure (本月完成: the year's value is their sum);
/// for a level it is the value as it stands on `day` (a rate, a time limit); a qualitative
/// (定性) indicator takes a [`Judgement`]. A file holds at most one reading per indicator and
/// month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The indicator's id ([`super::Indicator::id`]).
    pub indicator: String,
    /// The day the figure stands at, within its month: the date written in the file, or the
    /// month's last day when the file names only a month (`2025-07`, `2025年7月`). The reading
    /// counts on this day and after (so `check --as-of` replays it as it was known).
    pub day: NaiveDate,
    /// The 完成值.
    pub value: Actual,
    /// 说明: the reporter's words, shown as written (escaped); `None` when empty.
    pub note: Option<String>,
}

/// A 完成值: a number in the indicator's unit, or a judgement for a qualitative indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actual {
    /// A number in the indicator's [`super::Indicator::unit`] (a `%` value in percent).
    Number(Decimal),
    /// The judgement of a qualitative (定性) indicator.
    Judgement(Judgement),
}

impl fmt::Display for Actual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actual::Number(n) => n.fmt(f),
            Actual::Judgement(j) => f.write_str(j.as_str()),
        }
    }
}

/// The judgement of a qualitative (定性) indicator, in the words of the 监控表.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// 达成.
    Achieved,
    /// 基本达成.
    Mostly,
    /// 未达成.
    NotAchieved,
}

impl Judgement {
    /// The three, best first.
    pub const ALL: [Judgement; 3] = [
        Judgement::Achieved,
        Judgement::Mostly,
        Judgement::NotAchieved,
    ];

    /// 达成, 基本达成 or 未达成.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Judgement::Achieved => "达成",
            Judgement::Mostly => "基本达成",
            Judgement::NotAchieved => "未达成",
        }
    }

    /// Reads exactly one of the three words (surrounding spaces aside).
    #[must_use]
    pub fn parse(text: &str) -> Option<Judgement> {
        let t = text.trim();
        Judgement::ALL.into_iter().find(|j| j.as_str() == t)
    }
}
