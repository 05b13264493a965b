//! Reading the sheets of a workbook (.xlsx, .xls) into rows for [`Table`]: which sheets are
//! read (visible worksheets with a header row; the others are skipped and named), merged cells,
//! and the guards that keep a damaged or crafted file from taking the process down.
//!
//! A merged cell's value is given to the cells below it that it covers (a date or a voucher
//! merged down over several entries); across a row, a merge covers cells that have no meaning
//! of their own, and a group label over two columns of a split header is read as such by
//! [`super::header::match_two_rows`], merged or not, as in a CSV.

mod merges;
mod size_guard;

use std::fmt;
use std::io::Cursor;

use calamine::{Data, Dimensions, Range, Reader, SheetType, SheetVisible};

use super::Problem;
use super::cell::Cell;
use super::engine::{Ctx, HEADER_NEEDS, HEADER_REMEDY, HEADER_SEARCH_ROWS, no_header_message};
use super::header::HeaderMatch;
use super::table::{Table, detect_header};
use super::xls_guard;
use merges::MergeFill;
use size_guard::{grid_check, grid_of};

/// A sheet of a workbook that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedSheet {
    /// The sheet's name as the workbook has it (text from the file: quote it when shown).
    pub name: String,
    /// Why it was not read.
    pub reason: SkipReason,
}

/// Why a sheet was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Hidden in Excel (右键 → 隐藏): often an old copy of the ledger.
    Hidden,
    /// Hidden so that Excel's menus cannot show it (only VBA can).
    VeryHidden,
    /// A chart, macro or dialog sheet: no table to read.
    NotWorksheet,
    /// No cell holds anything.
    Empty,
    /// No header row in its first rows, while another sheet has one (a cover, notes).
    NoHeader,
}

impl SkipReason {
    /// The reason in Chinese, for the import report.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::Hidden => "隐藏的工作表",
            SkipReason::VeryHidden => "深度隐藏的工作表",
            SkipReason::NotWorksheet => "图表或宏表，不是数据表",
            SkipReason::Empty => "空白工作表",
            SkipReason::NoHeader => "没有表头（不是明细表）",
        }
    }
}

/// `工作表"支出明细(备份)"（隐藏的工作表）`.
impl fmt::Display for SkippedSheet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "工作表{}（{}）",
            super::cell::quoted(&self.name),
            self.reason.label()
        )
    }
}

/// A sheet to read: its grid (or why it cannot be read) and its merged cells.
struct Sheet {
    name: String,
    range: Result<Range<Data>, String>,
    merges: Vec<Dimensions>,
}

pub(super) fn read_workbook<E>(bytes: &[u8], ctx: &mut Ctx<'_, '_, E>) {
    let Some((sheets, mut skipped)) = open_sheets(bytes, ctx) else {
        return;
    };
    let mut readable = Vec::new();
    for sheet in sheets {
        match sheet.range {
            Ok(range) => readable.push((sheet.name, range, sheet.merges)),
            Err(message) => ctx.problem(Problem::whole_file(message)),
        }
    }
    if ctx.has_problems() {
        return;
    }
    // A workbook may hold sheets that are not ledgers (a cover, notes): they are skipped, and
    // named in the report, as long as at least one sheet has a header row.
    let extra = ctx.options.extra_headers;
    let probes: Vec<Probe> = readable
        .iter()
        .map(|(_, range, merges)| probe(range, merges, extra))
        .collect();
    if !probes.contains(&Probe::Header) {
        ctx.problem(Problem::whole_file(no_header_in_workbook(
            &readable
                .iter()
                .map(|(name, ..)| name.as_str())
                .zip(probes.iter().copied())
                .collect::<Vec<_>>(),
            &skipped,
        )));
        return;
    }
    for ((name, ..), probe) in readable.iter().zip(&probes) {
        let reason = match probe {
            Probe::Header => continue,
            Probe::Empty => SkipReason::Empty,
            Probe::NoHeader => SkipReason::NoHeader,
        };
        skipped.push(SkippedSheet {
            name: name.clone(),
            reason,
        });
    }
    for sheet in &skipped {
        tracing::debug!(sheet = %sheet.name, reason = ?sheet.reason, "sheet not read");
        if let Err(e) = ctx.sink.sheet_skipped(sheet) {
            ctx.sink_error = Some(e);
            return;
        }
    }
    for ((name, range, merges), probe) in readable.iter().zip(probes) {
        if probe == Probe::Header && !read_sheet(name, range, merges, ctx) {
            return;
        }
    }
}

