//! The alerts of one 绩效指标 (双监控's second half): `indicator` while it lags or is
//! breached on its latest data, `indicator_stale` while no 完成值 comes for it. The same life
//! cycle as the spending alerts: a first notice, repeats every `repeat_days` while the year is
//! open, a notice when it ends; a 情况说明 of the whole fund in force quiets the repeats (and
//! its running out is announced); a stale indicator's lag alert is replaced by the stale one,
//! since old figures say nothing about today — unless they settled it (完全不可能).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{
    AlertKey, AlertKind, AlertPolicy, AlertState, Decision, Notice, Reason, firing,
    interval_passed, next_state, repeat_due, resolved_notice, year_closes,
};
use crate::core::explanation::Explanation;
use crate::core::indicator::{Indicator, IndicatorReport, Likelihood};

/// What the rules know about one indicator on the check's day.
#[derive(Debug, Clone, Copy)]
pub struct IndicatorFacts<'a> {
    /// Its fund's id; `None` for the department's own 分项绩效目标.
    pub fund: Option<&'a str>,
    /// The indicator.
    pub indicator: &'a Indicator,
    /// How it stands on the day.
    pub report: &'a IndicatorReport,
    /// Its year (its fund's, or the config's budget year): repeats stop when it closes.
    pub year: i32,
    /// The 情况说明 of its fund, in force or not (a fund-wide one covers its indicators;
    /// those about one milestone do not); ignored for the department's indicators.
    pub explanations: &'a [Explanation],
}

/// Decides the `indicator` and `indicator_stale` alerts of one indicator on `today` from its
/// facts and the previous states: the lag alert first, then the stale one.
pub fn decide_indicator(
    facts: &IndicatorFacts<'_>,
    previous: &HashMap<AlertKey, AlertState>,
    policy: AlertPolicy,
    today: NaiveDate,
) -> Vec<Decision> {
    let stale = facts.report.stale_days;
    // Stale figures say nothing about today, unless they already settled it: a count past its
    // limit cannot come back (完全不可能), and its breach stays told.
    let settled = facts.report.likelihood == Likelihood::Impossible;
    let off = (stale.is_none() || settled) && facts.report.state.is_off_track();
    let lag_key = key(facts, AlertKind::Indicator);
    let stale_key = key(facts, AlertKind::IndicatorStale);
    let lag_state = previous.get(&lag_key).copied();
    let stale_state = previous.get(&stale_key).copied();
    let year_open = today <= year_closes(facts.year);
    let id = &facts.indicator.id;

    let mut out = Vec::new();
    let lag = match (off, firing(lag_state)) {
        (true, None) => Some((
            Reason::First,
            Some(off_notice(facts, in_force(facts, today).cloned(), None)),
        )),
        (true, Some(state)) => follow_up(facts, state, policy, today),
        // Old figures say nothing about today: the stale alert takes over, silently.
        (false, Some(_)) if stale.is_some() => Some((Reason::Replaced, None)),
        (false, Some(_)) if year_open => Some((
            Reason::Resolved,
            resolved_notice(
                policy,
                Notice::IndicatorOnTrack {
                    indicator: id.clone(),
                },
            ),
        )),
        (false, Some(_)) => Some((Reason::Resolved, None)),
        (false, None) => None,
    };
    if let Some((reason, notice)) = lag {
        out.push(decision(lag_key, lag_state, reason, notice, today));
    }

    let stale_notice = |days| Notice::IndicatorStale {
        indicator: id.clone(),
        days,
        data_day: facts.report.data_day,
    };
    let fresh = match (stale, firing(stale_state)) {
        (Some(days), None) => Some((Reason::First, Some(stale_notice(days)))),
        (Some(days), Some(state)) if repeat_due(state, policy, today, facts.year) => {
            Some((Reason::Repeat, Some(stale_notice(days))))
        }
        (None, Some(_)) if year_open => Some((
            Reason::Resolved,
            resolved_notice(
                policy,
                Notice::IndicatorFresh {
                    indicator: id.clone(),
                },
            ),
        )),
        (None, Some(_)) => Some((Reason::Resolved, None)),
        _ => None,
    };
    if let Some((reason, notice)) = fresh {
        out.push(decision(stale_key, stale_state, reason, notice, today));
    }
    out
}

/// A firing lag alert that still holds: quiet while a 情况说明 covers it or once the year
/// closed; announced again when the one that quieted it ran out, or every `repeat_days`.
fn follow_up(
    facts: &IndicatorFacts<'_>,
    state: AlertState,
    policy: AlertPolicy,
    today: NaiveDate,
) -> Option<(Reason, Option<Notice>)> {
    if in_force(facts, today).is_some() || today > year_closes(facts.year) {
        return None;
    }
    let expired = covering(facts)
        .filter(|e| e.was_in_force())
        .filter(|e| {
            e.end_day()
                .is_some_and(|end| end > state.last_sent && end <= today)
        })
        .max_by_key(|e| (e.end_day(), e.id))
        .cloned();
    let reason = if expired.is_some() {
        Reason::Expired
    } else if interval_passed(state, policy, today) {
        Reason::Repeat
    } else {
        return None;
    };
    Some((reason, Some(off_notice(facts, None, expired))))
}

fn off_notice(
    facts: &IndicatorFacts<'_>,
    explanation: Option<Explanation>,
    expired: Option<Explanation>,
) -> Notice {
    Notice::IndicatorOff {
        indicator: facts.indicator.id.clone(),
        state: facts.report.state,
        explanation,
        expired,
    }
}

/// The fund-wide 情况说明 of the indicator's fund (none for the department's).
fn covering<'a>(facts: &IndicatorFacts<'a>) -> impl Iterator<Item = &'a Explanation> {
    let fund = facts.fund;
    facts
        .explanations
        .iter()
        .filter(move |e| fund.is_some_and(|f| e.covers(f, None)) && e.milestone.is_none())
}

/// The covering explanation in force today (the latest recorded).
fn in_force<'a>(facts: &IndicatorFacts<'a>, today: NaiveDate) -> Option<&'a Explanation> {
    covering(facts)
        .filter(|e| e.in_force(today))
        .max_by_key(|e| (e.day, e.id))
}

fn key(facts: &IndicatorFacts<'_>, kind: AlertKind) -> AlertKey {
    AlertKey {
        fund: facts.fund.unwrap_or_default().to_owned(),
        milestone: None,
        kind,
        indicator: Some(facts.indicator.id.clone()),
    }
}

fn decision(
    key: AlertKey,
    previous: Option<AlertState>,
    reason: Reason,
    notice: Option<Notice>,
    today: NaiveDate,
) -> Decision {
    Decision {
        next: next_state(previous, reason, notice.as_ref(), today),
        key,
        reason,
        notice,
    }
}
