//! The 项目支出绩效目标执行监控表 (the form the office fills in with data to the end of a
//! month, commonly 1-7月): every number and text it shows, as a model ([`MonitorForm`]), and
//! its XLSX layout ([`xlsx`]).
//!
//! The model is built from what is known at the end of the form's period ([`Period`]): the
//! [`Snapshot`] read on that day, and the config (department, goals, indicators). Rules, each
//! once, here:
//!
//! - **Period.** Data to the last month end on or before the as-of day: `--as-of 2025-07-31`
//!   and `--as-of 2025-08-15` both give 1-7月 with data to 07-31, as the official forms count
//!   (a month still running is not reported). The form is of that month end's year, and holds
//!   the funds of that year.
//! - **Money** in 万元 with two decimals, as the forms write it: the 分 amount rounded half
//!   away from zero to the hundred 元 in integers (`Wan`), never through floats. A sum (合计)
//!   adds the rounded amounts, so the column adds up as printed.
//! - **执行率** = spent ÷ budget from the exact 分 amounts (not from the rounded 万元).
//! - **全年预计执行数**: the spending forecast's central value at 12-31 (a closed year: its
//!   actual spending); none (数据不足) when the forecast has too little history.
//! - **Indicator rows** come from the config's indicators, in its order, with the judgement
//!   of each where the snapshot has one (without one: 无完成值).
//! - **偏差原因分析**: an indicator row that lags or is breached is ticked (√) in the column
//!   of the reason of each 情况说明 of its fund that was in force on at least one day from the
//!   period's end to the as-of day (the explanation of a July lag is often written in early
//!   August). Rows on track, without data, or of the department's own indicators are not
//!   ticked. The explanations' words go into the 全年总体目标完成情况 sentence.
//! - **Texts read from files** (names, goals, notes) are kept as written, less control
//!   characters, and cut at [`MAX_NOTE_CHARS`] for a reading's note; the writer writes them as
//!   text cells.

pub mod xlsx;

#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDate};

use super::goals;
use super::words;
use crate::app::snapshot::{FundSnapshot, IndicatorSnapshot, Snapshot};
use crate::config::Config;
use crate::core::{
    Actual, ExpectedBasis, Explanation, ExplanationReason, Forecast, Indicator, IndicatorOutlook,
    IndicatorState, Light, Likelihood, Money, Outlook, Progress,
};

/// What a cell says where the config has no value for it (no `department:`, no `goal:`).
pub const NOT_CONFIGURED: &str = "（未配置）";

/// The name of the first sheet, the department's summary.
pub const SUMMARY_SHEET: &str = "部门汇总";

/// The longest note of a reading (说明) shown in 备注, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// The five columns of 偏差原因分析, in the form's order, with the reason of a 情况说明 that
/// ticks each. (The form says 硬件条件保障 where `explain` says 硬件保障.)
pub const CAUSES: [(&str, ExplanationReason); 5] = [
    ("经费保障", ExplanationReason::Funding),
    ("制度保障", ExplanationReason::Rules),
    ("人员保障", ExplanationReason::Staff),
    ("硬件条件保障", ExplanationReason::Hardware),
    ("其他", ExplanationReason::Other),
];

/// The months a form covers: January to `month` of `year`, with data to `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The last day with data: the last day of `month`.
    pub end: NaiveDate,
}

impl Period {
    /// The period of a form filled in on `as_of`: to the last month end on or before it.
    #[must_use]
    pub fn of(as_of: NaiveDate) -> Period {
        let is_month_end = as_of.succ_opt().is_none_or(|next| next.day() == 1);
        let end = if is_month_end {
            as_of
        } else {
            as_of
                .with_day(1)
                .and_then(|d| d.pred_opt())
                .unwrap_or(as_of)
        };
        Period { end }
    }

    /// The fiscal year.
    #[must_use]
    pub fn year(self) -> i32 {
        self.end.year()
    }

