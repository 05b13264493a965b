//! The words of the forecast, the catch-up schedule and an explanation, against figures worked
//! out by hand (each test says how).

use chrono::NaiveDate;

use super::*;
use crate::core::{
    DailySpend, EndCause, ExplanationReason, Fund, Milestone, Policy, Share, catch_up, evaluate,
    forecast,
};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn yuan_of(text: &str) -> Money {
    Money::parse(text).expect("test amount")
}

/// A 2025 fund of `budget` with the plan `(month, day, basis points)`.
fn fund(budget: &str, plan: &[(u32, u32, u32)]) -> Fund {
    Fund {
        id: "ng".into(),
        code: "C1".into(),
        name: "网络综合治理体系建设专项资金".into(),
        year: 2025,
        budget: yuan_of(budget),
        milestones: plan
            .iter()
            .map(|&(m, d, bp)| Milestone {
                date: ymd(2025, m, d),
                share: Share::from_basis_points(bp),
            })
            .collect(),
        aliases: vec![],
        notify: vec![],
        escalate: vec![],
    }
}

const USUAL: &[(u32, u32, u32)] = &[
    (3, 31, 2500),
    (6, 30, 5000),
    (10, 31, 7500),
    (12, 31, 10_000),
];
const HALVES: &[(u32, u32, u32)] = &[(6, 30, 5000), (12, 31, 10_000)];

/// 5,000 元 on the 15th of January to June: 30,000 元 by 06-30.
fn monthly_5000() -> DailySpend {
    DailySpend::from_amounts(
        (1..=6)
            .map(|m| (ymd(2025, m, 15), yuan_of("5,000.00")))
            .collect(),
    )
}

#[test]
fn a_projected_range_with_its_basis() {
    // 100,000 元, 50% by 06-30: on 06-30 with 30,000 spent, half of the plan is still ahead, so
    // the central value is "on plan from now" alone: 30,000 + (100,000 − 50,000) = 80,000.00;
    // the low end is 29% of the 50,000 the plan still asks below it (65,500.00), the high end
    // 87% of the way from it to the whole budget (97,400.00); 预计结余 is 100,000 less each.
    let f = forecast(
        &fund("100,000.00", HALVES),
        &monthly_5000(),
        ymd(2025, 6, 30),
    );
    assert_eq!(
        forecast_lines(&f),
        [
            "年末预计执行率 65.50%–97.40%（居中 80.00%）",
            "预计结余 ¥2,600.00–¥34,500.00（居中 ¥20,000.00）",
            "推算依据：累计支出为同期计划进度的 60.00%，近90天支出 ¥15,000.00。",
            FORECAST_CAVEAT[0],
            FORECAST_CAVEAT[1],
        ]
    );
    assert_eq!(
        milestone_forecast_lines(&f),
        [
            "预计12月底100%节点前累计支出 ¥65,500.00–¥97,400.00（居中 ¥80,000.00），\
          节点目标 ¥100,000.00，预计未达标。"
        ]
    );
    let table = forecast_table(&f).expect("a milestone remains");
    let headings: Vec<&str> = table.columns.iter().map(|c| c.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "节点",
            "节点目标（元）",
            "预计累计支出（元）",
            "居中（元）",
            "预计"
        ]
    );
    let cells: Vec<&str> = table.rows[0].iter().map(Cell::text).collect();
    assert_eq!(
        cells,
        [
            "2025-12-31",
            "100,000.00",
            "65,500.00–97,400.00",
            "80,000.00",
            "预计未达标"
        ]
    );
}

#[test]
fn ends_that_meet_are_one_value() {
    // 20,000 元 a month to May: the whole budget is spent, and no end goes past it (the cap) or
    // below what is spent: no range, nothing left over.
    let spend = DailySpend::from_amounts(
        (1..=5)
            .map(|m| (ymd(2025, m, 15), yuan_of("20,000.00")))
            .collect(),
    );
    let f = forecast(&fund("100,000.00", HALVES), &spend, ymd(2025, 6, 30));
    let lines = forecast_lines(&f);
    assert_eq!(lines[0], "年末预计执行率 100.00%");
    assert_eq!(lines[1], "预计结余 ¥0.00");
    assert_eq!(
        milestone_forecast_lines(&f),
        ["预计12月底100%节点前累计支出 ¥100,000.00，节点目标 ¥100,000.00，预计达标。"]
    );
}

