//! The HTML renderer: a [`Document`] as the HTML part of an email (and later a web page).
//!
//! Styles are inline, as mail clients drop `<style>` sheets; bars are CSS boxes, so they show
//! even where the client blocks images. Every text is escaped: names of funds and files, and
//! the problems found in them, come from files a user wrote.
//!
//! The page reads on a phone (360–390 px wide) without scrolling sideways, and needs no media
//! query for that, since many clients drop them with `<style>`: a table is written as one small
//! table per row — the row's first cell as its title, then a `heading | value` line per column
//! — at most 420 px wide and side by side where the screen has room (`display:inline-table`),
//! rather than as one wide table of many columns; text wraps anywhere it must.

use std::fmt::Write as _;

use super::document::{Align, Block, Cell, Document, Grade, Image, Level, Notice, Section, Table};
use super::shown;

/// The page up to its first block.
const HEAD: &str = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"></head>\n\
<body style=\"font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',sans-serif;font-size:14px;color:#222;line-height:1.6;overflow-wrap:break-word;word-wrap:break-word\">\n";

/// The page after its last block.
const TAIL: &str = "</body>\n</html>\n";

/// The style of a table cell's border and padding.
const CELL: &str = "border:1px solid #ccc;padding:4px 8px";

/// The document as a whole HTML page.
pub fn render(doc: &Document) -> String {
    let mut out = String::from(HEAD);
    for block in &doc.blocks {
        block_html(&mut out, block);
    }
    out.push_str(TAIL);
    out
}

fn block_html(out: &mut String, block: &Block) {
    match block {
        Block::Heading(text) => {
            let _ = writeln!(
                out,
                "<h2 style=\"font-size:16px;margin:12px 0\">{}</h2>",
                escape(text)
            );
        }
        Block::Paragraph(text) => {
            let _ = writeln!(out, "<p>{}</p>", escape(text));
        }
        Block::Notice(notice) => notice_html(out, notice),
        Block::Table(table) => table_html(out, table),
        Block::Section(section) => section_html(out, section),
        Block::Footer(text) => {
            let _ = writeln!(
                out,
                "<p style=\"color:#888;font-size:12px;margin-top:24px\">{}</p>",
                escape(text)
            );
        }
        Block::Image(image) => image_html(out, image),
    }
}

/// An inline image by its Content-ID, as wide as drawn but never wider than the screen.
fn image_html(out: &mut String, image: &Image) {
    let _ = writeln!(
        out,
        "<p style=\"margin:8px 0\"><img src=\"cid:{}\" alt=\"{}\" width=\"{}\" height=\"{}\" style=\"display:block;max-width:100%;height:auto;border:0\"></p>",
        escape(&image.cid),
        escape(&image.alt),
        image.width,
        image.height
    );
    if let Some(caption) = &image.caption {
        let _ = writeln!(
            out,
            "<p style=\"margin:0 0 12px;color:#555;font-size:13px\">{}</p>",
            escape(caption)
        );
    }
}

/// The colour of a grade: its notice's border, and its word where a subject follows. Warnings
/// are amber, orange and red by urgency; an alert that ended is a calm green; notes are grey.
pub fn color(grade: Grade) -> &'static str {
    match grade {
        Grade::Lag(Level::Yellow) | Grade::Indicator => "#d4a000",
        Grade::Lag(Level::Orange) => "#e65100",
        Grade::Lag(Level::Red) | Grade::OverBudget => "#c62828",
        Grade::Resolved(_) => "#2e7d32",
        Grade::System => "#888",
        Grade::Stale | Grade::Caution => "#555",
    }
}

