//! The alert rules of one fund (SPEC section 4, and the README's "Warning levels" and
//! "情况说明"): one method per alert kind, each deciding from the evaluation, the fund's
//! level, its explanations and that alert's previous state alone.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{
    AlertKey, AlertKind, AlertPolicy, AlertState, AlertStatus, Decision, Escalation, LagFacts,
    MilestoneFacts, Notice, Reason, firing, next_state, repeat_due, resolved_notice, year_closes,
};
use crate::core::evaluate::{FundReport, MilestoneReport, MilestoneStatus};
use crate::core::explanation::{EndCause, Explanation};
use crate::core::fund::Fund;
use crate::core::level::{Grading, Level, LevelRule};

/// What a rule decided before the new state is worked out: why, and the notice, if any.
type Outcome = (Reason, Option<Notice>);

/// One fund's check, as its rules see it.
pub(super) struct FundCheck<'a> {
    pub(super) fund: &'a Fund,
    pub(super) report: &'a FundReport,
    /// The fund's level on the day by every rule; `None`: no rule holds.
    pub(super) grading: Option<Grading>,
    /// Its level by the rules a `due` alert is graded by: all but those about a missed
    /// milestone (that milestone's own alert speaks for it).
    pub(super) due_grading: Option<Grading>,
    /// The fund's explanations (others are ignored), in force or not.
    pub(super) explanations: Vec<&'a Explanation>,
    /// Whether anyone is there to escalate to.
    pub(super) escalates: bool,
    pub(super) previous: &'a HashMap<AlertKey, AlertState>,
    pub(super) policy: AlertPolicy,
    pub(super) today: NaiveDate,
    /// The day of the latest missed milestone: the only one whose alert keeps firing.
    pub(super) latest_missed: Option<NaiveDate>,
}

