//! Alert decisions (SPEC section 4): from the previous alert states, this check's evaluation
//! and the check's day, what to announce and what the new states are.
//!
//! Pure: the caller loads the previous states, passes the day, and stores the result together
//! with the emails in one transaction. Every decision names its reason so it can be logged.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::evaluate::{FundReport, MilestoneReport, MilestoneStatus};
use super::explanation::{EndCause, Explanation};
use super::fund::Fund;
use super::indicator::IndicatorState;
use super::level::{Level, LevelRule, MilestoneCondition, grade, grade_where};

use super::money::Money;

mod rules;

/// The kinds of alert (SPEC section 4, and `lag` of the README's "Warning levels");
/// [`crate::report::words::alert_kind`] has their Chinese names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    /// 黄色预警: a milestone is at risk.
    Due,
    /// 红色预警: a milestone passed unmet.
    Missed,
    /// 超预算: spending above the budget.
    OverBudget,
    /// 进度滞后: a level rule holds for the fund while no milestone is at risk or missed
    /// (say 20 points behind 序时 in August).
    Lag,
    /// 数据未更新: no ledger source changed for a long time (for the admin).
    Stale,
    /// 指标滞后: a 绩效指标 lagging or breached (a limit exceeded) on its latest data.
    Indicator,
    /// 指标数据未更新: no 完成值 reported for an indicator for `indicators.stale_after`.
    IndicatorStale,
}

impl AlertKind {
    /// The kind as stored in the database and logged: `due`, `missed`, `over_budget`, `lag`,
    /// `stale`, `indicator`, `indicator_stale`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Due => "due",
            AlertKind::Missed => "missed",
            AlertKind::OverBudget => "over_budget",
            AlertKind::Lag => "lag",
            AlertKind::Stale => "stale",
            AlertKind::Indicator => "indicator",
            AlertKind::IndicatorStale => "indicator_stale",
        }
    }

    /// Whether it is one of a fund's lag alerts (`due`, `missed`, `lag`): those that have a
    /// level, that explanations quiet and that escalate.
    pub fn is_lag(self) -> bool {
        matches!(self, AlertKind::Due | AlertKind::Missed | AlertKind::Lag)
    }

    /// Whether it is about one 绩效指标 (`indicator`, `indicator_stale`): its key names the
    /// indicator.
    pub fn is_indicator(self) -> bool {
        matches!(self, AlertKind::Indicator | AlertKind::IndicatorStale)
    }

    /// The kind stored as `text` ([`AlertKind::as_str`]); `None` for any other text.
    pub fn parse(text: &str) -> Option<AlertKind> {
        [
            AlertKind::Due,
            AlertKind::Missed,
            AlertKind::OverBudget,
            AlertKind::Lag,
            AlertKind::Stale,
            AlertKind::Indicator,
            AlertKind::IndicatorStale,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// What an alert is about: a fund's milestone (`due`, `missed`), a fund (`lag`,
/// `over_budget`), the whole ledger (`stale`, with an empty fund), or one 绩效指标
/// (`indicator`, `indicator_stale`: its fund, empty for the department's own).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertKey {
    /// The fund's id in the config; empty for `stale` and the department's indicators.
    pub fund: String,
    /// The milestone's day for `due` and `missed`; `None` for the other kinds.
    pub milestone: Option<NaiveDate>,
    /// Which condition the alert watches.
    pub kind: AlertKind,
    /// The indicator's id for `indicator` and `indicator_stale`; `None` for the other kinds.
    pub indicator: Option<String>,
}

/// Where an alert is in its life cycle (SPEC section 4); kept in the database between checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    /// Its condition holds: it is announced again every `repeat_days` while the year is open.
    Firing,
    /// Its condition ended (or another alert took over); it fires again, as a first notice, if
    /// the condition holds once more.
    Resolved,
}

