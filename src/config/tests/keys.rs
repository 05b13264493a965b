//! Keys: unknown or misspelt ones, and every key given a value of every wrong kind.

use super::*;

#[test]
fn unknown_keys_are_errors_with_their_path() {
    assert_problem(
        &format!("timezon: Asia/Shanghai\n{FUNDS}"),
        "timezon",
        "unknown key; did you mean `timezone`?",
    );
    assert_problem(
        &FUNDS.replacen("budget: 10.00万元", "budget: 10.00万元\n    bugdet: 1", 1),
        "funds[1].bugdet",
        "did you mean `budget`?",
    );
    assert_problem(
        &format!("alerts: {{warn_day: 3}}\n{FUNDS}"),
        "alerts.warn_day",
        "did you mean `warn_days`?",
    );
    assert_problem(
        &format!("ledger:\n  sources:\n    - {{path: a.csv, fnd: x}}\n{FUNDS}"),
        "ledger.sources[0].fnd",
        "did you mean `fund`?",
    );
    // A key of another section: where it belongs (a dedented line, usually).
    assert_problem(
        &format!("alerts:\n  warn_days: 3\nrepeat_interval: 3d\n{FUNDS}"),
        "repeat_interval",
        "not a key here; it belongs under `alerts:`: check its indentation",
    );
    assert_problem(
        &FUNDS.replacen("budget: 10.00万元", "budget: 10.00万元\n    plan: []", 1),
        "funds[1].plan",
        "did you mean `milestones`?",
    );
    assert_problem(
        &format!("colour: red\n{FUNDS}"),
        "colour",
        "unknown key; the keys here are timezone, database, schedule",
    );
}

#[test]
fn a_misspelt_required_key_is_one_problem() {
    // Not also "missing `budget`": the misspelling is the one cause.
    let found = problems(&FUNDS.replacen("budget: 10.00万元", "bugdet: 10.00万元", 1));
    assert_eq!(
        found,
        ["funds[1].bugdet: unknown key; did you mean `budget`?"]
    );
    assert_eq!(
        problems(&FUNDS.replacen("    budget: 10.00万元\n", "", 1)),
        ["funds[1]: missing `budget`: add e.g. budget: 15.00万元"]
    );
}

