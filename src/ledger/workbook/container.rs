//! The zip container of an .xlsx, checked before the reader opens it: a crafted archive must
//! not make the reader use memory or time without bound.
//!
//! The reader (calamine, through the `zip` crate, the same one used here) never inflates a
//! part past the size its central directory declares: it stops with an error there. So the
//! declared sizes bound everything, and are checked here, from the same central directory:
//!
//! - a part that inflates to more than [`MAX_RATIO`] times its compressed size (a zip bomb:
//!   real spreadsheet XML compresses about 10 to 1) is refused, so that a sheet, which is
//!   streamed, costs time in proportion to the file at most;
//! - the shared-string table, which is held in memory whole (compactly by our reader of the
//!   stream, at up to four times its size by calamine's for the whole grid), may inflate to at
//!   most [`MAX_SHARED_STRINGS`] bytes;
//! - the table's declared count of strings (`uniqueCount`), for which calamine reserves
//!   memory before reading any (a count of 10⁹ asks for 24 GB and aborts the process), may
//!   not exceed what the table's size can hold.
//!
//! The sheet's own declared size (`<dimension ref="A1:E900001"/>`) is not used by the streaming
//! reader at all, so a lying one costs nothing (see `stream`).
//!
//! Also found here, for the streaming reader: where the central directory names the parts
//! calamine could take for the shared-string table, so that a view of the file can rename
//! them and calamine's workbook does not load the table (our reader holds it, compactly:
//! `xlsx`); and whether any part may hold merged regions. They
//! come after the cells in a sheet's XML, so the reader must read each sheet once for them
//! before its rows; when no part holds the bytes of the element's name (in UTF-8 or UTF-16),
//! no sheet has any and that pass is skipped (a search through the inflated bytes costs a
//! third of the XML parser's pass).

use std::io::{Read, Seek, SeekFrom};

use crate::ledger::cell::quoted;

/// The most a part may inflate to, as a multiple of its compressed size (for parts over
/// [`RATIO_FROM`] bytes). Spreadsheet XML compresses about 9 to 1 (a 900,000-row ledger:
/// 255 MB in 28 MB); a deflate stream can reach 1,032 to 1.
pub(super) const MAX_RATIO: u64 = 100;

/// Parts up to this size are not held to [`MAX_RATIO`]: they cost nothing to inflate.
const RATIO_FROM: u64 = 1 << 20;

/// The most the shared-string table may inflate to (64 MiB: about two million distinct texts
/// of a ledger's length; calamine's whole-grid reader keeps them at up to four times that,
/// the stream's reader at about the size of their text).
pub(super) const MAX_SHARED_STRINGS: u64 = 64 << 20;

/// The fewest bytes one string of the shared-string table takes (`<si/>`).
const MIN_STRING_BYTES: u64 = 5;

/// One part of the archive, as its central directory declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// Its path in the archive (text from the file).
    pub(crate) name: String,
    /// Its CRC-32, as declared (the reader checks it once the part is read to its end).
    pub(crate) crc32: u32,
    /// Its size inflated, in bytes.
    pub(crate) size: u64,
    /// Its size compressed, in bytes.
    pub(crate) compressed: u64,
}

/// What the container holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Container {
    /// Its parts, as the central directory declares them.
    pub(crate) parts: Vec<Part>,
    /// Whether any part may hold merged regions (`mergeCell` in its bytes); true when that
    /// cannot be told.
    pub(crate) merges: bool,
    /// Bytes to change in a view of the file (where, and the new bytes) that rename, in the
    /// central directory, every part named like the shared-string table.
    pub(crate) hide: Vec<(u64, Vec<u8>)>,
}

