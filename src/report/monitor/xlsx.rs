//! The 监控表 laid out as an XLSX workbook, in memory: the summary sheet, then one sheet per
//! fund, each printable on A4 landscape, one page wide, with the indicator table's header
//! repeated on every page and `第 N 页 共 M 页` in the footer.
//!
//! Figures are numeric cells with a number format (万元 `0.00`, rates `0.00%`, indicator
//! values with their unit, a `%` indicator as a percentage), so sums and checks work in the
//! spreadsheet. Every text is a text cell marked as text (quote prefix): a name or a note that
//! begins with `=`, `+`, `-` or `@` stays text, even when the cell is edited.

use rust_xlsxwriter::{
    ColNum, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use super::{CAUSES, Figure, FundSheet, IndicatorRow, MoneyLine, MonitorForm, is_percent};

/// The columns of every sheet (A–M), their widths in characters of the default font: the
/// indicator table's, which the blocks above share.
const WIDTHS: [f64; 13] = [
    7.0,  // A 一级指标
    9.0,  // B 二级指标
    22.0, // C 三级指标
    11.0, // D 年度指标值
    11.0, // E 1-N月执行情况
    11.0, // F 全年预计完成情况
    5.0,  // G 经费保障
    5.0,  // H 制度保障
    5.0,  // I 人员保障
    5.0,  // J 硬件条件保障
    5.0,  // K 其他
    8.0,  // L 完成目标可能性
    26.0, // M 备注
];

/// The last column (M).
const LAST: ColNum = 12;

/// The font of the form, as official forms use it; spreadsheet programs without it take
/// their CJK fallback.
const FONT: &str = "宋体";
/// The title's font.
const TITLE_FONT: &str = "黑体";
/// Body text size, in points.
const SIZE: f64 = 10.0;
/// The height of one line of body text, in points (CJK fonts need more than Latin ones).
const LINE: f64 = 16.0;

/// The workbook of `form`, as the bytes of an XLSX file.
///
/// # Errors
///
/// An [`XlsxError`] when the workbook cannot be built (a text beyond Excel's 32,767
/// characters per cell; the model's texts are far shorter).
pub fn write(form: &MonitorForm) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let f = Formats::new();
    {
        let ws = workbook.add_worksheet();
        summary(ws, form, &f)?;
    }
    for sheet in &form.funds {
        let ws = workbook.add_worksheet();
        fund(ws, form, sheet, &f)?;
    }
    workbook.save_to_buffer()
}

/// The formats of the form.
struct Formats {
    title: Format,
    plain_left: Format,
    plain_right: Format,
    label: Format,
    heading: Format,
    text: Format,
    text_center: Format,
    wan: Format,
    rate: Format,
    tick: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new()
            .set_font_name(FONT)
            .set_font_size(SIZE)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap();
        let cell = base.clone().set_border(FormatBorder::Thin);
        Formats {
            title: Format::new()
                .set_font_name(TITLE_FONT)
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            plain_left: base.clone().set_quote_prefix(),
            plain_right: base
                .clone()
                .set_align(FormatAlign::Right)
                .set_quote_prefix(),
            label: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_quote_prefix(),
            heading: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_quote_prefix(),
            text: cell.clone().set_align(FormatAlign::Left).set_quote_prefix(),
            text_center: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_quote_prefix(),
            wan: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format("0.00"),
            rate: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format("0.00%"),
            tick: cell.set_align(FormatAlign::Center).set_quote_prefix(),
        }
    }

    /// The format of a value in an indicator's unit: `0"条"`, `0.0"小时"`; a `%` value is
    /// written as a fraction with a percentage format.
    fn measure(&self, decimals: u32, unit: &str) -> Format {
        let digits = if decimals == 0 {
            "0".to_owned()
        } else {
            format!("0.{}", "0".repeat(decimals as usize))
        };
        let number = if is_percent(unit) {
            format!("{digits}%")
        } else {
            // A quote or backslash would end the literal: units are words like 条 and 人次.
            let unit: String = unit.chars().filter(|c| !matches!(c, '"' | '\\')).collect();
            if unit.is_empty() {
                digits
            } else {
                format!("{digits}\"{unit}\"")
            }
        };
        self.text_center.clone().set_num_format(number)
    }
}

