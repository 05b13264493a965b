//! Reading the sheets of a workbook (.xlsx, .xls) into rows for [`Table`]: which sheets are
//! read (visible worksheets with a header row; the others are skipped and named), merged cells,
//! and the guards that keep a damaged or crafted file from taking the process down.
//!
//! An .xlsx is read as a stream (`stream`): memory holds one row of a sheet at a time, and no
//! workbook is too large to read. Before it, its container is checked (`container`: zip
//! bombs, a shared-string table too large to hold or lying about its size), and each sheet's
//! merged regions are read (they come after the cells in the sheet's XML). The stream's cells
//! are read by our reader of the sheet XML (`xlsx`), which holds the shared-string table in
//! one buffer; calamine opens the workbook (its checks, the sheets' names and visibility)
//! without loading that table. An .xls (and an .xlsb) is read whole by the reader, under a
//! budget of cells (`xls_guard`, `size_guard`); so is an .xlsx for the files of readings,
//! which their reader holds whole anyway ([`visit_rows`]), and for the tests that check the
//! stream against the whole grid.
//!
//! A merged cell's value is given to the cells below it that it covers (a date or a voucher
//! merged down over several entries); across a row, a merge covers cells that have no meaning
//! of their own, and a group label over two columns of a split header is read as such by
//! [`super::header::match_two_rows`], merged or not, as in a CSV.

mod container;
mod merges;
mod shared;
mod size_guard;
mod stream;
#[cfg(test)]
mod tests;
mod xlsx;

use std::fmt;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, Dimensions, Range, Reader, SheetType, SheetVisible, XlsxError};

use super::Problem;
use super::cell::Cell;
use super::engine::{Ctx, HEADER_NEEDS, HEADER_REMEDY, HEADER_SEARCH_ROWS, no_header_message};
use super::header::HeaderMatch;
use super::table::{Table, detect_header};
use super::xls_guard;
use merges::MergeFill;
use shared::Shared;
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

/// Where the rows of a sheet go: its line (as the spreadsheet shows it), its cells from
/// column A, and the columns whose value a merged cell copied down, with the line it came
/// from. `Break` stops the sheet.
pub(super) type EachRow<'f> = dyn FnMut(u32, &[Cell<'_>], &[(usize, u32)]) -> ControlFlow<()> + 'f;

/// Why the rows of a sheet stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SheetError {
    /// Its merged regions overlap ([`merges::OVERLAP`] says the rest after the sheet's name).
    Overlap,
    /// The file is damaged: the problem, in place of any problem found in it so far (which
    /// damage may have caused).
    Damage(Problem),
}

/// How an .xlsx is read: as a stream (the ledger), or whole (the files of readings, and the
/// tests' reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Way {
    Stream,
    Whole,
}

/// An opened workbook (read from `RS`) and its sheets to read, in order, each with its merged
/// regions.
enum Book<RS> {
    /// An .xlsx read as a stream.
    Stream(Box<xlsx::Xlsx<RS>>, Vec<(String, Vec<Dimensions>)>),
    /// Grids read whole.
    Whole(Vec<(String, Range<Data>, Vec<Dimensions>)>),
}

impl<RS: Read + Seek> Book<RS> {
    fn names(&self) -> Vec<&str> {
        match self {
            Book::Stream(_, sheets) => sheets.iter().map(|(n, _)| n.as_str()).collect(),
            Book::Whole(sheets) => sheets.iter().map(|(n, ..)| n.as_str()).collect(),
        }
    }

    /// Hands the rows of sheet `i` to `each`.
    fn rows(&mut self, i: usize, each: &mut EachRow<'_>) -> Result<(), SheetError> {
        match self {
            Book::Stream(xlsx, sheets) => {
                let (name, merges) = &sheets[i];
                let xlsx: &mut xlsx::Xlsx<_> = xlsx;
                let opened = catch_unwind(AssertUnwindSafe(move || {
                    // Moved in: the reader borrows the workbook past the call.
                    let xlsx = xlsx;
                    xlsx.cells(name)
                }));
                match opened {
                    Ok(Ok(mut reader)) => stream::stream_rows(&mut reader, name, merges, each),
                    // The whole grid's reader reads it as an empty grid.
                    Ok(Err(XlsxError::NotAWorksheet(_))) => Ok(()),
                    Ok(Err(e)) => Err(SheetError::Damage(Problem::whole_file(cannot_read(
                        name,
                        &calamine::Error::Xlsx(e),
                    )))),
                    Err(_) => Err(SheetError::Damage(Problem::whole_file(damaged()))),
                }
            }
            Book::Whole(sheets) => {
                let (_, range, merges) = &sheets[i];
                whole_rows(range, merges, each)
            }
        }
    }
}

