use chrono::NaiveDate;
use resvg::tiny_skia::Pixmap;
use resvg::usvg;

use super::svg::wan;
use super::*;
use crate::app::snapshot::FundSnapshot;
use crate::core::{
    DailySpend, Fund, Milestone, MilestoneStatus, Money, Policy, Share, TimeBasis, catch_up,
    evaluate, forecast, light,
};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn day(m: u32, d: u32) -> NaiveDate {
    ymd(2025, m, d)
}

fn fen(v: i64) -> Money {
    Money::from_fen(v)
}

/// 150,000 元, 25/50/75/100% at 03-31, 06-30, 10-31 and 12-31 (the sample's plan).
fn fund(id: &str) -> Fund {
    Fund {
        id: id.into(),
        code: "P1".into(),
        name: "网络综合治理体系建设专项资金".into(),
        year: 2025,
        budget: fen(15_000_000),
        milestones: [
            (3, 31, 2500),
            (6, 30, 5000),
            (10, 31, 7500),
            (12, 31, 10_000),
        ]
        .into_iter()
        .map(|(m, d, bp)| Milestone {
            date: day(m, d),
            share: Share::from_basis_points(bp),
        })
        .collect(),
        aliases: vec![],
        notify: vec![],
        escalate: vec![],
    }
}

/// The snapshot of `fund` with `spend` on `as_of`, evaluated as `snapshot::read` does.
fn snap(fund: &Fund, spend: DailySpend, as_of: NaiveDate, basis: TimeBasis) -> FundSnapshot<'_> {
    let policy = Policy {
        warn_days: 15,
        time_basis: basis,
    };
    let report = evaluate(fund, &spend, as_of, policy);
    FundSnapshot {
        fund,
        light: light(report.spent < report.time_amount, std::iter::empty()),
        entries: i64::from(!spend.is_empty()) * 10,
        overlaps: vec![],
        grading: None,
        forecast: forecast(fund, &spend, as_of),
        catch_up: catch_up(fund, &report),
        explanations: vec![],
        indicators: vec![],
        report,
        spend,
    }
}

/// Entries of the sample kind: payments, a same-day pair, a reversal, one of the year
/// before and one after the as-of day.
fn entries() -> DailySpend {
    DailySpend::from_amounts(vec![
        (ymd(2024, 12, 20), fen(100_000)),
        (day(1, 15), fen(1_200_000)),
        (day(2, 10), fen(800_000)),
        (day(2, 10), fen(250_050)),
        (day(3, 20), fen(2_000_000)),
        (day(4, 2), fen(-300_000)),
        (day(5, 18), fen(1_500_000)),
        (day(6, 25), fen(1_000_000)),
        (day(7, 30), fen(900_000)),
        (day(8, 12), fen(700_000)),
        (day(9, 5), fen(5_000_000)),
    ])
}

fn point(day: NaiveDate, amount: i64) -> Point {
    Point {
        day,
        amount: fen(amount),
    }
}

#[test]
fn spend_steps_are_the_entries_summed_by_day_up_to_the_as_of_day() {
    let f = fund("ng");
    let s = snap(&f, entries(), day(8, 31), TimeBasis::Day);
    let chart = BurnUp::of(&s, TimeBasis::Day);
    // The year before's 1,000 元 is spending before the year: the origin holds it, as the
    // report's spent(t) does; the 09-05 payment is after the as-of day.
    assert_eq!(
        chart.spend,
        vec![
            point(ymd(2024, 12, 31), 100_000),
            point(day(1, 15), 1_300_000),
            point(day(2, 10), 2_350_050),
            point(day(3, 20), 4_350_050),
            point(day(4, 2), 4_050_050),
            point(day(5, 18), 5_550_050),
            point(day(6, 25), 6_550_050),
            point(day(7, 30), 7_450_050),
            point(day(8, 12), 8_150_050),
            point(day(8, 31), 8_150_050),
        ]
    );
    assert_eq!(chart.spend.last().map(|p| p.amount), Some(s.report.spent));

    // A day with entries is its own last point (no repeat), and a closed year ends at 12-31.
    let on_a_payment = snap(&f, entries(), day(8, 12), TimeBasis::Day);
    let chart = BurnUp::of(&on_a_payment, TimeBasis::Day);
    assert_eq!(chart.spend.last(), Some(&point(day(8, 12), 8_150_050)));
    assert_eq!(chart.spend.len(), 9);
    let closed = snap(&f, entries(), ymd(2026, 1, 15), TimeBasis::Day);
    let chart = BurnUp::of(&closed, TimeBasis::Day);
    assert_eq!(chart.spend.last(), Some(&point(day(12, 31), 13_150_050)));
    assert!(chart.forecast.is_empty(), "a closed year has no forecast");

    // Nothing spent: a flat line from the origin to the as-of day.
    let none = snap(&f, DailySpend::default(), day(3, 1), TimeBasis::Day);
    let chart = BurnUp::of(&none, TimeBasis::Day);
    assert_eq!(
        chart.spend,
        vec![point(ymd(2024, 12, 31), 0), point(day(3, 1), 0)]
    );
}

