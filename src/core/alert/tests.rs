//! One row per rule of SPEC section 4. Each row: the spending, the check's day, the previous
//! states, and the decisions expected as `kind@MM-DD reason notice`.

use super::*;
use crate::core::{DailySpend, Milestone, Policy, Share, evaluate};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

pub(super) fn day(m: u32, d: u32) -> NaiveDate {
    ymd(2025, m, d)
}

/// 150,000 元 with the plan 25/50/75/100 (shared with `lag_tests`).
pub(super) fn fund() -> Fund {
    let plan = [
        (3, 31, 2500),
        (6, 30, 5000),
        (10, 31, 7500),
        (12, 31, 10_000),
    ];
    Fund {
        id: "ng".into(),
        code: "C".into(),
        name: "网络综合治理体系建设专项资金".into(),
        year: 2025,
        budget: Money::from_fen(15_000_000),
        milestones: plan
            .iter()
            .map(|&(m, d, bp)| Milestone {
                date: day(m, d),
                share: Share::from_basis_points(bp),
            })
            .collect(),
        aliases: vec![],
        notify: vec![],
        escalate: vec![],
    }
}

pub(super) const POLICY: AlertPolicy = AlertPolicy {
    repeat_days: 7,
    notify_resolved: true,
    stale_days: 35,
    escalate_days: 7,
};

/// The decisions of a check with the milestone floors alone and no explanation: the rules of
/// SPEC section 4.
fn decide_plain(
    f: &Fund,
    report: &FundReport,
    previous: &HashMap<AlertKey, AlertState>,
    policy: AlertPolicy,
    today: NaiveDate,
) -> Vec<Decision> {
    let facts = FundFacts {
        fund: f,
        report,
        rules: &[],
        explanations: &[],
        escalates: false,
    };
    decide_fund(&facts, previous, policy, today).decisions
}

fn state(
    status: AlertStatus,
    kind: AlertKind,
    milestone: Option<NaiveDate>,
    since: NaiveDate,
    last_sent: NaiveDate,
) -> (AlertKey, AlertState) {
    (
        AlertKey {
            fund: "ng".into(),
            milestone,
            kind,
            indicator: None,
        },
        AlertState::plain(status, since, last_sent),
    )
}

fn firing(
    kind: AlertKind,
    milestone: Option<NaiveDate>,
    since: NaiveDate,
    last_sent: NaiveDate,
) -> (AlertKey, AlertState) {
    state(AlertStatus::Firing, kind, milestone, since, last_sent)
}

/// An alert that ended (met, caught up, replaced, back within budget).
fn resolved(
    kind: AlertKind,
    milestone: Option<NaiveDate>,
    since: NaiveDate,
    last_sent: NaiveDate,
) -> (AlertKey, AlertState) {
    state(AlertStatus::Resolved, kind, milestone, since, last_sent)
}

fn notice_name(n: &Option<Notice>) -> String {
    match n {
        None => "-".into(),
        Some(Notice::Due { .. }) => "due".into(),
        Some(Notice::Met { .. }) => "met".into(),
        Some(Notice::Missed {
            caught_up, again, ..
        }) => {
            let again = if *again { ", again" } else { "" };
            format!("missed(caught_up={caught_up}{again})")
        }
        Some(Notice::CaughtUp { .. }) => "caught_up".into(),
        Some(Notice::OverBudget { .. }) => "over_budget".into(),
        Some(Notice::BackWithinBudget { .. }) => "back_within_budget".into(),
        Some(Notice::Stale { days, .. }) => format!("stale({days})"),
        Some(Notice::Fresh) => "fresh".into(),
        Some(Notice::Behind { lag }) => format!("behind({})", lag.level.as_str()),
        Some(Notice::BackOnTrack { .. }) => "back_on_track".into(),
        Some(other) => format!("indicator({})", other.indicator().unwrap_or_default()),
    }
}

