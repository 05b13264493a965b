//! The funds and their plans: amounts, milestone days and shares, identities, and texts that
//! would name two funds.

use super::*;

#[test]
fn budget_forms() {
    for (form, fen) in [
        ("15.00万元", 15_000_000),
        ("150000", 15_000_000),
        ("\"150,000.00元\"", 15_000_000),
        ("150000.5", 15_000_050),
    ] {
        let text = FUNDS.replacen("15.00万元", form, 1);
        let c = load_text(&text).unwrap_or_else(|e| panic!("{form}: {e}"));
        assert_eq!(c.funds[0].budget, Money::from_fen(fen), "{form}");
    }
    assert_problem(
        &FUNDS.replacen("15.00万元", "15万x", 1),
        "funds[0].budget",
        "\"15万x\" is not an amount",
    );
    assert_problem(
        &FUNDS.replacen("10.00万元", "0", 1),
        "funds[1].budget",
        "more than zero",
    );
    assert_problem(
        &FUNDS.replacen("10.00万元", "[1]", 1),
        "funds[1].budget",
        "a list is not an amount: write e.g. budget: 15.00万元",
    );
    assert_problem(
        &FUNDS.replacen("10.00万元", "\"1,00,000\"", 1),
        "funds[1].budget",
        "misplaced thousands separators",
    );
    assert_problem(
        &FUNDS.replacen("10.00万元", "100000.001", 1),
        "funds[1].budget",
        "finer than the 分",
    );
    assert_problem(
        &FUNDS.replacen("10.00万元", "十万元", 1),
        "funds[1].budget",
        "(write the number in digits)",
    );
    assert_problem(
        &FUNDS.replacen("10.00万元", "１０万元", 1),
        "funds[1].budget",
        "full-width \"１\" where \"1\" belongs",
    );
    // 元整 is "yuan exactly".
    let c = load_text(&FUNDS.replacen("10.00万元", "100000元整", 1)).expect("元整");
    assert_eq!(c.funds[1].budget, Money::from_fen(10_000_000));
}

#[test]
fn plan_errors() {
    let plan = |items: &str| format!("plan:\n{items}{FUNDS}");
    assert_problem(
        &plan("  - {by: \"03-31\", share: 25%}\n  - {by: \"06-30\", share: 0.25}\n"),
        "plan[1].share",
        "percentage",
    );
    assert_problem(
        &plan("  - {by: \"03-31\", share: 50%}\n  - {by: \"06-30\", share: 25%}\n"),
        "plan[1].share",
        "must increase",
    );
    assert_problem(
        &plan("  - {by: \"03-31\", share: 101%}\n"),
        "plan[0].share",
        "\"101%\" is more than the whole budget: a share is at most 100%",
    );
    assert_problem(
        &plan("  - {by: \"03-31\", share: 0.0%}\n"),
        "plan[0].share",
        "\"0.0%\" is no share: a milestone needs more than 0%",
    );
    assert_problem(
        &plan("  - {by: \"06-30\", share: 25%}\n  - {by: \"03-31\", share: 50%}\n"),
        "plan[1].by",
        "\"03-31\" is not after \"06-30\" of plan[0]: milestone dates must increase",
    );
    assert_problem(
        &plan("  - {by: \"02-30\", share: 25%}\n"),
        "plan[0].by",
        "\"02-30\" is not a day of the year (month 2, day 30)",
    );
    assert_problem(
        &plan("  - {by: \"2025-12-31\", share: 100%}\n"),
        "plan[0].by",
        "write only the month and day, by: \"12-31\"",
    );
    assert_problem(
        &plan("  - {by: \"12月31日\", share: 100%}\n"),
        "plan[0].by",
        "write MM-DD, by: \"12-31\"",
    );
    assert_problem(
        &plan("  - {by: 1231, share: 100%}\n"),
        "plan[0].by",
        "1231 is a number: write the day as MM-DD in quotes",
    );
    assert_problem(
        &plan("  - {by: \"12-31\", share: 0.5}\n"),
        "plan[0].share",
        "0.5 is a bare number: write the share as a percentage, share: 50%",
    );
    assert_problem(
        &plan("  - {by: \"12-31\", share: 33.333%}\n"),
        "plan[0].share",
        "more than two decimals",
    );
    assert_problem(
        &plan("  - {by: \"12-31\"}\n"),
        "plan[0]",
        "missing `share`: add e.g. share: 50%",
    );
    assert_problem(
        &plan("  - {by: \"3/31\", share: 25%}\n"),
        "plan[0].by",
        "write MM-DD",
    );
    assert_problem(
        &plan("  []\n").replace("plan:\n  []", "plan: []"),
        "plan",
        "at least one milestone",
    );
    // 02-29 exists in 2024 only: one problem, naming the fund whose year lacks it.
    let leap = plan("  - {by: \"02-29\", share: 100%}\n")
        .replace("year: 2025\n    budget: 10", "year: 2024\n    budget: 10");
    assert_eq!(
        problems(&leap),
        [
            "plan[0].by: 02-29 does not exist in 2025, the year of funds[0]: write \"02-28\", or \
             give that fund its own `milestones`"
        ]
    );
}

