//! The size guard of workbooks read whole (.xlsb, and an .xlsx read whole): their grids are
//! measured before they are read, so that a crafted file cannot make the reader allocate more
//! than can be given (an .xls is measured before it is opened, in `xls_guard`; an .xlsx read
//! as a stream holds one row at a time, see `stream`).

use super::xls_guard;

/// The last row and column (0-based) of a sheet of the .xlsx format: 1,048,576 × 16,384.
pub(super) const XLSX_LAST: (u32, u32) = (1_048_575, 16_383);

/// What a sheet's grid spans, from its first non-empty cell to its last (as the reader builds
/// it: `Range::from_sparse`), given its cells in any order; `None` for a cell past the format's
/// last row or column.
pub(super) fn grid_of<'a>(
    mut next: impl FnMut() -> Option<calamine::Cell<calamine::DataRef<'a>>>,
) -> Option<u64> {
    let mut span: Option<(u32, u32, u32, u32)> = None;
    while let Some(cell) = next() {
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        if row > XLSX_LAST.0 || col > XLSX_LAST.1 {
            return None;
        }
        span = Some(match span {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }
    Some(span.map_or(0, |(r0, r1, c0, c1)| {
        u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
    }))
}

/// Why a workbook (`kind`: ".xlsx" …) whose sheet `name` has a cell past the format's last row
/// or column is not read.
pub(super) fn past_grid(kind: &str, name: &str) -> String {
    format!(
        "这个{kind}文件已损坏（工作表{}中有单元格超出了一个工作表最多的 \
         1,048,576 行 × 16,384 列）；请从财务软件重新导出",
        crate::ledger::cell::quoted(name)
    )
}

/// Refuses a workbook whose grids (measured by `grid`; `None` inside for a cell past the
/// format's end) would be too large to hold. A sheet that cannot be measured is left to the
/// reader, which reports it.
pub(super) fn grid_check(
    kind: &str,
    names: &[String],
    mut grid: impl FnMut(&str) -> Option<Option<u64>>,
) -> Result<(), String> {
    let mut total = 0u64;
    for name in names {
        match grid(name) {
            Some(Some(cells)) => total += cells,
            Some(None) => return Err(past_grid(kind, name)),
            None => {}
        }
    }
    if total > xls_guard::GRID_BUDGET {
        return Err(xls_guard::too_many_cells(kind, total));
    }
    Ok(())
}