/// The parts of the archive `input` holds, or why it is refused (a message for the whole file).
/// An archive the `zip` crate cannot open (or read) is left to the reader, which reports it (no
/// parts, and merged regions maybe). `input` is left anywhere: seek before reading it again.
pub(super) fn check<R: Read + Seek>(input: &mut R) -> Result<Container, String> {
    let Ok(mut archive) = zip::ZipArchive::new(&mut *input) else {
        return Ok(Container {
            parts: Vec::new(),
            merges: true,
            hide: Vec::new(),
        });
    };
    let mut parts = Vec::with_capacity(archive.len());
    // Where the central directory's record of each part named like the table starts.
    let mut tables = Vec::new();
    for i in 0..archive.len() {
        let Ok(file) = archive.by_index_raw(i) else {
            continue;
        };
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        if is_table_path(&name) {
            tables.push(file.central_header_start());
        }
        parts.push(Part {
            name,
            crc32: file.crc32(),
            size: file.size(),
            compressed: file.compressed_size(),
        });
    }
    for part in &parts {
        if part.size > RATIO_FROM && part.size / part.compressed.max(1) > MAX_RATIO {
            return Err(format!(
                "这个.xlsx文件已损坏，或是有意构造的压缩炸弹（其中的 {} 解压后是压缩时的 {} 倍，\
                 正常的表格约为10倍，超过 {MAX_RATIO} 倍的不读取）；请从财务软件重新导出",
                quoted(&part.name),
                part.size / part.compressed.max(1)
            ));
        }
    }
    for (i, part) in parts.iter().enumerate() {
        if !is_shared_strings(&part.name) {
            continue;
        }
        if part.size > MAX_SHARED_STRINGS {
            return Err(format!(
                "这个.xlsx文件中的文字太多，无法读取（共享字符串表解压后 {} 字节，超过了一个工作簿\
                 最多读取的 {} 字节）；请把明细账导出为CSV",
                super::super::xls_guard::thousands(part.size),
                super::super::xls_guard::thousands(MAX_SHARED_STRINGS)
            ));
        }
        let Ok(file) = archive.by_index(i) else {
            continue;
        };
        if let Some(count) = largest_unique_count(file)
            && count > part.size / MIN_STRING_BYTES
        {
            return Err(format!(
                "这个.xlsx文件已损坏（共享字符串表声称有 {count} 个字符串，\
                 而它的大小最多容得下 {} 个）；请从财务软件重新导出",
                part.size / MIN_STRING_BYTES
            ));
        }
    }
    let merges = (0..parts.len()).any(|i| match archive.by_index(i) {
        Ok(part) => holds_merge(part),
        Err(_) => true,
    });
    drop(archive);
    let hide = hide_tables(input, &tables, &parts);
    Ok(Container {
        parts,
        merges,
        hide,
    })
}

/// Whether calamine may take the part `name` for the shared-string table: it reads
/// `{folder}sharedStrings.xml`, the folder being the workbook's (`xl/`, or none), ignoring case
/// and with `\` for `/`.
fn is_table_path(name: &str) -> bool {
    let name = name.replace('\\', "/").to_ascii_lowercase();
    name == "sharedstrings.xml" || name.ends_with("/sharedstrings.xml")
}

/// The bytes to change so that the central directory records starting at `records` name
/// their parts otherwise: the name's last byte (the `l` of `.xml`) becomes one that gives no
/// name of `parts` (ignoring case, `\` for `/`). A record that cannot be read is left as it is
/// (calamine then holds the table too: memory, not values, since our reader reads the cells).
fn hide_tables<R: Read + Seek>(
    input: &mut R,
    records: &[u64],
    parts: &[Part],
) -> Vec<(u64, Vec<u8>)> {
    let taken: std::collections::HashSet<String> = parts
        .iter()
        .map(|p| p.name.replace('\\', "/").to_ascii_lowercase())
        .collect();
    let mut hide = Vec::new();
    for &start in records {
        // The record: its signature, then at 28 the name's length, at 46 the name.
        let mut record = [0u8; 46];
        if input.seek(SeekFrom::Start(start)).is_err()
            || input.read_exact(&mut record).is_err()
            || record[..4] != *b"PK\x01\x02"
        {
            continue;
        }
        let mut name = vec![0u8; usize::from(u16::from_le_bytes([record[28], record[29]]))];
        if name.is_empty() || input.read_exact(&mut name).is_err() {
            continue;
        }
        let last = name.len() - 1;
        for byte in *b"~_#!" {
            name[last] = byte;
            let renamed = String::from_utf8_lossy(&name)
                .replace('\\', "/")
                .to_ascii_lowercase();
            if !taken.contains(&renamed) {
                hide.push((start + 46, name));
                break;
            }
        }
    }
    hide
}

