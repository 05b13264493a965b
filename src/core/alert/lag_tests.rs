//! The levels and 情况说明 in the alert life cycle (README, "Warning levels" and "情况说明"):
//! seasons replayed day by day, each day's decisions applied to the states of the next, as a
//! daemon checking daily does.

use super::tests::{POLICY, day, fund};
use super::*;
use crate::core::{
    Behind, Conditions, DailySpend, EndCause, ExplanationReason, MilestoneCondition, Policy,
    Reference, Share, TimeBasis, evaluate,
};

fn yuan(v: i64) -> Money {
    Money::from_fen(v * 100)
}

/// 橙 when a milestone is at risk within 7 days and still 10 points behind the plan.
fn orange_near_milestone() -> LevelRule {
    LevelRule {
        level: Level::Orange,
        when: Conditions {
            milestone: Some(MilestoneCondition::AtRisk),
            within_days: Some(7),
            behind: Some(Behind {
                reference: Reference::Plan,
                points: Share::from_basis_points(1000),
                amount: Money::ZERO,
                time_basis: TimeBasis::Day,
            }),
            ..Conditions::default()
        },
        basis: "默认".into(),
    }
}

/// 红 when 20 points behind 序时.
fn red_behind_time() -> LevelRule {
    LevelRule {
        level: Level::Red,
        when: Conditions {
            behind: Some(Behind {
                reference: Reference::Time,
                points: Share::from_basis_points(2000),
                amount: Money::ZERO,
                time_basis: TimeBasis::Day,
            }),
            ..Conditions::default()
        },
        basis: "国库".into(),
    }
}

fn explanation(
    id: i64,
    milestone: Option<NaiveDate>,
    from: NaiveDate,
    until: Option<NaiveDate>,
) -> Explanation {
    Explanation {
        id,
        fund: "ng".into(),
        milestone,
        reason: ExplanationReason::Funding,
        text: "合同5月签订，9月验收后付款".into(),
        day: from,
        until,
        user: "finance".into(),
        ended: None,
    }
}

struct Season {
    spend: Vec<(NaiveDate, i64)>,
    rules: Vec<LevelRule>,
    explanations: Vec<Explanation>,
    escalates: bool,
}

impl Season {
    fn new(spend: &[(NaiveDate, i64)]) -> Season {
        Season {
            spend: spend.to_vec(),
            rules: vec![orange_near_milestone()],
            explanations: vec![],
            escalates: false,
        }
    }

    /// Checks every day from `from` to `to`, returning each notice as
    /// `MM-DD kind@MM-DD reason level[+notes]` and each ended explanation as
    /// `MM-DD ended #id`.
    fn run(&mut self, from: NaiveDate, to: NaiveDate) -> Vec<String> {
        let f = fund();
        let mut states: HashMap<AlertKey, AlertState> = HashMap::new();
        let mut out = Vec::new();
        let mut today = from;
        while today <= to {
            let spend = DailySpend::from_amounts(
                self.spend
                    .iter()
                    .filter(|(d, _)| *d <= today)
                    .map(|&(d, y)| (d, yuan(y)))
                    .collect(),
            );
            let report = evaluate(&f, &spend, today, Policy::default());
            let facts = FundFacts {
                fund: &f,
                report: &report,
                rules: &self.rules,
                explanations: &self.explanations,
                escalates: self.escalates,
            };
            let decided = decide_fund(&facts, &states, POLICY, today);
            for d in decided.decisions {
                if let Some(n) = &d.notice {
                    out.push(format!("{} {}", today.format("%m-%d"), line(&d, n)));
                }
                states.insert(d.key, d.next);
            }
            for (id, cause) in decided.explanations_ended {
                out.push(format!(
                    "{} ended #{id} {}",
                    today.format("%m-%d"),
                    cause.as_str()
                ));
                let e = self.explanations.iter_mut().find(|e| e.id == id);
                e.expect("an ended explanation exists").ended = Some((today, cause));
            }
            today = today.succ_opt().expect("a next day");
        }
        out
    }
}