#[test]
fn the_plan_is_each_milestones_target_on_its_day_and_exact_at_month_ends() {
    let f = fund("ng");
    let s = snap(&f, entries(), day(8, 31), TimeBasis::Day);
    let chart = BurnUp::of(&s, TimeBasis::Day);
    // The origin and the 12 month ends (the milestones are month ends here).
    assert_eq!(chart.plan.len(), 13);
    assert_eq!(chart.plan[0], point(ymd(2024, 12, 31), 0));
    for m in &f.milestones {
        let p = chart
            .plan
            .iter()
            .find(|p| p.day == m.date)
            .expect("a point");
        assert_eq!(p.amount, f.target(m), "{}", m.date);
    }
    let at = |d: NaiveDate| chart.plan.iter().find(|p| p.day == d).map(|p| p.amount);
    // 37,500 元 × 31/90, × 59/90; 75,000 + 37,500 × 62/123 (half-up to the 分).
    assert_eq!(at(day(1, 31)), Some(fen(1_291_667)));
    assert_eq!(at(day(2, 28)), Some(fen(2_458_333)));
    assert_eq!(at(day(8, 31)), Some(fen(9_390_244)));
    assert_eq!(at(day(8, 31)), Some(s.report.plan_amount));
    assert_eq!(at(day(12, 31)), Some(fen(15_000_000)));

    // A milestone that is not a month end gets its own point, at its target.
    let mut mid = fund("mid");
    mid.milestones[1].date = day(6, 15);
    let s = snap(&mid, entries(), day(8, 31), TimeBasis::Day);
    let chart = BurnUp::of(&s, TimeBasis::Day);
    assert_eq!(chart.plan.len(), 14);
    assert!(chart.plan.contains(&point(day(6, 15), 7_500_000)));
    assert!(chart.plan.windows(2).all(|w| w[0].day < w[1].day));
}

#[test]
fn the_time_line_at_month_ends_by_day_and_by_month() {
    let f = fund("ng");
    let by_day = BurnUp::of(
        &snap(&f, entries(), day(8, 31), TimeBasis::Day),
        TimeBasis::Day,
    );
    assert_eq!(by_day.time.len(), 13);
    assert_eq!(by_day.time[0], point(ymd(2024, 12, 31), 0));
    // 150,000 元 × 31/365, × 181/365, × 243/365, × 365/365.
    let at = |c: &BurnUp, d| c.time.iter().find(|p| p.day == d).map(|p| p.amount);
    assert_eq!(at(&by_day, day(1, 31)), Some(fen(1_273_973)));
    assert_eq!(at(&by_day, day(6, 30)), Some(fen(7_438_356)));
    assert_eq!(at(&by_day, day(8, 31)), Some(fen(9_986_301)));
    assert_eq!(at(&by_day, day(12, 31)), Some(fen(15_000_000)));

    // By month: a twelfth of the budget a month, 12,500 元.
    let s = snap(&f, entries(), day(8, 31), TimeBasis::Month);
    let by_month = BurnUp::of(&s, TimeBasis::Month);
    assert_eq!(by_month.time_basis, TimeBasis::Month);
    for (i, p) in by_month.time.iter().enumerate() {
        assert_eq!(p.amount, fen(1_250_000 * i as i64), "{}", p.day);
    }
    assert_eq!(at(&by_month, day(8, 31)), Some(s.report.time_amount));
    // Drawn as a staircase (rising at each month's start), by day as a straight line.
    let month_svg = svg(&by_month, 600, 320);
    let day_svg = svg(&by_day, 600, 320);
    assert!(month_svg.contains("stroke=\"#e65100\""));
    let dashed = |text: &str| {
        let at = text
            .find("stroke-dasharray=\"6 4\"")
            .expect("the 序时 line");
        let start = text[..at].rfind("d=\"").expect("its path") + 3;
        text[start..at].to_owned()
    };
    assert_eq!(dashed(&month_svg).matches('V').count(), 12);
    assert_eq!(dashed(&day_svg).matches('V').count(), 0);
}