#[test]
fn a_shared_plan_problem_is_reported_once() {
    let plan = |items: &str| format!("plan:\n{items}{FUNDS}");
    // Both funds follow the plan; its bad day is one problem, not one per fund.
    assert_eq!(
        problems(&plan(
            "  - {by: \"3/31\", share: 25%}\n  - {by: \"12-31\", share: 100%}\n"
        )),
        ["plan[0].by: \"3/31\": write MM-DD, by: \"03-31\""]
    );
    assert_eq!(
        problems(&plan("  - {by: \"02-29\", share: 100%}\n")),
        [
            "plan[0].by: 02-29 does not exist in 2025, the year of funds[0] and funds[1]: write \
             \"02-28\", or give each of them its own `milestones`"
        ]
    );
    // The order is checked once too, and against the milestone before, whichever was refused.
    assert_eq!(
        problems(&plan(
            "  - {by: \"03-31\", share: x}\n  - {by: \"06-30\", share: 50%}\n  - {by: \"05-31\", share: 60%}\n"
        )),
        [
            "plan[0].share: \"x\" is not a percentage: write e.g. share: 50%",
            "plan[2].by: \"05-31\" is not after \"06-30\" of plan[1]: milestone dates must \
             increase down the list",
        ]
    );
}

#[test]
fn texts_that_name_two_funds_of_one_year() {
    assert_problem(
        &FUNDS.replacen("13020225P009015100013", "13020225P00901410001D", 1),
        "funds[1].code",
        "is also the code of funds[0] of 2025: a code names one fund per year",
    );
    let shared = FUNDS.replacen(
        "budget: 10.00万元",
        "budget: 10.00万元\n    aliases: [网络综合治理体系建设专项资金]",
        1,
    );
    assert_problem(
        &shared,
        "funds[1].aliases[0]",
        "is also the name of funds[0] of 2025: ledger rows naming it would all go to funds[0]",
    );
    // Funds of different years may share a code, a name and aliases: the date decides.
    let next_year = FUNDS
        .replacen("13020225P009015100013", "13020225P00901410001D", 1)
        .replacen("招商引资专项业务费", "网络综合治理体系建设专项资金", 1)
        .replacen(
            "year: 2025\n    budget: 10",
            "year: 2026\n    budget: 10",
            1,
        );
    load_text(&next_year).expect("funds of two years");
}

#[test]
fn fund_milestone_errors_use_the_fund_path() {
    let text = FUNDS.replacen(
        "budget: 10.00万元",
        "budget: 10.00万元\n    milestones:\n      - {by: \"06-30\", share: 50%}\n      - {by: \"10-31\", share: 40%}\n      - {by: \"12-31\", share: 20%}",
        1,
    );
    assert_problem(
        &text,
        "funds[1].milestones[1].share",
        "40% is not above 50% of funds[1].milestones[0]",
    );
    assert_problem(&text, "funds[1].milestones[2].share", "20% is not above");
}

#[test]
fn fund_identity_errors() {
    assert_problem(
        &FUNDS.replacen("investment-promotion", "network-governance", 1),
        "funds[1].id",
        "is also the id of funds[0]: ids must be unique",
    );
    assert_problem(
        &FUNDS.replacen("investment-promotion", "投资 促进", 1),
        "funds[1].id",
        "letters, digits",
    );
    assert_problem(
        &FUNDS.replacen("13020225P009015100013", "13020225P00901410001D", 1),
        "funds[1].code",
        "one fund per year",
    );
    assert_problem(
        &FUNDS.replacen("year: 2025", "year: 1999", 1),
        "funds[0].year",
        "1999 is out of range: write a whole number from 2000 to 2100, e.g. year: 2025",
    );
    assert_problem("funds: []\n", "funds", "at least one fund");
    assert_problem(
        "timezone: UTC\n",
        "funds",
        "missing: list the funds to watch",
    );
    assert_problem(
        &FUNDS.replacen("year: 2025", "year: next", 1),
        "funds[0].year",
        "\"next\" is not a number: write a whole number in digits, e.g. year: 2025",
    );
    assert_problem(
        &FUNDS.replacen("year: 2025", "year: \"2025\"", 1),
        "funds[0].year",
        "\"2025\" is in quotes: write the number without them",
    );
    assert_problem(
        &FUNDS.replacen("\"13020225P009015100013\"", "1302022500901", 1),
        "funds[1].code",
        "1302022500901 is read as a number: put it in quotes to make it text, e.g. \"1302022500901\"",
    );
    assert_problem(
        "funds:\n  - network-governance\n",
        "funds[0]",
        "write each fund as `key: value` lines after `- `",
    );
    assert_problem(
        &FUNDS.replacen("name: 招商引资专项业务费", "name:", 1),
        "funds[1].name",
        "is empty: write e.g. name:",
    );
}