/// Reads the workbook (.xlsx, .xls) that `input` holds, from its start, into `ctx`. An .xlsx
/// is read from `input` as it goes (the file need not be in memory); an .xls is read into
/// memory (its format caps a sheet at 65,536 rows).
///
/// # Errors
///
/// When `input` cannot be read before the reader opens it (the reader's own read failures
/// are problems of the file).
pub(super) fn read_workbook<RS: Read + Seek, E>(
    input: RS,
    ctx: &mut Ctx<'_, '_, E>,
) -> std::io::Result<()> {
    #[cfg(not(test))]
    let way = Way::Stream;
    #[cfg(test)]
    let way = tests::WAY.get();
    read_workbook_as(input, way, ctx)
}

/// [`read_workbook`], an .xlsx read `way`.
fn read_workbook_as<RS: Read + Seek, E>(
    input: RS,
    way: Way,
    ctx: &mut Ctx<'_, '_, E>,
) -> std::io::Result<()> {
    quietly(|| {
        let (mut book, mut skipped) = match open_workbook(input, way)? {
            Ok((book, skipped, unreadable)) if unreadable.is_empty() => (book, skipped),
            Ok((_, _, unreadable)) => {
                for problem in unreadable {
                    ctx.problem(problem);
                }
                return Ok(());
            }
            Err(message) => {
                ctx.problem(Problem::whole_file(message));
                return Ok(());
            }
        };
        // A workbook may hold sheets that are not ledgers (a cover, notes): they are skipped,
        // and named in the report, as long as at least one sheet has a header row.
        let extra = ctx.options.extra_headers;
        let names: Vec<String> = book.names().into_iter().map(str::to_owned).collect();
        let mut probes = Vec::with_capacity(names.len());
        let started = std::time::Instant::now();
        for i in 0..names.len() {
            match probe(&mut book, i, extra) {
                Ok(found) => probes.push(found),
                Err(problem) => {
                    ctx.problem(problem);
                    return Ok(());
                }
            }
        }
        tracing::debug!(elapsed = ?started.elapsed(), "header rows found");
        if !probes.contains(&Probe::Header) {
            ctx.problem(Problem::whole_file(no_header_in_workbook(
                &names
                    .iter()
                    .map(String::as_str)
                    .zip(probes.iter().copied())
                    .collect::<Vec<_>>(),
                &skipped,
            )));
            return Ok(());
        }
        for (name, probe) in names.iter().zip(&probes) {
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
                return Ok(());
            }
        }
        for (i, (name, probe)) in names.iter().zip(probes).enumerate() {
            let started = std::time::Instant::now();
            if probe == Probe::Header && !read_sheet(&mut book, i, name, ctx) {
                return Ok(());
            }
            tracing::debug!(sheet = %name, elapsed = ?started.elapsed(), "sheet read");
        }
        Ok(())
    })
}

