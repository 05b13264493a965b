//! Merged cells: the value of a cell merged down over several rows is copied to the rows
//! below it, as the accountant sees it, without copying more than the grid holds.

use calamine::{Data, Dimensions, Range};

use super::cell_of;
use crate::ledger::cell::Cell;

/// The values of merged cells copied to the rows below their first, column by column.
pub(super) struct MergeFill {
    /// Merged regions that span more than one row, by their top row (0-based rows): the
    /// value at (`top`, `col`) goes to (`top + 1 ..= bottom`, `col`).
    regions: Vec<Region>,
    next: usize,
    active: Vec<Region>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Region {
    top: u32,
    bottom: u32,
    col: u32,
}

impl MergeFill {
    /// The regions of `merges` within `range`; `Err` (the rest of a message naming the sheet)
    /// when they overlap, which no spreadsheet program writes: copying them would cost more
    /// than the grid itself.
    pub(super) fn new(merges: &[Dimensions], range: &Range<Data>) -> Result<MergeFill, String> {
        let (Some(start), Some(end)) = (range.start(), range.end()) else {
            return Ok(MergeFill {
                regions: Vec::new(),
                next: 0,
                active: Vec::new(),
            });
        };
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
            return Err(
                "的合并单元格互相重叠，文件已损坏；请在Excel中取消合并后重新保存，或重新导出"
                    .to_owned(),
            );
        }
        Ok(MergeFill {
            regions,
            next: 0,
            active: Vec::new(),
        })
    }

    /// Copies into `cells` (by column from A) the merged values that cover row `row`
    /// (0-based) from a row above; notes each copied column and the line it came from.
    pub(super) fn apply<'r>(
        &mut self,
        row: u32,
        range: &'r Range<Data>,
        cells: &mut [Cell<'r>],
        copied: &mut Vec<(usize, u32)>,
    ) {
        while let Some(region) = self.regions.get(self.next).filter(|r| r.top < row) {
            self.active.push(*region);
            self.next += 1;
        }
        self.active.retain(|r| r.bottom >= row);
        for region in &self.active {
            let Some(value) = range.get_value((region.top, region.col)) else {
                continue;
            };
            let value = cell_of(value);
            if let Some(cell) = cells.get_mut(region.col as usize)
                && cell.is_empty()
                && !value.is_empty()
            {
                *cell = value;
                copied.push((region.col as usize, region.top + 1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_cells_are_copied_down_once_and_overlaps_refused() {
        let mut range: Range<Data> = Range::new((0, 0), (5, 2));
        range.set_value((1, 0), Data::String("2025-01-15".into()));
        range.set_value((1, 2), Data::Float(5.0));
        let merges = [
            Dimensions::new((1, 0), (3, 0)),
            Dimensions::new((1, 0), (3, 0)),
            // Across a row only: not copied.
            Dimensions::new((1, 1), (1, 2)),
            // Past the grid's last row: cut there.
            Dimensions::new((1, 2), (9, 2)),
        ];
        let mut fill = MergeFill::new(&merges, &range).expect("regions");
        let mut copies = Vec::new();
        for row in 0..6u32 {
            let mut cells: Vec<Cell<'_>> = range
                .rows()
                .nth(row as usize)
                .expect("row")
                .iter()
                .map(cell_of)
                .collect();
            let mut copied = Vec::new();
            fill.apply(row, &range, &mut cells, &mut copied);
            copies.push(copied);
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
        let overlapping = vec![Dimensions::new((0, 0), (5, 0)); 4];
        assert!(MergeFill::new(&overlapping, &range).is_ok());
        let distinct: Vec<Dimensions> = (0..3)
            .map(|c| Dimensions::new((0, 0), (5, c)))
            .chain((0..3).map(|c| Dimensions::new((0, c), (5, 2))))
            .collect();
        assert!(MergeFill::new(&distinct, &range).is_ok());
        let many: Vec<Dimensions> = (0..5u32)
            .flat_map(|r| (0..3u32).map(move |c| Dimensions::new((r, c), (5, 2))))
            .collect();
        assert!(MergeFill::new(&many, &range).is_err());
    }
}
