//! Reading a new version of a source into the store: the ledger reader runs on a second
//! thread and hands entries across in batches, while this one writes them through a
//! [`SourceWriter`]; a bad file or a failed read drops the writer, and nothing changes.
//!
//! The blocks a text file was cut into (byte ranges of the file, in any encoding) are kept with
//! the version (encoded here: the store keeps them as bytes), so the next read of a grown file
//! reuses those whose bytes are the same.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender};

use chrono::{DateTime, Utc};
use xxhash_rust::xxh3::Xxh3;

use super::guard::{self, Bounds};
use super::look::meta_of;
use super::{Outcome, SourceFile, cannot_read_file};
use crate::config::Config;
use crate::core::{EntryRef, Fund};
use crate::ledger::{
    self, Block, Blocks, Detected, ProblemList, ReadError, ReadOptions, ReadStats, Scanned,
    SkippedSheet,
};
use crate::store::{
    Fingerprint, ReadSummary, SourceMeta, SourceRecord, SourceWriter, Store, StoreError, row_hash,
};

/// A version of a source file that is not the one in force: what the first steps found
/// about it, and all that reading it into the store needs besides the config.
#[derive(Debug)]
pub(super) struct NewVersion<'a> {
    pub(super) file: &'a SourceFile,
    /// The source's key in the database.
    pub(super) key: &'a str,
    /// The path as the user should see it.
    pub(super) display: &'a str,
    /// Where it may lead: every open checks again.
    pub(super) bounds: Bounds<'a>,
    pub(super) fingerprint: Fingerprint,
    /// Its format and encoding.
    pub(super) detected: Detected,
    /// Blocks of the version in force that may be reused (see [`reusable_blocks`]).
    pub(super) previous: Vec<Block>,
    /// Its size and time when it was looked at.
    pub(super) meta: SourceMeta,
}

/// Why a new version was not written.
#[derive(Debug)]
pub(super) enum WriteError {
    /// The file is bad: every problem, formatted.
    Rejected(String),
    /// The file could not be read to the end.
    Io(String),
    Store(StoreError),
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> WriteError {
        WriteError::Store(e)
    }
}

/// Reads `version` into a new version of its source, recorded as read at `now`; nothing
/// changes if it is bad.
pub(super) fn write(
    store: &mut Store,
    config: &Config,
    version: &NewVersion<'_>,
    now: DateTime<Utc>,
) -> Result<Outcome, WriteError> {
    let path = &version.file.path;
    let display = version.display;
    let cannot_read = |e: std::io::Error| WriteError::Io(cannot_read_file(display, &e));
    // Each open checks the file again: it may have been swapped for a link since the look.
    let opened = guard::open(path, version.bounds).map_err(cannot_read)?;
    // The bytes read must be those the look hashed: a file written to (or renamed over) since
    // then would be stored under the look's fingerprint, and its blocks under the old hashes.
    if meta_of(&opened.metadata().map_err(cannot_read)?) != version.meta {
        return Err(WriteError::Io(format!(
            "{display}: 文件在读取前又被改动了（大小或修改时间与刚才看到的不同，可能正在被写入）；\
             下次检查会重新读取，手工导入请等文件写完后再导入"
        )));
    }
    // Every read of this version goes through `opened`, by position: a path opened again
    // could be another file by now.
    let scan = |start: u64, end: u64| scan_range(&opened, start, end);
    // No buffer of its own: the csv reader above buffers 64 KiB, and a reopened pass usually
    // reads a block or a few (~14 KB each); a 256 KiB buffer here was zeroed and filled at
    // every one.
    let reopen = |offset: u64| -> std::io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(At::new(opened.try_clone()?, offset)))
    };
    let blocks = Blocks {
        previous: &version.previous,
        scan: &scan,
        reopen: &reopen,
    };
    let input = std::io::BufReader::with_capacity(
        256 * 1024,
        At::new(opened.try_clone().map_err(cannot_read)?, 0),
    );
    let mut writer =
        store.begin_source(version.key, &version.fingerprint, Some(version.meta), now)?;
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = ReadOptions {
        funds: &config.funds,
        default_fund: version.file.fund.as_deref(),
        extra_headers: &config.extra_headers,
        extra_subtotal_words: &config.subtotal_words,
    };
    let ((read, skipped), store_error) = stream(&mut writer, &config.funds, |batcher| {
        let detected = &version.detected;
        ledger::read(input, detected, &extension, options, Some(&blocks), batcher)
    });
    if let Some(e) = store_error {
        return Err(WriteError::Store(e));
    }
    // On any error the writer is dropped unfinished: the version in force stays.
    let (stats, cut) = read.map_err(|e| read_failure(e, display))?;
    let written = writer.finish(ReadSummary {
        subtotal_rows: stats.subtotal_rows,
        blocks: encode_blocks(&cut),
    })?;
    // `display` would be taken for tracing's own function.
    let shown = display;
    tracing::debug!(
        file = shown,
        blocks = cut.len(),
        reused = stats.reused_blocks,
        looked_past = version.detected.known_bytes,
        "read"
    );
    Ok(Outcome::Imported {
        entries: stats.entries,
        previous: written.previous,
        written: written.written,
        subtotal_rows: stats.subtotal_rows,
        note_rows: stats.note_rows,
        page_rows: stats.page_rows,
        skipped_sheets: skipped.iter().map(ToString::to_string).collect(),
        encoding: stats.encoding,
    })
}

