//! Tests of [`judge`] at the boundaries of each rule: exactly on the target or on 序时应达, one
//! least digit either side, each kind of progress, the projections and the staleness limit;
//! and the light table. Values are worked by hand from the rules of the README.

use super::*;
use crate::core::forecast::forecast;
use crate::core::fund::Milestone;
use crate::core::indicator::{Tier1, Tier2};
use crate::core::money::Share;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn day(m: u32, d: u32) -> NaiveDate {
    ymd(2025, m, d)
}

fn dec(text: &str) -> Decimal {
    Decimal::parse(text).expect("a test decimal")
}

fn number(text: &str) -> Option<Actual> {
    Some(Actual::Number(dec(text)))
}

fn indicator(comparator: Comparator, target: &str, unit: &str, progress: Progress) -> Indicator {
    Indicator {
        id: "x".into(),
        fund: None,
        tier1: Tier1::Output,
        tier2: Tier2::Quantity,
        name: "测试指标".into(),
        comparator,
        target: if comparator == Comparator::Qualitative {
            Target::Text(target.into())
        } else {
            Target::Number(dec(target))
        },
        unit: unit.into(),
        basis: None,
        progress,
        stale_after_days: None,
    }
}

const TIME: Progress = Progress::Cumulative { by: Pace::Time };
const PLAN: Progress = Progress::Cumulative { by: Pace::Plan };

fn reading(at: NaiveDate, value: &str) -> Reading {
    Reading {
        indicator: "x".into(),
        day: at,
        value: Actual::Number(dec(value)),
        note: None,
    }
}

fn judged(at: NaiveDate, j: Judgement) -> Reading {
    Reading {
        indicator: "x".into(),
        day: at,
        value: Actual::Judgement(j),
        note: None,
    }
}

/// Month-end readings of 2025, January first.
fn monthly(values: &[&str]) -> Vec<Reading> {
    values
        .iter()
        .zip(1..)
        .map(|(v, m)| reading(month_end(m), v))
        .collect()
}

fn month_end(m: u32) -> NaiveDate {
    let next = if m == 12 {
        ymd(2026, 1, 1)
    } else {
        day(m + 1, 1)
    };
    next.pred_opt().expect("a day before")
}

fn inputs(as_of: NaiveDate, basis: TimeBasis) -> JudgeInputs<'static> {
    JudgeInputs {
        as_of,
        year: 2025,
        time_basis: basis,
        stale_after_days: 35,
        fund: None,
    }
}

fn run(ind: &Indicator, readings: &[Reading], as_of: NaiveDate) -> IndicatorReport {
    judge(ind, readings, &inputs(as_of, TimeBasis::Month))
}

/// A fund of `budget_yuan` with the usual plan, 25/50/75/100% at 03-31, 06-30, 10-31, 12-31.
fn fund(budget_yuan: i64) -> Fund {
    let plan = [
        (3, 31, 2500),
        (6, 30, 5000),
        (10, 31, 7500),
        (12, 31, 10_000),
    ];
    Fund {
        id: "investment-promotion".into(),
        code: "P002".into(),
        name: "招商引资专项业务费".into(),
        year: 2025,
        budget: Money::from_fen(budget_yuan * 100),
        milestones: plan
            .iter()
            .map(|&(m, d, bp)| Milestone {
                date: day(m, d),
                share: Share::from_basis_points(bp),
            })
            .collect(),
        aliases: vec![],
        notify: vec![],
        escalate: vec![],
    }
}

/// Spending in 分, by day.
fn spend(entries: &[(NaiveDate, i64)]) -> DailySpend {
    DailySpend::from_amounts(
        entries
            .iter()
            .map(|&(d, fen)| (d, Money::from_fen(fen)))
            .collect(),
    )
}

fn expected(r: &IndicatorReport) -> Expected {
    r.expected.expect("an expected value")
}

// ---- cumulative by 序时进度 ----

#[test]
fn a_count_exactly_on_its_share_of_the_year_is_on_track_and_a_millionth_short_lags() {
    let ind = indicator(Comparator::AtLeast, "1200", "条", TIME);
    // By month: June's figure (06-30) is held to 6/12 of 1200 = 600.
    let on = run(
        &ind,
        &monthly(&["100", "100", "100", "100", "100", "100"]),
        day(7, 10),
    );
    assert_eq!(on.actual, number("600"));
    assert_eq!(on.data_day, Some(day(6, 30)));
    assert_eq!(on.state, IndicatorState::OnTrack);
    assert_eq!(
        expected(&on),
        Expected {
            value: 600.0,
            basis: ExpectedBasis::Share {
                pace: Pace::Time,
                share: (6, 12)
            },
            gap: 0.0,
        }
    );
    let short = run(
        &ind,
        &monthly(&["100", "100", "100", "100", "100", "99.999999"]),
        day(7, 10),
    );
    assert_eq!(short.actual, number("599.999999"));
    assert_eq!(short.state, IndicatorState::Lagging);
    assert!((expected(&short).gap - 0.000001).abs() < 1e-9);
    let ahead = run(
        &ind,
        &monthly(&["100", "100", "100", "100", "100", "101"]),
        day(7, 10),
    );
    assert_eq!(ahead.state, IndicatorState::OnTrack);
    assert_eq!(expected(&ahead).gap, -1.0);
}

