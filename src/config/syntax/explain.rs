//! The YAML reader's refusal turned into its likely cause, at the line where the cause is: an
//! unclosed quote or bracket, a value that needs quotes, a key without its colon or given twice,
//! a line not lined up with its section. The reader's own words are shown only when no cause is
//! recognised.

mod duplicate;

use super::{Line, plain_key};
use crate::config::Problem;
use duplicate::duplicate_key;

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

/// The likely cause of what the YAML reader refused, at the line where it is. First the
/// refusals that are about the whole file; then, at the line the reader stopped at, each of
/// [`AT_LINE`] in turn: the first that recognises the cause says it, and the reader's own
/// words are the fallback.
pub(super) fn explain(e: &serde_yaml::Error, lines: &[Line<'_>]) -> Problem {
    let message = e.to_string();
    if let Some(p) = duplicate_key(&message, e, lines)
        .or_else(|| several_documents(&message, lines))
        .or_else(|| control_character(&message, lines))
    {
        return p;
    }
    let Some(n) = e.location().map(|l| l.line()) else {
        return Problem::at("", not_yaml(&message));
    };
    let here = lines.get(n.wrapping_sub(1)).copied();
    let refusal = Refusal {
        error: e,
        message: &message,
        lines,
        n,
        here,
        what: here.map_or_else(|| "this line".to_owned(), |l| l.what()),
        second: locations(&message).get(1).map(|&(l, _)| l),
    };
    AT_LINE
        .iter()
        .find_map(|recognise| recognise(&refusal))
        .unwrap_or_else(|| Problem::on_line(n, not_yaml(&message)))
}

/// The YAML reader's refusal at a line, as the recognisers read it.
struct Refusal<'a, 't> {
    error: &'a serde_yaml::Error,
    /// The reader's message.
    message: &'a str,
    lines: &'a [Line<'t>],
    /// The line (from 1) the reader stopped at.
    n: usize,
    /// That line, when the file has it.
    here: Option<Line<'t>>,
    /// That line as messages name it ([`Line::what`]).
    what: String,
    /// The line of the second position in the message: where the construct the reader was
    /// reading began (a quote, a bracket, a key).
    second: Option<usize>,
}

impl<'t> Refusal<'_, 't> {
    /// Line `n` (from 1), when the file has it.
    fn line(&self, n: usize) -> Option<Line<'t>> {
        self.lines.get(n.wrapping_sub(1)).copied()
    }

    /// How messages name line `n`: [`Line::what`], or as the line the reader stopped at.
    fn what_of(&self, n: usize) -> String {
        self.line(n).map_or_else(|| self.what.clone(), |l| l.what())
    }
}

/// A recogniser of one kind of refusal at a line: the problem, when the refusal is its kind.
type Recogniser = fn(&Refusal<'_, '_>) -> Option<Problem>;

/// The recognisers of refusals at a line, in the order they are tried: a more telling cause
/// before one that the same message could also follow from.
const AT_LINE: [Recogniser; 14] = [
    unclosed_quoted_value,
    directive,
    key_value_starting_with_syntax,
    unclosed_flow,
    alias_anchor_or_token,
    tab,
    quote_trouble,
    mapping_value_in_value,
    simple_key_without_colon,
    unknown_escape,
    list_item_after_colon,
    colon_in_flow,
    node_starting_with_syntax,
    misaligned,
];