/// Page setup shared by every sheet: A4 landscape, narrow margins, one page wide, centred,
/// page numbers in the footer, the table's header rows repeated.
fn page(ws: &mut Worksheet, repeat: (RowNum, RowNum)) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_margins(0.4, 0.4, 0.5, 0.6, 0.3, 0.3);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_footer("&C第 &P 页 共 &N 页");
    ws.set_repeat_rows(repeat.0, repeat.1)?;
    for (col, width) in (0..).zip(WIDTHS) {
        ws.set_column_width(col, width)?;
    }
    Ok(())
}

/// Writes `text` into the cells `first..=last` of `row`, merged when more than one.
fn put(
    ws: &mut Worksheet,
    row: RowNum,
    (first, last): (ColNum, ColNum),
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if first == last {
        ws.write_string_with_format(row, first, text, format)?;
    } else {
        ws.merge_range(row, first, row, last, text, format)?;
    }
    Ok(())
}

/// Writes `figure` into the cells `first..=last` of `row`, merged when more than one.
fn figure(
    ws: &mut Worksheet,
    row: RowNum,
    (first, last): (ColNum, ColNum),
    value: &Figure,
    f: &Formats,
) -> Result<(), XlsxError> {
    let (number, format) = match value {
        Figure::Wan(w) => (Some(w.value()), f.wan.clone()),
        Figure::Rate(r) => (Some(*r), f.rate.clone()),
        Figure::Measure {
            value,
            decimals,
            unit,
        } => {
            let shown = if is_percent(unit) {
                value / 100.0
            } else {
                *value
            };
            (Some(shown), f.measure(*decimals, unit))
        }
        Figure::Text(t) => return put(ws, row, (first, last), t, &f.text_center),
        Figure::Empty => return put(ws, row, (first, last), "", &f.text_center),
    };
    if first != last {
        ws.merge_range(row, first, row, last, "", &format)?;
    }
    if let Some(n) = number {
        ws.write_number_with_format(row, first, n, &format)?;
    }
    Ok(())
}

/// The width of the columns `first..=last`, in characters.
fn span_width((first, last): (ColNum, ColNum)) -> f64 {
    WIDTHS[usize::from(first)..=usize::from(last)].iter().sum()
}

/// The lines `text` takes in a cell `width` characters wide (a CJK character is two), with a
/// tenth to spare: a line breaks early where punctuation may not start one.
fn lines(text: &str, width: f64) -> f64 {
    let usable = (width * 0.9 - 1.0).max(1.0);
    text.split('\n')
        .map(|line| {
            (UnicodeWidthStr::width(line) as f64 / usable)
                .ceil()
                .max(1.0)
        })
        .sum()
}

/// Sets the height of `row` to fit the tallest of `cells` (text, its span).
fn fit_row(
    ws: &mut Worksheet,
    row: RowNum,
    cells: &[(&str, (ColNum, ColNum))],
) -> Result<(), XlsxError> {
    let most = cells
        .iter()
        .map(|(text, span)| lines(text, span_width(*span)))
        .fold(1.0, f64::max);
    ws.set_row_height(row, most * LINE + 4.0)?;
    Ok(())
}

/// The title and the units row (rows 0 and 1).
fn heading(ws: &mut Worksheet, form: &MonitorForm, f: &Formats) -> Result<(), XlsxError> {
    ws.merge_range(0, 0, 0, LAST, &form.title, &f.title)?;
    ws.set_row_height(0, 30)?;
    put(
        ws,
        1,
        (0, 8),
        &format!("填报单位：{}", form.reporter),
        &f.plain_left,
    )?;
    put(ws, 1, (9, LAST), "单位：万元", &f.plain_right)?;
    ws.set_row_height(1, 20)?;
    Ok(())
}

/// The indicator table's two header rows at `row`; returns the row after them.
fn table_header(
    ws: &mut Worksheet,
    row: RowNum,
    months: &str,
    f: &Formats,
) -> Result<RowNum, XlsxError> {
    let done = format!("{months}执行情况");
    let down: [(ColNum, &str); 6] = [
        (0, "一级指标"),
        (1, "二级指标"),
        (2, "三级指标"),
        (3, "年度指标值"),
        (4, &done),
        (5, "全年预计完成情况"),
    ];
    for (col, text) in down {
        ws.merge_range(row, col, row + 1, col, text, &f.heading)?;
    }
    ws.merge_range(row, 6, row, 10, "偏差原因分析", &f.heading)?;
    for ((name, _), col) in CAUSES.iter().zip(6..) {
        ws.write_string_with_format(row + 1, col, *name, &f.heading)?;
    }
    ws.merge_range(row, 11, row + 1, 11, "完成目标可能性", &f.heading)?;
    ws.merge_range(row, LAST, row + 1, LAST, "备注", &f.heading)?;
    ws.set_row_height(row, 20)?;
    ws.set_row_height(row + 1, 2.0 * LINE + 4.0)?;
    Ok(row + 2)
}

