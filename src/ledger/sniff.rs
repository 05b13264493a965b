//! Sniffing a file: what it is (spreadsheet or text), in which encoding its text is, and which
//! delimiter its lines use — from its bytes, before it is read.
//!
//! Finance software writes GBK; spreadsheets save UTF-8 (often with a BOM) or UTF-16. The
//! order of detection is: BOM, then strict UTF-8, then GB18030 (a superset of GBK). The
//! [`Sniffer`] is fed the file in chunks (by the pass that also hashes it), so detection needs
//! no memory that grows with the file (a block of the version in force held to be compared is
//! at most 4 MiB: `known.rs`). The delimiter of a text file is decided from its first
//! 64 KiB ([`delimiters`]).
//!
//! Messages here are for the accountant who exports the file: Chinese, saying what to do.

mod delimiters;
mod known;

pub(crate) use delimiters::{DelimiterClues, delimiter};

use super::delimited::Block;
use known::Known;

/// What kind of file the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML (a zip): `.xlsx`.
    Xlsx,
    /// Compound File Binary: `.xls` (Excel 97–2003).
    Xls,
    /// Delimited text: CSV or TSV.
    Text,
}

/// The text encoding that was found, for the import report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a BOM (valid UTF-8 throughout).
    Utf8,
    /// UTF-8 with its BOM (`EF BB BF`), as Excel saves "CSV UTF-8".
    Utf8Bom,
    /// UTF-16 little-endian, with its BOM (Excel's "Unicode text").
    Utf16Le,
    /// UTF-16 big-endian, with its BOM.
    Utf16Be,
    /// GBK or GB18030 (no BOM, not UTF-8, decodes cleanly): what finance software writes.
    Gb18030,
}

impl Encoding {
    /// The encoding's name as the import report shows it to the accountant (`UTF-8（带BOM）`,
    /// `GBK/GB18030`).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8（带BOM）",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Gb18030 => "GBK/GB18030",
        }
    }

    /// The decoder for encodings other than UTF-8, which is read as it is.
    pub(crate) fn decoder(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => None,
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE),
            Encoding::Gb18030 => Some(encoding_rs::GB18030),
        }
    }

    /// Bytes of a code unit: 2 in UTF-16, 1 in UTF-8 and GBK (whose line breaks are one byte).
    pub(crate) fn unit_len(self) -> usize {
        match self {
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Gb18030 => 1,
        }
    }

    /// Bytes of BOM at the start of the file.
    pub(crate) fn bom_len(self) -> usize {
        match self {
            Encoding::Utf8Bom => 3,
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf8 | Encoding::Gb18030 => 0,
        }
    }
}

/// What the sniffer found: the format, and for text the encoding or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// What kind of file it is, from its first bytes.
    pub format: Format,
    /// For a text file, its encoding; or why it cannot be read as text, as a Chinese message
    /// for the accountant (binary data, a BOM that lies, two encodings mixed). Not used for a
    /// workbook.
    pub text: Result<Encoding, String>,
    /// The first bytes, for the delimiter guess and error hints.
    pub(crate) head: Vec<u8>,
    /// Bytes taken as looked at already: blocks of the version in force that came again (see
    /// [`Sniffer::reusing`]).
    pub(crate) known_bytes: u64,
}

const HEAD_LEN: usize = 64 * 1024;

/// The first bytes of a compound file (OLE2): the container of `.xls` workbooks.
pub const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Streaming detection: feed every chunk of the file in order, then [`Sniffer::finish`].
pub struct Sniffer {
    head: Vec<u8>,
    /// Bytes of an incomplete UTF-8 sequence at the end of the last chunk.
    utf8_pending: Vec<u8>,
    utf8_valid: bool,
    /// A decoder for the BOM's encoding or GB18030, checking the bytes decode cleanly; `None`
    /// for a UTF-8 BOM.
    decoder: Option<(Encoding, encoding_rs::Decoder)>,
    /// The BOM was looked for (once three bytes were fed, or at the end): bytes are looked at
    /// from then on.
    started: bool,
    decode_ok: bool,
    scratch: String,
    /// The current line, for the mixed-encoding check.
    line: Vec<u8>,
    utf8_chinese_line: bool,
    /// Offset of the first NUL byte outside UTF-16 text: binary data, never a text export
    /// (and a file of NULs has no line ends, so reading it would hold it whole in memory).
    first_nul: Option<u64>,
    /// Bytes fed so far, after a BOM.
    fed: u64,
    /// Blocks of the version in force whose bytes need no second look (GBK and UTF-16).
    known: Option<Known>,
}

