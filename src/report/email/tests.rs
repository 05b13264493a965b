//! Snapshots of what people read, with a pinned day, and the subject rules.

use std::collections::HashMap;

use super::*;
use crate::core::{
    Actual, AlertKey, AlertKind, AlertPolicy, AlertState, AlertStatus, Band, Comparator,
    DailySpend, Decimal, Expected, ExpectedBasis, Indicator, IndicatorOutlook, IndicatorReport,
    IndicatorState, Likelihood, Milestone, Pace, Policy, Progress, Share, Target, Tier1, Tier2,
    decide_fund, evaluate,
};

/// An email with no indicator notices: the spending and admin tests' shape.
fn render(as_of: NaiveDate, funds: &[FundNotices<'_>], admin: &[AdminNotice]) -> RenderedEmail {
    super::render(as_of, funds, &[], admin)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn fund(id: &str, name: &str, budget_yuan: i64) -> Fund {
    let plan = [
        (3, 31, 2500),
        (6, 30, 5000),
        (10, 31, 7500),
        (12, 31, 10_000),
    ];
    Fund {
        id: id.into(),
        code: "C".into(),
        name: name.into(),
        year: 2025,
        budget: Money::from_fen(budget_yuan * 100),
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

const POLICY: AlertPolicy = AlertPolicy {
    repeat_days: 7,
    notify_resolved: true,
    stale_days: 35,
    escalate_days: 7,
};

/// The decisions of the alert rules for `fund` with the milestone floors alone.
fn decide(
    fund: &Fund,
    report: &FundReport,
    previous: &HashMap<AlertKey, AlertState>,
    today: NaiveDate,
) -> Vec<crate::core::Decision> {
    let facts = crate::core::FundFacts {
        fund,
        report,
        rules: &[],
        explanations: &[],
        escalates: false,
    };
    decide_fund(&facts, previous, POLICY, today).decisions
}

/// The notices the alert rules produce for `fund` on `today` from scratch.
fn notices(fund: &Fund, spend: &[(NaiveDate, i64)], today: NaiveDate) -> (FundReport, Vec<Notice>) {
    let spend = DailySpend::from_amounts(
        spend
            .iter()
            .map(|&(d, fen)| (d, Money::from_fen(fen)))
            .collect(),
    );
    let report = evaluate(fund, &spend, today, Policy::default());
    let notices = decide(fund, &report, &HashMap::new(), today)
        .into_iter()
        .filter_map(|d| d.notice)
        .collect();
    (report, notices)
}

fn ng() -> Fund {
    fund(
        "network-governance",
        "网络综合治理体系建设专项资金",
        150_000,
    )
}

fn ip() -> Fund {
    fund("investment-promotion", "招商引资专项业务费", 100_000)
}

#[test]
fn missed_june_email() {
    let f = ng();
    let (report, notices) = notices(
        &f,
        &[(ymd(2025, 3, 20), 3_895_290), (ymd(2025, 6, 10), 2_344_560)],
        ymd(2025, 7, 1),
    );
    let email = render(
        ymd(2025, 7, 1),
        &[FundNotices {
            fund: &f,
            report: &report,
            notices,
        }],
        &[],
    );
    assert_eq!(
        email.subject,
        "【支出进度预警】网络综合治理体系建设专项资金 红色预警：未达6月底50%支出进度"
    );
    // The money columns say their unit, in the text and in the HTML.
    for heading in [
        "预算数（元）",
        "累计支出（元）",
        "节点目标（元）",
        "差额（元）",
    ] {
        assert!(
            email.text.contains(&format!("  {heading}：")),
            "{}",
            email.text
        );
        assert!(
            email.html.contains(&format!(">{heading}</")),
            "{}",
            email.html
        );
    }
    insta::assert_snapshot!("missed_june_text", email.text);
    insta::assert_snapshot!("missed_june_html", email.html);
}

/// The field case N2 on 07-10: the June alert ended with 已补齐 on 07-04, and a reversal on
/// 07-09 put the fund behind again.
#[test]
fn missed_again_email_says_it_is_back_and_by_how_much() {
    let f = ng();
    let spend = DailySpend::from_amounts(
        [
            (ymd(2025, 3, 20), 4_000_000),
            (ymd(2025, 6, 20), 2_000_000),
            (ymd(2025, 7, 3), 2_000_000),
            (ymd(2025, 7, 9), -1_000_000),
        ]
        .iter()
        .map(|&(d, fen)| (d, Money::from_fen(fen)))
        .collect(),
    );
    let today = ymd(2025, 7, 10);
    let report = evaluate(&f, &spend, today, Policy::default());
    let ended = HashMap::from([(
        AlertKey {
            fund: f.id.clone(),
            milestone: Some(ymd(2025, 6, 30)),
            kind: AlertKind::Missed,
            indicator: None,
        },
        AlertState::plain(AlertStatus::Resolved, ymd(2025, 7, 1), ymd(2025, 7, 1)),
    )]);
    let notices: Vec<Notice> = decide(&f, &report, &ended, today)
        .into_iter()
        .filter_map(|d| d.notice)
        .collect();
    let email = render(
        today,
        &[FundNotices {
            fund: &f,
            report: &report,
            notices,
        }],
        &[],
    );
    assert_eq!(
        email.subject,
        "【支出进度预警】网络综合治理体系建设专项资金 红色预警：未达6月底50%支出进度"
    );
    for line in [
        "该节点的预警此前已解除，但目前累计支出又低于节点目标；请核对近期的冲销、退款。",
        "目前累计支出 ¥70,000.00，仍差 ¥5,000.00（逾期10天）。",
        "下一步：请尽快支出 ¥5,000.00，补齐6月底进度。",
        "  累计支出（元）：70,000.00\n",
        "  差额（元）：5,000.00\n",
    ] {
        assert!(email.text.contains(line), "{line}\n{}", email.text);
    }
    assert!(email.text.contains(FINANCE_FOOTER), "{}", email.text);
    insta::assert_snapshot!("missed_again_text", email.text);
}

#[test]
fn due_email_names_the_amount_and_the_day() {
    let f = ip();
    let (report, notices) = notices(&f, &[(ymd(2025, 3, 20), 3_650_000)], ymd(2025, 6, 15));
    let email = render(
        ymd(2025, 6, 15),
        &[FundNotices {
            fund: &f,
            report: &report,
            notices,
        }],
        &[],
    );
    assert_eq!(
        email.subject,
        "【支出进度预警】招商引资专项业务费 黄色预警：距6月底50%支出节点剩余15天，尚未达标"
    );
    assert!(
        email.text.contains(
            "下一步：2025年6月30日前累计还需支出 ¥13,500.00（剩余15天，节点目标 ¥50,000.00）。"
        ),
        "{}",
        email.text
    );
    // The catch-up schedule: by month, and by week in the last month; the weeks add up.
    assert!(
        email
            .text
            .contains("按月：6月16日–30日 ¥13,500.00，7月 ¥6,300.82，"),
        "{}",
        email.text
    );
    assert!(
        email.text.contains(
            "6月底节点前按周：6月16日–22日 ¥6,300.00，6月23日–29日 ¥6,300.00，6月30日 ¥900.00。"
        ),
        "{}",
        email.text
    );
    insta::assert_snapshot!("due_text", email.text);
}

#[test]
fn two_funds_in_one_email() {
    let (a, b) = (ng(), ip());
    let (ra, na) = notices(&a, &[(ymd(2025, 1, 5), 1_000_000)], ymd(2025, 4, 1));
    let (rb, nb) = notices(&b, &[(ymd(2025, 1, 5), 1_000_000)], ymd(2025, 4, 1));
    let email = render(
        ymd(2025, 4, 1),
        &[
            FundNotices {
                fund: &a,
                report: &ra,
                notices: na,
            },
            FundNotices {
                fund: &b,
                report: &rb,
                notices: nb,
            },
        ],
        &[],
    );
    assert_eq!(email.subject, "【支出进度预警】2个项目红色预警");
    assert_eq!(email.text.matches("【红色预警】").count(), 2);
    // One small table per fund.
    assert_eq!(email.html.matches("<table").count(), 2);
}

#[test]
fn subjects_of_resolutions_and_records() {
    let f = ng();
    let report = evaluate(
        &f,
        &DailySpend::default(),
        ymd(2025, 4, 2),
        Policy::default(),
    );
    let m = MilestoneFacts::from(&report.milestones[0]);
    let one = |n: Notice| {
        render(
            ymd(2025, 4, 2),
            &[FundNotices {
                fund: &f,
                report: &report,
                notices: vec![n],
            }],
            &[],
        )
        .subject
    };
    assert_eq!(
        one(Notice::CaughtUp {
            milestone: m,
            spent_now: m.target
        }),
        "【已恢复】网络综合治理体系建设专项资金 已补齐3月底25%支出进度"
    );
    assert_eq!(
        one(Notice::Met { milestone: m }),
        "【已恢复】网络综合治理体系建设专项资金 已达到3月底25%支出进度"
    );
    assert_eq!(
        one(Notice::Missed {
            milestone: m,
            spent_now: m.target,
            caught_up: true,
            again: false,
            lag: None
        }),
        "【支出进度预警】网络综合治理体系建设专项资金 未达3月底25%支出进度（现已补齐）"
    );
    let spent = Money::from_fen(15_000_100);
    assert_eq!(
        one(Notice::OverBudget {
            spent,
            budget: f.budget
        }),
        "【超预算】网络综合治理体系建设专项资金 累计支出超出预算"
    );
    assert_eq!(
        one(Notice::BackWithinBudget {
            spent: f.budget,
            budget: f.budget
        }),
        "【已恢复】网络综合治理体系建设专项资金 累计支出已回到预算以内"
    );
}

/// The terms of the fund table, explained for finance officers only.
const FINANCE_FOOTER: &str = "执行率=累计支出÷预算数";

#[test]
fn admin_emails() {
    let day = ymd(2025, 5, 6);
    let stale = render(
        day,
        &[],
        &[AdminNotice::Stale {
            days: 35,
            last_change: Some(ymd(2025, 4, 1)),
        }],
    );
    assert_eq!(stale.subject, "【数据未更新】账务数据已35天未更新");
    assert!(
        stale.text.contains("最近一次账务数据变化在2025年4月1日"),
        "{}",
        stale.text
    );
    let problems = "明细账.csv:7: B列（金额）\"1.001\" 小数超过两位；请改为两位小数 <b>\n\
                    明细账.csv:9: A列（日期）\"2025-02-30\" 不是有效日期（2025年2月没有30日）；请改正日期后重新导入";
    let rejected = render(
        day,
        &[],
        &[AdminNotice::Rejected {
            file: "明细账.csv".into(),
            problems: problems.into(),
            in_force: Some(41),
        }],
    );
    assert_eq!(rejected.subject, "【导入失败】账务文件 明细账.csv 未能导入");
    insta::assert_snapshot!("rejected_text", rejected.text);
    // Each reason on a line of its own, as the reader wrote it.
    for line in problems.lines() {
        assert!(
            rejected.text.contains(&format!("\n  {line}\n")),
            "{}",
            rejected.text
        );
    }
    // Text from files is escaped in HTML.
    assert!(
        rejected
            .html
            .contains("&quot;1.001&quot; 小数超过两位；请改为两位小数 &lt;b&gt;"),
        "{}",
        rejected.html
    );
    // A file never imported: nothing of it is in force, and the email says so.
    let first = render(
        day,
        &[],
        &[AdminNotice::Rejected {
            file: "ledger/明细账.csv".into(),
            problems: problems.into(),
            in_force: None,
        }],
    );
    assert!(
        first
            .text
            .contains("该文件还没有成功导入过，在它导入之前，支出进度和预警中不含它的支出。"),
        "{}",
        first.text
    );
    assert!(
        first.text.contains("用同名文件替换 ledger/明细账.csv；"),
        "{}",
        first.text
    );
    let two = render(
        day,
        &[],
        &[
            AdminNotice::Fresh,
            AdminNotice::Stale {
                days: 0,
                last_change: None,
            },
        ],
    );
    assert_eq!(
        two.subject,
        "【spendwatch】2条系统通知：数据已更新、数据未更新"
    );
    // Fresh data ends the stale alert: a calm 已恢复, the other stays a 系统通知.
    assert!(
        two.text.contains("【已恢复】账务数据已更新\n"),
        "{}",
        two.text
    );
    assert!(
        two.text.contains("【系统通知】尚未导入任何账务数据\n"),
        "{}",
        two.text
    );
    assert!(
        two.html.contains("border-left:4px solid #2e7d32"),
        "{}",
        two.html
    );
    // Each kind is named once, however many notices of it there are.
    let three = render(
        day,
        &[],
        &[
            AdminNotice::NoMatch {
                pattern: "nowhere/*.csv".to_owned(),
            },
            AdminNotice::Overlap {
                files: vec!["a.csv".to_owned(), "b.csv".to_owned()],
                fund: "招商引资专项业务费".to_owned(),
                entries: 1,
                amount: Money::from_fen(100),
            },
            AdminNotice::NoData {
                fund: "招商引资专项业务费".to_owned(),
            },
        ],
    );
    assert_eq!(
        three.subject,
        "【spendwatch】3条系统通知：数据缺失、重复计入"
    );
    // Admin notices are not about a fund's spending: no table terms in their footer; the
    // emails are in Chinese throughout (the reasons of a rejection aside, which come from the
    // ledger reader).
    for email in [&stale, &rejected, &first, &two] {
        for body in [&email.text, &email.html] {
            assert!(!body.contains(FINANCE_FOOTER), "{body}");
            assert!(
                body.contains("自动发送给系统管理员（config.yaml 中的 email.admin）"),
                "{body}"
            );
        }
        let mut own_words = email.text.clone();
        for name in problems.lines().chain([
            "spendwatch",
            "config.yaml",
            "email.admin",
            "ledger.sources",
            "ledger/明细账.csv",
            "明细账.csv",
        ]) {
            own_words = own_words.replace(name, "");
        }
        assert!(
            !own_words.chars().any(|c| c.is_ascii_alphabetic()),
            "English in the email's own text:\n{own_words}"
        );
    }
}

#[test]
fn day_names() {
    assert_eq!(day_name(ymd(2025, 6, 30)), "6月底");
    assert_eq!(day_name(ymd(2025, 2, 28)), "2月底");
    assert_eq!(day_name(ymd(2024, 2, 28)), "2月28日");
    assert_eq!(day_name(ymd(2025, 12, 31)), "12月底");
    assert_eq!(day_name(ymd(2025, 6, 15)), "6月15日");
}

#[test]
fn a_closed_year_reports_its_result_without_a_next_step() {
    let f = ng();
    let (report, notices) = notices(&f, &[(ymd(2025, 1, 5), 14_860_700)], ymd(2026, 11, 28));
    let email = render(
        ymd(2026, 11, 28),
        &[FundNotices {
            fund: &f,
            report: &report,
            notices,
        }],
        &[],
    );
    assert_eq!(
        email.subject,
        "【支出进度预警】网络综合治理体系建设专项资金 红色预警：未达12月底100%支出进度"
    );
    assert!(
        email.text.contains(
            "目前累计支出 ¥148,607.00，仍差 ¥1,393.00。2025年度已结束，以上为该年度的年终结果。"
        ),
        "{}",
        email.text
    );
    assert!(!email.text.contains("下一步"), "{}", email.text);
}

#[test]
fn the_table_shows_the_milestone_that_needs_action() {
    let f = ng();
    // June missed and caught up, December missed: the row is about December.
    let (report, notices) = notices(
        &f,
        &[(ymd(2025, 3, 1), 6_000_000), (ymd(2025, 8, 1), 8_000_000)],
        ymd(2026, 1, 1),
    );
    let row = table_row(&FundNotices {
        fund: &f,
        report: &report,
        notices,
    });
    assert_eq!(row[6], "150,000.00（12月底100%）");
    assert_eq!(row[7], "10,000.00");
    assert_eq!(row[8], "逾期1天");
}

/// Each notice with the label and colour of what it says: a missed milestone already made good
/// is 已补齐 in green, not a 红色预警; the ends of alerts have words of their own.
#[test]
fn resolved_notices_carry_their_own_label_and_colour() {
    let f = ng();
    let report = evaluate(
        &f,
        &DailySpend::default(),
        ymd(2025, 4, 2),
        Policy::default(),
    );
    let m = MilestoneFacts::from(&report.milestones[0]);
    let body = |n: Notice| {
        render(
            ymd(2025, 4, 2),
            &[FundNotices {
                fund: &f,
                report: &report,
                notices: vec![n],
            }],
            &[],
        )
    };
    let green = "<span style=\"color:#2e7d32;font-weight:bold\">";
    for (notice, label) in [
        (
            Notice::Missed {
                milestone: m,
                spent_now: m.target,
                caught_up: true,
                again: false,
                lag: None,
            },
            "已补齐",
        ),
        (
            Notice::CaughtUp {
                milestone: m,
                spent_now: m.target,
            },
            "已补齐",
        ),
        (Notice::Met { milestone: m }, "已达标"),
        (
            Notice::BackWithinBudget {
                spent: f.budget,
                budget: f.budget,
            },
            "已恢复",
        ),
    ] {
        let email = body(notice.clone());
        let first = format!("【{label}】{}：", f.name);
        assert!(email.text.contains(&first), "{notice:?}:\n{}", email.text);
        assert!(
            !email.text.contains("预警】"),
            "{notice:?}:\n{}",
            email.text
        );
        assert!(
            email.html.contains(&format!("{green}【{label}】</span>")),
            "{notice:?}:\n{}",
            email.html
        );
        assert!(
            !email.html.contains("#c62828;"),
            "{notice:?}:\n{}",
            email.html
        );
    }
    // The warnings keep theirs.
    let missed = body(Notice::Missed {
        milestone: m,
        spent_now: Money::ZERO,
        caught_up: false,
        again: false,
        lag: None,
    });
    assert!(missed.text.contains("【红色预警】"), "{}", missed.text);
    assert!(
        missed
            .html
            .contains("<span style=\"color:#c62828;font-weight:bold\">【红色预警】</span>"),
        "{}",
        missed.html
    );
}

/// One email of `funds` (fund, spending as (day, 分), notices decided from scratch) on `today`.
fn email_of(funds: &[(&Fund, &[(NaiveDate, i64)])], today: NaiveDate) -> RenderedEmail {
    let decided: Vec<(FundReport, Vec<Notice>)> = funds
        .iter()
        .map(|(f, spend)| notices(f, spend, today))
        .collect();
    let items: Vec<FundNotices<'_>> = funds
        .iter()
        .zip(&decided)
        .map(|((fund, _), (report, notices))| FundNotices {
            fund,
            report,
            notices: notices.clone(),
        })
        .collect();
    render(today, &items, &[])
}

/// The subject counts the funds by the label of their most urgent notice and never calls a
/// fund 滞后 when its notice is no lag.
#[test]
fn subjects_count_funds_by_label() {
    let (a, b) = (ng(), ip());
    // 06-15, both June milestones at risk; 招商引资 is ahead of its plan (49,605.70 against
    // 45.88% of 100,000): a 黄色预警 for each, and neither 滞后.
    let due = email_of(
        &[
            (&a, &[(ymd(2025, 3, 20), 5_830_290)]),
            (&b, &[(ymd(2025, 3, 20), 4_960_570)]),
        ],
        ymd(2025, 6, 15),
    );
    assert_eq!(due.subject, "【支出进度预警】2个项目黄色预警");
    for ahead in ["  执行率：49.61%\n", "  计划进度：45.88%\n"] {
        assert!(due.text.contains(ahead), "{ahead}\n{}", due.text);
    }
    // The first check after the year: 网络综合治理 missed December (and June, made good since),
    // 招商引资 missed March and October and made both good.
    let year_end = [
        (ymd(2025, 3, 20), 3_895_290),
        (ymd(2025, 6, 10), 2_344_560),
        (ymd(2025, 10, 14), 5_081_520),
        (ymd(2025, 12, 30), 3_539_330),
    ];
    let ip_year = [
        (ymd(2025, 6, 11), 5_312_390),
        (ymd(2025, 12, 29), 4_687_610),
    ];
    let closed = email_of(&[(&a, &year_end), (&b, &ip_year)], ymd(2026, 1, 1));
    assert_eq!(
        closed.subject,
        "【支出进度预警】1个项目红色预警、1个项目已补齐"
    );
    // One fund with notices of two labels: its name and the labels, most urgent first.
    let one = email_of(&[(&a, &year_end)], ymd(2026, 1, 1));
    assert_eq!(
        one.subject,
        "【支出进度预警】网络综合治理体系建设专项资金 红色预警、已补齐"
    );
    // Only ends of alerts: their own labels, under 已恢复.
    let report = evaluate(
        &a,
        &DailySpend::default(),
        ymd(2025, 4, 2),
        Policy::default(),
    );
    let m = MilestoneFacts::from(&report.milestones[0]);
    let ended = render(
        ymd(2025, 4, 2),
        &[
            FundNotices {
                fund: &a,
                report: &report,
                notices: vec![Notice::CaughtUp {
                    milestone: m,
                    spent_now: m.target,
                }],
            },
            FundNotices {
                fund: &b,
                report: &report,
                notices: vec![Notice::Met { milestone: m }],
            },
        ],
        &[],
    );
    assert_eq!(ended.subject, "【已恢复】1个项目已补齐、1个项目已达标");
    // Over budget, two funds: counted as such, not as lagging; each fund once, by its most
    // urgent label.
    let over = |f: &Fund| Notice::OverBudget {
        spent: Money::from_fen(f.budget.fen() + 1),
        budget: f.budget,
    };
    let both_over = render(
        ymd(2025, 4, 2),
        &[
            FundNotices {
                fund: &a,
                report: &report,
                notices: vec![over(&a)],
            },
            FundNotices {
                fund: &b,
                report: &report,
                notices: vec![over(&b), Notice::Met { milestone: m }],
            },
        ],
        &[],
    );
    assert_eq!(both_over.subject, "【超预算】2个项目超预算");
    // Admin notices in the same email are named after the funds'.
    let mixed = render(
        ymd(2025, 4, 2),
        &[FundNotices {
            fund: &a,
            report: &report,
            notices: vec![Notice::Met { milestone: m }],
        }],
        &[AdminNotice::NoData {
            fund: b.name.clone(),
        }],
    );
    assert_eq!(
        mixed.subject,
        "【已恢复】网络综合治理体系建设专项资金 已达到3月底25%支出进度；另有1条系统通知：数据缺失"
    );
}

/// After the year, a fund short of two milestones (October and December) hears that its year
/// has ended once, under the December notice, not under each.
#[test]
fn the_year_end_sentence_is_said_once_per_fund() {
    let f = ng();
    let email = email_of(&[(&f, &[(ymd(2025, 3, 20), 10_000_000)])], ymd(2026, 1, 1));
    let year_end = "2025年度已结束，以上为该年度的年终结果。";
    assert_eq!(email.text.matches(year_end).count(), 1, "{}", email.text);
    assert_eq!(email.html.matches(year_end).count(), 1, "{}", email.html);
    // Both notices say where the fund stands against their milestone; the last one adds the
    // year's end.
    let october = email.text.find("未达10月底75%支出进度").expect("October");
    let december = email.text.find("未达12月底100%支出进度").expect("December");
    assert!(october < december, "{}", email.text);
    assert!(
        email.text[october..december].contains("目前累计支出 ¥100,000.00，仍差 ¥12,500.00。\n"),
        "{}",
        email.text
    );
    assert!(
        email.text[december..].contains(&format!(
            "目前累计支出 ¥100,000.00，仍差 ¥50,000.00。{year_end}\n"
        )),
        "{}",
        email.text
    );
}

/// With several notices, the row shows the milestone of the most urgent one, the latest of
/// equally urgent ones — never a target met in October when a notice is about December.
#[test]
fn the_table_shows_the_milestone_of_the_most_urgent_notice() {
    let f = ng();
    // By 2026-01-01: 100,000.00 spent on 03-20; October and December short.
    let spend = DailySpend::from_amounts(vec![(ymd(2025, 3, 20), Money::from_fen(10_000_000))]);
    let report = evaluate(&f, &spend, ymd(2026, 1, 1), Policy::default());
    let [_, june, october, december] =
        [0, 1, 2, 3].map(|i| MilestoneFacts::from(&report.milestones[i]));
    let missed = |m: MilestoneFacts, caught_up: bool| Notice::Missed {
        milestone: m,
        spent_now: report.spent,
        caught_up,
        again: false,
        lag: None,
    };
    let row = |notices: Vec<Notice>| {
        table_row(&FundNotices {
            fund: &f,
            report: &report,
            notices,
        })[6]
            .clone()
    };
    let dec = "150,000.00（12月底100%）";
    // An October met and December made good: both ended, December the later.
    assert_eq!(
        row(vec![
            Notice::Met { milestone: october },
            Notice::CaughtUp {
                milestone: december,
                spent_now: december.target,
            },
        ]),
        dec
    );
    // Two 红色预警: the later.
    assert_eq!(
        row(vec![missed(october, false), missed(december, false)]),
        dec
    );
    // A 红色预警 before an end, whatever their order.
    assert_eq!(
        row(vec![
            missed(december, false),
            Notice::Met { milestone: october }
        ]),
        dec
    );
    assert_eq!(
        row(vec![missed(june, true), missed(october, false)]),
        "112,500.00（10月底75%）"
    );
    // Over budget alone: the last milestone, the year having passed.
    assert_eq!(
        row(vec![Notice::OverBudget {
            spent: report.spent,
            budget: f.budget,
        }]),
        dec
    );
}

/// The HTML of a two-fund email fits a phone's width (360–390 px) with no media query: no
/// table row has more than a heading and a value, nothing is set wider than 420 px, and the
/// page scales to the device. (Rendered at 375 and 900 px in headless Chromium when written:
/// no sideways scrolling at 360, 375 or 390 px.)
#[test]
fn the_html_fits_a_phone_without_media_queries() {
    let (a, b) = (ng(), ip());
    let email = email_of(
        &[
            (&a, &[(ymd(2025, 3, 20), 5_830_290)]),
            (&b, &[(ymd(2025, 3, 20), 4_960_570)]),
        ],
        ymd(2025, 6, 15),
    );
    let html = &email.html;
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"),
        "{html}"
    );
    assert!(
        !html.contains("<style") && !html.contains("@media"),
        "{html}"
    );
    for row in html.split("<tr").skip(1) {
        let row = &row[..row.find("</tr>").expect("a row ends")];
        let cells = row.matches("<td").count() + row.matches("<th").count();
        assert!(cells <= 2, "{cells} cells in a row: {row}");
    }
    for (at, _) in html.match_indices("px") {
        let digits: String = html[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if let Ok(px) = digits.parse::<u32>() {
            assert!(px <= 420, "{px}px in the email:\n{html}");
        }
    }
    // Each fund's table: titled by its name, then its figures with their headings.
    for (fund, spent) in [(&a, "58,302.90"), (&b, "49,605.70")] {
        assert!(
            html.contains(&format!(
                "<tr><th colspan=\"2\" style=\"border:1px solid #ccc;padding:4px 8px;background:#f0f0f0;text-align:left\">{}</th></tr>",
                fund.name
            )),
            "{html}"
        );
        assert!(html.contains(&format!(">{spent}</td>")), "{html}");
    }
}

// Issue 14: the 绩效指标 part.

fn goal(id: &str, name: &str, comparator: Comparator, target: i64, unit: &str) -> Indicator {
    Indicator {
        id: id.into(),
        fund: Some("ng".into()),
        tier1: Tier1::Output,
        tier2: Tier2::Quantity,
        name: name.into(),
        comparator,
        target: Target::Number(Decimal::whole(target)),
        unit: unit.into(),
        basis: None,
        progress: Progress::Cumulative { by: Pace::Time },
        stale_after_days: None,
    }
}

fn goal_report(
    actual: Option<i64>,
    expected: Option<(f64, f64)>,
    state: IndicatorState,
) -> IndicatorReport {
    IndicatorReport {
        id: String::new(),
        actual: actual.map(|a| Actual::Number(Decimal::whole(a))),
        data_day: actual.map(|_| ymd(2025, 7, 31)),
        months_reported: 7,
        expected: expected.map(|(value, gap)| Expected {
            value,
            basis: ExpectedBasis::Share {
                pace: Pace::Time,
                share: (212, 365),
            },
            gap,
        }),
        outlook: IndicatorOutlook::Projected(Band {
            low: 780.0,
            central: 847.4,
            high: 955.0,
        }),
        likelihood: Likelihood::Possible,
        state,
        months_without_update: vec![],
        stale_days: None,
    }
}

#[test]
fn indicator_notices_have_their_own_part_and_table() {
    let f = ng();
    let lagging = goal("yq", "上报涉唐舆情数量", Comparator::AtLeast, 1000, "条");
    let lagging_report = goal_report(Some(530), Some((580.8, 50.8)), IndicatorState::Lagging);
    let stale = goal(
        "reach",
        "宣传活动影响范围<b>",
        Comparator::AtLeast,
        5000,
        "人次",
    );
    let mut stale_report = goal_report(None, None, IndicatorState::NoData);
    stale_report.stale_days = Some(216);
    let goals = [GoalNotices {
        owner: Some(&f),
        items: vec![
            GoalItem {
                indicator: &lagging,
                report: &lagging_report,
                notice: Notice::IndicatorOff {
                    indicator: "yq".into(),
                    state: IndicatorState::Lagging,
                    explanation: None,
                    expired: None,
                },
            },
            GoalItem {
                indicator: &stale,
                report: &stale_report,
                notice: Notice::IndicatorStale {
                    indicator: "reach".into(),
                    days: 216,
                    data_day: None,
                },
            },
        ],
    }];
    let email = super::render(ymd(2025, 8, 5), &[], &goals, &[]);
    assert_eq!(email.subject, "【指标预警】1项指标预警、1项数据未更新");
    insta::assert_snapshot!("indicators_text", email.text);
    // Names come from the config, but are text all the same: escaped in HTML.
    assert!(
        email.html.contains("宣传活动影响范围&lt;b&gt;"),
        "{}",
        email.html
    );
    assert!(!email.html.contains("范围<b>"));

    // One notice alone names its indicator; an end alone is 已恢复.
    let one = &[GoalNotices {
        owner: None,
        items: vec![GoalItem {
            indicator: &lagging,
            report: &lagging_report,
            notice: Notice::IndicatorOnTrack {
                indicator: "yq".into(),
            },
        }],
    }];
    let email = super::render(ymd(2025, 9, 5), &[], one, &[]);
    assert_eq!(
        email.subject,
        "【已恢复】上报涉唐舆情数量 已恢复：已恢复正常"
    );
    assert!(
        email
            .text
            .contains("【已恢复】部门整体绩效目标：上报涉唐舆情数量：已恢复正常")
    );
}
