//! What the text reader tells the accountant about a whole file or a stray quote: Chinese,
//! pointing at the cause (the quote where it opens, not the amount it spoiled), saying what
//! to do.

use super::super::Problem;
use super::super::cell;
use super::super::header::{Header, Role, column_letter};
use super::super::sniff::Encoding;
use super::Row;
use super::lines::{QuoteSpan, SpanEnd};

/// Why a text file with no text in any cell is refused.
pub(super) fn empty_file(head: &[u8], encoding: Encoding) -> String {
    let what = if head.is_empty() {
        "0 字节"
    } else if head.len() == encoding.bom_len() {
        "只有开头的编码标记 BOM，没有内容"
    } else {
        "只有空行、空格或分隔符，没有任何内容"
    };
    format!("文件是空的（{what}）；请从财务软件重新导出账页后再导入")
}

/// A column for messages: `C列（摘要）` under a header, `C列` before one.
pub(super) fn column(header: Option<&Header>, index: usize) -> String {
    let letter = column_letter(index);
    let name = header
        .and_then(|h| h.names.get(index))
        .map_or("", |n| n.trim());
    if name.is_empty() {
        format!("{letter}列")
    } else if name.chars().count() <= 20 && crate::report::shown(name) == name {
        format!("{letter}列（{name}）")
    } else {
        format!("{letter}列（{}）", cell::quoted(name))
    }
}

/// The lines of a cell's text (CR, LF or CRLF between them).
fn lines_of(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
}

/// The problem a quoted cell spanning lines makes of its row, if it is a stray quote: one
/// never closed, one "closed" by a quote inside later text, or one whose lines read as rows
/// of the ledger (a line break inside a memo is kept).
pub(super) fn quote_problem(row: &Row, header: Option<&Header>, delimiter: u8) -> Option<Problem> {
    let at = |span: &QuoteSpan| Some(span.line.to_string());
    for span in &row.spans {
        let text = row.cell(span.field);
        let first = lines_of(text).next().unwrap_or("");
        let cell = format!(
            "{}的单元格（以{}开头）",
            column(header, span.field),
            cell::quoted(first)
        );
        let message = match span.end {
            SpanEnd::Eof => {
                let swallowed = if span.end_line == span.line {
                    "这一行从引号起直到文件末尾".to_owned()
                } else {
                    format!("从第{}行直到文件末尾（第{}行）", span.line, span.end_line)
                };
                format!(
                    "{cell}以引号（\"）开头，这个引号一直没有闭合：{swallowed}都被读成了这一个单元格；\
                     请在这个单元格内容的末尾补上引号，或删去开头的引号，然后重新导入"
                )
            }
            SpanEnd::MidCell => format!(
                "{cell}以引号（\"）开头，直到第{end}行才遇到下一个引号，而且它后面还有文字，不像是这个\
                 单元格的结尾：第{open}行到第{end}行都被读成了这一个单元格；请检查这两行的引号，补上漏掉的\
                 或删去多余的，然后重新导入",
                end = span.end_line,
                open = span.line
            ),
            SpanEnd::Closed => {
                let Some((offset, line)) = lines_of(text)
                    .enumerate()
                    .skip(1)
                    .find(|(_, line)| reads_as_row(line, header, delimiter))
                else {
                    continue;
                };
                format!(
                    "{cell}以引号（\"）开头，直到第{}行才闭合，其中的第{}行 {} 看起来是一行账目，却被读成了\
                     这个单元格里的文字；请在第{}行这个单元格内容的末尾补上引号，或删去开头的引号，\
                     然后重新导入（单元格里确实需要换行时，请删去这一行里的分隔符）",
                    span.end_line,
                    u64::from(span.line) + offset as u64,
                    cell::quoted(line),
                    span.line
                )
            }
        };
        return Some(Problem {
            location: at(span),
            message,
        });
    }
    None
}

/// A line inside a quoted cell that is a row of the ledger swallowed by a stray quote: split
/// by the delimiter, it has a date in the header's date column (or, without a date column or
/// header, in any field) and at least one other field.
fn reads_as_row(line: &str, header: Option<&Header>, delimiter: u8) -> bool {
    let fields: Vec<&str> = line.split(char::from(delimiter)).collect();
    if fields.len() < 2 {
        return false;
    }
    let is_date = |f: &&str| !f.trim().is_empty() && cell::parse_date(f).is_ok();
    match header.and_then(|h| h.first(Role::Date)) {
        Some(column) => fields.get(column).is_some_and(is_date),
        None => fields.iter().any(is_date),
    }
}
