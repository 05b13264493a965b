//! Reading one file of readings: the header row (title lines above it allowed), then one
//! reading per row — 日期, 项目, 指标, 完成值, 说明, and the template's pre-filled columns —
//! each checked against the configured indicators. Every problem is listed with its place
//! (`file:line:`, `file:sheet:row:`), its column (`H列（完成值）`), the quoted cell, the cause
//! and what to do.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::Located;
use crate::core::{
    Actual, Comparator, Decimal, DecimalError, Fund, Indicator, Judgement, Progress, Reading,
    Target,
};
use crate::ledger::{
    Cell, DateCell, Encoding, MAX_PROBLEMS, Problem, SkipReason, SkippedSheet, column_letter,
    date_of, normalize_header, quoted, visit_table,
};

/// A column of a file of readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// 日期: a date or a month (required).
    Date,
    /// 项目: the fund, or empty/部门 for the department's own indicators (optional).
    Fund,
    /// 指标: the indicator's id or its 三级指标 name (required).
    Indicator,
    /// 三级指标, pre-filled by the template (informative).
    Name,
    /// 计算符号, pre-filled by the template (informative).
    Comparator,
    /// 指标值, pre-filled by the template (informative).
    Target,
    /// 单位, pre-filled by the template: must be the indicator's unit when given.
    Unit,
    /// 完成值 (required).
    Value,
    /// 说明 (optional).
    Note,
}

impl Column {
    /// Every column, in the template's order.
    pub const ALL: [Column; 9] = [
        Column::Date,
        Column::Fund,
        Column::Indicator,
        Column::Name,
        Column::Comparator,
        Column::Target,
        Column::Unit,
        Column::Value,
        Column::Note,
    ];

    /// The header as the template writes it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Column::Date => "日期",
            Column::Fund => "项目",
            Column::Indicator => "指标",
            Column::Name => "三级指标",
            Column::Comparator => "计算符号",
            Column::Target => "指标值",
            Column::Unit => "单位",
            Column::Value => "完成值",
            Column::Note => "说明",
        }
    }

    /// The header names read as this column (spaces ignored).
    fn names(self) -> &'static [&'static str] {
        match self {
            Column::Date => &["日期", "月份", "期间", "date"],
            Column::Fund => &["项目", "项目名称", "项目编码", "fund"],
            Column::Indicator => &["指标", "指标编号", "指标id", "indicator"],
            Column::Name => &["三级指标", "指标名称"],
            Column::Comparator => &["计算符号"],
            Column::Target => &["指标值", "年度指标值"],
            Column::Unit => &["单位", "计量单位", "unit"],
            Column::Value => &["完成值", "实际完成值", "本月完成值", "value"],
            Column::Note => &["说明", "备注", "note"],
        }
    }

    fn of(header: &str) -> Option<Column> {
        let n = normalize_header(header);
        Column::ALL
            .into_iter()
            .find(|c| c.names().contains(&n.as_str()))
    }
}

/// What a header needs, for the messages that say none was found.
const HEADER_NEEDS: &str =
    "表头要有 日期、指标、完成值 三列（可另有 项目、三级指标、单位、说明 等列）";

/// What to do when no header row was found.
const HEADER_REMEDY: &str = "请用 spendwatch indicators template 生成的表格填写";

/// Rows searched for the header, as the ledger reader does (title lines may come first).
const HEADER_SEARCH_ROWS: usize = 50;

/// A file of readings read without problems.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadingsFile {
    /// Every reading, in file order.
    pub readings: Vec<Located>,
    /// Rows with an indicator and an empty 完成值 (the template's rows not filled in yet).
    pub unfilled: usize,
    /// The text encoding, for CSV/TSV.
    pub encoding: Option<Encoding>,
    /// The sheets of a workbook not read, and why.
    pub skipped_sheets: Vec<SkippedSheet>,
}

