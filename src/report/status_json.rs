//! `spendwatch status --format json` and the dashboard's `/api/status`: one document, so the
//! two cannot differ. Keys are stable: new ones are added, none renamed (README, "status").
//! Money is text in 元 with two decimals (`"37500.00"`), rates are fractions rounded to four
//! decimals (0.2749 = 27.49%), days ISO 8601.

use chrono::NaiveDate;
use serde::Serialize;

use crate::app::snapshot::{FundSnapshot, IndicatorSnapshot, Snapshot};
use crate::core::{
    Actual, Band, CatchUp, ExpectedBasis, Explanation, Forecast, Grading, IndicatorOutlook,
    IndicatorState, Insufficient, Likelihood, MilestoneReport, Money, Outlook, Pace, Part,
};
use crate::report::rule_words;

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
    as_of: String,
    funds: Vec<FundJson<'a>>,
    // Issue 14: the department's own 分项绩效目标.
    department: DepartmentJson<'a>,
}

#[derive(Serialize)]
struct DepartmentJson<'a> {
    indicators: Vec<IndicatorJson<'a>>,
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
    target: String,
    unit: &'a str,
    /// cumulative-time, cumulative-plan, level, monthly, ledger.
    progress: &'static str,
    /// The number so far, or 达成/基本达成/未达成; `None`: nothing reported.
    actual: Option<String>,
    data_day: Option<String>,
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
    value: Option<String>,
    /// Why there is no projection (数据不足), in Chinese.
    reason: Option<&'static str>,
}

#[derive(Serialize)]
struct FundJson<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    year: i32,
    budget: String,
    spent: String,
    rate: f64,
    plan_rate: f64,
    time_rate: f64,
    state: &'static str,
    milestones: Vec<MilestoneJson>,
    /// The same entries in force through two sources (money counted twice).
    duplicates: Vec<DuplicateJson>,
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
    forecast: Option<ForecastJson>,
    catch_up: CatchUpJson,
    /// Those in force on the as-of day, oldest first.
    explanations: Vec<ExplanationJson<'a>>,
    // Issue 14: 双监控.
    /// red, yellow, green: spending against 序时 and the indicators.
    light: &'static str,
    indicators: Vec<IndicatorJson<'a>>,
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
struct ForecastJson {
    /// spent(t) ÷ plan amount(t); `None` when closed or the plan asks for nothing yet.
    pace: Option<f64>,
    /// The run-rate window; `None` when closed.
    window: Option<WindowJson>,
    /// Projected spending by 12-31 (closed: the actual, three times).
    year_end_spent: BandJson<String>,
    execution_rate: BandJson<f64>,
    /// 预计结余: budget − year-end spend, never negative; `low` goes with the high spend.
    unspent: BandJson<String>,
    points: Vec<PointJson>,
}

#[derive(Serialize)]
struct WindowJson {
    from: String,
    to: String,
    days: i64,
    spend: String,
}

#[derive(Serialize)]
struct PointJson {
    date: String,
    milestone: bool,
    low: String,
    central: String,
    high: String,
}

#[derive(Serialize)]
struct CatchUpJson {
    overdue: String,
    steps: Vec<StepJson>,
}

#[derive(Serialize)]
struct StepJson {
    date: String,
    target: String,
    still_to_spend: String,
    increment: String,
    days_left: i64,
    months: Vec<MonthJson>,
    weeks: Vec<PartJson>,
}

#[derive(Serialize)]
struct MonthJson {
    month: String,
    from: String,
    to: String,
    amount: String,
}

#[derive(Serialize)]
struct PartJson {
    from: String,
    to: String,
    amount: String,
}

#[derive(Serialize)]
struct ExplanationJson<'a> {
    id: i64,
    milestone: Option<String>,
    reason: &'static str,
    text: &'a str,
    day: String,
    until: Option<String>,
    user: &'a str,
}

#[derive(Serialize)]
struct DuplicateJson {
    files: Vec<String>,
    entries: i64,
    amount: String,
}

#[derive(Serialize)]
struct MilestoneJson {
    date: String,
    share: f64,
    target: String,
    spent: String,
    status: &'static str,
    shortfall: String,
}