fn describe(d: &Decision) -> String {
    let at = d
        .key
        .milestone
        .map(|m| format!("@{}", m.format("%m-%d")))
        .unwrap_or_default();
    format!(
        "{}{at} {} {} -> {}",
        d.key.kind.as_str(),
        d.reason.as_str(),
        notice_name(&d.notice),
        d.next.status.as_str()
    )
}

fn run(
    spend: &[(NaiveDate, i64)],
    today: NaiveDate,
    previous: &[(AlertKey, AlertState)],
    policy: AlertPolicy,
) -> Vec<String> {
    let f = fund();
    let spend = DailySpend::from_amounts(
        spend
            .iter()
            .map(|&(d, y)| (d, Money::from_fen(y * 100)))
            .collect(),
    );
    let report = evaluate(&f, &spend, today, Policy::default());
    let previous: HashMap<AlertKey, AlertState> = previous.iter().cloned().collect();
    let mut out: Vec<String> = decide_plain(&f, &report, &previous, policy, today)
        .iter()
        .map(describe)
        .collect();
    out.sort();
    out
}

/// (rule, spending by day in 元, check day, previous states, policy, expected decisions)
type Row = (
    &'static str,
    Vec<(NaiveDate, i64)>,
    NaiveDate,
    Vec<(AlertKey, AlertState)>,
    AlertPolicy,
    Vec<&'static str>,
);