/// Why the read of the file at `display` failed, as the import reports it.
fn read_failure(e: ReadError<HungUp>, display: &str) -> WriteError {
    match e {
        ReadError::Sink(HungUp) => WriteError::Io(format!("{display}: 读取中断；请重新导入")),
        ReadError::Io(e) => WriteError::Io(cannot_read_file(display, &e)),
        ReadError::Problems { problems, more } => WriteError::Rejected(
            ProblemList {
                file: display,
                problems: &problems,
                more,
            }
            .to_string(),
        ),
    }
}

/// What the reading thread returns: its result, and the sheets of a workbook it did not read.
type ReadResult = (
    Result<(ReadStats, Vec<Block>), ReadError<HungUp>>,
    Vec<SkippedSheet>,
);

/// Runs `read` on a second thread, feeding `writer` on this one with the entries it hands
/// the batcher; returns what the read returned, and the store's error if writing failed.
///
/// Reading and writing run side by side: the profile of an import showed them about equal.
/// Entries cross in batches through a bounded channel, so memory stays flat; if the store
/// fails, hanging up stops the reader.
fn stream(
    writer: &mut SourceWriter<'_>,
    funds: &[Fund],
    read: impl FnOnce(&mut Batcher) -> Result<(ReadStats, Vec<Block>), ReadError<HungUp>> + Send,
) -> (ReadResult, Option<StoreError>) {
    let (batches, received) = std::sync::mpsc::sync_channel::<Item>(4);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut batcher = Batcher {
                batches,
                batch: Batch::default(),
                kept: 0,
                skipped: Vec::new(),
            };
            let result = read(&mut batcher);
            let skipped = std::mem::take(&mut batcher.skipped);
            batcher.flush();
            (result, skipped)
        });
        let store_error = receive(writer, funds, received).err();
        let read = reader
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (read, store_error)
    })
}

/// Writes what arrives until the reader is done, or the store fails (then hangs up).
fn receive(
    writer: &mut SourceWriter<'_>,
    funds: &[Fund],
    received: Receiver<Item>,
) -> Result<(), StoreError> {
    for item in received.iter() {
        match item {
            Item::Entries(batch) => {
                let entries: Vec<_> = batch
                    .rows
                    .iter()
                    .map(|row| (batch.entry(row, funds), row.hash))
                    .collect();
                writer.add_all(&entries)?;
            }
            Item::Keep(count) => writer.keep(count)?,
        }
    }
    Ok(())
}

/// The reader's blocks as the store keeps them: each block's words, little-endian, one block
/// after another.
fn encode_blocks(blocks: &[Block]) -> Vec<u8> {
    blocks
        .iter()
        .flat_map(|b| b.to_words())
        .flat_map(u64::to_le_bytes)
        .collect()
}

/// The blocks [`encode_blocks`] kept. Bytes of blocks with another number of words are never
/// read as these (see [`Block::FIELDS`]).
fn decode_blocks(bytes: &[u8]) -> Vec<Block> {
    bytes
        .chunks_exact(8 * Block::FIELDS)
        .map(|chunk| {
            let mut words = [0u64; Block::FIELDS];
            for (word, bytes) in words.iter_mut().zip(chunk.chunks_exact(8)) {
                *word = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
            }
            Block::from_words(words)
        })
        .collect()
}

