//! The monthly digest (月度通报): the month before in the bureau's style — the period and the
//! data's freshness, a summary line, the funds ranked by their gap to 序时 (laggards first)
//! and compared with their average, each fund's 双监控 light, lagging indicators and 情况说明,
//! and the alerts of the month. Sent when everything is on track too (全部正常), so that
//! silence means trouble.
//!
//! Pure: the caller reads the snapshot as of the period's last day and the store's history and
//! hands them in ([`DigestInput`]); charts are the caller's too: [`render`] takes the
//! [`ChartRef`]s of the images it will attach, and refers to none without them.

use chrono::{Datelike, NaiveDate};

use super::document::{Align, Block, Cell, Column, Document, Image, Notice, Section, Table};
use super::email::RenderedEmail;
use super::rule_words::time_basis_word;
use super::words::{self, lead_or_lag, long_date, percent, yuan};
use super::{goals, html, outlook, text};
use crate::core::digest::{self, Overall, Period, Standing};
use crate::core::{
    AlertKind, CatchUp, Explanation, Forecast, Fund, FundReport, Indicator, IndicatorReport,
    IndicatorState, Level, Light, Money, Outlook, Reason, TimeBasis,
};
use crate::ledger::quoted;

/// The word in front of every digest's subject.
pub const SUBJECT_WORD: &str = "月度通报";

/// Everything a digest says, read as of its period's last day.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    /// The month reported.
    pub period: Period,
    /// How 序时进度 is counted (its words in the footer).
    pub time_basis: TimeBasis,
    /// Each configured fund, in the config's order.
    pub funds: Vec<DigestFund<'a>>,
    /// The department's own indicators (of no fund).
    pub department: Vec<(&'a Indicator, &'a IndicatorReport)>,
    /// Each ledger source in force and when it last changed.
    pub sources: Vec<SourceChange>,
    /// The alert changes of the checks within the period, oldest first.
    pub alerts: Vec<PeriodAlert>,
}

/// One fund at the end of the period.
#[derive(Debug, Clone)]
pub struct DigestFund<'a> {
    /// The fund, as configured.
    pub fund: &'a Fund,
    /// Its evaluation on the period's last day.
    pub report: &'a FundReport,
    /// Whether any source has an entry of it (without, its zeros say nothing: it is not
    /// ranked).
    pub has_data: bool,
    /// What it spent within the period, in 分.
    pub month_spent: Money,
    /// Its level by the rules in force (黄/橙/红); `None`: no rule holds.
    pub level: Option<Level>,
    /// Its forecast from the period's last day.
    pub forecast: &'a Forecast,
    /// Its catch-up schedule from the period's last day.
    pub catch_up: &'a CatchUp,
    /// Its 双监控 light.
    pub light: Light,
    /// Its indicators with their reports.
    pub indicators: Vec<(&'a Indicator, &'a IndicatorReport)>,
    /// Its 情况说明 in force on the period's last day.
    pub explanations: Vec<&'a Explanation>,
}

/// A ledger source and its last change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceChange {
    /// The file as shown to people.
    pub name: String,
    /// The day (in the configured zone) a new version was last seen; `None`: never.
    pub changed: Option<NaiveDate>,
}

/// One change of an alert within the period, as `spendwatch alerts` tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodAlert {
    /// The day of the check that decided it.
    pub day: NaiveDate,
    /// The fund's name (or what stands for the ledger, the department).
    pub fund: String,
    /// The milestone's day or the indicator's name; `None` for neither.
    pub about: Option<String>,
    /// What the alert watches.
    pub kind: AlertKind,
    /// What happened (`None`: a reason this build does not know, shown as stored).
    pub reason: Result<Reason, String>,
    /// The level after the change.
    pub level: Option<Level>,
}

