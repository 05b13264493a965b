//! A guard for `.xls` workbooks, run before the spreadsheet reader (calamine 0.38) sees the
//! bytes: it refuses the crafted or damaged files on which the reader would use memory without
//! bound until the process dies: those fuzzing found, and their neighbours in the reader's code
//! (see `fuzz/open-findings-upstream.md`).
//!
//! The compound-file (OLE2) container: the reader follows sector chains through the file's
//! sector allocation table (FAT) without noticing a loop. The directory's chain is followed
//! until it ends, so a loop there grows memory until the process dies; a loop in a stream's
//! chain repeats sectors up to the stream's declared size (up to 4 GB). A real FAT is a set of
//! chains that all end. The reader also copies every FAT sector that the DIFAT lists, repeats
//! included: a file listing more FAT sectors than it has sectors makes it copy the same ones
//! until memory runs out, and no real file does.
//!
//! The sheets: the reader holds each sheet as a dense grid from its first to its last cell,
//! and reserves room for the cells that a sheet's DIMENSIONS record declares. A sheet of the
//! format has at most 65,536 rows × 256 columns; a crafted cell in column 65,532 made a grid of
//! 133 GB. Grids past the format's size are refused as damage, and workbooks whose sheets
//! together span more cells than [`GRID_BUDGET`] as too large to read.
//!
//! Everything is checked on the data the reader will use, read the way it reads it:
//! [`Container`] follows calamine's `cfb.rs` step by step (a FAT sector cut short by the end of
//! the file counts with the entries it has; a sector read again past the end reads as zeros;
//! with 4096-byte sectors the header takes a whole sector), and [`records`] and [`sheet_grid`]
//! its `xls.rs`. Where the reader would stop with an error or a panic (which the caller
//! catches), this stops too and leaves the file to the reader, which reports it.

use std::fmt;

const END: u32 = 0xFFFF_FFFE; // end of a chain
const RESERVED: u32 = 0xFFFF_FFFA; // ids from here up are markers (end of chain, free, FAT …)
const DIFSECT: u32 = 0xFFFF_FFFC; // the reader reads a listed FAT sector of any id below this

/// The cells of one full sheet of the .xls format, 65,536 rows × 256 columns.
pub(super) const SHEET_CELLS: u64 = 65_536 * 256;

/// The most cells the grids of one workbook (.xls, .xlsx, .xlsb) may span: the reader holds a
/// grid at 32 bytes a cell and the caller a copy, so 4,194,304 cells take about 256 MB, half
/// the unit's `MemoryMax=512M` (a sheet of 200,000 rows × 20 columns; CSV is streamed instead).
pub(super) const GRID_BUDGET: u64 = 4 * 1024 * 1024;

/// What is wrong with an `.xls` file that the reader would not survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Damage {
    /// A chain of the FAT comes back to a sector already on it.
    Loop,
    /// The DIFAT lists more FAT sectors than the file has sectors.
    TableTooLong,
    /// A sheet's cells, or its DIMENSIONS record, go past the format's 65,536 × 256.
    SheetTooLarge,
    /// The sheets together span this many cells, more than [`GRID_BUDGET`].
    TooManyCells(u64),
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let damaged = |f: &mut fmt::Formatter<'_>, what: &str| {
            write!(f, "这个.xls文件已损坏（{what}）；请从财务软件重新导出")
        };
        match self {
            Damage::Loop => damaged(f, "扇区分配表首尾相接，形成了循环"),
            Damage::TableTooLong => damaged(f, "扇区分配表列出的扇区比文件实有的多"),
            Damage::SheetTooLarge => damaged(
                f,
                "有工作表的单元格超出了一个工作表最多的 65,536 行 × 256 列",
            ),
            Damage::TooManyCells(cells) => f.write_str(&too_many_cells(".xls", *cells)),
        }
    }
}

