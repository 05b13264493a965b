use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::*;
use crate::app::snapshot::{FundSnapshot, IndicatorSnapshot, Snapshot};
use crate::config::{Config, parse};
use crate::core::{
    Actual, Band, DailySpend, Decimal, EndCause, Expected, ExpectedBasis, IndicatorReport,
    Judgement, Pace, Reading, catch_up, evaluate, forecast, light,
};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).expect("a day")
}

const CONFIG: &str = r#"
department: {name: 某区委网信办, code: "244001"}
funds:
  - id: ng
    code: "P1"
    name: 网络综合治理体系建设专项资金
    year: 2025
    budget: 15.00万元
    goal: "=推动工作"
  - id: ip
    code: "P2"
    name: 招商引资专项业务费
    year: 2025
    budget: 10.00万元
indicators:
  items:
    - {id: reports, fund: ng, tier1: 产出, tier2: 数量, name: 上报涉唐舆情数量, comparator: "≥", target: 1000, unit: 条, progress: cumulative-time}
    - {id: hours, fund: ng, tier1: 产出, tier2: 时效, name: 处理时限, comparator: "≤", target: 24, unit: 小时, progress: level}
    - {id: rate, fund: ng, tier1: 效益, tier2: 社会效益, name: 分析完成率, comparator: "≥", target: 90.5, unit: "%", progress: level}
    - {id: cost, fund: ip, tier1: 产出, tier2: 成本, name: 项目总成本, comparator: "≤", target: 10, unit: 万元, progress: ledger}
    - {id: posts, tier1: 产出, tier2: 数量, name: 信息发布, comparator: "≥", target: 24, unit: 条, progress: monthly}
    - {id: jiping, tier1: 产出, tier2: 质量, name: 投稿, comparator: 定性, target: 争取投稿, progress: level}
"#;

fn config() -> Config {
    parse(CONFIG, Path::new("config.yaml"), Path::new("/tmp")).expect("test config")
}

/// A judgement of an indicator, on track unless changed.
fn report(id: &str, actual: Option<Actual>) -> IndicatorReport {
    IndicatorReport {
        id: id.to_owned(),
        actual,
        data_day: Some(day(7, 31)),
        months_reported: 7,
        expected: None,
        outlook: IndicatorOutlook::Judged,
        likelihood: Likelihood::Certain,
        state: IndicatorState::OnTrack,
        months_without_update: Vec::new(),
        stale_days: None,
    }
}

fn number(text: &str) -> Option<Actual> {
    Some(Actual::Number(Decimal::parse(text).expect("a number")))
}

fn explanation(id: i64, reason: ExplanationReason, recorded: NaiveDate) -> Explanation {
    Explanation {
        id,
        fund: "ng".into(),
        milestone: None,
        reason,
        text: format!("说明{id}"),
        day: recorded,
        until: None,
        user: "finance".into(),
        ended: None,
    }
}

/// The snapshot on `end` of the config's funds: `ng` with `ng_spend` (分) on 03-10, 05-10 and
/// 07-10 each, `ip` without entries; the indicator judgements given.
fn snapshot<'c>(
    config: &'c Config,
    end: NaiveDate,
    ng_spend: i64,
    reports: Vec<IndicatorReport>,
    explanations: Vec<Explanation>,
) -> Snapshot<'c> {
    let judged = |i: &'c Indicator| {
        reports
            .iter()
            .find(|r| r.id == i.id)
            .map(|r| IndicatorSnapshot {
                indicator: i,
                year: 2025,
                readings: vec![Reading {
                    indicator: i.id.clone(),
                    day: day(7, 31),
                    value: r.actual.unwrap_or(Actual::Judgement(Judgement::Mostly)),
                    note: Some("=HYPERLINK(\"x\")\u{7}".into()),
                }],
                report: r.clone(),
            })
    };
    let funds = config
        .funds
        .iter()
        .map(|fund| {
            let spend = if fund.id == "ng" {
                DailySpend::from_amounts(
                    [day(3, 10), day(5, 10), day(7, 10)]
                        .map(|d| (d, Money::from_fen(ng_spend)))
                        .to_vec(),
                )
            } else {
                DailySpend::default()
            };
            let report = evaluate(fund, &spend, end, config.policy());
            let indicators: Vec<IndicatorSnapshot<'c>> = config
                .indicators
                .iter()
                .filter(|i| i.fund.as_deref() == Some(fund.id.as_str()))
                .filter_map(judged)
                .collect();
            FundSnapshot {
                fund,
                light: light(
                    report.spent < report.time_amount,
                    indicators.iter().map(|i| i.report.state),
                ),
                entries: if spend.is_empty() { 0 } else { 3 },
                overlaps: Vec::new(),
                grading: None,
                forecast: forecast(fund, &spend, end),
                catch_up: catch_up(fund, &report),
                explanations: explanations
                    .iter()
                    .filter(|e| e.fund == fund.id)
                    .cloned()
                    .collect(),
                indicators,
                report,
                spend,
            }
        })
        .collect();
    Snapshot {
        day: end,
        funds,
        overlaps: Vec::new(),
        alerts: HashMap::new(),
        last_change: None,
        department: config
            .indicators
            .iter()
            .filter(|i| i.fund.is_none())
            .filter_map(judged)
            .collect(),
    }
}