    /// The last month (1–12).
    #[must_use]
    pub fn month(self) -> u32 {
        self.end.month()
    }

    /// `1-7月`; `1月` for January alone.
    #[must_use]
    pub fn months(self) -> String {
        match self.month() {
            1 => "1月".to_owned(),
            n => format!("1-{n}月"),
        }
    }

    /// `项目支出绩效目标执行监控表（2025年1-7月）`.
    #[must_use]
    pub fn title(self) -> String {
        format!(
            "项目支出绩效目标执行监控表（{}年{}）",
            self.year(),
            self.months()
        )
    }
}

/// An amount in 万元 with two decimals, kept as an integer count of hundredths of 万元 (百元).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Wan(i64);

impl Wan {
    /// `amount` rounded half away from zero to the hundred 元 (5,000 分 rounds up: 1,234,550
    /// 分 = 12,345.50 元 is 1.23万元, 1,235,000 分 is 1.24万元).
    #[must_use]
    pub fn of(amount: Money) -> Wan {
        let fen = amount.fen();
        let hundreds = (fen.unsigned_abs() + 5_000) / 10_000;
        let hundreds = i64::try_from(hundreds).unwrap_or(i64::MAX);
        Wan(if fen < 0 { -hundreds } else { hundreds })
    }

    /// Hundredths of 万元 (1234 is 12.34万元).
    #[must_use]
    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// The value in 万元, for a numeric cell (exact to the two decimals shown).
    #[must_use]
    pub fn value(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// The sum of two amounts as shown.
    #[must_use]
    pub fn plus(self, other: Wan) -> Wan {
        Wan(self.0.saturating_add(other.0))
    }
}

impl std::fmt::Display for Wan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let n = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", n / 100, n % 100)
    }
}

/// What one cell of figures holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// An amount in 万元 (two decimals).
    Wan(Wan),
    /// A rate: a fraction, shown as a percentage with two decimals.
    Rate(f64),
    /// A value in an indicator's unit, shown with `decimals` decimals and the unit (a `%`
    /// value is in percent: 92 is 92%).
    Measure {
        /// The value.
        value: f64,
        /// Decimals shown.
        decimals: u32,
        /// The indicator's unit.
        unit: String,
    },
    /// Words (无数据, 数据不足, a judgement …).
    Text(String),
    /// Nothing to show.
    Empty,
}

/// The money block of a fund (项目资金), or a line of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyLine {
    /// 项目名称 (合计 for the summary's total).
    pub name: String,
    /// 年初预算数.
    pub budget: Wan,
    /// 1-N月执行数; 无数据 when no source has an entry of the fund.
    pub spent: Figure,
    /// 1-N月执行率; 无数据 as above.
    pub rate: Figure,
    /// 全年预计执行数; 数据不足 without a forecast.
    pub year_end: Figure,
}

/// One row of the indicator table.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    /// The indicator's id (not shown; for readers of the model).
    pub id: String,
    /// 一级指标, as the tables write it: 产出指标.
    pub tier1: String,
    /// 二级指标: 数量指标.
    pub tier2: String,
    /// 三级指标.
    pub name: String,
    /// 年度指标值 with its sign and unit: `≥1000条`; the goal in words for 定性.
    pub target: String,
    /// 1-N月执行情况: the 完成值 so far.
    pub actual: Figure,
    /// 全年预计完成情况.
    pub outlook: Figure,
    /// 偏差原因分析: ticked columns, in the order of [`CAUSES`].
    pub causes: [bool; 5],
    /// 完成目标可能性; `None` without a 完成值 (nothing to judge it by).
    pub likelihood: Option<Likelihood>,
    /// How it stands; `None` when the snapshot has no judgement of it.
    pub state: Option<IndicatorState>,
    /// 备注: the state and what else is worth knowing.
    pub remark: String,
}