impl AlertStatus {
    /// The status as stored in the database: `firing`, `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Firing => "firing",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// The status stored as `text` ([`AlertStatus::as_str`]).
    pub fn parse(text: &str) -> Option<AlertStatus> {
        [AlertStatus::Firing, AlertStatus::Resolved]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What the database keeps about an alert between checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertState {
    /// Firing or resolved.
    pub status: AlertStatus,
    /// The day it began firing.
    pub since: NaiveDate,
    /// The day of its last notice.
    pub last_sent: NaiveDate,
    /// The highest level announced since it began firing (`None` for `over_budget`,
    /// `stale`): only a rise above it is a new first notice.
    pub level: Option<Level>,
    /// The day it reached `level`: a red alert is escalated counting from here.
    pub level_since: NaiveDate,
    /// Whether it was escalated (sent to the `escalate` recipients) in this firing episode.
    pub escalated: bool,
}

impl AlertState {
    /// A state with no level and not escalated: how `over_budget` and `stale` are kept.
    pub fn plain(status: AlertStatus, since: NaiveDate, last_sent: NaiveDate) -> AlertState {
        AlertState {
            status,
            since,
            last_sent,
            level: None,
            level_since: since,
            escalated: false,
        }
    }
}

/// Why a decision was taken; logged with every decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The condition holds for the first time (or again after it ended).
    First,
    /// Still holds, and `repeat_days` have passed since the last notice.
    Repeat,
    /// The condition ended.
    Resolved,
    /// A newer missed milestone of the same fund (or the missed alert of this very milestone,
    /// or a milestone's alert for the fund's `lag`) took over; no notice of its own.
    Replaced,
    /// Still holds, and the 情况说明 that quieted it ran out (its `--until` day passed, or it
    /// was withdrawn) since the last notice.
    Expired,
    /// Red and unexplained for `escalate_after` days: announced once more, to the `escalate`
    /// recipients as well.
    Escalated,
}

impl Reason {
    /// The reason as stored in the alert history and logged: `first`, `repeat`, `resolved`,
    /// `replaced`, `expired`, `escalated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::First => "first",
            Reason::Repeat => "repeat",
            Reason::Resolved => "resolved",
            Reason::Replaced => "replaced",
            Reason::Expired => "expired",
            Reason::Escalated => "escalated",
        }
    }

    /// The reason stored as `text` ([`Reason::as_str`]).
    pub fn parse(text: &str) -> Option<Reason> {
        [
            Reason::First,
            Reason::Repeat,
            Reason::Resolved,
            Reason::Replaced,
            Reason::Expired,
            Reason::Escalated,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// What a notice says; everything the email needs besides the fund's evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A milestone is at risk: `shortfall` must still be spent within `days_left` days.
    Due {
        /// The milestone at risk.
        milestone: MilestoneFacts,
        /// Its level, the rule that gave it, and what quiets or escalates it.
        lag: LagFacts,
    },
    /// An at-risk or missed milestone turned out met (possibly by late-posted entries).
    Met {
        /// The milestone now met.
        milestone: MilestoneFacts,
    },
    /// A milestone passed unmet; `caught_up` when spending has since reached the target;
    /// `again` when its alert had ended and spending fell below the target once more.
    Missed {
        /// The milestone missed; its `spent` and `shortfall` are as of its own day.
        milestone: MilestoneFacts,
        /// spent(t): the fund's spending on the check's day, in 分.
        spent_now: Money,
        /// `spent_now` has reached the milestone's target: the notice says so and nothing
        /// repeats.
        caught_up: bool,
        /// The alert had ended before (caught up) and fires once more.
        again: bool,
        /// Its level and the rule that gave it; `None` when `caught_up` (no lag left).
        lag: Option<LagFacts>,
    },
    /// A level rule holds for the fund while no milestone is at risk or missed.
    Behind {
        /// The level, the rule that gave it, and what quiets or escalates it.
        lag: LagFacts,
    },
    /// No level rule holds any more after a `lag` alert.
    BackOnTrack {
        /// The highest level the alert had announced.
        level: Level,
    },
    /// Spending reached the target of a missed milestone after all.
    CaughtUp {
        /// The missed milestone; its `spent` and `shortfall` are as of its own day.
        milestone: MilestoneFacts,
        /// spent(t): the fund's spending on the check's day, in 分 (at least the target).
        spent_now: Money,
    },
    /// Spending is above the budget (超预算).
    OverBudget {
        /// spent(t), in 分.
        spent: Money,
        /// The fund's budget, in 分.
        budget: Money,
    },
    /// Reversals brought spending back within the budget after an over-budget alert.
    BackWithinBudget {
        /// spent(t), in 分.
        spent: Money,
        /// The fund's budget, in 分.
        budget: Money,
    },
    /// No ledger source has changed for `days` days (since `last_change`, if ever).
    Stale {
        /// Days since `last_change` (0 when nothing was ever imported).
        days: i64,
        /// The day a ledger source last changed; `None`: nothing was ever imported.
        last_change: Option<NaiveDate>,
    },
    /// A ledger source changed again after a stale alert.
    Fresh,
    /// A 绩效指标 is lagging or breached on its latest data (its figures are the day's
    /// [`crate::core::IndicatorReport`]).
    IndicatorOff {
        /// The indicator's id.
        indicator: String,
        /// Lagging or breached.
        state: IndicatorState,
        /// The fund's 情况说明 in force that covers it (已说明): only first notices go while
        /// one is.
        explanation: Option<Explanation>,
        /// The 情况说明 that ran out since the last notice, when that is why this notice goes.
        expired: Option<Explanation>,
    },
    /// An indicator that was lagging or breached is on track again.
    IndicatorOnTrack {
        /// The indicator's id.
        indicator: String,
    },
    /// No 完成值 reported for an indicator for `days` days.
    IndicatorStale {
        /// The indicator's id.
        indicator: String,
        /// Days since its latest reading (or since 01-01 of its year, with none).
        days: i64,
        /// The day of its latest reading; `None`: none this year.
        data_day: Option<NaiveDate>,
    },
    /// A reading came for an indicator after its stale alert.
    IndicatorFresh {
        /// The indicator's id.
        indicator: String,
    },
}

impl Notice {
    /// The indicator it is about, for the indicator notices.
    pub fn indicator(&self) -> Option<&str> {
        match self {
            Notice::IndicatorOff { indicator, .. }
            | Notice::IndicatorOnTrack { indicator }
            | Notice::IndicatorStale { indicator, .. }
            | Notice::IndicatorFresh { indicator } => Some(indicator),
            _ => None,
        }
    }

    /// The level facts of a lag notice (due, missed not caught up, behind).
    pub fn lag(&self) -> Option<&LagFacts> {
        match self {
            Notice::Due { lag, .. } | Notice::Behind { lag } => Some(lag),
            Notice::Missed { lag, .. } => lag.as_ref(),
            _ => None,
        }
    }
}

/// What a lag notice says about its level (README, "Warning levels" and "情况说明").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagFacts {
    /// The fund's level on the day.
    pub level: Level,
    /// The rule that gave it: its conditions are the 预警标准, its `basis` the 预警依据.
    pub rule: LevelRule,
    /// The level announced before, when this notice is a first notice because the level
    /// rose (升级).
    pub raised_from: Option<Level>,
    /// The 情况说明 in force that covers the alert (已说明): only first notices go while one
    /// is.
    pub explanation: Option<Explanation>,
    /// The 情况说明 that ran out since the last notice, when that is why this notice goes.
    pub expired: Option<Explanation>,
    /// When this notice escalates (it goes to the `escalate` recipients as well): how long the
    /// alert has been red and unexplained.
    pub escalation: Option<Escalation>,
}

