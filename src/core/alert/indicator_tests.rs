//! The life cycle of an indicator's alerts: a story of checks, each with the indicator's state
//! on the day and what the check decides (`kind reason notice`).

use super::tests::{POLICY, day};
use super::*;
use crate::core::{
    Comparator, Decimal, ExplanationReason, Indicator, IndicatorOutlook, IndicatorReport,
    Likelihood, Pace, Progress, Target, Tier1, Tier2,
};

fn indicator() -> Indicator {
    Indicator {
        id: "ng-yq-reports".into(),
        fund: Some("ng".into()),
        tier1: Tier1::Output,
        tier2: Tier2::Quantity,
        name: "上报涉唐舆情数量".into(),
        comparator: Comparator::AtLeast,
        target: Target::Number(Decimal::whole(1000)),
        unit: "条".into(),
        basis: None,
        progress: Progress::Cumulative { by: Pace::Time },
        stale_after_days: None,
    }
}

fn report(state: IndicatorState, stale_days: Option<i64>) -> IndicatorReport {
    let likelihood = if state == IndicatorState::Breached && stale_days.is_some() {
        // The breached count of the test below: past its limit for good.
        Likelihood::Impossible
    } else {
        Likelihood::Possible
    };
    IndicatorReport {
        id: "ng-yq-reports".into(),
        actual: None,
        data_day: Some(day(6, 30)),
        months_reported: 6,
        expected: None,
        outlook: IndicatorOutlook::Insufficient("test"),
        likelihood,
        state,
        months_without_update: vec![],
        stale_days,
    }
}

fn explanation(id: i64, milestone: Option<NaiveDate>, until: Option<NaiveDate>) -> Explanation {
    Explanation {
        id,
        fund: "ng".into(),
        milestone,
        reason: ExplanationReason::Staff,
        text: "人员调整，舆情上报暂缓".into(),
        day: day(7, 1),
        until,
        user: "finance".into(),
        ended: None,
    }
}

/// Runs checks in order, each `(day, state, stale_days)`, carrying the states between them,
/// and returns each check's decisions as `kind reason notice`.
fn story(
    fund: Option<&str>,
    explanations: &[Explanation],
    policy: AlertPolicy,
    checks: &[(NaiveDate, IndicatorState, Option<i64>)],
) -> Vec<Vec<String>> {
    let ind = indicator();
    let mut states: HashMap<AlertKey, AlertState> = HashMap::new();
    let mut out = Vec::new();
    for &(today, state, stale) in checks {
        let r = report(state, stale);
        let facts = IndicatorFacts {
            fund,
            indicator: &ind,
            report: &r,
            year: 2025,
            explanations,
        };
        let decisions = decide_indicator(&facts, &states, policy, today);
        out.push(
            decisions
                .iter()
                .map(|d| {
                    assert_eq!(d.key.fund, fund.unwrap_or_default());
                    assert_eq!(d.key.indicator.as_deref(), Some("ng-yq-reports"));
                    let notice = match &d.notice {
                        None => "-".to_owned(),
                        Some(Notice::IndicatorOff {
                            state,
                            explanation,
                            expired,
                            ..
                        }) => format!(
                            "off:{state:?}{}{}",
                            if explanation.is_some() {
                                "+explained"
                            } else {
                                ""
                            },
                            if expired.is_some() { "+expired" } else { "" }
                        ),
                        Some(Notice::IndicatorOnTrack { .. }) => "on-track".to_owned(),
                        Some(Notice::IndicatorStale { days, .. }) => format!("stale:{days}"),
                        Some(Notice::IndicatorFresh { .. }) => "fresh".to_owned(),
                        Some(other) => panic!("not an indicator notice: {other:?}"),
                    };
                    format!("{} {} {notice}", d.key.kind.as_str(), d.reason.as_str())
                })
                .collect(),
        );
        for d in decisions {
            states.insert(d.key, d.next);
        }
    }
    out
}

use IndicatorState::{Breached, Lagging, NoData, OnTrack};

#[test]
fn lagging_fires_repeats_weekly_and_ends_with_a_notice() {
    let got = story(
        Some("ng"),
        &[],
        POLICY,
        &[
            (day(7, 1), OnTrack, None),
            (day(7, 2), Lagging, None),
            (day(7, 8), Lagging, None),
            (day(7, 9), Lagging, None),
            (day(7, 10), Breached, None),
            (day(7, 20), OnTrack, None),
            (day(7, 21), OnTrack, None),
        ],
    );
    assert_eq!(
        got,
        [
            vec![],
            vec!["indicator first off:Lagging".to_owned()],
            vec![],
            vec!["indicator repeat off:Lagging".to_owned()],
            vec![],
            vec!["indicator resolved on-track".to_owned()],
            vec![],
        ]
    );
}

