//! Recognising what a file is (spreadsheet or text) and decoding text to UTF-8.
//!
//! Finance software writes GBK; spreadsheets save UTF-8 (often with a BOM) or UTF-16. The
//! order of detection is: BOM, then strict UTF-8, then GB18030 (a superset of GBK).

use std::borrow::Cow;

/// What kind of file the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Office Open XML (a zip): `.xlsx`.
    Xlsx,
    /// Compound File Binary: `.xls` (Excel 97–2003).
    Xls,
    /// Delimited text: CSV or TSV.
    Text,
}

/// Tells the format from the first bytes, and checks it agrees with the extension.
pub(crate) fn sniff(bytes: &[u8], extension: &str) -> Result<Format, String> {
    let format = if bytes.starts_with(b"PK\x03\x04") {
        Format::Xlsx
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Format::Xls
    } else {
        Format::Text
    };
    let extension = extension.to_ascii_lowercase();
    let claims_spreadsheet = matches!(extension.as_str(), "xlsx" | "xls" | "xlsm");
    if claims_spreadsheet && format == Format::Text {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
        let hint =
            if head.contains("<html") || head.contains("<table") || head.contains("<!doctype") {
                "it is an HTML page saved with a spreadsheet name, as some finance software does"
            } else if bytes.is_empty() {
                "it is empty"
            } else {
                "it is not in Excel's format"
            };
        return Err(format!(
            "this .{extension} file is not a spreadsheet: {hint}; open it in Excel or WPS and save it \
             as .xlsx, or export the ledger as CSV"
        ));
    }
    Ok(format)
}

/// The text encoding that was found, for the import report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Gb18030,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Gb18030 => "GBK/GB18030",
        }
    }
}

/// Decodes a text file to UTF-8.
pub(crate) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (Cow::Borrowed(s), Encoding::Utf8Bom))
            .map_err(|e| {
                format!(
                    "it starts with a UTF-8 BOM but byte {} is not UTF-8; save it again as UTF-8",
                    e.valid_up_to() + 3
                )
            });
    }
    for (bom, encoding, ours) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, Encoding::Utf16Le),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, Encoding::Utf16Be),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                return Err(format!(
                    "it starts with a {} BOM but is not valid {0}; save it again as UTF-8",
                    ours.name()
                ));
            }
            return Ok((text, ours));
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(text), Encoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors || has_utf8_chinese_line(bytes) {
        return Err(
            "it is neither UTF-8 nor GBK/GB18030 text (perhaps two encodings mixed in one \
                    file): export it again, or save it as UTF-8"
                .to_owned(),
        );
    }
    Ok((text, Encoding::Gb18030))
}

/// Whether some line of a file that is not UTF-8 as a whole is UTF-8 Chinese: the sign of a
/// file pieced together from two exports (GB18030 would decode it, as mojibake). A GBK line
/// practically never forms two valid UTF-8 CJK characters by accident.
fn has_utf8_chinese_line(bytes: &[u8]) -> bool {
    bytes.split(|&b| b == b'\n').any(|line| {
        !line.is_ascii()
            && std::str::from_utf8(line).is_ok_and(|l| {
                l.chars()
                    .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
                    .count()
                    >= 2
            })
    })
}

/// Comma or tab: whichever appears more in the first lines (title lines have neither).
pub(crate) fn delimiter(text: &str, extension: &str) -> u8 {
    if extension.eq_ignore_ascii_case("tsv") {
        return b'\t';
    }
    // The first 60 lines: title lines have neither delimiter, the header and rows do.
    let end = text
        .match_indices('\n')
        .nth(59)
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let tabs = head.matches('\t').count();
    let commas = head.matches(',').count();
    if tabs > commas { b'\t' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats() {
        assert_eq!(sniff(b"PK\x03\x04rest", "xlsx"), Ok(Format::Xlsx));
        assert_eq!(
            sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0], "xls"),
            Ok(Format::Xls)
        );
        assert_eq!(sniff("日期,金额".as_bytes(), "csv"), Ok(Format::Text));
        // A spreadsheet saved under a .csv name is still read as a spreadsheet.
        assert_eq!(sniff(b"PK\x03\x04rest", "csv"), Ok(Format::Xlsx));
        let e = sniff(b"<html><table><tr><td>1</td></tr></table></html>", "xls").unwrap_err();
        assert!(e.contains("HTML page"), "{e}");
        assert!(sniff(b"", "xlsx").unwrap_err().contains("empty"));
    }

    #[test]
    fn decodes_every_supported_encoding() {
        let text = "日期,金额\r\n2025-01-02,1.00\r\n";
        let (out, enc) = decode(text.as_bytes()).expect("utf-8");
        assert_eq!((out.as_ref(), enc), (text, Encoding::Utf8));

        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let (out, enc) = decode(&with_bom).expect("utf-8 bom");
        assert_eq!((out.as_ref(), enc), (text, Encoding::Utf8Bom));

        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let (out, enc) = decode(&gbk).expect("gbk");
        assert_eq!((out.as_ref(), enc), (text, Encoding::Gb18030));

        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let (out, enc) = decode(&utf16le).expect("utf-16le");
        assert_eq!((out.as_ref(), enc), (text, Encoding::Utf16Le));

        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let (out, enc) = decode(&utf16be).expect("utf-16be");
        assert_eq!((out.as_ref(), enc), (text, Encoding::Utf16Be));
    }

    #[test]
    fn mixed_encodings_are_rejected() {
        // A GBK line followed by a UTF-8 line: neither decoder accepts the whole file.
        let (gbk, _, _) = encoding_rs::GBK.encode("摘要,金额\n");
        let mixed = [gbk.as_ref(), "网络,1.00\n".as_bytes()].concat();
        let e = decode(&mixed).unwrap_err();
        assert!(e.contains("neither UTF-8 nor GBK"), "{e}");
    }

    #[test]
    fn detects_the_delimiter() {
        assert_eq!(
            delimiter("明细账\n日期\t金额\n2025-01-01\t1,000.00\n", "csv"),
            b'\t'
        );
        assert_eq!(
            delimiter("日期,金额\n2025-01-01,\"1,000.00\"\n", "csv"),
            b','
        );
        assert_eq!(delimiter("日期,金额\n", "tsv"), b'\t');
    }
}
