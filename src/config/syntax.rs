//! From the text of `config.yaml` to a YAML tree, explaining what YAML refuses in words an
//! administrator can act on, with the line.
//!
//! Two passes. First the lines are checked for what an editor or an input method puts where
//! YAML needs ASCII — a tab or a full-width space as indentation, a full-width colon `：` after
//! a key, a full-width dash as a list marker, a key glued to its value (`timezone:UTC`) — because
//! the YAML reader does not see these as the cause: it reports a symptom lines later, or reads
//! the whole file as one string. Then the YAML reader runs, and its error is turned into the
//! likely cause (an unclosed quote, a value that needs quotes, a key given twice, a line not
//! lined up with its section). A value is shown only to show it quoted, and never on the line
//! of a password.

use serde_yaml::Value;

use super::{Problem, Problems, keys};

mod explain;

/// How many lines of one kind of line problem are listed before the rest are only counted.
const LISTED_LINES: usize = 5;

/// The YAML tree of `text`, or `None` with the problems added.
pub(super) fn read(text: &str, problems: &mut Problems) -> Option<Value> {
    let lines = split_lines(text);
    let found = line_problems(&lines);
    if !found.is_empty() {
        // These lines are the cause; whatever the YAML reader would say follows from them.
        for p in found {
            problems.push(p);
        }
        return None;
    }
    match serde_yaml::from_str::<Value>(text) {
        Ok(Value::Null) => {
            problems.add(
                "",
                "the file is empty (or holds only comments): a config needs at least the \
                 `funds:` list; start from the config.yaml shipped with spendwatch, which \
                 explains every key",
            );
            None
        }
        Ok(tree) => Some(tree),
        Err(e) => {
            problems.push(explain::explain(&e, &lines));
            None
        }
    }
}

/// One line of the file, numbered from 1.
#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    number: usize,
    text: &'t str,
}

impl<'t> Line<'t> {
    /// The text after the indentation (spaces, tabs and full-width spaces).
    fn body(&self) -> &'t str {
        self.text.trim_start_matches([' ', '\t', '\u{3000}'])
    }

    /// Blank or only a comment.
    fn is_empty(&self) -> bool {
        let body = self.body();
        body.is_empty() || body.starts_with('#')
    }

    fn indent(&self) -> usize {
        self.text.len() - self.text.trim_start_matches(' ').len()
    }

    /// The line without its list markers (`- - key: value` → `key: value`).
    fn item(&self) -> &'t str {
        let mut item = self.body();
        while let Some(rest) = item.strip_prefix('-') {
            if rest.is_empty() || rest.starts_with([' ', '\t']) {
                item = rest.trim_start_matches([' ', '\t']);
            } else {
                break;
            }
        }
        item
    }

    /// `` `key:` `` if the line starts with a key, else "this line", for messages.
    fn what(&self) -> String {
        match plain_key(self.item()).or_else(|| any_key(self.item())) {
            Some(key) => format!("`{key}:`"),
            None => "this line".to_owned(),
        }
    }
}

/// Lines as YAML counts them: ended by LF, CRLF or a lone CR.
fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (line, next) = match rest.find(['\n', '\r']) {
            Some(i) if rest[i..].starts_with("\r\n") => (&rest[..i], &rest[i + 2..]),
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        lines.push(Line {
            number: lines.len() + 1,
            text: line,
        });
        rest = next;
    }
    lines
}

/// An ASCII key (`[A-Za-z_][A-Za-z0-9_]*`) at the start of `text`.
fn plain_key(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let key = &text[..end];
    key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        .then_some(key)
}

/// Any text before a colon, ASCII or full-width, at the start of `text` (`时区：`): a key as
/// written, even one that is not a key of the config.
fn any_key(text: &str) -> Option<&str> {
    let end = text.find([' ', ':', '：', '"', '\'', '#', '{', '[', ','])?;
    let rest = text[end..].trim_start_matches(' ');
    (end > 0 && rest.starts_with([':', '：'])).then(|| &text[..end])
}

