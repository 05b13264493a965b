//! Graded warnings in the config: `alerts.time_basis`, `alerts.levels` (preset and rules),
//! `alerts.escalate_after` and the `escalate` recipients — what they become, and what is said
//! when they are wrong.

use super::*;
use crate::core::{
    Behind, Conditions, Level, LevelRule, MilestoneCondition, Preset, Reference, Share, TimeBasis,
};

/// `alerts:` lines (indented by two) before the funds.
fn with_alerts(lines: &str) -> String {
    format!("alerts:\n{lines}\n{FUNDS}")
}

/// The config with one rule (a flow mapping's inside) under `alerts.levels.rules`.
fn with_rule(rule: &str) -> String {
    with_alerts(&format!("  levels:\n    rules:\n      - {{{rule}}}"))
}

fn rule_problems(rule: &str) -> Vec<String> {
    problems(&with_rule(rule))
}

#[test]
fn the_levels_in_force_are_the_presets_then_the_offices() {
    let c = load_text(&with_alerts(
        "  time_basis: month
  escalate_after: 10d
  levels:
    preset: large-fund
    rules:
      - level: 橙
        behind: time
        points: 12.5
        amount: 5万元
        basis: \" 区财政局2025年预算执行通报 \"
      - {level: yellow, milestone: at_risk, within_days: 3, basis: 本单位规定}
      - {level: 红色预警, rate_below: 60%, from: \"09-30\", min_budget: 1000万元, basis: 市财政局}",
    ))
    .expect("valid");
    assert_eq!(c.alerts.time_basis, TimeBasis::Month);
    assert_eq!(c.policy().time_basis, TimeBasis::Month);
    assert_eq!(c.policy().warn_days, 15);
    assert_eq!(c.alerts.escalate_after, Duration::from_secs(10 * 86_400));
    assert_eq!(c.alerts.preset, "large-fund");
    let mut expected = Preset::LargeFund.rules(TimeBasis::Month);
    expected.extend([
        LevelRule {
            level: Level::Orange,
            when: Conditions {
                behind: Some(Behind {
                    reference: Reference::Time,
                    points: Share::from_basis_points(1250),
                    amount: Money::from_fen(5_000_000),
                    time_basis: TimeBasis::Month,
                }),
                ..Conditions::default()
            },
            basis: "区财政局2025年预算执行通报".into(),
        },
        LevelRule {
            level: Level::Yellow,
            when: Conditions {
                milestone: Some(MilestoneCondition::AtRisk),
                within_days: Some(3),
                ..Conditions::default()
            },
            basis: "本单位规定".into(),
        },
        LevelRule {
            level: Level::Red,
            when: Conditions {
                rate_below: Some(Share::from_basis_points(6000)),
                from: Some((9, 30)),
                min_budget: Some(Money::from_fen(1_000_000_000)),
                ..Conditions::default()
            },
            basis: "市财政局".into(),
        },
    ]);
    assert_eq!(c.alerts.levels, expected);
    // Every 序时 rule, the preset's too, counts by the config's basis.
    assert!(
        c.alerts
            .levels
            .iter()
            .filter_map(|r| r.when.behind)
            .all(|b| b.time_basis == TimeBasis::Month)
    );
}

#[test]
fn presets_by_name_and_none() {
    for preset in Preset::ALL {
        let basis = preset.time_basis().unwrap_or_default();
        let c = load_text(&with_alerts(&format!(
            "  time_basis: {}\n  levels: {{preset: {}}}",
            basis.as_str(),
            preset.name()
        )))
        .unwrap_or_else(|e| panic!("{}: {e}", preset.name()));
        assert_eq!(c.alerts.preset, preset.name());
        assert_eq!(c.alerts.levels, preset.rules(basis));
    }
    let none = load_text(&with_alerts("  levels: {preset: none}")).expect("none");
    assert!(none.alerts.levels.is_empty());
    // Rules alone keep the default preset before them.
    let c = load_text(&with_rule("level: 红, behind: plan, basis: x")).expect("valid");
    assert_eq!(c.alerts.preset, "standard");
    assert_eq!(c.alerts.levels.len(), 2);
    assert_eq!(
        c.alerts.levels[0],
        Preset::Standard.rules(TimeBasis::Day)[0]
    );
}

#[test]
fn level_words() {
    for (word, level) in [
        ("黄", Level::Yellow),
        ("黄色", Level::Yellow),
        ("黄色预警", Level::Yellow),
        ("yellow", Level::Yellow),
        ("橙", Level::Orange),
        ("orange", Level::Orange),
        ("红色", Level::Red),
        ("red", Level::Red),
    ] {
        let c = load_text(&with_rule(&format!(
            "level: {word}, behind: plan, basis: x"
        )))
        .unwrap_or_else(|e| panic!("{word}: {e}"));
        assert_eq!(c.alerts.levels[1].level, level, "{word}");
    }
}

#[test]
fn escalation_recipients() {
    let text = format!(
        "email:\n  to: [finance@localhost]\n  escalate: [leader@localhost, \"主任 <director@localhost>\"]\n{}",
        FUNDS.replacen(
            "budget: 10.00万元",
            "budget: 10.00万元\n    escalate: [deputy@localhost]",
            1
        )
    );
    let c = load_text(&text).expect("valid");
    assert_eq!(
        c.email.escalate,
        ["leader@localhost", "主任 <director@localhost>"]
    );
    assert!(c.funds[0].escalate.is_empty());
    assert_eq!(c.funds[1].escalate, ["deputy@localhost"]);
    assert_problem(
        &format!("email: {{escalate: leader@localhost}}\n{FUNDS}"),
        "email.escalate",
        "is a single value: write a list, even of one item: escalate: [leader@localhost]",
    );
    assert_problem(
        &FUNDS.replacen(
            "budget: 10.00万元",
            "budget: 10.00万元\n    escalate: [boss]",
            1,
        ),
        "funds[1].escalate[0]",
        "\"boss\" is not an email address",
    );
    assert_eq!(
        problems(&with_alerts("  escalate_after: 7")),
        ["alerts.escalate_after: 7 has no unit: write 7d for days, 7h for hours or 7m for minutes"]
    );
    assert_eq!(
        problems(&with_alerts("  escalate_after: 0d")),
        ["alerts.escalate_after: \"0d\" is zero: write a time more than zero, e.g. 7d"]
    );
}

#[test]
fn time_basis_and_preset_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "  time_basis: monthly",
            "alerts.time_basis: \"monthly\": write time_basis: month",
        ),
        (
            "  time_basis: 按日",
            "alerts.time_basis: \"按日\": write time_basis: day",
        ),
        (
            "  time_basis: weekly",
            "alerts.time_basis: \"weekly\" is not a time basis: write day (序时进度 = day of the \
             year ÷ days in the year) or month (the month ÷ 12, June being 50%)",
        ),
        (
            "  levels: standard",
            "alerts.levels: \"standard\" is a single value: name the preset in the section, \
             levels: {preset: standard}",
        ),
        (
            "  levels: {preset: strict}",
            "alerts.levels.preset: \"strict\" is not a preset: write one of standard, \
             time-month, large-fund, q3-60 or none (README, \"Warning levels\", says where each \
             comes from), or write your own rules under `rules:`",
        ),
        (
            "  levels: {preset: Large_Fund}",
            "alerts.levels.preset: \"Large_Fund\": write preset: large-fund",
        ),
        (
            "  levels: {preset: time-month}",
            "alerts.levels.preset: \"time-month\" counts 序时进度 by month (June is 6/12), as \
             the platforms it mirrors do: add time_basis: month under `alerts:` (序时进度 in \
             status and the emails then counts by month too)",
        ),
        (
            "  time_basis: day\n  levels: {preset: time-month}",
            "alerts.levels.preset: \"time-month\" counts 序时进度 by month (June is 6/12), as \
             the platforms it mirrors do, but alerts.time_basis is day: write time_basis: \
             month, or choose another preset and write your own rule under `rules:`",
        ),
        (
            "  levels:\n    rules: {level: 橙}",
            "alerts.levels.rules: a section of `key: value` lines was given: write a list under \
             `rules:`, each rule starting with `- `, e.g. - {level: 橙, behind: time, points: \
             15, basis: 区财政局预算执行通报}",
        ),
        (
            "  levels:\n    rules: [橙]",
            "alerts.levels.rules[0]: \"橙\" was given: write each rule as `key: value` pairs \
             after `- `, with its level, its conditions and where it comes from, e.g. - \
             {level: 橙, behind: time, points: 15, basis: 区财政局预算执行通报}",
        ),
        (
            "  points: 10",
            "alerts.points: not a key here; it belongs in each rule of `alerts.levels.rules`: \
             check its indentation",
        ),
    ];
    for (lines, expected) in cases {
        assert_eq!(problems(&with_alerts(lines)), [*expected], "{lines}");
    }
}