/// Runs `f` with the reports of panics silenced: the reader asserts on some damaged files
/// (found by fuzzing: a truncated sector table in an .xls, a cell reference overflowing its
/// counter in an .xlsx); a bad file must be a message, not a crash, and not a panic report on
/// stderr. The panics are caught where the reader is called. The hook is process-wide: a
/// panic on another thread meanwhile still unwinds, unreported.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let report_panics = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let out = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(report_panics);
    match out {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Why a file the reader panicked on is not read.
fn damaged() -> String {
    "无法打开这个电子表格：文件结构前后矛盾，读取中止，文件可能已损坏或不完整；\
     请从财务软件重新导出"
        .to_owned()
}

/// Why the sheet `name` cannot be read: the reader's error `e`.
fn cannot_read(name: &str, e: &dyn fmt::Display) -> String {
    format!(
        "无法读取工作表{}，文件可能已损坏（读取器报告：{e}）；请从财务软件重新导出",
        super::cell::quoted(name)
    )
}

/// A workbook opened: the sheets to read, the sheets skipped, and the problems of sheets that
/// cannot be read; `Err` with the message when it cannot be opened or holds no sheet.
type Opened<RS> = Result<(Book<RS>, Vec<SkippedSheet>, Vec<Problem>), String>;

/// Opens the workbook `input` (from its start), refusing damaged containers first. To be
/// called [`quietly`].
///
/// # Errors
///
/// When `input` cannot be read for the checks before the reader.
fn open_workbook<RS: Read + Seek>(mut input: RS, way: Way) -> std::io::Result<Opened<Shared<RS>>> {
    let started = std::time::Instant::now();
    let mut merges = true;
    let mut hide = Vec::new();
    input.seek(SeekFrom::Start(0))?;
    let mut magic = [0u8; super::sniff::CFB_MAGIC.len()];
    let magic_len = read_up_to(&mut input, &mut magic)?;
    input.seek(SeekFrom::Start(0))?;
    if magic[..magic_len] == super::sniff::CFB_MAGIC {
        // The .xls guard reads the compound file from memory; the reader reads it again from
        // `input` (and holds it whole itself), once this copy is dropped.
        let mut bytes = Vec::new();
        input.read_to_end(&mut bytes)?;
        input.seek(SeekFrom::Start(0))?;
        if let Some(damage) = xls_guard::damage(&bytes) {
            return Ok(Err(damage.to_string()));
        }
    } else {
        // A read failure here leaves the archive to the reader, which reports it.
        let checked = container::check(&mut input);
        input.seek(SeekFrom::Start(0))?;
        match checked {
            Ok(container) => (merges, hide) = (container.merges, container.hide),
            Err(message) => return Ok(Err(message)),
        }
    }
    let checked = started.elapsed();
    let loaded = catch_unwind(AssertUnwindSafe(|| load_sheets(input, way, merges, hide)));
    // The costs of the guards and of the merged regions' pass, for the benchmark.
    tracing::debug!(?way, container = ?checked, opened = ?(started.elapsed() - checked), "workbook opened");
    let (book, skipped, unreadable) = match loaded {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(message)) => return Ok(Err(message)),
        Err(_) => return Ok(Err(damaged())),
    };
    if book.names().is_empty() && skipped.is_empty() && unreadable.is_empty() {
        return Ok(Err("工作簿中没有工作表；请从财务软件重新导出".to_owned()));
    }
    Ok(Ok((book, skipped, unreadable)))
}