/// The blocks of the version in force, if they were cut with the same settings (the same
/// bytes may make other entries under other settings).
pub(super) fn reusable_blocks(record: Option<&SourceRecord>, settings: &str) -> Vec<Block> {
    match record {
        Some(r) if r.accepted.as_ref().is_some_and(|a| a.settings == settings) => {
            decode_blocks(&r.blocks)
        }
        _ => Vec::new(),
    }
}

/// A reader of a file from its own position (`pread`): clones of one open file share its
/// offset, these do not, so the ledger reader and the readers of re-read blocks can read the
/// same open file side by side.
#[derive(Debug)]
struct At {
    file: std::fs::File,
    pos: u64,
}

impl At {
    fn new(file: std::fs::File, pos: u64) -> At {
        At { file, pos }
    }
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::os::unix::fs::FileExt::read_at(&self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for At {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let base = match to {
            std::io::SeekFrom::Start(n) => {
                self.pos = n;
                return Ok(n);
            }
            std::io::SeekFrom::Current(d) => (self.pos, d),
            std::io::SeekFrom::End(d) => (self.file.metadata()?.len(), d),
        };
        self.pos = base.0.checked_add_signed(base.1).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}

thread_local! {
    /// The buffer of [`scan_range`], kept by the thread that cuts blocks (one read per block of
    /// about 60 KB, and no buffer to clear for each of a thousand blocks).
    static SCAN_BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 128 * 1024]);
}

/// The xxh3 of a file's bytes `start..end`, and the last two of them.
fn scan_range(file: &std::fs::File, start: u64, end: u64) -> std::io::Result<Scanned> {
    use std::os::unix::fs::FileExt;
    SCAN_BUFFER.with_borrow_mut(|buf| {
        let mut hasher = Xxh3::new();
        let mut tail = [0u8; 2];
        let mut at = start;
        while at < end {
            let want = usize::try_from((end - at).min(buf.len() as u64)).unwrap_or(buf.len());
            let n = file.read_at(&mut buf[..want], at)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "文件在读取时变短了（是否正在被写入？）",
                ));
            }
            hasher.update(&buf[..n]);
            tail = match &buf[..n] {
                [.., a, b] => [*a, *b],
                [b] => [tail[1], *b],
                [] => tail,
            };
            at += n as u64;
        }
        Ok(Scanned {
            hash: hasher.digest(),
            tail,
        })
    })
}

/// Entries handed from the reading thread to the writing one, in batches of this many.
const BATCH: usize = 1024;

/// Entries as they cross from the reading thread: their text in one buffer per batch, so a
/// batch is a handful of allocations, not two per entry.
#[derive(Default)]
struct Batch {
    text: String,
    rows: Vec<Row>,
}

struct Row {
    fund_index: usize,
    date: chrono::NaiveDate,
    amount: crate::core::Money,
    voucher: std::ops::Range<usize>,
    memo: std::ops::Range<usize>,
    line: u32,
    sheet: Option<String>,
    /// [`row_hash`], on the reading thread.
    hash: i64,
}

impl Batch {
    fn entry<'a>(&'a self, row: &'a Row, funds: &'a [Fund]) -> EntryRef<'a> {
        EntryRef {
            fund: &funds[row.fund_index].id,
            fund_index: row.fund_index,
            date: row.date,
            amount: row.amount,
            voucher: std::borrow::Cow::Borrowed(&self.text[row.voucher.clone()]),
            memo: std::borrow::Cow::Borrowed(&self.text[row.memo.clone()]),
            line: row.line,
            sheet: row.sheet.as_deref(),
        }
    }

    fn push_text(&mut self, text: &str) -> std::ops::Range<usize> {
        let start = self.text.len();
        self.text.push_str(text);
        start..self.text.len()
    }
}

/// What crosses from the reading thread: entries, or "keep the next N entries as they are".
enum Item {
    Entries(Batch),
    Keep(u64),
}

/// The writing side hung up (the store failed; it reports why).
#[derive(Debug)]
struct HungUp;