#[test]
fn by_day_the_share_is_the_day_of_the_year_exactly() {
    let ind = indicator(Comparator::AtLeast, "1200", "条", TIME);
    let by_day = |last: &str| {
        let readings = monthly(&["100", "100", "100", "100", "100", last]);
        judge(&ind, &readings, &inputs(day(7, 10), TimeBasis::Day))
    };
    // 06-30 is day 181 of 365: 1200 × 181 ÷ 365 = 595.07 — 595 lags, 596 does not.
    let lagging = by_day("95");
    assert_eq!(lagging.state, IndicatorState::Lagging);
    assert_eq!(
        expected(&lagging).basis,
        ExpectedBasis::Share {
            pace: Pace::Time,
            share: (181, 365)
        }
    );
    assert!((expected(&lagging).value - 1200.0 * 181.0 / 365.0).abs() < 1e-9);
    assert_eq!(by_day("96").state, IndicatorState::OnTrack);
}

#[test]
fn the_time_basis_decides_a_mid_month_figure() {
    // 650 by 07-15: by day 196/365 of 1200 = 644.38 (on track), by month 7/12 = 700 (lagging).
    let ind = indicator(Comparator::AtLeast, "1200", "条", TIME);
    let readings = [reading(day(6, 30), "500"), reading(day(7, 15), "150")];
    let by_day = judge(&ind, &readings, &inputs(day(7, 20), TimeBasis::Day));
    let by_month = judge(&ind, &readings, &inputs(day(7, 20), TimeBasis::Month));
    assert_eq!(by_day.state, IndicatorState::OnTrack);
    assert_eq!(by_month.state, IndicatorState::Lagging);
    assert_eq!(
        expected(&by_day).basis,
        ExpectedBasis::Share {
            pace: Pace::Time,
            share: (196, 365)
        }
    );
    assert_eq!(
        expected(&by_month).basis,
        ExpectedBasis::Share {
            pace: Pace::Time,
            share: (7, 12)
        }
    );
    assert_eq!(expected(&by_month).value, 700.0);
    assert_eq!(expected(&by_month).gap, 50.0);
}

#[test]
fn more_than_is_met_at_the_share_before_the_year_is_due_and_strictly_after() {
    // 对地区经济的贡献 >10万元, cumulative by 序时.
    let ind = indicator(Comparator::MoreThan, "10", "万元", TIME);
    // By month, a June figure is held to 5 (6/12): exactly 5 is on track.
    let june = run(&ind, &[reading(day(6, 30), "5")], day(7, 1));
    assert_eq!(june.state, IndicatorState::OnTrack);
    assert_eq!(june.likelihood, Likelihood::Possible);
    // A December figure is held to the whole target, and `>` then needs more than 10.
    let exactly = run(&ind, &[reading(day(12, 15), "10")], day(12, 20));
    assert_eq!(exactly.state, IndicatorState::Lagging);
    assert_eq!(exactly.likelihood, Likelihood::Possible);
    let past = run(&ind, &[reading(day(12, 15), "10.000001")], day(12, 20));
    assert_eq!(past.state, IndicatorState::OnTrack);
    // A count only grows: past the target for good.
    assert_eq!(past.likelihood, Likelihood::Certain);
}

#[test]
fn a_count_past_an_equal_target_is_breached_for_good() {
    let ind = indicator(Comparator::Equal, "12", "次", TIME);
    let on = run(&ind, &monthly(&["1", "1", "1"]), day(4, 1));
    assert_eq!(on.state, IndicatorState::OnTrack);
    let over = run(&ind, &[reading(day(3, 31), "12.000001")], day(4, 1));
    assert_eq!(over.state, IndicatorState::Breached);
    assert_eq!(over.likelihood, Likelihood::Impossible);
}

