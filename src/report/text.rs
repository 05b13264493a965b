//! The plain-text renderer: a [`Document`] as the text part of an email.
//!
//! Mail clients show plain text in proportional fonts, where columns never line up, so a
//! table is written as one list of `heading：value` per row rather than as columns (the
//! terminal renderer aligns them).

use super::document::{Block, Document, Notice, Section, Table};
use super::shown;

/// The document as plain text, each line ending in `\n`.
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    for block in &doc.blocks {
        block_text(&mut out, block);
    }
    out
}

fn block_text(out: &mut String, block: &Block) {
    match block {
        Block::Heading(text) | Block::Paragraph(text) => {
            out.push_str(text);
            out.push_str("\n\n");
        }
        Block::Notice(notice) => notice_text(out, notice),
        Block::Table(table) => table_text(out, table),
        Block::Section(section) => section_text(out, section),
        Block::Footer(text) => {
            out.push_str("--\n");
            out.push_str(text);
            out.push('\n');
        }
        // The tables carry every number a picture draws.
        Block::Image(_) => {}
    }
}

/// `【grade】subject：title`, the lines indented by two spaces, then a blank line.
fn notice_text(out: &mut String, notice: &Notice) {
    out.push('【');
    out.push_str(notice.grade.word());
    out.push('】');
    if let Some(subject) = &notice.subject {
        out.push_str(subject);
        out.push('：');
    }
    out.push_str(&notice.title);
    out.push('\n');
    for line in &notice.lines {
        if notice.multiline {
            for part in line.lines() {
                push_indented(out, part);
            }
        } else {
            push_indented(out, line);
        }
    }
    out.push('\n');
}

/// `caption：`, then per row each `heading：value` indented by two spaces, and a blank line.
fn table_text(out: &mut String, table: &Table) {
    if let Some(caption) = &table.caption {
        out.push_str(caption);
        out.push_str("：\n");
    }
    for row in &table.rows {
        for (column, cell) in table.columns.iter().zip(row) {
            // One line a value: a memo or name from a file may hold line breaks.
            push_indented(out, &format!("{}：{}", column.heading, shown(cell.text())));
        }
        out.push('\n');
    }
}

/// The heading, then the section's blocks indented by two spaces; nothing for a section of
/// pictures only (a fund's chart), which the text cannot show.
fn section_text(out: &mut String, section: &Section) {
    if section.blocks.iter().all(|b| matches!(b, Block::Image(_))) {
        return;
    }
    out.push_str(&section.heading);
    out.push('\n');
    let mut inner = String::new();
    for block in &section.blocks {
        block_text(&mut inner, block);
    }
    out.push_str(&indent(&inner));
}

fn push_indented(out: &mut String, line: &str) {
    out.push_str("  ");
    out.push_str(line);
    out.push('\n');
}

/// Every non-empty line of `text` indented by two spaces (empty lines stay empty).
pub(super) fn indent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        if line != "\n" {
            out.push_str("  ");
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::{Align, Cell, Column, Grade, Level};

    #[test]
    fn every_block_as_plain_text() {
        let doc = Document {
            blocks: vec![
                Block::Heading("标题".into()),
                Block::Paragraph("各位同事：".into()),
                Block::Notice(Notice {
                    grade: Grade::Lag(Level::Red),
                    subject: Some("项目甲".into()),
                    title: "未达6月底50%支出进度".into(),
                    lines: vec!["第一句。".into(), "第二句\n不拆开。".into()],
                    multiline: false,
                }),
                Block::Notice(Notice {
                    grade: Grade::System,
                    subject: None,
                    title: "账务文件 a.csv 未能导入".into(),
                    lines: vec!["a.csv:1: 一\na.csv:2: 二".into()],
                    multiline: true,
                }),
                Block::Table(Table {
                    caption: Some("项目明细".into()),
                    columns: vec![
                        Column::new("项目名称", Align::Left),
                        Column::new("执行率", Align::Right),
                    ],
                    rows: vec![vec![
                        Cell::Text("项目甲".into()),
                        Cell::Bar {
                            text: "41.60%".into(),
                            value: 0.416,
                            mark: 0.5,
                        },
                    ]],
                    legend: Some("蓝条为执行率。".into()),
                }),
                Block::Section(Section {
                    heading: "项目甲".into(),
                    blocks: vec![Block::Paragraph("一段。".into())],
                }),
                Block::Footer("自动发送。".into()),
                // Left out: the tables carry its numbers.
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
            "标题\n\n各位同事：\n\n\
             【红色预警】项目甲：未达6月底50%支出进度\n  第一句。\n  第二句\n不拆开。\n\n\
             【系统通知】账务文件 a.csv 未能导入\n  a.csv:1: 一\n  a.csv:2: 二\n\n\
             项目明细：\n  项目名称：项目甲\n  执行率：41.60%\n\n\
             项目甲\n  一段。\n\n\
             --\n自动发送。\n"
        );
    }
}