#[test]
fn wan_rounds_half_away_from_zero_on_the_fen() {
    let wan = |fen: i64| Wan::of(Money::from_fen(fen)).to_string();
    // 12,349.99 元 and 12,350.00 元: just below and at the half of a hundred 元.
    assert_eq!(wan(1_234_499), "1.23");
    assert_eq!(wan(1_234_999), "1.23");
    assert_eq!(wan(1_235_000), "1.24");
    assert_eq!(wan(1_234_550), "1.23");
    assert_eq!(wan(15_000_000), "15.00");
    assert_eq!(wan(4_999), "0.00");
    assert_eq!(wan(5_000), "0.01");
    assert_eq!(wan(-5_000), "-0.01");
    assert_eq!(wan(-4_999), "0.00");
    assert_eq!(wan(-1_235_000), "-1.24");
    assert_eq!(Wan::of(Money::from_fen(1_005_000)).value(), 1.01);
    assert_eq!(Wan::of(Money::from_fen(1_005_000)).hundredths(), 101);
}

#[test]
fn the_period_is_to_the_last_month_end() {
    let p = |y, m, d| Period::of(NaiveDate::from_ymd_opt(y, m, d).expect("a day"));
    assert_eq!(p(2025, 7, 31).end, day(7, 31));
    assert_eq!(p(2025, 7, 31).months(), "1-7月");
    assert_eq!(p(2025, 8, 1).end, day(7, 31));
    assert_eq!(p(2025, 8, 30).end, day(7, 31));
    assert_eq!(p(2025, 8, 31).months(), "1-8月");
    assert_eq!(p(2025, 1, 31).months(), "1月");
    assert_eq!(p(2025, 2, 28).months(), "1-2月");
    assert_eq!(p(2024, 2, 28).months(), "1月");
    assert_eq!(p(2024, 2, 29).months(), "1-2月");
    assert_eq!(p(2025, 12, 31).months(), "1-12月");
    // Early January: the year just closed.
    let jan = p(2026, 1, 10);
    assert_eq!((jan.year(), jan.months()), (2025, "1-12月".to_owned()));
    assert_eq!(
        p(2025, 8, 5).title(),
        "项目支出绩效目标执行监控表（2025年1-7月）"
    );
}

#[test]
fn money_in_wan_from_the_ledger_and_the_forecast() {
    let c = config();
    // 3 × 25,000.50 元 = 75,001.50 元: 7.50万元, 50.00% of 15万元.
    let s = snapshot(&c, day(7, 31), 2_500_050, Vec::new(), Vec::new());
    let form = MonitorForm::build(&c, &s, day(7, 31));
    assert_eq!(form.title, "项目支出绩效目标执行监控表（2025年1-7月）");
    assert_eq!(form.reporter, "某区委网信办");
    let ng = &form.funds[0];
    assert_eq!(ng.money.budget, Wan(1500));
    assert_eq!(ng.money.spent, Figure::Wan(Wan(750)));
    let Figure::Rate(rate) = ng.money.rate else {
        panic!("a rate: {:?}", ng.money.rate)
    };
    assert!((rate - 7_500_150.0 / 15_000_000.0).abs() < 1e-12);
    let Outlook::Projected(p) = &s.funds[0].forecast.outlook else {
        panic!("a projection")
    };
    assert_eq!(
        ng.money.year_end,
        Figure::Wan(Wan::of(p.year_end.spend.central))
    );
    assert_eq!(
        (ng.department.as_str(), ng.implementer.as_str()),
        ("某区委网信办", "某区委网信办")
    );
    // A goal is kept as written, formula-like or not: the writer makes it a text cell.
    assert_eq!(ng.goal, "=推动工作");
    // No entries is not zero spending; no forecast is said so.
    let ip = &form.funds[1];
    assert_eq!(ip.goal, NOT_CONFIGURED);
    assert_eq!(ip.money.spent, Figure::Text("无数据".into()));
    assert_eq!(ip.money.rate, Figure::Text("无数据".into()));
    assert_eq!(ip.money.year_end, Figure::Text("数据不足".into()));
    assert!(
        ip.progress.contains("项目资金尚无账簿数据"),
        "{}",
        ip.progress
    );
    // The total adds what is shown; without every forecast there is no total forecast.
    let total = &form.summary.total;
    assert_eq!(total.budget, Wan(2500));
    assert_eq!(total.spent, Figure::Wan(Wan(750)));
    assert_eq!(total.year_end, Figure::Text("数据不足".into()));
    assert_eq!(form.summary.lines.len(), 2);
    assert!(
        ng.progress
            .starts_with("截至2025年7月31日，项目资金执行7.50万元，执行率50.00%"),
        "{}",
        ng.progress
    );
}

