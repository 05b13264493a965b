//! A key given twice in one section, as the YAML reader reports it (`funds[0]: duplicate entry
//! with key "id"`): the section's key path, and both lines, found by walking the section from
//! where the reader says it starts.

use super::Line;
use crate::config::Problem;

/// A key given twice in one section: both lines, found from where the section starts.
pub(super) fn duplicate_key(
    message: &str,
    e: &serde_yaml::Error,
    lines: &[Line<'_>],
) -> Option<Problem> {
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