/// Reads the bytes of a file of readings (`extension` without the dot) against the
/// configured `indicators` and `funds`.
///
/// # Errors
///
/// Every problem of the file (at most [`MAX_PROBLEMS`]) and how many more there were: the file
/// is to be rejected whole.
pub fn read_readings(
    bytes: &[u8],
    extension: &str,
    indicators: &[Indicator],
    funds: &[Fund],
) -> Result<ReadingsFile, (Vec<Problem>, usize)> {
    let mut rows: Vec<(Option<String>, u32, Vec<Owned>)> = Vec::new();
    let table = visit_table(
        bytes,
        extension,
        &|cells| header_of(cells).is_some(),
        &mut |sheet, line, cells| {
            // Rows before the header are kept too: the header is found per sheet below.
            if cells.iter().any(|c| !c.is_empty()) {
                rows.push((
                    sheet.map(str::to_owned),
                    line,
                    cells.iter().map(Owned::from).collect(),
                ));
            }
        },
    )
    .map_err(|message| {
        (
            vec![Problem {
                location: None,
                message,
            }],
            0,
        )
    })?;
    let mut reader = Reader {
        indicators,
        funds,
        problems: Vec::new(),
        more: 0,
        seen: HashMap::new(),
        out: ReadingsFile {
            encoding: table.encoding,
            skipped_sheets: table.skipped,
            ..ReadingsFile::default()
        },
    };
    // The sheets in order, each with its rows (a text file is one sheet without a name).
    let mut sheets: Vec<Sheet> = Vec::new();
    for (sheet, line, cells) in rows {
        match sheets.last_mut() {
            Some((name, rows)) if *name == sheet => rows.push((line, cells)),
            _ => sheets.push((sheet, vec![(line, cells)])),
        }
    }
    let mut any_header = false;
    let mut without_header = Vec::new();
    for (sheet, rows) in &sheets {
        let found = rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|(_, cells)| header_of(&cells_of(cells)).is_some());
        let Some(at) = found else {
            without_header.push(sheet.clone());
            continue;
        };
        any_header = true;
        let header = header_of(&cells_of(&rows[at].1)).unwrap_or_default();
        if let Err(message) = header.complete() {
            reader.problem(location(sheet.as_deref(), rows[at].0), message);
            continue;
        }
        for (line, cells) in &rows[at + 1..] {
            let cells = cells_of(cells);
            if header_of(&cells).is_some() {
                // The header repeated (a sheet pasted under another): not a reading.
                continue;
            }
            reader.row(sheet.as_deref(), *line, &header, &cells);
        }
    }
    if !any_header {
        let message = match sheets.as_slice() {
            [] => format!("文件中没有任何内容；{HEADER_NEEDS}；{HEADER_REMEDY}"),
            [(None, _)] => format!("文件中没有找到表头行，{HEADER_NEEDS}；{HEADER_REMEDY}"),
            _ => format!("工作簿的各个工作表中都没有找到表头行，{HEADER_NEEDS}；{HEADER_REMEDY}"),
        };
        reader.problem(None, message);
    } else {
        // Sheets without a header (notes, a cover) are not read, and named, as the ledger
        // reader names them.
        for name in without_header.into_iter().flatten() {
            reader.out.skipped_sheets.push(SkippedSheet {
                name,
                reason: SkipReason::NoHeader,
            });
        }
    }
    if reader.problems.is_empty() {
        Ok(reader.out)
    } else {
        Err((reader.problems, reader.more))
    }
}

/// A reading with its place, for callers that build one (the store, tests).
#[must_use]
pub fn located_reading(reading: Reading, at: impl Into<String>) -> Located {
    Located {
        reading,
        at: at.into(),
    }
}

/// A sheet (`None` for a text file) and its non-empty rows with their lines.
type Sheet = (Option<String>, Vec<(u32, Vec<Owned>)>);

/// A cell kept after the row that held it is gone.
#[derive(Debug, Clone)]
enum Owned {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Error(String),
}

impl From<&Cell<'_>> for Owned {
    fn from(cell: &Cell<'_>) -> Owned {
        match cell {
            Cell::Empty => Owned::Empty,
            Cell::Text(t) => Owned::Text((*t).to_owned()),
            Cell::Number(n) => Owned::Number(*n),
            Cell::Date(d) => Owned::Date(*d),
            Cell::Error(e) => Owned::Error(e.clone()),
        }
    }
}

fn cells_of(owned: &[Owned]) -> Vec<Cell<'_>> {
    owned
        .iter()
        .map(|o| match o {
            Owned::Empty => Cell::Empty,
            Owned::Text(t) => Cell::Text(t),
            Owned::Number(n) => Cell::Number(*n),
            Owned::Date(d) => Cell::Date(*d),
            Owned::Error(e) => Cell::Error(e.clone()),
        })
        .collect()
}

