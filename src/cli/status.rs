//! `spendwatch status`: each fund's spending against its plan, as a table or as JSON.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Failure, open_and_sync, today};
use crate::app::snapshot::{self, FundSnapshot, IndicatorSnapshot, Snapshot};
use crate::config::Config;
use crate::core::{
    Actual, Band, CatchUp, ExpectedBasis, Explanation, Forecast, Grading, IndicatorOutlook,
    IndicatorState, Insufficient, Level, Likelihood, MilestoneReport, MilestoneStatus, Money,
    Outlook, Pace, Part,
};
use crate::report::Align::{Left, Right};
use crate::report::{Block, Cell, Column, Document, Grade, Notice, Section, Table};
use crate::report::{goals, outlook, rule_words, terminal, words};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    Table,
    Json,
}

pub(super) fn run(
    config: &Config,
    as_of: Option<NaiveDate>,
    format: Format,
) -> Result<(), Failure> {
    let store = open_and_sync(config, "status")?;
    let as_of = as_of.unwrap_or_else(|| today(config));
    let snapshot = snapshot::read(&store, config, as_of)?;
    let text = match format {
        Format::Json => json(&snapshot),
        Format::Table => terminal::render(&document(config, &snapshot)),
    };
    out!("{text}");
    Ok(())
}

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