fn line(d: &Decision, n: &Notice) -> String {
    let at = d
        .key
        .milestone
        .map(|m| format!("@{}", m.format("%m-%d")))
        .unwrap_or_default();
    let mut text = format!("{}{at} {}", d.key.kind.as_str(), d.reason.as_str());
    match n.lag() {
        Some(lag) => {
            text.push(' ');
            text.push_str(lag.level.as_str());
            if let Some(from) = lag.raised_from {
                text.push_str(&format!("+raised_from={}", from.as_str()));
            }
            if let Some(e) = &lag.explanation {
                text.push_str(&format!("+explained#{}", e.id));
            }
            if let Some(e) = &lag.expired {
                text.push_str(&format!("+expired#{}", e.id));
            }
            if let Some(e) = lag.escalation {
                text.push_str(&format!(
                    "+escalation=red{},unexplained{}",
                    e.red_days, e.unexplained_days
                ));
            }
        }
        None => text.push_str(match n {
            Notice::CaughtUp { .. } => " caught_up",
            Notice::Met { .. } => " met",
            Notice::BackOnTrack { .. } => " back_on_track",
            Notice::Missed { .. } => " missed_caught_up",
            _ => " other",
        }),
    }
    text
}

/// March met with 40,000 元; nothing more: June at risk from 06-15.
fn march_only() -> Vec<(NaiveDate, i64)> {
    vec![(day(3, 15), 40_000)]
}

#[test]
fn yellow_then_orange_then_red_each_a_first_notice() {
    let mut season = Season::new(&march_only());
    let said = season.run(day(6, 1), day(7, 9));
    assert_eq!(
        said,
        [
            "06-15 due@06-30 first yellow",
            "06-22 due@06-30 repeat yellow",
            // 7 days before, 33,000 元 short of a plan of 73,000 元: 10 points are 15,000 元.
            "06-23 due@06-30 first orange+raised_from=yellow",
            "06-30 due@06-30 repeat orange",
            "07-01 missed@06-30 first red",
            "07-08 missed@06-30 repeat red",
        ]
    );
}

#[test]
fn a_level_that_falls_and_rises_back_is_not_announced_again() {
    // On 06-24 a payment brings the shortfall under 10 points (orange ends), a reversal on
    // 06-26 brings it back: no new first notice, the repeat keeps its interval.
    let mut spend = march_only();
    spend.push((day(6, 24), 20_000));
    spend.push((day(6, 26), -20_000));
    let said = Season::new(&spend).run(day(6, 14), day(6, 30));
    assert_eq!(
        said,
        [
            "06-15 due@06-30 first yellow",
            "06-22 due@06-30 repeat yellow",
            "06-23 due@06-30 first orange+raised_from=yellow",
            "06-30 due@06-30 repeat orange",
        ]
    );
}

#[test]
fn an_explanation_stops_repeats_until_it_runs_out() {
    let mut season = Season::new(&march_only());
    season.explanations = vec![explanation(1, None, day(7, 3), Some(day(7, 20)))];
    let said = season.run(day(7, 1), day(7, 31));
    assert_eq!(
        said,
        [
            "07-01 missed@06-30 first red",
            // 07-08 and 07-15 would repeat: explained.
            "07-21 missed@06-30 expired red+expired#1",
            "07-28 missed@06-30 repeat red",
        ]
    );
}

#[test]
fn a_withdrawn_explanation_lets_the_notice_go_at_the_next_check() {
    let mut season = Season::new(&march_only());
    let mut e = explanation(1, None, day(7, 3), None);
    e.ended = Some((day(7, 12), EndCause::Withdrawn));
    season.explanations = vec![e];
    let said = season.run(day(7, 1), day(7, 20));
    assert_eq!(
        said,
        [
            "07-01 missed@06-30 first red",
            "07-12 missed@06-30 expired red+expired#1",
            "07-19 missed@06-30 repeat red",
        ]
    );
}