/// A chart the caller attaches to the email as an inline part: where the HTML shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartRef {
    /// The fund it draws (by id); `None`: the overview of all funds, shown under the ranking.
    pub fund: Option<String>,
    /// The image part's Content-ID, without `cid:` or angle brackets.
    pub cid: String,
    /// What it shows, for clients that do not load images.
    pub alt: String,
    /// Its width in CSS pixels as drawn.
    pub width: u32,
    /// Its height in CSS pixels at that width.
    pub height: u32,
}

impl ChartRef {
    /// The chart of fund `id`, referenced as `cid:fund-{id}@spendwatch`.
    pub fn fund(id: &str, name: &str, width: u32, height: u32) -> ChartRef {
        ChartRef {
            fund: Some(id.to_owned()),
            cid: chart_cid(Some(id)),
            alt: format!("{name}：累计支出、计划与序时进度"),
            width,
            height,
        }
    }

    /// The overview of all funds, referenced as `cid:overview@spendwatch`.
    pub fn overview(width: u32, height: u32) -> ChartRef {
        ChartRef {
            fund: None,
            cid: chart_cid(None),
            alt: "各项目执行率与序时进度".to_owned(),
            width,
            height,
        }
    }

    /// The image with its legend under it: the images carry digits and dates only.
    fn image(&self) -> Block {
        Block::Image(Image {
            cid: self.cid.clone(),
            alt: self.alt.clone(),
            width: self.width,
            height: self.height,
            caption: Some(
                if self.fund.is_some() {
                    BURN_UP_LEGEND
                } else {
                    OVERVIEW_LEGEND
                }
                .to_owned(),
            ),
        })
    }
}

/// The most funds the ranking lists (and gives a section): the furthest behind first; the
/// rest are counted in a sentence.
pub const MAX_LISTED: usize = 30;

/// The legend of the funds' burn-up charts, in words (the images hold digits and dates only).
pub const BURN_UP_LEGEND: &str = "图例：蓝线为累计支出，灰线为支出计划，橙色虚线为序时进度，浅蓝区域为年末预计区间，\
     圆点为支出节点（绿色已达标，红色未达标），横轴为月份，纵轴单位为万元。";

/// The legend of the overview chart, in words.
pub const OVERVIEW_LEGEND: &str = "图例：各项目（按项目编号）执行率的横条与序时进度的标记，\
     落后于序时最多的在上，最后一行为平均（按预算加权）。";

/// The Content-ID of a fund's chart (`fund-{id}@spendwatch`), or of the overview
/// (`overview@spendwatch`): in the msg-id form RFC 2392 asks for, and apart from each other
/// whatever a fund's id is.
pub fn chart_cid(fund: Option<&str>) -> String {
    match fund {
        Some(id) => format!("fund-{id}@spendwatch"),
        None => "overview@spendwatch".to_owned(),
    }
}

/// `2025年7月`.
pub fn month_name(period: Period) -> String {
    format!("{}年{}月", period.year(), period.month_number())
}

/// The funds with data, ranked: (index into `input.funds`, its standing), laggards first.
pub fn ranked(input: &DigestInput<'_>) -> Vec<(usize, Standing)> {
    let with_data: Vec<(usize, Standing)> = input
        .funds
        .iter()
        .enumerate()
        .filter(|(_, f)| f.has_data)
        .map(|(i, f)| (i, standing(f)))
        .collect();
    let standings: Vec<Standing> = with_data.iter().map(|(_, s)| *s).collect();
    digest::rank(&standings)
        .into_iter()
        .map(|k| with_data[k])
        .collect()
}

fn standing(f: &DigestFund<'_>) -> Standing {
    Standing {
        budget: f.fund.budget,
        spent: f.report.spent,
        execution_rate: f.report.execution_rate,
        time_rate: f.report.time_rate,
        time_amount: f.report.time_amount,
    }
}

/// The counts a subject and the summary line tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    funds: usize,
    behind_time: usize,
    behind_plan: usize,
    graded: usize,
    no_data: usize,
}

