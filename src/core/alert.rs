//! Alert decisions (SPEC section 4): from the previous alert states, this check's evaluation
//! and the check's day, what to announce and what the new states are.
//!
//! Pure: the caller loads the previous states, passes the day, and stores the result together
//! with the emails in one transaction. Every decision names its reason so it can be logged.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::evaluate::{FundReport, MilestoneReport, MilestoneStatus};
use super::fund::Fund;
use super::level::Level;
use super::money::Money;

/// The four kinds of alert (SPEC section 4); [`crate::report::words::alert_kind`] has their
/// Chinese names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    /// 黄色预警: a milestone is at risk.
    Due,
    /// 红色预警: a milestone passed unmet.
    Missed,
    /// 超预算: spending above the budget.
    OverBudget,
    /// 数据未更新: no ledger source changed for a long time (for the admin).
    Stale,
}

impl AlertKind {
    /// The kind as stored in the database and logged: `due`, `missed`, `over_budget`, `stale`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Due => "due",
            AlertKind::Missed => "missed",
            AlertKind::OverBudget => "over_budget",
            AlertKind::Stale => "stale",
        }
    }

    /// The kind stored as `text` ([`AlertKind::as_str`]); `None` for any other text.
    pub fn parse(text: &str) -> Option<AlertKind> {
        [
            AlertKind::Due,
            AlertKind::Missed,
            AlertKind::OverBudget,
            AlertKind::Stale,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// What an alert is about: a fund's milestone (`due`, `missed`), a fund (`over_budget`), or the
/// whole ledger (`stale`, with an empty fund).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertKey {
    /// The fund's id in the config; empty for `stale`.
    pub fund: String,
    /// The milestone's day for `due` and `missed`; `None` for `over_budget` and `stale`.
    pub milestone: Option<NaiveDate>,
    /// Which condition the alert watches.
    pub kind: AlertKind,
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
    /// A newer missed milestone of the same fund (or the missed alert of this very milestone)
    /// took over; no notice of its own.
    Replaced,
}

impl Reason {
    /// The reason as stored in the alert history and logged: `first`, `repeat`, `resolved`,
    /// `replaced`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::First => "first",
            Reason::Repeat => "repeat",
            Reason::Resolved => "resolved",
            Reason::Replaced => "replaced",
        }
    }

    /// The reason stored as `text` ([`Reason::as_str`]).
    pub fn parse(text: &str) -> Option<Reason> {
        [
            Reason::First,
            Reason::Repeat,
            Reason::Resolved,
            Reason::Replaced,
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
}

impl Notice {
    /// Whether this notice asks for action (a warning) rather than reporting an end.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Notice::Due { .. }
                | Notice::Missed {
                    caught_up: false,
                    ..
                }
                | Notice::OverBudget { .. }
                | Notice::Stale { .. }
        )
    }
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
}

/// The last day a fiscal year's alerts are repeated: 01-31 of the following year. After it the
/// year is closed: firing alerts are no longer repeated (changes are still announced once).
pub fn year_closes(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, 1, 31).unwrap_or(NaiveDate::MAX)
}

/// Decides the alerts of one fund on `today` from its evaluation and the previous states
/// (keys of other funds in `previous` are ignored): per milestone in the plan's order its
/// `due` alert, then its `missed` alert; last the fund's `over_budget` alert.
pub fn decide_fund(
    fund: &Fund,
    report: &FundReport,
    previous: &HashMap<AlertKey, AlertState>,
    policy: AlertPolicy,
    today: NaiveDate,
) -> Vec<Decision> {
    let check = FundCheck {
        fund,
        report,
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
    decisions.extend(check.over_budget());
    decisions
}

/// What a rule decided before the new state is worked out: why, and the notice, if any.
type Outcome = (Reason, Option<Notice>);

/// One fund's check, as its rules see it: one method per alert kind, each deciding from the
/// evaluation and that alert's previous state alone.
struct FundCheck<'a> {
    fund: &'a Fund,
    report: &'a FundReport,
    previous: &'a HashMap<AlertKey, AlertState>,
    policy: AlertPolicy,
    today: NaiveDate,
    /// The day of the latest missed milestone: the only one whose alert keeps firing.
    latest_missed: Option<NaiveDate>,
}