#[test]
fn while_explained_a_rise_and_a_new_missed_milestone_still_go() {
    // Explained for the whole fund from 06-16: the rise to orange on 06-23 and the miss on
    // 07-01 are first notices that say it is explained; repeats stop.
    let mut season = Season::new(&march_only());
    season.explanations = vec![explanation(4, None, day(6, 16), None)];
    let said = season.run(day(6, 14), day(7, 20));
    assert_eq!(
        said,
        [
            "06-15 due@06-30 first yellow",
            "06-23 due@06-30 first orange+raised_from=yellow+explained#4",
            "07-01 missed@06-30 first red+explained#4",
        ]
    );
}

#[test]
fn an_explanation_of_one_milestone_does_not_quiet_another() {
    // Explained for October only: June's alert repeats as before.
    let mut season = Season::new(&march_only());
    season.explanations = vec![explanation(2, Some(day(10, 31)), day(7, 2), None)];
    let said = season.run(day(7, 1), day(7, 9));
    assert_eq!(
        said,
        [
            "07-01 missed@06-30 first red",
            // Recorded ahead of October's lag: it stays in force, quieting nothing yet.
            "07-08 missed@06-30 repeat red",
        ]
    );
}

#[test]
fn catching_up_ends_the_explanation() {
    let mut spend = march_only();
    spend.push((day(7, 20), 40_000));
    let mut season = Season::new(&spend);
    season.explanations = vec![explanation(3, Some(day(6, 30)), day(7, 2), None)];
    let said = season.run(day(7, 1), day(7, 31));
    assert_eq!(
        said,
        [
            "07-01 missed@06-30 first red",
            "07-20 missed@06-30 resolved caught_up",
            "07-20 ended #3 caught_up",
        ]
    );
}

#[test]
fn red_and_unexplained_for_seven_days_escalates_once() {
    let mut season = Season::new(&march_only());
    season.escalates = true;
    let said = season.run(day(7, 1), day(7, 23));
    assert_eq!(
        said,
        [
            "07-01 missed@06-30 first red",
            "07-08 missed@06-30 escalated red+escalation=red7,unexplained7",
            "07-15 missed@06-30 repeat red",
            "07-22 missed@06-30 repeat red",
        ]
    );
}

#[test]
fn escalation_counts_from_the_end_of_the_last_explanation() {
    let mut season = Season::new(&march_only());
    season.escalates = true;
    season.explanations = vec![explanation(1, None, day(7, 3), Some(day(7, 20)))];
    let said = season.run(day(7, 1), day(8, 5));
    assert_eq!(
        said,
        [
            "07-01 missed@06-30 first red",
            "07-21 missed@06-30 expired red+expired#1",
            // Seven days after the explanation ran out, with the repeat of that day.
            "07-28 missed@06-30 escalated red+escalation=red27,unexplained7",
            "08-04 missed@06-30 repeat red",
        ]
    );
}

#[test]
fn without_anyone_to_escalate_to_a_red_alert_just_repeats() {
    let said = Season::new(&march_only()).run(day(7, 1), day(7, 8));
    assert_eq!(
        said,
        [
            "07-01 missed@06-30 first red",
            "07-08 missed@06-30 repeat red"
        ]
    );
}

#[test]
fn a_rule_alone_raises_the_fund_lag_alert_and_a_milestone_takes_over() {
    // March and June met (80,000 元 by 06-20), then nothing: 20 points behind 序时 (30,000 元) from
    // 09-25 (序时 110,136.99 元); on 10-16 October is at risk and its alert speaks.
    let spend = [(day(3, 20), 40_000), (day(6, 20), 40_000)];
    let mut season = Season::new(&spend);
    season.rules = vec![red_behind_time()];
    let said = season.run(day(9, 20), day(10, 20));
    assert_eq!(
        said,
        [
            "09-25 lag first red",
            "10-02 lag repeat red",
            "10-09 lag repeat red",
            "10-16 due@10-31 first red",
        ]
    );
}

#[test]
fn the_fund_lag_alert_ends_with_a_notice_when_no_rule_holds() {
    let spend = [
        (day(3, 20), 40_000),
        (day(6, 20), 40_000),
        (day(9, 28), 10_000),
    ];
    let mut season = Season::new(&spend);
    season.rules = vec![red_behind_time()];
    let said = season.run(day(9, 24), day(9, 30));
    assert_eq!(
        said,
        ["09-25 lag first red", "09-28 lag resolved back_on_track"]
    );
}