/// The reader's sink on the reading thread: entries into batches, batches into the channel.
struct Batcher {
    batches: SyncSender<Item>,
    batch: Batch,
    /// Entries to keep after those of `batch`, not sent yet: the kept blocks of a grown export
    /// come in runs, and one message for a run wakes the writing side once, not per block.
    kept: u64,
    /// The sheets of a workbook not read, for the report.
    skipped: Vec<SkippedSheet>,
}

impl ledger::Sink for Batcher {
    type Error = HungUp;

    fn entry(&mut self, e: &EntryRef<'_>) -> Result<(), HungUp> {
        self.push(e)
    }

    fn keep(&mut self, count: u64) -> Result<(), HungUp> {
        self.kept += count;
        Ok(())
    }

    fn sheet_skipped(&mut self, sheet: &SkippedSheet) -> Result<(), HungUp> {
        self.skipped.push(sheet.clone());
        Ok(())
    }
}

impl Batcher {
    fn push(&mut self, e: &EntryRef<'_>) -> Result<(), HungUp> {
        if self.kept > 0 {
            // In order: the entries before the kept ones, the kept ones, then this one.
            self.send_kept()?;
        }
        let voucher = self.batch.push_text(&e.voucher);
        let memo = self.batch.push_text(&e.memo);
        self.batch.rows.push(Row {
            fund_index: e.fund_index,
            date: e.date,
            amount: e.amount,
            voucher,
            memo,
            line: e.line,
            sheet: e.sheet.map(str::to_owned),
            hash: row_hash(e),
        });
        if self.batch.rows.len() == BATCH {
            let next = Batch {
                text: String::with_capacity(self.batch.text.capacity()),
                rows: Vec::with_capacity(BATCH),
            };
            let full = std::mem::replace(&mut self.batch, next);
            self.batches.send(Item::Entries(full)).map_err(|_| HungUp)?;
        }
        Ok(())
    }

    /// Sends the entries of `batch`, then those to keep after them.
    fn send_kept(&mut self) -> Result<(), HungUp> {
        let pending = std::mem::take(&mut self.batch);
        if !pending.rows.is_empty() {
            self.batches
                .send(Item::Entries(pending))
                .map_err(|_| HungUp)?;
        }
        let kept = std::mem::take(&mut self.kept);
        self.batches.send(Item::Keep(kept)).map_err(|_| HungUp)
    }

