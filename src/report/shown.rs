//! Names and text from outside (file and sheet names, headers, memos) as they may be shown:
//! in the journal, a subject line, a table, a message. Linux lets a file name hold a line
//! break, so `a\r\nX: y.xlsx` would forge a journal line or a mail header, and a bidi
//! override (U+202E) makes `evil` + U+202E + `xslx.exe` read as `evilexe.xlsx`; such
//! characters are written out as escapes here, once, for every place that shows a name.
//!
//! Only what is hidden or moves other text is escaped: ordinary Chinese, spaces (the
//! full-width one too) and punctuation stay as they are, and an escaped text shown again is
//! unchanged. The escapes are for reading, not for typing back: a backslash is kept as it is.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

/// `text` with every character that could break a line, hide text or reorder it written as
/// an escape: the C0 controls (`\t`, `\n`, `\r`, `\0`, others as `\u{1b}`), DEL and the C1
/// controls (`\u{7f}`, `\u{85}`), the line and paragraph separators (`\u{2028}`,
/// `\u{2029}`) and the bidi controls (`\u{202e}` …: U+061C, U+200E–200F, U+202A–202E,
/// U+2066–2069). Borrowed when there is none, which is nearly always.
#[must_use]
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_shown(&mut out, text);
    Cow::Owned(out)
}

/// A path as [`shown`] shows text; bytes that are not UTF-8 (a name written in GBK by an old
/// Samba share) are shown as `\xNN`, so two different names never look the same by losing
/// their bytes to `�`.
#[must_use]
pub fn shown_path(path: &Path) -> Cow<'_, str> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    if let Ok(text) = std::str::from_utf8(bytes) {
        return shown(text);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        push_shown(&mut out, chunk.valid());
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    Cow::Owned(out)
}

/// JSON text as `serde_json` writes it, with the characters [`shown`] escapes that JSON leaves
/// raw (DEL, the C1 controls, the separators and the bidi controls) written as `\uXXXX`: the
/// same values for a program, nothing hidden for a person reading it in a terminal. (JSON
/// escapes the C0 controls in strings itself; none of these can stand outside a string.)
#[must_use]
pub fn shown_json(json: &str) -> Cow<'_, str> {
    // The C0 controls left are JSON's own line breaks between values.
    let raw = |c: char| u32::from(c) >= 0x7f && hidden(c);
    // Such a character is DEL or starts with byte C2, D8 or E2: only those are decoded.
    let (b, at) = (json.as_bytes(), |i: usize| {
        json[i..].chars().next().is_some_and(raw)
    });
    if !(memchr::memchr3_iter(0x7f, 0xc2, 0xd8, b).any(at) || memchr::memchr_iter(0xe2, b).any(at))
    {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if raw(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` is escaped by [`shown`].
fn hidden(c: char) -> bool {
    // `is_control` is the category Cc: C0, DEL and C1.
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn push_shown(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    #[test]
    fn ordinary_names_are_borrowed_as_they_are() {
        for name in [
            "明细账.csv",
            "2025年 支出明细（1-6月）.xlsx",
            "全角　空格.xls",
            "a\\b.csv",
            "",
        ] {
            assert!(
                matches!(shown(name), Cow::Borrowed(n) if n == name),
                "{name}"
            );
            assert!(matches!(shown_path(Path::new(name)), Cow::Borrowed(n) if n == name));
        }
    }

    #[test]
    fn line_breaks_and_controls_are_escaped() {
        assert_eq!(shown("a\r\nX: y.xlsx"), "a\\r\\nX: y.xlsx");
        assert_eq!(shown("a\tb\0c"), "a\\tb\\0c");
        assert_eq!(shown("\u{1b}[31mred\u{7}"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(shown("del\u{7f}"), "del\\u{7f}");
        // C1: NEL is a line break to some terminals and log readers.
        assert_eq!(shown("a\u{85}b\u{9b}c"), "a\\u{85}b\\u{9b}c");
        assert_eq!(shown("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c");
    }

    #[test]
    fn bidi_controls_are_escaped() {
        assert_eq!(shown("报表\u{202e}xslx.exe"), "报表\\u{202e}xslx.exe");
        for c in [
            '\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(shown(&text), format!("a\\u{{{:x}}}b", u32::from(c)));
        }
        // Neighbours that are not bidi controls stay.
        assert_eq!(shown("a\u{200d}b\u{2065}c"), "a\u{200d}b\u{2065}c");
    }

    #[test]
    fn shown_twice_is_shown_once() {
        let once = shown("a\r\n\u{202e}b").into_owned();
        assert_eq!(shown(&once), once);
        assert!(!once.chars().any(hidden));
    }

    #[test]
    fn json_keeps_its_values_and_shows_nothing_hidden() {
        let value = serde_json::json!({"path": "a\r\n\u{85}b\u{202e}c\u{7f}.csv", "n": 1});
        let pretty = serde_json::to_string_pretty(&value).expect("json");
        let shown = shown_json(&pretty);
        assert!(!shown.chars().any(|c| hidden(c) && c != '\n'), "{shown}");
        assert!(
            shown.contains(r#""a\r\n\u0085b\u202ec\u007f.csv""#),
            "{shown}"
        );
        let back: serde_json::Value = serde_json::from_str(&shown).expect("still JSON");
        assert_eq!(back, value);
        assert!(matches!(
            shown_json("{\n  \"a\": \"明细\"\n}"),
            Cow::Borrowed(_)
        ));
    }

    /// The bytes looked at first find every character that must be escaped, and only those.
    #[test]
    fn json_escapes_exactly_the_hidden_characters() {
        for c in ('\u{7f}'..='\u{3000}').chain(['\u{feff}', '\u{fffd}', '\u{1f600}']) {
            let json = format!("{{\"a\": \"x{c}y\"}}");
            let escaped = matches!(shown_json(&json), Cow::Owned(_));
            assert_eq!(escaped, hidden(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn bytes_not_utf8_are_shown_as_hex() {
        // `明账` in GBK, then a line break, then UTF-8.
        let raw = [&[0xC3, 0xF7, 0xD5, 0xCB][..], b"\n", "明细.csv".as_bytes()].concat();
        let path = Path::new(OsStr::from_bytes(&raw));
        assert_eq!(shown_path(path), "\\xc3\\xf7\\xd5\\xcb\\n明细.csv");
        let path = Path::new(OsStr::from_bytes(b"/srv/ledger/\xff\xfe.csv"));
        assert_eq!(shown_path(path), "/srv/ledger/\\xff\\xfe.csv");
    }
}
