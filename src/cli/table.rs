//! Plain-text tables that stay aligned with Chinese text (a CJK character is two columns wide).

use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Right,
}

/// Renders `rows` (the first is the heading) with two spaces between columns.
pub(super) fn render(aligns: &[Align], rows: &[Vec<String>]) -> String {
    let mut widths = vec![0; aligns.len()];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, ((cell, width), align)) in row.iter().zip(&widths).zip(aligns).enumerate() {
            let pad = " ".repeat(width - cell.width());
            if i > 0 {
                line.push_str("  ");
            }
            match align {
                Align::Left => {
                    line.push_str(cell);
                    line.push_str(&pad);
                }
                Align::Right => {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_cjk_by_display_width() {
        let rows = vec![
            vec!["项目".to_owned(), "金额".to_owned()],
            vec!["网络综合治理".to_owned(), "1.00".to_owned()],
            vec!["ab".to_owned(), "150,000.00".to_owned()],
        ];
        let text = render(&[Align::Left, Align::Right], &rows);
        assert_eq!(
            text,
            "项目                金额\n网络综合治理        1.00\nab            150,000.00\n"
        );
        for line in text.lines() {
            assert_eq!(line.width(), 24, "{line:?}");
        }
    }
}