impl FundCheck<'_> {
    /// `due`: fires while at risk; ends with "met" when met, silently when missed takes over.
    pub(super) fn due(&self, m: &MilestoneReport) -> Option<Decision> {
        let key = self.key(Some(m.milestone.date), AlertKind::Due);
        let previous = self.previous.get(&key).copied();
        let facts = MilestoneFacts::from(m);
        let notice = |lag| Notice::Due {
            milestone: facts,
            lag,
        };
        let outcome = match (m.status, firing(previous)) {
            (MilestoneStatus::AtRisk, None) => (
                Reason::First,
                Some(notice(self.lag(AlertKind::Due, key.milestone))),
            ),
            (MilestoneStatus::AtRisk, Some(s)) => {
                let (reason, lag) = self.follow_up(s, AlertKind::Due, key.milestone)?;
                (reason, Some(notice(lag)))
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
    pub(super) fn missed(&self, m: &MilestoneReport) -> Option<Decision> {
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
        let keeps_firing = self.is_latest_missed(m) && !self.caught_up(m);
        let notice = self.missed_notice(m, false, None);
        let mut decision = self.decision(key, None, (Reason::First, Some(notice)));
        if !keeps_firing {
            decision.next.status = AlertStatus::Resolved;
        }
        decision
    }

    /// A missed alert that ended (caught up, or already caught up at its first notice) while
    /// the latest missed milestone is behind its target again, say after a reversal: a first
    /// notice, and it fires (and repeats) again. An older milestone stays quiet: the latest
    /// one speaks for the fund.
    fn missed_again(&self, m: &MilestoneReport) -> Option<Outcome> {
        (self.is_latest_missed(m) && !self.caught_up(m))
            .then(|| (Reason::First, Some(self.missed_notice(m, true, None))))
    }

    /// A firing missed alert: ends with one notice when caught up, ends silently when a later
    /// milestone was missed too, else follows up (a rise, an expired explanation, an
    /// escalation, a repeat).
    fn missed_firing(&self, m: &MilestoneReport, state: AlertState) -> Option<Outcome> {
        if self.caught_up(m) {
            let notice = Notice::CaughtUp {
                milestone: MilestoneFacts::from(m),
                spent_now: self.report.spent,
            };
            Some((Reason::Resolved, self.resolved_notice(notice)))
        } else if !self.is_latest_missed(m) {
            Some((Reason::Replaced, None))
        } else {
            let (reason, lag) = self.follow_up(state, AlertKind::Missed, Some(m.milestone.date))?;
            Some((reason, Some(self.missed_notice(m, false, Some(lag)))))
        }
    }

    /// `lag`: the fund's own lag alert, for a level that a rule gives while no milestone is at
    /// risk or missed (say 20 points behind 序时 in August). While a milestone's alert speaks
    /// for the fund it stays quiet; it ends with one notice when no rule holds any more.
    pub(super) fn lag_alert(&self) -> Option<Decision> {
        let key = self.key(None, AlertKind::Lag);
        let previous = self.previous.get(&key).copied();
        let graded_alone = self.grading.is_some() && !self.milestone_lags();
        let outcome = match (graded_alone, firing(previous)) {
            (true, None) => (
                Reason::First,
                Some(Notice::Behind {
                    lag: self.lag(AlertKind::Lag, None),
                }),
            ),
            (true, Some(s)) => {
                let (reason, lag) = self.follow_up(s, AlertKind::Lag, None)?;
                (reason, Some(Notice::Behind { lag }))
            }
            (false, Some(_)) if self.milestone_lags() => (Reason::Replaced, None),
            (false, Some(s)) => (
                Reason::Resolved,
                self.resolved_notice(Notice::BackOnTrack {
                    level: s.level.unwrap_or(Level::Yellow),
                }),
            ),
            (false, None) => return None,
        };
        Some(self.decision(key, previous, outcome))
    }

    /// `over_budget`: announced once; one notice when back within budget.
    pub(super) fn over_budget(&self) -> Option<Decision> {
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

    /// The explanations in force today that end with this check: some lag alert they cover
    /// was firing before it, and none is left firing after `decisions` — caught up when one of
    /// them ended by catching up, else superseded (a later milestone took over). One recorded
    /// ahead of a lag (nothing it covers has fired yet) stays in force (README, "情况说明").
    pub(super) fn explanations_ended(&self, decisions: &[Decision]) -> Vec<(i64, EndCause)> {
        let firing_before: Vec<&AlertKey> = self
            .previous
            .iter()
            .filter(|(k, s)| {
                k.fund == self.fund.id && k.kind.is_lag() && s.status == AlertStatus::Firing
            })
            .map(|(k, _)| k)
            .collect();
        let mut firing_after: HashMap<&AlertKey, bool> =
            firing_before.iter().map(|k| (*k, true)).collect();
        for d in decisions.iter().filter(|d| d.key.kind.is_lag()) {
            firing_after.insert(&d.key, d.next.status == AlertStatus::Firing);
        }
        self.explanations
            .iter()
            .filter(|e| e.in_force(self.today) && e.ended.is_none())
            .filter_map(|e| {
                let covers = |k: &AlertKey| e.covers(&k.fund, k.milestone);
                let still = firing_after.iter().any(|(k, f)| *f && covers(k));
                let was = firing_before.iter().any(|k| covers(k));
                if still || !was {
                    return None;
                }
                let caught_up = decisions
                    .iter()
                    .any(|d| d.key.kind.is_lag() && covers(&d.key) && d.reason == Reason::Resolved);
                let cause = if caught_up {
                    EndCause::CaughtUp
                } else {
                    EndCause::Superseded
                };
                Some((e.id, cause))
            })
            .collect()
    }

    /// The level facts of a first notice of an alert of `kind`: its level — for `due` without
    /// the rules about a missed milestone; at least the kind's own floor (黄 for `due` and
    /// `lag`, 红 for `missed`) should the caller grade nothing — and the explanation in force,
    /// if any.
    fn lag(&self, kind: AlertKind, milestone: Option<NaiveDate>) -> LagFacts {
        let floor = floor_of(kind);
        let grading = if kind == AlertKind::Due {
            &self.due_grading
        } else {
            &self.grading
        };
        let (level, rule) = match grading {
            Some(g) if g.level >= floor => (g.level, g.rule.clone()),
            _ => (floor, floor_rule(floor)),
        };
        LagFacts {
            level,
            rule,
            raised_from: None,
            explanation: self.in_force(milestone).cloned(),
            expired: None,
            escalation: None,
        }
    }

    /// A firing lag alert on a later check: a first notice when the level rose above the
    /// highest announced; nothing more while an explanation is in force; else one notice when
    /// an explanation ran out since the last notice, when it has been red and unexplained for
    /// `escalate_days`, or when the repeat interval passed.
    fn follow_up(
        &self,
        state: AlertState,
        kind: AlertKind,
        milestone: Option<NaiveDate>,
    ) -> Option<(Reason, LagFacts)> {
        let mut lag = self.lag(kind, milestone);
        // A state kept before levels existed announced its kind's own colour.
        let announced = state.level.unwrap_or(floor_of(kind));
        if lag.level > announced {
            lag.raised_from = Some(announced);
            return Some((Reason::First, lag));
        }
        if lag.explanation.is_some() || self.today > year_closes(self.fund.year) {
            return None;
        }
        lag.expired = self.expired_since(state.last_sent, milestone).cloned();
        lag.escalation = self.escalation(state, lag.level, milestone);
        let reason = if lag.expired.is_some() {
            Reason::Expired
        } else if lag.escalation.is_some() {
            Reason::Escalated
        } else if self.repeat_due(state) {
            Reason::Repeat
        } else {
            return None;
        };
        Some((reason, lag))
    }

    /// The covering explanation in force today (the latest recorded).
    fn in_force(&self, milestone: Option<NaiveDate>) -> Option<&Explanation> {
        self.covering(milestone)
            .filter(|e| e.in_force(self.today))
            .max_by_key(|e| (e.day, e.id))
    }

    /// A covering explanation whose force ended after the last notice, on or before today.
    fn expired_since(
        &self,
        last_sent: NaiveDate,
        milestone: Option<NaiveDate>,
    ) -> Option<&Explanation> {
        self.covering(milestone)
            .filter(|e| e.was_in_force())
            .filter(|e| {
                e.end_day()
                    .is_some_and(|end| end > last_sent && end <= self.today)
            })
            .max_by_key(|e| (e.end_day(), e.id))
    }

    /// How long it has been red and unexplained, when the unexplained days reach
    /// `escalate_days` for an alert not yet escalated in this episode: counted from the day it
    /// turned red, or from the day the last explanation covering it ran out, whichever is
    /// later.
    fn escalation(
        &self,
        state: AlertState,
        level: Level,
        milestone: Option<NaiveDate>,
    ) -> Option<Escalation> {
        if !self.escalates || level != Level::Red || state.escalated {
            return None;
        }
        let explained_until = self
            .covering(milestone)
            .filter(|e| e.was_in_force())
            .filter_map(Explanation::end_day)
            .filter(|end| *end <= self.today)
            .max();
        let since = explained_until.map_or(state.level_since, |e| e.max(state.level_since));
        let unexplained_days = (self.today - since).num_days();
        (unexplained_days >= self.policy.escalate_days).then(|| Escalation {
            red_days: (self.today - state.level_since).num_days(),
            unexplained_days,
        })
    }

    fn covering(&self, milestone: Option<NaiveDate>) -> impl Iterator<Item = &Explanation> {
        self.explanations
            .iter()
            .copied()
            .filter(move |e| e.covers(&self.fund.id, milestone))
    }

    /// Whether a milestone's alert speaks for the fund's lag: one at risk, or the latest
    /// missed one not caught up.
    fn milestone_lags(&self) -> bool {
        self.report.milestones.iter().any(|m| {
            m.status == MilestoneStatus::AtRisk || (self.is_latest_missed(m) && !self.caught_up(m))
        })
    }

    /// A milestone's alert ends because the milestone is met.
    fn met(&self, facts: MilestoneFacts) -> Outcome {
        (
            Reason::Resolved,
            self.resolved_notice(Notice::Met { milestone: facts }),
        )
    }

    fn missed_notice(&self, m: &MilestoneReport, again: bool, lag: Option<LagFacts>) -> Notice {
        let caught_up = self.caught_up(m);
        Notice::Missed {
            milestone: MilestoneFacts::from(m),
            spent_now: self.report.spent,
            caught_up,
            again,
            lag: if caught_up {
                None
            } else {
                Some(lag.unwrap_or_else(|| self.lag(AlertKind::Missed, Some(m.milestone.date))))
            },
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
            indicator: None,
        }
    }

    /// The decision for `outcome`, its new state following from its reason and notice.
    fn decision(
        &self,
        key: AlertKey,
        previous: Option<AlertState>,
        (reason, notice): Outcome,
    ) -> Decision {
        Decision {
            next: next_state(previous, reason, notice.as_ref(), self.today),
            key,
            reason,
            notice,
        }
    }
}

/// The level an alert of `kind` has at least: 红 for `missed`, 黄 for `due` and `lag`.
fn floor_of(kind: AlertKind) -> Level {
    if kind == AlertKind::Missed {
        Level::Red
    } else {
        Level::Yellow
    }
}

/// The milestone floor rule of `level` (README, "Warning levels"), for a notice whose caller
/// graded nothing.
fn floor_rule(level: Level) -> LevelRule {
    let mut floors = LevelRule::milestone_floors();
    let i = floors.iter().position(|r| r.level == level).unwrap_or(0);
    floors.swap_remove(i)
}