/// Rates are fractions rounded to four decimals (0.2749 = 27.49%).
fn rate(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// The JSON of `snapshot`, pretty-printed, ending in a newline.
pub fn status_json(snapshot: &Snapshot<'_>) -> String {
    let doc = StatusJson {
        as_of: snapshot.day.to_string(),
        funds: snapshot
            .funds
            .iter()
            .map(|s| {
                let (f, r) = (s.fund, &s.report);
                FundJson {
                    id: &f.id,
                    code: &f.code,
                    name: &f.name,
                    year: f.year,
                    budget: f.budget.plain(),
                    spent: r.spent.plain(),
                    rate: rate(r.execution_rate),
                    plan_rate: rate(r.plan_rate),
                    time_rate: rate(r.time_rate),
                    state: state_key(s),
                    duplicates: s
                        .overlaps
                        .iter()
                        .map(|o| DuplicateJson {
                            files: o.files.clone(),
                            entries: o.entries,
                            amount: o.amount.plain(),
                        })
                        .collect(),
                    milestones: r.milestones.iter().map(milestone_json).collect(),
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
                    catch_up: catch_up_json(&s.catch_up),
                    explanations: in_force(s, snapshot.day)
                        .map(|e| ExplanationJson {
                            id: e.id,
                            milestone: e.milestone.map(|m| m.to_string()),
                            reason: e.reason.as_str(),
                            text: &e.text,
                            day: e.day.to_string(),
                            until: e.until.map(|u| u.to_string()),
                            user: &e.user,
                        })
                        .collect(),
                    light: s.light.key(),
                    indicators: s.indicators.iter().map(indicator_json).collect(),
                }
            })
            .collect(),
        department: DepartmentJson {
            indicators: snapshot.department.iter().map(indicator_json).collect(),
        },
    };
    // Serialising plain structs of strings and numbers cannot fail. Escaped as JSON allows,
    // so a bidi control in a name or text does not reorder what a terminal shows.
    let json = serde_json::to_string_pretty(&doc).unwrap_or_default();
    crate::report::shown_json(&json).into_owned() + "\n"
}

fn indicator_json<'a>(s: &'a IndicatorSnapshot<'_>) -> IndicatorJson<'a> {
    let (i, r) = (s.indicator, &s.report);
    let band = |b: &Band<f64>| (Some(rate(b.low)), Some(rate(b.central)), Some(rate(b.high)));
    let (status, (low, central, high), value, reason) = match &r.outlook {
        IndicatorOutlook::Projected(b) => ("projected", band(b), None, None),
        IndicatorOutlook::Final(a) => ("final", (None, None, None), Some(a.to_string()), None),
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
        target: i.target.to_string(),
        unit: &i.unit,
        progress: i.progress.as_str(),
        actual: r.actual.map(|a: Actual| a.to_string()),
        data_day: r.data_day.map(|d| d.to_string()),
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

fn money_band(b: &Band<Money>) -> BandJson<String> {
    BandJson {
        low: b.low.plain(),
        central: b.central.plain(),
        high: b.high.plain(),
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
fn forecast_json(f: &Forecast) -> Option<ForecastJson> {
    match &f.outlook {
        Outlook::Insufficient(_) => None,
        Outlook::Closed(end) => Some(ForecastJson {
            pace: None,
            window: None,
            year_end_spent: money_band(&same(end.spent)),
            execution_rate: rate_band(&same(end.execution_rate)),
            unspent: money_band(&same(end.unspent)),
            points: Vec::new(),
        }),
        Outlook::Projected(p) => Some(ForecastJson {
            pace: p.pace.map(rate),
            window: Some(WindowJson {
                from: p.window_from.to_string(),
                to: f.as_of.to_string(),
                days: p.window_days,
                spend: p.window_spend.plain(),
            }),
            year_end_spent: money_band(&p.year_end.spend),
            execution_rate: rate_band(&p.execution_rate),
            unspent: money_band(&p.unspent),
            points: p
                .points
                .iter()
                .map(|point| PointJson {
                    date: point.date.to_string(),
                    milestone: point.milestone.is_some(),
                    low: point.spend.low.plain(),
                    central: point.spend.central.plain(),
                    high: point.spend.high.plain(),
                })
                .collect(),
        }),
    }
}

fn part_json(part: &Part) -> PartJson {
    PartJson {
        from: part.from.to_string(),
        to: part.to.to_string(),
        amount: part.amount.plain(),
    }
}

fn catch_up_json(plan: &CatchUp) -> CatchUpJson {
    CatchUpJson {
        overdue: plan.overdue.plain(),
        steps: plan
            .steps
            .iter()
            .map(|step| StepJson {
                date: step.date.to_string(),
                target: step.target.plain(),
                still_to_spend: step.still_to_spend.plain(),
                increment: step.increment.plain(),
                days_left: step.days_left,
                months: step
                    .months
                    .iter()
                    .map(|part| MonthJson {
                        month: part.from.format("%Y-%m").to_string(),
                        from: part.from.to_string(),
                        to: part.to.to_string(),
                        amount: part.amount.plain(),
                    })
                    .collect(),
                weeks: step.weeks.iter().map(part_json).collect(),
            })
            .collect(),
    }
}

fn milestone_json(m: &MilestoneReport) -> MilestoneJson {
    MilestoneJson {
        date: m.milestone.date.to_string(),
        share: m.milestone.share.as_fraction(),
        target: m.target.plain(),
        spent: m.spent.plain(),
        status: m.status.as_str(),
        shortfall: m.shortfall.plain(),
    }
}
