//! The digest of made-up funds: its subject, the ranking with the average, and where charts go.

use chrono::NaiveDate;

use super::*;
use crate::core::{DailySpend, Milestone, Policy, Share, catch_up, evaluate, forecast, light};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn fund(id: &str, name: &str) -> Fund {
    let milestone = |m, d, share: &str| Milestone {
        date: ymd(2025, m, d),
        share: Share::parse(share).expect("share"),
    };
    Fund {
        id: id.to_owned(),
        code: format!("C-{id}"),
        name: name.to_owned(),
        year: 2025,
        budget: Money::from_fen(10_000_000),
        milestones: vec![
            milestone(3, 31, "25%"),
            milestone(6, 30, "50%"),
            milestone(10, 31, "75%"),
            milestone(12, 31, "100%"),
        ],
        aliases: vec![],
        notify: vec![],
        escalate: vec![],
    }
}

/// Everything the digest reads of one fund, owned.
struct Made {
    fund: Fund,
    spend: DailySpend,
    report: FundReport,
    forecast: Forecast,
    catch_up: CatchUp,
}

fn made(fund: Fund, payments: &[(u32, u32, i64)], day: NaiveDate) -> Made {
    let spend = DailySpend::from_amounts(
        payments
            .iter()
            .map(|&(m, d, fen)| (ymd(2025, m, d), Money::from_fen(fen)))
            .collect(),
    );
    let report = evaluate(&fund, &spend, day, Policy::default());
    let forecast = forecast(&fund, &spend, day);
    let catch_up = catch_up(&fund, &report);
    Made {
        fund,
        spend,
        report,
        forecast,
        catch_up,
    }
}

fn input<'a>(funds: &'a [Made], period: Period, with_data: &[bool]) -> DigestInput<'a> {
    DigestInput {
        period,
        time_basis: TimeBasis::Day,
        funds: funds
            .iter()
            .zip(with_data)
            .map(|(m, &has_data)| DigestFund {
                fund: &m.fund,
                report: &m.report,
                has_data,
                month_spent: digest::spent_in(&m.spend, period),
                level: None,
                forecast: &m.forecast,
                catch_up: &m.catch_up,
                light: light(m.report.spent < m.report.time_amount, []),
                indicators: vec![],
                explanations: vec![],
            })
            .collect(),
        department: vec![],
        sources: vec![SourceChange {
            name: "明细账.csv".to_owned(),
            changed: Some(ymd(2025, 7, 28)),
        }],
        alerts: vec![PeriodAlert {
            day: ymd(2025, 7, 1),
            fund: "乙项目".to_owned(),
            about: Some("2025-06-30".to_owned()),
            kind: AlertKind::Missed,
            reason: Ok(Reason::First),
            level: Some(Level::Red),
        }],
    }
}

/// Two funds of 100,000.00 元 on 2025-07-31 (序时 212 ÷ 365 = 58.08%, 序时 amount
/// 58,082.19 元): 甲 has spent 70,000.00 (5,000.00 in July), 乙 30,000.00 (none in July).
fn two_funds() -> Vec<Made> {
    let day = ymd(2025, 7, 31);
    vec![
        made(
            fund("a", "甲项目"),
            &[
                (2, 10, 2_000_000),
                (4, 15, 2_000_000),
                (6, 20, 2_500_000),
                (7, 9, 500_000),
            ],
            day,
        ),
        made(
            fund("b", "乙项目"),
            &[(3, 5, 1_000_000), (5, 6, 1_000_000), (6, 1, 1_000_000)],
            day,
        ),
    ]
}

