//! calamine 0.38's rules for the XML of an .xlsx (MIT licence, © Johann Tuffe), copied so that
//! our reader gives exactly its values and errors: attributes, cell references, texts (rich
//! runs, phonetic runs, `xml:space`, `_xHHHH_` escapes) and number formats. Each item names the
//! calamine function it copies; changes are only of shape (a `&str` where it returned a
//! `String`, an enum of ours where its type is private).

use std::borrow::Cow;
use std::io::BufRead;

use calamine::{Dimensions, XlsxError};
use quick_xml::Reader;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::QName;

/// The attributes of `e` as `(key, value)`, values raw (entities not replaced), malformed ones
/// as errors (calamine `attrs::RawAttrIter`).
pub(super) struct RawAttrs<'a> {
    raw: &'a str,
    pos: usize,
}

impl<'a> Iterator for RawAttrs<'a> {
    type Item = Result<(&'a str, &'a str), AttrError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (raw, bytes) = (self.raw, self.raw.as_bytes());
        let mut pos = self.pos;
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= bytes.len() {
            self.pos = pos;
            return None;
        }
        let key_start = pos;
        while pos < bytes.len() && bytes[pos] != b'=' {
            pos += 1;
        }
        if pos >= bytes.len() {
            self.pos = bytes.len();
            return Some(Err(AttrError::ExpectedEq(key_start)));
        }
        let key = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match bytes.get(pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                self.pos = bytes.len();
                return Some(Err(AttrError::UnquotedValue(pos)));
            }
        };
        pos += 1;
        let value_start = pos;
        while pos < bytes.len() && bytes[pos] != quote {
            pos += 1;
        }
        let value = &raw[value_start..pos];
        if pos < bytes.len() {
            pos += 1;
        }
        self.pos = pos;
        Some(Ok((key, value)))
    }
}

pub(super) fn raw_attrs<'a>(e: &'a BytesStart<'_>) -> RawAttrs<'a> {
    RawAttrs {
        raw: e.attributes_raw(),
        pos: 0,
    }
}

