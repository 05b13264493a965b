//! The YAML reader's refusal turned into its likely cause, at the line where the cause is: an
//! unclosed quote or bracket, a value that needs quotes, a key without its colon or given twice,
//! a line not lined up with its section. The reader's own words are shown only when no cause is
//! recognised.

use super::{Line, plain_key};
use crate::config::Problem;

/// Every `at line L column C` in a YAML error message.
fn locations(message: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut rest = message;
    while let Some(i) = rest.find("at line ") {
        rest = &rest[i + "at line ".len()..];
        let number = |s: &str| {
            let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            s[..end].parse::<usize>().ok()
        };
        if let Some(line) = number(rest)
            && let Some(j) = rest.find("column ")
            && let Some(column) = number(&rest[j + "column ".len()..])
        {
            found.push((line, column));
        }
    }
    found
}

/// The likely cause of what the YAML reader refused, at the line where it is.
pub(super) fn explain(e: &serde_yaml::Error, lines: &[Line<'_>]) -> Problem {
    let message = e.to_string();
    let at = e.location().map(|l| l.line());
    let line = |n: usize| lines.get(n.wrapping_sub(1)).copied();
    let second = locations(&message).get(1).map(|&(l, _)| l);

    if let Some(p) = duplicate_key(&message, e, lines) {
        return p;
    }
    if message.contains("more than one document") {
        let mut content = false;
        for l in lines {
            let body = l.body();
            if (body == "---" || body.starts_with("--- ") || body == "...") && content {
                return Problem::on_line(
                    l.number,
                    "a second YAML document starts here: a config is one document; delete this \
                     marker line (and what follows it, if it is not wanted)",
                );
            }
            content |= !l.is_empty() && !body.starts_with("---") && !body.starts_with('%');
        }
        return Problem::at(
            "",
            "the file holds more than one YAML document (`---` lines): a config is one document",
        );
    }
    if message.contains("control characters are not allowed") {
        for l in lines {
            if let Some(c) = l
                .text
                .chars()
                .find(|&c| c.is_control() && c != '\t' && c != '\u{85}')
            {
                return Problem::on_line(
                    l.number,
                    format!(
                        "{} holds the invisible control character U+{:04X} (pasted from another \
                         program?): delete it",
                        l.what(),
                        u32::from(c)
                    ),
                );
            }
        }
    }
    let Some(n) = at else {
        return Problem::at("", not_yaml(&message));
    };
    let here = line(n);
    let what = here.map_or_else(|| "this line".to_owned(), |l| l.what());

    if message.contains("while scanning a quoted scalar") {
        let (open, column) = locations(&message).get(1).copied().unwrap_or((n, 0));
        let quote = line(open)
            .and_then(|l| l.text.chars().nth(column.saturating_sub(1)))
            .filter(|c| *c == '\'')
            .unwrap_or('"');
        return Problem::on_line(
            open,
            format!(
                "{} opens a quote that is not closed on its line: end the value with {quote}",
                line(open).map_or(what, |l| l.what())
            ),
        );
    }
    if let Some(l) = here
        && l.body().starts_with('%')
    {
        return Problem::on_line(
            n,
            "a line starting with % is a YAML directive, which a config does not need: delete it",
        );
    }
    if let Some(l) = here
        && let Some(key) = plain_key(l.item())
        && let Some(value) = l.item()[key.len()..].trim_start().strip_prefix(':')
        && let Some(c) = value
            .trim_start()
            .chars()
            .next()
            .filter(|c| "]}@`".contains(*c))
    {
        let start = l.text.len() - value.trim_start().len();
        return Problem::on_line(
            n,
            format!(
                "`{key}:` has a value starting with \"{c}\", which YAML reads as syntax: put the \
                 value in quotes{}",
                quoted_value(l, start)
            ),
        );
    }
    for (context, open, close, kind) in [
        ("while parsing a flow sequence", '[', ']', "list"),
        ("while parsing a flow mapping", '{', '}', "section"),
    ] {
        if message.contains(context) {
            let start = second.unwrap_or(n);
            return Problem::on_line(
                start,
                format!(
                    "{} opens a {kind} with \"{open}\" that is not closed with \"{close}\" (or two \
                     of its items lack a comma between them): close it on this line, or put a \
                     value holding \"{open}\", \"{close}\" or \",\" in quotes",
                    line(start).map_or(what, |l| l.what())
                ),
            );
        }
    }
    if message.contains("while scanning an alias")
        || message.contains("while scanning an anchor")
        || message.contains("unknown anchor")
        || message.contains("found character that cannot start any token")
    {
        // An alias or anchor is reported after its first character; the context says where.
        let column = if message.contains("while scanning an a") {
            locations(&message).get(1).map(|&(_, c)| c)
        } else {
            e.location().map(|l| l.column())
        };
        let start = here
            .zip(column)
            .and_then(|(l, c)| l.text.char_indices().nth(c.saturating_sub(1)))
            .map(|(i, _)| i);
        let c = here
            .zip(start)
            .and_then(|(l, i)| l.text[i..].chars().next())
            .unwrap_or('?');
        if c == '\t' {
            return Problem::on_line(
                n,
                format!("{what} has a tab where YAML needs spaces: use spaces only"),
            );
        }
        let reads = match c {
            '*' => " (a reference to an anchor)",
            '&' => " (an anchor)",
            '!' => " (a tag)",
            _ => "",
        };
        let example = here
            .zip(start)
            .map(|(l, i)| quoted_value(l, i))
            .unwrap_or_default();
        return Problem::on_line(
            n,
            format!(
                "{what} has a value starting with \"{c}\", which YAML reads as syntax{reads}: put \
                 the value in quotes{example}"
            ),
        );
    }
    if message.contains("found a tab character") {
        return Problem::on_line(
            n,
            format!("{what} has a tab where YAML needs spaces: use spaces only"),
        );
    }
    if let Some(p) = quote_trouble(lines, n) {
        return p;
    }
    if message.contains("mapping values are not allowed") {
        if let Some(l) = here
            && let Some(key) = plain_key(l.item())
            && let Some(value) = l.item()[key.len()..].trim_start().strip_prefix(':')
            && value.contains(": ")
        {
            return Problem::on_line(
                n,
                format!(
                    "the value of `{key}:` contains \": \", which YAML reads as another key: put \
                     the value in quotes"
                ),
            );
        }
        let above = lines[..n.saturating_sub(1).min(lines.len())]
            .iter()
            .rev()
            .find(|l| !l.is_empty());
        if let Some(p) = above
            && let Some(problem) = no_colon(p)
        {
            return problem;
        }
        if above.is_some_and(|p| here.is_some_and(|l| l.indent() > p.indent())) {
            return Problem::on_line(
                n,
                format!(
                    "{what} is indented more than the line above it, which already has a value: \
                     give the keys of one section the same indentation"
                ),
            );
        }
        return Problem::on_line(n, not_yaml(&message));
    }
    if message.contains("while scanning a simple key")
        && let Some(problem) = second.and_then(line).and_then(|l| no_colon(&l))
    {
        return problem;
    }
    if message.contains("found unknown escape character") {
        return Problem::on_line(
            n,
            format!(
                "{what} has a backslash in double quotes, where YAML reads it as the start of an \
                 escape such as \\n: write / in paths, or put the value in single quotes \
                 ('C:\\data'), or double the backslash"
            ),
        );
    }
    if message.contains("block sequence entries are not allowed") {
        return Problem::on_line(
            n,
            format!(
                "{what} has a list item (`- `) after its colon on the same line: put each item on \
                 a line of its own below it, indented (`  - …`), or write the list as [a, b]"
            ),
        );
    }
    if message.contains("found unexpected ':'") {
        return Problem::on_line(
            n,
            format!(
                "{what} has a \":\" inside a value of a [ ] list or a {{ }} section: put that \
                 value in quotes"
            ),
        );
    }
    if message.contains("did not find expected node content") {
        let column = e.location().map_or(0, |l| l.column());
        let c = here.and_then(|l| l.text.chars().nth(column.saturating_sub(1)));
        let before = here
            .map(|l| {
                l.text
                    .chars()
                    .take(column.saturating_sub(1))
                    .collect::<String>()
            })
            .unwrap_or_default();
        if c == Some(',') && before.contains(['[', '{']) {
            return Problem::on_line(
                n,
                format!(
                    "{what} has an empty item in a [ ] list or {{ }} section (two commas in a \
                     row?): delete the extra comma"
                ),
            );
        }
        if let Some(c) = c.filter(|c| !c.is_whitespace()) {
            return Problem::on_line(
                n,
                format!(
                    "{what} has a value starting with \"{c}\", which YAML reads as syntax: put \
                     the value in quotes"
                ),
            );
        }
    }
    if message.contains("did not find expected key")
        || message.contains("did not find expected '-' indicator")
        || message.contains("while parsing a block")
    {
        return Problem::on_line(
            n,
            format!(
                "{what} does not line up with the lines above it: keys of one section need the \
                 same indentation, and list items the same `- ` column"
            ),
        );
    }
    Problem::on_line(n, not_yaml(&message))
}

/// The value starting at byte `start` of `line` as it should be written, in quotes: `, e.g.
/// schedule: "*/5 * * * *"` for the whole value of a key, `, e.g. "@finance"` for an item of a
/// `[…]` list. Nothing for the value of a password key, which is never shown.
fn quoted_value(line: Line<'_>, start: usize) -> String {
    let item = line.item();
    let key = plain_key(item);
    if key.is_some_and(|k| k.to_lowercase().contains("password")) {
        return String::new();
    }
    let rest = &line.text[start..];
    let item_start = line.text.len() - item.len();
    let value_start = key.and_then(|k| {
        let after = &item[k.len()..];
        let colon = after.trim_start_matches(' ').strip_prefix(':')?;
        Some(item_start + item.len() - colon.trim_start_matches(' ').len())
    });
    match (key, value_start) {
        (Some(key), Some(v)) if v == start => {
            let value = rest.split(" #").next().unwrap_or(rest).trim_end();
            format!(", e.g. {key}: {value:?}")
        }
        _ => {
            let token = rest.split([',', ']', '}', ' ']).next().unwrap_or(rest);
            format!(", e.g. {token:?}")
        }
    }
}

/// A line that is a key without its colon (`budget 15.00万元`), as the cause of what follows.
fn no_colon(line: &Line<'_>) -> Option<Problem> {
    let item = line.item();
    let word = item.split_whitespace().next()?;
    let plain_word = word
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    // A list item (`- 网络`) is a value without a colon, rightly.
    let listed = item.len() != line.body().len();
    if listed
        || item.contains([':', '：'])
        || item.starts_with(['"', '\'', '[', '{'])
        || !plain_word
    {
        return None;
    }
    Some(Problem::on_line(
        line.number,
        format!(
            "the line starting with `{word}` has no colon: write `{word}: …` (a colon and a space \
             after the key), or, if it continues the value above, put that value in quotes on \
             one line"
        ),
    ))
}

/// The fallback: the YAML reader's own words (without its positions, which the prefix gives),
/// and what usually causes them.
fn not_yaml(message: &str) -> String {
    let words = message.split(" at line ").next().unwrap_or(message);
    format!(
        "this is not valid YAML ({words}); check the indentation (spaces only, the same for the \
         keys of one section) and put values holding \": \", \" #\", \"[\" or \"{{\" in quotes"
    )
}

/// A quote that is the cause of a later error: a value that opens a quote and does not close
/// it on its line, or has text after the closing quote. Looks at line `n` and the lines before.
fn quote_trouble(lines: &[Line<'_>], n: usize) -> Option<Problem> {
    for l in lines.iter().take(n).rev().filter(|l| !l.is_empty()) {
        let item = l.item();
        let value = match plain_key(item) {
            Some(key) => item[key.len()..]
                .trim_start()
                .strip_prefix(':')?
                .trim_start(),
            None => item,
        };
        let Some(q) = value.chars().next().filter(|&c| c == '"' || c == '\'') else {
            continue;
        };
        let inner = &value[1..];
        let close = if q == '"' {
            let mut escaped = false;
            inner.char_indices().find_map(|(i, c)| match c {
                '\\' if !escaped => {
                    escaped = true;
                    None
                }
                c if c == q && !escaped => Some(i),
                _ => {
                    escaped = false;
                    None
                }
            })
        } else {
            inner.find(q)
        };
        let message = match close {
            None => format!(
                "{} opens a quote that is not closed on its line: end the value with {q}",
                l.what()
            ),
            Some(i) => {
                let tail = inner[i + 1..].trim_start();
                if tail.is_empty() || tail.starts_with('#') || tail.starts_with([',', ']', '}']) {
                    continue;
                }
                format!(
                    "{} has text after the closing quote: put the whole value in quotes (a quote \
                     inside double quotes is written \\\")",
                    l.what()
                )
            }
        };
        return Some(Problem::on_line(l.number, message));
    }
    None
}

/// A key given twice in one section: both lines, found from where the section starts.
fn duplicate_key(message: &str, e: &serde_yaml::Error, lines: &[Line<'_>]) -> Option<Problem> {
    let i = message.find("duplicate entry")?;
    // The reader names the section before its message: `funds[0]: duplicate entry …`.
    let section = message[..i].trim_end().trim_end_matches(':');
    let after = message[i..].strip_prefix("duplicate entry with key ");
    let key = after.and_then(|s| {
        let s = s.strip_prefix('"')?;
        let end = s.find('"')?;
        Some(&s[..end])
    });
    let path = match (section, key) {
        ("", Some(key)) => key.to_owned(),
        (section, Some(key)) => format!("{section}.{key}"),
        (section, None) => section.to_owned(),
    };
    let Some(key) = key else {
        return Some(Problem::at(
            path,
            "a key is given twice in this section: keep one",
        ));
    };
    let (start, column) = e.location().map(|l| (l.line(), l.column()))?;
    let mut seen = Vec::new();
    for l in lines.iter().skip(start - 1) {
        if l.is_empty() {
            continue;
        }
        let text = if l.number == start {
            l.text.get(column - 1..).unwrap_or("")
        } else if l.indent() == column - 1 {
            &l.text[column - 1..]
        } else if l.indent() < column - 1 {
            break;
        } else {
            continue;
        };
        if text
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start_matches(' ').starts_with(':'))
        {
            seen.push(l.number);
        }
    }
    Some(match seen[..] {
        [first, second, ..] => Problem {
            line: Some(second),
            path,
            message: format!("given twice (first on line {first}): keep one of them"),
        },
        _ => Problem {
            line: Some(start),
            path,
            message: "given twice in this section: keep one of them".to_owned(),
        },
    })
}