/// Each wrong rule is one problem (or one per cause) at its key path, saying what to write.
#[test]
fn rule_errors_with_their_key_paths() {
    let at = "alerts.levels.rules[0]";
    let long_basis = format!("level: 红, behind: time, basis: {}", "依".repeat(201));
    let cases: &[(&str, &[&str])] = &[
        (
            "level: 紫, behind: time, basis: x",
            &[
                ".level: \"紫\" is not a level: write 黄 (or yellow, attention), 橙 (orange, \
               serious) or 红 (red, severe)",
            ],
        ),
        (
            "level: Orange, behind: plan, basis: x",
            &[".level: \"Orange\": write it in lowercase, level: orange"],
        ),
        (
            "level: 橙, behind: 序时, basis: x",
            &[".behind: \"序时\": write behind: time"],
        ),
        (
            "level: 橙, behind: later, basis: x",
            &[
                ".behind: \"later\" is not a reference: write plan (计划进度, the plan's share on \
               the day) or time (序时进度)",
            ],
        ),
        (
            "level: 橙, basis: x",
            &[
                ": has no condition: add at least one of milestone, behind, within_days or \
               rate_below, e.g. - {level: 橙, behind: time, points: 10, basis: \
               区财政局预算执行通报}",
            ],
        ),
        (
            "level: 橙, from: \"09-30\", min_budget: 1000万元, basis: x",
            &[
                ": has no condition (from and min_budget only narrow a rule): add at least one \
               of milestone, behind, within_days or rate_below, e.g. - {level: 橙, behind: \
               time, points: 10, basis: 区财政局预算执行通报}",
            ],
        ),
        (
            "level: 橙, points: 10, amount: 5万元, basis: x",
            &[
                ".points: needs `behind`: say what spending falls short of, behind: plan \
                 (计划进度) or behind: time (序时进度)",
                ".amount: needs `behind`: say what spending falls short of, behind: plan \
                 (计划进度) or behind: time (序时进度)",
            ],
        ),
        (
            "behind: time, points: 10",
            &[
                ": missing `level`: add e.g. level: 橙",
                ": missing `basis`: add e.g. basis: 区财政局预算执行通报 (预警依据: where the rule \
                 comes from, shown in every notice it gives)",
            ],
        ),
        (
            "level: 红, behind: time, basis: \"  \"",
            &[
                ".basis: is empty: write where the rule comes from (预警依据, shown in every notice \
               it gives), e.g. basis: 区财政局预算执行通报",
            ],
        ),
        (
            "level: 红, behind: time, basis: \"区财政局\\n通报\"",
            &[
                ".basis: is on several lines (or holds a control character): write it on one \
               line, as it is shown after 预警依据： in every notice",
            ],
        ),
        (
            "level: 红, behind: time, basis: \"区财政局\\u202e报通\"",
            &[
                ".basis: holds a character that reverses the direction of text (U+202A–U+202E, \
               U+2066–U+2069, U+200E/U+200F): remove it, since it would reorder what every \
               notice shows after 预警依据：",
            ],
        ),
        (
            &long_basis,
            &[
                ".basis: is 201 characters: keep it to 200 — name the document and its article \
               rather than quoting it, as every notice shows it",
            ],
        ),
        (
            "level: 红, behind: time, points: \"10%\", basis: x",
            &[
                ".points: \"10%\" is a percentage: points are percentage points of the budget, \
               written as a bare number, points: 10",
            ],
        ),
        (
            "level: 红, behind: time, points: 0, basis: x",
            &[".points: 0 is no minimum: delete `points` to count any shortfall"],
        ),
        (
            "level: 红, behind: time, points: -5, basis: x",
            &[
                ".points: -5 is below zero: points say how far spending is behind, e.g. points: \
               10",
            ],
        ),
        (
            "level: 红, behind: time, points: 10.125, basis: x",
            &[".points: 10.125 has more than two decimals: write at most two, e.g. points: 12.5"],
        ),
        (
            "level: 红, behind: time, points: 120, basis: x",
            &[".points: 120 is more than the whole budget: write at most 100, e.g. points: 10"],
        ),
        (
            "level: 红, behind: time, points: \"10\", basis: x",
            &[".points: \"10\" is in quotes: write the number without them, points: 10"],
        ),
        (
            "level: 红, behind: time, points: 10个百分点, basis: x",
            &[".points: \"10个百分点\": write the percentage points as a bare number, points: 10"],
        ),
        (
            "level: 红, behind: plan, amount: 5万x, basis: x",
            &[
                ".amount: \"5万x\" is not an amount: write e.g. amount: 5万元, 50000 or \
               \"50,000.00元\"",
            ],
        ),
        (
            "level: 红, behind: plan, amount: 0, basis: x",
            &[".amount: \"0\": an amount must be more than zero"],
        ),
        (
            "level: 红, rate_below: 0.6, basis: x",
            &[
                ".rate_below: 0.6 is a bare number: write the rate as a percentage, rate_below: \
               60%",
            ],
        ),
        (
            "level: 红, rate_below: 0%, basis: x",
            &[".rate_below: \"0%\": no 执行率 is below 0%: write e.g. rate_below: 60%"],
        ),
        (
            "level: 红, rate_below: 160%, basis: x",
            &[".rate_below: \"160%\" is more than the whole budget: write at most 100%"],
        ),
        (
            "level: 红, rate_below: 60%, from: 0930, basis: x",
            &[".from: \"0930\" is not a day: write MM-DD in quotes, e.g. from: \"09-30\""],
        ),
        (
            "level: 红, rate_below: 60%, from: 930, basis: x",
            &[
                ".from: 930 was given: write the day the rule starts as MM-DD in quotes, e.g. \
               from: \"09-30\"",
            ],
        ),
        (
            "level: 红, rate_below: 60%, from: \"2025-09-30\", basis: x",
            &[
                ".from: \"2025-09-30\": write only the month and day, from: \"09-30\" (the year \
               is each fund's year)",
            ],
        ),
        (
            "level: 红, rate_below: 60%, from: \"09-31\", basis: x",
            &[
                ".from: \"09-31\" is not a day of the year (month 9, day 31): write MM-DD, e.g. \
               from: \"09-30\"",
            ],
        ),
        (
            "level: 红, rate_below: 60%, min_budget: 0, basis: x",
            &[".min_budget: \"0\": a minimum budget must be more than zero"],
        ),
        (
            "level: 红, milestone: at risk, basis: x",
            &[".milestone: \"at risk\": write milestone: at_risk"],
        ),
        (
            "level: 红, milestone: due, basis: x",
            &[
                ".milestone: \"due\" is not a milestone condition: write at_risk (a milestone at \
               most warn_days ahead and not met) or missed (a milestone passed unmet, not \
               caught up)",
            ],
        ),
        (
            "level: 红, within_days: 400, basis: x",
            &[
                ".within_days: 400 is out of range: write a whole number from 0 to 366, e.g. \
               within_days: 7",
            ],
        ),
        (
            "level: 红, within_days: 7, pionts: 3, basis: x",
            &[".pionts: unknown key; did you mean `points`?"],
        ),
        (
            "level: 红, behind: plan, points: , basis: x",
            &[".points: is empty: write e.g. points: 10"],
        ),
    ];
    for (rule, expected) in cases {
        let expected: Vec<String> = expected.iter().map(|e| format!("{at}{e}")).collect();
        assert_eq!(rule_problems(rule), expected, "{rule}");
    }
}