/// [`open_workbook`], its refusal a problem in `ctx` (`None`).
fn open_sheets<E>(
    bytes: &[u8],
    ctx: &mut Ctx<'_, '_, E>,
) -> Option<(Vec<Sheet>, Vec<SkippedSheet>)> {
    open_workbook(bytes)
        .map_err(|message| ctx.problem(Problem::whole_file(message)))
        .ok()
}

/// Opens a workbook and loads its sheets (those to read, and those skipped), refusing
/// damaged containers first; `Err` with the message when it cannot be read or holds no sheet.
fn open_workbook(bytes: &[u8]) -> Result<(Vec<Sheet>, Vec<SkippedSheet>), String> {
    if bytes.starts_with(&super::sniff::CFB_MAGIC)
        && let Some(damage) = xls_guard::damage(bytes)
    {
        return Err(damage.to_string());
    }
    // The reader asserts on some damaged files (found by fuzzing: a truncated sector table in
    // an .xls, a cell reference overflowing its counter in an .xlsx); a bad file must be a
    // message, not a crash, and not a panic report on stderr. The hook is process-wide: a
    // panic on another thread meanwhile still unwinds, unreported.
    let report_panics = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let loaded = std::panic::catch_unwind(|| load_sheets(bytes));
    std::panic::set_hook(report_panics);
    let (sheets, skipped) = match loaded {
        Ok(loaded) => loaded?,
        Err(_) => {
            return Err(
                "无法打开这个电子表格：文件结构前后矛盾，读取中止，文件可能已损坏或不完整；\
                 请从财务软件重新导出"
                    .to_owned(),
            );
        }
    };
    if sheets.is_empty() && skipped.is_empty() {
        return Err("工作簿中没有工作表；请从财务软件重新导出".to_owned());
    }
    Ok((sheets, skipped))
}

/// Every row of every visible worksheet, in order, for a reader of another kind of table (the
/// files of readings): `visit` gets the sheet's name, the row's line as the spreadsheet shows
/// it, and its cells from column A, merged cells copied down as the ledger reader has them.
/// Returns the sheets not read (hidden, very hidden, not worksheets).
///
/// # Errors
///
/// A whole-file message when the workbook cannot be opened, a sheet cannot be read, or its
/// merged cells overlap.
pub(super) fn visit_rows(
    bytes: &[u8],
    visit: &mut dyn FnMut(&str, u32, &[Cell<'_>]),
) -> Result<Vec<SkippedSheet>, String> {
    let (sheets, skipped) = open_workbook(bytes)?;
    for sheet in sheets {
        let range = sheet.range?;
        let mut fill = MergeFill::new(&sheet.merges, &range)
            .map_err(|message| format!("工作表{}{message}", super::cell::quoted(&sheet.name)))?;
        let mut cells = Vec::new();
        let mut copied = Vec::new();
        for (row, line) in rows(&range) {
            fill_row(&mut cells, &range, row, line, &mut fill, &mut copied);
            visit(&sheet.name, line, &cells);
        }
    }
    Ok(skipped)
}

/// Reads the rows of one sheet with a header into a [`Table`], merged cells copied down;
/// false when the sink failed and reading stops.
fn read_sheet<E>(
    name: &str,
    range: &Range<Data>,
    merges: &[Dimensions],
    ctx: &mut Ctx<'_, '_, E>,
) -> bool {
    let mut fill = match MergeFill::new(merges, range) {
        Ok(fill) => fill,
        Err(message) => {
            ctx.problem(Problem::whole_file(format!(
                "工作表{}{message}",
                super::cell::quoted(name)
            )));
            return true;
        }
    };
    let mut table = Table::new(Some(name));
    let mut cells = Vec::new();
    for (row, line) in rows(range) {
        fill_row(
            &mut cells,
            range,
            row,
            line,
            &mut fill,
            &mut table.copied_down,
        );
        table.row(line, &cells, ctx);
        if ctx.sink_error.is_some() {
            return false;
        }
    }
    table.finish(ctx);
    true
}

/// Each row of a sheet with its line as the spreadsheet shows it (the range starts at its
/// first used cell).
fn rows(range: &Range<Data>) -> impl Iterator<Item = (&[Data], u32)> {
    let (first_row, _) = range.start().unwrap_or((0, 0));
    range.rows().enumerate().map(move |(i, row)| {
        let line = first_row
            .saturating_add(u32::try_from(i).unwrap_or(u32::MAX))
            .saturating_add(1);
        (row, line)
    })
}

/// Puts a row's cells into `cells`, by their column from A, with the values of cells merged
/// down from above (whose columns and first lines go to `copied`).
fn fill_row<'r>(
    cells: &mut Vec<Cell<'r>>,
    range: &'r Range<Data>,
    row: &'r [Data],
    line: u32,
    fill: &mut MergeFill,
    copied: &mut Vec<(usize, u32)>,
) {
    let (_, first_col) = range.start().unwrap_or((0, 0));
    cells.clear();
    cells.extend(std::iter::repeat_n(Cell::Empty, first_col as usize));
    cells.extend(row.iter().map(cell_of));
    copied.clear();
    fill.apply(line - 1, range, cells, copied);
}

/// What the first rows of a sheet hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Header,
    Empty,
    NoHeader,
}