#[test]
fn the_funds_rank_laggards_first_against_the_time_line_and_the_average() {
    let funds = two_funds();
    let july = Period::reported_on(ymd(2025, 8, 1));
    let input = input(&funds, july, &[true, true]);
    let order: Vec<usize> = ranked(&input).into_iter().map(|(i, _)| i).collect();
    assert_eq!(order, vec![1, 0]);
    assert_eq!(
        subject(&input),
        "【月度通报】2025年7月 支出进度：2个项目，1个落后于序时"
    );
    let text = render(&input, &[]).text;
    // 200,000.00 budgeted, 100,000.00 spent: 50.00% against 58.08%, behind by
    // 116,164.38 − 100,000.00 = 16,164.38 元; July's spend 5,000.00.
    assert!(
        text.contains(
            "截至2025年7月31日，共监控2个项目，其中1个落后于序时进度，1个落后于计划进度。\
             预算合计 ¥200,000.00，累计支出 ¥100,000.00，总体执行率 50.00%，序时进度 58.08%，\
             落后 8.08 个百分点（16,164.38 元）；2025年7月支出 ¥5,000.00。"
        ),
        "{text}"
    );
    assert!(
        text.contains("数据更新：\"明细账.csv\" 最近变更于2025年7月28日。"),
        "{text}"
    );
    // 乙 first: 30% is 28.08 points (28,082.19 元) behind 序时, 20 points below the average
    // of 30% and 70%; the plan on 07-31 is 50% + 25% × 31 ÷ 123 = 56.30%. August must carry
    // June's shortfall (20,000.00) and 31 of the 92 days' share of October's rest
    // (25,000.00 × 31 ÷ 92 = 8,423.913…; the parts of a step add up to it exactly, and the
    // cent the rounding leaves goes to the first, largest remainder: 8,423.92).
    let second = "  项目名称：1. 乙项目\n  7月支出（元）：0.00\n  累计支出（元）：30,000.00\n  \
                  预算数（元）：100,000.00\n  执行率：30.00%\n  计划进度：56.30%\n  \
                  序时进度：58.08%\n  较序时进度：落后 28.08 个百分点（28,082.19 元）\n  \
                  较平均执行率：低于平均 20.00 个百分点\n  预警等级：—\n";
    assert!(text.contains(second), "{text}");
    assert!(
        text.contains("  8月需支出（元）：28,423.92\n  双监控：红灯\n"),
        "{text}"
    );
    let first = "  项目名称：2. 甲项目\n  7月支出（元）：5,000.00\n  累计支出（元）：70,000.00\n  \
                 预算数（元）：100,000.00\n  执行率：70.00%\n  计划进度：56.30%\n  \
                 序时进度：58.08%\n  较序时进度：超前 11.92 个百分点（11,917.81 元）\n  \
                 较平均执行率：高于平均 20.00 个百分点\n";
    assert!(text.contains(first), "{text}");
    // 甲 still owes October 5,000.00: 31 of 92 days in August is 1,684.78…, and the cent left.
    assert!(
        text.contains("  8月需支出（元）：1,684.79\n  双监控：绿灯\n"),
        "{text}"
    );
    assert!(
        text.contains("2025年7月预警记录（共1条）：\n  日期 项目：7月1日 乙项目\n  节点/指标：2025-06-30\n  类型：节点逾期\n  变化：首次通知\n  等级：红色预警\n"),
        "{text}"
    );
}

#[test]
fn all_on_track_says_so_in_the_subject() {
    let day = ymd(2025, 3, 31);
    let funds = vec![made(
        fund("a", "甲项目"),
        &[(1, 10, 1_500_000), (2, 10, 1_500_000)],
        day,
    )];
    let march = Period::reported_on(ymd(2025, 4, 1));
    let mut input = input(&funds, march, &[true]);
    input.alerts.clear();
    assert_eq!(
        subject(&input),
        "【月度通报】2025年3月 支出进度：1个项目，全部正常"
    );
    let text = render(&input, &[]).text;
    assert!(
        text.contains("共监控1个项目，均未落后于序时进度和计划进度。"),
        "{text}"
    );
    assert!(text.contains("2025年3月没有预警变化。"), "{text}");
    // One fund: no average to compare with.
    assert!(!text.contains("平均"), "{text}");
}

#[test]
fn a_fund_without_data_is_told_not_ranked() {
    let funds = two_funds();
    let july = Period::reported_on(ymd(2025, 8, 1));
    let input = input(&funds, july, &[true, false]);
    assert_eq!(
        subject(&input),
        "【月度通报】2025年7月 支出进度：2个项目，1个无数据"
    );
    let text = render(&input, &[]).text;
    assert!(
        text.contains("【注意】乙项目：尚无账务数据，未参加排名"),
        "{text}"
    );
    assert!(
        text.contains("另有1个项目尚无账务数据，未计入合计。"),
        "{text}"
    );
    assert!(!text.contains("1. 乙项目"), "{text}");
}