impl std::fmt::Debug for Sniffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sniffer")
            .field("utf8_valid", &self.utf8_valid)
            .field("decode_ok", &self.decode_ok)
            .finish_non_exhaustive()
    }
}

impl Default for Sniffer {
    fn default() -> Sniffer {
        Sniffer::new()
    }
}

impl Sniffer {
    /// A sniffer that has seen no bytes yet.
    pub fn new() -> Sniffer {
        Sniffer {
            head: Vec::new(),
            utf8_pending: Vec::new(),
            utf8_valid: true,
            decoder: None,
            started: false,
            decode_ok: true,
            scratch: String::with_capacity(16 * 1024),
            line: Vec::new(),
            utf8_chinese_line: false,
            first_nul: None,
            fed: 0,
            known: None,
        }
    }

    /// A sniffer for a new version of a file whose version in force was read into `blocks`:
    /// in GBK or UTF-16, a block's bytes that come again at the start of its line (the same
    /// bytes from the line break before it, as the reader finds blocks again) are not decoded
    /// and checked again. They decoded cleanly (and in GBK held no UTF-8 line) when that
    /// version was accepted, and a line break ends every GB18030 sequence and UTF-16 surrogate
    /// pair, so the answer is the same; the first look at a grown export then costs about what
    /// the reader does with it. Blocks read in another encoding never match (their hash is told
    /// apart by it); UTF-8's look has no decoding to spare.
    pub fn reusing(blocks: &[Block]) -> Sniffer {
        Sniffer {
            known: Known::new(blocks),
            ..Sniffer::new()
        }
    }

    /// Looks at the next `chunk` of the file; chunks may cut a character or a line anywhere.
    pub fn feed(&mut self, chunk: &[u8]) {
        let before = self.head.len();
        if before < HEAD_LEN {
            let take = (HEAD_LEN - before).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if self.started {
            self.look_at(chunk);
            return;
        }
        // The BOM decides how the bytes are decoded: its three bytes are awaited (the head
        // keeps the bytes fed until then, to be looked at with this chunk).
        if self.head.len() < 3 {
            return;
        }
        let bom = self.start();
        if before == 0 {
            self.look_at(&chunk[bom..]);
        } else {
            let all = [&self.head[..before], chunk].concat();
            self.look_at(&all[bom..]);
        }
    }

    /// Chooses the decoder by the BOM in the head; returns the BOM's length.
    fn start(&mut self) -> usize {
        self.started = true;
        let bom = [
            (&b"\xEF\xBB\xBF"[..], Encoding::Utf8Bom),
            (&b"\xFF\xFE"[..], Encoding::Utf16Le),
            (&b"\xFE\xFF"[..], Encoding::Utf16Be),
        ]
        .into_iter()
        .find(|(b, _)| self.head.starts_with(b));
        match bom {
            Some((b, enc)) => {
                self.known = self.known.take().and_then(|k| k.start(enc, b));
                self.decoder = enc
                    .decoder()
                    .map(|d| (enc, d.new_decoder_without_bom_handling()));
                b.len()
            }
            None => {
                self.known = self
                    .known
                    .take()
                    .and_then(|k| k.start(Encoding::Gb18030, &[]));
                self.decoder = Some((
                    Encoding::Gb18030,
                    encoding_rs::GB18030.new_decoder_without_bom_handling(),
                ));
                0
            }
        }
    }

    /// Looks at bytes after the BOM.
    fn look_at(&mut self, chunk: &[u8]) {
        if self.first_nul.is_some() {
            // Refused already: the rest need not be decoded.
            return;
        }
        let utf16 = matches!(
            self.decoder,
            Some((Encoding::Utf16Le | Encoding::Utf16Be, _))
        );
        if !utf16 {
            self.first_nul = memchr::memchr(0, chunk).map(|i| self.fed + i as u64);
        }
        self.fed += chunk.len() as u64;
        if self.utf8_valid {
            self.check_utf8(chunk);
        }
        match self.known.take() {
            Some(mut known) => {
                known.feed(chunk, &mut |bytes| self.check_text(bytes));
                self.known = Some(known);
            }
            None => {
                self.check_text(chunk);
            }
        }
    }

    /// Decodes `bytes` (after those decoded before), and looks for UTF-8 lines in GBK; false
    /// once the answer is decided (a broken sequence, a UTF-8 line).
    fn check_text(&mut self, bytes: &[u8]) -> bool {
        if let Some((_, decoder)) = &mut self.decoder
            && self.decode_ok
        {
            let mut input = bytes;
            loop {
                self.scratch.clear();
                let (result, read) =
                    decoder.decode_to_string_without_replacement(input, &mut self.scratch, false);
                input = &input[read..];
                match result {
                    encoding_rs::DecoderResult::InputEmpty => break,
                    encoding_rs::DecoderResult::OutputFull => {}
                    encoding_rs::DecoderResult::Malformed(_, _) => {
                        self.decode_ok = false;
                        break;
                    }
                }
            }
        }
        // The check for UTF-8 lines only decides between GBK and "two encodings mixed": a
        // file with a BOM, or one GB18030 cannot decode, is never GBK.
        let gbk = matches!(self.decoder, Some((Encoding::Gb18030, _))) && self.decode_ok;
        if gbk && !self.utf8_chinese_line {
            self.scan_lines(bytes);
        }
        self.decode_ok && !self.utf8_chinese_line
    }

    fn check_utf8(&mut self, chunk: &[u8]) {
        let mut data = chunk;
        // Complete a sequence split across chunks, a byte at a time (it lacks at most 3).
        while !self.utf8_pending.is_empty() {
            let Some((&byte, rest)) = data.split_first() else {
                return;
            };
            self.utf8_pending.push(byte);
            data = rest;
            match std::str::from_utf8(&self.utf8_pending) {
                Ok(_) => self.utf8_pending.clear(),
                Err(e) if e.error_len().is_some() => {
                    self.utf8_valid = false;
                    return;
                }
                Err(_) => {}
            }
        }
        // The same answer as the standard library's check, found with SIMD.
        match simdutf8::compat::from_utf8(data) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => {
                self.utf8_pending = data[e.valid_up_to()..].to_vec()
            }
            Err(_) => self.utf8_valid = false,
        }
    }