/// The raw value of the attribute `name` of `e` (calamine `RawAttributes::raw_attr`).
pub(super) fn attr<'a>(e: &'a BytesStart<'_>, name: &str) -> Result<Option<&'a str>, AttrError> {
    for item in raw_attrs(e) {
        let (k, v) = item?;
        if k == name {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// The raw values of the attributes `keys` of `e`, in one pass that stops once as many
/// matches as keys were seen, a repeated key counting again (calamine's `get_attrs!`).
pub(super) fn attrs<'a, const N: usize>(
    e: &'a BytesStart<'_>,
    keys: [&str; N],
) -> Result<[Option<&'a str>; N], AttrError> {
    let mut values = [None; N];
    let mut found = 0;
    for item in raw_attrs(e) {
        let (k, v) = item?;
        if let Some(i) = keys.iter().position(|key| *key == k) {
            values[i] = Some(v);
            found += 1;
        }
        if found == N {
            break;
        }
    }
    Ok(values)
}

/// Whether the attribute `key` is `local`, with or without a namespace prefix (calamine
/// `attrs::local_name_matches`).
pub(super) fn local_name_matches(key: &str, local: &str) -> bool {
    key == local
        || key
            .strip_suffix(local)
            .is_some_and(|prefix| prefix.ends_with(':'))
}

/// A raw attribute value with its entities replaced (calamine `attrs::decode_attr`).
pub(super) fn decode_attr(value: &str) -> Result<String, quick_xml::Error> {
    Ok(quick_xml::escape::unescape(value)
        .map_err(quick_xml::Error::from)?
        .into_owned())
}

/// `(row, column)` of a reference such as `B12`, from 0; the column `None` when it has none
/// (calamine `get_row_and_optional_column`). The arithmetic is calamine's, unchecked on
/// purpose: a reference that overflows panics in a debug build (caught, as damage) and wraps
/// in a release build, as calamine does in each, so that both readers agree in both.
fn row_and_column(reference: &str) -> Result<(u32, Option<u32>), XlsxError> {
    let bytes = reference.as_bytes();
    let mut i = 0;
    let (mut col, mut row) = (0u32, 0u32);
    while i < bytes.len() {
        match bytes[i] {
            c @ b'A'..=b'Z' => col = col * 26 + u32::from(c - b'A') + 1,
            c @ b'a'..=b'z' => col = col * 26 + u32::from(c - b'a') + 1,
            c @ b'0'..=b'9' => {
                row = u32::from(c - b'0');
                i += 1;
                break;
            }
            c => return Err(XlsxError::Alphanumeric(c)),
        }
        i += 1;
    }
    while i < bytes.len() {
        match bytes[i] {
            c @ b'0'..=b'9' => row = row * 10 + u32::from(c - b'0'),
            c => return Err(XlsxError::Alphanumeric(c)),
        }
        i += 1;
    }
    let row = row
        .checked_sub(1)
        .ok_or(XlsxError::RangeWithoutRowComponent)?;
    Ok((row, col.checked_sub(1)))
}

/// `(row, column)` of a cell reference (calamine `get_row_column`).
pub(super) fn row_column(reference: &str) -> Result<(u32, u32), XlsxError> {
    let (row, col) = row_and_column(reference)?;
    Ok((row, col.ok_or(XlsxError::RangeWithoutColumnComponent)?))
}

/// The row of a row reference (calamine `get_row`).
pub(super) fn row(reference: &str) -> Result<u32, XlsxError> {
    row_and_column(reference).map(|(row, _)| row)
}

/// A range such as `A1:E900001` (a sheet's declared size, a merged region), as calamine's
/// `get_dimension` reads it. Its subtractions are calamine's too, unchecked: an end before the
/// start panics in a debug build and is taken as it is in a release build.
pub(super) fn dimension(range: &str) -> Result<Dimensions, XlsxError> {
    let parts = range
        .split(':')
        .map(row_column)
        .collect::<Result<Vec<_>, _>>()?;
    match parts[..] {
        [at] => Ok(Dimensions { start: at, end: at }),
        [start, end] => {
            // calamine only warns about the size it computes here.
            let _size = (end.0 - start.0, end.1 - start.1);
            Ok(Dimensions { start, end })
        }
        _ => Err(XlsxError::DimensionCount(parts.len())),
    }
}

/// Appends to `out` the text of the element `closing` (an `<si>` of the shared-string table,
/// an `<is>` of a cell) whose start was just read: its `<t>` texts, rich-text runs concatenated,
/// phonetic runs (`<rPh>`) skipped, each text trimmed of ASCII whitespace unless
/// `xml:space="preserve"`, `_xHHHH_` escapes replaced (calamine `read_string_with_bufs`, which
/// gives an empty text for an element without any).
pub(super) fn read_text<B: BufRead>(
    xml: &mut Reader<B>,
    closing: QName<'_>,
    bufs: &mut TextBufs,
    out: &mut String,
) -> Result<(), XlsxError> {
    let mut phonetic = false;
    loop {
        bufs.xml.clear();
        match xml.read_event_into(&mut bufs.xml) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Ok(Event::End(e)) if e.name() == closing => return Ok(()),
            Ok(Event::End(e)) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Ok(Event::Start(e)) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = matches!(attr(&e, "xml:space")?, Some("preserve"));
                bufs.text.clear();
                bufs.value.clear();
                loop {
                    match xml.read_event_into(&mut bufs.text)? {
                        Event::Text(t) => bufs.value.push_str(&t.xml10_content()),
                        Event::CData(t) => bufs.value.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => unescape_entity(&r, &mut bufs.value)?,
                        Event::End(end) if end.name() == e.name() => break,
                        Event::Eof => return Err(XlsxError::XmlEof("t")),
                        _ => (),
                    }
                }
                let value = if preserve {
                    &bufs.value[..]
                } else {
                    // ASCII whitespace only: U+00A0 and U+3000 stay.
                    bufs.value.trim_matches([' ', '\t', '\r', '\n'])
                };
                out.push_str(&unescape_xml(value));
            }
            Ok(Event::Eof) => return Err(XlsxError::XmlEof("")),
            Err(e) => return Err(XlsxError::Xml(e)),
            _ => (),
        }
    }
}

