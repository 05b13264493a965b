//! `spendwatch status --format json` and the dashboard's `/api/status`: one document, so the
//! two cannot differ. Keys are stable: new ones are added, none renamed (README, "status").
//! Money is text in 元 with two decimals (`"37500.00"`), rates are fractions rounded to four
//! decimals (0.2749 = 27.49%), days ISO 8601.

use std::fmt;
use std::io;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use crate::app::snapshot::{FundSnapshot, IndicatorSnapshot, Snapshot};
use crate::core::{
    Actual, Band, CatchUpStep, ExpectedBasis, Explanation, Forecast, Grading, IndicatorOutlook,
    IndicatorState, Insufficient, Likelihood, MilestoneReport, Money, Outlook, Pace, Part,
    ProjectedPoint, Target, iso_day,
};
use crate::report::rule_words;
use crate::store::Overlap;

/// The state in the JSON: `no_data` where no source has an entry of the fund (that is not
/// zero spending), else the evaluation's.
fn state_key(f: &FundSnapshot<'_>) -> &'static str {
    if f.has_data() {
        f.report.state.as_str()
    } else {
        "no_data"
    }
}

#[derive(Serialize)]
struct StatusJson<'a> {
    as_of: Day,
    funds: Funds<'a>,
    // Issue 14: the department's own 分项绩效目标.
    department: DepartmentJson<'a>,
}

#[derive(Serialize)]
struct DepartmentJson<'a> {
    indicators: Each<'a, IndicatorSnapshot<'a>, IndicatorJson<'a>>,
}

/// One 绩效指标 and how it stands. Exact values (target, actual) are strings like money;
/// derived ones (expected, gap, outlook) numbers rounded to four decimals, all in `unit`.
#[derive(Serialize)]
struct IndicatorJson<'a> {
    id: &'a str,
    tier1: &'static str,
    tier2: &'static str,
    name: &'a str,
    /// ≥ > = ≤ < or 定性.
    comparator: &'static str,
    /// The number, or the goal in words for 定性.
    target: Text<&'a Target>,
    unit: &'a str,
    /// cumulative-time, cumulative-plan, level, monthly, ledger.
    progress: &'static str,
    /// The number so far, or 达成/基本达成/未达成; `None`: nothing reported.
    actual: Option<Text<Actual>>,
    data_day: Option<Day>,
    months_reported: u32,
    expected: Option<ExpectedJson>,
    outlook: IndicatorOutlookJson,
    /// certain, possible, impossible (确定能, 有可能, 完全不可能).
    likelihood: &'static str,
    /// on_track, lagging, breached, no_data.
    state: &'static str,
    months_without_update: &'a [u32],
    /// Days without a new reading, when more than indicators.stale_after.
    stale_days: Option<i64>,
}

#[derive(Serialize)]
struct ExpectedJson {
    value: f64,
    /// time (序时进度), plan (计划进度) or target (a level or a limit).
    basis: &'static str,
    /// Positive when behind (or over a limit).
    gap: f64,
}

#[derive(Serialize)]
struct IndicatorOutlookJson {
    /// projected, final, insufficient, judged.
    status: &'static str,
    low: Option<f64>,
    central: Option<f64>,
    high: Option<f64>,
    /// The final value of a closed year (a number or a judgement).
    value: Option<Text<Actual>>,
    /// Why there is no projection (数据不足), in Chinese.
    reason: Option<&'static str>,
}

#[derive(Serialize)]
struct FundJson<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    year: i32,
    budget: Yuan,
    spent: Yuan,
    rate: f64,
    plan_rate: f64,
    time_rate: f64,
    state: &'static str,
    milestones: Each<'a, MilestoneReport, MilestoneJson>,
    /// The same entries in force through two sources (money counted twice).
    duplicates: Each<'a, Overlap, DuplicateJson<'a>>,
    // Issue 13: the level, the forecast, the catch-up schedule, the explanations in force.
    /// `yellow`, `orange`, `red`; `None` when no rule holds or the fund has no data.
    level: Option<&'static str>,
    /// The rule that gave `level`.
    level_rule: Option<LevelRuleJson<'a>>,
    /// `projected`, `insufficient` or `closed`.
    forecast_status: &'static str,
    /// Why there is no forecast: `too_early`, `no_spending`, `few_spending_days`.
    insufficient_reason: Option<&'static str>,
    /// `None` when insufficient.
    forecast: Option<ForecastJson<'a>>,
    catch_up: CatchUpJson<'a>,
    /// Those in force on the as-of day, oldest first.
    explanations: InForce<'a>,
    // Issue 14: 双监控.
    /// red, yellow, green: spending against 序时 and the indicators.
    light: &'static str,
    indicators: Each<'a, IndicatorSnapshot<'a>, IndicatorJson<'a>>,
}