/// Every key, given a value of every wrong kind, is one problem at that key's path, in words
/// of the file.
#[test]
fn every_key_refuses_every_wrong_kind_once() {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Text,
        Number,
        Flag,
        List,
        Section,
        /// Text or a number (a budget).
        Amount,
    }
    use Kind::*;
    let keys: &[(&str, Kind)] = &[
        ("timezone", Text),
        ("database", Text),
        ("schedule", Text),
        ("ledger", Section),
        ("ledger.sources", List),
        ("ledger.columns", Section),
        ("ledger.columns.date", List),
        ("ledger.subtotal_words", List),
        ("alerts", Section),
        ("alerts.warn_days", Number),
        ("alerts.repeat_interval", Text),
        ("alerts.notify_resolved", Flag),
        ("alerts.stale_after", Text),
        ("alerts.time_basis", Text),
        ("alerts.escalate_after", Text),
        ("alerts.levels", Section),
        ("alerts.levels.preset", Text),
        ("alerts.levels.rules", List),
        ("alerts.levels.rules[0].level", Text),
        ("alerts.levels.rules[0].milestone", Text),
        ("alerts.levels.rules[0].behind", Text),
        ("alerts.levels.rules[0].points", Number),
        ("alerts.levels.rules[0].amount", Amount),
        ("alerts.levels.rules[0].within_days", Number),
        ("alerts.levels.rules[0].rate_below", Text),
        ("alerts.levels.rules[0].from", Text),
        ("alerts.levels.rules[0].min_budget", Amount),
        ("alerts.levels.rules[0].basis", Text),
        ("email", Section),
        ("email.from", Text),
        ("email.to", List),
        ("email.admin", List),
        ("email.escalate", List),
        ("email.transport", Text),
        ("email.file", Section),
        ("email.file.dir", Text),
        ("email.smtp.host", Text),
        ("email.smtp.port", Number),
        ("email.smtp.security", Text),
        ("email.smtp.username", Text),
        ("email.smtp.password_file", Text),
        ("email.smtp.ca_file", Text),
        ("email.smtp.timeout", Text),
        ("email.sendmail", Section),
        ("email.sendmail.command", Text),
        ("plan", List),
        ("funds", List),
        ("funds[0].id", Text),
        ("funds[0].code", Text),
        ("funds[0].name", Text),
        ("funds[0].year", Number),
        ("funds[0].budget", Amount),
        ("funds[0].milestones", List),
        ("funds[0].aliases", List),
        ("funds[0].notify", List),
        ("funds[0].escalate", List),
        ("plan[0].by", Text),
        ("plan[0].share", Text),
    ];
    let base = format!(
        "alerts: {{levels: {{rules: [{{level: 橙, behind: time, basis: x}}]}}}}\nemail: \
         {{transport: smtp, smtp: {{host: smtp.example.gov.cn}}}}\nplan: [{{by: \"12-31\", \
         share: 100%}}]\n{FUNDS}"
    );
    // Lists, with the kinds their items may be; an item of another kind is one problem at
    // its own path.
    let lists: &[(&str, &[Kind])] = &[
        ("ledger.sources", &[Text, Section]),
        ("ledger.columns.date", &[Text]),
        ("ledger.subtotal_words", &[Text]),
        ("email.to", &[Text]),
        ("email.admin", &[Text]),
        ("email.escalate", &[Text]),
        ("alerts.levels.rules", &[Section]),
        ("plan", &[Section]),
        ("funds", &[Section]),
        ("funds[0].milestones", &[Section]),
        ("funds[0].aliases", &[Text]),
        ("funds[0].notify", &[Text]),
        ("funds[0].escalate", &[Text]),
    ];
    let wrong: [(Kind, Value); 5] = [
        (Text, Value::String("text".into())),
        (Number, Value::Number(7.into())),
        (Flag, Value::Bool(true)),
        (List, serde_yaml::from_str("[x]").unwrap()),
        (Section, serde_yaml::from_str("{x: 1}").unwrap()),
    ];
    let mut cases: Vec<(String, Value, String)> = Vec::new();
    for &(path, kind) in keys {
        for (wrong_kind, value) in &wrong {
            let fits =
                *wrong_kind == kind || (kind == Amount && matches!(wrong_kind, Text | Number));
            if !fits {
                cases.push((path.to_owned(), value.clone(), path.to_owned()));
            }
        }
    }
    for &(path, items) in lists {
        for (wrong_kind, value) in &wrong {
            if !items.contains(wrong_kind) {
                let list = Value::Sequence(vec![value.clone()]);
                cases.push((path.to_owned(), list, format!("{path}[0]")));
            }
        }
    }
    for (path, value, at) in cases {
        let mut tree: Value = serde_yaml::from_str(&base).unwrap();
        let mut node = &mut tree;
        for part in path.split('.') {
            let (key, index) = match part.split_once('[') {
                Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
                None => (part, None),
            };
            let map = node.as_mapping_mut().expect("a section on the way");
            if !map.contains_key(key) {
                map.insert(key.into(), Value::Mapping(Default::default()));
            }
            node = map.get_mut(key).unwrap();
            if let Some(i) = index {
                node = &mut node.as_sequence_mut().expect("a list on the way")[i];
            }
        }
        *node = value.clone();
        let text = serde_yaml::to_string(&tree).unwrap();
        let found = match load_text(&text) {
            Ok(_) => panic!("{path} = {value:?} accepted"),
            Err(e) => e.problems().to_vec(),
        };
        assert_eq!(found.len(), 1, "{path} = {value:?}: {found:#?}");
        assert_eq!(found[0].path, at, "{path} = {value:?}: {found:#?}");
        for word in [
            "invalid type",
            "expected",
            "struct",
            "Raw",
            "sequence",
            "u16",
            "u32",
        ] {
            assert!(!found[0].message.contains(word), "{found:#?}");
        }
    }
}