/// Why a workbook (`kind`: ".xls", ".xlsx" …) whose grids span `cells` cells is not read.
pub(super) fn too_many_cells(kind: &str, cells: u64) -> String {
    format!(
        "这个{kind}文件太大，无法读取：各工作表从第一个到最后一个非空单元格共 {} 个单元格，\
         超过了一个工作簿最多读取的 {} 个；请删除远离数据的单元格，或把明细账导出为CSV",
        thousands(cells),
        thousands(GRID_BUDGET)
    )
}

/// `1234567` as `1,234,567`.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What the `.xls` file `bytes` would make the reader do that it cannot survive, if anything.
/// A file too damaged to tell is left to the reader, which reports it.
pub(crate) fn damage(bytes: &[u8]) -> Option<Damage> {
    let mut container = match Container::open(bytes) {
        Ok(container) => container,
        Err(Stop::Damage(damage)) => return Some(damage),
        Err(_) => return None,
    };
    let stream = match container.stream("Workbook") {
        Err(Stop::Error) => container.stream("Book"),
        other => other,
    };
    workbook_damage(&stream.ok()?)
}

/// Why the check stopped before the end.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// The reader would return an error here.
    Error,
    /// The reader would panic here (an index or an assertion).
    Panic,
    /// The reader would not survive what comes next.
    Damage(Damage),
}

/// `data` as little-endian u32 words (a short tail is ignored).
fn words(data: &[u8]) -> impl Iterator<Item = u32> + '_ {
    data.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    bytes
        .get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    words(bytes.get(at..at + 4)?).next()
}

/// The reader's cursor over the file: each read takes what is left, up to what is asked.
struct Cursor<'a> {
    file: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn read(&mut self, into: &mut [u8]) -> usize {
        let rest = self.file.get(self.at..).unwrap_or(&[]);
        let n = into.len().min(rest.len());
        into[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        n
    }
}

/// calamine's `Sectors`: sector `id` is bytes `id * size ..` of a buffer that is filled from the
/// cursor as far as needed and only grows (past the end of the file it holds zeros).
struct Sectors {
    data: Vec<u8>,
    size: usize,
    max_id: u32,
}

impl Sectors {
    fn get(&mut self, id: u32, cursor: &mut Cursor<'_>) -> Result<&[u8], Stop> {
        if id > self.max_id {
            return Err(Stop::Error);
        }
        let start = id as usize * self.size;
        let end = start + self.size;
        if end > self.data.len() {
            let had = self.data.len();
            self.data.resize(end, 0);
            let got = had + cursor.read(&mut self.data[had..end]);
            if got < end {
                // Cut short by the end of the file; a start past it is a slice out of order.
                return self.data.get(start..got).ok_or(Stop::Panic);
            }
        }
        Ok(&self.data[start..end])
    }

    /// The words of sector `id` (the reader asserts that a sector cut short is whole words).
    fn words(&mut self, id: u32, cursor: &mut Cursor<'_>) -> Result<Vec<u32>, Stop> {
        let sector = self.get(id, cursor)?;
        if sector.len() % 4 != 0 {
            return Err(Stop::Panic);
        }
        Ok(words(sector).collect())
    }

    /// calamine's `get_chain`: the sectors from `id` on, `len` bytes at most.
    fn chain(
        &mut self,
        mut id: u32,
        fat: &[u32],
        cursor: &mut Cursor<'_>,
        len: usize,
    ) -> Result<Vec<u8>, Stop> {
        // Each id returns a short sector at most once (the buffer then covers it), so a chain
        // the reader finishes takes no more steps than this; more would be a loop, which the
        // FAT check has refused for `len` unbounded.
        let limit = (self.max_id as usize + 2).saturating_add(len / self.size);
        let mut chain = Vec::new();
        let mut steps = 0;
        while id != END {
            steps += 1;
            if steps > limit {
                return Err(Stop::Panic);
            }
            let sector = self.get(id, cursor)?;
            let take = sector.len().min(len - chain.len());
            chain.extend_from_slice(&sector[..take]);
            if chain.len() >= len {
                break;
            }
            id = *fat.get(id as usize).ok_or(Stop::Panic)?;
        }
        Ok(chain)
    }
}