/// Room for the rule's words (预警标准) beside its level and where it comes from.
#[derive(Serialize)]
struct LevelRuleJson<'a> {
    level: &'static str,
    /// 预警标准, in Chinese.
    standard: String,
    basis: &'a str,
}

#[derive(Serialize)]
struct BandJson<T> {
    low: T,
    central: T,
    high: T,
}

#[derive(Serialize)]
struct ForecastJson<'a> {
    /// spent(t) ÷ plan amount(t); `None` when closed or the plan asks for nothing yet.
    pace: Option<f64>,
    /// The run-rate window; `None` when closed.
    window: Option<WindowJson>,
    /// Projected spending by 12-31 (closed: the actual, three times).
    year_end_spent: BandJson<Yuan>,
    execution_rate: BandJson<f64>,
    /// 预计结余: budget − year-end spend, never negative; `low` goes with the high spend.
    unspent: BandJson<Yuan>,
    points: Each<'a, ProjectedPoint, PointJson>,
}

#[derive(Serialize)]
struct WindowJson {
    from: Day,
    to: Day,
    days: i64,
    spend: Yuan,
}

#[derive(Serialize)]
struct PointJson {
    date: Day,
    milestone: bool,
    low: Yuan,
    central: Yuan,
    high: Yuan,
}

#[derive(Serialize)]
struct CatchUpJson<'a> {
    overdue: Yuan,
    steps: Each<'a, CatchUpStep, StepJson<'a>>,
}

#[derive(Serialize)]
struct StepJson<'a> {
    date: Day,
    target: Yuan,
    still_to_spend: Yuan,
    increment: Yuan,
    days_left: i64,
    months: Each<'a, Part, MonthJson>,
    weeks: Each<'a, Part, PartJson>,
}

#[derive(Serialize)]
struct MonthJson {
    month: Month,
    from: Day,
    to: Day,
    amount: Yuan,
}

#[derive(Serialize)]
struct PartJson {
    from: Day,
    to: Day,
    amount: Yuan,
}

#[derive(Serialize)]
struct ExplanationJson<'a> {
    id: i64,
    milestone: Option<Day>,
    reason: &'static str,
    text: &'a str,
    day: Day,
    until: Option<Day>,
    user: &'a str,
}

#[derive(Serialize)]
struct DuplicateJson<'a> {
    files: &'a [String],
    entries: i64,
    amount: Yuan,
}

#[derive(Serialize)]
struct MilestoneJson {
    date: Day,
    share: f64,
    target: Yuan,
    spent: Yuan,
    status: &'static str,
    shortfall: Yuan,
}

// The values are written from the data as the serializer reaches them — no `String` per
// amount or day, no vector of funds or steps built first (4.5 MB for 1,000 funds: 30,000
// amounts, 20,000 days).

/// A JSON array of what `json` makes of each of `items`, made when the serializer reaches it.
struct Each<'a, T, J>(&'a [T], fn(&'a T) -> J);

impl<'a, T, J: Serialize> Serialize for Each<'a, T, J> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(self.1))
    }
}

/// The funds, each with the explanations in force on the as-of day.
struct Funds<'a>(&'a Snapshot<'a>);

impl Serialize for Funds<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let day = self.0.day;
        serializer.collect_seq(self.0.funds.iter().map(|s| fund_json(s, day)))
    }
}

/// A fund's explanations in force on a day (see [`in_force`]).
struct InForce<'a>(&'a FundSnapshot<'a>, NaiveDate);