/// The columns of a header row and their names as written.
#[derive(Debug, Clone, Default)]
struct Header {
    columns: Vec<(Column, usize)>,
    names: Vec<String>,
    /// Columns named twice (`完成值` and `实际完成值`): refused, not guessed between.
    twice: Vec<(Column, usize, usize)>,
}

impl Header {
    fn index(&self, column: Column) -> Option<usize> {
        self.columns
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, i)| *i)
    }

    /// `H列（完成值）`.
    fn describe(&self, index: usize) -> String {
        let name = self.names.get(index).map_or("", |n| n.trim());
        if name.is_empty() {
            format!("{}列", column_letter(index))
        } else {
            format!(
                "{}列（{}）",
                column_letter(index),
                crate::report::shown(name)
            )
        }
    }

    /// Refuses a column named twice.
    fn complete(&self) -> Result<(), String> {
        match self.twice.first() {
            None => Ok(()),
            Some((column, a, b)) => Err(format!(
                "表头中{}和{}都是{}列，无法确定用哪一列；请删除或改名其中一列",
                self.describe(*a),
                self.describe(*b),
                column.label()
            )),
        }
    }
}

/// The header of a file of readings: a row naming at least 日期, 指标 (or 三级指标) and 完成值.
fn header_of(cells: &[Cell<'_>]) -> Option<Header> {
    let mut header = Header {
        names: cells.iter().map(|c| c.as_text().into_owned()).collect(),
        ..Header::default()
    };
    for (i, cell) in cells.iter().enumerate() {
        let Cell::Text(text) = cell else { continue };
        let Some(column) = Column::of(text) else {
            continue;
        };
        match header.index(column) {
            Some(first) => header.twice.push((column, first, i)),
            None => header.columns.push((column, i)),
        }
    }
    let has = |c| header.index(c).is_some();
    (has(Column::Date) && (has(Column::Indicator) || has(Column::Name)) && has(Column::Value))
        .then_some(header)
}

fn location(sheet: Option<&str>, line: u32) -> Option<String> {
    Some(match sheet {
        // A sheet's name is the workbook author's: shown with its line breaks escaped.
        Some(sheet) => format!("{}:{line}", crate::report::shown(sheet)),
        None => line.to_string(),
    })
}

/// A place in the file for a message about another line (`第5行`, `工作表"完成值"第5行`).
fn place(sheet: Option<&str>, line: u32) -> String {
    match sheet {
        Some(sheet) => format!("工作表{}第{line}行", quoted(sheet)),
        None => format!("第{line}行"),
    }
}

/// The state of one read.
struct Reader<'c> {
    indicators: &'c [Indicator],
    funds: &'c [Fund],
    problems: Vec<Problem>,
    more: usize,
    /// (indicator, year, month) → where its reading was.
    seen: HashMap<(String, i32, u32), String>,
    out: ReadingsFile,
}

