//! `indicators.items` (绩效指标): the seed's indicators in the shipped config, exactly, and
//! every refusal at its key path.

use super::*;
use crate::core::{Comparator, Decimal, Indicator, Pace, Progress, Target, Tier1, Tier2};

const NG: &str = "厅字[2021]9号、唐办[2020]5号";
const IP: &str = "依据上级要求";

/// (id, fund, 一级, 二级, 三级指标, 计算符号, 指标值, 单位, 依据, progress), as the seed writes them.
type Row = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
);

const SEED: &[Row] = &[
    // 网络综合治理体系建设专项资金绩效目标表.
    (
        "ng-cost",
        Some("network-governance"),
        "产出",
        "成本",
        "不断降低各项支出成本，提高机关服务效能",
        "≤",
        "100",
        "%",
        Some(NG),
        "level",
    ),
    (
        "ng-yq-reports",
        Some("network-governance"),
        "产出",
        "数量",
        "上报涉唐舆情数量",
        "≥",
        "1000",
        "条",
        Some(NG),
        "cumulative-time",
    ),
    (
        "ng-response-hours",
        Some("network-governance"),
        "产出",
        "时效",
        "处理网络舆情和网络安全时间的时限",
        "≤",
        "24",
        "小时",
        Some(NG),
        "level",
    ),
    (
        "ng-analysis",
        Some("network-governance"),
        "产出",
        "质量",
        "对属地内重大舆情事件分析",
        "≥",
        "90",
        "%",
        Some(NG),
        "level",
    ),
    (
        "ng-news-handling",
        Some("network-governance"),
        "效益",
        "经济效益",
        "突发事件新闻处置完成率",
        "≥",
        "90",
        "%",
        Some(NG),
        "level",
    ),
    (
        "ng-analysis-rate",
        Some("network-governance"),
        "效益",
        "社会效益",
        "对属地内重大舆情事件分析完成率",
        "≥",
        "90",
        "%",
        Some(NG),
        "level",
    ),
    (
        "ng-reach",
        Some("network-governance"),
        "效益",
        "可持续影响",
        "宣传活动影响范围",
        "≥",
        "5000",
        "人次",
        Some(NG),
        "cumulative-time",
    ),
    (
        "ng-satisfaction",
        Some("network-governance"),
        "满意度",
        "服务对象满意度",
        "对网络安全工作的满意率",
        "=",
        "100",
        "%",
        Some(NG),
        "level",
    ),
    // 招商引资专项业务费绩效目标表.
    (
        "ip-events",
        Some("investment-promotion"),
        "产出",
        "数量",
        "举办招商引资活动数量",
        "≥",
        "1",
        "个",
        Some(IP),
        "cumulative-plan",
    ),
    (
        "ip-signed",
        Some("investment-promotion"),
        "产出",
        "质量",
        "招商活动的签约项目个数",
        "≥",
        "1",
        "个",
        Some(IP),
        "cumulative-plan",
    ),
    (
        "ip-duration",
        Some("investment-promotion"),
        "产出",
        "时效",
        "完成工作时间",
        "≤",
        "1",
        "年",
        Some(IP),
        "level",
    ),
    (
        "ip-total-cost",
        Some("investment-promotion"),
        "产出",
        "成本",
        "项目总成本",
        "≤",
        "10",
        "万元",
        Some(IP),
        "ledger",
    ),
    (
        "ip-cost-control",
        Some("investment-promotion"),
        "效益",
        "经济效益",
        "成本控制",
        "≥",
        "10",
        "万元",
        Some(IP),
        "level",
    ),
    (
        "ip-contribution",
        Some("investment-promotion"),
        "效益",
        "社会效益",
        "对地区经济的贡献",
        ">",
        "10",
        "万元",
        Some(IP),
        "cumulative-time",
    ),
    (
        "ip-pollution",
        Some("investment-promotion"),
        "效益",
        "生态效益",
        "是否有效减少环境污染",
        ">",
        "90",
        "%",
        Some(IP),
        "level",
    ),
    (
        "ip-growth",
        Some("investment-promotion"),
        "效益",
        "可持续影响",
        "是否有效促进国民经济发展水平",
        ">",
        "90",
        "%",
        Some(IP),
        "level",
    ),
    (
        "ip-publicity",
        Some("investment-promotion"),
        "满意度",
        "服务对象满意度",
        "加大宣传的广度和深度",
        ">",
        "90",
        "%",
        Some(IP),
        "level",
    ),
    // 第一部分 二、分项绩效目标: the department's own.
    (
        "yq-reports",
        None,
        "产出",
        "数量",
        "收集研判并上报涉及唐山舆情信息",
        "≥",
        "1200",
        "条",
        None,
        "cumulative-time",
    ),
    (
        "yq-handling",
        None,
        "产出",
        "质量",
        "路南区重大舆情处置率",
        "≥",
        "95",
        "%",
        None,
        "level",
    ),
    (
        "offline-events",
        None,
        "产出",
        "数量",
        "开展线下多种主题的宣传活动",
        "≥",
        "3",
        "场",
        None,
        "cumulative-time",
    ),
    (
        "trainings",
        None,
        "产出",
        "数量",
        "参加省市网信办各种会议培训",
        "≥",
        "1",
        "次",
        None,
        "cumulative-time",
    ),
    (
        "work-meetings",
        None,
        "产出",
        "数量",
        "组织开展网信工作会议",
        "≥",
        "1",
        "次",
        None,
        "cumulative-time",
    ),
    (
        "posts",
        None,
        "产出",
        "数量",
        "在网信路南的政务新媒体平台上信息发布",
        "≥",
        "24",
        "条",
        None,
        "monthly",
    ),
    (
        "jiping-posts",
        None,
        "产出",
        "质量",
        "在“冀评之家”等省市平台投稿",
        "定性",
        "争取投稿",
        "",
        None,
        "level",
    ),
    (
        "volunteers",
        None,
        "产出",
        "数量",
        "组织志愿者团队",
        "≥",
        "100",
        "人",
        None,
        "level",
    ),
    (
        "comments",
        None,
        "产出",
        "数量",
        "开展评论宣传活动",
        "≥",
        "10000",
        "条",
        None,
        "cumulative-time",
    ),
    (
        "site-management",
        None,
        "产出",
        "质量",
        "对属地内网站的管理率",
        "≥",
        "90",
        "%",
        None,
        "level",
    ),
];

