//! 情况说明: why a fund lags and what is being done about it (纠偏措施), recorded by a finance
//! officer with `spendwatch explain`. While one is in force the repeats of the lag notices it
//! covers stop (README, "情况说明").
//!
//! Pure data and the rule of when one is in force; the database keeps them.

use chrono::NaiveDate;

/// The cause of a lag, as the 绩效运行监控表 names the 保障措施.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExplanationReason {
    /// 经费保障.
    Funding,
    /// 制度保障.
    Rules,
    /// 人员保障.
    Staff,
    /// 硬件保障.
    Hardware,
    /// 其他.
    Other,
}

impl ExplanationReason {
    /// Every reason, in the form's order.
    pub const ALL: [ExplanationReason; 5] = [
        ExplanationReason::Funding,
        ExplanationReason::Rules,
        ExplanationReason::Staff,
        ExplanationReason::Hardware,
        ExplanationReason::Other,
    ];

    /// The reason as written on the command line, stored and shown: 经费保障, 制度保障,
    /// 人员保障, 硬件保障, 其他.
    pub fn as_str(self) -> &'static str {
        match self {
            ExplanationReason::Funding => "经费保障",
            ExplanationReason::Rules => "制度保障",
            ExplanationReason::Staff => "人员保障",
            ExplanationReason::Hardware => "硬件保障",
            ExplanationReason::Other => "其他",
        }
    }

    /// The reason written as `text` ([`ExplanationReason::as_str`]); `None` otherwise.
    pub fn parse(text: &str) -> Option<ExplanationReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }
}

/// How an explanation stopped being in force before its `until` day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCause {
    /// Withdrawn with `spendwatch explain --withdraw`.
    Withdrawn,
    /// The lag alerts it covers ended by catching up (met, or a missed milestone made good).
    CaughtUp,
    /// The lag alerts it covers ended because a later one took over (a later milestone missed):
    /// the new lag needs its own explanation.
    Superseded,
}

impl EndCause {
    /// The cause as stored: `withdrawn`, `caught_up`, `superseded`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndCause::Withdrawn => "withdrawn",
            EndCause::CaughtUp => "caught_up",
            EndCause::Superseded => "superseded",
        }
    }

    /// The cause stored as `text` ([`EndCause::as_str`]).
    pub fn parse(text: &str) -> Option<EndCause> {
        [
            EndCause::Withdrawn,
            EndCause::CaughtUp,
            EndCause::Superseded,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}

/// One 情况说明 as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Its number in the database (for `--withdraw`).
    pub id: i64,
    /// The fund's id.
    pub fund: String,
    /// The milestone it is about; `None`: every lag alert of the fund.
    pub milestone: Option<NaiveDate>,
    /// The cause.
    pub reason: ExplanationReason,
    /// What happened and what is being done, as written (hostile when shown: escape it).
    pub text: String,
    /// The day it was recorded (`--as-of`, or today): in force from this day.
    pub day: NaiveDate,
    /// The last day it is in force (`--until`); `None`: until it ends otherwise.
    pub until: Option<NaiveDate>,
    /// The OS user who recorded it.
    pub user: String,
    /// The first day it is no longer in force when it ended before `until`, and why.
    pub ended: Option<(NaiveDate, EndCause)>,
}

impl Explanation {
    /// Whether it is in force on `day`: recorded on or before it, `until` not passed, not
    /// ended.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.day <= day
            && self.until.is_none_or(|u| day <= u)
            && self.ended.is_none_or(|(e, _)| day < e)
    }

    /// Whether it was in force on at least one day (one withdrawn on the day it was recorded
    /// never was: it neither quieted anything nor counts as an explanation).
    pub fn was_in_force(&self) -> bool {
        self.end_day().is_none_or(|end| self.day < end)
    }

    /// Whether it covers the lag alerts of `fund` about `milestone` (`None`: the fund's own
    /// lag alert, which only a fund-wide explanation covers).
    pub fn covers(&self, fund: &str, milestone: Option<NaiveDate>) -> bool {
        self.fund == fund && (self.milestone.is_none() || self.milestone == milestone)
    }

    /// The first day it is no longer in force, if that is known: the day after `until`, or
    /// the day it ended, whichever is first.
    pub fn end_day(&self) -> Option<NaiveDate> {
        let after_until = self.until.and_then(|u| u.succ_opt());
        match (after_until, self.ended.map(|(e, _)| e)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