impl<'c> Reader<'c> {
    fn problem(&mut self, location: Option<String>, message: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { location, message });
        } else {
            self.more += 1;
        }
    }

    fn row(&mut self, sheet: Option<&str>, line: u32, header: &Header, cells: &[Cell<'_>]) {
        let at = location(sheet, line);
        let get = |c: Column| {
            header
                .index(c)
                .map(|i| (i, cells.get(i).cloned().unwrap_or(Cell::Empty)))
        };
        let value = get(Column::Value).expect("a header has 完成值");
        if value.1.is_empty() {
            self.out.unfilled += 1;
            return;
        }
        let indicator_column = get(Column::Indicator)
            .filter(|(_, c)| !c.is_empty())
            .or_else(|| get(Column::Name))
            .expect("a header has 指标 or 三级指标");
        let fund_cell = get(Column::Fund);
        let Some(indicator) = self.indicator(&at, header, &indicator_column, fund_cell.as_ref())
        else {
            return;
        };
        let mut good = true;
        if indicator.progress == Progress::Ledger {
            self.problem(
                at.clone(),
                format!(
                    "{}{} 是按账簿支出计算的指标（{}），完成值取自账簿，不用填报；请删除这一行",
                    header.describe(indicator_column.0),
                    indicator_column.1.shown(),
                    indicator.name
                ),
            );
            return;
        }
        if let Some((i, unit)) = get(Column::Unit).filter(|(_, c)| !c.is_empty()) {
            let written = unit.as_text();
            if normalize_header(&written) != normalize_header(&indicator.unit) {
                good = false;
                self.problem(
                    at.clone(),
                    format!(
                        "{}{} 与指标“{}”的单位{}不符；请按指标的单位填写完成值，并把单位改回{}",
                        header.describe(i),
                        unit.shown(),
                        indicator.name,
                        quoted(&indicator.unit),
                        quoted(&indicator.unit)
                    ),
                );
            }
        }
        let day = match get(Column::Date) {
            Some((i, cell)) => match self.day(indicator, &cell) {
                Ok(day) => Some(day),
                Err(cause) => {
                    self.problem(at.clone(), format!("{}{cause}", header.describe(i)));
                    None
                }
            },
            None => None,
        };
        let actual = match actual_of(indicator, &value.1) {
            Ok(actual) => Some(actual),
            Err(cause) => {
                self.problem(at.clone(), format!("{}{cause}", header.describe(value.0)));
                None
            }
        };
        let (Some(day), Some(actual), true) = (day, actual, good) else {
            return;
        };
        let key = (indicator.id.clone(), day.year(), day.month());
        let here = place(sheet, line);
        if let Some(first) = self.seen.get(&key) {
            let message = format!(
                "{}{} 的{}年{}月完成值在{first}已经填过；同一指标每月只填一个完成值，请删除其中一行或改正日期",
                header.describe(indicator_column.0),
                indicator_column.1.shown(),
                day.year(),
                day.month()
            );
            self.problem(at, message);
            return;
        }
        self.seen.insert(key, here);
        let note = get(Column::Note)
            .map(|(_, c)| c.as_text().trim().to_owned())
            .filter(|t| !t.is_empty());
        self.out.readings.push(Located {
            reading: Reading {
                indicator: indicator.id.clone(),
                day,
                value: actual,
                note,
            },
            at: at.unwrap_or_default(),
        });
    }

    /// The indicator a row names, checked against its 项目; `None` with the problem added.
    fn indicator(
        &mut self,
        at: &Option<String>,
        header: &Header,
        (i, cell): &(usize, Cell<'_>),
        fund: Option<&(usize, Cell<'_>)>,
    ) -> Option<&'c Indicator> {
        let text = cell.as_text();
        let text = text.trim();
        let indicators: &'c [Indicator] = self.indicators;
        let by_id: Vec<&'c Indicator> = indicators.iter().filter(|x| x.id == text).collect();
        let mut found = if by_id.is_empty() {
            indicators
                .iter()
                .filter(|x| x.name.trim() == text)
                .collect()
        } else {
            by_id
        };
        if found.is_empty() {
            self.problem(
                at.clone(),
                format!(
                    "{}{} 不是配置中的指标；请填写指标编号或三级指标名称（spendwatch config check \
                     列出全部指标及其编号，spendwatch indicators template 生成已填好指标的表格）",
                    header.describe(*i),
                    cell.shown()
                ),
            );
            return None;
        }
        // 项目: empty or 部门 for the department's own; else a fund by id, code, name or alias.
        let named: Option<Option<Vec<&str>>> = match fund {
            Some((_, c)) if !c.is_empty() => {
                let t = c.as_text();
                let t = t.trim();
                if matches!(t, "部门" | "本部门") {
                    Some(None)
                } else {
                    Some(Some(
                        self.funds
                            .iter()
                            .filter(|f| f.is_named_by(t))
                            .map(|f| f.id.as_str())
                            .collect(),
                    ))
                }
            }
            _ => None,
        };
        if let (Some(Some(ids)), Some((j, c))) = (&named, fund)
            && ids.is_empty()
        {
            self.problem(
                at.clone(),
                format!(
                    "{}{} 不是配置中的项目；请填写项目编号、项目编码或项目名称，部门自身的指标留空或填“部门”",
                    header.describe(*j),
                    c.shown()
                ),
            );
            return None;
        }
        let agrees = |x: &Indicator| match (&named, &x.fund) {
            (None, _) => true,
            (Some(None), own) => own.is_none(),
            (Some(Some(ids)), Some(own)) => ids.contains(&own.as_str()),
            (Some(Some(_)), None) => false,
        };
        if found.len() > 1 {
            found.retain(|x| agrees(x));
            if found.len() != 1 {
                self.problem(
                    at.clone(),
                    format!(
                        "{}{} 是多个项目的三级指标，无法确定是哪一个；请在项目列填写项目，或改填指标编号",
                        header.describe(*i),
                        cell.shown()
                    ),
                );
                return None;
            }
        }
        let indicator = found[0];
        if !agrees(indicator) {
            let (j, c) = fund.expect("a 项目 was named");
            let owner = match &indicator.fund {
                Some(id) => self
                    .funds
                    .iter()
                    .find(|f| &f.id == id)
                    .map_or(id.clone(), |f| f.name.clone()),
                None => "部门自身（不属于任何项目）".to_owned(),
            };
            self.problem(
                at.clone(),
                format!(
                    "{}{} 与指标“{}”所属的项目不符（该指标属于{owner}）；请改正项目，或确认指标填对了",
                    header.describe(*j),
                    c.shown(),
                    indicator.name
                ),
            );
            return None;
        }
        Some(indicator)
    }

    /// The day of a reading: a date, or a month (its last day), within a configured year.
    fn day(&self, indicator: &Indicator, cell: &Cell<'_>) -> Result<NaiveDate, String> {
        let day = match cell {
            Cell::Text(t) => match month_of(t) {
                Some(Ok(day)) => day,
                Some(Err(())) => {
                    return Err(format!(
                        "{} 不是有效的月份；请写成 2025-07、2025年7月 或 2025-07-31",
                        cell.shown()
                    ));
                }
                None => full_date(cell)?,
            },
            _ => full_date(cell)?,
        };
        let years: Vec<i32> = match &indicator.fund {
            Some(id) => self
                .funds
                .iter()
                .filter(|f| &f.id == id)
                .map(|f| f.year)
                .collect(),
            // The department's own are judged in the budget year alone (the latest of the
            // funds'): a reading of another year would be accepted and counted nowhere.
            None => self
                .funds
                .iter()
                .map(|f| f.year)
                .max()
                .into_iter()
                .collect(),
        };
        if years.contains(&day.year()) {
            return Ok(day);
        }
        if indicator.fund.is_none()
            && let Some(year) = years.first()
        {
            return Err(format!(
                "{} 不在{year}年内：部门整体绩效指标按配置中最新的项目年度（{year}年）评价；请改正日期",
                cell.shown()
            ));
        }
        let mut years = years;
        years.sort_unstable();
        years.dedup();
        let list: Vec<String> = years.iter().map(|y| format!("{y}年")).collect();
        Err(format!(
            "{} 不在配置的年度（{}）内；请改正日期",
            cell.shown(),
            list.join("、")
        ))
    }
}

fn full_date(cell: &Cell<'_>) -> Result<NaiveDate, String> {
    match date_of(cell) {
        Ok(DateCell::Full(d)) => Ok(d),
        Ok(DateCell::MonthDay(..)) => Err(format!(
            "{} 没有年份；请写成 2025-07-31 或 2025-07",
            cell.shown()
        )),
        Err(cause) if cause.starts_with('为') || cause.starts_with('是') => {
            Err(format!("{}{cause}", cell.shown()))
        }
        Err(cause) => Err(cause),
    }
}

/// A month without a day — `2025-07`, `2025-7`, `2025/7`, `2025.07`, `2025年7月` — as its
/// last day; `None` when the text is not of that form, `Some(Err)` for a month that does not
/// exist.
fn month_of(text: &str) -> Option<Result<NaiveDate, ()>> {
    let t = text.trim();
    let (y, m) = if let Some(rest) = t.strip_suffix('月') {
        rest.split_once('年')?
    } else {
        let sep = t.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
        let (y, m) = t.split_once(sep)?;
        if m.contains(sep) {
            return None;
        }
        (y, m)
    };
    let digits =
        |s: &str, n: usize| !s.is_empty() && s.len() <= n && s.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || !digits(y, 4) || !digits(m, 2) {
        return None;
    }
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    let first = NaiveDate::from_ymd_opt(y, m, 1);
    Some(
        first
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .and_then(|d| d.pred_opt())
            .ok_or(()),
    )
}

/// The 完成值 of `cell` for `indicator`: a judgement for 定性, else a number in its unit; the
/// cause (after the column) when it is not one.
fn actual_of(indicator: &Indicator, cell: &Cell<'_>) -> Result<Actual, String> {
    let shown = cell.shown();
    let text = cell.as_text();
    let judgement = Judgement::parse(&text);
    if indicator.comparator == Comparator::Qualitative {
        return match judgement {
            Some(j) => Ok(Actual::Judgement(j)),
            None => Err(format!(
                "{shown} 不是定性评价：指标“{}”是定性指标；请填写 达成、基本达成 或 未达成（文字说明写在说明列）",
                indicator.name
            )),
        };
    }
    if judgement.is_some() {
        return Err(format!(
            "{shown} 是定性评价，而指标“{}”是数值指标（{}{}{}）；请填写数字",
            indicator.name,
            indicator.comparator.as_str(),
            indicator.target,
            indicator.unit
        ));
    }
    let number = match cell {
        Cell::Number(n) => number_cell(*n),
        _ => number_text(&text, &indicator.unit),
    };
    // A cell formatted as a percentage shows 95% and holds 0.95: read as written it would be
    // 0.95%, a wrong number nobody notices. A percent target above 1 makes such a value
    // implausible enough to ask.
    if let (Cell::Number(n), Ok(value), Target::Number(target)) = (cell, &number, &indicator.target)
        && indicator.unit == "%"
        && *n > 0.0
        && *n <= 1.0
        && target.cmp_value(Decimal::whole(1)).is_gt()
    {
        return Err(format!(
            "{shown} 看起来是设为百分比格式的单元格（显示为 {}%，存的是 {value}）；请把单元格设为文本或常规后填写 {}（单位为%）",
            trim_float(n * 100.0),
            trim_float(n * 100.0)
        ));
    }
    match number {
        Ok(n) if n.units() < 0 => Err(format!("{shown} 是负数；完成值不能为负，请改正")),
        Ok(n) => Ok(Actual::Number(n)),
        Err(cause) => Err(format!("{shown} {cause}")),
    }
}

/// `n` with at most four decimals and no trailing zeros: `95`, `92.5`.
fn trim_float(n: f64) -> String {
    let text = format!("{n:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A spreadsheet number as an exact decimal (to six places, as configs write targets).
fn number_cell(n: f64) -> Result<Decimal, String> {
    if !n.is_finite() || n.abs() >= 1e15 {
        return Err("不是可用的数字；请填写完成值".to_owned());
    }
    Decimal::parse(&format!("{n:.6}")).map_err(|_| "不是可用的数字；请填写完成值".to_owned())
}

/// A number written as text: thousands separators allowed, the indicator's own unit allowed
/// after it (`95%`, `120条`).
fn number_text(text: &str, unit: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let t = if unit.is_empty() {
        t
    } else {
        let full_width = if unit == "%" { Some("％") } else { None };
        t.strip_suffix(unit)
            .or_else(|| full_width.and_then(|u| t.strip_suffix(u)))
            .unwrap_or(t)
            .trim_end()
    };
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, ',' | '.' | '-')))
        .map_or(t.len(), |(i, _)| i);
    let (digits, suffix) = t.split_at(end);
    let suffix = suffix.trim();
    if !suffix.is_empty() && !digits.is_empty() {
        return Err(format!(
            "的单位{}与指标的单位{}不符；请按指标的单位填写（可只填数字）",
            quoted(suffix),
            quoted(unit)
        ));
    }
    let not_a_number = || {
        format!(
            "不是数字；请填写数字{}",
            if unit.is_empty() {
                String::new()
            } else {
                format!("（单位为{}，可写在数字后）", quoted(unit))
            }
        )
    };
    if digits.is_empty() {
        return Err(not_a_number());
    }
    let plain = if digits.contains(',') {
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let whole = whole.strip_prefix('-').unwrap_or(whole);
        let groups: Vec<&str> = whole.split(',').collect();
        let grouped = (1..=3).contains(&groups[0].len())
            && groups[1..].iter().all(|g| g.len() == 3)
            && !fraction.contains(',');
        if !grouped {
            return Err("的千位分隔符位置不对；请写成 1,200 或 1200".to_owned());
        }
        digits.replace(',', "")
    } else {
        digits.to_owned()
    };
    Decimal::parse(&plain).map_err(|e| match e {
        DecimalError::NotANumber => not_a_number(),
        DecimalError::TooManyPlaces => "小数超过6位；请最多保留6位小数".to_owned(),
        DecimalError::TooLarge => "太大，不是可用的完成值；请改正".to_owned(),
    })
}