#[test]
fn alert_life_cycle_table() {
    let m03 = Some(day(3, 31));
    let m06 = Some(day(6, 30));
    let m12 = Some(day(12, 31));
    // The field case N2: 60,000.00 by 06-30 (target 75,000.00), 20,000.00 on 07-03 caught it
    // up, a reversal of 10,000.00 on 07-09 puts it behind again.
    let n2 = vec![
        (day(3, 20), 40_000),
        (day(6, 20), 20_000),
        (day(7, 3), 20_000),
        (day(7, 9), -10_000),
    ];
    let no_resolved = AlertPolicy {
        notify_resolved: false,
        ..POLICY
    };
    #[rustfmt::skip]
    let rows: Vec<Row> = vec![
        ("nothing to say before the warning window",
            vec![(day(1, 5), 10_000)], day(3, 15), vec![], POLICY, vec![]),
        ("due: first notice when a milestone enters the window",
            vec![(day(1, 5), 10_000)], day(3, 16), vec![], POLICY, vec!["due@03-31 first due -> firing"]),
        ("due: no repeat before repeat_interval",
            vec![(day(1, 5), 10_000)], day(3, 22), vec![firing(AlertKind::Due, m03, day(3, 16), day(3, 16))], POLICY, vec![]),
        ("due: repeat after repeat_interval",
            vec![(day(1, 5), 10_000)], day(3, 23), vec![firing(AlertKind::Due, m03, day(3, 16), day(3, 16))], POLICY, vec!["due@03-31 repeat due -> firing"]),
        ("due: ends with a met notice when the milestone is met",
            vec![(day(1, 5), 40_000)], day(3, 25), vec![firing(AlertKind::Due, m03, day(3, 16), day(3, 23))], POLICY, vec!["due@03-31 resolved met -> resolved"]),
        ("due: met seen only after its day (entries dated on the day arrived late)",
            vec![(day(3, 31), 37_500)], day(4, 2), vec![firing(AlertKind::Due, m03, day(3, 16), day(3, 30))], POLICY, vec!["due@03-31 resolved met -> resolved"]),
        ("due: met without notify_resolved ends silently",
            vec![(day(1, 5), 40_000)], day(3, 25), vec![firing(AlertKind::Due, m03, day(3, 16), day(3, 23))], no_resolved, vec!["due@03-31 resolved - -> resolved"]),
        ("due: the day passes unmet, missed takes over without a due notice",
            vec![(day(1, 5), 10_000)], day(4, 1), vec![firing(AlertKind::Due, m03, day(3, 16), day(3, 30))], POLICY,
            vec!["due@03-31 replaced - -> resolved", "missed@03-31 first missed(caught_up=false) -> firing"]),
        ("missed: sent once even when the fund has already caught up",
            vec![(day(1, 5), 10_000), (day(4, 1), 30_000)], day(4, 2), vec![], POLICY, vec!["missed@03-31 first missed(caught_up=true) -> resolved"]),
        ("again: due at risk again after its met notice (a reversal) is a first notice",
            vec![(day(1, 5), 30_000), (day(3, 18), 10_000), (day(3, 20), -5_000)], day(3, 20), vec![resolved(AlertKind::Due, m03, day(3, 16), day(3, 16))], POLICY,
            vec!["due@03-31 first due -> firing"]),
        ("again: the renewed due alert repeats after repeat_interval",
            vec![(day(1, 5), 30_000), (day(3, 18), 10_000), (day(3, 20), -5_000)], day(3, 27), vec![firing(AlertKind::Due, m03, day(3, 20), day(3, 20))], POLICY,
            vec!["due@03-31 repeat due -> firing"]),
        ("again: due met and still met after it ended: nothing",
            vec![(day(1, 5), 30_000), (day(3, 18), 10_000)], day(3, 20), vec![resolved(AlertKind::Due, m03, day(3, 16), day(3, 16))], POLICY, vec![]),
        ("again (N2): missed behind its target again after the caught-up notice is a first notice",
            n2.clone(), day(7, 10), vec![resolved(AlertKind::Missed, m06, day(7, 1), day(7, 1))], POLICY,
            vec!["missed@06-30 first missed(caught_up=false, again) -> firing"]),
        ("again (N2): no repeat before repeat_interval",
            n2.clone(), day(7, 16), vec![firing(AlertKind::Missed, m06, day(7, 10), day(7, 10))], POLICY, vec![]),
        ("again (N2): the renewed missed alert repeats while behind",
            n2.clone(), day(7, 17), vec![firing(AlertKind::Missed, m06, day(7, 10), day(7, 10))], POLICY,
            vec!["missed@06-30 repeat missed(caught_up=false) -> firing"]),
        ("again: missed already caught up at its first notice, behind again later",
            vec![(day(1, 5), 10_000), (day(4, 1), 30_000), (day(4, 9), -5_000)], day(4, 10), vec![resolved(AlertKind::Missed, m03, day(4, 2), day(4, 2))], POLICY,
            vec!["missed@03-31 first missed(caught_up=false, again) -> firing"]),
        ("again: missed still caught up after it ended: nothing",
            vec![(day(1, 5), 10_000), (day(4, 1), 30_000)], day(4, 10), vec![resolved(AlertKind::Missed, m03, day(4, 2), day(4, 2))], POLICY, vec![]),
        ("again: an older missed milestone that was replaced stays quiet; the newest speaks",
            vec![(day(1, 5), 10_000)], day(7, 2), vec![resolved(AlertKind::Missed, m03, day(4, 1), day(6, 24)), firing(AlertKind::Missed, m06, day(7, 1), day(7, 1))], POLICY, vec![]),
        ("missed: no repeat before repeat_interval",
            vec![(day(1, 5), 10_000)], day(4, 7), vec![firing(AlertKind::Missed, m03, day(4, 1), day(4, 1))], POLICY, vec![]),
        ("missed: repeats while not caught up",
            vec![(day(1, 5), 10_000)], day(4, 8), vec![firing(AlertKind::Missed, m03, day(4, 1), day(4, 1))], POLICY, vec!["missed@03-31 repeat missed(caught_up=false) -> firing"]),
        ("missed: one caught-up notice when spending reaches the target",
            vec![(day(1, 5), 10_000), (day(4, 5), 28_000)], day(4, 6), vec![firing(AlertKind::Missed, m03, day(4, 1), day(4, 1))], POLICY, vec!["missed@03-31 resolved caught_up -> resolved"]),
        ("missed: caught up without notify_resolved ends silently",
            vec![(day(1, 5), 10_000), (day(4, 5), 28_000)], day(4, 6), vec![firing(AlertKind::Missed, m03, day(4, 1), day(4, 1))], no_resolved, vec!["missed@03-31 resolved - -> resolved"]),
        ("missed: late-posted entries met the milestone after all",
            vec![(day(3, 30), 38_000)], day(4, 10), vec![firing(AlertKind::Missed, m03, day(4, 1), day(4, 8))], POLICY, vec!["missed@03-31 resolved met -> resolved"]),
        ("missed: a newer missed milestone replaces an older one",
            vec![(day(1, 5), 10_000)], day(7, 1), vec![firing(AlertKind::Missed, m03, day(4, 1), day(6, 24))], POLICY,
            vec!["missed@03-31 replaced - -> resolved", "missed@06-30 first missed(caught_up=false) -> firing"]),
        ("missed: a catch-up run reports every missed milestone once; only the newest fires",
            vec![(day(1, 5), 10_000)], day(7, 1), vec![], POLICY,
            vec!["missed@03-31 first missed(caught_up=false) -> resolved", "missed@06-30 first missed(caught_up=false) -> firing"]),
        ("missed: the December milestone on 01-01 is the year-end result",
            vec![(day(1, 5), 120_000)], ymd(2026, 1, 1), vec![], POLICY, vec!["missed@12-31 first missed(caught_up=false) -> firing"]),
        ("missed: repeats until 01-31 of the next year",
            vec![(day(1, 5), 120_000)], ymd(2026, 1, 29), vec![firing(AlertKind::Missed, m12, ymd(2026, 1, 1), ymd(2026, 1, 22))], POLICY,
            vec!["missed@12-31 repeat missed(caught_up=false) -> firing"]),
        ("a closed year repeats nothing",
            vec![(day(1, 5), 120_000)], ymd(2026, 2, 1), vec![firing(AlertKind::Missed, m12, ymd(2026, 1, 1), ymd(2026, 1, 22))], POLICY, vec![]),
        ("a closed year still announces its result once on a first run",
            vec![(day(1, 5), 40_000), (day(6, 1), 40_000), (day(10, 1), 40_000)], ymd(2026, 11, 28), vec![], POLICY,
            vec!["missed@12-31 first missed(caught_up=false) -> firing"]),
        ("a closed year's firing alert ends with a notice when late entries catch it up",
            vec![(day(1, 5), 120_000), (day(12, 30), 30_000)], ymd(2026, 3, 1), vec![firing(AlertKind::Missed, m12, ymd(2026, 1, 1), ymd(2026, 1, 29))], POLICY,
            vec!["missed@12-31 resolved met -> resolved"]),
        ("over_budget: sent once",
            vec![(day(1, 5), 150_000), (day(2, 1), 1)], day(2, 2), vec![], POLICY, vec!["over_budget first over_budget -> firing"]),
        ("over_budget: never repeated",
            vec![(day(1, 5), 150_001)], day(3, 2), vec![firing(AlertKind::OverBudget, None, day(2, 2), day(2, 2))], POLICY, vec![]),
        ("over_budget: a reversal brings spending back within budget",
            vec![(day(1, 5), 150_001), (day(3, 1), -1)], day(3, 2), vec![firing(AlertKind::OverBudget, None, day(2, 2), day(2, 2))], POLICY,
            vec!["over_budget resolved back_within_budget -> resolved"]),
        ("over_budget: over again after it ended is a first notice",
            vec![(day(1, 5), 150_001), (day(3, 1), -1), (day(4, 1), 5)], day(4, 2), vec![resolved(AlertKind::OverBudget, None, day(2, 2), day(2, 2))], POLICY,
            vec!["over_budget first over_budget -> firing"]),
        ("over_budget: still within budget after it ended: nothing",
            vec![(day(1, 5), 150_001), (day(3, 1), -1)], day(4, 2), vec![resolved(AlertKind::OverBudget, None, day(2, 2), day(2, 2))], POLICY, vec![]),
        ("exactly the budget is not over it",
            vec![(day(1, 5), 150_000)], day(2, 2), vec![], POLICY, vec![]),
        ("before the year nothing fires",
            vec![], ymd(2024, 12, 1), vec![], POLICY, vec![]),
    ];
    for (name, spend, today, previous, policy, expected) in rows {
        assert_eq!(run(&spend, today, &previous, policy), expected, "{name}");
    }
    // Replaced decisions never carry a notice of their own.
    let out = run(
        &[(day(1, 5), 10_000)],
        day(7, 1),
        &[firing(AlertKind::Missed, m03, day(4, 1), day(6, 24))],
        POLICY,
    );
    assert!(
        out.iter()
            .filter(|d| d.contains("replaced"))
            .all(|d| d.contains(" - "))
    );
}