/// The indicator rows from `row`, 一级 and 二级指标 merged down where the same; returns the
/// row after them.
fn table_rows(
    ws: &mut Worksheet,
    row: RowNum,
    rows: &[IndicatorRow],
    empty: &str,
    f: &Formats,
) -> Result<RowNum, XlsxError> {
    if rows.is_empty() {
        put(ws, row, (0, LAST), empty, &f.text_center)?;
        ws.set_row_height(row, 20)?;
        return Ok(row + 1);
    }
    let mut at = row;
    for r in rows {
        put(ws, at, (2, 2), &r.name, &f.text)?;
        put(ws, at, (3, 3), &r.target, &f.text_center)?;
        figure(ws, at, (4, 4), &r.actual, f)?;
        figure(ws, at, (5, 5), &r.outlook, f)?;
        for (ticked, col) in r.causes.iter().zip(6..) {
            put(ws, at, (col, col), if *ticked { "√" } else { "" }, &f.tick)?;
        }
        let likelihood = r.likelihood.map_or("", |l| l.as_str());
        put(ws, at, (11, 11), likelihood, &f.text_center)?;
        put(ws, at, (LAST, LAST), &r.remark, &f.text)?;
        fit_row(
            ws,
            at,
            &[
                (&r.name, (2, 2)),
                (&r.target, (3, 3)),
                (&r.remark, (LAST, LAST)),
                (&r.tier2, (1, 1)),
            ],
        )?;
        at += 1;
    }
    // 一级指标, then 二级指标 within each 一级, merged over runs of the same.
    let tier1: Vec<(String, &str)> = rows
        .iter()
        .map(|r| (r.tier1.clone(), r.tier1.as_str()))
        .collect();
    let tier2: Vec<(String, &str)> = rows
        .iter()
        .map(|r| (format!("{}/{}", r.tier1, r.tier2), r.tier2.as_str()))
        .collect();
    merge_runs(ws, row, 0, &tier1, f)?;
    merge_runs(ws, row, 1, &tier2, f)?;
    Ok(at)
}

/// Writes the texts of `cells` (key, text) down column `col` from `row`, each run of equal
/// keys in one merged cell.
fn merge_runs(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cells: &[(String, &str)],
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut start = 0;
    while start < cells.len() {
        let end = cells[start..]
            .iter()
            .position(|(k, _)| *k != cells[start].0)
            .map_or(cells.len(), |n| start + n);
        let (first, last) = (row + start as RowNum, row + end as RowNum - 1);
        let text = cells[start].1;
        if first == last {
            ws.write_string_with_format(first, col, text, &f.text_center)?;
        } else {
            ws.merge_range(first, col, last, col, text, &f.text_center)?;
        }
        start = end;
    }
    Ok(())
}

/// The summary sheet.
fn summary(ws: &mut Worksheet, form: &MonitorForm, f: &Formats) -> Result<(), XlsxError> {
    let s = &form.summary;
    ws.set_name(&s.sheet_name)?;
    heading(ws, form, f)?;
    let months = form.period.months();
    put(ws, 2, (0, 1), "主管部门", &f.label)?;
    put(ws, 2, (2, LAST), &form.reporter, &f.text)?;
    ws.set_row_height(2, 20)?;
    // The money table: one line per fund and the total.
    let cols: [(&str, (ColNum, ColNum)); 6] = [
        ("项目名称", (0, 2)),
        ("年初预算数", (3, 3)),
        ("", (4, 4)),
        ("", (5, 5)),
        ("全年预计执行数", (6, 10)),
        ("双监控", (11, LAST)),
    ];
    let spent_h = format!("{months}执行数");
    let rate_h = format!("{months}执行率");
    for (i, (name, span)) in cols.iter().enumerate() {
        let name = match i {
            2 => spent_h.as_str(),
            3 => rate_h.as_str(),
            _ => name,
        };
        put(ws, 3, *span, name, &f.heading)?;
    }
    ws.set_row_height(3, 2.0 * LINE + 4.0)?;
    let mut row: RowNum = 4;
    let lights = s.lights.iter().map(String::as_str).chain([""]);
    for (line, light) in s.lines.iter().chain([&s.total]).zip(lights) {
        money_cells(ws, row, line, light, f)?;
        fit_row(ws, row, &[(&line.name, (0, 2))])?;
        row += 1;
    }
    put(ws, row, (0, 1), "部门整体完成情况", &f.label)?;
    put(ws, row, (2, LAST), &s.progress, &f.text)?;
    fit_row(
        ws,
        row,
        &[(&s.progress, (2, LAST)), ("部门整体完成情况", (0, 1))],
    )?;
    row += 1;
    put(ws, row, (0, LAST), "部门分项绩效目标", &f.heading)?;
    ws.set_row_height(row, 20)?;
    row += 1;
    let header = row;
    let after = table_header(ws, row, &months, f)?;
    table_rows(ws, after, &s.rows, "（未配置部门分项绩效目标）", f)?;
    page(ws, (header, header + 1))
}

