//! Merged cells: the value of a cell merged down over several rows is copied to the rows
//! below it, as the accountant sees it, without copying more than the grid holds.
//!
//! Rows are handed over in order, from a whole grid (.xls) or from the stream of an .xlsx:
//! a merged region's value is taken from its top row as that row passes, and copied to the
//! rows under it while it lasts.

use calamine::Dimensions;
use chrono::NaiveDate;

use crate::ledger::cell::Cell;

/// The values of merged cells copied to the rows below their first, column by column.
pub(super) struct MergeFill {
    /// Merged regions that span more than one row, by their top row (0-based rows): the
    /// value at (`top`, `col`) goes to (`top + 1 ..= bottom`, `col`).
    regions: Vec<Region>,
    /// The first region whose top row has not passed yet.
    next: usize,
    /// The regions under way, in the order of `regions`, with their (non-empty) value.
    active: Vec<(Region, Value)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Region {
    top: u32,
    bottom: u32,
    col: u32,
}

/// A merged region's value, kept after the row that held it is gone.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Error(String),
}

impl Value {
    fn of(cell: &Cell<'_>) -> Option<Value> {
        Some(match cell {
            Cell::Empty => return None,
            Cell::Text(t) => Value::Text((*t).to_owned()),
            Cell::Number(n) => Value::Number(*n),
            Cell::Date(d) => Value::Date(*d),
            Cell::Error(e) => Value::Error(e.clone()),
        })
    }

    fn cell(&self) -> Cell<'_> {
        match self {
            Value::Text(t) => Cell::Text(t),
            Value::Number(n) => Cell::Number(*n),
            Value::Date(d) => Cell::Date(*d),
            Value::Error(e) => Cell::Error(e.clone()),
        }
    }
}

/// The rest of the message (after `工作表"名称"`) for merged regions that overlap.
pub(super) const OVERLAP: &str =
    "的合并单元格互相重叠，文件已损坏；请在Excel中取消合并后重新保存，或重新导出";

impl MergeFill {
    /// The regions of `merges` that span rows, for rows handed over in order. Regions with the
    /// same top cell copy the same value: the longest stands for them.
    pub(super) fn new(merges: &[Dimensions]) -> MergeFill {
        let mut regions: Vec<Region> = merges
            .iter()
            .filter(|m| m.start.0 < m.end.0 && m.start.1 <= m.end.1)
            .map(|m| Region {
                top: m.start.0,
                bottom: m.end.0,
                col: m.start.1,
            })
            .collect();
        // By top cell, the longest last; then keep the last of each top cell, in order.
        regions.sort_unstable_by_key(|r| (r.top, r.col, r.bottom));
        regions.dedup_by(|later, kept| {
            if (later.top, later.col) == (kept.top, kept.col) {
                kept.bottom = later.bottom;
                true
            } else {
                false
            }
        });
        regions.sort_unstable();
        MergeFill {
            regions,
            next: 0,
            active: Vec::new(),
        }
    }

    /// Refuses merged regions that overlap so much that copying them would cost more than the
    /// whole grid, from `start` to `end` (its first and last cells), holds; `Err` with the rest
    /// of a message naming the sheet ([`OVERLAP`]). No spreadsheet program writes overlapping
    /// regions. For a whole grid, before its rows; a stream checks as it goes (`stream`).
    pub(super) fn check_grid(
        merges: &[Dimensions],
        start: (u32, u32),
        end: (u32, u32),
    ) -> Result<(), String> {
        let mut regions: Vec<Region> = merges
            .iter()
            .filter(|m| m.start.0 < m.end.0 && m.start.1 <= m.end.1)
            .filter(|m| (start.0..=end.0).contains(&m.start.0))
            .filter(|m| (start.1..=end.1).contains(&m.start.1))
            .map(|m| Region {
                top: m.start.0,
                bottom: m.end.0.min(end.0),
                col: m.start.1,
            })
            .filter(|r| r.bottom > r.top)
            .collect();
        regions.sort_unstable();
        regions.dedup();
        let grid = u64::from(end.0 - start.0 + 1) * u64::from(end.1 - start.1 + 1);
        let copies = regions
            .iter()
            .map(|r| u64::from(r.bottom - r.top))
            .fold(0u64, u64::saturating_add);
        if copies > grid {
            return Err(OVERLAP.to_owned());
        }
        Ok(())
    }

    /// Moves to row `row` (0-based; rows only go forward): the regions that ended before it
    /// are dropped. Returns how many regions cover it with a value (the cells it will copy
    /// at most).
    pub(super) fn advance(&mut self, row: u32) -> usize {
        self.active.retain(|(r, _)| r.bottom >= row);
        self.active.len()
    }