/// Reads into `buf` until it is full or `input` ends: how many bytes were read.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Every row of every visible worksheet, in order, for a reader of another kind of table (the
/// files of readings): `visit` gets the sheet's name, the row's line as the spreadsheet shows
/// it, and its cells from column A, merged cells copied down as the ledger reader has them.
/// The sheets are read whole, under the budget of cells: the reader of readings keeps every
/// row. Returns the sheets not read (hidden, very hidden, not worksheets).
///
/// # Errors
///
/// A whole-file message when the workbook cannot be opened, a sheet cannot be read, or its
/// merged cells overlap.
pub(super) fn visit_rows(
    bytes: &[u8],
    visit: &mut dyn FnMut(&str, u32, &[Cell<'_>]),
) -> Result<Vec<SkippedSheet>, String> {
    quietly(|| {
        // Bytes in memory: reading them does not fail.
        let (mut book, skipped, unreadable) = open_workbook(Cursor::new(bytes), Way::Whole)
            .map_err(|e| format!("读取文件出错（{e}）；请检查文件能否打开后重新导入"))??;
        if let Some(problem) = unreadable.into_iter().next() {
            return Err(problem.message);
        }
        let names: Vec<String> = book.names().into_iter().map(str::to_owned).collect();
        for (i, name) in names.iter().enumerate() {
            book.rows(i, &mut |line, cells, _| {
                visit(name, line, cells);
                ControlFlow::Continue(())
            })
            .map_err(|e| match e {
                SheetError::Overlap => {
                    format!("工作表{}{}", super::cell::quoted(name), merges::OVERLAP)
                }
                SheetError::Damage(problem) => problem.message,
            })?;
        }
        Ok(skipped)
    })
}

/// Reads the rows of sheet `i`, `name`, with a header into a [`Table`], merged cells copied
/// down; false when reading stops (the sink failed, or the file is damaged).
fn read_sheet<RS: Read + Seek, E>(
    book: &mut Book<RS>,
    i: usize,
    name: &str,
    ctx: &mut Ctx<'_, '_, E>,
) -> bool {
    let (problems, more) = (ctx.problems.len(), ctx.more);
    let mut table = Table::new(Some(name));
    let read = book.rows(i, &mut |line, cells, copied| {
        table.copied_down.clear();
        table.copied_down.extend_from_slice(copied);
        table.row(line, cells, ctx);
        if ctx.sink_error.is_some() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    match read {
        Ok(()) if ctx.sink_error.is_some() => false,
        Ok(()) => {
            table.finish(ctx);
            true
        }
        // As if the sheet had not been read: the overlap is its only problem.
        Err(SheetError::Overlap) => {
            ctx.problems.truncate(problems);
            ctx.more = more;
            ctx.problem(Problem::whole_file(format!(
                "工作表{}{}",
                super::cell::quoted(name),
                merges::OVERLAP
            )));
            true
        }
        Err(SheetError::Damage(problem)) => {
            ctx.problems.clear();
            ctx.more = 0;
            ctx.problem(problem);
            false
        }
    }
}

/// Hands each row of a whole grid to `each`, with its line (the grid starts at its first
/// used cell), merged cells copied down.
fn whole_rows(
    range: &Range<Data>,
    merges: &[Dimensions],
    each: &mut EachRow<'_>,
) -> Result<(), SheetError> {
    let (Some(start), Some(end)) = (range.start(), range.end()) else {
        return Ok(());
    };
    MergeFill::check_grid(merges, start, end).map_err(|_| SheetError::Overlap)?;
    let mut fill = MergeFill::new(merges);
    let mut spare: Vec<Cell<'static>> = Vec::new();
    let mut copied = Vec::new();
    for (row, i) in range.rows().zip(start.0..) {
        fill.advance(i);
        let mut cells = reuse(spare);
        cells.extend(std::iter::repeat_n(Cell::Empty, start.1 as usize));
        cells.extend(row.iter().map(cell_of));
        fill.take(i, &cells);
        copied.clear();
        fill.apply(&mut cells, &mut copied);
        let flow = each(i + 1, &cells, &copied);
        spare = reuse(cells);
        if flow.is_break() {
            break;
        }
    }
    Ok(())
}

/// An emptied vector for cells of another lifetime, keeping the allocation of `cells` (the
/// rows of a sheet are built in one vector).
fn reuse<'b>(mut cells: Vec<Cell<'_>>) -> Vec<Cell<'b>> {
    cells.clear();
    cells.into_iter().map(|_| Cell::Empty).collect()
}

/// What the first rows of a sheet hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Header,
    Empty,
    NoHeader,
}

/// Whether sheet `i` has a header row where [`Table`] will look for one, found the same way
/// (its first rows only); `Err` for a damaged file.
fn probe<RS: Read + Seek>(
    book: &mut Book<RS>,
    i: usize,
    extra: &super::ExtraHeaders,
) -> Result<Probe, Problem> {
    let mut previous: Option<(u32, Vec<String>)> = None;
    let mut seen = 0;
    let mut found = false;
    let read = book.rows(i, &mut |line, cells, _| {
        if cells.iter().all(Cell::is_empty) {
            return ControlFlow::Continue(());
        }
        if detect_header(previous.as_ref(), line, cells, extra).0 != HeaderMatch::No {
            found = true;
            return ControlFlow::Break(());
        }
        seen += 1;
        if seen >= HEADER_SEARCH_ROWS {
            return ControlFlow::Break(());
        }
        previous = Some((
            line,
            cells.iter().map(|c| c.as_text().into_owned()).collect(),
        ));
        ControlFlow::Continue(())
    });
    match read {
        // Read anyway: the table reports the overlap.
        Err(SheetError::Overlap) => Ok(Probe::Header),
        Err(SheetError::Damage(problem)) => Err(problem),
        Ok(()) if found => Ok(Probe::Header),
        Ok(()) if seen == 0 => Ok(Probe::Empty),
        Ok(()) => Ok(Probe::NoHeader),
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

/// Opens a workbook and reads the sheets to read: as a stream for an .xlsx read `way`
/// [`Way::Stream`] (only their merged regions now, if the container `merges` any), else
/// whole; with the sheets skipped, and the problems of sheets that cannot be read. `Err` for a
/// file that cannot be opened, or whose grids would need more memory than can be given to
/// them. For the stream, calamine opens the file through a view with the bytes `hide`
/// changed, where it finds no shared-string table to load (ours is read after).
fn load_sheets<RS: Read + Seek>(
    input: RS,
    way: Way,
    merges: bool,
    hide: Vec<(u64, Vec<u8>)>,
) -> Opened<Shared<RS>> {
    let file = Shared::new(input);
    let opened = match way {
        // calamine's word on the file itself if the view does not suit it (the view changes
        // only the table's name; calamine then holds the table, which costs only memory).
        Way::Stream if !hide.is_empty() => calamine::open_workbook_auto_from_rs(file.changed(hide))
            .or_else(|_| calamine::open_workbook_auto_from_rs(file.clone())),
        _ => calamine::open_workbook_auto_from_rs(file.clone()),
    };
    let workbook = opened.map_err(|e| match e {
        // Neither a zip (.xlsx) nor a compound file (.xls) at all.
        calamine::Error::Msg(m) if m.contains("detect") => unopenable("无法识别文件格式"),
        other => unopenable(other),
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
    match (way, workbook) {
        (Way::Stream, calamine::Sheets::Xlsx(opened)) => {
            let is_1904 = opened.has_1904_epoch();
            // Before ours is read: calamine's table, if the view could not hide it.
            drop(opened);
            let mut xlsx = xlsx::Xlsx::open(file, is_1904)
                .map_err(|e| unopenable(calamine::Error::Xlsx(e)))?;
            tracing::debug!(
                strings = xlsx.strings().len(),
                bytes = xlsx.strings().bytes(),
                "shared strings read"
            );
            let mut sheets = Vec::new();
            let mut unreadable = Vec::new();
            for name in names {
                if !merges {
                    sheets.push((name, Vec::new()));
                    continue;
                }
                match xlsx.merges(&name) {
                    Ok(merges) => sheets.push((name, merges)),
                    // Reported as the whole reader would: the error of its cells, if any.
                    Err(e) => unreadable.push(cells_error(&mut xlsx, &name).unwrap_or_else(|| {
                        Problem::whole_file(cannot_read(&name, &calamine::Error::Xlsx(e)))
                    })),
                }
            }
            Ok((Book::Stream(Box::new(xlsx), sheets), skipped, unreadable))
        }
        (_, workbook) => load_whole(workbook, names, skipped),
    }
}

/// Why a workbook cannot be opened: the reader's error `e`.
fn unopenable(e: impl fmt::Display) -> String {
    format!("无法打开这个电子表格，文件可能已损坏或不完整（读取器报告：{e}）；请从财务软件重新导出")
}

/// The problem the stream meets reading the cells of sheet `name`, if any.
fn cells_error<RS: Read + Seek>(xlsx: &mut xlsx::Xlsx<RS>, name: &str) -> Option<Problem> {
    let mut reader = match xlsx.cells(name) {
        Ok(reader) => reader,
        Err(XlsxError::NotAWorksheet(_)) => return None,
        Err(e) => {
            return Some(Problem::whole_file(cannot_read(
                name,
                &calamine::Error::Xlsx(e),
            )));
        }
    };
    loop {
        match reader.next_cell() {
            Ok(Some(_)) => {}
            Ok(None) => return None,
            Err(e) => return Some(stream::cell_problem(name, e)),
        }
    }
}

/// Reads the grids of the sheets `names` whole, measuring those of an .xlsx or .xlsb first.
fn load_whole<RS: Read + Seek>(
    mut workbook: calamine::Sheets<RS>,
    names: Vec<String>,
    skipped: Vec<SkippedSheet>,
) -> Opened<RS> {
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
    let mut sheets = Vec::new();
    let mut unreadable = Vec::new();
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
        match (range, merges) {
            (Ok(range), Ok(merges)) => sheets.push((name, range, merges)),
            (Err(e), _) | (Ok(_), Err(e)) => unreadable.push(Problem::whole_file(e)),
        }
    }
    Ok((Book::Whole(sheets), skipped, unreadable))
}

fn cell_of(data: &Data) -> Cell<'_> {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::text(s),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => bool_cell(*b),
        Data::DateTime(dt) => date_cell(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// [`cell_of`] for a value of the stream, which borrows the shared strings: the same cell as
/// the whole grid's value (`Data::from`) gives.
fn cell_of_ref<'a>(data: &'a DataRef<'_>) -> Cell<'a> {
    match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::text(s),
        DataRef::SharedString(s) => Cell::text(s),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => bool_cell(*b),
        DataRef::DateTime(dt) => date_cell(dt),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::text(s),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

fn bool_cell(b: bool) -> Cell<'static> {
    Cell::Text(if b { "true" } else { "false" })
}

fn date_cell(dt: &calamine::ExcelDateTime) -> Cell<'static> {
    match dt.as_datetime() {
        Some(dt) => Cell::Date(dt.date()),
        None => Cell::Error(format!("无法识别的日期值 {}", dt.as_f64())),
    }
}