/// Buffers kept between the texts [`read_text`] reads.
#[derive(Debug, Default)]
pub(super) struct TextBufs {
    xml: Vec<u8>,
    text: Vec<u8>,
    value: String,
}

/// Appends the entity or character reference `r` to `out` (calamine
/// `utils::unescape_entity_to_buffer`).
pub(super) fn unescape_entity(r: &BytesRef<'_>, out: &mut String) -> Result<(), quick_xml::Error> {
    let name: &str = r.as_ref();
    if let Some(text) = quick_xml::escape::resolve_xml_entity(name) {
        out.push_str(text);
        return Ok(());
    }
    if let Some(c) = r.resolve_char_ref()? {
        out.push(c);
        return Ok(());
    }
    Err(quick_xml::Error::Escape(
        quick_xml::escape::EscapeError::UnrecognizedEntity(0..0, format!("&{name};")),
    ))
}

/// `text` with Excel's escapes replaced: `_x000D_` is a carriage return (four hex digits, a
/// UTF-16 unit: a character outside the BMP is two escapes; a lone surrogate becomes U+FFFD),
/// and `_x005F_` a literal `_` (calamine `utils::unescape_xml`).
pub(super) fn unescape_xml(text: &str) -> Cow<'_, str> {
    const LEN: usize = "_xHHHH_".len();
    let Some((mut at, mut unit)) = find_escape(text, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    loop {
        out.push_str(&text[copied..at]);
        at += LEN;
        match unit {
            0xD800..=0xDBFF => match parse_escape(text, at) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let c =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                    at += LEN;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = at;
        match find_escape(text, at) {
            Some(next) => (at, unit) = next,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The first `_xHHHH_` at or after `start`: where, and its UTF-16 unit.
fn find_escape(text: &str, mut start: usize) -> Option<(usize, u16)> {
    while let Some(offset) = text[start..].find('_') {
        let at = start + offset;
        if let Some(unit) = parse_escape(text, at) {
            return Some((at, unit));
        }
        start = at + 1;
    }
    None
}

/// The UTF-16 unit of an `_xHHHH_` at `at`, if there is one.
fn parse_escape(text: &str, at: usize) -> Option<u16> {
    let bytes = text.as_bytes().get(at..at + 7)?;
    if bytes[0] != b'_' || bytes[1] != b'x' || bytes[6] != b'_' {
        return None;
    }
    let hex = std::str::from_utf8(&bytes[2..6]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(hex, 16).ok()
}

/// What a cell's number format makes of its number (calamine `formats::CellFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// A number.
    Other,
    /// A date or a time of day.
    DateTime,
    /// A duration (`[h]:mm:ss`).
    TimeDelta,
}

/// The format of a custom number format code: a date when it holds a date or time token
/// (`y m d h s`, or `m`/`p`/`/` after `a`) outside quotes and brackets, before the first
/// section's `;`, and not escaped by `\`, `_` or `*`; a duration for `[h]`, `[mm]`, `[s]`
/// (calamine `formats::detect_custom_number_format`).
pub(super) fn custom_format(code: &str) -> Format {
    let (mut escaped, mut quoted, mut ap, mut hms) = (false, false, false, false);
    let mut brackets = 0u8;
    let mut prev = ' ';
    for c in code.chars() {
        match (c, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => (),
            ('"', ..) => quoted = true,
            (';', ..) => return Format::Other,
            ('[', ..) => brackets = brackets.saturating_add(1),
            (']', .., 1) if hms => return Format::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return Format::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return Format::DateTime;
            }
            _ => {
                if !(hms && c.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    Format::Other
}

/// The format of a built-in number format id, as written (`"14"`, not `"014"`): dates and
/// times 14–22, 27–36, 45, 47, 50–58, the duration 46 (calamine `formats::builtin_format_by_id`).
pub(super) fn builtin_format(id: &str) -> Format {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" | "27"
        | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51" | "52"
        | "53" | "54" | "55" | "56" | "57" | "58" => Format::DateTime,
        "46" => Format::TimeDelta,
        _ => Format::Other,
    }
}

/// An index or a style id as calamine reads it (`atoi_simd::parse::<usize, true, false>`):
/// ASCII digits only, leading zeros allowed, no sign; `None` for anything else or an
/// overflow.
pub(super) fn index(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match text.trim_start_matches('0') {
        "" => Some(0),
        digits => digits.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_escapes_are_replaced_as_calamine_does() {
        assert_eq!(unescape_xml("a_x000D_b"), "a\rb");
        assert_eq!(unescape_xml("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_xml("_xD83D__xDCF7_"), "📷");
        assert_eq!(unescape_xml("_xD83D_x"), "\u{FFFD}x");
        assert_eq!(unescape_xml("_xDCF7_"), "\u{FFFD}");
        assert_eq!(unescape_xml("_x00G1_ _x41"), "_x00G1_ _x41");
        assert!(matches!(unescape_xml("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn number_formats_are_dates_as_calamine_reads_them() {
        for code in [
            "yyyy-mm-dd",
            "yyyy\"年\"m\"月\"d\"日\"",
            "[$-804]yyyy/m/d",
            "h:mm AM/PM",
            "ha/p",
        ] {
            assert_eq!(custom_format(code), Format::DateTime, "{code}");
        }
        for code in [
            "0.00",
            "#,##0.00_);[Red](#,##0.00)",
            "\"d\"0",
            "\\d0",
            "0*d",
            "[Red]0",
            "0;yyyy",
        ] {
            assert_eq!(custom_format(code), Format::Other, "{code}");
        }
        assert_eq!(custom_format("[h]:mm:ss"), Format::TimeDelta);
        assert_eq!(builtin_format("14"), Format::DateTime);
        assert_eq!(builtin_format("014"), Format::Other);
        assert_eq!(builtin_format("46"), Format::TimeDelta);
        assert_eq!(builtin_format("4"), Format::Other);
    }

    #[test]
    fn indices_and_references_are_read_as_calamine_reads_them() {
        assert_eq!(index("12"), Some(12));
        assert_eq!(index("0007"), Some(7));
        assert_eq!(index("000"), Some(0));
        for bad in ["", "+1", "-1", " 1", "1.0", "99999999999999999999999"] {
            assert_eq!(index(bad), None, "{bad:?}");
        }
        assert_eq!(row_column("B12").ok(), Some((11, 1)));
        assert_eq!(row_column("xfd1048576").ok(), Some((1_048_575, 16_383)));
        assert!(matches!(
            row_column("B"),
            Err(XlsxError::RangeWithoutRowComponent)
        ));
        assert!(matches!(
            row_column("12"),
            Err(XlsxError::RangeWithoutColumnComponent)
        ));
        assert!(matches!(
            row_column("B1C"),
            Err(XlsxError::Alphanumeric(b'C'))
        ));
        assert_eq!(row("7").ok(), Some(6));
        assert_eq!(
            dimension("B2:C3").ok(),
            Some(Dimensions {
                start: (1, 1),
                end: (2, 2)
            })
        );
        assert_eq!(dimension("C3").ok().map(|d| d.end), Some((2, 2)));
        assert!(matches!(
            dimension("A1:B2:C3"),
            Err(XlsxError::DimensionCount(3))
        ));
    }

    #[test]
    fn attributes_are_read_in_one_pass_as_calamine_reads_them() {
        let e = BytesStart::from_content(r#"c r="A1" s = '3' t="s""#, 1);
        assert_eq!(
            attrs(&e, ["r", "s", "t"]).ok(),
            Some([Some("A1"), Some("3"), Some("s")])
        );
        // A repeated key counts: the pass stops before `t`.
        let e = BytesStart::from_content(r#"c r="A1" r="B1" s="1" t="s""#, 1);
        assert_eq!(
            attrs(&e, ["r", "s", "t"]).ok(),
            Some([Some("B1"), Some("1"), None])
        );
        let e = BytesStart::from_content(r#"c r=A1"#, 1);
        assert!(attrs(&e, ["r"]).is_err());
        assert!(local_name_matches("r:id", "id"));
        assert!(!local_name_matches("rid", "id"));
    }
}
