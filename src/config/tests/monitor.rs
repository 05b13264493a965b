//! What the 监控表 needs from the config: `department:` (主管部门) and each fund's `goal:`
//! (年度绩效目标), both optional, and every refusal at its key path.

use super::*;

#[test]
fn the_shipped_config_names_the_department_and_the_seeds_goals() {
    for text in [
        include_str!("../../../config.yaml"),
        include_str!("../../../pkg/config.yaml"),
    ] {
        let c = load_text(text).expect("shipped config");
        assert_eq!(
            c.department,
            Some(Department {
                name: "中共唐山市路南区委网络安全和信息化委员会办公室".into(),
                code: Some("244001".into()),
            })
        );
        // As the seed's 绩效目标 cells write them, the lines of the YAML joined without spaces.
        assert_eq!(
            c.goal("network-governance"),
            Some(
                "1.指导各乡镇街道、区直部门等开展网上宣传，承担重点新闻网站建设与管理、媒体融合发展、\
                 网络阵地建设、网上理论宣传、网络评论引导、网评队伍和网军建设、网络社会和网络安全及网络文明建设、\
                 网站党建等具体协调指导推动工作。负责网络舆情监看收集、管理研判、分析报送和处置等工作。"
            )
        );
        assert_eq!(
            c.goal("investment-promotion"),
            Some("1.推动全区招商引资工作")
        );
    }
}

#[test]
fn department_and_goals_are_optional() {
    let c = load_text(FUNDS).expect("minimal config");
    assert_eq!(c.department, None);
    assert!(c.goals.is_empty());
    assert_eq!(c.goal("network-governance"), None);
    let text = format!("department: {{name: \" 某办公室 \"}}\n{FUNDS}");
    let c = load_text(&text).expect("a department without a code");
    assert_eq!(
        c.department,
        Some(Department {
            name: "某办公室".into(),
            code: None
        })
    );
}

#[test]
fn department_refusals() {
    assert_problem(
        &format!("department: 某办公室\n{FUNDS}"),
        "department",
        "\"某办公室\" is a single value: write the name in the section, department: {name: 某办公室",
    );
    assert_problem(
        &format!("department: {{code: \"244001\"}}\n{FUNDS}"),
        "department",
        "missing `name`",
    );
    assert_problem(
        &format!("department: {{name: \" \"}}\n{FUNDS}"),
        "department.name",
        "is empty",
    );
    assert_problem(
        &format!("department: {{name: 某办公室, code: 244001}}\n{FUNDS}"),
        "department.code",
        "put it in quotes",
    );
    assert_problem(
        &format!("department: {{name: 某办公室, code: \"\"}}\n{FUNDS}"),
        "department.code",
        "is empty",
    );
    assert_problem(
        &format!("department: {{name: {}}}\n{FUNDS}", "办".repeat(101)),
        "department.name",
        "has 101 characters",
    );
    // A misspelt key is the one problem: no follow-on "missing `name`".
    assert_eq!(
        problems(&format!("department: {{nmae: 某办公室}}\n{FUNDS}")),
        ["department.nmae: unknown key; did you mean `name`?"]
    );
    // Exactly at the limit is taken.
    let text = format!("department: {{name: {}}}\n{FUNDS}", "办".repeat(100));
    assert!(load_text(&text).is_ok());
}

#[test]
fn goal_refusals() {
    let with_goal = |goal: &str| {
        FUNDS.replacen(
            "budget: 10.00万元",
            &format!("budget: 10.00万元\n    goal: {goal}"),
            1,
        )
    };
    assert_problem(&with_goal("\"  \""), "funds[1].goal", "is empty");
    assert_problem(&with_goal("[a, b]"), "funds[1].goal", "write one value");
    let long = "目".repeat(MAX_GOAL_CHARS + 1);
    assert_problem(&with_goal(&long), "funds[1].goal", "has 2001 characters");
    let c = load_text(&with_goal(&"目".repeat(MAX_GOAL_CHARS))).expect("a goal at the limit");
    assert_eq!(
        c.goal("investment-promotion").map(|g| g.chars().count()),
        Some(MAX_GOAL_CHARS)
    );
    assert_eq!(c.goal("network-governance"), None);
}