#[test]
fn a_count_under_a_limit_is_held_to_the_whole_limit() {
    for (c, at_limit) in [
        (Comparator::AtMost, IndicatorState::OnTrack),
        (Comparator::LessThan, IndicatorState::Breached),
    ] {
        let ind = indicator(c, "5", "起", TIME);
        let at = run(&ind, &[reading(day(1, 31), "5")], day(2, 1));
        assert_eq!(at.state, at_limit, "{}", c.as_str());
        assert_eq!(expected(&at).basis, ExpectedBasis::Target);
        assert_eq!(expected(&at).value, 5.0);
        let under = run(&ind, &[reading(day(1, 31), "4.999999")], day(2, 1));
        assert_eq!(under.state, IndicatorState::OnTrack, "{}", c.as_str());
        assert_eq!(under.likelihood, Likelihood::Possible);
        let over = run(&ind, &[reading(day(1, 31), "5.000001")], day(2, 1));
        assert_eq!(over.state, IndicatorState::Breached, "{}", c.as_str());
        assert_eq!(over.likelihood, Likelihood::Impossible);
        assert!((expected(&over).gap - 0.000001).abs() < 1e-9);
    }
}

// ---- cumulative by the fund's plan ----

#[test]
fn a_plan_paced_count_follows_the_funds_plan_and_falls_back_to_time_without_it() {
    // 举办招商引资活动数量 ≥1 个, by the plan: 50% on 06-30.
    let ind = indicator(Comparator::AtLeast, "2", "个", PLAN);
    let f = fund(100_000);
    let s = spend(&[]);
    let fc = forecast(&f, &s, day(7, 5));
    let with_fund = JudgeInputs {
        fund: Some(FundFigures {
            fund: &f,
            spend: &s,
            forecast: &fc,
        }),
        ..inputs(day(7, 5), TimeBasis::Day)
    };
    let on = judge(&ind, &[reading(day(6, 30), "1")], &with_fund);
    assert_eq!(on.state, IndicatorState::OnTrack);
    let e = expected(&on);
    assert_eq!(e.value, 1.0);
    let ExpectedBasis::Share { pace, share } = e.basis else {
        panic!("a share: {e:?}")
    };
    assert_eq!(pace, Pace::Plan);
    assert_eq!(share.0 * 2, share.1);
    let short = judge(&ind, &[reading(day(6, 30), "0.999999")], &with_fund);
    assert_eq!(short.state, IndicatorState::Lagging);
    // Without the fund's figures: 序时进度 (181/365 of 2 = 0.99 by day), and the basis says so.
    let alone = judge(
        &ind,
        &[reading(day(6, 30), "0.999999")],
        &inputs(day(7, 5), TimeBasis::Day),
    );
    assert_eq!(alone.state, IndicatorState::OnTrack);
    assert_eq!(
        expected(&alone).basis,
        ExpectedBasis::Share {
            pace: Pace::Time,
            share: (181, 365)
        }
    );
}

// ---- monthly (月月有更新) ----

#[test]
fn a_monthly_count_lags_for_a_month_without_an_update() {
    // 信息发布 ≥24 条, at least one each month.
    let ind = indicator(Comparator::AtLeast, "24", "条", Progress::Monthly);
    let full = run(&ind, &monthly(&["2", "2", "2", "2", "2", "2"]), day(7, 3));
    assert_eq!(full.state, IndicatorState::OnTrack);
    assert_eq!(full.months_without_update, Vec::<u32>::new());
    assert_eq!(full.months_reported, 6);
    // Well ahead of 序时 (20 of 12 due), but May has a zero and March no reading.
    let gaps = [
        reading(day(1, 31), "5"),
        reading(day(2, 28), "5"),
        reading(day(4, 30), "5"),
        reading(day(5, 31), "0"),
        reading(day(6, 30), "5"),
    ];
    let lagging = run(&ind, &gaps, day(7, 3));
    assert_eq!(lagging.actual, number("20"));
    assert_eq!(lagging.months_without_update, vec![3, 5]);
    assert_eq!(lagging.state, IndicatorState::Lagging);
    assert_eq!(lagging.months_reported, 5);
    assert_eq!(
        expected(&lagging).basis,
        ExpectedBasis::Share {
            pace: Pace::Time,
            share: (6, 12)
        }
    );
    // Other kinds never list months.
    let cumulative = indicator(Comparator::AtLeast, "24", "条", TIME);
    assert!(
        run(&cumulative, &gaps, day(7, 3))
            .months_without_update
            .is_empty()
    );
}

// ---- levels ----