#[test]
fn the_shipped_config_carries_every_seed_indicator_exactly() {
    let c = load_text(include_str!("../../../config.yaml")).expect("shipped config.yaml");
    let count = |fund: Option<&str>| {
        c.indicators
            .iter()
            .filter(|i| i.fund.as_deref() == fund)
            .count()
    };
    assert_eq!(count(Some("network-governance")), 8);
    assert_eq!(count(Some("investment-promotion")), 9);
    assert_eq!(count(None), 10);
    assert_eq!(c.indicators.len(), SEED.len());
    for (i, row) in c.indicators.iter().zip(SEED) {
        let (id, fund, t1, t2, name, sign, target, unit, basis, progress) = *row;
        assert_eq!(i.id, id);
        assert_eq!(i.fund.as_deref(), fund, "{id}");
        assert_eq!(i.tier1, Tier1::parse(t1).unwrap(), "{id}");
        assert_eq!(i.tier2, Tier2::parse(t2).unwrap(), "{id}");
        assert_eq!(i.name, name, "{id}");
        assert_eq!(i.comparator.as_str(), sign, "{id}");
        let expected = if sign == "定性" {
            Target::Text(target.to_owned())
        } else {
            Target::Number(Decimal::parse(target).unwrap())
        };
        assert_eq!(i.target, expected, "{id}");
        assert_eq!(i.unit, unit, "{id}");
        assert_eq!(i.basis.as_deref(), basis, "{id}");
        assert_eq!(i.progress.as_str(), progress, "{id}");
    }
    // The one the ledger computes: 项目总成本 ≤10万元 of 招商引资专项业务费.
    let ledger: Vec<&Indicator> = c
        .indicators
        .iter()
        .filter(|i| i.progress == Progress::Ledger)
        .collect();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].target, Target::Number(Decimal::whole(10)));
}

