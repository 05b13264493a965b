//! The terminal renderer: a [`Document`] as a command prints it, with tables in columns that
//! stay aligned with Chinese text (a CJK character is two columns wide).

use std::borrow::Cow;

use unicode_width::UnicodeWidthStr;

use super::document::{Align, Block, Document, Notice, Table};
use super::shown;
use super::text::indent;

/// The document as terminal text, each line ending in `\n`.
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    for block in &doc.blocks {
        block_terminal(&mut out, block);
    }
    out
}

fn block_terminal(out: &mut String, block: &Block) {
    match block {
        Block::Heading(text) => {
            out.push_str(text);
            out.push_str("\n\n");
        }
        Block::Paragraph(text) => {
            out.push_str(text);
            out.push('\n');
        }
        Block::Notice(notice) => notice_terminal(out, notice),
        Block::Table(table) => table_terminal(out, table),
        // A section of pictures only has nothing to show here.
        Block::Section(section) if section.blocks.iter().all(|b| matches!(b, Block::Image(_))) => {}
        Block::Section(section) => {
            // A blank line sets each section off from what comes before it.
            out.push('\n');
            out.push_str(&section.heading);
            out.push('\n');
            let mut inner = String::new();
            for block in &section.blocks {
                block_terminal(&mut inner, block);
            }
            out.push_str(&indent(&inner));
        }
        Block::Footer(text) => {
            out.push_str("--\n");
            out.push_str(text);
            out.push('\n');
        }
        // A terminal shows no pictures; the tables carry their numbers.
        Block::Image(_) => {}
    }
}

/// `grade：subject：title` on one line (`注意：…`), the lines indented below it.
fn notice_terminal(out: &mut String, notice: &Notice) {
    out.push_str(notice.grade.word());
    out.push('：');
    if let Some(subject) = &notice.subject {
        out.push_str(subject);
        out.push('：');
    }
    out.push_str(&notice.title);
    out.push('\n');
    for line in &notice.lines {
        out.push_str(&indent(line));
        out.push('\n');
    }
}

fn table_terminal(out: &mut String, table: &Table) {
    if let Some(caption) = &table.caption {
        out.push_str(caption);
        out.push_str("：\n");
    }
    let aligns: Vec<Align> = table.columns.iter().map(|c| c.align).collect();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(table.rows.len() + 1);
    rows.push(table.columns.iter().map(|c| c.heading.clone()).collect());
    rows.extend(
        table
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| cell.text().to_owned()).collect()),
    );
    out.push_str(&columns(&aligns, &rows));
}

/// `rows` (the first is the heading) in columns two spaces apart, each as wide as its widest
/// cell in display columns; trailing spaces are trimmed. A cell is one line: its line breaks,
/// control and bidi characters are shown escaped ([`crate::report::shown`]), as a name or memo
/// from a file may hold them.
pub fn columns(aligns: &[Align], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<Cow<'_, str>>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| shown(cell)).collect())
        .collect();
    let mut widths = vec![0; aligns.len()];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for row in &rows {
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
    use crate::report::document::{Cell, Column, Grade, Resolution, Section};

    #[test]
    fn aligns_cjk_by_display_width() {
        let rows = vec![
            vec!["项目".to_owned(), "金额".to_owned()],
            vec!["网络综合治理".to_owned(), "1.00".to_owned()],
            vec!["ab".to_owned(), "150,000.00".to_owned()],
        ];
        let text = columns(&[Align::Left, Align::Right], &rows);
        assert_eq!(
            text,
            "项目                金额\n网络综合治理        1.00\nab            150,000.00\n"
        );
        for line in text.lines() {
            assert_eq!(line.width(), 24, "{line:?}");
        }
    }

    #[test]
    fn every_block_on_the_terminal() {
        let table = Table {
            caption: None,
            columns: vec![
                Column::new("节点", Align::Left),
                Column::new("执行率", Align::Right),
            ],
            rows: vec![vec![
                Cell::Text("2025-06-30".into()),
                Cell::Bar {
                    text: "41.60%".into(),
                    value: 0.416,
                    mark: 0.5,
                },
            ]],
            legend: Some("不显示".into()),
        };
        let doc = Document {
            blocks: vec![
                Block::Heading("支出进度".into()),
                Block::Table(table.clone()),
                Block::Section(Section {
                    heading: "项目甲".into(),
                    blocks: vec![
                        Block::Notice(Notice {
                            grade: Grade::Caution,
                            subject: None,
                            title: "尚无账务数据".into(),
                            lines: vec![],
                            multiline: false,
                        }),
                        Block::Notice(Notice {
                            grade: Grade::Resolved(Resolution::Met),
                            subject: Some("项目甲".into()),
                            title: "已达到".into(),
                            lines: vec!["一\n二".into()],
                            multiline: true,
                        }),
                        Block::Paragraph("较计划进度".into()),
                        Block::Table(table),
                    ],
                }),
                Block::Footer("尾".into()),
                Block::Image(crate::report::document::Image {
                    cid: "chart-a".into(),
                    alt: "图".into(),
                    width: 600,
                    height: 300,
                    caption: None,
                }),
            ],
        };
        assert_eq!(
            render(&doc),
            "支出进度\n\n\
             节点        执行率\n2025-06-30  41.60%\n\
             \n项目甲\n\
             \x20 注意：尚无账务数据\n\
             \x20 已达标：项目甲：已达到\n    一\n    二\n\
             \x20 较计划进度\n\
             \x20 节点        执行率\n  2025-06-30  41.60%\n\
             --\n尾\n"
        );
    }
}