fn counts(input: &DigestInput<'_>) -> Counts {
    let with = || input.funds.iter().filter(|f| f.has_data);
    Counts {
        funds: input.funds.len(),
        behind_time: with()
            .filter(|f| f.report.spent < f.report.time_amount)
            .count(),
        behind_plan: with()
            .filter(|f| f.report.spent < f.report.plan_amount)
            .count(),
        graded: with()
            .filter(|f| f.level.is_some() || f.report.spent > f.fund.budget)
            .count(),
        no_data: input.funds.iter().filter(|f| !f.has_data).count(),
    }
}

/// The subject: `【月度通报】2025年7月 支出进度：2个项目，1个落后于序时`; `…，全部正常` when no
/// fund lags 序时 or the plan, none is graded or over budget, and every one has data.
pub fn subject(input: &DigestInput<'_>) -> String {
    let c = counts(input);
    let mut parts = Vec::new();
    if c.behind_time > 0 {
        parts.push(format!("{}个落后于序时", c.behind_time));
    } else if c.behind_plan > 0 {
        parts.push(format!("{}个落后于计划", c.behind_plan));
    } else if c.graded > 0 {
        parts.push(format!("{}个预警", c.graded));
    }
    if c.no_data > 0 {
        parts.push(format!("{}个无数据", c.no_data));
    }
    let tail = if parts.is_empty() {
        "全部正常".to_owned()
    } else {
        parts.join("，")
    };
    format!(
        "【{SUBJECT_WORD}】{} 支出进度：{}个项目，{tail}",
        month_name(input.period),
        c.funds
    )
}

/// The digest as an email: subject, plain text and HTML. The HTML shows each chart of `charts`
/// where it belongs (the overview under the ranking, a fund's in its section); without charts
/// nothing refers to an image.
pub fn render(input: &DigestInput<'_>, charts: &[ChartRef]) -> RenderedEmail {
    let doc = document(input, charts);
    RenderedEmail {
        subject: subject(input),
        text: text::render(&doc),
        html: html::render(&doc),
    }
}

/// The digest as a document.
pub fn document(input: &DigestInput<'_>, charts: &[ChartRef]) -> Document {
    let period = input.period;
    let ranked = ranked(input);
    let standings: Vec<Standing> = ranked.iter().map(|(_, s)| *s).collect();
    let all = digest::overall(&standings);
    let mut blocks = vec![
        Block::Heading(format!(
            "{SUBJECT_WORD}　{}支出进度（{}—{}月{}日）",
            month_name(period),
            long_date(period.first),
            period.last.month(),
            period.last.day()
        )),
        Block::Paragraph("各位同事：".to_owned()),
        Block::Paragraph(summary(input, &all)),
    ];
    if !input.sources.is_empty() {
        blocks.push(Block::Paragraph(freshness(&input.sources)));
    }
    for f in input.funds.iter().filter(|f| !f.has_data) {
        blocks.push(Block::Notice(Notice {
            grade: super::document::Grade::Caution,
            subject: Some(f.fund.name.clone()),
            title: "尚无账务数据，未参加排名".to_owned(),
            lines: vec![
                "没有任何账务来源含有该项目的分录：请核对账务导出或配置中的项目名称、编号。"
                    .to_owned(),
            ],
            multiline: false,
        }));
    }
    // The summary and the average count every fund; the table and the sections show the
    // furthest behind (an email of a thousand funds' tables is megabytes nobody reads).
    let shown = &ranked[..ranked.len().min(MAX_LISTED)];
    if !shown.is_empty() {
        blocks.push(Block::Table(ranking_table(input, shown, &all)));
    }
    if ranked.len() > shown.len() {
        let behind = ranked[shown.len()..]
            .iter()
            .filter(|(_, s)| s.gap_points() < 0.0)
            .count();
        blocks.push(Block::Paragraph(format!(
            "以上为排名前{}的项目；其余{}个项目（其中{behind}个落后于序时进度）未列出，\
             完整排名见 spendwatch status。",
            shown.len(),
            ranked.len() - shown.len()
        )));
    }
    if let Some(chart) = charts.iter().find(|c| c.fund.is_none()) {
        blocks.push(chart.image());
    }
    for (i, _) in shown {
        let f = &input.funds[*i];
        let inner = fund_blocks(f, charts);
        if !inner.is_empty() {
            blocks.push(Block::Section(Section {
                heading: f.fund.name.clone(),
                blocks: inner,
            }));
        }
    }
    let department = off_track_lines(&input.department);
    if !department.is_empty() {
        blocks.push(Block::Section(Section {
            heading: goals::DEPARTMENT.to_owned(),
            blocks: department.into_iter().map(Block::Paragraph).collect(),
        }));
    }
    blocks.push(alerts_block(input));
    blocks.push(Block::Footer(footer(input.time_basis, ranked.len() > 1)));
    Document { blocks }
}

