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
use std::io;
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
/// [`write_shown_json`] writes a value so without the text in between.
#[must_use]
pub fn shown_json(json: &str) -> Cow<'_, str> {
    if !has_json_raw(json) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if json_raw(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Writes `value` to `out` exactly as `serde_json::to_writer_pretty` followed by
/// [`shown_json`] would, without the whole text in memory first: `status --format json`
/// writes 4.5 MB for 1,000 funds. `out` gets it in parts of 64 KiB.
///
/// # Errors
///
/// What writing to `out` gives, or what `value`'s `Serialize` gives.
pub fn write_shown_json<W, T>(out: W, value: &T) -> io::Result<()>
where
    W: io::Write,
    T: ?Sized + serde::Serialize,
{
    let mut shown = ShownWriter::new(out, 64 * 1024);
    let mut serializer = serde_json::Serializer::with_formatter(&mut shown, Pretty::default());
    value.serialize(&mut serializer)?;
    shown.finish()
}

/// `serde_json`'s `PrettyFormatter` with its two-space indent, writing a line break and its
/// indentation in one piece instead of one piece per level: `status --format json` writes
/// 174,000 lines for 1,000 funds, most of them five levels deep, and each piece is a call.
#[derive(Debug, Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// A comma, a line break, and the indentation of the deepest levels written in one piece.
const LINE: &[u8; 2 + 2 * 24] = b",\n                                                ";

impl Pretty {
    /// Writes a line break (after a comma unless `first`) and the indentation of `depth`.
    fn line<W: ?Sized + io::Write>(out: &mut W, first: bool, depth: usize) -> io::Result<()> {
        let from = usize::from(first);
        match LINE.get(from..2 + 2 * depth) {
            Some(piece) => out.write_all(piece),
            None => {
                out.write_all(&LINE[from..2])?;
                (0..depth).try_for_each(|_| out.write_all(b"  "))
            }
        }
    }

    /// Opens an array or an object with `bracket`, one level deeper.
    fn open<W: ?Sized + io::Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    /// Closes an array or an object with `bracket`, on a line of its own if it held a value.
    fn close<W: ?Sized + io::Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            Pretty::line(out, true, self.depth)?;
        }
        out.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> io::Result<()> {
        Pretty::line(out, first, self.depth)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        out: &mut W,
        first: bool,
    ) -> io::Result<()> {
        Pretty::line(out, first, self.depth)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A buffer before `out` that escapes what [`shown_json`] escapes, a full buffer at a time:
/// the JSON text is looked at in large pieces (a fast search for the few bytes such a
/// character starts with), not string by string.
struct ShownWriter<W: io::Write> {
    out: W,
    buf: Vec<u8>,
}

impl<W: io::Write> ShownWriter<W> {
    fn new(out: W, capacity: usize) -> ShownWriter<W> {
        ShownWriter {
            out,
            buf: Vec::with_capacity(capacity),
        }
    }

    /// Escapes and writes what is buffered, but for a character not yet written whole: its
    /// first bytes wait for the rest, so a character split between two writes is still seen.
    fn pass_on(&mut self) -> io::Result<()> {
        let whole = finished(&self.buf);
        write_escaped(&mut self.out, &self.buf[..whole])?;
        self.buf.drain(..whole);
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn pass_on_and_write(&mut self, data: &[u8]) -> io::Result<()> {
        self.pass_on()?;
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Writes everything left (an unfinished character as it is) and flushes `out`.
    fn finish(mut self) -> io::Result<()> {
        write_escaped(&mut self.out, &self.buf)?;
        self.buf.clear();
        self.out.flush()
    }
}

impl<W: io::Write> io::Write for ShownWriter<W> {
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    // serde_json writes a piece at a time, two spaces of indentation or a `": "`: the way to
    // the buffer is inlined into it, the rest is not.
    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if data.len() > self.buf.capacity() - self.buf.len() {
            return self.pass_on_and_write(data);
        }
        // Most pieces are a quote, two spaces, `": "` or `",\n"`: a copy of a known length is
        // a store, not a call to `memcpy`.
        match *data {
            [byte] => self.buf.push(byte),
            [a, b] => self.buf.extend_from_slice(&[a, b]),
            _ => self.buf.extend_from_slice(data),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pass_on()?;
        self.out.flush()
    }
}

/// The length of `bytes` without an unfinished UTF-8 sequence at its end.
fn finished(bytes: &[u8]) -> usize {
    let n = bytes.len();
    // The last byte that is not a continuation (10xxxxxx) starts the last character.
    for back in 1..=n.min(4) {
        let lead = bytes[n - back];
        if lead & 0xc0 != 0x80 {
            let len = match lead {
                0..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            return if len > back { n - back } else { n };
        }
    }
    n
}

/// Writes `bytes` with the characters [`json_raw`] escapes as `\uXXXX`. Such a character is
/// DEL or starts with byte C2, D8 or E2: only those are decoded.
fn write_escaped<W: io::Write + ?Sized>(out: &mut W, bytes: &[u8]) -> io::Result<()> {
    let raw_at = |i: usize| {
        let len = match bytes[i] {
            0x7f => 1,
            0xc2 | 0xd8 => 2,
            _ => 3,
        };
        let text = bytes
            .get(i..i + len)
            .and_then(|b| std::str::from_utf8(b).ok());
        text.and_then(|t| t.chars().next()).filter(|&c| json_raw(c))
    };
    let mut raw: Vec<(usize, char)> = memchr::memchr3_iter(0x7f, 0xc2, 0xd8, bytes)
        .chain(memchr::memchr_iter(0xe2, bytes))
        .filter_map(|i| raw_at(i).map(|c| (i, c)))
        .collect();
    if raw.is_empty() {
        return out.write_all(bytes);
    }
    raw.sort_unstable();
    let mut start = 0;
    for (i, c) in raw {
        out.write_all(&bytes[start..i])?;
        write!(out, "\\u{:04x}", u32::from(c))?;
        start = i + c.len_utf8();
    }
    out.write_all(&bytes[start..])
}

/// Whether [`shown_json`] escapes `c`. (The C0 controls left in JSON text are its own line
/// breaks between values; in strings JSON has escaped them already.)
fn json_raw(c: char) -> bool {
    u32::from(c) >= 0x7f && hidden(c)
}

/// Whether `json` holds a character that [`json_raw`] escapes. Such a character is DEL or
/// starts with byte C2, D8 or E2: only those are decoded.
fn has_json_raw(json: &str) -> bool {
    let b = json.as_bytes();
    let at = |i: usize| json[i..].chars().next().is_some_and(json_raw);
    memchr::memchr3_iter(0x7f, 0xc2, 0xd8, b).any(at) || memchr::memchr_iter(0xe2, b).any(at)
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
    use std::io::Write as _;
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

    /// The text JSON would have, through serde_json's pretty printer and then `shown_json`.
    fn pretty_then_shown<T: serde::Serialize + ?Sized>(value: &T) -> String {
        let pretty = serde_json::to_string_pretty(value).expect("json");
        shown_json(&pretty).into_owned()
    }

    fn written<T: serde::Serialize + ?Sized>(value: &T) -> String {
        let mut out = Vec::new();
        write_shown_json(&mut out, value).expect("written");
        String::from_utf8(out).expect("UTF-8")
    }

    /// Every shape JSON has, nested, in objects and arrays, empty and not, with every escape
    /// of JSON and of `shown_json` in keys and values: the same bytes as the text escaped after.
    #[test]
    fn written_as_the_pretty_printer_and_shown_json_write_it() {
        let hostile = "恶\u{202e}意\"\\\t\u{1}\u{7f}\u{85}\u{2028}\u{2029}\u{61c}\u{200e}\u{200f}\
                       \u{202a}\u{202d}\u{2066}\u{2069}\u{200d}末\u{1f600}/\n\r\u{8}\u{c}";
        let value = serde_json::json!({
            "a": null, "b": true, "c": false, "d": -12, "e": 18_446_744_073_709_551_615_u64,
            "f": 0.2749, "g": -1.5e300, "h": "", "i": [], "j": {}, "k": [[], {}, [[]], [{}]],
            "l": [1, "二", null, [3, [4, {"m": []}]], {"n": {"o": {}}}],
            hostile: {hostile: [hostile, {hostile: hostile}]},
            "明细": "明细", "p": "\u{7f}", "q": "\u{85}x", "r": "x\u{2069}",
        });
        assert_eq!(written(&value), pretty_then_shown(&value));
        for shape in [
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!("x"),
            serde_json::json!(1),
        ] {
            assert_eq!(written(&shape), pretty_then_shown(&shape));
        }
        // A struct, an Option and a sequence as derive and serde write them.
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            name: &'a str,
            none: Option<u8>,
            list: &'a [&'a str],
            empty: Vec<u8>,
        }
        let doc = Doc {
            name: hostile,
            none: None,
            list: &[hostile, "", "a"],
            empty: Vec::new(),
        };
        assert_eq!(written(&doc), pretty_then_shown(&doc));
        // Deeper than the indentation written in one piece.
        let mut deep = serde_json::json!({"leaf": [1, 2]});
        for depth in 0..60 {
            deep = if depth % 2 == 0 {
                serde_json::json!([deep, depth])
            } else {
                serde_json::json!({"depth": depth, "inner": deep})
            };
            assert_eq!(written(&deep), pretty_then_shown(&deep), "depth {depth}");
        }
    }

    /// Each character alone and between others, as the first, inside and last of a string.
    #[test]
    fn written_escapes_exactly_what_shown_json_escapes() {
        for c in ('\u{0}'..='\u{3000}').chain(['\u{feff}', '\u{fffd}', '\u{1f600}']) {
            for text in [
                format!("{c}"),
                format!("x{c}y"),
                format!("明{c}{c}\u{202e}"),
            ] {
                let value = serde_json::json!({ text.clone(): [text] });
                assert_eq!(
                    written(&value),
                    pretty_then_shown(&value),
                    "U+{:04X}",
                    u32::from(c)
                );
            }
        }
    }

    /// However the text comes in pieces — a character split between two writes, a buffer
    /// full in the middle of one — the same bytes leave as when it came whole.
    #[test]
    fn pieces_and_buffer_ends_anywhere_change_nothing() {
        let text =
            "a\u{7f}明\u{85}\u{202e}b\u{2066}\u{c2a0}\u{61c}\u{600}\u{2069}\u{2070}😀\u{2028}z";
        let whole = shown_json(text).into_owned();
        let bytes = text.as_bytes();
        for capacity in 1..=bytes.len() + 1 {
            // Every cut into two writes, and byte by byte.
            for cut in 0..=bytes.len() {
                let mut out = Vec::new();
                let mut w = ShownWriter::new(&mut out, capacity);
                w.write_all(&bytes[..cut]).expect("write");
                w.write_all(&bytes[cut..]).expect("write");
                w.finish().expect("finish");
                assert_eq!(
                    String::from_utf8(out).expect("UTF-8"),
                    whole,
                    "{capacity} {cut}"
                );
            }
            let mut out = Vec::new();
            let mut w = ShownWriter::new(&mut out, capacity);
            for byte in bytes {
                w.write_all(std::slice::from_ref(byte)).expect("write");
                // A flush passes on what is whole and keeps the rest.
                w.flush().expect("flush");
            }
            w.finish().expect("finish");
            assert_eq!(String::from_utf8(out).expect("UTF-8"), whole, "{capacity}");
        }
        // Bytes that are not UTF-8 pass as they are.
        let mut out = Vec::new();
        let mut w = ShownWriter::new(&mut out, 4);
        w.write_all(b"\xc2\xff\xe2\x80x\xe2\x80").expect("write");
        w.finish().expect("finish");
        assert_eq!(out, b"\xc2\xff\xe2\x80x\xe2\x80");
    }

    #[test]
    fn a_character_is_finished_when_all_its_bytes_are_there() {
        let s = "a明😀\u{85}";
        for (cut, expected) in [
            (0, 0),
            (1, 1),
            (2, 1),
            (3, 1),
            (4, 4),
            (5, 4),
            (6, 4),
            (7, 4),
        ] {
            assert_eq!(finished(&s.as_bytes()[..cut]), expected, "{cut}");
        }
        assert_eq!(finished(&s.as_bytes()[..8]), 8);
        assert_eq!(finished(&s.as_bytes()[..9]), 8);
        assert_eq!(finished(s.as_bytes()), 10);
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
