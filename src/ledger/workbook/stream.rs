//! The rows of an .xlsx sheet as a stream: cells come one by one from the sheet's XML
//! (`xlsx::SheetCells`) and are handed on a row at a time, so that memory holds one row
//! whatever the size of the sheet.
//!
//! The rows are the same as those of the whole grid the reader would build (see `whole`):
//! a cell without a value is no cell; of two cells at one place the later one counts; the
//! cells of a row may come in any order; a row that only a merged cell from above fills is
//! handed on between the rows around it (not after the last row with a value, where the grid
//! ends). Rows must come in order, as every spreadsheet program writes them: a row that
//! comes back after a later one is refused as damage.
//!
//! Guards: a cell past the last row or column of the format is damage (a row is held as a
//! vector from column A: a crafted column would make it huge). The sheet's declared size
//! (`<dimension>`) is not used, so a lying one costs nothing. Merged regions that overlap
//! are refused as the whole-grid reader refuses them, by `MergeFill::check_grid` once the
//! grid is known (at the sheet's end); and, so that their copying cannot take time without
//! bound before then, as soon as their copies outnumber the cells of the grid so far (no
//! file whose regions do not overlap gets there).

use std::io::BufRead;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Dimensions};

use super::merges::MergeFill;
use super::size_guard::XLSX_LAST;
use super::xlsx::{CellError, SheetCells};
use super::{EachRow, SheetError, cell_of_ref, damaged, reuse};
use crate::ledger::Problem;
use crate::ledger::cell::{Cell, quoted};
use crate::ledger::header::column_letter;

/// The first row with a value and the columns seen so far: the grid as it grows.
#[derive(Debug, Clone, Copy)]
struct Span {
    first_row: u32,
    first_col: u32,
    last_col: u32,
}

impl Span {
    /// The cells of the grid from its first row to `row`.
    fn cells_to(self, row: u32) -> u64 {
        u64::from(row - self.first_row + 1) * u64::from(self.last_col - self.first_col + 1)
    }
}

/// The state of one sheet's stream between rows.
struct Rows {
    fill: MergeFill,
    span: Option<Span>,
    /// Cells copied from merged regions so far (a region counts in each row it covers).
    copies: u64,
    /// The last row handed on.
    last: Option<u32>,
    /// A vector to build rows in, kept between rows.
    spare: Vec<Cell<'static>>,
    copied: Vec<(usize, u32)>,
}

/// Hands each row of the sheet `name` that `reader` reads to `each`, merged cells (`merges`)
/// copied down, until `each` breaks or the sheet ends.
///
/// # Errors
///
/// [`SheetError::Overlap`] for merged regions that overlap; [`SheetError::Damage`] for a cell
/// the reader cannot read (or panics on), a cell past the format's last row or column, or a
/// row after a later one.
pub(super) fn stream_rows<B: BufRead>(
    reader: &mut SheetCells<'_, B>,
    name: &str,
    merges: &[Dimensions],
    each: &mut EachRow<'_>,
) -> Result<(), SheetError> {
    let mut rows = Rows {
        fill: MergeFill::new(merges),
        span: None,
        copies: 0,
        last: None,
        spare: Vec::new(),
        copied: Vec::new(),
    };
    // The row being read, its cells by column from A (`Empty` where none came).
    let mut row: Option<u32> = None;
    let mut values: Vec<DataRef<'_>> = Vec::new();
    loop {
        let next = catch_unwind(AssertUnwindSafe(|| reader.next_cell()));
        let cell = match next {
            Ok(Ok(cell)) => cell,
            Ok(Err(e)) => return Err(SheetError::Damage(cell_problem(name, e))),
            Err(_) => return Err(SheetError::Damage(Problem::whole_file(damaged()))),
        };
        let Some((at, value)) = cell else {
            if let Some(r) = row
                && rows.flush(r, &values, each)?.is_break()
            {
                return Ok(());
            }
            // The whole grid's check, now that the grid is known.
            return match (rows.span, rows.last) {
                (Some(span), Some(last)) => MergeFill::check_grid(
                    merges,
                    (span.first_row, span.first_col),
                    (last, span.last_col),
                )
                .map_err(|_| SheetError::Overlap),
                _ => Ok(()),
            };
        };
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (r, c) = at;
        if r > XLSX_LAST.0 || c > XLSX_LAST.1 {
            return Err(SheetError::Damage(Problem::whole_file(
                super::size_guard::past_grid(".xlsx", name),
            )));
        }
        match row {
            Some(current) if r == current => {}
            Some(current) if r < current => {
                return Err(SheetError::Damage(Problem::whole_file(format!(
                    "这个.xlsx文件已损坏（工作表{}的第{}行出现在第{}行之后，\
                     行的顺序错乱）；请用Excel打开后重新保存，或从财务软件重新导出",
                    quoted(name),
                    r + 1,
                    current + 1
                ))));
            }
            Some(current) => {
                if rows.flush(current, &values, each)?.is_break() {
                    return Ok(());
                }
                values.clear();
                row = Some(r);
            }
            None => row = Some(r),
        }
        let c = c as usize;
        if values.len() <= c {
            values.resize(c + 1, DataRef::Empty);
        }
        values[c] = value;
    }
}