/// The summary line: how many funds, how many behind 序时 and the plan, the totals and the
/// department's 执行率 against its 序时, the month's spend.
fn summary(input: &DigestInput<'_>, all: &Overall) -> String {
    let c = counts(input);
    let with_data = c.funds - c.no_data;
    let mut text = format!(
        "截至{}，共监控{}个项目",
        long_date(input.period.last),
        c.funds
    );
    if c.behind_time == 0 && c.behind_plan == 0 && with_data > 0 {
        text.push_str("，均未落后于序时进度和计划进度");
    } else {
        text.push_str(&format!(
            "，其中{}个落后于序时进度，{}个落后于计划进度",
            c.behind_time, c.behind_plan
        ));
    }
    if c.graded > 0 {
        text.push_str(&format!("，{}个处于预警", c.graded));
    }
    text.push('。');
    if with_data == 0 {
        text.push_str("尚无任何项目的账务数据。");
        return text;
    }
    let month: Money = input
        .funds
        .iter()
        .filter(|f| f.has_data)
        .fold(Money::ZERO, |s, f| s.saturating_add(f.month_spent));
    let gap = all.spent.saturating_sub(Money::from_fen(
        (all.budget.fen() as f64 * all.time_rate).round() as i64,
    ));
    text.push_str(&format!(
        "预算合计 {}，累计支出 {}，总体执行率 {}，序时进度 {}，{}；{}支出 {}。",
        yuan(all.budget),
        yuan(all.spent),
        percent(all.execution_rate),
        percent(all.time_rate),
        lead_or_lag(all.execution_rate - all.time_rate, gap),
        month_name(input.period),
        yuan(month)
    ));
    if c.no_data > 0 {
        text.push_str(&format!(
            "另有{}个项目尚无账务数据，未计入合计。",
            c.no_data
        ));
    }
    text
}

/// `数据更新：A.csv 最近变更于2025年7月28日；B.xlsx 从未读入新版本。`
fn freshness(sources: &[SourceChange]) -> String {
    let items: Vec<String> = sources
        .iter()
        .map(|s| match s.changed {
            // A file's name is the office's, not ours: quoted (and escaped) like every text
            // read from outside.
            Some(day) => format!("{} 最近变更于{}", quoted(&s.name), long_date(day)),
            None => format!("{} 尚无变更记录", quoted(&s.name)),
        })
        .collect();
    format!("数据更新：{}。", items.join("；"))
}

/// The next month's name (`8月`), for the catch-up column.
fn next_month(period: Period) -> u32 {
    period.month_number() % 12 + 1
}