#[test]
fn an_end_is_silent_when_resolutions_are_not_told_and_no_data_is_not_lagging() {
    let quiet = AlertPolicy {
        notify_resolved: false,
        ..POLICY
    };
    let got = story(
        Some("ng"),
        &[],
        quiet,
        &[(day(7, 2), Lagging, None), (day(7, 3), NoData, None)],
    );
    assert_eq!(
        got,
        [
            vec!["indicator first off:Lagging".to_owned()],
            vec!["indicator resolved -".to_owned()],
        ]
    );
}

#[test]
fn a_fund_wide_explanation_quiets_repeats_and_its_end_is_told() {
    // In force 07-01 to 07-20; one about a milestone does not cover an indicator.
    let explanations = [
        explanation(1, None, Some(day(7, 20))),
        explanation(2, Some(day(6, 30)), None),
    ];
    let got = story(
        Some("ng"),
        &explanations,
        POLICY,
        &[
            (day(7, 2), Lagging, None),
            (day(7, 9), Lagging, None),
            (day(7, 16), Lagging, None),
            (day(7, 21), Lagging, None),
            (day(7, 22), Lagging, None),
            (day(7, 28), Lagging, None),
        ],
    );
    assert_eq!(
        got,
        [
            vec!["indicator first off:Lagging+explained".to_owned()],
            vec![],
            vec![],
            vec!["indicator expired off:Lagging+expired".to_owned()],
            vec![],
            vec!["indicator repeat off:Lagging".to_owned()],
        ]
    );
}

#[test]
fn the_department_has_no_explanations_and_its_key_has_no_fund() {
    let explanations = [explanation(1, None, None)];
    let got = story(
        None,
        &explanations,
        POLICY,
        &[(day(7, 2), Lagging, None), (day(7, 9), Lagging, None)],
    );
    assert_eq!(
        got,
        [
            vec!["indicator first off:Lagging".to_owned()],
            vec!["indicator repeat off:Lagging".to_owned()],
        ]
    );
}

#[test]
fn stale_data_replaces_the_lag_alert_and_fresh_data_ends_it() {
    let got = story(
        Some("ng"),
        &[],
        POLICY,
        &[
            (day(7, 2), Lagging, None),
            (day(8, 20), Lagging, Some(46)),
            (day(8, 27), Lagging, Some(53)),
            (day(9, 5), Lagging, None),
        ],
    );
    assert_eq!(
        got,
        [
            vec!["indicator first off:Lagging".to_owned()],
            vec![
                "indicator replaced -".to_owned(),
                "indicator_stale first stale:46".to_owned()
            ],
            vec!["indicator_stale repeat stale:53".to_owned()],
            vec![
                "indicator first off:Lagging".to_owned(),
                "indicator_stale resolved fresh".to_owned()
            ],
        ]
    );
}

#[test]
fn repeats_stop_when_the_year_closes() {
    let got = story(
        Some("ng"),
        &[],
        POLICY,
        &[
            (day(12, 30), Lagging, None),
            (
                NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"),
                Lagging,
                None,
            ),
            (
                NaiveDate::from_ymd_opt(2026, 2, 7).expect("date"),
                Lagging,
                None,
            ),
        ],
    );
    assert_eq!(
        got,
        [
            vec!["indicator first off:Lagging".to_owned()],
            vec!["indicator repeat off:Lagging".to_owned()],
            vec![],
        ]
    );
}

#[test]
fn a_breach_that_cannot_come_back_stays_told_when_its_figures_go_stale() {
    let got = story(
        Some("ng"),
        &[],
        POLICY,
        &[
            (day(7, 2), Breached, None),
            (day(8, 20), Breached, Some(46)),
            (day(8, 27), Breached, Some(53)),
        ],
    );
    assert_eq!(
        got,
        [
            vec!["indicator first off:Breached".to_owned()],
            vec![
                "indicator repeat off:Breached".to_owned(),
                "indicator_stale first stale:46".to_owned()
            ],
            vec![
                "indicator repeat off:Breached".to_owned(),
                "indicator_stale repeat stale:53".to_owned()
            ],
        ]
    );
}