impl Serialize for InForce<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(in_force(self.0, self.1).map(|e| ExplanationJson {
            id: e.id,
            milestone: e.milestone.map(Day),
            reason: e.reason.as_str(),
            text: &e.text,
            day: Day(e.day),
            until: e.until.map(Day),
            user: &e.user,
        }))
    }
}

/// An amount as the JSON has it: 元 with two decimals, no grouping (`"-37500.05"`), as
/// [`Money::plain`] writes it.
#[derive(Clone, Copy)]
struct Yuan(Money);

impl Serialize for Yuan {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.plain_text())
    }
}

/// A day in ISO 8601 (`2025-07-15`), as chrono's `Display` writes it.
#[derive(Clone, Copy)]
struct Day(NaiveDate);

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match iso_day(self.0) {
            Some(text) => serializer.serialize_str(&text),
            None => serializer.collect_str(&self.0),
        }
    }
}

/// A day's month (`2025-07`), as chrono's `%Y-%m` writes it.
#[derive(Clone, Copy)]
struct Month(NaiveDate);

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match iso_day(self.0) {
            Some(text) => serializer.serialize_str(&text[..7]),
            None => serializer.collect_str(&self.0.format("%Y-%m")),
        }
    }
}

/// What its `Display` writes (a target, a reading), written as it is made.
struct Text<T>(T);

impl<T: fmt::Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Rates are fractions rounded to four decimals (0.2749 = 27.49%).
fn rate(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// Writes the JSON of `snapshot` to `out`, pretty-printed, ending in a newline, with the
/// characters that hide or reorder text escaped as [`crate::report::shown_json`] escapes
/// them (a bidi control in a name or text does not reorder what a terminal shows). `out` is
/// written in parts of 64 KiB, as the document is made.
///
/// # Errors
///
/// What writing to `out` gives.
pub fn write_status_json<W: io::Write>(snapshot: &Snapshot<'_>, mut out: W) -> io::Result<()> {
    let doc = StatusJson {
        as_of: Day(snapshot.day),
        funds: Funds(snapshot),
        department: DepartmentJson {
            indicators: Each(&snapshot.department, indicator_json),
        },
    };
    // The values are strings and numbers: only writing can fail.
    crate::report::write_shown_json(&mut out, &doc)?;
    out.write_all(b"\n")
}

/// The JSON of `snapshot` as [`write_status_json`] writes it (UTF-8), for the dashboard's
/// `/api/status`.
pub fn status_json(snapshot: &Snapshot<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * 1024);
    // Writing into memory cannot fail.
    let _ = write_status_json(snapshot, &mut out);
    out
}

fn fund_json<'a>(s: &'a FundSnapshot<'a>, day: NaiveDate) -> FundJson<'a> {
    let (f, r) = (s.fund, &s.report);
    FundJson {
        id: &f.id,
        code: &f.code,
        name: &f.name,
        year: f.year,
        budget: Yuan(f.budget),
        spent: Yuan(r.spent),
        rate: rate(r.execution_rate),
        plan_rate: rate(r.plan_rate),
        time_rate: rate(r.time_rate),
        state: state_key(s),
        duplicates: Each(&s.overlaps, |o| DuplicateJson {
            files: &o.files,
            entries: o.entries,
            amount: Yuan(o.amount),
        }),
        milestones: Each(&r.milestones, milestone_json),
        level: level_of(s).map(|g| g.level.as_str()),
        level_rule: level_of(s).map(|g| LevelRuleJson {
            level: g.rule.level.as_str(),
            standard: rule_words::standard(&g.rule),
            basis: &g.rule.basis,
        }),
        forecast_status: forecast_status(&s.forecast),
        insufficient_reason: match s.forecast.outlook {
            Outlook::Insufficient(why) => Some(insufficient_key(why)),
            _ => None,
        },
        forecast: forecast_json(&s.forecast),
        catch_up: CatchUpJson {
            overdue: Yuan(s.catch_up.overdue),
            steps: Each(&s.catch_up.steps, step_json),
        },
        explanations: InForce(s, day),
        light: s.light.key(),
        indicators: Each(&s.indicators, indicator_json),
    }
}