/// Whether `part` holds the name of the merged-cell element, in UTF-8 or UTF-16; true when it
/// cannot be read to its end.
fn holds_merge(mut part: impl Read) -> bool {
    const NAMES: [&[u8]; 3] = [
        b"mergeCell",
        b"m\0e\0r\0g\0e\0C\0e\0l\0l\0",
        b"\0m\0e\0r\0g\0e\0C\0e\0l\0l",
    ];
    let finders = NAMES.map(memchr::memmem::Finder::new);
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry = 0;
    loop {
        let n = match part.read(&mut buf[carry..]) {
            Ok(0) => return false,
            Ok(n) => n,
            Err(_) => return true,
        };
        let data = &buf[..carry + n];
        if finders.iter().any(|f| f.find(data).is_some()) {
            return true;
        }
        // A name cut by the chunk's end is seen whole with the next chunk.
        let keep = data.len().min(20);
        let tail = data.len() - keep;
        buf.copy_within(tail..tail + keep, 0);
        carry = keep;
    }
}

/// Whether the reader may read the part `name` as the shared-string table: it looks for
/// `…/sharedStrings.xml` under the workbook's folder, ignoring case and with `\` for `/`.
fn is_shared_strings(name: &str) -> bool {
    name.replace('\\', "/")
        .to_ascii_lowercase()
        .ends_with("sharedstrings.xml")
}

