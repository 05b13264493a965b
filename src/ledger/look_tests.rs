//! The first look at a new version of a GBK or UTF-16 file, passing over the blocks of the
//! version in force ([`Sniffer::reusing`]): it answers as a look at every byte does, with
//! every line end and however the file comes in chunks, and passes over only bytes that a look
//! accepted before, read in the same encoding.

use super::text_tests::{LINE_ENDS, at, encode, join, long_ledger, read_reusing};
use super::*;

/// The encodings whose look decodes, and so passes over what it can.
const DECODED: [Encoding; 3] = [Encoding::Gb18030, Encoding::Utf16Le, Encoding::Utf16Be];

/// `lines` ended by `ends` in turn, in `encoding`.
fn file(lines: &[String], ends: &[&str], encoding: Encoding) -> Vec<u8> {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    encode(&join(&refs, ends), encoding)
}

/// Chunk sizes the look is fed in: a byte at a time, odd sizes, the importer's, all at once.
const CHUNKS: [usize; 5] = [1, 7, 4096, 256 * 1024, usize::MAX];

/// The look at `bytes` with the blocks `known`, in each of [`CHUNKS`]: every answer the same
/// as a look at every byte, and the bytes passed over the same whatever the chunks; returns
/// those bytes.
fn look(bytes: &[u8], known: &[Block]) -> (Result<Encoding, String>, u64) {
    let whole = detect(bytes);
    let mut passed = Vec::new();
    for chunk in CHUNKS {
        let mut sniffer = Sniffer::reusing(known);
        for piece in bytes.chunks(chunk) {
            sniffer.feed(piece);
        }
        let looked = sniffer.finish();
        assert_eq!(looked.format, whole.format, "chunks of {chunk}");
        assert_eq!(looked.text, whole.text, "chunks of {chunk}");
        assert_eq!(looked.head, whole.head, "chunks of {chunk}");
        passed.push(looked.known_bytes);
    }
    assert!(passed.windows(2).all(|p| p[0] == p[1]), "{passed:?}");
    (whole.text, passed[0])
}

/// Bytes of a block.
fn len(b: &Block) -> u64 {
    b.end - b.start
}

/// A grown year-to-date export with an amount corrected in its second block: that block is
/// looked at again, and the last, which grew; the third to fifth, which the reader reuses,
/// are passed over, and the first (title and header, which the reader reads again for its
/// header), in every encoding that decodes, with every line end.
#[test]
fn a_grown_export_is_looked_at_again_only_where_it_changed() {
    for encoding in DECODED {
        for (name, ends) in LINE_ENDS {
            let case = format!("{}, {name}", encoding.name());
            let before = long_ledger(at(6_000));
            let mut after = long_ledger(at(6_500));
            let corrected = at(1_600);
            let (head, amount) = after[corrected].rsplit_once(',').expect("an amount");
            // Every later byte moves: blocks are found by their line, not their offset. A
            // shorter amount makes the changed block shorter than it was, so the next block
            // starts among the bytes held for it.
            let amount = if name == "LF" {
                "1.00".to_owned()
            } else {
                format!("10{amount}")
            };
            after[corrected] = format!("{head},{amount}");
            let (before, after) = (file(&before, ends, encoding), file(&after, ends, encoding));
            let (_, blocks, entries) = read_reusing(&before, (&[], &[]));
            assert_eq!(blocks.len(), 6, "{case}");
            let (stats, ..) = read_reusing(&after, (&blocks, &entries));
            assert_eq!(stats.reused_blocks, 3, "{case}");
            let (text, passed) = look(&after, &blocks);
            assert_eq!(text, Ok(encoding), "{case}");
            let unchanged = len(&blocks[0]) + blocks[2..5].iter().map(len).sum::<u64>();
            assert_eq!(passed, unchanged, "{case}");
            // The same file again: every block but the last (which may grow) is passed over.
            let (_, again) = look(&before, &blocks);
            assert_eq!(again, blocks[..5].iter().map(len).sum::<u64>(), "{case}");
        }
    }
}