/// How long a red lag alert has gone on when it is escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escalation {
    /// Days since it turned red.
    pub red_days: i64,
    /// Days since then with no 情况说明 in force (from the end of the last one, if any).
    pub unexplained_days: i64,
}

/// A milestone as the notices describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilestoneFacts {
    /// The milestone's day, d.
    pub date: NaiveDate,
    /// The cumulative share of the budget due by `date`.
    pub share: super::money::Share,
    /// budget × share, rounded half-up, in 分.
    pub target: Money,
    /// spent(min(d, t)), in 分.
    pub spent: Money,
    /// max(0, target − spent), in 分.
    pub shortfall: Money,
    /// d − t in days: positive before the day, negative after.
    pub days_left: i64,
}

impl From<&MilestoneReport> for MilestoneFacts {
    fn from(m: &MilestoneReport) -> MilestoneFacts {
        MilestoneFacts {
            date: m.milestone.date,
            share: m.milestone.share,
            target: m.target,
            spent: m.spent,
            shortfall: m.shortfall,
            days_left: m.days_left,
        }
    }
}

/// One decision about one alert: its new state and the notice to send, if any. An alert the
/// check leaves as it was gets no decision at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The alert decided on.
    pub key: AlertKey,
    /// Why; stored in the alert history and logged.
    pub reason: Reason,
    /// The state to store for the alert.
    pub next: AlertState,
    /// What to announce; `None` for a silent change (replaced, or a resolution while
    /// `notify_resolved` is off).
    pub notice: Option<Notice>,
}

/// The alert settings of the config (`alerts:`, SPEC section 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertPolicy {
    /// A firing alert is announced again after this many days.
    pub repeat_days: i64,
    /// Whether an alert that ends is announced (met, caught up, back within budget, fresh).
    pub notify_resolved: bool,
    /// `stale` fires when no source changed for this many days.
    pub stale_days: i64,
    /// A red lag alert with no 情况说明 for this many days is escalated once.
    pub escalate_days: i64,
}