#[test]
fn rows_come_from_the_config_with_the_judgements_where_there_are_some() {
    let c = config();
    let mut hours = report("hours", number("30"));
    hours.state = IndicatorState::Breached;
    hours.likelihood = Likelihood::Impossible;
    hours.expected = Some(Expected {
        value: 24.0,
        basis: ExpectedBasis::Target,
        gap: 6.0,
    });
    let mut rate = report("rate", number("92.25"));
    rate.outlook = IndicatorOutlook::Projected(Band {
        low: 90.0,
        central: 92.254,
        high: 94.0,
    });
    let s = snapshot(&c, day(7, 31), 2_500_000, vec![hours, rate], Vec::new());
    let form = MonitorForm::build(&c, &s, day(7, 31));
    let rows = &form.funds[0].rows;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["reports", "hours", "rate"]);
    // Not judged (no readings yet): the config's columns, 无完成值, nothing guessed.
    let r = &rows[0];
    assert_eq!(
        (
            r.tier1.as_str(),
            r.tier2.as_str(),
            r.name.as_str(),
            r.target.as_str()
        ),
        ("产出指标", "数量指标", "上报涉唐舆情数量", "≥1000条")
    );
    assert_eq!(
        (&r.actual, &r.outlook, r.likelihood),
        (&Figure::Empty, &Figure::Empty, None)
    );
    assert_eq!(r.remark, "无完成值");
    let r = &rows[1];
    assert_eq!(r.target, "≤24小时");
    assert_eq!(
        r.actual,
        Figure::Measure {
            value: 30.0,
            decimals: 0,
            unit: "小时".into()
        }
    );
    assert_eq!(r.likelihood, Some(Likelihood::Impossible));
    assert!(
        r.remark.starts_with("超出限值；指标值≤24小时，超出6小时"),
        "{}",
        r.remark
    );
    // The reading's note: control characters gone, the text as written.
    assert!(
        r.remark.ends_with("说明：=HYPERLINK(\"x\")"),
        "{}",
        r.remark
    );
    let r = &rows[2];
    assert_eq!(r.target, "≥90.5%");
    assert_eq!(
        r.outlook,
        Figure::Measure {
            value: 92.25,
            decimals: 2,
            unit: "%".into()
        }
    );
    assert!(r.remark.contains("预计区间90.00～94.00%"), "{}", r.remark);
    assert!(
        form.funds[0]
            .progress
            .contains("绩效指标3项：无完成值1项，超出限值1项，正常1项。"),
        "{}",
        form.funds[0].progress
    );
    // The ledger indicator says where its value comes from even before it is judged.
    assert_eq!(form.funds[1].rows[0].remark, "无完成值");
    // The department's own, on the summary; a 定性 one says 未评价 until judged.
    let dept: Vec<(&str, &str)> = form
        .summary
        .rows
        .iter()
        .map(|r| (r.target.as_str(), r.remark.as_str()))
        .collect();
    assert_eq!(dept, [("≥24条", "无完成值"), ("争取投稿", "未评价")]);
}

#[test]
fn a_judgement_without_a_value_says_only_so() {
    let c = config();
    let mut empty = report("reports", None);
    empty.state = IndicatorState::NoData;
    empty.outlook = IndicatorOutlook::Insufficient("尚无完成值");
    empty.stale_days = Some(211);
    let s = snapshot(&c, day(7, 31), 2_500_000, vec![empty], Vec::new());
    let form = MonitorForm::build(&c, &s, day(7, 31));
    let r = &form.funds[0].rows[0];
    assert_eq!(r.state, Some(IndicatorState::NoData));
    assert_eq!((&r.actual, &r.outlook), (&Figure::Empty, &Figure::Empty));
    assert_eq!((r.likelihood, r.remark.as_str()), (None, "无完成值"));
}