#[test]
fn the_milestone_floors_hold_without_any_rule() {
    let mut season = Season::new(&march_only());
    season.rules = vec![];
    let said = season.run(day(6, 14), day(7, 1));
    assert_eq!(
        said,
        [
            "06-15 due@06-30 first yellow",
            "06-22 due@06-30 repeat yellow",
            "06-29 due@06-30 repeat yellow",
            "07-01 missed@06-30 first red",
        ]
    );
}

#[test]
fn an_at_risk_milestone_is_not_red_because_an_earlier_one_was_missed() {
    // June missed and nothing spent since: June's missed alert is red; October at risk from
    // 10-16 is graded on its own (黄, then 橙 a week before), not by June's floor; on 11-01
    // October's miss takes over the red streak that June's escalation already told the
    // leadership about: no second escalation.
    let mut season = Season::new(&march_only());
    season.escalates = true;
    let said = season.run(day(7, 1), day(11, 10));
    let firsts: Vec<&String> = said.iter().filter(|l| !l.contains(" repeat ")).collect();
    assert_eq!(
        firsts,
        [
            "07-01 missed@06-30 first red",
            "07-08 missed@06-30 escalated red+escalation=red7,unexplained7",
            "10-16 due@10-31 first yellow",
            "10-24 due@10-31 first orange+raised_from=yellow",
            "11-01 missed@10-31 first red",
        ]
    );
}

#[test]
fn a_red_streak_through_lag_due_and_missed_escalates_once() {
    // 20 points behind 序时 from 09-25 (red by rule): the lag alert, then October's due alert
    // (red by the same rule), then October's miss carry one red streak: one escalation.
    let spend = [(day(3, 20), 40_000), (day(6, 20), 40_000)];
    let mut season = Season::new(&spend);
    season.rules = vec![red_behind_time()];
    season.escalates = true;
    let said = season.run(day(9, 20), day(11, 20));
    let escalations: Vec<&String> = said.iter().filter(|l| l.contains("escalat")).collect();
    assert_eq!(
        escalations,
        ["10-02 lag escalated red+escalation=red7,unexplained7"]
    );
}

#[test]
fn an_explanation_recorded_ahead_waits_for_its_lag() {
    // Recorded on 06-01 for June, in force to 07-31: the first notices go (saying it is
    // explained), no repeats; on 08-01 it has run out.
    let mut season = Season::new(&march_only());
    season.explanations = vec![explanation(
        5,
        Some(day(6, 30)),
        day(6, 1),
        Some(day(7, 31)),
    )];
    let said = season.run(day(6, 1), day(8, 2));
    assert_eq!(
        said,
        [
            "06-15 due@06-30 first yellow+explained#5",
            "06-23 due@06-30 first orange+raised_from=yellow+explained#5",
            "07-01 missed@06-30 first red+explained#5",
            "08-01 missed@06-30 expired red+expired#5",
        ]
    );
}

#[test]
fn a_later_milestone_taking_over_supersedes_the_explanation() {
    let mut season = Season::new(&march_only());
    season.explanations = vec![explanation(6, Some(day(6, 30)), day(7, 2), None)];
    let said = season.run(day(10, 30), day(11, 1));
    assert!(
        said.contains(&"11-01 ended #6 superseded".to_owned()),
        "{said:?}"
    );
}

#[test]
fn an_explanation_withdrawn_the_day_it_was_recorded_never_counts() {
    // Never in force: no "ran out" notice, and the escalation is not put off.
    let mut season = Season::new(&march_only());
    season.escalates = true;
    let mut e = explanation(10, None, day(7, 5), None);
    e.ended = Some((day(7, 5), EndCause::Withdrawn));
    season.explanations = vec![e];
    let said = season.run(day(7, 1), day(7, 9));
    assert_eq!(
        said,
        [
            "07-01 missed@06-30 first red",
            "07-08 missed@06-30 escalated red+escalation=red7,unexplained7",
        ]
    );
}