/// A directory entry: a stream's name, first sector and length.
struct Entry {
    name: String,
    start: u32,
    len: usize,
}

/// The compound file as calamine's `Cfb::new` opens it.
struct Container<'a> {
    cursor: Cursor<'a>,
    sectors: Sectors,
    fat: Vec<u32>,
    mini: Sectors,
    mini_fat: Vec<u32>,
    entries: Vec<Entry>,
}

impl<'a> Container<'a> {
    /// Opens the container as calamine's `Cfb::new` does: the header, the FAT, the directory,
    /// the mini stream and its FAT.
    fn open(bytes: &'a [u8]) -> Result<Container<'a>, Stop> {
        let mut cursor = Cursor { file: bytes, at: 0 };
        let (header, size) = read_header(&mut cursor)?;
        let field = |at| u32_at(&header, at).ok_or(Stop::Error);
        let max_id = bytes.len() / size;
        let mut sectors = Sectors {
            data: Vec::new(),
            size,
            max_id: u32::try_from(max_id).map_err(|_| Stop::Error)?,
        };
        let fat = read_fat(&header, &mut sectors, &mut cursor, max_id)?;
        let directory = sectors.chain(field(0x30)?, &fat, &mut cursor, usize::MAX)?;
        let entries = directory_entries(&directory, size);
        let Some(root) = entries.first() else {
            return Err(Stop::Error);
        };
        if u16_at(&header, 0x1A) != Some(3) && root.start == END {
            return Err(Stop::Error);
        }
        let mini_fat_len = field(0x40)? as usize;
        let (mini_fat, mini_stream) = if mini_fat_len > 0 {
            let mini_stream = sectors.chain(root.start, &fat, &mut cursor, root.len)?;
            let mini_fat = sectors.chain(field(0x3C)?, &fat, &mut cursor, mini_fat_len * size)?;
            if mini_fat.len() % 4 != 0 {
                return Err(Stop::Panic);
            }
            (words(&mini_fat).collect(), mini_stream)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Container {
            cursor,
            sectors,
            fat,
            mini: Sectors {
                data: mini_stream,
                size: 64,
                max_id: (max_id * 8) as u32,
            },
            mini_fat,
            entries,
        })
    }

    /// calamine's `get_stream`: streams under 4096 bytes are in the mini stream.
    fn stream(&mut self, name: &str) -> Result<Vec<u8>, Stop> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .ok_or(Stop::Error)?;
        if entry.len < 4096 {
            let fat = &self.mini_fat;
            self.mini
                .chain(entry.start, fat, &mut self.cursor, entry.len)
        } else {
            let fat = &self.fat;
            self.sectors
                .chain(entry.start, fat, &mut self.cursor, entry.len)
        }
    }
}

/// The header's first 512 bytes and the sector size it declares (512 or 4096 bytes; with 4096,
/// the header is read up to the end of its sector).
fn read_header(cursor: &mut Cursor<'_>) -> Result<([u8; 512], usize), Stop> {
    let mut header = [0u8; 512];
    if cursor.read(&mut header) < 512 || !header.starts_with(&crate::ledger::CFB_MAGIC) {
        return Err(Stop::Error);
    }
    let size = match u16_at(&header, 0x1E) {
        Some(9) => 512,
        Some(12) => {
            // The header is read up to the end of its 4096-byte sector.
            let mut rest = [0u8; 4096 - 512];
            if cursor.read(&mut rest) < rest.len() {
                return Err(Stop::Error);
            }
            4096
        }
        _ => return Err(Stop::Error),
    };
    if u16_at(&header, 0x20) != Some(6) {
        return Err(Stop::Error);
    }
    Ok((header, size))
}