/// The ranking: one row per fund with data, laggards first.
fn ranking_table(input: &DigestInput<'_>, ranked: &[(usize, Standing)], all: &Overall) -> Table {
    let compare = ranked.len() > 1;
    let mut columns = vec![
        Column::new(words::FUND_NAME, Align::Left),
        Column::money(&format!("{}月支出", input.period.month_number())),
        Column::money(words::SPENT),
        Column::money(words::BUDGET),
        Column::new(words::EXECUTION_RATE, Align::Right),
        Column::new(words::PLAN_RATE, Align::Right),
        Column::new(words::TIME_RATE, Align::Right),
        Column::new("较序时进度", Align::Right),
    ];
    if compare {
        columns.push(Column::new("较平均执行率", Align::Right));
    }
    columns.extend([
        Column::new("预警等级", Align::Left),
        Column::new(outlook::YEAR_END_RATE, Align::Right),
        Column::money(&format!("{}月需支出", next_month(input.period))),
        Column::new("双监控", Align::Left),
    ]);
    let rows = ranked
        .iter()
        .enumerate()
        .map(|(place, (i, s))| {
            let f = &input.funds[*i];
            let mut row = vec![
                Cell::Text(format!("{}. {}", place + 1, f.fund.name)),
                Cell::Text(f.month_spent.grouped()),
                Cell::Text(f.report.spent.grouped()),
                Cell::Text(f.fund.budget.grouped()),
                Cell::Bar {
                    text: percent(s.execution_rate),
                    value: s.execution_rate,
                    mark: s.time_rate,
                },
                Cell::Text(percent(f.report.plan_rate)),
                Cell::Text(percent(s.time_rate)),
                Cell::Text(lead_or_lag(s.execution_rate - s.time_rate, s.gap_amount())),
            ];
            if compare {
                row.push(Cell::Text(against_average(all.against_average(s))));
            }
            row.extend([
                Cell::Text(f.level.map_or(goals::NONE, words::level).to_owned()),
                Cell::Text(year_end(f.forecast)),
                Cell::Text(
                    next_month_need(f.catch_up, input.period, f.fund.year)
                        .map_or_else(|| "—".to_owned(), Money::grouped),
                ),
                Cell::Text(goals::light(f.light).to_owned()),
            ]);
            row
        })
        .collect();
    Table {
        caption: Some("各项目支出进度（按执行率与序时进度之差排序，落后在前）".to_owned()),
        columns,
        rows,
        legend: Some("蓝条为执行率，红线为序时进度。".to_owned()),
    }
}

/// `高于平均 3.20 个百分点`, `低于平均 …`, `与平均持平` (within half a hundredth of a point).
fn against_average(points: Option<f64>) -> String {
    match points {
        None => goals::NONE.to_owned(),
        Some(p) if p.abs() < 0.005 => "与平均持平".to_owned(),
        Some(p) if p > 0.0 => format!("高于平均 {p:.2} 个百分点"),
        Some(p) => format!("低于平均 {:.2} 个百分点", -p),
    }
}

/// The year-end 执行率: `70.10%（62.30%–78.40%）` (central, then the range), the actual rate of
/// a closed year, or 数据不足.
fn year_end(forecast: &Forecast) -> String {
    match &forecast.outlook {
        Outlook::Projected(p) => format!(
            "{}（{}–{}）",
            percent(p.execution_rate.central),
            percent(p.execution_rate.low),
            percent(p.execution_rate.high)
        ),
        Outlook::Closed(end) => format!("{}（年度已结束）", percent(end.execution_rate)),
        Outlook::Insufficient(_) => "数据不足".to_owned(),
    }
}

/// What the catch-up schedule, made on the period's last day, asks for by the end of the next
/// month: its parts of that month, and whatever it puts on the period's last day (a milestone
/// due that day and still short is overdue from the next day on, so due at once). Zero when
/// nothing is left to catch up; `None` when the next month is past the fund's year.
pub fn next_month_need(plan: &CatchUp, period: Period, year: i32) -> Option<Money> {
    let next = period.last.succ_opt()?;
    if next.year() > year {
        return None;
    }
    let next_end = Period::reported_on(
        next.checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX),
    )
    .last;
    Some(
        plan.steps
            .iter()
            .flat_map(|s| &s.months)
            .filter(|m| m.from <= next_end)
            .fold(Money::ZERO, |sum, m| sum.saturating_add(m.amount)),
    )
}