/// `FUNDS` with one indicator whose lines are `lines` (each `key: value`).
fn with(lines: &str) -> String {
    let body: Vec<String> = lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(n, l)| format!("{}{l}", if n == 0 { "    - " } else { "      " }))
        .collect();
    format!("{FUNDS}indicators:\n  items:\n{}\n", body.join("\n"))
}

const GOOD: &str = r#"
    id: reports
    fund: network-governance
    tier1: 产出
    tier2: 数量
    name: 上报涉唐舆情数量
    comparator: "≥"
    target: 1000
    unit: 条
    basis: 依据上级要求
    progress: cumulative-time
"#;

fn good_with(key: &str, line: &str) -> String {
    let lines: Vec<&str> = GOOD
        .lines()
        .filter(|l| !l.trim().starts_with(&format!("{key}:")))
        .collect();
    with(&format!("{}\n{line}", lines.join("\n")))
}

fn one(text: &str) -> Indicator {
    let c = load_text(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(c.indicators.len(), 1);
    c.indicators[0].clone()
}

#[test]
fn an_indicator_as_written() {
    let i = one(&with(GOOD));
    assert_eq!(i.tier1, Tier1::Output);
    assert_eq!(i.tier2, Tier2::Quantity);
    assert_eq!(i.comparator, Comparator::AtLeast);
    assert_eq!(i.progress, Progress::Cumulative { by: Pace::Time });
    // The tables' forms with 指标 are read too; no basis is fine.
    let i = one(&good_with("tier2", "tier2: 数量指标").replace("tier1: 产出", "tier1: 产出指标"));
    assert_eq!(i.tier2, Tier2::Quantity);
    assert!(one(&good_with("basis", "")).basis.is_none());
    // No indicators at all is a valid config.
    assert!(load_text(FUNDS).unwrap().indicators.is_empty());
}

#[test]
fn targets_at_the_edges() {
    let target = |t: &str| one(&good_with("target", &format!("target: {t}"))).target;
    assert_eq!(target("0"), Target::Number(Decimal::whole(0)));
    assert_eq!(target("\"1200\""), Target::Number(Decimal::whole(1200)));
    assert_eq!(
        target("90.50"),
        Target::Number(Decimal::new(905, 1).unwrap())
    );
    assert_eq!(
        target("0.000001"),
        Target::Number(Decimal::new(1, 6).unwrap())
    );
    assert_eq!(target("-5"), Target::Number(Decimal::whole(-5)));
    let refused = |t: &str, fragment: &str| {
        assert_problem(
            &good_with("target", &format!("target: {t}")),
            "indicators.items[0].target",
            fragment,
        );
    };
    refused("0.0000001", "more than 6 digits after the point");
    refused(
        "\"95%\"",
        "holds the unit: write the number alone, target: 95, and the unit apart, unit: \"%\"",
    );
    refused(
        "1000条",
        "holds the unit: write the number alone, target: 1000, and the unit apart, unit: 条",
    );
    refused(
        "\"≥1000\"",
        "holds the sign: the sign goes in comparator (here ≥); write the number alone, e.g. target: 1000",
    );
    refused(
        "\"1,000\"",
        "has thousands separators: write the digits alone, target: 1000",
    );
    refused("\"1.000.5\"", "is not a number, and a ≥ target is one");
    refused("很多", "is not a number, and a ≥ target is one");
    refused("[1]", "a list was given: write the number alone");
    refused("\"99999999999999999999\"", "too large");
    assert_problem(
        &good_with("target", "target:"),
        "indicators.items[0].target",
        "is empty: write e.g. target: 1000",
    );
    // 定性 takes words, and needs neither a unit nor a number.
    let words = good_with("comparator", "comparator: 定性")
        .replace("target: 1000", "target: 有效促进")
        .replace("progress: cumulative-time", "progress: level")
        .replace("      unit: 条\n", "");
    let i = one(&words);
    assert_eq!(i.target, Target::Text("有效促进".into()));
    assert_eq!(i.unit, "");
    assert_problem(
        &words.replace("target: 有效促进", "target: 90"),
        "indicators.items[0].target",
        "90 is a number, and 定性 takes the goal in words",
    );
}

#[test]
fn comparators_at_the_edges() {
    for (sign, c) in [
        ("\"≥\"", Comparator::AtLeast),
        ("\">\"", Comparator::MoreThan),
        ("\"=\"", Comparator::Equal),
        ("\"≤\"", Comparator::AtMost),
        ("\"<\"", Comparator::LessThan),
        ("\" ≥ \"", Comparator::AtLeast),
    ] {
        let i = one(&good_with("comparator", &format!("comparator: {sign}")));
        assert_eq!(i.comparator, c, "{sign}");
    }
    let refused = |sign: &str, fragment: &str| {
        assert_problem(
            &good_with("comparator", &format!("comparator: {sign}")),
            "indicators.items[0].comparator",
            fragment,
        );
    };
    refused(
        "\">=\"",
        "\">=\": write the sign as the tables do, comparator: \"≥\"",
    );
    refused("\"<=\"", "comparator: \"≤\"");
    refused("不少于", "comparator: \"≥\"");
    refused("＞", "comparator: \">\"");
    refused(
        "约等于",
        "\"约等于\" is not a 计算符号: write one of ≥ > = ≤ <",
    );
    refused("1", "1 is read as a number: put it in quotes");
    // A refused sign leaves the target unjudged: one problem, not two.
    let found = problems(&good_with("comparator", "comparator: \">=\"").replace("1000", "很多"));
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn refusals_name_their_key() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "fund",
            "fund: network",
            "indicators.items[0].fund",
            "\"network\" is not the id of a fund in this config: write one of network-governance, investment-promotion",
        ),
        (
            "fund",
            "fund: 招商引资专项业务费",
            "indicators.items[0].fund",
            "is the name of funds[1]: write its id, fund: investment-promotion",
        ),
        (
            "tier1",
            "tier1: 产出效益",
            "indicators.items[0].tier1",
            "is not a 一级指标: write 产出, 效益 or 满意度",
        ),
        (
            "tier2",
            "tier2: 数目",
            "indicators.items[0].tier2",
            "is not a 二级指标: write one of 数量, 质量",
        ),
        (
            "tier2",
            "tier2: 社会效益",
            "indicators.items[0].tier2",
            "社会效益 belongs under 一级指标 效益, not 产出",
        ),
        (
            "progress",
            "progress: cumulative",
            "indicators.items[0].progress",
            "\"cumulative\" is not a kind of progress: write one of cumulative-time, cumulative-plan, level, monthly, ledger",
        ),
        (
            "progress",
            "progress: ledger",
            "indicators.items[0].progress",
            "the unit is \"条\": write unit: 万元 (or 元)",
        ),
        (
            "id",
            "id: 舆情",
            "indicators.items[0].id",
            "use at most 32 ASCII letters",
        ),
        (
            "name",
            "name: \" \"",
            "indicators.items[0].name",
            "is blank",
        ),
    ];
    for &(key, line, path, fragment) in cases {
        assert_problem(&good_with(key, line), path, fragment);
    }
    // Missing keys are reported at the indicator, with a line to write.
    for (key, e_g) in [
        ("id", "missing `id`: add e.g. id: yq-reports"),
        ("tier1", "missing `tier1`: add e.g. tier1: 产出"),
        (
            "name",
            "missing `name`: add e.g. name: 上报涉唐舆情数量 (三级指标)",
        ),
        (
            "comparator",
            "missing `comparator`: add e.g. comparator: \"≥\"",
        ),
        (
            "progress",
            "missing `progress`: add e.g. progress: cumulative-time",
        ),
        (
            "unit",
            "missing `unit`: a ≥ target is a number of something",
        ),
    ] {
        assert_problem(&good_with(key, ""), "indicators.items[0]", e_g);
    }
    // An unknown key and a misspelt one.
    assert_problem(
        &with(&format!("{GOOD}\nweight: 10")),
        "indicators.items[0].weight",
        "unknown key",
    );
    assert_problem(
        &with(&format!("{GOOD}\nunits: 条")),
        "indicators.items[0].units",
        "did you mean `unit`?",
    );
    assert_problem(
        &format!("{FUNDS}indicators:\n  items: 上报涉唐舆情数量\n"),
        "indicators.items",
        "write a list under `items:`",
    );
    assert_problem(
        &format!("{FUNDS}indicators:\n  items: [ng-cost]\n"),
        "indicators.items[0]",
        "write each indicator as `key: value` lines",
    );
}