/// The last day a fiscal year's alerts are repeated: 01-31 of the following year. After it the
/// year is closed: firing alerts are no longer repeated (changes are still announced once).
pub fn year_closes(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, 1, 31).unwrap_or(NaiveDate::MAX)
}

/// What the rules know about one fund on the check's day.
#[derive(Debug, Clone, Copy)]
pub struct FundFacts<'a> {
    /// The fund.
    pub fund: &'a Fund,
    /// Its evaluation on the day.
    pub report: &'a FundReport,
    /// The level rules in force besides the milestone floors (config `alerts.levels`); each
    /// alert is graded by them ([`crate::core::grade`]).
    pub rules: &'a [LevelRule],
    /// 情况说明 recorded for it (those of other funds are ignored), in force or not.
    pub explanations: &'a [Explanation],
    /// Whether it has `escalate` recipients (its own or the global ones): without, nothing is
    /// escalated.
    pub escalates: bool,
}

/// The decisions of one fund's check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FundDecisions {
    /// Every change of alert state, in the order of [`decide_fund`].
    pub decisions: Vec<Decision>,
    /// The explanations that end today, and why: every lag alert they cover that was firing
    /// ended in this check — by catching up, or because a later one took over; the caller
    /// records their end.
    pub explanations_ended: Vec<(i64, EndCause)>,
}

/// Decides the alerts of one fund on `today` from its facts and the previous states (keys of
/// other funds in `previous` are ignored): per milestone in the plan's order its `due` alert,
/// then its `missed` alert; then the fund's `lag` and `over_budget` alerts; and which
/// explanations end.
pub fn decide_fund(
    facts: &FundFacts<'_>,
    previous: &HashMap<AlertKey, AlertState>,
    policy: AlertPolicy,
    today: NaiveDate,
) -> FundDecisions {
    let report = facts.report;
    let check = rules::FundCheck {
        fund: facts.fund,
        report,
        grading: grade(facts.fund, report, facts.rules),
        due_grading: grade_where(facts.fund, report, facts.rules, |r| {
            r.when.milestone != Some(MilestoneCondition::Missed)
        }),
        explanations: facts
            .explanations
            .iter()
            .filter(|e| e.fund == facts.fund.id)
            .collect(),
        escalates: facts.escalates,
        previous,
        policy,
        today,
        latest_missed: report
            .milestones
            .iter()
            .rev()
            .find(|m| m.status == MilestoneStatus::Missed)
            .map(|m| m.milestone.date),
    };
    let mut decisions = Vec::new();
    for m in &report.milestones {
        decisions.extend(check.due(m));
        decisions.extend(check.missed(m));
    }
    decisions.extend(check.lag_alert());
    decisions.extend(check.over_budget());
    carry_red_streak(&mut decisions, previous);
    let explanations_ended = check.explanations_ended(&decisions);
    FundDecisions {
        decisions,
        explanations_ended,
    }
}

/// A red lag that another alert of the same fund takes over in this check (`lag` → `due`,
/// `due` → `missed`, a missed milestone → a later one) goes on as one red streak: a new alert
/// that starts red keeps the day the fund turned red and whether the streak was escalated, so
/// the leadership hears of it once and "已连续N天" counts the whole streak.
fn carry_red_streak(decisions: &mut [Decision], previous: &HashMap<AlertKey, AlertState>) {
    let streak = decisions
        .iter()
        .filter(|d| d.key.kind.is_lag() && d.reason == Reason::Replaced)
        .filter_map(|d| firing(previous.get(&d.key).copied()))
        .filter(|s| s.level == Some(Level::Red))
        .fold(None, |acc: Option<(NaiveDate, bool)>, s| {
            Some(match acc {
                Some((since, escalated)) => (since.min(s.level_since), escalated || s.escalated),
                None => (s.level_since, s.escalated),
            })
        });
    let Some((since, escalated)) = streak else {
        return;
    };
    for d in decisions.iter_mut().filter(|d| {
        d.key.kind.is_lag()
            && d.reason == Reason::First
            && d.next.level == Some(Level::Red)
            && firing(previous.get(&d.key).copied()).is_none()
    }) {
        d.next.level_since = d.next.level_since.min(since);
        d.next.escalated |= escalated;
    }
}