/// The largest `uniqueCount="N"` in the markup of `part` (the reader reserves room for the
/// count on the table's start tag; any tag saying so is taken, which can only refuse more);
/// `u64::MAX` for a count too long to read.
fn largest_unique_count(mut part: impl Read) -> Option<u64> {
    const KEY: &[u8] = b"uniqueCount";
    let mut largest: Option<u64> = None;
    let mut buf = vec![0u8; 64 * 1024];
    // The tail of the previous chunk: a key cut by the chunk's end is seen whole.
    let mut carry = 0;
    loop {
        let n = match part.read(&mut buf[carry..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let data = &buf[..carry + n];
        let mut at = 0;
        while let Some(found) = memchr::memmem::find(&data[at..], KEY) {
            let start = at + found;
            match count_after(&data[start + KEY.len()..]) {
                Some(Some(count)) => largest = Some(largest.map_or(count, |l| l.max(count))),
                Some(None) => {}
                // Cut by the chunk's end: read again with the next chunk.
                None if data.len() - start < 64 => break,
                // Longer than any count the reader could read: taken as too large.
                None => largest = Some(u64::MAX),
            }
            at = start + KEY.len();
        }
        let keep = (data.len()).min(64);
        let tail = data.len() - keep;
        buf.copy_within(tail..tail + keep, 0);
        carry = keep;
    }
    largest
}

/// After the key: `= "digits"` (either quote, spaces around `=`) gives `Some(Some(n))`
/// (`u64::MAX` when too long), anything else `Some(None)`; `None` when `rest` ends first.
fn count_after(rest: &[u8]) -> Option<Option<u64>> {
    let mut i = 0;
    let skip = |i: &mut usize| {
        while rest.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    };
    skip(&mut i);
    match rest.get(i)? {
        b'=' => i += 1,
        _ => return Some(None),
    }
    skip(&mut i);
    let quote = *rest.get(i)?;
    if quote != b'"' && quote != b'\'' {
        return Some(None);
    }
    i += 1;
    if rest.get(i)? == &b'+' {
        i += 1;
    }
    let digits = rest[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if i + digits >= rest.len() {
        return None;
    }
    if digits == 0 {
        return Some(None);
    }
    let text = std::str::from_utf8(&rest[i..i + digits]).unwrap_or("");
    Some(Some(text.parse().unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// [`check`] of an archive in memory.
    fn check_bytes(bytes: &[u8]) -> Result<Container, String> {
        check(&mut Cursor::new(bytes))
    }

    /// A zip archive of `parts` (name, content), deflated.
    pub(crate) fn archive(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in parts {
            zip.start_file(*name, options).expect("start");
            zip.write_all(content).expect("write");
        }
        zip.finish().expect("finish").into_inner()
    }

    #[test]
    fn unique_counts_are_found_across_chunks_and_quotes() {
        let count = |text: &[u8]| largest_unique_count(text);
        assert_eq!(count(b"<sst uniqueCount=\"12\" count='3'>"), Some(12));
        assert_eq!(count(b"<sst uniqueCount = '7'>"), Some(7));
        assert_eq!(count(b"<sst count=\"3\">"), None);
        assert_eq!(count(b"<sst uniqueCount=\"x\">"), None);
        assert_eq!(
            count(b"<sst uniqueCount=\"99999999999999999999999\">"),
            Some(u64::MAX)
        );
        // A key across the 64 KiB chunks.
        let mut long = vec![b' '; 64 * 1024 - 6];
        long.extend_from_slice(b"<sst uniqueCount=\"4000000000\"><si><t>a</t></si></sst>");
        assert_eq!(count(&long), Some(4_000_000_000));
        let mut two = b"<!-- uniqueCount=\"1\" -->".to_vec();
        two.extend_from_slice(b"<sst uniqueCount=\"5\">");
        assert_eq!(count(&two), Some(5));
    }

    #[test]
    fn merged_regions_are_found_in_any_part_across_chunks() {
        let holds = |text: &[u8]| holds_merge(text);
        assert!(!holds(b"<worksheet><sheetData/></worksheet>"));
        assert!(holds(b"<sheetData/><mergeCells count=\"1\">"));
        let mut long = vec![b' '; 256 * 1024 - 4];
        long.extend_from_slice(b"<x:mergeCells>");
        assert!(holds(&long));
        let utf16: Vec<u8> = "<mergeCells>"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(holds(&utf16));
        let parts = [
            ("xl/worksheets/sheet1.xml", &b"<sheetData/>"[..]),
            (
                "xl/worksheets/sheet2.xml",
                &b"<mergeCell ref=\"A1:A2\"/>"[..],
            ),
        ];
        assert!(check_bytes(&archive(&parts)).expect("fine").merges);
        assert!(!check_bytes(&archive(&parts[..1])).expect("fine").merges);
    }

    #[test]
    fn bombs_huge_tables_and_lying_counts_are_refused() {
        let sst = b"<sst uniqueCount=\"2\"><si><t>a</t></si><si><t>b</t></si></sst>";
        let found = check_bytes(&archive(&[("xl/sharedStrings.xml", sst)])).expect("fine");
        assert!(!found.merges);
        let parts = found.parts;
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].size, sst.len() as u64);
        assert_eq!(parts[0].crc32, crc(sst));

        let lying = b"<sst uniqueCount=\"1000000000\"><si><t>a</t></si></sst>";
        let message = check_bytes(&archive(&[("xl/sharedStrings.xml", lying)])).expect_err("lie");
        assert_eq!(
            message,
            "这个.xlsx文件已损坏（共享字符串表声称有 1000000000 个字符串，\
             而它的大小最多容得下 10 个）；请从财务软件重新导出"
        );
        // Any case, any folder: where the reader may look for it.
        assert!(check_bytes(&archive(&[("X/SHAREDSTRINGS.XML", lying)])).is_err());

        let zeros = vec![b'0'; 8 << 20];
        let message =
            check_bytes(&archive(&[("xl/worksheets/sheet1.xml", &zeros)])).expect_err("bomb");
        assert!(
            message.starts_with(
                "这个.xlsx文件已损坏，或是有意构造的压缩炸弹（其中的 \"xl/worksheets/sheet1.xml\" 解压后是压缩时的 "
            ),
            "{message}"
        );

        let mut many = b"<sst>".to_vec();
        while many.len() as u64 <= MAX_SHARED_STRINGS {
            many.extend_from_slice(b"<si><t>");
            many.extend_from_slice(format!("{:x}", many.len() * 2_654_435_761).as_bytes());
            many.extend_from_slice(b"</t></si>");
        }
        let message = check_bytes(&archive(&[("xl/sharedStrings.xml", &many)])).expect_err("big");
        assert!(
            message.starts_with("这个.xlsx文件中的文字太多，无法读取"),
            "{message}"
        );

        // Not a zip at all: left to the reader.
        assert_eq!(
            check_bytes(b"PK\x03\x04 not really"),
            Ok(Container {
                parts: Vec::new(),
                merges: true,
                hide: Vec::new(),
            })
        );
    }

    fn crc(bytes: &[u8]) -> u32 {
        // CRC-32 (IEEE), bit by bit: the test's own, independent of the zip crate.
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