/// One sheet per fund.
#[derive(Debug, Clone, PartialEq)]
pub struct FundSheet {
    /// The fund's id.
    pub fund: String,
    /// The sheet's name: the fund's name made safe for a sheet ([`sheet_names`]).
    pub sheet_name: String,
    /// 项目名称.
    pub project: String,
    /// 主管部门 (the department, or [`NOT_CONFIGURED`]).
    pub department: String,
    /// 实施单位 (the department, or [`NOT_CONFIGURED`]).
    pub implementer: String,
    /// 项目资金.
    pub money: MoneyLine,
    /// 年度总体目标: the fund's `goal`, or [`NOT_CONFIGURED`].
    pub goal: String,
    /// 全年总体目标完成情况: a sentence from the data.
    pub progress: String,
    /// The indicator rows, in the config's order.
    pub rows: Vec<IndicatorRow>,
}

/// The first sheet: the department's funds and its own 分项绩效目标.
#[derive(Debug, Clone, PartialEq)]
pub struct SummarySheet {
    /// [`SUMMARY_SHEET`] (made unique against the funds' sheets).
    pub sheet_name: String,
    /// Each fund's money line, in the config's order.
    pub lines: Vec<MoneyLine>,
    /// 合计 of the lines.
    pub total: MoneyLine,
    /// Each fund's 双监控 light in words (红灯 …), beside its line.
    pub lights: Vec<String>,
    /// 部门整体完成情况: a sentence from the data.
    pub progress: String,
    /// The department's own indicators (of no fund), in the config's order.
    pub rows: Vec<IndicatorRow>,
}

/// Everything the form shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorForm {
    /// The day the form is filled in (`--as-of`).
    pub as_of: NaiveDate,
    /// The months it covers.
    pub period: Period,
    /// `项目支出绩效目标执行监控表（2025年1-7月）`.
    pub title: String,
    /// 填报单位 (the department, or [`NOT_CONFIGURED`]).
    pub reporter: String,
    /// The summary sheet.
    pub summary: SummarySheet,
    /// One sheet per fund of the period's year.
    pub funds: Vec<FundSheet>,
}

impl MonitorForm {
    /// The form filled in on `as_of` from `snapshot`, which must have been read on
    /// `Period::of(as_of).end`: the funds of the period's year (others are left out).
    #[must_use]
    pub fn build(config: &Config, snapshot: &Snapshot<'_>, as_of: NaiveDate) -> MonitorForm {
        let period = Period::of(as_of);
        let department = config
            .department
            .as_ref()
            .map_or(NOT_CONFIGURED.to_owned(), |d| clean(&d.name));
        let funds: Vec<&FundSnapshot<'_>> = snapshot
            .funds
            .iter()
            .filter(|f| f.fund.year == period.year())
            .collect();
        let mut names: Vec<String> = vec![SUMMARY_SHEET.to_owned()];
        names.extend(funds.iter().map(|f| f.fund.name.clone()));
        let mut names = sheet_names(&names).into_iter();
        let summary_name = names.next().unwrap_or_else(|| SUMMARY_SHEET.to_owned());
        let sheets: Vec<FundSheet> = funds
            .iter()
            .zip(names)
            .map(|(f, sheet_name)| fund_sheet(config, f, period, as_of, &department, sheet_name))
            .collect();
        let summary = summary_sheet(config, snapshot, &funds, &sheets, period, summary_name);
        MonitorForm {
            as_of,
            period,
            title: period.title(),
            reporter: department,
            summary,
            funds: sheets,
        }
    }
}