/// One line of the summary's money table.
fn money_cells(
    ws: &mut Worksheet,
    row: RowNum,
    line: &MoneyLine,
    light: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    put(ws, row, (0, 2), &line.name, &f.text)?;
    figure(ws, row, (3, 3), &Figure::Wan(line.budget), f)?;
    figure(ws, row, (4, 4), &line.spent, f)?;
    figure(ws, row, (5, 5), &line.rate, f)?;
    figure(ws, row, (6, 10), &line.year_end, f)?;
    put(ws, row, (11, LAST), light, &f.text_center)
}

/// A fund's sheet.
fn fund(
    ws: &mut Worksheet,
    form: &MonitorForm,
    sheet: &FundSheet,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.set_name(&sheet.sheet_name)?;
    heading(ws, form, f)?;
    let months = form.period.months();
    put(ws, 2, (0, 1), "项目名称", &f.label)?;
    put(ws, 2, (2, LAST), &sheet.project, &f.text)?;
    ws.set_row_height(2, 20)?;
    put(ws, 3, (0, 1), "主管部门", &f.label)?;
    put(ws, 3, (2, 5), &sheet.department, &f.text)?;
    put(ws, 3, (6, 10), "实施单位", &f.label)?;
    put(ws, 3, (11, LAST), &sheet.implementer, &f.text)?;
    fit_row(
        ws,
        3,
        &[
            (&sheet.department, (2, 5)),
            (&sheet.implementer, (11, LAST)),
        ],
    )?;
    // 项目资金: the label over two rows, the headings, the figures.
    ws.merge_range(4, 0, 5, 1, "项目资金（万元）", &f.label)?;
    let spans: [(ColNum, ColNum); 4] = [(2, 3), (4, 5), (6, 10), (11, LAST)];
    let headings = [
        "年初预算数".to_owned(),
        format!("{months}执行数"),
        format!("{months}执行率"),
        "全年预计执行数".to_owned(),
    ];
    for (span, text) in spans.iter().zip(&headings) {
        put(ws, 4, *span, text, &f.heading)?;
    }
    let m = &sheet.money;
    let figures = [
        Figure::Wan(m.budget),
        m.spent.clone(),
        m.rate.clone(),
        m.year_end.clone(),
    ];
    for (span, value) in spans.iter().zip(&figures) {
        figure(ws, 5, *span, value, f)?;
    }
    ws.set_row_height(4, 20)?;
    ws.set_row_height(5, 20)?;
    // 年度总体目标: the goal and how far it has come.
    ws.merge_range(6, 0, 7, 1, "年度总体目标", &f.label)?;
    put(ws, 6, (2, 6), "全年预期目标", &f.heading)?;
    put(
        ws,
        6,
        (7, LAST),
        &format!("全年总体目标完成情况（{months}）"),
        &f.heading,
    )?;
    ws.set_row_height(6, 20)?;
    put(ws, 7, (2, 6), &sheet.goal, &f.text)?;
    put(ws, 7, (7, LAST), &sheet.progress, &f.text)?;
    fit_row(
        ws,
        7,
        &[(&sheet.goal, (2, 6)), (&sheet.progress, (7, LAST))],
    )?;
    let after = table_header(ws, 8, &months, f)?;
    table_rows(ws, after, &sheet.rows, "（未配置绩效指标）", f)?;
    page(ws, (8, 9))
}