#[test]
fn a_level_is_its_latest_reading_held_to_the_target() {
    // 处置率 ≥95%: earlier readings do not count, only the latest.
    let ind = indicator(Comparator::AtLeast, "95", "%", Progress::Level);
    let on = run(
        &ind,
        &[reading(day(5, 31), "80"), reading(day(6, 30), "95")],
        day(7, 1),
    );
    assert_eq!(on.actual, number("95"));
    assert_eq!(on.state, IndicatorState::OnTrack);
    assert_eq!(expected(&on).basis, ExpectedBasis::Target);
    let off = run(
        &ind,
        &[reading(day(5, 31), "99"), reading(day(6, 30), "94.999999")],
        day(7, 1),
    );
    assert_eq!(off.state, IndicatorState::Lagging);
    // Two readings of one day disagree: the less favourable counts.
    let tie = run(
        &ind,
        &[reading(day(6, 30), "96"), reading(day(6, 30), "94")],
        day(7, 1),
    );
    assert_eq!(tie.actual, number("94"));
    // A time limit ≤24 小时 is breached by a millionth, and can still come back.
    let limit = indicator(Comparator::AtMost, "24", "小时", Progress::Level);
    assert_eq!(
        run(&limit, &[reading(day(6, 30), "24")], day(7, 1)).state,
        IndicatorState::OnTrack
    );
    let over = run(&limit, &[reading(day(6, 30), "24.000001")], day(7, 1));
    assert_eq!(over.state, IndicatorState::Breached);
    assert_eq!(over.likelihood, Likelihood::Possible);
    let tie = run(
        &limit,
        &[reading(day(6, 30), "20"), reading(day(6, 30), "30")],
        day(7, 1),
    );
    assert_eq!(tie.actual, number("30"));
    // 满意率 = 100%: either side lags.
    let equal = indicator(Comparator::Equal, "100", "%", Progress::Level);
    for (value, state) in [
        ("100", IndicatorState::OnTrack),
        ("99.999999", IndicatorState::Lagging),
        ("100.000001", IndicatorState::Lagging),
    ] {
        assert_eq!(
            run(&equal, &[reading(day(6, 30), value)], day(7, 1)).state,
            state,
            "{value}"
        );
    }
}

// ---- 定性 ----

#[test]
fn a_qualitative_goal_is_its_latest_judgement() {
    let ind = indicator(Comparator::Qualitative, "争取投稿", "", Progress::Level);
    let cases = [
        (
            Judgement::Achieved,
            IndicatorState::OnTrack,
            Likelihood::Certain,
        ),
        // 基本达成 in June is progress towards a goal of the year, not a lag.
        (
            Judgement::Mostly,
            IndicatorState::OnTrack,
            Likelihood::Possible,
        ),
        (
            Judgement::NotAchieved,
            IndicatorState::Lagging,
            Likelihood::Possible,
        ),
    ];
    for (j, state, likelihood) in cases {
        let r = run(&ind, &[judged(day(6, 30), j)], day(7, 1));
        assert_eq!(r.actual, Some(Actual::Judgement(j)));
        assert_eq!(
            (r.state, r.likelihood),
            (state, likelihood),
            "{}",
            j.as_str()
        );
        assert_eq!(r.outlook, IndicatorOutlook::Judged);
        assert_eq!(r.expected, None);
        assert_eq!(r.stale_days, None);
    }
    // The year's own judgement: 基本达成 from December on falls short of the goal.
    let mostly = [judged(day(12, 15), Judgement::Mostly)];
    assert_eq!(
        run(&ind, &mostly, day(12, 20)).state,
        IndicatorState::Lagging
    );
    assert_eq!(
        run(&ind, &mostly[..0], day(12, 20)).state,
        IndicatorState::NoData
    );
    let none = run(&ind, &[], day(9, 1));
    assert_eq!(none.state, IndicatorState::NoData);
    assert_eq!(none.likelihood, Likelihood::Possible);
    assert_eq!(none.outlook, IndicatorOutlook::Judged);
    // Judged in all year without a judgement: never stale (it is judged when there is
    // something to judge, often in December).
    assert_eq!(none.stale_days, None);
    // 未达成 in December: the year is out of time.
    let december = run(
        &ind,
        &[
            judged(day(6, 30), Judgement::Achieved),
            judged(day(12, 10), Judgement::NotAchieved),
        ],
        day(12, 15),
    );
    assert_eq!(december.likelihood, Likelihood::Impossible);
    assert_eq!(december.months_reported, 2);
    // Two judgements of one day: the worse counts.
    let tie = run(
        &ind,
        &[
            judged(day(6, 30), Judgement::Achieved),
            judged(day(6, 30), Judgement::Mostly),
        ],
        day(7, 1),
    );
    assert_eq!(tie.actual, Some(Actual::Judgement(Judgement::Mostly)));
    // A closed year: the judgement is final; 未达成 then cannot be met.
    let closed = run(
        &ind,
        &[judged(day(11, 30), Judgement::NotAchieved)],
        ymd(2026, 1, 5),
    );
    assert_eq!(
        closed.outlook,
        IndicatorOutlook::Final(Actual::Judgement(Judgement::NotAchieved))
    );
    assert_eq!(closed.likelihood, Likelihood::Impossible);
    let nearly = run(
        &ind,
        &[judged(day(12, 20), Judgement::Mostly)],
        ymd(2026, 1, 5),
    );
    assert_eq!(nearly.likelihood, Likelihood::Possible);
    assert_eq!(
        run(&ind, &[], ymd(2026, 1, 5)).outlook,
        IndicatorOutlook::Insufficient(NO_READING)
    );
}