fn indicator_json<'a>(s: &'a IndicatorSnapshot<'a>) -> IndicatorJson<'a> {
    let (i, r) = (s.indicator, &s.report);
    let band = |b: &Band<f64>| (Some(rate(b.low)), Some(rate(b.central)), Some(rate(b.high)));
    let (status, (low, central, high), value, reason) = match &r.outlook {
        IndicatorOutlook::Projected(b) => ("projected", band(b), None, None),
        IndicatorOutlook::Final(a) => ("final", (None, None, None), Some(Text(*a)), None),
        IndicatorOutlook::Insufficient(why) => {
            ("insufficient", (None, None, None), None, Some(*why))
        }
        IndicatorOutlook::Judged => ("judged", (None, None, None), None, None),
    };
    IndicatorJson {
        id: &i.id,
        tier1: i.tier1.as_str(),
        tier2: i.tier2.as_str(),
        name: &i.name,
        comparator: i.comparator.as_str(),
        target: Text(&i.target),
        unit: &i.unit,
        progress: i.progress.as_str(),
        actual: r.actual.map(Text),
        data_day: r.data_day.map(Day),
        months_reported: r.months_reported,
        expected: r.expected.map(|e| ExpectedJson {
            value: rate(e.value),
            basis: match e.basis {
                ExpectedBasis::Share {
                    pace: Pace::Time, ..
                } => "time",
                ExpectedBasis::Share {
                    pace: Pace::Plan, ..
                } => "plan",
                ExpectedBasis::Target => "target",
            },
            gap: rate(e.gap),
        }),
        outlook: IndicatorOutlookJson {
            status,
            low,
            central,
            high,
            value,
            reason,
        },
        likelihood: match r.likelihood {
            Likelihood::Certain => "certain",
            Likelihood::Possible => "possible",
            Likelihood::Impossible => "impossible",
        },
        state: match r.state {
            IndicatorState::OnTrack => "on_track",
            IndicatorState::Lagging => "lagging",
            IndicatorState::Breached => "breached",
            IndicatorState::NoData => "no_data",
        },
        months_without_update: &r.months_without_update,
        stale_days: r.stale_days,
    }
}

/// The fund's level, where it means something: a fund without data gets no spending alerts,
/// so no level either.
pub(crate) fn level_of<'s>(s: &'s FundSnapshot<'_>) -> Option<&'s Grading> {
    s.grading.as_ref().filter(|_| s.has_data())
}

/// The explanations of the fund in force on `day`, oldest first.
pub(crate) fn in_force<'s>(
    s: &'s FundSnapshot<'_>,
    day: NaiveDate,
) -> impl Iterator<Item = &'s Explanation> {
    s.explanations.iter().filter(move |e| e.in_force(day))
}

fn forecast_status(f: &Forecast) -> &'static str {
    match f.outlook {
        Outlook::Projected(_) => "projected",
        Outlook::Insufficient(_) => "insufficient",
        Outlook::Closed(_) => "closed",
    }
}

fn insufficient_key(why: Insufficient) -> &'static str {
    match why {
        Insufficient::TooEarly { .. } => "too_early",
        Insufficient::NoSpending => "no_spending",
        Insufficient::FewSpendingDays { .. } => "few_spending_days",
    }
}

/// A band of one value: a closed year's actual figure.
fn same<T: Copy>(v: T) -> Band<T> {
    Band {
        low: v,
        central: v,
        high: v,
    }
}

fn money_band(b: &Band<Money>) -> BandJson<Yuan> {
    BandJson {
        low: Yuan(b.low),
        central: Yuan(b.central),
        high: Yuan(b.high),
    }
}

fn rate_band(b: &Band<f64>) -> BandJson<f64> {
    BandJson {
        low: rate(b.low),
        central: rate(b.central),
        high: rate(b.high),
    }
}

/// The forecast in the JSON; `None` when there is too little history.
fn forecast_json(f: &Forecast) -> Option<ForecastJson<'_>> {
    match &f.outlook {
        Outlook::Insufficient(_) => None,
        Outlook::Closed(end) => Some(ForecastJson {
            pace: None,
            window: None,
            year_end_spent: money_band(&same(end.spent)),
            execution_rate: rate_band(&same(end.execution_rate)),
            unspent: money_band(&same(end.unspent)),
            points: Each(&[], point_json),
        }),
        Outlook::Projected(p) => Some(ForecastJson {
            pace: p.pace.map(rate),
            window: Some(WindowJson {
                from: Day(p.window_from),
                to: Day(f.as_of),
                days: p.window_days,
                spend: Yuan(p.window_spend),
            }),
            year_end_spent: money_band(&p.year_end.spend),
            execution_rate: rate_band(&p.execution_rate),
            unspent: money_band(&p.unspent),
            points: Each(&p.points, point_json),
        }),
    }
}