/// A fund's section: its chart, its light and why when it has indicators, the indicators that
/// lag, its 情况说明 in force. Empty when there is nothing more to say than its row.
fn fund_blocks(f: &DigestFund<'_>, charts: &[ChartRef]) -> Vec<Block> {
    let mut blocks = Vec::new();
    if let Some(chart) = charts
        .iter()
        .find(|c| c.fund.as_deref() == Some(f.fund.id.as_str()))
    {
        blocks.push(chart.image());
    }
    if !f.indicators.is_empty() {
        let off = f
            .indicators
            .iter()
            .filter(|(_, r)| is_off_track(r.state))
            .count();
        let no_data = f
            .indicators
            .iter()
            .filter(|(_, r)| r.state == IndicatorState::NoData)
            .count();
        blocks.push(Block::Paragraph(format!(
            "双监控 {}",
            goals::light_reason(f.light, off, no_data)
        )));
        blocks.extend(
            off_track_lines(&f.indicators)
                .into_iter()
                .map(Block::Paragraph),
        );
    }
    blocks.extend(
        f.explanations
            .iter()
            .map(|e| Block::Paragraph(outlook::explanation_line(e))),
    );
    blocks
}

fn is_off_track(state: IndicatorState) -> bool {
    matches!(state, IndicatorState::Lagging | IndicatorState::Breached)
}

/// One line per indicator that lags or is breached: `指标滞后：上报涉唐舆情数量 滞后，完成值
/// 512条，序时应达 581条（按序时），差69条`.
fn off_track_lines(items: &[(&Indicator, &IndicatorReport)]) -> Vec<String> {
    items
        .iter()
        .filter(|(_, r)| is_off_track(r.state))
        .map(|(i, r)| {
            format!(
                "{}：{} {}，完成值 {}，序时应达 {}，{}",
                words::INDICATOR_WARNING,
                i.name,
                goals::state(i, r.state),
                goals::actual(i, r),
                goals::expected(i, r),
                goals::gap(i, r)
            )
        })
        .collect()
}

/// The alerts of the period as a table, in the words of `spendwatch alerts`; a sentence when
/// there were none.
fn alerts_block(input: &DigestInput<'_>) -> Block {
    if input.alerts.is_empty() {
        return Block::Paragraph(format!("{}没有预警变化。", month_name(input.period)));
    }
    let rows = input
        .alerts
        .iter()
        .map(|a| {
            let reason = match &a.reason {
                Ok(r) => words::alert_reason(*r, a.kind).to_owned(),
                Err(stored) => stored.clone(),
            };
            vec![
                Cell::Text(format!("{}月{}日 {}", a.day.month(), a.day.day(), a.fund)),
                Cell::Text(a.about.clone().unwrap_or_else(|| goals::NONE.to_owned())),
                Cell::Text(words::alert_kind(a.kind).to_owned()),
                Cell::Text(reason),
                Cell::Text(a.level.map_or(goals::NONE, words::level).to_owned()),
            ]
        })
        .collect();
    Block::Table(Table {
        caption: Some(format!(
            "{}预警记录（共{}条）",
            month_name(input.period),
            input.alerts.len()
        )),
        columns: vec![
            Column::new("日期 项目", Align::Left),
            Column::new("节点/指标", Align::Left),
            Column::new("类型", Align::Left),
            Column::new("变化", Align::Left),
            Column::new("等级", Align::Left),
        ],
        rows,
        legend: None,
    })
}

/// What the digest is, when it comes, and what its terms mean.
fn footer(basis: TimeBasis, average: bool) -> String {
    let mut text = format!(
        "本通报由 spendwatch 每月自动生成，报告上一个月的支出进度；全部正常时也照常发送——到期未收到，\
         说明系统可能没有运行，请告知管理员。执行率＝累计支出÷预算数；序时进度{}计算；较序时进度为\
         执行率与序时进度之差（百分点）及对应金额；年末预计执行率为居中值及区间；下月需支出为补齐\
         计划的首月金额（含已逾期的差额），0 表示无需补齐。",
        time_basis_word(basis)
    );
    if average {
        text.push_str("平均执行率为全部项目的总体执行率（累计支出合计÷预算合计）。");
    }
    text
}

#[cfg(test)]
mod tests;