#[test]
fn ledger_progress_needs_a_fund_and_money() {
    let ledger = good_with("progress", "progress: ledger")
        .replace("unit: 条", "unit: 万元")
        .replace("\"≥\"", "\"≤\"")
        .replace("tier2: 数量", "tier2: 成本");
    assert_eq!(one(&ledger).progress, Progress::Ledger);
    assert_eq!(
        one(&ledger.replace("unit: 万元", "unit: 元")).progress,
        Progress::Ledger
    );
    assert_problem(
        &ledger.replace("      fund: network-governance\n", ""),
        "indicators.items[0].progress",
        "this indicator belongs to no fund: add its fund, or write progress: level",
    );
    assert_problem(
        &ledger.replace("unit: 万元", "unit: \"%\""),
        "indicators.items[0].progress",
        "the unit is \"%\"",
    );
    let words = good_with("comparator", "comparator: 定性")
        .replace("target: 1000", "target: 有效促进")
        .replace("progress: cumulative-time", "progress: monthly");
    assert_problem(
        &words,
        "indicators.items[0].progress",
        "monthly needs a number to add up or compute, and a 定性 indicator has none",
    );
}

#[test]
fn ids_and_names_are_unique() {
    let two = |second: &str| {
        let first = with(GOOD);
        let second = with(second);
        let item = second.split("  items:\n").nth(1).unwrap().to_owned();
        format!("{first}{item}")
    };
    assert_problem(
        &two(&GOOD.replace("name: 上报涉唐舆情数量", "name: 其他")),
        "indicators.items[1].id",
        "\"reports\" is also the id of indicators.items[0]: ids must be unique",
    );
    assert_problem(
        &two(&GOOD.replace("id: reports", "id: reports-2")),
        "indicators.items[1].name",
        "\"上报涉唐舆情数量\" is also the name of indicators.items[0] of fund network-governance",
    );
    // The same name under another fund, or the department's own, is another indicator.
    let c = load_text(&two(&GOOD
        .replace("id: reports", "id: reports-2")
        .replace("fund: network-governance", "fund: investment-promotion")))
    .expect("same name, other fund");
    assert_eq!(c.indicators.len(), 2);
}