    /// Looks for a line that is UTF-8 Chinese, the sign of a file pieced together from two
    /// exports when the whole is not UTF-8 (GB18030 would decode it, as mojibake). A GBK line
    /// practically never forms two valid UTF-8 CJK characters by accident. Lines end with LF,
    /// CRLF or a lone CR (Excel for Mac).
    fn scan_lines(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(end) = memchr::memchr2(b'\n', b'\r', rest) {
            // Lines are looked at where they are; only one cut by the end of a chunk is kept.
            if self.line.is_empty() {
                self.utf8_chinese_line |= utf8_chinese(&rest[..end]);
            } else {
                self.line.extend_from_slice(&rest[..end]);
                self.finish_line();
            }
            rest = &rest[end + 1..];
        }
        // Lines longer than this are not what the check is for; keep memory bounded.
        if self.line.len() < 64 * 1024 {
            self.line.extend_from_slice(rest);
        }
    }

    fn finish_line(&mut self) {
        self.utf8_chinese_line |= utf8_chinese(&self.line);
        self.line.clear();
    }

    /// What the bytes fed are: the format from the first bytes; for text, the encoding, in the
    /// order BOM, strict UTF-8, GB18030. A new reason to refuse a file here must raise
    /// `READER_VERSION` (src/app/import/look.rs): a later look passes over the blocks of a
    /// version on the word of the look that accepted it.
    pub fn finish(mut self) -> Detected {
        if !self.started {
            // Fewer than three bytes: the head holds them all.
            let bom = self.start();
            let all = std::mem::take(&mut self.head);
            self.look_at(&all[bom.min(all.len())..]);
            self.head = all;
        }
        // A block cut short by the end of the file is looked at.
        let known_bytes = match self.known.take() {
            Some(known) => known.finish(&mut |bytes| self.check_text(bytes)),
            None => 0,
        };
        self.finish_line();
        if let Some((_, decoder)) = &mut self.decoder
            && self.decode_ok
        {
            // A multi-byte sequence cut off at the end of the file.
            self.scratch.clear();
            let (result, _) =
                decoder.decode_to_string_without_replacement(&[], &mut self.scratch, true);
            if matches!(result, encoding_rs::DecoderResult::Malformed(_, _)) {
                self.decode_ok = false;
            }
        }
        let format = if self.head.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else if self.head.starts_with(&CFB_MAGIC) {
            Format::Xls
        } else {
            Format::Text
        };
        let utf8_complete = self.utf8_valid && self.utf8_pending.is_empty();
        let bom = if self.head.starts_with(b"\xEF\xBB\xBF") {
            Some(Encoding::Utf8Bom)
        } else {
            None
        };
        let text = match (bom, &self.decoder) {
            _ if let Some(offset) = self.first_nul => {
                Err(nul_message(&self.head, offset + bom.map_or(0, |_| 3) + 1))
            }
            (Some(_), _) if utf8_complete => Ok(Encoding::Utf8Bom),
            (Some(_), _) => Err(
                "文件以 UTF-8 的 BOM（编码标记）开头，内容却不是 UTF-8 编码；\
                 请用 Excel 或 WPS 打开后另存为 UTF-8 编码的 CSV，然后重新导入"
                    .to_owned(),
            ),
            (None, Some((enc @ (Encoding::Utf16Le | Encoding::Utf16Be), _))) if self.decode_ok => {
                Ok(*enc)
            }
            (None, Some((enc @ (Encoding::Utf16Le | Encoding::Utf16Be), _))) => Err(format!(
                "文件以 {0} 的 BOM（编码标记）开头，内容却不是有效的 {0} 文本（可能被截断或损坏）；\
                 请重新导出，或另存为 UTF-8 编码的 CSV 后重新导入",
                enc.name()
            )),
            _ if utf8_complete => Ok(Encoding::Utf8),
            _ if self.decode_ok && !self.utf8_chinese_line => Ok(Encoding::Gb18030),
            _ => Err(
                "文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本（可能把两种编码的导出拼在了\
                 一个文件里）；请从财务软件重新导出，或另存为 UTF-8 编码的 CSV 后重新导入"
                    .to_owned(),
            ),
        };
        Detected {
            format,
            text,
            head: self.head,
            known_bytes,
        }
    }
}