    fn flush(mut self) {
        // A hang-up here is reported by the writing side.
        if self.kept > 0 {
            let _ = self.send_kept();
        } else if !self.batch.rows.is_empty() {
            let _ = self.batches.send(Item::Entries(self.batch));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::import::guard::Folders;
    use crate::app::import::look::{Look, look_at};
    use crate::ledger::Sink;

    #[test]
    fn a_file_changed_since_the_look_is_not_read_under_its_fingerprint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = "timezone: Asia/Shanghai
database: spendwatch.db
ledger:
  sources:
    - {path: ledger.csv, fund: ng}
email:
  to: [finance@localhost]
  admin: [admin@localhost]
  transport: file
  file: {dir: outbox}
funds:
  - {id: ng, code: C, name: 网络综合治理体系建设专项资金, year: 2025, budget: 15.00万元}
";
        let config = crate::config::parse(text, &dir.path().join("config.yaml"), dir.path())
            .expect("test config");
        let path = dir.path().join("ledger.csv");
        let first = "日期,凭证号,摘要,金额\n2025-03-20,记-0030,服务费,100.00\n";
        std::fs::write(&path, first).expect("write");
        let mut store = Store::open(&config.database).expect("store");
        let file = SourceFile {
            path: path.clone(),
            fund: Some("ng".to_owned()),
            spec: Some(0),
        };
        let folders = Folders::of(&config);
        let bounds = Bounds::Inside(&folders);
        let key = path.to_string_lossy().into_owned();
        let now = DateTime::UNIX_EPOCH;
        let look = |store: &mut Store| {
            look_at(store, &config, &file, &key, "ledger.csv", bounds, false).expect("look")
        };
        let Look::Changed { version, .. } = look(&mut store).1 else {
            panic!("a new file is a change");
        };
        // Written to between the look and the read (an export still being saved).
        std::fs::write(&path, format!("{first}2025-03-21,记-0031,服务费,200.00\n"))
            .expect("rewrite");
        match write(&mut store, &config, &version, now) {
            Err(WriteError::Io(report)) => {
                assert!(
                    report.starts_with("ledger.csv: 文件在读取前又被改动了"),
                    "{report}"
                );
            }
            Err(e) => panic!("{e:?}"),
            Ok(_) => panic!("read under the look's fingerprint"),
        }
        assert_eq!(store.entries_in_force().expect("count"), (0, 0));
        // The next look sees the new bytes and reads them.
        let Look::Changed { version, .. } = look(&mut store).1 else {
            panic!("still a change");
        };
        write(&mut store, &config, &version, now).expect("read");
        assert_eq!(store.entries_in_force().expect("count"), (2, 1));
    }

    #[test]
    fn readers_at_positions_of_one_file_do_not_move_each_other() {
        use std::io::{Seek, SeekFrom};
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").expect("write");
        let file = std::fs::File::open(&path).expect("open");
        let mut a = At::new(file.try_clone().expect("clone"), 0);
        let mut b = At::new(file.try_clone().expect("clone"), 6);
        let mut two = [0u8; 2];
        a.read_exact(&mut two).expect("a");
        assert_eq!(&two, b"01");
        b.read_exact(&mut two).expect("b");
        assert_eq!(&two, b"67");
        a.read_exact(&mut two).expect("a again");
        assert_eq!(&two, b"23");
        assert_eq!(a.seek(SeekFrom::End(-1)).expect("end"), 9);
        assert_eq!(a.seek(SeekFrom::Current(-3)).expect("back"), 6);
        assert!(a.seek(SeekFrom::Current(-7)).is_err());
        let mut rest = Vec::new();
        a.read_to_end(&mut rest).expect("rest");
        assert_eq!(rest, b"6789");
    }

    #[test]
    fn kept_runs_go_as_one_message_in_order() {
        let (batches, received) = std::sync::mpsc::sync_channel::<Item>(16);
        let mut batcher = Batcher {
            batches,
            batch: Batch::default(),
            kept: 0,
            skipped: Vec::new(),
        };
        let entry = |line: u32| EntryRef {
            fund: "f",
            fund_index: 0,
            date: chrono::NaiveDate::from_ymd_opt(2025, 1, 2).expect("date"),
            amount: crate::core::Money::from_fen(100),
            voucher: std::borrow::Cow::Borrowed("v"),
            memo: std::borrow::Cow::Borrowed("m"),
            line,
            sheet: None,
        };
        batcher.entry(&entry(2)).expect("entry");
        batcher.keep(2).expect("keep");
        batcher.keep(3).expect("keep");
        batcher.entry(&entry(9)).expect("entry");
        batcher.entry(&entry(10)).expect("entry");
        batcher.keep(1).expect("keep");
        batcher.flush();
        let items: Vec<String> = received
            .iter()
            .map(|item| match item {
                Item::Entries(batch) => {
                    let lines: Vec<String> =
                        batch.rows.iter().map(|r| r.line.to_string()).collect();
                    format!("entries {}", lines.join(","))
                }
                Item::Keep(count) => format!("keep {count}"),
            })
            .collect();
        assert_eq!(items, ["entries 2", "keep 5", "entries 9,10", "keep 1"]);
    }

    #[test]
    fn blocks_come_back_as_they_were_kept() {
        let block = |n: u64| Block {
            start: n,
            end: n + 10,
            start_line: n + 1,
            newlines: 2,
            records: 3,
            first_entry: 4 * n,
            header: 0xFEED,
            entries: 5,
            subtotal_rows: 6,
            note_rows: 7,
            page_rows: 8,
            hash: u64::MAX - n,
        };
        let blocks = vec![block(0), block(10), block(20)];
        let bytes = encode_blocks(&blocks);
        assert_eq!(bytes.len(), 3 * 8 * Block::FIELDS);
        assert_eq!(decode_blocks(&bytes), blocks);
        // A partial block (bytes of another layout) is not read as one.
        assert_eq!(decode_blocks(&bytes[..8 * Block::FIELDS + 8]), blocks[..1]);
        assert!(decode_blocks(&[]).is_empty());
    }
}
