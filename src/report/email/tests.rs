//! Snapshots of what people read, with a pinned day, and the subject rules.

use std::collections::HashMap;

use super::*;
use crate::core::{
    AlertKey, AlertKind, AlertPolicy, AlertState, AlertStatus, DailySpend, Milestone, Policy,
    Share, decide_fund, evaluate,
};

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
};

/// The notices the alert rules produce for `fund` on `today` from scratch.
fn notices(fund: &Fund, spend: &[(NaiveDate, i64)], today: NaiveDate) -> (FundReport, Vec<Notice>) {
    let spend = DailySpend::from_amounts(
        spend
            .iter()
            .map(|&(d, fen)| (d, Money::from_fen(fen)))
            .collect(),
    );
    let report = evaluate(fund, &spend, today, Policy::default());
    let notices = decide_fund(fund, &report, &HashMap::new(), POLICY, today)
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
        "【支出进度预警】网络综合治理体系建设专项资金 未达6月底50%支出进度"
    );
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
        },
        AlertState::plain(AlertStatus::Resolved, ymd(2025, 7, 1), ymd(2025, 7, 1)),
    )]);
    let notices: Vec<Notice> = decide_fund(&f, &report, &ended, POLICY, today)
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
        "【支出进度预警】网络综合治理体系建设专项资金 未达6月底50%支出进度"
    );
    for line in [
        "该节点的预警此前已解除，但目前累计支出又低于节点目标；请核对近期的冲销、退款。",
        "目前累计支出 ¥70,000.00，仍差 ¥5,000.00（逾期10天）。",
        "下一步：请尽快支出 ¥5,000.00，补齐6月底进度。",
        "  累计支出：70,000.00\n",
        "  差额：5,000.00\n",
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
        "【支出进度预警】招商引资专项业务费 距6月底50%支出节点剩余15天，尚未达标"
    );
    assert!(
        email
            .text
            .contains("下一步：2025年6月30日前还需支出 ¥13,500.00（剩余15天）。"),
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
    assert_eq!(email.subject, "【支出进度预警】2个项目支出进度滞后");
    assert_eq!(email.text.matches("【红色预警】").count(), 2);
    assert_eq!(email.html.matches("<tr>").count(), 2);
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
            again: false
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
        "【支出进度预警】网络综合治理体系建设专项资金 未达12月底100%支出进度"
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