/// The field case N2 day by day, each check's states feeding the next, as the database does:
/// the ledger on a check day is v1 until 07-03, v2 (20,000.00 on 07-03) from 07-04, v3 (a
/// reversal of 10,000.00 on 07-09) from 07-10.
#[test]
fn n2_fires_again_after_the_caught_up_notice_and_repeats_while_behind() {
    let f = fund();
    let v1 = vec![(day(3, 20), 4_000_000), (day(6, 20), 2_000_000)];
    let mut v2 = v1.clone();
    v2.push((day(7, 3), 2_000_000));
    let mut v3 = v2.clone();
    v3.push((day(7, 9), -1_000_000));
    let mut states: HashMap<AlertKey, AlertState> = HashMap::new();
    let mut said = Vec::new();
    // To 08-06: the next repeat would be 08-07.
    let mut today = day(6, 1);
    while today <= day(8, 6) {
        let ledger = if today < day(7, 4) {
            &v1
        } else if today < day(7, 10) {
            &v2
        } else {
            &v3
        };
        let spend = DailySpend::from_amounts(
            ledger
                .iter()
                .map(|&(d, fen)| (d, Money::from_fen(fen)))
                .collect(),
        );
        let report = evaluate(&f, &spend, today, Policy::default());
        for d in decide_plain(&f, &report, &states, POLICY, today) {
            if let Some(notice) = &d.notice {
                let numbers = match notice {
                    Notice::Missed {
                        milestone,
                        spent_now,
                        ..
                    } => format!(
                        " spent {} gap {}",
                        spent_now.grouped(),
                        milestone.target.saturating_sub(*spent_now).grouped()
                    ),
                    _ => String::new(),
                };
                said.push(format!(
                    "{} {} {}{numbers}",
                    today.format("%m-%d"),
                    d.reason.as_str(),
                    notice_name(&d.notice)
                ));
            }
            states.insert(d.key, d.next);
        }
        today = today.succ_opt().expect("next day");
    }
    assert_eq!(
        said,
        [
            // The June milestone at risk from 06-15 (40,000.00 of 75,000.00), every 7 days.
            "06-15 first due",
            "06-22 repeat due",
            "06-29 repeat due",
            "07-01 first missed(caught_up=false) spent 60,000.00 gap 15,000.00",
            "07-04 resolved caught_up",
            "07-10 first missed(caught_up=false, again) spent 70,000.00 gap 5,000.00",
            "07-17 repeat missed(caught_up=false) spent 70,000.00 gap 5,000.00",
            "07-24 repeat missed(caught_up=false) spent 70,000.00 gap 5,000.00",
            "07-31 repeat missed(caught_up=false) spent 70,000.00 gap 5,000.00",
        ]
    );
    let key = AlertKey {
        fund: "ng".into(),
        milestone: Some(day(6, 30)),
        kind: AlertKind::Missed,
        indicator: None,
    };
    assert_eq!(
        states.get(&key),
        Some(&AlertState {
            level: Some(Level::Red),
            ..AlertState::plain(AlertStatus::Firing, day(7, 10), day(7, 31))
        })
    );
}