/// Whether `line` is UTF-8 with at least two CJK characters. A GBK line fails as UTF-8 at its
/// first byte past ASCII, so this costs about a look at its ASCII start.
fn utf8_chinese(line: &[u8]) -> bool {
    std::str::from_utf8(line).is_ok_and(|l| {
        !l.is_ascii()
            && l.chars()
                .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
                .count()
                >= 2
    })
}

/// Detects everything at once, for bytes already in memory.
pub fn detect(bytes: &[u8]) -> Detected {
    let mut sniffer = Sniffer::new();
    for chunk in bytes.chunks(8192) {
        sniffer.feed(chunk);
    }
    sniffer.finish()
}

/// Why a file with a NUL byte (at 1-based byte `byte`) is refused. Text in UTF-16 without a
/// BOM has a NUL beside every ASCII character: that is named as the cause, not "binary data".
fn nul_message(head: &[u8], byte: u64) -> String {
    let sample = &head[..head.len().min(4096)];
    let nuls_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let pairs = sample.len() / 2;
    let (even, odd) = (nuls_at(0), nuls_at(1));
    // Mostly ASCII text: NULs in at least a third of one parity's bytes, almost none in the other.
    let utf16 = pairs >= 4 && (even.max(odd) * 3 >= pairs) && (even.min(odd) * 20 <= even.max(odd));
    if utf16 {
        let which = if odd > even { "UTF-16LE" } else { "UTF-16BE" };
        format!(
            "文件看起来是没有 BOM（编码标记）的 {which} 文本（每隔一个字节就是一个空字节），\
             无法确定编码；请用 Excel 或 WPS 打开后另存为 UTF-8 编码的 CSV，然后重新导入"
        )
    } else {
        format!(
            "文件的第 {byte} 个字节是空字节（NUL），这是二进制数据，不是文本格式的账页导出；\
             请从财务软件把账页重新导出为 CSV 或 XLSX 后再导入"
        )
    }
}