// ---- ledger (成本指标) ----

/// 项目总成本 ≤10万元 judged with `entries` (分) of a fund of `budget_yuan`, on `as_of`.
fn total_cost(budget_yuan: i64, entries: &[(NaiveDate, i64)], as_of: NaiveDate) -> IndicatorReport {
    let ind = indicator(Comparator::AtMost, "10", "万元", Progress::Ledger);
    let f = fund(budget_yuan);
    let s = spend(entries);
    let fc = forecast(&f, &s, as_of);
    let with_fund = JudgeInputs {
        fund: Some(FundFigures {
            fund: &f,
            spend: &s,
            forecast: &fc,
        }),
        ..inputs(as_of, TimeBasis::Day)
    };
    judge(&ind, &[], &with_fund)
}

#[test]
fn a_cost_limit_is_the_funds_spending_converted_exactly() {
    // 100,000.00 元 is exactly 10万元: within the limit; 1 分 more breaks it for good.
    let three = |last: i64| {
        [
            (day(3, 10), 4_000_000),
            (day(4, 10), 4_000_000),
            (day(5, 10), last),
        ]
    };
    let at = total_cost(150_000, &three(2_000_000), day(6, 1));
    assert_eq!(at.actual, number("10"));
    assert_eq!(at.data_day, Some(day(6, 1)));
    assert_eq!(at.state, IndicatorState::OnTrack);
    assert_eq!(expected(&at).basis, ExpectedBasis::Target);
    assert_eq!(at.stale_days, None);
    assert_eq!(at.months_reported, 0);
    let over = total_cost(150_000, &three(2_000_001), day(6, 1));
    assert_eq!(over.actual, number("10.000001"));
    assert_eq!(over.state, IndicatorState::Breached);
    assert_eq!(over.likelihood, Likelihood::Impossible);
    // In 元 the same spending is 100,000.01 元.
    let ind = indicator(Comparator::AtMost, "100000", "元", Progress::Ledger);
    let f = fund(150_000);
    let s = spend(&three(2_000_001));
    let fc = forecast(&f, &s, day(6, 1));
    let in_yuan = judge(
        &ind,
        &[],
        &JudgeInputs {
            fund: Some(FundFigures {
                fund: &f,
                spend: &s,
                forecast: &fc,
            }),
            ..inputs(day(6, 1), TimeBasis::Day)
        },
    );
    assert_eq!(in_yuan.actual, number("100000.01"));
    assert_eq!(in_yuan.state, IndicatorState::Breached);
}

#[test]
fn a_cost_limit_takes_the_spending_forecast_for_its_outlook() {
    let spending = [
        (day(1, 15), 1_000_000),
        (day(2, 15), 1_000_000),
        (day(3, 15), 1_000_000),
    ];
    // Before 03-01 the forecast has too little: so has the indicator.
    let early = total_cost(150_000, &spending, day(2, 20));
    assert_eq!(
        early.outlook,
        IndicatorOutlook::Insufficient(SPENDING_TOO_EARLY)
    );
    assert_eq!(early.likelihood, Likelihood::Possible);
    // A budget of 10万元: the forecast never goes past it, so the limit holds for certain.
    let capped = total_cost(100_000, &spending, day(3, 31));
    let f = fund(100_000);
    let fc = forecast(&f, &spend(&spending), day(3, 31));
    let end = fc.projection().expect("a projection").year_end.spend;
    let IndicatorOutlook::Projected(band) = capped.outlook else {
        panic!("projected: {:?}", capped.outlook)
    };
    assert_eq!(band.low, end.low.fen() as f64 / 1e6);
    assert_eq!(band.central, end.central.fen() as f64 / 1e6);
    assert_eq!(band.high, end.high.fen() as f64 / 1e6);
    assert!(band.high <= 10.0);
    assert_eq!(capped.likelihood, Likelihood::Certain);
    // A budget of 15万元 lets the high end pass 10万元: possible, not certain.
    let open = total_cost(150_000, &spending, day(3, 31));
    let IndicatorOutlook::Projected(band) = open.outlook else {
        panic!("projected: {:?}", open.outlook)
    };
    assert!(band.high > 10.0, "{band:?}");
    assert_eq!(open.likelihood, Likelihood::Possible);
    // The year over: the spending of 12-31 is final, whatever came after.
    let closed = total_cost(
        150_000,
        &[(day(6, 1), 9_000_000), (ymd(2026, 1, 5), 5_000_000)],
        ymd(2026, 1, 10),
    );
    assert_eq!(closed.actual, number("9"));
    assert_eq!(closed.data_day, Some(day(12, 31)));
    assert_eq!(
        closed.outlook,
        IndicatorOutlook::Final(Actual::Number(dec("9")))
    );
    assert_eq!(closed.likelihood, Likelihood::Certain);
    // Without the fund's figures nothing can be said.
    let ind = indicator(Comparator::AtMost, "10", "万元", Progress::Ledger);
    let alone = run(&ind, &[], day(6, 1));
    assert_eq!(alone.state, IndicatorState::NoData);
    assert_eq!(
        alone.outlook,
        IndicatorOutlook::Insufficient(NO_FUND_FIGURES)
    );
}