/// `---` or `...` after content: a second YAML document.
fn several_documents(message: &str, lines: &[Line<'_>]) -> Option<Problem> {
    if !message.contains("more than one document") {
        return None;
    }
    let mut content = false;
    for l in lines {
        let body = l.body();
        if (body == "---" || body.starts_with("--- ") || body == "...") && content {
            return Some(Problem::on_line(
                l.number,
                "a second YAML document starts here: a config is one document; delete this \
                 marker line (and what follows it, if it is not wanted)",
            ));
        }
        content |= !l.is_empty() && !body.starts_with("---") && !body.starts_with('%');
    }
    Some(Problem::at(
        "",
        "the file holds more than one YAML document (`---` lines): a config is one document",
    ))
}

/// An invisible control character, on the first line that holds one.
fn control_character(message: &str, lines: &[Line<'_>]) -> Option<Problem> {
    if !message.contains("control characters are not allowed") {
        return None;
    }
    lines.iter().find_map(|l| {
        let c = l
            .text
            .chars()
            .find(|&c| c.is_control() && c != '\t' && c != '\u{85}')?;
        Some(Problem::on_line(
            l.number,
            format!(
                "{} holds the invisible control character U+{:04X} (pasted from another \
                 program?): delete it",
                l.what(),
                u32::from(c)
            ),
        ))
    })
}

/// A quoted value not closed on its line; the reader names where the quote opened.
fn unclosed_quoted_value(r: &Refusal<'_, '_>) -> Option<Problem> {
    if !r.message.contains("while scanning a quoted scalar") {
        return None;
    }
    let (open, column) = locations(r.message).get(1).copied().unwrap_or((r.n, 0));
    let quote = r
        .line(open)
        .and_then(|l| l.text.chars().nth(column.saturating_sub(1)))
        .filter(|c| *c == '\'')
        .unwrap_or('"');
    Some(Problem::on_line(
        open,
        format!(
            "{} opens a quote that is not closed on its line: end the value with {quote}",
            r.what_of(open)
        ),
    ))
}

/// A `%` line: a YAML directive.
fn directive(r: &Refusal<'_, '_>) -> Option<Problem> {
    r.here.filter(|l| l.body().starts_with('%')).map(|_| {
        Problem::on_line(
            r.n,
            "a line starting with % is a YAML directive, which a config does not need: delete it",
        )
    })
}

/// `key: ]…`, `key: @…`: a value starting with a character YAML reads as syntax.
fn key_value_starting_with_syntax(r: &Refusal<'_, '_>) -> Option<Problem> {
    let l = r.here?;
    let key = plain_key(l.item())?;
    let value = l.item()[key.len()..].trim_start().strip_prefix(':')?;
    let c = value
        .trim_start()
        .chars()
        .next()
        .filter(|c| "]}@`".contains(*c))?;
    let start = l.text.len() - value.trim_start().len();
    Some(Problem::on_line(
        r.n,
        format!(
            "`{key}:` has a value starting with \"{c}\", which YAML reads as syntax: put the \
             value in quotes{}",
            quoted_value(l, start)
        ),
    ))
}

/// A `[` list or `{` section not closed; the reader names where it opened.
fn unclosed_flow(r: &Refusal<'_, '_>) -> Option<Problem> {
    let (_, open, close, kind) = [
        ("while parsing a flow sequence", '[', ']', "list"),
        ("while parsing a flow mapping", '{', '}', "section"),
    ]
    .into_iter()
    .find(|(context, ..)| r.message.contains(context))?;
    let start = r.second.unwrap_or(r.n);
    Some(Problem::on_line(
        start,
        format!(
            "{} opens a {kind} with \"{open}\" that is not closed with \"{close}\" (or two of \
             its items lack a comma between them): close it on this line, or put a value \
             holding \"{open}\", \"{close}\" or \",\" in quotes",
            r.what_of(start)
        ),
    ))
}

/// A value starting with `*`, `&`, `!` or another character that cannot start a value (or a
/// tab where a value should start).
fn alias_anchor_or_token(r: &Refusal<'_, '_>) -> Option<Problem> {
    let message = r.message;
    if !(message.contains("while scanning an alias")
        || message.contains("while scanning an anchor")
        || message.contains("unknown anchor")
        || message.contains("found character that cannot start any token"))
    {
        return None;
    }
    // An alias or anchor is reported after its first character; the context says where.
    let column = if message.contains("while scanning an a") {
        locations(message).get(1).map(|&(_, c)| c)
    } else {
        r.error.location().map(|l| l.column())
    };
    let here = r.here;
    let start = here
        .zip(column)
        .and_then(|(l, c)| l.text.char_indices().nth(c.saturating_sub(1)))
        .map(|(i, _)| i);
    let c = here
        .zip(start)
        .and_then(|(l, i)| l.text[i..].chars().next())
        .unwrap_or('?');
    let what = &r.what;
    if c == '\t' {
        return Some(Problem::on_line(
            r.n,
            format!("{what} has a tab where YAML needs spaces: use spaces only"),
        ));
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
    Some(Problem::on_line(
        r.n,
        format!(
            "{what} has a value starting with \"{c}\", which YAML reads as syntax{reads}: put \
             the value in quotes{example}"
        ),
    ))
}

/// A tab where YAML needs spaces.
fn tab(r: &Refusal<'_, '_>) -> Option<Problem> {
    r.message.contains("found a tab character").then(|| {
        Problem::on_line(
            r.n,
            format!(
                "{} has a tab where YAML needs spaces: use spaces only",
                r.what
            ),
        )
    })
}

/// "mapping values are not allowed": a value holding `: `, a key without its colon on the line
/// above, or a line indented under one that already has a value.
fn mapping_value_in_value(r: &Refusal<'_, '_>) -> Option<Problem> {
    if !r.message.contains("mapping values are not allowed") {
        return None;
    }
    let (n, here, what) = (r.n, r.here, &r.what);
    if let Some(l) = here
        && let Some(key) = plain_key(l.item())
        && let Some(value) = l.item()[key.len()..].trim_start().strip_prefix(':')
        && value.contains(": ")
    {
        return Some(Problem::on_line(
            n,
            format!(
                "the value of `{key}:` contains \": \", which YAML reads as another key: put \
                 the value in quotes"
            ),
        ));
    }
    let above = r.lines[..n.saturating_sub(1).min(r.lines.len())]
        .iter()
        .rev()
        .find(|l| !l.is_empty());
    if let Some(p) = above
        && let Some(problem) = no_colon(p)
    {
        return Some(problem);
    }
    if above.is_some_and(|p| here.is_some_and(|l| l.indent() > p.indent())) {
        return Some(Problem::on_line(
            n,
            format!(
                "{what} is indented more than the line above it, which already has a value: \
                 give the keys of one section the same indentation"
            ),
        ));
    }
    Some(Problem::on_line(n, not_yaml(r.message)))
}

/// "while scanning a simple key": the key's line has no colon.
fn simple_key_without_colon(r: &Refusal<'_, '_>) -> Option<Problem> {
    if !r.message.contains("while scanning a simple key") {
        return None;
    }
    r.second.and_then(|n| r.line(n)).and_then(|l| no_colon(&l))
}

/// A backslash in double quotes (a Windows path).
fn unknown_escape(r: &Refusal<'_, '_>) -> Option<Problem> {
    r.message
        .contains("found unknown escape character")
        .then(|| {
            Problem::on_line(
                r.n,
                format!(
                    "{} has a backslash in double quotes, where YAML reads it as the start of \
                     an escape such as \\n: write / in paths, or put the value in single quotes \
                     ('C:\\data'), or double the backslash",
                    r.what
                ),
            )
        })
}

/// `key: - item` on one line.
fn list_item_after_colon(r: &Refusal<'_, '_>) -> Option<Problem> {
    r.message
        .contains("block sequence entries are not allowed")
        .then(|| {
            Problem::on_line(
                r.n,
                format!(
                    "{} has a list item (`- `) after its colon on the same line: put each item \
                     on a line of its own below it, indented (`  - …`), or write the list as \
                     [a, b]",
                    r.what
                ),
            )
        })
}

/// A `:` inside a value of a `[ ]` list or a `{ }` section.
fn colon_in_flow(r: &Refusal<'_, '_>) -> Option<Problem> {
    r.message.contains("found unexpected ':'").then(|| {
        Problem::on_line(
            r.n,
            format!(
                "{} has a \":\" inside a value of a [ ] list or a {{ }} section: put that \
                 value in quotes",
                r.what
            ),
        )
    })
}

/// "did not find expected node content": an empty item in a `[ ]` list or `{ }` section, or a
/// value starting with a character YAML reads as syntax.
fn node_starting_with_syntax(r: &Refusal<'_, '_>) -> Option<Problem> {
    if !r.message.contains("did not find expected node content") {
        return None;
    }
    let (n, here, what) = (r.n, r.here, &r.what);
    let column = r.error.location().map_or(0, |l| l.column());
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
        return Some(Problem::on_line(
            n,
            format!(
                "{what} has an empty item in a [ ] list or {{ }} section (two commas in a \
                 row?): delete the extra comma"
            ),
        ));
    }
    let c = c.filter(|c| !c.is_whitespace())?;
    Some(Problem::on_line(
        n,
        format!(
            "{what} has a value starting with \"{c}\", which YAML reads as syntax: put the \
             value in quotes"
        ),
    ))
}

/// A line not lined up with its section or list.
fn misaligned(r: &Refusal<'_, '_>) -> Option<Problem> {
    let message = r.message;
    (message.contains("did not find expected key")
        || message.contains("did not find expected '-' indicator")
        || message.contains("while parsing a block"))
    .then(|| {
        Problem::on_line(
            r.n,
            format!(
                "{} does not line up with the lines above it: keys of one section need the \
                 same indentation, and list items the same `- ` column",
                r.what
            ),
        )
    })
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
/// it on its line, or has text after the closing quote. Looks at the line the reader stopped
/// at and the lines before.
fn quote_trouble(r: &Refusal<'_, '_>) -> Option<Problem> {
    for l in r.lines.iter().take(r.n).rev().filter(|l| !l.is_empty()) {
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