/// The FAT as the reader builds it from the sectors the DIFAT lists; refused as damage when
/// the DIFAT lists more FAT sectors than the file has sectors, or a chain loops.
fn read_fat(
    header: &[u8; 512],
    sectors: &mut Sectors,
    cursor: &mut Cursor<'_>,
    max_id: usize,
) -> Result<Vec<u32>, Stop> {
    // The DIFAT: 109 ids in the header, then a chain of sectors whose last word is the
    // next one (taken, like the reader does, off the end of the whole list).
    let mut difat: Vec<u32> = words(&header[76..]).collect();
    let mut next = u32_at(header, 0x44).ok_or(Stop::Error)?;
    let mut steps = 0;
    while next < RESERVED {
        steps += 1;
        if steps > max_id + 1 {
            return Err(Stop::Error);
        }
        difat.extend(sectors.words(next, cursor)?);
        next = difat.pop().ok_or(Stop::Error)?;
    }
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|&id| id < DIFSECT).collect();
    if fat_sectors.len() > max_id + 1 {
        return Err(Stop::Damage(Damage::TableTooLong));
    }
    let mut fat = Vec::new();
    for id in fat_sectors {
        fat.extend(sectors.words(id, cursor)?);
    }
    // A chain only goes on from a sector the reader could read, so only ids up to `max_id`
    // matter.
    if has_cycle(&fat[..fat.len().min(max_id + 1)]) {
        return Err(Stop::Damage(Damage::Loop));
    }
    Ok(fat)
}

/// The directory's 128-byte entries: each stream's name, first sector and length (32 bits with
/// 512-byte sectors, 64 with 4096-byte ones).
fn directory_entries(directory: &[u8], size: usize) -> Vec<Entry> {
    directory
        .chunks_exact(128)
        .map(|e| {
            let mut name = encoding_rs::UTF_16LE.decode(&e[..64]).0.into_owned();
            if let Some(nul) = name.bytes().position(|b| b == 0) {
                name.truncate(nul);
            }
            let len = if size == 512 {
                u32_at(e, 120).map(|l| l as usize)
            } else {
                u32_at(e, 120)
                    .zip(u32_at(e, 124))
                    .and_then(|(lo, hi)| usize::try_from(u64::from(hi) << 32 | u64::from(lo)).ok())
            };
            Entry {
                name,
                start: u32_at(e, 116).unwrap_or(END),
                len: len.unwrap_or(0),
            }
        })
        .collect()
}

/// Whether following `next[i]` from some `i` comes back to a sector already on the path.
fn has_cycle(next: &[u32]) -> bool {
    // 0: not seen, 1: on the path being walked, 2: known to end.
    let mut state = vec![0u8; next.len()];
    let mut path = Vec::new();
    for start in 0..next.len() {
        let mut at = start;
        while state[at] == 0 {
            state[at] = 1;
            path.push(at);
            let to = next[at] as usize;
            if to >= next.len() {
                break;
            }
            if state[to] == 1 {
                return true;
            }
            at = to;
        }
        for &i in &path {
            state[i] = 2;
        }
        path.clear();
    }
    false
}

/// calamine's `RecordIter`: the BIFF records of `stream` as (type, data), with the CONTINUE
/// records that follow one taken into it. It ends where the reader would stop with an error.
fn records(mut stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let typ = u16_at(stream, 0)?;
        let len = usize::from(u16_at(stream, 2)?);
        let data = stream.get(4..4 + len)?;
        stream = &stream[4 + len..];
        if stream.len() > 4 && u16_at(stream, 0) == Some(0x003C) {
            while stream.len() > 4 && u16_at(stream, 0) == Some(0x003C) {
                let len = usize::from(u16_at(stream, 2)?);
                stream = stream.get(4 + len..)?;
            }
        }
        Some((typ, data))
    })
}

/// The rows and columns from a sheet's first cell to its last, as `Range::from_sparse` takes
/// them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Span(Option<(u32, u32, u32, u32)>);