/// The problem of a cell of the sheet `name` that cannot be read: calamine's message for the
/// whole file, as its reader would give it; for a shared string the table does not have,
/// the cell's place (calamine's reader says only "Cell string index not found in shared
/// strings table").
pub(super) fn cell_problem(name: &str, e: CellError) -> Problem {
    match e {
        CellError::Reader(e) => {
            Problem::whole_file(super::cannot_read(name, &calamine::Error::Xlsx(e)))
        }
        CellError::NoString {
            at: (row, col),
            index,
            count,
        } => Problem {
            location: Some(format!(
                "{}:{}",
                crate::report::shown(name),
                u64::from(row) + 1
            )),
            message: format!(
                "这个.xlsx文件已损坏（{}列的单元格引用共享字符串表中的第{}条文字，{}）；\
                 请用Excel打开后重新保存，或从财务软件重新导出",
                column_letter(col as usize),
                index as u64 + 1,
                match count {
                    0 => "而文件中没有共享字符串表".to_owned(),
                    _ => format!("而表中只有{count}条"),
                }
            ),
        },
    }
}

impl Rows {
    /// Hands on row `row` with its `values`, after the rows above it that only merged
    /// cells fill.
    fn flush(
        &mut self,
        row: u32,
        values: &[DataRef<'_>],
        each: &mut EachRow<'_>,
    ) -> Result<ControlFlow<()>, SheetError> {
        // The rows between the last one handed on and this one have no value of their own:
        // only the regions under way cover them, and those only end (values are taken from
        // rows with cells).
        if let Some(last) = self.last {
            for gap in last.saturating_add(1)..row {
                let covering = self.fill.advance(gap);
                if covering == 0 {
                    break;
                }
                self.count(gap, covering)?;
                let mut cells = reuse(std::mem::take(&mut self.spare));
                self.copied.clear();
                self.fill.apply(&mut cells, &mut self.copied);
                let flow = each(gap + 1, &cells, &self.copied);
                self.spare = reuse(cells);
                if flow.is_break() {
                    return Ok(flow);
                }
            }
        }
        let first = values.iter().position(|v| !matches!(v, DataRef::Empty));
        let (Some(first), Some(last)) = (first, values.len().checked_sub(1)) else {
            return Ok(ControlFlow::Continue(()));
        };
        let (first, last) = (first as u32, last as u32);
        self.span = Some(match self.span {
            None => Span {
                first_row: row,
                first_col: first,
                last_col: last,
            },
            Some(s) => Span {
                first_row: s.first_row,
                first_col: s.first_col.min(first),
                last_col: s.last_col.max(last),
            },
        });
        let covering = self.fill.advance(row);
        self.count(row, covering)?;
        let mut cells = reuse(std::mem::take(&mut self.spare));
        cells.extend(values.iter().map(cell_of_ref));
        self.fill.take(row, &cells);
        self.copied.clear();
        self.fill.apply(&mut cells, &mut self.copied);
        let flow = each(row + 1, &cells, &self.copied);
        self.spare = reuse(cells);
        self.last = Some(row);
        Ok(flow)
    }

    /// Counts the copies into row `row` from `covering` regions: more than the grid so far
    /// holds only when regions overlap.
    fn count(&mut self, row: u32, covering: usize) -> Result<(), SheetError> {
        self.copies = self.copies.saturating_add(covering as u64);
        match self.span {
            Some(span) if self.copies > span.cells_to(row) => Err(SheetError::Overlap),
            _ => Ok(()),
        }
    }
}