/// Whether `text` is the refusal of a file that is neither UTF-8 nor GBK.
fn neither(text: &Result<Encoding, String>) -> bool {
    text.as_ref()
        .is_err_and(|e| e.starts_with("文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本"))
}

/// What makes a file other than GBK is found wherever it is: in a changed block, in a block
/// cut short by the end of the file, and in blocks whose bytes were accepted as UTF-8.
#[test]
fn bytes_that_are_not_gbk_are_found_past_known_blocks() {
    let lines = long_ledger(at(6_000));
    let before = file(&lines, &["\n"], Encoding::Gb18030);
    let (_, blocks, _) = read_reusing(&before, (&[], &[]));
    // A line of the fourth block saved as UTF-8 (an export pieced together from two).
    let line = at(4_000);
    let mut pieced = file(&lines[..line], &["\n"], Encoding::Gb18030);
    pieced.extend_from_slice(lines[line].as_bytes());
    pieced.push(b'\n');
    pieced.extend_from_slice(&file(&lines[line + 1..], &["\n"], Encoding::Gb18030));
    let (text, passed) = look(&pieced, &blocks);
    assert!(neither(&text), "{text:?}");
    assert!(passed > 0);
    // A byte GB18030 cannot decode (0xFF) in the fourth block.
    let at_byte = usize::try_from(blocks[3].start).expect("offset") + 5;
    let mut broken = before.clone();
    broken[at_byte] = 0xFF;
    let (text, _) = look(&broken, &blocks);
    assert!(neither(&text), "{text:?}");
    // The file ends inside the fourth block, with a GBK lead byte whose trail is missing: the
    // block's bytes are looked at, not passed over.
    let mut cut = before[..at_byte].to_vec();
    cut.push(0x81);
    let (text, passed) = look(&cut, &blocks);
    assert!(neither(&text), "{text:?}");
    assert_eq!(passed, blocks[..3].iter().map(len).sum::<u64>());
    // The version in force was UTF-8; the new one is its lines with the last thousand as GBK.
    // The UTF-8 blocks come again with the same bytes on the same lines, but were accepted as
    // UTF-8, not as GBK: looked at, and their UTF-8 lines found.
    let utf8 = file(&lines, &["\n"], Encoding::Utf8);
    let (_, utf8_blocks, _) = read_reusing(&utf8, (&[], &[]));
    let split = at(5_000);
    let mut half = file(&lines[..split], &["\n"], Encoding::Utf8);
    half.extend_from_slice(&file(&lines[split..], &["\n"], Encoding::Gb18030));
    let (text, passed) = look(&half, &utf8_blocks);
    assert!(neither(&text), "{text:?}");
    assert_eq!(passed, 0);
}

/// In UTF-16, a lone surrogate in a changed block, or half of a pair where the file ends
/// inside a block, is found; blocks of the other byte order are never passed over.
#[test]
fn broken_utf16_is_found_past_known_blocks() {
    let lines = long_ledger(at(6_000));
    for encoding in [Encoding::Utf16Le, Encoding::Utf16Be] {
        let case = encoding.name();
        let broken_text = |text: &Result<Encoding, String>| {
            text.as_ref()
                .is_err_and(|e| e.starts_with(&format!("文件以 {case} 的 BOM（编码标记）开头")))
        };
        let before = file(&lines, &["\r\n"], encoding);
        let (_, blocks, _) = read_reusing(&before, (&[], &[]));
        // A high surrogate (U+D800) alone, on a unit of the fourth block.
        let unit = usize::try_from(blocks[3].start).expect("offset") + 10;
        let surrogate = if encoding == Encoding::Utf16Le {
            [0x00, 0xD8]
        } else {
            [0xD8, 0x00]
        };
        let mut broken = before.clone();
        broken[unit..unit + 2].copy_from_slice(&surrogate);
        let (text, passed) = look(&broken, &blocks);
        assert!(broken_text(&text), "{case}: {text:?}");
        assert_eq!(passed, blocks[..3].iter().map(len).sum::<u64>(), "{case}");
        // The file ends inside the fourth block with a high surrogate.
        let mut cut = before[..unit].to_vec();
        cut.extend_from_slice(&surrogate);
        let (text, _) = look(&cut, &blocks);
        assert!(broken_text(&text), "{case}: {text:?}");
        // The same lines in the other byte order: nothing in common.
        let other = if encoding == Encoding::Utf16Le {
            Encoding::Utf16Be
        } else {
            Encoding::Utf16Le
        };
        let (text, passed) = look(&file(&lines, &["\r\n"], other), &blocks);
        assert_eq!(text, Ok(other), "{case}");
        assert_eq!(passed, 0, "{case}");
    }
}