    /// Copies into `cells` (by column from A, lengthened as needed) the values of the
    /// regions that cover the current row from a row above, where the row has nothing; notes
    /// each copied column and the line it came from.
    pub(super) fn apply<'a>(&'a self, cells: &mut Vec<Cell<'a>>, copied: &mut Vec<(usize, u32)>) {
        for (region, value) in &self.active {
            let col = region.col as usize;
            if cells.len() <= col {
                cells.resize(col + 1, Cell::Empty);
            }
            if cells[col].is_empty() {
                cells[col] = value.cell();
                copied.push((col, region.top + 1));
            }
        }
    }

    /// Takes the values of the regions whose top row is `row` from its own cells (`own`, by
    /// column from A, before anything was copied into them), to copy to the rows below; the
    /// regions of rows above that never came (no cell of theirs had a value) are dropped.
    pub(super) fn take(&mut self, row: u32, own: &[Cell<'_>]) {
        while let Some(region) = self.regions.get(self.next).filter(|r| r.top <= row) {
            if region.top == row
                && let Some(value) = own.get(region.col as usize).and_then(Value::of)
            {
                self.active.push((*region, value));
            }
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_cells_are_copied_down_once_and_overlaps_refused() {
        let date = Cell::Text("2025-01-15");
        let rows: Vec<Vec<Cell<'_>>> = vec![
            vec![],
            vec![date.clone(), Cell::Empty, Cell::Number(5.0)],
            vec![],
            vec![],
            vec![],
            vec![],
        ];
        let merges = [
            Dimensions::new((1, 0), (3, 0)),
            Dimensions::new((1, 0), (3, 0)),
            // Across a row only: not copied.
            Dimensions::new((1, 1), (1, 2)),
            // Past the grid's last row: the rows past it do not come.
            Dimensions::new((1, 2), (9, 2)),
            // Its top cell is empty: nothing to copy.
            Dimensions::new((0, 1), (4, 1)),
        ];
        let mut fill = MergeFill::new(&merges);
        let mut copies = Vec::new();
        let mut counts = Vec::new();
        for (row, own) in rows.iter().enumerate() {
            let row = u32::try_from(row).expect("few");
            counts.push(fill.advance(row));
            let mut cells = own.clone();
            let mut copied = Vec::new();
            fill.apply(&mut cells, &mut copied);
            if row == 2 {
                assert_eq!(cells, [date.clone(), Cell::Empty, Cell::Number(5.0)]);
            }
            copies.push(copied);
            fill.take(row, own);
        }
        assert_eq!(
            copies,
            [
                vec![],
                vec![],
                vec![(0, 2), (2, 2)],
                vec![(0, 2), (2, 2)],
                vec![(2, 2)],
                vec![(2, 2)]
            ]
        );
        assert_eq!(counts, [0, 0, 2, 2, 1, 1]);

        let grid = |merges: &[Dimensions]| MergeFill::check_grid(merges, (0, 0), (5, 2));
        let overlapping = vec![Dimensions::new((0, 0), (5, 0)); 4];
        assert!(grid(&overlapping).is_ok());
        let distinct: Vec<Dimensions> = (0..3)
            .map(|c| Dimensions::new((0, 0), (5, c)))
            .chain((0..3).map(|c| Dimensions::new((0, c), (5, 2))))
            .collect();
        assert!(grid(&distinct).is_ok());
        let many: Vec<Dimensions> = (0..5u32)
            .flat_map(|r| (0..3u32).map(move |c| Dimensions::new((r, c), (5, 2))))
            .collect();
        assert_eq!(grid(&many), Err(OVERLAP.to_owned()));
    }

    #[test]
    fn regions_with_one_top_cell_copy_once_until_the_longest_ends() {
        let merges = [
            Dimensions::new((0, 0), (2, 0)),
            Dimensions::new((0, 0), (4, 0)),
            Dimensions::new((0, 0), (1, 0)),
        ];
        let mut fill = MergeFill::new(&merges);
        let own = [Cell::Number(7.0)];
        let mut counts = Vec::new();
        for row in 0..6 {
            counts.push(fill.advance(row));
            let mut cells = if row == 0 { own.to_vec() } else { Vec::new() };
            let mut copied = Vec::new();
            fill.apply(&mut cells, &mut copied);
            if (1..=4).contains(&row) {
                assert_eq!((cells, copied), (vec![Cell::Number(7.0)], vec![(0, 1)]));
            }
            fill.take(row, &own);
        }
        assert_eq!(counts, [0, 1, 1, 1, 1, 0]);
    }
}