/// Decides the `stale` alert: `last_change` is the day a ledger source last changed (`None`:
/// never), `year_open` whether any fund's year is open on `today`.
pub fn decide_stale(
    last_change: Option<NaiveDate>,
    year_open: bool,
    previous: Option<AlertState>,
    policy: AlertPolicy,
    today: NaiveDate,
) -> Option<Decision> {
    let key = AlertKey {
        fund: String::new(),
        milestone: None,
        kind: AlertKind::Stale,
        indicator: None,
    };
    let days = last_change.map(|d| (today - d).num_days());
    let stale = year_open && days.is_none_or(|d| d >= policy.stale_days);
    let notice = Notice::Stale {
        days: days.unwrap_or(0),
        last_change,
    };
    let (reason, notice) = match (stale, firing(previous)) {
        (true, None) => (Reason::First, Some(notice)),
        (true, Some(s)) if interval_passed(s, policy, today) => (Reason::Repeat, Some(notice)),
        // The data changed: say so.
        (false, Some(_)) if year_open => (Reason::Resolved, resolved_notice(policy, Notice::Fresh)),
        // Every year closed: nothing to watch any more, and nothing changed to announce.
        (false, Some(_)) => (Reason::Resolved, None),
        _ => return None,
    };
    Some(Decision {
        next: next_state(previous, reason, notice.as_ref(), today),
        key,
        reason,
        notice,
    })
}

/// The decisions for a fund that has no data any more (every source of its entries left
/// force): its firing alerts end silently — no notice claims it caught up — so that when data
/// returns they start again as first notices rather than repeats of a stale state.
pub fn silence_fund(
    fund: &str,
    previous: &HashMap<AlertKey, AlertState>,
    today: NaiveDate,
) -> Vec<Decision> {
    let mut out: Vec<Decision> = previous
        .iter()
        .filter(|(key, state)| key.fund == fund && state.status == AlertStatus::Firing)
        .map(|(key, state)| Decision {
            key: key.clone(),
            reason: Reason::Resolved,
            next: next_state(Some(*state), Reason::Resolved, None, today),
            notice: None,
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// Whether any fund's year is open on `today`: from its first day to the day its alerts close.
pub fn any_year_open(funds: &[Fund], today: NaiveDate) -> bool {
    funds
        .iter()
        .any(|f| today.year() >= f.year && today <= year_closes(f.year))
}

fn firing(state: Option<AlertState>) -> Option<AlertState> {
    state.filter(|s| s.status == AlertStatus::Firing)
}

/// Whether a firing alert is announced again today. A fiscal year's alerts stop repeating once
/// the year closes (01-31 of the next year); notices of changes are still sent.
fn repeat_due(state: AlertState, policy: AlertPolicy, today: NaiveDate, year: i32) -> bool {
    today <= year_closes(year) && interval_passed(state, policy, today)
}

fn interval_passed(state: AlertState, policy: AlertPolicy, today: NaiveDate) -> bool {
    (today - state.last_sent).num_days() >= policy.repeat_days
}

fn resolved_notice(policy: AlertPolicy, notice: Notice) -> Option<Notice> {
    policy.notify_resolved.then_some(notice)
}

/// The state an alert is left in by a decision: `First` starts an episode at the notice's
/// level (a rise keeps the episode's first day); a follow-up notice keeps the highest level
/// announced and records an escalation; an end keeps the rest as it was.
fn next_state(
    previous: Option<AlertState>,
    reason: Reason,
    notice: Option<&Notice>,
    today: NaiveDate,
) -> AlertState {
    let lag = notice.and_then(Notice::lag);
    let was = firing(previous);
    match reason {
        Reason::First => AlertState {
            status: AlertStatus::Firing,
            since: match (was, lag) {
                (Some(p), Some(l)) if l.raised_from.is_some() => p.since,
                _ => today,
            },
            last_sent: today,
            level: lag.map(|l| l.level),
            level_since: today,
            escalated: false,
        },
        Reason::Repeat | Reason::Expired | Reason::Escalated => {
            let p = was.unwrap_or_else(|| AlertState::plain(AlertStatus::Firing, today, today));
            AlertState {
                status: AlertStatus::Firing,
                last_sent: today,
                level: p.level.max(lag.map(|l| l.level)),
                escalated: p.escalated || lag.is_some_and(|l| l.escalation.is_some()),
                ..p
            }
        }
        Reason::Resolved | Reason::Replaced => AlertState {
            status: AlertStatus::Resolved,
            ..previous.unwrap_or_else(|| AlertState::plain(AlertStatus::Resolved, today, today))
        },
    }
}

mod indicators;
pub use indicators::{IndicatorFacts, decide_indicator};

#[cfg(test)]
mod indicator_tests;
#[cfg(test)]
mod lag_tests;
#[cfg(test)]
mod tests;