impl FundCheck<'_> {
    /// `due`: fires while at risk; ends with "met" when met, silently when missed takes over.
    fn due(&self, m: &MilestoneReport) -> Option<Decision> {
        let key = self.key(Some(m.milestone.date), AlertKind::Due);
        let previous = self.previous.get(&key).copied();
        let facts = MilestoneFacts::from(m);
        let outcome = match (m.status, firing(previous)) {
            (MilestoneStatus::AtRisk, None) => {
                (Reason::First, Some(Notice::Due { milestone: facts }))
            }
            (MilestoneStatus::AtRisk, Some(s)) if self.repeat_due(s) => {
                (Reason::Repeat, Some(Notice::Due { milestone: facts }))
            }
            (MilestoneStatus::Met, Some(_)) => self.met(facts),
            (MilestoneStatus::Missed, Some(_)) => (Reason::Replaced, None),
            (MilestoneStatus::Upcoming, Some(_)) => (Reason::Resolved, None),
            _ => return None,
        };
        Some(self.decision(key, previous, outcome))
    }

    /// `missed`: announced once; while not caught up it repeats; one notice when caught up;
    /// announced afresh if it falls behind again after that.
    fn missed(&self, m: &MilestoneReport) -> Option<Decision> {
        let key = self.key(Some(m.milestone.date), AlertKind::Missed);
        let previous = self.previous.get(&key).copied();
        let outcome = match (m.status, previous) {
            (MilestoneStatus::Missed, None) => return Some(self.missed_first(key, m)),
            (MilestoneStatus::Missed, Some(s)) if s.status == AlertStatus::Resolved => {
                self.missed_again(m)?
            }
            (MilestoneStatus::Missed, Some(s)) => self.missed_firing(m, s)?,
            // Late-posted entries met the milestone after all.
            (MilestoneStatus::Met, Some(s)) if s.status == AlertStatus::Firing => {
                self.met(MilestoneFacts::from(m))
            }
            _ => return None,
        };
        Some(self.decision(key, previous, outcome))
    }

    /// A milestone seen missed for the first time. Announced in any case: it is the record the
    /// finance bureau assesses. Only the latest missed milestone, not yet caught up, keeps
    /// firing; an older one (first seen on a catch-up run) or one already caught up ends at
    /// once.
    fn missed_first(&self, key: AlertKey, m: &MilestoneReport) -> Decision {
        let caught_up = self.caught_up(m);
        let keeps_firing = self.is_latest_missed(m) && !caught_up;
        Decision {
            key,
            reason: Reason::First,
            next: AlertState::plain(
                if keeps_firing {
                    AlertStatus::Firing
                } else {
                    AlertStatus::Resolved
                },
                self.today,
                self.today,
            ),
            notice: Some(self.missed_notice(m, false)),
        }
    }

    /// A missed alert that ended (caught up, or already caught up at its first notice) while
    /// the latest missed milestone is behind its target again, say after a reversal: a first
    /// notice, and it fires (and repeats) again. An older milestone stays quiet: the latest
    /// one speaks for the fund.
    fn missed_again(&self, m: &MilestoneReport) -> Option<Outcome> {
        (self.is_latest_missed(m) && !self.caught_up(m))
            .then(|| (Reason::First, Some(self.missed_notice(m, true))))
    }

    /// A firing missed alert: ends with one notice when caught up, ends silently when a later
    /// milestone was missed too, else repeats when its interval has passed.
    fn missed_firing(&self, m: &MilestoneReport, state: AlertState) -> Option<Outcome> {
        if self.caught_up(m) {
            let notice = Notice::CaughtUp {
                milestone: MilestoneFacts::from(m),
                spent_now: self.report.spent,
            };
            Some((Reason::Resolved, self.resolved_notice(notice)))
        } else if !self.is_latest_missed(m) {
            Some((Reason::Replaced, None))
        } else if self.repeat_due(state) {
            Some((Reason::Repeat, Some(self.missed_notice(m, false))))
        } else {
            None
        }
    }

    /// `over_budget`: announced once; one notice when back within budget.
    fn over_budget(&self) -> Option<Decision> {
        let key = self.key(None, AlertKind::OverBudget);
        let previous = self.previous.get(&key).copied();
        let (spent, budget) = (self.report.spent, self.fund.budget);
        let outcome = match (spent > budget, firing(previous)) {
            (true, None) => (Reason::First, Some(Notice::OverBudget { spent, budget })),
            (false, Some(_)) => (
                Reason::Resolved,
                self.resolved_notice(Notice::BackWithinBudget { spent, budget }),
            ),
            _ => return None,
        };
        Some(self.decision(key, previous, outcome))
    }

    /// A milestone's alert ends because the milestone is met.
    fn met(&self, facts: MilestoneFacts) -> Outcome {
        (
            Reason::Resolved,
            self.resolved_notice(Notice::Met { milestone: facts }),
        )
    }

    fn missed_notice(&self, m: &MilestoneReport, again: bool) -> Notice {
        Notice::Missed {
            milestone: MilestoneFacts::from(m),
            spent_now: self.report.spent,
            caught_up: self.caught_up(m),
            again,
        }
    }

    /// Whether spending (to date) has reached the milestone's target.
    fn caught_up(&self, m: &MilestoneReport) -> bool {
        self.report.spent >= m.target
    }

    fn is_latest_missed(&self, m: &MilestoneReport) -> bool {
        Some(m.milestone.date) == self.latest_missed
    }

    fn repeat_due(&self, state: AlertState) -> bool {
        repeat_due(state, self.policy, self.today, self.fund.year)
    }

    fn resolved_notice(&self, notice: Notice) -> Option<Notice> {
        resolved_notice(self.policy, notice)
    }

    fn key(&self, milestone: Option<NaiveDate>, kind: AlertKind) -> AlertKey {
        AlertKey {
            fund: self.fund.id.clone(),
            milestone,
            kind,
        }
    }

    /// The decision for `outcome`, its new state following from its reason.
    fn decision(
        &self,
        key: AlertKey,
        previous: Option<AlertState>,
        (reason, notice): Outcome,
    ) -> Decision {
        Decision {
            next: next_state(previous, reason, self.today),
            key,
            reason,
            notice,
        }
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
        next: next_state(previous, reason, today),
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
            next: next_state(Some(*state), Reason::Resolved, today),
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

fn next_state(previous: Option<AlertState>, reason: Reason, today: NaiveDate) -> AlertState {
    match reason {
        Reason::First => AlertState::plain(AlertStatus::Firing, today, today),
        Reason::Repeat => AlertState {
            status: AlertStatus::Firing,
            last_sent: today,
            ..previous.unwrap_or_else(|| AlertState::plain(AlertStatus::Firing, today, today))
        },
        Reason::Resolved | Reason::Replaced => AlertState {
            status: AlertStatus::Resolved,
            ..previous.unwrap_or_else(|| AlertState::plain(AlertStatus::Resolved, today, today))
        },
    }
}

#[cfg(test)]
mod tests;