fn point_json(point: &ProjectedPoint) -> PointJson {
    PointJson {
        date: Day(point.date),
        milestone: point.milestone.is_some(),
        low: Yuan(point.spend.low),
        central: Yuan(point.spend.central),
        high: Yuan(point.spend.high),
    }
}

fn step_json(step: &CatchUpStep) -> StepJson<'_> {
    StepJson {
        date: Day(step.date),
        target: Yuan(step.target),
        still_to_spend: Yuan(step.still_to_spend),
        increment: Yuan(step.increment),
        days_left: step.days_left,
        months: Each(&step.months, |part| MonthJson {
            month: Month(part.from),
            from: Day(part.from),
            to: Day(part.to),
            amount: Yuan(part.amount),
        }),
        weeks: Each(&step.weeks, part_json),
    }
}

fn part_json(part: &Part) -> PartJson {
    PartJson {
        from: Day(part.from),
        to: Day(part.to),
        amount: Yuan(part.amount),
    }
}

fn milestone_json(m: &MilestoneReport) -> MilestoneJson {
    MilestoneJson {
        date: Day(m.milestone.date),
        share: m.milestone.share.as_fraction(),
        target: Yuan(m.target),
        spent: Yuan(m.spent),
        status: m.status.as_str(),
        shortfall: Yuan(m.shortfall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).expect("json")
    }

    #[test]
    fn amounts_as_money_writes_them() {
        let edges = [
            0,
            1,
            9,
            10,
            99,
            100,
            101,
            -1,
            -10,
            -99,
            -100,
            -101,
            3_750_000,
            -3_750_005,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        let sweep = (-200_000..200_000).step_by(7);
        let large = (0..63)
            .map(|shift| 1_i64 << shift)
            .flat_map(|p| [p - 1, p, -p]);
        for fen in edges.into_iter().chain(sweep).chain(large) {
            let money = Money::from_fen(fen);
            assert_eq!(
                json(&Yuan(money)),
                format!("\"{}\"", money.plain()),
                "{fen}"
            );
        }
    }

    #[test]
    fn days_and_months_as_chrono_writes_them() {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a day");
        let mut days: Vec<NaiveDate> = ymd(2023, 12, 25).iter_days().take(800).collect();
        // Years chrono writes with a sign, and the ends of the four digits.
        days.extend([
            ymd(0, 1, 1),
            ymd(9, 2, 3),
            ymd(999, 10, 31),
            ymd(9999, 12, 31),
            ymd(10_000, 1, 1),
            ymd(-1, 12, 31),
            NaiveDate::MIN,
            NaiveDate::MAX,
        ]);
        for day in days {
            assert_eq!(json(&Day(day)), format!("\"{day}\""));
            assert_eq!(json(&Month(day)), format!("\"{}\"", day.format("%Y-%m")));
        }
    }

    /// An array made as it is written is the array a vector would give, empty or not.
    #[test]
    fn arrays_made_as_written_are_the_vectors() {
        let parts: Vec<Part> = (0..3)
            .map(|i| Part {
                from: NaiveDate::from_ymd_opt(2025, 7, 1 + i).expect("a day"),
                to: NaiveDate::from_ymd_opt(2025, 7, 7 + i).expect("a day"),
                amount: Money::from_fen(i64::from(i) * 12_345 - 7),
            })
            .collect();
        for n in 0..=parts.len() {
            let each = Each(&parts[..n], part_json);
            let vec: Vec<PartJson> = parts[..n].iter().map(part_json).collect();
            assert_eq!(json(&each), json(&vec));
            assert_eq!(
                serde_json::to_string_pretty(&each).expect("json"),
                serde_json::to_string_pretty(&vec).expect("json")
            );
        }
    }
}