#[test]
fn charts_are_referenced_only_when_given() {
    let funds = two_funds();
    let july = Period::reported_on(ymd(2025, 8, 1));
    let input = input(&funds, july, &[true, true]);
    let plain = render(&input, &[]);
    assert!(!plain.html.contains("<img"), "{}", plain.html);
    assert!(!plain.html.contains("cid:"), "{}", plain.html);
    let charts = [
        ChartRef::overview(640, 360),
        ChartRef::fund("b", "乙项目", 640, 320),
    ];
    let with = render(&input, &charts);
    assert!(
        with.html.contains("<img src=\"cid:overview@spendwatch\""),
        "{}",
        with.html
    );
    assert!(with.html.contains("<img src=\"cid:fund-b@spendwatch\" alt=\"乙项目：累计支出、计划与序时进度\" width=\"640\" height=\"320\""), "{}", with.html);
    assert_eq!(with.html.matches("<img").count(), 2);
    // The overview under the ranking, the fund's chart in its section.
    let table = with.html.find("各项目支出进度").expect("ranking");
    let overview = with.html.find("cid:overview@spendwatch").expect("overview");
    let section = with
        .html
        .find("<h3 style=\"font-size:14px;margin:16px 0 4px\">乙项目</h3>")
        .expect("section");
    let fund_chart = with.html.find("cid:fund-b@spendwatch").expect("fund chart");
    assert!(table < overview && overview < section && section < fund_chart);
    // The plain text is the same with or without images.
    assert_eq!(plain.text, with.text);
    assert_eq!(chart_cid(Some("ng")), "fund-ng@spendwatch");
    // A fund named `overview` is not the overview.
    assert_ne!(chart_cid(Some("overview")), chart_cid(None));
}

#[test]
fn many_funds_list_the_furthest_behind_and_count_the_rest() {
    let day = ymd(2025, 7, 31);
    // 40 funds: fund i has spent i × 2,000.00 of its 100,000.00 (2% … 80%; 序时 58.08%).
    let funds: Vec<Made> = (1..=40)
        .map(|i| {
            made(
                fund(&format!("f{i}"), &format!("项目{i}")),
                &[(3, 1, i * 200_000)],
                day,
            )
        })
        .collect();
    let period = Period::reported_on(ymd(2025, 8, 1));
    let doc = super::render(&input(&funds, period, &[true; 40]), &[]);
    // The table lists 30, furthest behind first: 项目1 … 项目30.
    assert!(doc.text.contains("项目名称：1. 项目1\n"), "{}", doc.text);
    assert!(doc.text.contains("项目名称：30. 项目30\n"));
    assert!(!doc.text.contains("项目名称：31."));
    // The rest are counted: 10 more, of which 29 × 2% = 58% (项目29) … so 项目31–40 (62%–80%)
    // are all ahead.
    assert!(
        doc.text
            .contains("以上为排名前30的项目；其余10个项目（其中0个落后于序时进度）未列出"),
        "{}",
        doc.text
    );
    // The summary counts them all.
    assert!(
        doc.text.contains("共监控40个项目，其中29个落后于序时进度"),
        "{}",
        doc.text
    );
}

#[test]
fn the_next_months_need_includes_a_milestone_due_on_the_periods_last_day() {
    // 30,000.00 of 100,000.00 spent on 06-30, the day 50% is due: June's digest asks for the
    // 20,000.00 short (overdue from 07-01) and July's part of the way to 75% by 10-31 —
    // 25,000.00 over 07-01..10-31 (123 days) by days: 31/123 floored, the 分 left over to July:
    // 6,300.82.
    let june = made(fund("a", "甲项目"), &[(3, 5, 3_000_000)], ymd(2025, 6, 30));
    let period = Period::reported_on(ymd(2025, 7, 1));
    assert_eq!(
        next_month_need(&june.catch_up, period, 2025),
        Some(Money::from_fen(2_630_082))
    );
    // December's digest: the next month is past the fund's year.
    let december = made(fund("a", "甲项目"), &[(3, 5, 3_000_000)], ymd(2025, 12, 31));
    let period = Period::reported_on(ymd(2026, 1, 1));
    assert_eq!(next_month_need(&december.catch_up, period, 2025), None);
    // Everything met: nothing to catch up.
    let done = made(fund("a", "甲项目"), &[(1, 5, 10_000_000)], ymd(2025, 7, 31));
    let period = Period::reported_on(ymd(2025, 8, 1));
    assert_eq!(
        next_month_need(&done.catch_up, period, 2025),
        Some(Money::ZERO)
    );
}