/// Whether a sheet has a header row where [`Table`] will look for one, found the same way.
fn probe(range: &Range<Data>, merges: &[Dimensions], extra: &super::ExtraHeaders) -> Probe {
    let Ok(mut fill) = MergeFill::new(merges, range) else {
        // Read anyway: the table reports the overlap.
        return Probe::Header;
    };
    let mut cells = Vec::new();
    let mut copied = Vec::new();
    let mut previous: Option<(u32, Vec<String>)> = None;
    let mut seen = 0;
    for (row, line) in rows(range) {
        fill_row(&mut cells, range, row, line, &mut fill, &mut copied);
        if cells.iter().all(Cell::is_empty) {
            continue;
        }
        if detect_header(previous.as_ref(), line, &cells, extra).0 != HeaderMatch::No {
            return Probe::Header;
        }
        seen += 1;
        if seen >= HEADER_SEARCH_ROWS {
            break;
        }
        previous = Some((
            line,
            cells.iter().map(|c| c.as_text().into_owned()).collect(),
        ));
    }
    if seen == 0 {
        Probe::Empty
    } else {
        Probe::NoHeader
    }
}

/// Why no sheet of a workbook was read: each sheet and what it holds.
fn no_header_in_workbook(read: &[(&str, Probe)], skipped: &[SkippedSheet]) -> String {
    if skipped.is_empty() {
        if read.iter().all(|(_, probe)| *probe == Probe::Empty) {
            return "工作簿是空的，工作表中没有任何内容；请检查导出是否完整，重新导出后再导入"
                .to_owned();
        }
        if let [(name, _)] = read {
            return no_header_message(&format!("工作表{}中", super::cell::quoted(name)));
        }
    }
    let mut sheets: Vec<String> = read
        .iter()
        .map(|(name, probe)| {
            let what = match probe {
                Probe::Empty => "空白",
                _ => "没有表头",
            };
            format!("{}：{what}", super::cell::quoted(name))
        })
        .collect();
    sheets.extend(skipped.iter().map(|s| {
        format!(
            "{}：{}，未读取",
            super::cell::quoted(&s.name),
            s.reason.label()
        )
    }));
    let hidden = skipped
        .iter()
        .any(|s| matches!(s.reason, SkipReason::Hidden | SkipReason::VeryHidden));
    format!(
        "工作簿的各个工作表中都没有找到表头行（{}），{HEADER_NEEDS}；{}{HEADER_REMEDY}",
        sheets.join("；"),
        if hidden {
            "如果明细在隐藏的工作表中，请在Excel中取消隐藏（深度隐藏的要在VBA中改为可见）后重新保存；否则"
        } else {
            ""
        }
    )
}