/// Checks that the format agrees with the file name's extension.
pub(crate) fn check_extension(
    detected: &Detected,
    extension: &str,
    empty: bool,
) -> Result<(), String> {
    let extension = extension.to_ascii_lowercase();
    let claims_spreadsheet = matches!(extension.as_str(), "xlsx" | "xls" | "xlsm");
    if claims_spreadsheet && detected.format == Format::Text {
        let head = String::from_utf8_lossy(&detected.head[..detected.head.len().min(512)])
            .to_ascii_lowercase();
        let hint =
            if head.contains("<html") || head.contains("<table") || head.contains("<!doctype") {
                "它是用表格文件名保存的 HTML 网页（有些财务软件这样导出）"
            } else if empty {
                "文件是空的（0 字节）"
            } else {
                "内容不是 Excel 格式"
            };
        return Err(format!(
            "文件名是 .{extension}，却不是电子表格：{hint}；请用 Excel 或 WPS 打开后另存为 .xlsx，\
             或从财务软件把账页导出为 CSV，然后重新导入"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(bytes: &[u8]) -> Result<Encoding, String> {
        detect(bytes).text
    }

    #[test]
    fn sniffs_formats() {
        assert_eq!(detect(b"PK\x03\x04rest").format, Format::Xlsx);
        assert_eq!(
            detect(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]).format,
            Format::Xls
        );
        assert_eq!(detect("日期,金额".as_bytes()).format, Format::Text);
        let html = detect(b"<html><table><tr><td>1</td></tr></table></html>");
        let e = check_extension(&html, "xls", false).unwrap_err();
        assert_eq!(
            e,
            "文件名是 .xls，却不是电子表格：它是用表格文件名保存的 HTML 网页（有些财务软件这样导出）；\
             请用 Excel 或 WPS 打开后另存为 .xlsx，或从财务软件把账页导出为 CSV，然后重新导入"
        );
        assert!(
            check_extension(&detect(b""), "xlsx", true)
                .unwrap_err()
                .contains("：文件是空的（0 字节）；")
        );
        // A spreadsheet saved under a .csv name is still read as a spreadsheet.
        assert!(check_extension(&detect(b"PK\x03\x04rest"), "csv", false).is_ok());
    }

    #[test]
    fn detects_every_supported_encoding() {
        let text = "日期,金额\r\n2025-01-02,1.00\r\n";
        assert_eq!(text_of(text.as_bytes()), Ok(Encoding::Utf8));
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(text_of(&with_bom), Ok(Encoding::Utf8Bom));
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(text_of(&gbk), Ok(Encoding::Gb18030));
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(text_of(&utf16le), Ok(Encoding::Utf16Le));
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(text_of(&utf16be), Ok(Encoding::Utf16Be));
        assert_eq!(text_of(b""), Ok(Encoding::Utf8));
    }

    #[test]
    fn utf8_sequences_split_across_chunks() {
        // Every split point of a text with 3-byte characters, fed in two chunks.
        let text = "摘要,金额\n网络综合治理,1.00\n".repeat(3);
        let bytes = text.as_bytes();
        for split in 0..bytes.len() {
            let mut sniffer = Sniffer::new();
            sniffer.feed(&bytes[..split]);
            sniffer.feed(&bytes[split..]);
            assert_eq!(
                sniffer.finish().text,
                Ok(Encoding::Utf8),
                "split at {split}"
            );
        }
        // A truncated sequence at the very end is not UTF-8.
        let truncated = &bytes[..bytes.len() - 8];
        let cut = truncated.len() - 1;
        let mut sniffer = Sniffer::new();
        sniffer.feed(&truncated[..cut]);
        sniffer.feed(&[0xE7]);
        assert_ne!(sniffer.finish().text, Ok(Encoding::Utf8));
    }

    #[test]
    fn mixed_encodings_are_rejected() {
        // A GBK line followed by a UTF-8 line: neither decoder accepts the whole file.
        let (gbk, _, _) = encoding_rs::GBK.encode("摘要,金额\n");
        let mixed = [gbk.as_ref(), "网络,1.00\n".as_bytes()].concat();
        assert!(
            text_of(&mixed)
                .unwrap_err()
                .starts_with("文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本")
        );
        let mixed = ["网络,1.00\n".as_bytes(), gbk.as_ref()].concat();
        assert!(
            text_of(&mixed)
                .unwrap_err()
                .starts_with("文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本")
        );
        // With lone CRs (Excel for Mac) as line ends, the UTF-8 line is found as well.
        let (gbk, _, _) = encoding_rs::GBK.encode("摘要,金额\r");
        let mixed = [gbk.as_ref(), "网络,1.00\r".as_bytes()].concat();
        assert!(text_of(&mixed).is_err());
        // Bytes no GB18030 decoder accepts.
        assert!(text_of(b"a,b\n\x80\x80,\xFF\n").is_err());
    }

    #[test]
    fn a_utf8_line_is_found_wherever_the_chunks_cut_it() {
        let (gbk, _, _) = encoding_rs::GBK.encode("摘要,金额\n会议,1.00\n");
        let mixed = [gbk.as_ref(), "网络,1.00\r培训".as_bytes()].concat();
        for split in 0..mixed.len() {
            let mut sniffer = Sniffer::new();
            sniffer.feed(&mixed[..split]);
            sniffer.feed(&mixed[split..]);
            let text = sniffer.finish().text;
            assert!(
                text.as_ref()
                    .is_err_and(|e| e.starts_with("文件既不是 UTF-8 也不是 GBK/GB18030")),
                "split at {split}: {text:?}"
            );
        }
        // GBK alone, cut anywhere, is GBK.
        for split in 0..gbk.len() {
            let mut sniffer = Sniffer::new();
            sniffer.feed(&gbk[..split]);
            sniffer.feed(&gbk[split..]);
            assert_eq!(
                sniffer.finish().text,
                Ok(Encoding::Gb18030),
                "split at {split}"
            );
        }
    }

    #[test]
    fn bytes_fed_one_at_a_time_are_sniffed_as_whole() {
        let one_at_a_time = |bytes: &[u8]| {
            let mut sniffer = Sniffer::new();
            for b in bytes {
                sniffer.feed(std::slice::from_ref(b));
            }
            sniffer.finish().text
        };
        let text = "日期,金额\r\n2025-01-02,1.00\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for (bytes, encoding) in [
            (text.as_bytes(), Encoding::Utf8),
            (&with_bom, Encoding::Utf8Bom),
            (&gbk, Encoding::Gb18030),
            (&utf16le, Encoding::Utf16Le),
            (&utf16be, Encoding::Utf16Be),
        ] {
            assert_eq!(one_at_a_time(bytes), Ok(encoding));
            assert_eq!(one_at_a_time(bytes), text_of(bytes));
        }
        // Bytes no decoder accepts are refused however they come.
        assert!(one_at_a_time(b"a,b\n\x80\x80,\xFF\n").is_err());
        assert!(one_at_a_time(b"\xFF").is_err());
        // Files shorter than a BOM.
        assert_eq!(one_at_a_time(b"\xFF\xFE"), Ok(Encoding::Utf16Le));
        assert_eq!(one_at_a_time(b"a"), Ok(Encoding::Utf8));
    }

    #[test]
    fn a_nul_byte_means_binary_data_except_in_utf16() {
        let e = text_of(b"date,amount\n2025-03-01,1.00\0\n").unwrap_err();
        assert_eq!(
            e,
            "文件的第 28 个字节是空字节（NUL），这是二进制数据，不是文本格式的账页导出；\
             请从财务软件把账页重新导出为 CSV 或 XLSX 后再导入"
        );
        let e = text_of(b"\xEF\xBB\xBFa\0").unwrap_err();
        assert!(e.contains("第 5 个字节"), "{e}");
        // Across chunks: the offset counts every chunk before.
        let zeros = [vec![b'a'; 10_000], vec![0; 10]].concat();
        assert!(text_of(&zeros).unwrap_err().contains("第 10001 个字节"));
        assert_eq!(text_of(b"\xFF\xFEa\0,\0"), Ok(Encoding::Utf16Le));
    }

    #[test]
    fn utf16_without_a_bom_is_named_as_the_cause() {
        let text = "日期,金额\r\n2025-01-02,1.00\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let e = text_of(&le).unwrap_err();
        assert!(
            e.starts_with("文件看起来是没有 BOM（编码标记）的 UTF-16LE 文本"),
            "{e}"
        );
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert!(text_of(&be).unwrap_err().contains("UTF-16BE"));
        // Random binary data is not taken for UTF-16.
        let binary: Vec<u8> = (0..600u32).map(|i| (i * 7 % 251) as u8).collect();
        assert!(text_of(&binary).unwrap_err().contains("二进制数据"));
    }
}