#[test]
fn spending_that_should_reach_a_target_follows_the_funds_plan() {
    // A ledger indicator with ≥ (a spending goal, not a limit): held to the plan's share, 25%
    // on 03-31 of 4万元 = 1万元.
    let ind = indicator(Comparator::AtLeast, "4", "万元", Progress::Ledger);
    let f = fund(150_000);
    let judged_with = |fen: i64| {
        let s = spend(&[(day(3, 10), fen)]);
        let fc = forecast(&f, &s, day(3, 31));
        let with_fund = JudgeInputs {
            fund: Some(FundFigures {
                fund: &f,
                spend: &s,
                forecast: &fc,
            }),
            ..inputs(day(3, 31), TimeBasis::Month)
        };
        judge(&ind, &[], &with_fund)
    };
    let on = judged_with(1_000_000);
    assert_eq!(on.state, IndicatorState::OnTrack);
    let e = expected(&on);
    assert_eq!(e.value, 1.0);
    assert!(matches!(
        e.basis,
        ExpectedBasis::Share {
            pace: Pace::Plan,
            ..
        }
    ));
    assert_eq!(judged_with(999_999).state, IndicatorState::Lagging);
}

// ---- 全年预计 and 完成目标可能性 ----

#[test]
fn a_count_is_projected_from_its_last_three_months() {
    let ind = indicator(Comparator::AtLeast, "1200", "条", TIME);
    let two = run(&ind, &monthly(&["100", "50"]), day(3, 5));
    assert_eq!(two.outlook, IndicatorOutlook::Insufficient(TOO_FEW_MONTHS));
    assert_eq!(two.likelihood, Likelihood::Possible);
    // 300 by 03-31, 9 months left at the mean 100 (least 50, most 150).
    let three = run(&ind, &monthly(&["100", "50", "150"]), day(4, 5));
    assert_eq!(
        three.outlook,
        IndicatorOutlook::Projected(Band {
            low: 750.0,
            central: 1200.0,
            high: 1650.0
        })
    );
    assert_eq!(three.likelihood, Likelihood::Possible);
    // Only the last three months make the pace: January's 1000 adds to the actual alone.
    let four = run(&ind, &monthly(&["1000", "100", "50", "150"]), day(5, 5));
    assert_eq!(
        four.outlook,
        IndicatorOutlook::Projected(Band {
            low: 1300.0 + 8.0 * 50.0,
            central: 1300.0 + 8.0 * 100.0,
            high: 1300.0 + 8.0 * 150.0
        })
    );
    // The whole range meets the target: certain. 660 + 9 × 60 is exactly 1200.
    let sure = run(&ind, &monthly(&["300", "60", "300"]), day(4, 5));
    let IndicatorOutlook::Projected(band) = sure.outlook else {
        panic!("projected: {:?}", sure.outlook)
    };
    assert_eq!(band.low, 1200.0);
    assert_eq!(sure.likelihood, Likelihood::Certain);
    // The low end a millionth short (659.999999 + 9 × 60): possible.
    let just = run(&ind, &monthly(&["300", "60", "299.999999"]), day(4, 5));
    let IndicatorOutlook::Projected(band) = just.outlook else {
        panic!("projected: {:?}", just.outlook)
    };
    assert!((band.low - 1199.999999).abs() < 1e-7, "{band:?}");
    assert_eq!(just.likelihood, Likelihood::Possible);
    // A December figure projects nothing more.
    let december = run(
        &ind,
        &[
            reading(day(10, 31), "100"),
            reading(day(11, 30), "100"),
            reading(day(12, 15), "100"),
        ],
        day(12, 20),
    );
    assert_eq!(
        december.outlook,
        IndicatorOutlook::Projected(Band {
            low: 300.0,
            central: 300.0,
            high: 300.0
        })
    );
}