/// A small generator of test cases (a linear congruential one: the same cases every run).
struct Cases(u64);

impl Cases {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).expect("31 bits") % n
    }
}

/// Random edits of a grown export — lines changed longer and shorter, added, removed, a line
/// saved as UTF-8, a line end changed, bytes no encoding here takes (0xFF, 0x80, a NUL, a lone
/// surrogate), the file cut anywhere — in every encoding that decodes and every line end: the
/// look passing over known blocks answers as a look at every byte, however it is fed.
#[test]
fn random_edits_are_seen_as_a_look_at_every_byte_sees_them() {
    let mut cases = Cases(17);
    let before = long_ledger(at(4_000));
    for round in 0..48 {
        let encoding = DECODED[round % DECODED.len()];
        let (name, ends) = LINE_ENDS[(round / DECODED.len()) % LINE_ENDS.len()];
        let old = file(&before, ends, encoding);
        let (_, blocks, _) = read_reusing(&old, (&[], &[]));
        let mut lines = long_ledger(at(4_000) + cases.below(300));
        for _ in 0..1 + cases.below(3) {
            let i = 2 + cases.below(lines.len() - 2);
            match cases.below(4) {
                0 => lines[i].push('0'),
                1 => {
                    let keep = lines[i].len() - 3;
                    lines[i].truncate(keep);
                }
                2 => drop(lines.remove(i)),
                _ => lines.insert(i, lines[i].clone()),
            }
        }
        let mut bytes = file(&lines, ends, encoding);
        let unit = if encoding == Encoding::Gb18030 { 1 } else { 2 };
        match cases.below(7) {
            0 => {
                // A line's bytes as UTF-8.
                let i = 2 + cases.below(lines.len() - 2);
                let start = file(&lines[..i], ends, encoding).len() - if unit == 2 { 2 } else { 0 };
                let len = file(&lines[i..=i], ends, encoding).len() - if unit == 2 { 2 } else { 0 };
                bytes.splice(start..start + len, lines[i].bytes().chain(*b"\n"));
            }
            1 => {
                let at = unit * cases.below(bytes.len() / unit);
                bytes[at] = [0xFF, 0x80, 0x00][cases.below(3)];
            }
            2 if unit == 2 => {
                // A lone high surrogate (U+D800) on a code unit.
                let at = 2 + 2 * cases.below(bytes.len() / 2 - 1);
                let surrogate = if encoding == Encoding::Utf16Le {
                    [0x00, 0xD8]
                } else {
                    [0xD8, 0x00]
                };
                bytes[at..at + 2].copy_from_slice(&surrogate);
            }
            3 => bytes.truncate(cases.below(bytes.len())),
            4 => {
                // A line end's CR taken out (CRLF to LF, CR to nothing).
                if let Some(at) = bytes.iter().skip(4_000).position(|&b| b == b'\r') {
                    let at = (4_000 + at) / unit * unit;
                    bytes.drain(at..at + unit);
                }
            }
            _ => {}
        }
        let whole = detect(&bytes);
        for chunk in [3, 4096, usize::MAX] {
            let mut sniffer = Sniffer::reusing(&blocks);
            for piece in bytes.chunks(chunk) {
                sniffer.feed(piece);
            }
            let looked = sniffer.finish();
            assert_eq!(
                (looked.format, &looked.text, &looked.head),
                (whole.format, &whole.text, &whole.head),
                "round {round}: {} {name}, chunks of {chunk}",
                encoding.name()
            );
        }
    }
}