#[test]
fn missed_notice_carries_the_numbers() {
    let f = fund();
    let spend = DailySpend::from_amounts(vec![
        (day(1, 5), Money::from_fen(3_000_000)),
        (day(4, 3), Money::from_fen(100_000)),
    ]);
    let report = evaluate(&f, &spend, day(4, 5), Policy::default());
    let decisions = decide_plain(&f, &report, &HashMap::new(), POLICY, day(4, 5));
    let Some(Notice::Missed {
        milestone,
        spent_now,
        caught_up,
        again,
        ..
    }) = &decisions[0].notice
    else {
        panic!("{decisions:?}")
    };
    assert!(!again);
    assert_eq!(milestone.target, Money::from_fen(3_750_000));
    assert_eq!(milestone.spent, Money::from_fen(3_000_000));
    assert_eq!(milestone.shortfall, Money::from_fen(750_000));
    assert_eq!(milestone.days_left, -5);
    assert_eq!(*spent_now, Money::from_fen(3_100_000));
    assert!(!caught_up);
}

#[test]
fn stale_table() {
    let prev = AlertState::plain(AlertStatus::Firing, day(5, 1), day(5, 1));
    // Ended on 05-08 when a source changed on 05-07.
    let ended = AlertState {
        status: AlertStatus::Resolved,
        ..prev
    };
    let show = |d: Option<Decision>| d.map(|d| describe(&d)).unwrap_or_else(|| "none".into());
    #[rustfmt::skip]
    let rows = [
        ("fresh data", Some(day(4, 1)), true, None, day(5, 5), "none"),
        ("35 days without a change", Some(day(4, 1)), true, None, day(5, 6), "stale first stale(35) -> firing"),
        ("never any data", None, true, None, day(5, 6), "stale first stale(0) -> firing"),
        ("no repeat within the interval", Some(day(3, 1)), true, Some(prev), day(5, 7), "none"),
        ("repeat after the interval", Some(day(3, 1)), true, Some(prev), day(5, 8), "stale repeat stale(68) -> firing"),
        ("a source changed", Some(day(5, 7)), true, Some(prev), day(5, 8), "stale resolved fresh -> resolved"),
        ("no year open", Some(day(3, 1)), false, None, day(5, 8), "none"),
        ("the year closes while stale: ends without a notice", Some(day(3, 1)), false, Some(prev), day(5, 8), "stale resolved - -> resolved"),
        ("stale again after it ended: a first notice", Some(day(5, 7)), true, Some(ended), day(6, 11), "stale first stale(35) -> firing"),
        ("fresh after it ended: nothing", Some(day(5, 7)), true, Some(ended), day(6, 10), "none"),
    ];
    for (name, last_change, open, previous, today, expected) in rows {
        assert_eq!(
            show(decide_stale(last_change, open, previous, POLICY, today)),
            expected,
            "{name}"
        );
    }
}

#[test]
fn years_open_until_the_end_of_january_after() {
    let funds = [fund()];
    assert!(!any_year_open(&funds, ymd(2024, 12, 31)));
    assert!(any_year_open(&funds, ymd(2025, 1, 1)));
    assert!(any_year_open(&funds, ymd(2026, 1, 31)));
    assert!(!any_year_open(&funds, ymd(2026, 2, 1)));
    assert_eq!(year_closes(2025), ymd(2026, 1, 31));
}

#[test]
fn kinds_round_trip() {
    for kind in [
        AlertKind::Due,
        AlertKind::Missed,
        AlertKind::OverBudget,
        AlertKind::Stale,
    ] {
        assert_eq!(AlertKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(AlertKind::parse("other"), None);
    for status in [AlertStatus::Firing, AlertStatus::Resolved] {
        assert_eq!(AlertStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(AlertStatus::parse("other"), None);
    for reason in [
        Reason::First,
        Reason::Repeat,
        Reason::Resolved,
        Reason::Replaced,
    ] {
        assert_eq!(Reason::parse(reason.as_str()), Some(reason));
    }
    assert_eq!(Reason::parse("other"), None);
}