#[test]
fn sources_and_stale_after_of_readings() {
    let dir = Path::new("/srv/sw");
    let parse = |text: &str| crate::config::parse(text, &dir.join("config.yaml"), dir);
    let c = parse(&format!(
        "{FUNDS}indicators:\n  sources: [data/indicators/*.xlsx, /abs/完成值.csv]\n  stale_after: 60d\n"
    ))
    .expect("valid");
    assert_eq!(
        c.indicator_sources,
        [
            dir.join("data/indicators/*.xlsx"),
            PathBuf::from("/abs/完成值.csv")
        ]
    );
    assert_eq!(c.indicator_stale_after, Duration::from_secs(60 * 86_400));
    // The default: a month and the fortnight its figures take to be reported.
    let c = parse(FUNDS).expect("valid");
    assert!(c.indicator_sources.is_empty());
    assert_eq!(c.indicator_stale_after, Duration::from_secs(45 * 86_400));
    for (text, path, fragment) in [
        (
            "  sources: [a.csv, a.csv]\n",
            "indicators.sources[1]",
            "is listed already as indicators.sources[0]: list each file once",
        ),
        (
            "  sources: [\"[a\"]\n",
            "indicators.sources[0]",
            "is not a valid file pattern",
        ),
        (
            "  sources: [\" \"]\n",
            "indicators.sources[0]",
            "is empty: write a file or glob of readings",
        ),
        (
            "  sources: a.csv\n",
            "indicators.sources",
            "write a list, even of one item: sources: [a.csv]",
        ),
        (
            "  stale_after: 0d\n",
            "indicators.stale_after",
            "is zero: write a time more than zero, e.g. 45d",
        ),
        (
            "  stale_after: 30\n",
            "indicators.stale_after",
            "30 has no unit: write 30d for days",
        ),
    ] {
        assert_problem(&format!("{FUNDS}indicators:\n{text}"), path, fragment);
    }
}