/// A box with a coloured left border: the grade and title, then one `<div>` per line.
fn notice_html(out: &mut String, notice: &Notice) {
    let color = color(notice.grade);
    let grade = escape(notice.grade.word());
    let _ = write!(
        out,
        "<div style=\"border-left:4px solid {color};padding:6px 12px;margin:12px 0;background:#fafafa\"><div>"
    );
    match &notice.subject {
        Some(subject) => {
            let _ = writeln!(
                out,
                "<span style=\"color:{color};font-weight:bold\">【{grade}】</span><b>{}</b>：{}</div>",
                escape(subject),
                escape(&notice.title)
            );
        }
        None => {
            let _ = writeln!(out, "<b>【{grade}】{}</b></div>", escape(&notice.title));
        }
    }
    // Several lines in one sentence (a rejected file's problems) keep their breaks.
    let style = if notice.multiline {
        "margin-top:4px;white-space:pre-wrap"
    } else {
        "margin-top:4px"
    };
    for line in &notice.lines {
        let _ = writeln!(out, "<div style=\"{style}\">{}</div>", escape(line));
    }
    out.push_str("</div>\n");
}

/// A table as one small table per row, each titled by the row's first cell (a fund's name),
/// with a `heading | value` line for each other column; the caption above, the legend below.
fn table_html(out: &mut String, table: &Table) {
    if let Some(caption) = &table.caption {
        let _ = writeln!(
            out,
            "<p style=\"font-weight:bold;margin:16px 0 4px\">{}</p>",
            escape(caption)
        );
    }
    // The space between two row tables side by side: widened here, not by a margin, which
    // would make a full-width table overflow a phone's screen.
    out.push_str("<div style=\"word-spacing:12px\">\n");
    for row in &table.rows {
        out.push_str(
            "<table style=\"display:inline-table;vertical-align:top;border-collapse:collapse;width:100%;max-width:420px;margin:0 0 12px;font-size:13px;word-spacing:normal\">\n",
        );
        let mut cells = table.columns.iter().zip(row);
        if let Some((_, title)) = cells.next() {
            let _ = writeln!(
                out,
                "<tr><th colspan=\"2\" style=\"{CELL};background:#f0f0f0;text-align:left\">{}</th></tr>",
                escape(title.text())
            );
        }
        for (column, cell) in cells {
            let _ = write!(
                out,
                "<tr><th scope=\"row\" style=\"{CELL};font-weight:normal;color:#555;text-align:left;white-space:nowrap;width:1%\">{}</th>",
                escape(&column.heading)
            );
            cell_html(out, column.align, cell);
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str("</div>\n");
    if let Some(legend) = &table.legend {
        let _ = writeln!(
            out,
            "<p style=\"font-size:12px;color:#666;margin-top:0\">{}</p>",
            escape(legend)
        );
    }
}

/// A value of a row: text, or a rate with its bar (blue up to the value, a red line at the
/// mark) under it, on the side its column aligns to.
fn cell_html(out: &mut String, align: Align, cell: &Cell) {
    let (align, bar_margin) = match align {
        Align::Left => ("left", "margin-right:auto"),
        Align::Right => ("right", "margin-left:auto"),
    };
    match cell {
        Cell::Text(text) => {
            let _ = write!(
                out,
                "<td style=\"{CELL};text-align:{align}\">{}</td>",
                // A bidi override in a memo or name would reorder the cells after it.
                escape(&shown(text))
            );
        }
        Cell::Bar { text, value, mark } => {
            let width = (value.clamp(0.0, 1.0) * 100.0).round();
            let mark = (mark.clamp(0.0, 1.0) * 100.0).round();
            let _ = write!(
                out,
                "<td style=\"{CELL};text-align:{align}\">{}<div style=\"position:relative;width:80px;height:6px;background:#e0e0e0;margin-top:2px;{bar_margin}\">\
                 <div style=\"width:{width}%;height:6px;background:#1e88e5\"></div>\
                 <div style=\"position:absolute;left:{mark}%;top:-2px;width:2px;height:10px;background:#c62828\"></div></div></td>",
                escape(text)
            );
        }
    }
}

fn section_html(out: &mut String, section: &Section) {
    let _ = writeln!(
        out,
        "<h3 style=\"font-size:14px;margin:16px 0 4px\">{}</h3>",
        escape(&section.heading)
    );
    for block in &section.blocks {
        block_html(out, block);
    }
}

/// `text` with `& < > "` escaped, for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::Column;

    #[test]
    fn every_block_as_html_with_text_escaped() {
        let doc = Document {
            blocks: vec![
                Block::Heading("标题<1>".into()),
                Block::Paragraph("a & b".into()),
                Block::Notice(Notice {
                    grade: Grade::Lag(Level::Yellow),
                    subject: Some("项目\"甲\"".into()),
                    title: "距6月底".into(),
                    lines: vec!["一".into()],
                    multiline: false,
                }),
                Block::Notice(Notice {
                    grade: Grade::System,
                    subject: None,
                    title: "文件 <b>".into(),
                    lines: vec!["x\ny".into()],
                    multiline: true,
                }),
                Block::Table(Table {
                    caption: Some("明细".into()),
                    columns: vec![
                        Column::new("名称", Align::Left),
                        Column::new("执行率", Align::Right),
                    ],
                    rows: vec![vec![
                        Cell::Text("甲".into()),
                        Cell::Bar {
                            text: "41.60%".into(),
                            value: 0.416,
                            mark: 1.7,
                        },
                    ]],
                    legend: None,
                }),
                Block::Section(Section {
                    heading: "乙".into(),
                    blocks: vec![Block::Paragraph("段".into())],
                }),
                Block::Footer("尾".into()),
                Block::Image(Image {
                    cid: "chart-\"a\"".into(),
                    alt: "累计支出<图>".into(),
                    width: 600,
                    height: 300,
                    caption: None,
                }),
            ],
        };
        let html = render(&doc);
        assert!(html.starts_with(HEAD) && html.ends_with(TAIL), "{html}");
        let body = &html[HEAD.len()..html.len() - TAIL.len()];
        let cell = "border:1px solid #ccc;padding:4px 8px";
        assert_eq!(
            body,
            format!(
                "<h2 style=\"font-size:16px;margin:12px 0\">标题&lt;1&gt;</h2>\n\
                 <p>a &amp; b</p>\n\
                 <div style=\"border-left:4px solid #d4a000;padding:6px 12px;margin:12px 0;background:#fafafa\"><div><span style=\"color:#d4a000;font-weight:bold\">【黄色预警】</span><b>项目&quot;甲&quot;</b>：距6月底</div>\n\
                 <div style=\"margin-top:4px\">一</div>\n</div>\n\
                 <div style=\"border-left:4px solid #888;padding:6px 12px;margin:12px 0;background:#fafafa\"><div><b>【系统通知】文件 &lt;b&gt;</b></div>\n\
                 <div style=\"margin-top:4px;white-space:pre-wrap\">x\ny</div>\n</div>\n\
                 <p style=\"font-weight:bold;margin:16px 0 4px\">明细</p>\n\
                 <div style=\"word-spacing:12px\">\n\
                 <table style=\"display:inline-table;vertical-align:top;border-collapse:collapse;width:100%;max-width:420px;margin:0 0 12px;font-size:13px;word-spacing:normal\">\n\
                 <tr><th colspan=\"2\" style=\"{cell};background:#f0f0f0;text-align:left\">甲</th></tr>\n\
                 <tr><th scope=\"row\" style=\"{cell};font-weight:normal;color:#555;text-align:left;white-space:nowrap;width:1%\">执行率</th>\
                 <td style=\"{cell};text-align:right\">41.60%<div style=\"position:relative;width:80px;height:6px;background:#e0e0e0;margin-top:2px;margin-left:auto\">\
                 <div style=\"width:42%;height:6px;background:#1e88e5\"></div>\
                 <div style=\"position:absolute;left:100%;top:-2px;width:2px;height:10px;background:#c62828\"></div></div></td></tr>\n\
                 </table>\n</div>\n\
                 <h3 style=\"font-size:14px;margin:16px 0 4px\">乙</h3>\n<p>段</p>\n\
                 <p style=\"color:#888;font-size:12px;margin-top:24px\">尾</p>\n\
                 <p style=\"margin:8px 0\"><img src=\"cid:chart-&quot;a&quot;\" alt=\"累计支出&lt;图&gt;\" width=\"600\" height=\"300\" style=\"display:block;max-width:100%;height:auto;border:0\"></p>\n"
            )
        );
    }
}