/// Opens a workbook and reads the sheets to read; `Err` for a file that cannot be opened, or
/// would need more memory than can be given to it.
fn load_sheets(bytes: &[u8]) -> Result<(Vec<Sheet>, Vec<SkippedSheet>), String> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        let e = match e {
            // Neither a zip (.xlsx) nor a compound file (.xls) at all.
            calamine::Error::Msg(m) if m.contains("detect") => "无法识别文件格式".to_owned(),
            other => other.to_string(),
        };
        format!(
            "无法打开这个电子表格，文件可能已损坏或不完整（读取器报告：{e}）；请从财务软件重新导出"
        )
    })?;
    let mut names = Vec::new();
    let mut skipped = Vec::new();
    for sheet in workbook.sheets_metadata() {
        let reason = match (sheet.typ, sheet.visible) {
            (SheetType::WorkSheet, SheetVisible::Visible) => {
                names.push(sheet.name.clone());
                continue;
            }
            (SheetType::WorkSheet, SheetVisible::Hidden) => SkipReason::Hidden,
            (SheetType::WorkSheet, SheetVisible::VeryHidden) => SkipReason::VeryHidden,
            _ => SkipReason::NotWorksheet,
        };
        skipped.push(SkippedSheet {
            name: sheet.name.clone(),
            reason,
        });
    }
    // .xlsx and .xlsb sheets are read when asked for: measure their grids first, with the
    // reader's own cell parser (an .xls is measured before it is opened, in `xls_guard`).
    match &mut workbook {
        calamine::Sheets::Xlsx(xlsx) => grid_check(".xlsx", &names, |name| {
            xlsx.worksheet_cells_reader(name)
                .map(|mut r| grid_of(|| r.next_cell().ok().flatten()))
                .ok()
        })?,
        calamine::Sheets::Xlsb(xlsb) => grid_check(".xlsb", &names, |name| {
            xlsb.worksheet_cells_reader(name)
                .map(|mut r| grid_of(|| r.next_cell().ok().flatten()))
                .ok()
        })?,
        calamine::Sheets::Xls(_) | calamine::Sheets::Ods(_) => {}
    }
    let cannot_read = |name: &str, e: &dyn fmt::Display| {
        format!(
            "无法读取工作表{}，文件可能已损坏（读取器报告：{e}）；请从财务软件重新导出",
            super::cell::quoted(name)
        )
    };
    let mut sheets = Vec::new();
    for name in names {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| cannot_read(&name, &e));
        let merges = match &mut workbook {
            calamine::Sheets::Xlsx(xlsx) => xlsx
                .merge_cells_by_sheet_name(&name)
                .map_err(|e| cannot_read(&name, &e)),
            calamine::Sheets::Xls(xls) => xls
                .merge_cells_by_sheet_name(&name)
                .map_err(|e| cannot_read(&name, &e)),
            calamine::Sheets::Xlsb(_) | calamine::Sheets::Ods(_) => Ok(Vec::new()),
        };
        let (range, merges) = match (range, merges) {
            (Ok(range), Ok(merges)) => (Ok(range), merges),
            (Err(e), _) | (Ok(_), Err(e)) => (Err(e), Vec::new()),
        };
        sheets.push(Sheet {
            name,
            range,
            merges,
        });
    }
    Ok((sheets, skipped))
}