impl Span {
    fn add(&mut self, row: u32, col: u32) {
        self.0 = Some(match self.0 {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn cells(&self) -> u64 {
        self.0.map_or(0, |(r0, r1, c0, c1)| {
            u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
        })
    }
}

/// The cells the reader allocates for the sheet whose records start `sheet`: its grid of values
/// and its grid of formulas (`xls.rs`, `parse_workbook`), or `Err` for a DIMENSIONS record
/// declaring more cells than a sheet can have (the reader reserves room for them all).
/// Records the reader refuses (too short) are counted anyway: it then refuses the whole file.
fn sheet_grid(sheet: &[u8]) -> Result<(Span, Span), Damage> {
    let (mut values, mut formulas) = (Span::default(), Span::default());
    let mut seen_bof = false;
    let mut depth = 0u32; // inside an embedded substream (a chart …), skipped
    let mut formula_at = (0, 0);
    for (typ, data) in records(sheet) {
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let at = || Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)));
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x0200 if dimensions_cells(data) > SHEET_CELLS => return Err(Damage::SheetTooLarge),
            // Number, Label, RString, BoolErr, RK, LabelSst
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                if let Some((row, col)) = at() {
                    values.add(row, col);
                }
            }
            // String: the value of the formula before it
            0x0207 => values.add(formula_at.0, formula_at.1),
            // MulRk: a row of RK values from a first column to a last
            0x00BD if data.len() >= 6 => {
                let (row, first) = at().unwrap_or_default();
                let last = u16_at(data, data.len() - 2).unwrap_or_default();
                let count = usize::from(last.wrapping_sub(first as u16).wrapping_add(1));
                if data.len() == 6 + 6 * count {
                    for col in first..first + (data.len() - 6).div_ceil(6) as u32 {
                        values.add(row, col);
                    }
                }
            }
            0x0006 => {
                if let Some((row, col)) = at() {
                    formula_at = (row, col);
                    values.add(row, col);
                    formulas.add(row, col);
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    if values.cells() > SHEET_CELLS || formulas.cells() > SHEET_CELLS {
        return Err(Damage::SheetTooLarge);
    }
    Ok((values, formulas))
}

/// The cells the reader reserves room for on a DIMENSIONS record (`parse_dimensions`, then
/// rows × columns with its unsigned arithmetic, which wraps in a release build).
fn dimensions_cells(data: &[u8]) -> u64 {
    let (first_row, last_row, mut first_col, last_col) = match data.len() {
        10 => {
            let w = |at| u32::from(u16_at(data, at).unwrap_or_default());
            (w(0), w(2), w(4), w(6))
        }
        14 | 16 => {
            let w = |at| u32::from(u16_at(data, at).unwrap_or_default());
            let l = |at| u32_at(data, at).unwrap_or_default();
            (l(0), l(4), w(8), w(10))
        }
        _ => return 0, // the reader refuses the file
    };
    if 0xFF < first_col || last_col < first_col {
        first_col = 0;
    }
    if last_row == 0 || last_col == 0 {
        return 1;
    }
    let span = |first: u32, last: u32| u64::from((last - 1).wrapping_sub(first).wrapping_add(1));
    span(first_row, last_row).saturating_mul(span(first_col, last_col))
}

/// What the sheets of the workbook stream `stream` would make the reader allocate.
fn workbook_damage(stream: &[u8]) -> Option<Damage> {
    // BoundSheet records, up to the end of the workbook globals, give where each sheet starts.
    let starts: Vec<usize> = records(stream)
        .take_while(|&(typ, _)| typ != 0x000A)
        .filter(|&(typ, _)| typ == 0x0085)
        .filter_map(|(_, data)| u32_at(data, 0))
        .map(|at| at as usize)
        .collect();
    let mut total = 0u64;
    for start in starts {
        // A start past the end of the stream makes the reader panic: it reads no further.
        let sheet = stream.get(start..)?;
        match sheet_grid(sheet) {
            Ok((values, formulas)) => total += values.cells() + formulas.cells(),
            Err(damage) => return Some(damage),
        }
    }
    (total > GRID_BUDGET).then_some(Damage::TooManyCells(total))
}

#[cfg(test)]
mod tests;