#[test]
fn causes_are_ticked_from_explanations_in_force_on_deviating_rows_only() {
    let c = config();
    let mut lagging = report("reports", number("300"));
    lagging.state = IndicatorState::Lagging;
    lagging.likelihood = Likelihood::Possible;
    lagging.expected = Some(Expected {
        value: 580.0,
        basis: ExpectedBasis::Share {
            pace: Pace::Time,
            share: (212, 365),
        },
        gap: 280.0,
    });
    let on_track = report("hours", number("12"));
    let mut never = explanation(2, ExplanationReason::Rules, day(8, 1));
    never.ended = Some((day(8, 1), EndCause::Withdrawn));
    let mut ended_before = explanation(3, ExplanationReason::Staff, day(6, 1));
    ended_before.until = Some(day(7, 30));
    let mut ended_within = explanation(4, ExplanationReason::Hardware, day(7, 1));
    ended_within.ended = Some((day(8, 3), EndCause::CaughtUp));
    let explanations = vec![
        // Recorded after the period's end, before the form: it explains July.
        explanation(1, ExplanationReason::Funding, day(8, 5)),
        never,
        ended_before,
        ended_within,
        // Recorded after the day the form is filled in.
        explanation(5, ExplanationReason::Other, day(8, 11)),
    ];
    let s = snapshot(
        &c,
        day(7, 31),
        2_500_000,
        vec![lagging, on_track],
        explanations,
    );
    let form = MonitorForm::build(&c, &s, day(8, 10));
    let rows = &form.funds[0].rows;
    assert_eq!(rows[0].causes, [true, false, false, true, false]);
    assert!(
        rows[0]
            .remark
            .starts_with("滞后；序时应达580条（按序时），差280条"),
        "{}",
        rows[0].remark
    );
    // On track, or not judged: nothing to explain.
    assert_eq!(rows[1].causes, [false; 5]);
    assert_eq!(rows[2].causes, [false; 5]);
    let progress = &form.funds[0].progress;
    assert!(
        progress.ends_with("偏差原因（情况说明）：经费保障：说明1；硬件条件保障：说明4。"),
        "{progress}"
    );
    // On the form's own day the explanation of 08-05 was not written yet.
    let form = MonitorForm::build(&c, &s, day(7, 31));
    assert_eq!(
        form.funds[0].rows[0].causes,
        [false, false, false, true, false]
    );
}

#[test]
fn funds_of_other_years_are_left_out() {
    let text = CONFIG.replacen(
        "year: 2025\n    budget: 10.00万元",
        "year: 2026\n    budget: 10.00万元",
        1,
    );
    let c = parse(&text, Path::new("config.yaml"), Path::new("/tmp")).expect("config");
    let s = snapshot(&c, day(7, 31), 100, Vec::new(), Vec::new());
    let form = MonitorForm::build(&c, &s, day(7, 31));
    let ids: Vec<&str> = form.funds.iter().map(|f| f.fund.as_str()).collect();
    assert_eq!(ids, ["ng"]);
    assert_eq!(form.summary.lines.len(), 1);
}

#[test]
fn without_a_department_the_cells_say_so() {
    let text = CONFIG.replacen(
        "department: {name: 某区委网信办, code: \"244001\"}\n",
        "",
        1,
    );
    let c = parse(&text, Path::new("config.yaml"), Path::new("/tmp")).expect("config");
    let s = snapshot(&c, day(7, 31), 100, Vec::new(), Vec::new());
    let form = MonitorForm::build(&c, &s, day(7, 31));
    assert_eq!(form.reporter, NOT_CONFIGURED);
    assert_eq!(form.funds[0].department, NOT_CONFIGURED);
    assert_eq!(form.funds[0].implementer, NOT_CONFIGURED);
}

#[test]
fn sheet_names_are_safe_short_and_unique() {
    let names =
        |list: &[&str]| sheet_names(&list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    assert_eq!(
        names(&["部门汇总", "a/b:c", "[x]*?\\", "'引号'", "", "History"]),
        ["部门汇总", "a_b_c", "_x____", "引号", "项目", "History(2)"]
    );
    let long = "网".repeat(40);
    let got = names(&[&long, &long, "ABC", "abc"]);
    assert_eq!(got[0], "网".repeat(31));
    assert_eq!(got[1], format!("{}(2)", "网".repeat(28)));
    assert_eq!(got[3], "abc(2)");
    // A character outside the BMP counts twice, as Excel counts.
    let emoji = "😀".repeat(20);
    let got = names(&[&emoji]);
    assert_eq!(got[0].encode_utf16().count(), 30);
    for name in names(&[&long, "部门汇总", "部门汇总"]) {
        assert!(
            rust_xlsxwriter::utility::check_sheet_name(&name).is_ok(),
            "{name}"
        );
    }
}