fn cell_of(data: &Data) -> Cell<'_> {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::text(s),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(true) => Cell::Text("true"),
        Data::Bool(false) => Cell::Text("false"),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(dt) => Cell::Date(dt.date()),
            None => Cell::Error(format!("无法识别的日期值 {}", dt.as_f64())),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    /// An .xlsx with numbers at `cells` (row, column), on one sheet per list.
    fn xlsx(sheets: &[&[(u32, u16)]]) -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        for cells in sheets {
            let sheet = workbook.add_worksheet();
            for &(row, col) in *cells {
                sheet.write_number(row, col, 1.0).expect("in the sheet");
            }
        }
        workbook.save_to_buffer().expect("an .xlsx")
    }

    #[test]
    fn xlsx_grids_within_the_budget_are_read() {
        let (sheets, _) = load_sheets(&xlsx(&[&[(0, 0), (99, 4)], &[(5, 5)]])).expect("read");
        let cells: Vec<usize> = sheets
            .iter()
            .map(|s| s.range.as_ref().expect("a grid").cells().count())
            .collect();
        assert_eq!(cells, [500, 1]);
        // Up to the budget in all.
        let names = ["a".to_owned(), "b".to_owned()];
        let half = Some(Some(xls_guard::GRID_BUDGET / 2));
        assert_eq!(grid_check(".xlsx", &names, |_| half), Ok(()));
        let more = |name: &str| Some(Some(xls_guard::GRID_BUDGET / 2 + u64::from(name == "b")));
        assert!(grid_check(".xlsx", &names, more).is_err());
    }

    #[test]
    fn xlsx_grids_over_the_budget_are_refused() {
        // Corner to corner: 17 billion cells, which the reader would allocate (550 GB).
        let message = load_sheets(&xlsx(&[&[(0, 0), (1_048_575, 16_383)]]))
            .map(|_| ())
            .expect_err("big");
        assert_eq!(
            message,
            "这个.xlsx文件太大，无法读取：各工作表从第一个到最后一个非空单元格共 \
             17,179,869,184 个单元格，超过了一个工作簿最多读取的 4,194,304 个；\
             请删除远离数据的单元格，或把明细账导出为CSV"
        );
        let two = xlsx(&[&[(0, 0), (39_999, 255)], &[(0, 0), (39_999, 255)]]);
        assert!(
            load_sheets(&two)
                .map(|_| ())
                .expect_err("big")
                .contains("20,480,000 个单元格")
        );
    }

    #[test]
    fn hidden_sheets_are_neither_measured_nor_read() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook
            .add_worksheet()
            .write_number(0, 0, 1.0)
            .expect("cell");
        let hidden = workbook.add_worksheet().set_name("旧").expect("name");
        hidden.set_hidden(true);
        // A grid far over the budget: refused if it were measured.
        hidden.write_number(1_048_575, 16_383, 1.0).expect("cell");
        let (sheets, skipped) =
            load_sheets(&workbook.save_to_buffer().expect("xlsx")).expect("read");
        assert_eq!(sheets.len(), 1);
        assert_eq!(
            skipped,
            [SkippedSheet {
                name: "旧".into(),
                reason: SkipReason::Hidden
            }]
        );
        assert_eq!(skipped[0].to_string(), "工作表\"旧\"（隐藏的工作表）");
    }

    #[test]
    fn a_cell_past_the_last_row_or_column_is_damage() {
        let cell = |row, col| calamine::Cell::new((row, col), calamine::DataRef::Float(1.0));
        let grid = |cells: Vec<calamine::Cell<calamine::DataRef<'static>>>| {
            let mut cells = cells.into_iter();
            grid_of(|| cells.next())
        };
        assert_eq!(grid(vec![cell(0, 0), cell(9, 2)]), Some(30));
        assert_eq!(grid(vec![cell(3, 3), cell(1, 1)]), Some(9));
        assert_eq!(grid(vec![]), Some(0));
        assert_eq!(grid(vec![cell(0, 0), cell(1_048_576, 0)]), None);
        assert_eq!(grid(vec![cell(0, 16_384)]), None);
        let empty = calamine::Cell::new((4_000_000_000, 0), calamine::DataRef::Empty);
        assert_eq!(grid(vec![cell(0, 0), empty]), Some(1));
        let names = ["明细".to_owned()];
        assert_eq!(
            grid_check(".xlsx", &names, |_| Some(None)),
            Err(
                "这个.xlsx文件已损坏（工作表\"明细\"中有单元格超出了一个工作表最多的 \
                 1,048,576 行 × 16,384 列）；请从财务软件重新导出"
                    .to_owned()
            )
        );
        assert_eq!(grid_check(".xlsx", &names, |_| None), Ok(()));
    }
}