/// Dashes an input method or a word processor puts where a list needs `-`.
const WIDE_DASHES: [char; 5] = ['－', '—', '–', '―', '•'];

/// The problems visible in single lines, whatever the YAML reader makes of them.
fn line_problems(lines: &[Line<'_>]) -> Vec<Problem> {
    let mut tabs = Vec::new();
    let mut wide_spaces = Vec::new();
    let mut other = Vec::new();
    for line in lines.iter().filter(|l| !l.is_empty()) {
        let indent = &line.text[..line.text.len() - line.body().len()];
        if indent.contains('\t') {
            let what = line.what();
            tabs.push(Problem::on_line(
                line.number,
                format!(
                    "{what} is indented with a tab, which YAML does not allow: indent with \
                     spaces only, like the lines around it"
                ),
            ));
        } else if indent.contains('\u{3000}') {
            let what = line.what();
            wide_spaces.push(Problem::on_line(
                line.number,
                format!(
                    "{what} is indented with a full-width space (U+3000), which YAML does not \
                     take as indentation: indent with ASCII spaces only"
                ),
            ));
        }
        let item = line.item();
        if let Some(dash) = item.chars().next().filter(|c| WIDE_DASHES.contains(c))
            && item[dash.len_utf8()..].starts_with([' ', '\u{3000}'])
        {
            other.push(Problem::on_line(
                line.number,
                format!(
                    "the list item starts with \"{dash}\" (U+{:04X}) instead of the ASCII hyphen: \
                     write `- ` (hyphen and space)",
                    u32::from(dash)
                ),
            ));
        }
        for (key, after, at_line_start) in keys_in(line) {
            let glued = after.trim_start_matches(' ');
            if glued.starts_with('：') && (at_line_start || keys::is_known_key(key)) {
                other.push(Problem::on_line(
                    line.number,
                    format!(
                        "`{key}：` has a full-width colon \"：\": write the ASCII colon and a \
                         space, `{key}: `"
                    ),
                ));
            } else if keys::is_known_key(key)
                && after
                    .strip_prefix(':')
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(|c| !c.is_whitespace())
            {
                other.push(Problem::on_line(
                    line.number,
                    format!(
                        "`{key}:` needs a space after the colon, or YAML reads the key and \
                         its value as one text: write `{key}: …`"
                    ),
                ));
            }
        }
    }
    let mut found = Vec::new();
    for mut kind in [tabs, wide_spaces, other] {
        if kind.len() > LISTED_LINES {
            let more = kind.len() - LISTED_LINES;
            kind.truncate(LISTED_LINES);
            if let Some(last) = kind.last_mut() {
                last.message
                    .push_str(&format!(" (and {more} more lines like this one)"));
            }
        }
        found.extend(kind);
    }
    found
}

/// The places on a line where a key may start: the start of the item, and after `{` or `,`
/// outside quotes (flow mappings such as `{by: "06-30", share: 50%}`). Each with the text after
/// the key and whether it is the start of the line (where no value can begin with a word and a
/// full-width colon).
fn keys_in<'t>(line: &Line<'t>) -> Vec<(&'t str, &'t str, bool)> {
    let item = line.item();
    let mut found = Vec::new();
    let at_line_start = item.len() == line.body().len();
    if let Some(key) = plain_key(item) {
        found.push((key, &item[key.len()..], at_line_start));
    } else if let Some(key) = any_key(item).filter(|_| at_line_start) {
        // No value starts a line with a word and a colon: this is a key, if not one we know.
        found.push((key, &item[key.len()..], true));
    }
    let mut quote = None;
    for (i, c) in item.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if i > 0 && item[..i].ends_with(' ') => break,
            (None, '{' | ',') => {
                let rest = item[i + 1..].trim_start_matches(' ');
                if let Some(key) = plain_key(rest) {
                    found.push((key, &rest[key.len()..], false));
                }
            }
            _ => {}
        }
    }
    found
}