#[test]
fn markers_and_the_forecast_range_are_the_reports() {
    let f = fund("ng");
    let s = snap(&f, entries(), day(8, 31), TimeBasis::Day);
    let chart = BurnUp::of(&s, TimeBasis::Day);
    let statuses: Vec<(NaiveDate, Money, MilestoneStatus)> = chart
        .milestones
        .iter()
        .map(|m| (m.day, m.target, m.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (day(3, 31), fen(3_750_000), MilestoneStatus::Met),
            (day(6, 30), fen(7_500_000), MilestoneStatus::Missed),
            (day(10, 31), fen(11_250_000), MilestoneStatus::Upcoming),
            (day(12, 31), fen(15_000_000), MilestoneStatus::Upcoming),
        ]
    );
    assert!(chart.milestones[0].met() && chart.milestones[1].missed());
    assert!(!chart.milestones[2].met() && !chart.milestones[2].missed());

    let projection = s.forecast.projection().expect("history enough on 08-31");
    assert_eq!(chart.forecast.len(), projection.points.len());
    for (c, p) in chart.forecast.iter().zip(&projection.points) {
        assert_eq!(
            (c.day, c.low, c.central, c.high),
            (p.date, p.spend.low, p.spend.central, p.spend.high)
        );
    }
    assert_eq!(chart.forecast.last().map(|p| p.day), Some(day(12, 31)));

    // Too early for a forecast: no range.
    let early = snap(&f, entries(), day(2, 20), TimeBasis::Day);
    assert!(BurnUp::of(&early, TimeBasis::Day).forecast.is_empty());
}

#[test]
fn the_overview_ranks_by_gap_to_time_and_averages_by_budget() {
    let mut funds: Vec<Fund> = ["a", "b", "c", "d", "none"].map(fund).to_vec();
    funds[1].budget = fen(5_000_000);
    let amounts = [3_000_000, 4_000_000, 9_000_000, 6_000_000];
    let as_of = day(6, 30);
    let snaps: Vec<FundSnapshot<'_>> = funds
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let spend = amounts.get(i).map_or_else(DailySpend::default, |a| {
                DailySpend::from_amounts(vec![(day(3, 1), fen(*a))])
            });
            snap(f, spend, as_of, TimeBasis::Day)
        })
        .collect();
    let all = Overview::of(&snaps, DEFAULT_OVERVIEW_FUNDS);
    // 序时 on 06-30: 181/365. 执行率: a 20%, b 80%, c 60%, d 40%; "none" has no data.
    let labels: Vec<&str> = all.funds.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["a", "d", "c", "b"]);
    assert_eq!(all.ranked, 4);
    assert_eq!(all.funds[0].execution_rate, 0.2);
    assert_eq!(all.funds[0].time_rate, 181.0 / 365.0);
    let average = all.average.as_ref().expect("funds with data");
    assert_eq!(average.label, AVERAGE_LABEL);
    // (30,000 + 40,000 + 90,000 + 60,000) ÷ (150,000 × 3 + 50,000) = 220,000 ÷ 500,000.
    assert_eq!(average.execution_rate, 0.44);
    // Σ 序时 amounts: 74,383.56 × 3 + 24,794.52 (each rounded to the 分) ÷ 500,000.
    assert_eq!(
        average.time_rate,
        (7_438_356.0 * 3.0 + 2_479_452.0) / 50_000_000.0
    );
    assert_eq!(all.as_of, Some(as_of));

    let two = Overview::of(&snaps, 2);
    assert_eq!(two.funds.len(), 2);
    assert_eq!(two.ranked, 4);
    assert_eq!(two.average, all.average, "the average is of every fund");
    let nothing = Overview::of(&snaps[4..], 10);
    // A long id is cut in its middle, where ids of one office differ least.
    assert_eq!(
        super::svg::cut("district-fund-number-07-long-name", 20),
        "district-...ong-name"
    );
    assert!(nothing.funds.is_empty() && nothing.average.is_none());
}

#[test]
fn money_in_wan_as_digits() {
    assert_eq!(wan(fen(3_750_000), 2), "3.75");
    assert_eq!(wan(fen(15_000_000), 2), "15");
    assert_eq!(wan(fen(7_500_000), 4), "7.5");
    assert_eq!(wan(fen(1_234_567), 2), "1.23");
    assert_eq!(wan(fen(1_235_000), 2), "1.24");
    assert_eq!(wan(fen(250_000), 4), "0.25");
    assert_eq!(wan(fen(-300_000), 2), "-0.3");
    assert_eq!(wan(Money::ZERO, 2), "0");
}