#[test]
fn the_year_over_values_are_final_and_the_target_met_or_not() {
    let ind = indicator(Comparator::AtLeast, "1200", "条", TIME);
    let twelve = |v: &str| monthly(&[v; 12]);
    let met = run(&ind, &twelve("100"), day(12, 31));
    assert_eq!(
        met.outlook,
        IndicatorOutlook::Final(Actual::Number(dec("1200")))
    );
    assert_eq!(met.likelihood, Likelihood::Certain);
    assert_eq!(met.state, IndicatorState::OnTrack);
    let missed = run(&ind, &twelve("99.999999"), ymd(2026, 2, 1));
    assert_eq!(missed.likelihood, Likelihood::Impossible);
    assert_eq!(missed.state, IndicatorState::Lagging);
    // A level: the last reading is final.
    let level = indicator(Comparator::AtLeast, "90", "%", Progress::Level);
    let closed = run(&level, &[reading(day(11, 30), "89")], ymd(2026, 1, 5));
    assert_eq!(
        closed.outlook,
        IndicatorOutlook::Final(Actual::Number(dec("89")))
    );
    assert_eq!(closed.likelihood, Likelihood::Impossible);
    // Nothing reported all year: no final value, and no verdict.
    let none = run(&ind, &[], ymd(2026, 1, 5));
    assert_eq!(none.outlook, IndicatorOutlook::Insufficient(NO_READING));
    assert_eq!(none.likelihood, Likelihood::Possible);
    assert_eq!(none.state, IndicatorState::NoData);
}

#[test]
fn a_level_is_projected_at_its_latest_within_its_last_three_months() {
    let ind = indicator(Comparator::AtLeast, "90", "%", Progress::Level);
    let two = run(&ind, &monthly(&["95", "96"]), day(3, 1));
    assert_eq!(two.outlook, IndicatorOutlook::Insufficient(TOO_FEW_MONTHS));
    assert_eq!(two.likelihood, Likelihood::Possible);
    let three = run(&ind, &monthly(&["80", "95", "92", "91"]), day(5, 1));
    assert_eq!(
        three.outlook,
        IndicatorOutlook::Projected(Band {
            low: 91.0,
            central: 91.0,
            high: 95.0
        })
    );
    assert_eq!(three.likelihood, Likelihood::Certain);
    assert_eq!(three.months_reported, 4);
    let dipped = run(&ind, &monthly(&["95", "89.999999", "92"]), day(4, 1));
    assert_eq!(dipped.state, IndicatorState::OnTrack);
    assert_eq!(dipped.likelihood, Likelihood::Possible);
}

// ---- staleness ----

#[test]
fn a_reading_is_fresh_for_exactly_stale_after_days() {
    let ind = indicator(Comparator::AtLeast, "1200", "条", TIME);
    let july = [reading(day(7, 31), "100")];
    // 07-31 + 35 days = 09-04.
    assert_eq!(run(&ind, &july, day(9, 4)).stale_days, None);
    assert_eq!(run(&ind, &july, day(9, 5)).stale_days, Some(36));
    // No reading at all: counted from 01-01.
    assert_eq!(run(&ind, &[], day(2, 5)).stale_days, None);
    assert_eq!(run(&ind, &[], day(2, 6)).stale_days, Some(36));
    assert_eq!(run(&ind, &[], ymd(2024, 12, 1)).stale_days, None);
    // After the year: as it stood on 12-31 (November's figure is 31 days old then).
    let november = [reading(day(11, 30), "100")];
    assert_eq!(run(&ind, &november, ymd(2026, 3, 1)).stale_days, None);
    let october = [reading(day(10, 31), "100")];
    assert_eq!(run(&ind, &october, ymd(2026, 3, 1)).stale_days, Some(61));
    // A count that reached its target needs nothing more: never stale; one short still is.
    let reached = [reading(day(5, 31), "1200")];
    assert_eq!(run(&ind, &reached, day(9, 5)).stale_days, None);
    let short = [reading(day(5, 31), "1199")];
    assert_eq!(run(&ind, &short, day(9, 5)).stale_days, Some(97));
}

// ---- which readings count ----

#[test]
fn readings_after_the_day_or_outside_the_year_or_of_the_wrong_kind_are_ignored() {
    let ind = indicator(Comparator::AtLeast, "1200", "条", TIME);
    let readings = [
        reading(day(6, 30), "600"),
        reading(day(7, 31), "500"),
        reading(ymd(2024, 12, 31), "900"),
        judged(day(6, 30), Judgement::Achieved),
    ];
    let r = run(&ind, &readings, day(7, 30));
    assert_eq!(r.actual, number("600"));
    assert_eq!(r.data_day, Some(day(6, 30)));
    assert_eq!(r.months_reported, 1);
    // The day it counts from is its own.
    assert_eq!(run(&ind, &readings, day(7, 31)).actual, number("1100"));
    // Before any reading: no data.
    let none = run(&ind, &readings, day(6, 29));
    assert_eq!(none.state, IndicatorState::NoData);
    assert_eq!(none.actual, None);
    assert_eq!(none.expected, None);
    assert_eq!(none.outlook, IndicatorOutlook::Insufficient(NO_READING));
    // Two sources reporting one month add up.
    let two = run(
        &ind,
        &[reading(day(6, 15), "300"), reading(day(6, 30), "300")],
        day(7, 1),
    );
    assert_eq!(two.actual, number("600"));
    assert_eq!(two.months_reported, 1);
}