#[test]
fn a_target_inside_the_range_may_be_missed() {
    let point = |low: &str, high: &str, target: &str| ProjectedPoint {
        date: ymd(2025, 10, 31),
        milestone: None,
        plan: yuan_of(target),
        by_pace: yuan_of(low),
        by_run_rate: yuan_of(high),
        on_plan: yuan_of(target),
        spend: Band {
            low: yuan_of(low),
            central: yuan_of(low),
            high: yuan_of(high),
        },
    };
    // At the boundaries: the low end exactly at the target meets it; the high end one 分 below
    // does not.
    assert_eq!(
        milestone_outlook(&point("100.00", "120.00", "100.00")),
        "预计达标"
    );
    assert_eq!(
        milestone_outlook(&point("99.99", "120.00", "100.00")),
        "可能未达标"
    );
    assert_eq!(
        milestone_outlook(&point("80.00", "100.00", "100.00")),
        "可能未达标"
    );
    assert_eq!(
        milestone_outlook(&point("80.00", "99.99", "100.00")),
        "预计未达标"
    );
}

#[test]
fn too_little_history_says_why() {
    let halves = fund("100,000.00", HALVES);
    let early = forecast(&halves, &monthly_5000(), ymd(2025, 2, 28));
    assert_eq!(
        forecast_lines(&early),
        ["年末预计：数据不足——2025年3月1日起才作预计（年初支出太少，不足以推算全年）。"]
    );
    let none = forecast(&halves, &DailySpend::default(), ymd(2025, 7, 1));
    assert_eq!(
        forecast_lines(&none),
        ["年末预计：数据不足——截至目前尚无支出，无从推算。"]
    );
    let two_days = DailySpend::from_amounts(vec![
        (ymd(2025, 1, 15), yuan_of("5,000.00")),
        (ymd(2025, 2, 15), yuan_of("5,000.00")),
    ]);
    let few = forecast(&halves, &two_days, ymd(2025, 4, 1));
    assert_eq!(
        forecast_lines(&few),
        ["年末预计：数据不足——仅有2天有支出（至少需要3天），无从推算支出节奏。"]
    );
    for f in [&early, &none, &few] {
        assert!(milestone_forecast_lines(f).is_empty());
        assert_eq!(forecast_table(f), None);
    }
}

#[test]
fn a_closed_year_gives_its_actual_end() {
    // 30,000 of 100,000 spent: 30.00%, 70,000.00 unspent.
    let f = forecast(
        &fund("100,000.00", HALVES),
        &monthly_5000(),
        ymd(2026, 1, 5),
    );
    assert_eq!(
        forecast_lines(&f),
        ["年度已结束：全年累计支出 ¥30,000.00，执行率 30.00%，结余 ¥70,000.00。"]
    );
    assert_eq!(forecast_table(&f), None);
}

/// The README's example: 150,000 元, the usual plan, 41,234 元 spent, on 07-15 (June missed).
fn readme_schedule(as_of: NaiveDate) -> CatchUp {
    let fund = fund("150,000.00", USUAL);
    let spend = DailySpend::from_amounts(vec![(ymd(2025, 1, 10), yuan_of("41,234.00"))]);
    catch_up(&fund, &evaluate(&fund, &spend, as_of, Policy::default()))
}

#[test]
fn catch_up_sentences_by_milestone_and_month() {
    // By 10-31: 112,500 − 41,234 = 71,266.00, of which 75,000 − 41,234 = 33,766.00 is June's;
    // by 12-31: 108,766.00. June's part is due at once, in July; the other 37,500.00 by days
    // as in the README (16, 31, 30, 31 days; then 30, 31).
    let plan = readme_schedule(ymd(2025, 7, 15));
    assert_eq!(
        catch_up_lines(&plan),
        [
            "2025年10月31日前累计还需支出 ¥71,266.00（剩余108天，节点目标 ¥112,500.00），\
             其中 ¥33,766.00 为逾期节点未补齐的差额，应尽快支出。",
            "2025年12月31日前累计还需支出 ¥108,766.00（剩余169天，节点目标 ¥150,000.00）。",
            "按月：7月16日–31日 ¥39,321.56，8月 ¥10,763.89，9月 ¥10,416.67，10月 ¥10,763.88，\
             11月 ¥18,442.63，12月 ¥19,057.37。",
        ]
    );
}