#[test]
fn every_text_is_escaped_and_the_svg_parses() {
    let f = fund("x<y>&\"q'\u{1}</text>");
    let s = snap(&f, entries(), day(8, 31), TimeBasis::Month);
    let text = svg(&BurnUp::of(&s, TimeBasis::Month), 600, 320);
    assert!(text.contains("x&lt;y&gt;&amp;&quot;q&apos;\u{FFFD}&lt;/text&gt;"));
    assert!(!text.contains("x<y>"));
    assert!(!text.contains('\u{1}'));
    assert_eq!(
        text.matches("<text").count(),
        text.matches("</text>").count()
    );
    let tree = usvg::Tree::from_str(&text, &usvg::Options::default()).expect("well-formed SVG");
    assert_eq!(tree.size().width(), 600.0);
    // Only digits, dates and ASCII are written, but the id.
    let without_id = text.replace(&xml_escape(&f.id), "");
    assert!(without_id.is_ascii(), "{without_id}");

    let snaps = [s];
    let overview = Overview::of(&snaps, 10);
    let text = overview_svg(&overview, 600, 120);
    assert!(text.contains("x&lt;y&gt;&amp;&quot;q&apos;"));
    usvg::Tree::from_str(&text, &usvg::Options::default()).expect("well-formed SVG");
}

/// How many pixels of `png` have exactly the colour `rgb` (opaque).
fn pixels_of(png: &[u8], rgb: [u8; 3]) -> (u32, u32, usize) {
    let pixmap = Pixmap::decode_png(png).expect("a PNG");
    let count = pixmap
        .pixels()
        .iter()
        .filter(|p| p.alpha() == 255 && [p.red(), p.green(), p.blue()] == rgb)
        .count();
    (pixmap.width(), pixmap.height(), count)
}

const SPEND_BLUE: [u8; 3] = [0x15, 0x65, 0xc0];
const MISSED_RED: [u8; 3] = [0xc6, 0x28, 0x28];

#[test]
fn the_png_decodes_at_twice_the_size_with_the_spend_and_a_missed_marker_drawn() {
    let f = fund("ng");
    let s = snap(&f, entries(), day(8, 31), TimeBasis::Day);
    let chart = BurnUp::of(&s, TimeBasis::Day);
    let bytes = png(&chart, 600, 320).expect("a PNG");
    let (w, h, blue) = pixels_of(&bytes, SPEND_BLUE);
    assert_eq!((w, h), (600 * PIXEL_RATIO, 320 * PIXEL_RATIO));
    assert!(blue > 1000, "the spend line: {blue} pixels");
    let (_, _, red) = pixels_of(&bytes, MISSED_RED);
    assert!(red > 20, "the missed 06-30 marker: {red} pixels");
    assert!(bytes.len() < 100_000, "{} bytes", bytes.len());

    let overview = Overview::of(std::slice::from_ref(&s), 10);
    let bytes = overview_png(&overview, 600, 120).expect("a PNG");
    let (w, h, blue) = pixels_of(&bytes, SPEND_BLUE);
    assert_eq!((w, h), (1200, 240));
    assert!(blue > 1000, "the bar: {blue} pixels");
}

#[test]
fn without_any_font_the_png_still_renders_without_its_labels() {
    let f = fund("ng");
    let s = snap(&f, entries(), day(8, 31), TimeBasis::Day);
    let chart = BurnUp::of(&s, TimeBasis::Day);
    let none = Fonts::none();
    assert!(none.is_empty());
    let bare = png_with(&chart, 600, 320, &none).expect("a PNG without fonts");
    let (w, h, blue) = pixels_of(&bare, SPEND_BLUE);
    assert_eq!((w, h), (1200, 640));
    assert!(blue > 1000);
    let system = Fonts::system();
    if !system.is_empty() {
        let labelled = png_with(&chart, 600, 320, &system).expect("a PNG");
        assert_ne!(bare, labelled, "the system's fonts draw the labels");
    }
}

#[test]
fn a_size_that_cannot_be_drawn_is_an_error() {
    let f = fund("ng");
    let s = snap(&f, entries(), day(8, 31), TimeBasis::Day);
    let chart = BurnUp::of(&s, TimeBasis::Day);
    assert!(matches!(
        png(&chart, 0, 320),
        Err(ChartError::Size {
            width: 0,
            height: 640
        })
    ));
    assert!(matches!(
        png(&chart, 600, 100_000),
        Err(ChartError::Size { .. })
    ));
}