fn json(snapshot: &Snapshot<'_>) -> String {
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
fn level_of<'s>(s: &'s FundSnapshot<'_>) -> Option<&'s Grading> {
    s.grading.as_ref().filter(|_| s.has_data())
}

/// The explanations of the fund in force on `day`, oldest first.
fn in_force<'s>(s: &'s FundSnapshot<'_>, day: NaiveDate) -> impl Iterator<Item = &'s Explanation> {
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

/// The table: a row per fund, then per fund its cautions, its pace against the plan and the
/// 序时 pace, and its milestones.
fn document(config: &Config, snapshot: &Snapshot<'_>) -> Document {
    let mut blocks = vec![Block::Heading(format!(
        "支出进度　截至 {}（{}）",
        snapshot.day, config.timezone
    ))];
    let columns = vec![
        Column::new(words::FUND_NAME, Left),
        Column::money(words::BUDGET),
        Column::money(words::SPENT),
        Column::new(words::EXECUTION_RATE, Right),
        Column::new(words::PLAN_RATE, Right),
        Column::new(words::TIME_RATE, Right),
        Column::new(words::STATE, Left),
        Column::new(LEVEL, Left),
    ];
    let rows = snapshot
        .funds
        .iter()
        .map(|s| {
            let (f, r) = (s.fund, &s.report);
            [
                f.name.clone(),
                f.budget.grouped(),
                r.spent.grouped(),
                words::percent(r.execution_rate),
                words::percent(r.plan_rate),
                words::percent(r.time_rate),
                if s.has_data() {
                    words::fund_state(r.state).to_owned()
                } else {
                    words::NO_DATA.to_owned()
                },
                level_cell(s).to_owned(),
            ]
            .map(Cell::Text)
            .to_vec()
        })
        .collect();
    blocks.push(Block::Table(table(columns, rows)));
    blocks.extend(
        snapshot
            .funds
            .iter()
            .map(|s| Block::Section(fund_section(s, snapshot.day))),
    );
    if !snapshot.department.is_empty() {
        blocks.push(Block::Section(Section {
            heading: goals::DEPARTMENT.to_owned(),
            blocks: indicator_blocks(&snapshot.department),
        }));
    }
    Document { blocks }
}

/// The indicators' table and its notes, as `status` shows them.
fn indicator_blocks(indicators: &[IndicatorSnapshot<'_>]) -> Vec<Block> {
    let items: Vec<_> = indicators
        .iter()
        .map(|i| (i.indicator, &i.report))
        .collect();
    goals::compact("绩效指标", &items)
}

/// 等级: the overview's column of levels.
const LEVEL: &str = "等级";

/// A fund's level in the overview, short so that the table fits 100 columns (as `alerts`
/// says it): 黄色, 橙色, 红色; 正常 when no rule holds; `-` without data.
fn level_cell(s: &FundSnapshot<'_>) -> &'static str {
    if !s.has_data() {
        return "-";
    }
    match level_of(s).map(|g| g.level) {
        Some(Level::Yellow) => "黄色",
        Some(Level::Orange) => "橙色",
        Some(Level::Red) => "红色",
        None => "正常",
    }
}

/// `预警等级：红色预警（预警标准：…）` and `预警依据：…` — the level, the rule that gave it and
/// where the rule comes from, one line each (a source can be long).
fn level_lines(grading: &Grading) -> [String; 2] {
    [
        format!(
            "预警等级：{}（预警标准：{}）",
            words::level(grading.rule.level),
            rule_words::standard(&grading.rule)
        ),
        format!("预警依据：{}", outlook::escaped(&grading.rule.basis)),
    ]
}

/// One fund: what to keep in mind, its level and explanations, its pace, its milestones,
/// where it is heading and what to spend when.
fn fund_section(s: &FundSnapshot<'_>, day: NaiveDate) -> Section {
    let (f, r) = (s.fund, &s.report);
    let caution = |title: String| {
        Block::Notice(Notice {
            grade: Grade::Caution,
            subject: None,
            title,
            lines: Vec::new(),
            multiline: false,
        })
    };
    let mut blocks = Vec::new();
    if !s.has_data() {
        blocks.push(caution(
            "尚无账务数据——还没有从任何账簿文件读到这个项目的分录，下面的 0.00 不表示没有支出；\
             请检查 ledger.sources 和文件中的项目名称或编码"
                .to_owned(),
        ));
    }
    for overlap in &s.overlaps {
        blocks.push(caution(super::import_cmd::overlap_sentence(overlap)));
    }
    if let Some(grading) = level_of(s) {
        blocks.extend(level_lines(grading).map(Block::Paragraph));
    }
    blocks.extend(in_force(s, day).map(|e| Block::Paragraph(outlook::explanation_line(e))));
    blocks.push(Block::Paragraph(format!(
        "较{}：{}；较{}：{}",
        words::PLAN_RATE,
        words::lead_or_lag(
            r.execution_rate - r.plan_rate,
            r.spent.saturating_sub(r.plan_amount)
        ),
        words::TIME_RATE,
        words::lead_or_lag(
            r.execution_rate - r.time_rate,
            r.spent.saturating_sub(r.time_amount)
        ),
    )));
    let columns = vec![
        Column::new(words::MILESTONE, Left),
        Column::new(words::TARGET_SHARE, Right),
        Column::money(words::MILESTONE_TARGET),
        Column::money(words::SPENT_BY_MILESTONE),
        Column::money(words::GAP),
        Column::new(words::STATE, Left),
    ];
    let rows = r
        .milestones
        .iter()
        .map(|m| {
            // The days matter only while the milestone is not met.
            let when = if m.status == MilestoneStatus::Met {
                String::new()
            } else {
                format!("（{}）", words::days_phrase(m.days_left))
            };
            [
                m.milestone.date.to_string(),
                m.milestone.share.to_string(),
                m.target.grouped(),
                m.spent.grouped(),
                m.shortfall.grouped(),
                format!("{}{when}", words::milestone_status(m.status)),
            ]
            .map(Cell::Text)
            .to_vec()
        })
        .collect();
    blocks.push(Block::Table(table(columns, rows)));
    // Without data the figures are zeros that say nothing: no forecast, no schedule, no light.
    if s.has_data() {
        blocks.extend(outlook_blocks(s));
    }
    if !s.indicators.is_empty() {
        if s.has_data() {
            let count = |f: fn(IndicatorState) -> bool| {
                s.indicators.iter().filter(|i| f(i.report.state)).count()
            };
            blocks.push(Block::Paragraph(format!(
                "双监控：{}",
                goals::light_reason(
                    s.light,
                    count(IndicatorState::is_off_track),
                    count(|st| st == IndicatorState::NoData)
                )
            )));
        }
        blocks.extend(indicator_blocks(&s.indicators));
    }
    Section {
        heading: format!("{}（{} · {} · {}年度）", f.name, f.id, f.code, f.year),
        blocks,
    }
}

/// The forecast (its sentences, then the projection by milestone) and the catch-up schedule
/// (by milestone, month and week), or that every milestone left is met.
fn outlook_blocks(s: &FundSnapshot<'_>) -> Vec<Block> {
    let mut blocks: Vec<Block> = outlook::forecast_lines(&s.forecast)
        .into_iter()
        .map(Block::Paragraph)
        .collect();
    blocks.extend(outlook::forecast_table(&s.forecast).map(Block::Table));
    let mut tables = outlook::catch_up_tables(&s.catch_up).into_iter();
    match tables.next() {
        None if s.report.milestones.iter().any(|m| m.days_left >= 0) => {
            blocks.push(Block::Paragraph("补齐计划：剩余节点均已达标。".to_owned()));
        }
        None => {}
        Some(steps) => {
            blocks.push(Block::Table(steps));
            if let Some(line) = overdue_line(s) {
                blocks.push(Block::Paragraph(line));
            }
            blocks.extend(tables.map(Block::Table));
        }
    }
    blocks
}

/// Under the schedule's milestones, when one already passed is still short: how much, and that
/// it is in the next milestone's 还需支出 (the milestone table shows its shortfall on its day,
/// which spending since may have reduced).
fn overdue_line(s: &FundSnapshot<'_>) -> Option<String> {
    let overdue = s.catch_up.overdue;
    let missed = s.report.milestones.iter().rev().find(|m| m.days_left < 0)?;
    let next = s.catch_up.steps.first()?;
    (overdue > Money::ZERO).then(|| {
        format!(
            "其中 {}是{}节点至今仍差的金额，已计入{}节点的还需支出，应尽快支出。",
            words::in_yuan(overdue),
            words::day_name(missed.milestone.date),
            words::day_name(next.date)
        )
    })
}

fn table(columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> Table {
    Table {
        caption: None,
        columns,
        rows,
        legend: None,
    }
}