#[test]
fn catch_up_sentences_by_week_in_the_last_month() {
    // On Monday 10-20 the 10-31 step runs 10-21 (Tuesday) to 10-31 (Friday): June's 33,766.00
    // at once, in the first week, and 6 and 5 days of the other 37,500.00: 20,454.54 + 1 分
    // (floors leave 1 分, given to the first week) and 17,045.45.
    let plan = readme_schedule(ymd(2025, 10, 20));
    let lines = catch_up_lines(&plan);
    assert_eq!(
        lines[2..],
        [
            "按月：10月21日–31日 ¥71,266.00，11月 ¥18,442.63，12月 ¥19,057.37。",
            "10月底节点前按周：10月21日–26日 ¥54,220.55，10月27日–31日 ¥17,045.45。",
        ]
    );
    let tables = catch_up_tables(&plan);
    let captions: Vec<&str> = tables
        .iter()
        .map(|t| t.caption.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(captions, ["补齐计划", "按月", "按周（10月底节点前）"]);
    let rows = |t: &Table| -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text().to_owned()).collect())
            .collect()
    };
    assert_eq!(
        rows(&tables[0]),
        [
            ["2025-10-31", "112,500.00", "71,266.00", "11天"],
            ["2025-12-31", "150,000.00", "108,766.00", "72天"],
        ]
    );
    // Each running total ends on its milestone's 还需支出.
    assert_eq!(
        rows(&tables[1]),
        [
            ["2025年10月", "10-21至10-31", "71,266.00", "71,266.00"],
            ["2025年11月", "11-01至11-30", "18,442.63", "89,708.63"],
            ["2025年12月", "12-01至12-31", "19,057.37", "108,766.00"],
        ]
    );
    assert_eq!(
        rows(&tables[2]),
        [
            [
                "10-21（周二至周日）",
                "10-21至10-26",
                "54,220.55",
                "54,220.55"
            ],
            [
                "10-27（周一至周五）",
                "10-27至10-31",
                "17,045.45",
                "71,266.00"
            ],
        ]
    );
}

#[test]
fn months_of_another_year_name_it() {
    // Before the year: every month of 2025 carries its year, the first is whole (01-01 on).
    let plan = readme_schedule(ymd(2024, 12, 31));
    let months = catch_up_lines(&plan)
        .into_iter()
        .find(|l| l.starts_with("按月："))
        .expect("months");
    assert!(months.starts_with("按月：2025年1月 ¥"), "{months}");
}

#[test]
fn nothing_left_to_reach_says_nothing() {
    // After 12-31: no step. All met: no step either.
    assert!(catch_up_lines(&readme_schedule(ymd(2026, 1, 5))).is_empty());
    assert!(catch_up_tables(&readme_schedule(ymd(2026, 1, 5))).is_empty());
    let fund = fund("150,000.00", USUAL);
    let all = DailySpend::from_amounts(vec![(ymd(2025, 1, 10), yuan_of("150,000.00"))]);
    let plan = catch_up(
        &fund,
        &evaluate(&fund, &all, ymd(2025, 7, 15), Policy::default()),
    );
    assert!(catch_up_lines(&plan).is_empty());
}

fn explanation(text: &str) -> Explanation {
    Explanation {
        id: 3,
        fund: "ng".into(),
        milestone: None,
        reason: ExplanationReason::Funding,
        text: text.into(),
        day: ymd(2025, 7, 5),
        until: Some(ymd(2025, 7, 20)),
        user: "zhangsan".into(),
        ended: None,
    }
}

#[test]
fn an_explanation_in_one_line() {
    assert_eq!(
        explanation_line(&explanation("上级资金7月下达，8月起按合同付款")),
        "已说明 #3（经费保障，2025-07-05 登记，有效至 2025-07-20）：上级资金7月下达，8月起按合同付款"
    );
    let open = Explanation {
        milestone: Some(ymd(2025, 6, 30)),
        until: None,
        ended: Some((ymd(2025, 9, 1), EndCause::CaughtUp)),
        ..explanation("x")
    };
    assert_eq!(
        explanation_line(&open),
        "已说明 #3（经费保障，6月底节点，2025-07-05 登记，有效至补齐或撤回）：x"
    );
}

#[test]
fn hostile_text_is_shown_escaped() {
    let line = explanation_line(&explanation(
        "第一行\r\n\u{1b}[2J<script>alert(1)</script>\u{202E}cba\u{2066}\t\u{85}",
    ));
    assert_eq!(
        line,
        "已说明 #3（经费保障，2025-07-05 登记，有效至 2025-07-20）：\
         第一行\\r\\n\\u{1b}[2J<script>alert(1)</script>\\u{202e}cba\\u{2066}\\t\\u{85}"
    );
    assert!(!line.chars().any(hidden), "{line:?}");
    // Ordinary text, full-width punctuation and emoji stay as they are.
    assert_eq!(
        escaped("合同（5月）签订；😀 a\\b"),
        "合同（5月）签订；😀 a\\b"
    );
}

#[test]
fn long_text_is_cut_with_its_length() {
    let long = "款".repeat(SHOWN_CHARS + 1);
    let shown = escaped(&long);
    assert_eq!(
        shown,
        format!(
            "{}…（共{}个字符）",
            "款".repeat(SHOWN_CHARS),
            SHOWN_CHARS + 1
        )
    );
    let at_limit = "款".repeat(SHOWN_CHARS);
    assert_eq!(escaped(&at_limit), at_limit);
}