#[test]
fn an_indicator_may_have_its_own_stale_after() {
    // Without one: the section's limit (`None`).
    assert_eq!(one(&with(GOOD)).stale_after_days, None);
    // Whole days; a part of a day counts as a day, as the section's limit is counted.
    for (written, days) in [
        ("107d", 107),
        ("400d", 400),
        ("1d", 1),
        ("36h", 2),
        ("1m", 1),
    ] {
        let i = one(&with(&format!("{GOOD}\nstale_after: {written}")));
        assert_eq!(i.stale_after_days, Some(days), "{written}");
    }
    // Beside the section's own, which it overrides for this indicator only.
    let text = with(&format!("{GOOD}\nstale_after: 198d")).replace(
        "indicators:\n",
        "indicators:\n  sources: [data/indicators/*.csv]\n  stale_after: 45d\n",
    );
    let c = load_text(&text).expect("valid");
    assert_eq!(c.indicators[0].stale_after_days, Some(198));
    assert_eq!(c.indicator_stale_after, Duration::from_secs(45 * 86_400));
    // The section's refusals, at the indicator's key path.
    for (line, fragment) in [
        (
            "stale_after: 0d",
            "is zero: write a time more than zero, e.g. 107d",
        ),
        ("stale_after: 90", "90 has no unit: write 90d for days"),
        (
            "stale_after: 90天",
            "\"90天\": write the unit in letters, 90d",
        ),
        (
            "stale_after: quarterly",
            "\"quarterly\" is not a length of time",
        ),
        ("stale_after: [90d]", "a list was given: write one value"),
    ] {
        assert_problem(
            &with(&format!("{GOOD}\n{line}")),
            "indicators.items[0].stale_after",
            fragment,
        );
    }
    // Never on an indicator that cannot go stale, saying why.
    let ledger = good_with("progress", "progress: ledger")
        .replace("unit: 条", "unit: 万元")
        .replace("\"≥\"", "\"≤\"")
        .replace("tier2: 数量", "tier2: 成本");
    assert_problem(
        &ledger.replace(
            "progress: ledger",
            "progress: ledger\n      stale_after: 400d",
        ),
        "indicators.items[0].stale_after",
        "ledger is computed from the fund's own spending and takes no readings, so it is \
         never stale: remove stale_after",
    );
    let words = good_with("comparator", "comparator: 定性")
        .replace("target: 1000", "target: 有效促进")
        .replace("progress: cumulative-time", "progress: level");
    assert_eq!(one(&words).comparator, Comparator::Qualitative);
    assert_problem(
        &words.replace(
            "progress: level",
            "progress: level\n      stale_after: 400d",
        ),
        "indicators.items[0].stale_after",
        "a 定性 indicator is judged in words (达成/基本达成/未达成) when the office judges it, \
         and is never stale: remove stale_after",
    );
}