#[test]
fn a_refused_value_brings_no_follow_on() {
    // A refused `behind` still makes `points` a shortfall's minimum, and a refused condition
    // is still a condition: one problem each.
    assert_eq!(
        rule_problems("level: 橙, behind: [time], points: 10, basis: x").len(),
        1
    );
    assert_eq!(
        rule_problems("level: 橙, rate_below: 六成, basis: x").len(),
        1
    );
    // A refused basis of 序时进度 is not also a preset that needs another one.
    assert_eq!(
        problems(&with_alerts(
            "  time_basis: 7\n  levels: {preset: time-month}"
        )),
        ["alerts.time_basis: 7 is read as a number: put it in quotes to make it text, e.g. \"7\""]
    );
    // Problems of several rules come each at its own path, in the order of the file.
    let text = with_alerts(
        "  levels:\n    rules:\n      - {level: 橙, behind: plan, basis: x}\n      - {level: \
         紫, behind: plan, basis: x}\n      - {level: 橙, basis: x}",
    );
    let found = problems(&text);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("alerts.levels.rules[1].level: "));
    assert!(found[1].starts_with("alerts.levels.rules[2]: has no condition"));
}

/// The shipped config shows the new keys commented out with their defaults and an example
/// rule: uncommented, they are valid and mean what the comments say.
#[test]
fn the_shipped_configs_commented_keys_are_valid() {
    let shipped = include_str!("../../../config.yaml");
    let commented = [
        "  # time_basis: day",
        "  # escalate_after: 7d",
        "  # levels:",
        "  #   preset: standard",
        "  #   rules:",
        "  #     - {level: 橙, behind: time, points: 15, basis: 区财政局预算执行通报}",
        "  # escalate: [leader@localhost]",
    ];
    let mut text = shipped.to_owned();
    for line in commented {
        assert!(
            text.contains(&format!("\n{line}\n")),
            "{line:?} not in config.yaml"
        );
        text = text.replacen(line, &line.replacen("# ", "", 1), 1);
    }
    let c = load_text(&text).expect("uncommented");
    let defaults = load_text(shipped).expect("shipped");
    assert_eq!(c.alerts.time_basis, defaults.alerts.time_basis);
    assert_eq!(c.alerts.escalate_after, defaults.alerts.escalate_after);
    assert_eq!(c.alerts.preset, defaults.alerts.preset);
    assert_eq!(c.alerts.levels[..1], defaults.alerts.levels[..]);
    assert_eq!(c.alerts.levels.len(), 2);
    assert_eq!(c.email.escalate, ["leader@localhost"]);
    // A basis of exactly the longest length is accepted.
    let longest = format!(
        "level: 红, behind: time, basis: {}",
        "依".repeat(MAX_BASIS_CHARS)
    );
    assert!(load_text(&with_rule(&longest)).is_ok());
}