// ---- the light ----

#[test]
fn the_light_is_red_on_spending_behind_then_yellow_on_any_indicator_off_track() {
    use IndicatorState::{Breached, Lagging, NoData, OnTrack};
    let cases: [(bool, &[IndicatorState], Light); 9] = [
        (true, &[OnTrack], Light::Red),
        (true, &[], Light::Red),
        (true, &[Lagging], Light::Red),
        (false, &[OnTrack, Lagging], Light::Yellow),
        (false, &[Breached, OnTrack], Light::Yellow),
        (false, &[NoData, Lagging], Light::Yellow),
        (false, &[OnTrack, OnTrack], Light::Green),
        (false, &[NoData], Light::Green),
        (false, &[], Light::Green),
    ];
    for (behind, states, want) in cases {
        assert_eq!(
            light(behind, states.iter().copied()),
            want,
            "{behind} {states:?}"
        );
    }
    assert_eq!(
        [Light::Red, Light::Yellow, Light::Green].map(Light::as_str),
        ["红", "黄", "绿"]
    );
    assert_eq!(
        [
            Likelihood::Certain,
            Likelihood::Possible,
            Likelihood::Impossible
        ]
        .map(Likelihood::as_str),
        ["确定能", "有可能", "完全不可能"]
    );
}

#[test]
fn the_reasons_name_the_thresholds_they_stand_for() {
    assert!(TOO_FEW_MONTHS.contains(&PROJECTION_MONTHS.to_string()));
    assert!(FEW_SPENDING_DAYS.contains(&forecast::MIN_SPENDING_DAYS.to_string()));
    let (month, day) = forecast::FIRST_FORECAST_DAY;
    assert!(SPENDING_TOO_EARLY.contains(&format!("{month}月{day}日")));
}

// ---- review findings ----

#[test]
fn quarterly_figures_project_by_calendar_month_not_by_report() {
    // 2000 a quarter: 6000 by 09-30 is 8000 at that pace, not 12000.
    let ind = indicator(Comparator::AtLeast, "10000", "条", TIME);
    let quarters = [
        reading(day(3, 31), "2000"),
        reading(day(6, 30), "2000"),
        reading(day(9, 30), "2000"),
    ];
    let r = run(&ind, &quarters, day(10, 1));
    let IndicatorOutlook::Projected(band) = r.outlook else {
        panic!("{:?}", r.outlook);
    };
    assert!((band.central - 8000.0).abs() < 1e-6, "{band:?}");
    assert!((band.low - 8000.0).abs() < 1e-6 && (band.high - 8000.0).abs() < 1e-6);
    assert_eq!(r.state, IndicatorState::Lagging);
    assert_eq!(r.likelihood, Likelihood::Possible);
    // Monthly figures after a gap: the first recent one covers the months since the last.
    let gap = [
        reading(day(1, 31), "100"),
        reading(day(4, 30), "300"),
        reading(day(5, 31), "100"),
        reading(day(6, 30), "100"),
    ];
    let r = run(&ind, &gap, day(7, 1));
    let IndicatorOutlook::Projected(band) = r.outlook else {
        panic!("{:?}", r.outlook);
    };
    // 500 over 02..06 (5 months): 100 a month, six months left.
    assert!((band.central - 1200.0).abs() < 1e-6, "{band:?}");
    assert!((band.low - 1200.0).abs() < 1e-6 && (band.high - 1200.0).abs() < 1e-6);
}

#[test]
fn a_closed_year_is_held_to_its_whole_target_without_december() {
    let ind = indicator(Comparator::AtLeast, "1200", "条", TIME);
    let to_november: Vec<Reading> = (1..=11).map(|m| reading(month_end(m), "100")).collect();
    let r = run(&ind, &to_november, day(12, 31));
    assert_eq!(r.state, IndicatorState::Lagging);
    assert_eq!(r.likelihood, Likelihood::Impossible);
    assert_eq!(expected(&r).value, 1200.0);
    // While the year is open, November's figure is held to November's share.
    let open = run(&ind, &to_november, day(12, 20));
    assert_eq!(open.state, IndicatorState::OnTrack);
}