fn fund_sheet(
    config: &Config,
    f: &FundSnapshot<'_>,
    period: Period,
    as_of: NaiveDate,
    department: &str,
    sheet_name: String,
) -> FundSheet {
    let explanations: Vec<&Explanation> = f
        .explanations
        .iter()
        .filter(|e| in_force_within(e, period.end, as_of))
        .collect();
    let causes = ticks(&explanations);
    let rows: Vec<IndicatorRow> = config
        .indicators
        .iter()
        .filter(|i| i.fund.as_deref() == Some(f.fund.id.as_str()))
        .map(|i| {
            let snap = f.indicators.iter().find(|s| s.indicator.id == i.id);
            indicator_row(i, snap, causes)
        })
        .collect();
    let money = money_line(f);
    let progress = fund_progress(f, &money, &rows, &explanations, period);
    FundSheet {
        fund: f.fund.id.clone(),
        sheet_name,
        project: clean(&f.fund.name),
        department: department.to_owned(),
        implementer: department.to_owned(),
        goal: config
            .goal(&f.fund.id)
            .map_or(NOT_CONFIGURED.to_owned(), clean),
        money,
        progress,
        rows,
    }
}

fn summary_sheet(
    config: &Config,
    snapshot: &Snapshot<'_>,
    funds: &[&FundSnapshot<'_>],
    sheets: &[FundSheet],
    period: Period,
    sheet_name: String,
) -> SummarySheet {
    let lines: Vec<MoneyLine> = sheets.iter().map(|s| s.money.clone()).collect();
    let total = total_line(funds, &lines);
    let lights = funds
        .iter()
        .map(|f| goals::light(f.light).to_owned())
        .collect();
    let rows: Vec<IndicatorRow> = config
        .indicators
        .iter()
        .filter(|i| i.fund.is_none())
        .map(|i| {
            let snap = snapshot.department.iter().find(|s| s.indicator.id == i.id);
            indicator_row(i, snap, [false; 5])
        })
        .collect();
    let mut progress = format!("截至{}，", words::long_date(period.end));
    match &total.spent {
        Figure::Wan(spent) => progress.push_str(&format!(
            "{}个项目预算合计{}万元，执行{spent}万元，执行率{}",
            lines.len(),
            total.budget,
            rate_words(&total.rate)
        )),
        _ => progress.push_str(&format!(
            "{}个项目预算合计{}万元，尚无账簿数据",
            lines.len(),
            total.budget
        )),
    }
    if let Figure::Wan(y) = total.year_end {
        progress.push_str(&format!("，全年预计执行{y}万元"));
    }
    progress.push('。');
    let red = funds.iter().filter(|f| f.light == Light::Red).count();
    let yellow = funds.iter().filter(|f| f.light == Light::Yellow).count();
    progress.push_str(&format!(
        "双监控：红灯{red}个，黄灯{yellow}个，绿灯{}个。",
        funds.len() - red - yellow
    ));
    progress.push_str(&count_words("部门分项绩效指标", &rows));
    SummarySheet {
        sheet_name,
        lines,
        total,
        lights,
        progress,
        rows,
    }
}

/// The money line of a fund.
fn money_line(f: &FundSnapshot<'_>) -> MoneyLine {
    let no_data = || Figure::Text(words::NO_DATA.to_owned());
    let (spent, rate) = if f.has_data() {
        (
            Figure::Wan(Wan::of(f.report.spent)),
            Figure::Rate(f.report.execution_rate),
        )
    } else {
        (no_data(), no_data())
    };
    MoneyLine {
        name: clean(&f.fund.name),
        budget: Wan::of(f.fund.budget),
        spent,
        rate,
        year_end: year_end(&f.forecast),
    }
}

/// 全年预计执行数: the forecast's central value at 12-31, the actual end of a closed year, or
/// 数据不足.
fn year_end(forecast: &Forecast) -> Figure {
    match &forecast.outlook {
        Outlook::Projected(p) => Figure::Wan(Wan::of(p.year_end.spend.central)),
        Outlook::Closed(y) => Figure::Wan(Wan::of(y.spent)),
        Outlook::Insufficient(_) => Figure::Text(INSUFFICIENT.to_owned()),
    }
}

/// 数据不足: too little history for a forecast.
const INSUFFICIENT: &str = "数据不足";

/// 合计: the sums of the lines as shown; the rate from the exact amounts of the funds with
/// data; the year end only when every fund has one.
fn total_line(funds: &[&FundSnapshot<'_>], lines: &[MoneyLine]) -> MoneyLine {
    let budget = lines.iter().fold(Wan::default(), |a, l| a.plus(l.budget));
    let with_data: Vec<&&FundSnapshot<'_>> = funds.iter().filter(|f| f.has_data()).collect();
    let (spent, rate) = if with_data.is_empty() {
        let no_data = Figure::Text(words::NO_DATA.to_owned());
        (no_data.clone(), no_data)
    } else {
        let spent = lines.iter().fold(Wan::default(), |a, l| match l.spent {
            Figure::Wan(w) => a.plus(w),
            _ => a,
        });
        let fen: i64 = with_data.iter().map(|f| f.report.spent.fen()).sum();
        let budget_fen: i64 = funds.iter().map(|f| f.fund.budget.fen()).sum();
        let rate = if budget_fen > 0 {
            fen as f64 / budget_fen as f64
        } else {
            0.0
        };
        (Figure::Wan(spent), Figure::Rate(rate))
    };
    let mut year_end = Some(Wan::default());
    for l in lines {
        year_end = match (&l.year_end, year_end) {
            (Figure::Wan(w), Some(sum)) => Some(sum.plus(*w)),
            _ => None,
        };
    }
    MoneyLine {
        name: "合计".to_owned(),
        budget,
        spent,
        rate,
        year_end: year_end.map_or(Figure::Text(INSUFFICIENT.to_owned()), Figure::Wan),
    }
}

/// Whether `e` was in force on at least one day from `from` to `to` (both included).
fn in_force_within(e: &Explanation, from: NaiveDate, to: NaiveDate) -> bool {
    if !e.was_in_force() || e.day > to {
        return false;
    }
    // In force from its day to the day before its end: the ranges overlap unless it ended
    // on or before `from`.
    e.end_day().is_none_or(|end| end > from)
}

/// The 偏差原因分析 columns the explanations tick.
fn ticks(explanations: &[&Explanation]) -> [bool; 5] {
    let mut out = [false; 5];
    for (slot, (_, reason)) in out.iter_mut().zip(CAUSES) {
        *slot = explanations.iter().any(|e| e.reason == reason);
    }
    out
}

/// One indicator row: the config's columns, the judgement's where there is one.
fn indicator_row(
    i: &Indicator,
    snap: Option<&IndicatorSnapshot<'_>>,
    causes: [bool; 5],
) -> IndicatorRow {
    let mut row = IndicatorRow {
        id: i.id.clone(),
        tier1: format!("{}指标", i.tier1.as_str()),
        tier2: format!("{}指标", i.tier2.as_str()),
        name: clean(&i.name),
        target: clean(&goals::target(i)),
        actual: Figure::Empty,
        outlook: Figure::Empty,
        causes: [false; 5],
        likelihood: None,
        state: None,
        remark: String::new(),
    };
    let Some(snap) = snap else {
        row.remark = goals::state(i, IndicatorState::NoData).to_owned();
        return row;
    };
    let r = &snap.report;
    row.state = Some(r.state);
    if r.actual.is_none() {
        // Nothing reported yet: no projection, no staleness to speak of, only the state.
        row.remark = goals::state(i, r.state).to_owned();
        return row;
    }
    let places = goals::decimals(i, r);
    let measure = |value: f64| Figure::Measure {
        value: round_to(value, places),
        decimals: places,
        unit: i.unit.clone(),
    };
    let actual_figure = |a: &Actual| match a {
        Actual::Number(n) => Figure::Measure {
            value: decimal_value(*n),
            decimals: places,
            unit: i.unit.clone(),
        },
        Actual::Judgement(j) => Figure::Text(j.as_str().to_owned()),
    };
    row.actual = r.actual.as_ref().map_or(Figure::Empty, actual_figure);
    let mut remark: Vec<String> = vec![goals::state(i, r.state).to_owned()];
    if r.state.is_off_track() {
        row.causes = causes;
        let gap = goals::gap(i, r);
        match r.expected.map(|e| e.basis) {
            Some(ExpectedBasis::Share { .. }) if gap != goals::NONE => {
                remark.push(format!("序时应达{}，{gap}", goals::expected(i, r)));
            }
            Some(ExpectedBasis::Target) if gap != goals::NONE => {
                remark.push(format!("指标值{}，{gap}", goals::target(i)));
            }
            _ => {}
        }
    }
    row.outlook = match &r.outlook {
        IndicatorOutlook::Projected(band) => {
            let (low, high) = (round_to(band.low, places), round_to(band.high, places));
            if low != high {
                remark.push(format!(
                    "预计区间{}～{}",
                    goals::approx(low, places, ""),
                    goals::approx(high, places, &i.unit)
                ));
            }
            measure(band.central)
        }
        IndicatorOutlook::Final(a) => actual_figure(a),
        IndicatorOutlook::Insufficient(why) => {
            remark.push(format!("全年预计{INSUFFICIENT}（{why}）"));
            Figure::Text(INSUFFICIENT.to_owned())
        }
        IndicatorOutlook::Judged => Figure::Empty,
    };
    if r.actual.is_some() {
        row.likelihood = Some(r.likelihood);
    }
    if !r.months_without_update.is_empty() {
        let months: Vec<String> = r
            .months_without_update
            .iter()
            .map(|m| format!("{m}月"))
            .collect();
        remark.push(format!("{}无更新", months.join("、")));
    }
    if let Some(days) = r.stale_days {
        remark.push(format!("数据已{days}天未更新"));
    }
    if i.progress == Progress::Ledger {
        remark.push("取自账簿支出".to_owned());
    }
    if let Some(note) = snap.readings.last().and_then(|x| x.note.as_deref()) {
        let note = clean(note);
        if !note.is_empty() {
            remark.push(format!("说明：{}", cut(&note, MAX_NOTE_CHARS)));
        }
    }
    row.remark = remark.join("；");
    row
}

/// 全年总体目标完成情况 of a fund: its spending, forecast, indicators and light in a few
/// sentences, and the 情况说明 that explain its deviations.
fn fund_progress(
    f: &FundSnapshot<'_>,
    money: &MoneyLine,
    rows: &[IndicatorRow],
    explanations: &[&Explanation],
    period: Period,
) -> String {
    let mut s = format!("截至{}，", words::long_date(period.end));
    match &money.spent {
        Figure::Wan(spent) => s.push_str(&format!(
            "项目资金执行{spent}万元，执行率{}（序时进度{}）",
            rate_words(&money.rate),
            words::percent(f.report.time_rate)
        )),
        _ => s.push_str("项目资金尚无账簿数据"),
    }
    match (&money.year_end, &f.forecast.outlook) {
        (Figure::Wan(y), Outlook::Projected(p)) => {
            let (low, high) = (
                Wan::of(p.year_end.spend.low),
                Wan::of(p.year_end.spend.high),
            );
            s.push_str(&format!("，全年预计执行{y}万元（{low}～{high}万元）"));
        }
        (Figure::Wan(y), _) => s.push_str(&format!("，全年执行{y}万元")),
        _ => s.push_str("，全年预计执行数据不足"),
    }
    s.push('。');
    s.push_str(&count_words("绩效指标", rows));
    let off_track = rows
        .iter()
        .filter(|r| r.state.is_some_and(IndicatorState::is_off_track))
        .count();
    let no_data = rows
        .iter()
        .filter(|r| r.state.is_none_or(|s| s == IndicatorState::NoData))
        .count();
    s.push_str(&format!(
        "双监控{}。",
        goals::light_reason(f.light, off_track, no_data)
    ));
    if !explanations.is_empty() {
        let said: Vec<String> = explanations
            .iter()
            .map(|e| format!("{}：{}", reason_word(e.reason), clean(&e.text)))
            .collect();
        s.push_str(&format!("偏差原因（情况说明）：{}。", said.join("；")));
    }
    s
}

/// The form's word for a reason (硬件条件保障 for 硬件保障).
fn reason_word(reason: ExplanationReason) -> &'static str {
    CAUSES
        .iter()
        .find(|(_, r)| *r == reason)
        .map_or(reason.as_str(), |(w, _)| w)
}

/// `绩效指标8项：正常5项，滞后1项，无完成值2项。` (only the states that occur).
fn count_words(what: &str, rows: &[IndicatorRow]) -> String {
    if rows.is_empty() {
        return format!("未配置{what}。");
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for row in rows {
        let word = row.remark.split('；').next().unwrap_or_default().to_owned();
        match counts.iter_mut().find(|(w, _)| *w == word) {
            Some((_, n)) => *n += 1,
            None => counts.push((word, 1)),
        }
    }
    let parts: Vec<String> = counts.iter().map(|(w, n)| format!("{w}{n}项")).collect();
    format!("{what}{}项：{}。", rows.len(), parts.join("，"))
}

fn rate_words(rate: &Figure) -> String {
    match rate {
        Figure::Rate(r) => words::percent(*r),
        _ => words::NO_DATA.to_owned(),
    }
}

/// A [`crate::core::Decimal`] as a number (exact for the places a cell shows).
fn decimal_value(d: crate::core::Decimal) -> f64 {
    d.units() as f64 / 10_f64.powi(i32::try_from(d.scale()).unwrap_or(0))
}

/// `value` rounded half away from zero to `places` decimals (a projection, not money).
fn round_to(value: f64, places: u32) -> f64 {
    let factor = 10_f64.powi(i32::try_from(places).unwrap_or(4));
    let rounded = (value * factor).round() / factor;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// A text read from a file, for a cell: control characters (line breaks aside) become spaces.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `text` cut after `max` characters, with `…`.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// The longest sheet name Excel takes, in UTF-16 units.
pub const MAX_SHEET_NAME: usize = 31;

/// Sheet names for `names`, in order: the characters a sheet name cannot hold (`[]:*?/\`)
/// become `_`, leading and trailing apostrophes go, at most [`MAX_SHEET_NAME`] UTF-16 units,
/// never blank (`项目`), and unique without regard to case (a later one gets `(2)`, `(3)` …
/// within the limit).
#[must_use]
pub fn sheet_names(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let safe: String = name
            .chars()
            .map(|c| {
                if "[]:*?/\\".contains(c) || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let safe = safe.trim().trim_matches('\'').trim().to_owned();
        let safe = if safe.is_empty() {
            "项目".to_owned()
        } else {
            safe
        };
        let taken = |n: &str| out.iter().any(|o| o.to_lowercase() == n.to_lowercase());
        let mut candidate = fit(&safe, "");
        let mut k = 2;
        while taken(&candidate) || candidate.eq_ignore_ascii_case("history") {
            candidate = fit(&safe, &format!("({k})"));
            k += 1;
        }
        out.push(candidate);
    }
    out
}

/// `base` cut so that `base + suffix` fits [`MAX_SHEET_NAME`] UTF-16 units.
fn fit(base: &str, suffix: &str) -> String {
    let room = MAX_SHEET_NAME - suffix.encode_utf16().count();
    let mut used = 0;
    let mut kept = String::new();
    for c in base.chars() {
        used += c.len_utf16();
        if used > room {
            break;
        }
        kept.push(c);
    }
    let kept = kept.trim_end_matches('\'').to_owned();
    format!("{kept}{suffix}")
}

/// Whether an indicator's values are in percent (shown with a `%` number format).
#[must_use]
pub fn is_percent(unit: &str) -> bool {
    unit == "%"
}
