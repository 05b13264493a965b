//! The guard against crafted and damaged `.xls` files: containers built sector by sector
//! (loops, short tables, DIFATs listing sectors again) and sheets past the format's size.

use super::*;

const END: u32 = 0xFFFF_FFFE;
const FREE: u32 = 0xFFFF_FFFF;
const FATSECT: u32 = 0xFFFF_FFFD;

/// A compound file of 512-byte sectors (`shift` 9) or 4096-byte ones (12): a header whose
/// DIFAT lists `fat_sectors`, then `sectors` (each padded to the sector size), then `tail`
/// (a last sector cut short).
fn compound(shift: u16, fat_sectors: &[u32], sectors: &[Vec<u32>], tail: &[u8]) -> Vec<u8> {
    let size = 1usize << shift;
    let mut file = crate::ledger::CFB_MAGIC.to_vec();
    file.resize(512.max(size), 0);
    file[0x1A] = if shift == 12 { 4 } else { 3 };
    file[0x1E..0x20].copy_from_slice(&shift.to_le_bytes());
    file[0x20] = 6;
    let count = u32::try_from(fat_sectors.len()).expect("few");
    file[0x2C..0x30].copy_from_slice(&count.to_le_bytes());
    file[0x30..0x34].copy_from_slice(&1u32.to_le_bytes()); // the directory
    file[0x3C..0x40].copy_from_slice(&END.to_le_bytes()); // no mini FAT
    file[0x44..0x48].copy_from_slice(&END.to_le_bytes()); // no DIFAT sectors
    for i in 0..109 {
        let id = fat_sectors.get(i).copied().unwrap_or(FREE);
        file[76 + 4 * i..80 + 4 * i].copy_from_slice(&id.to_le_bytes());
    }
    for sector in sectors {
        let start = file.len();
        file.extend(sector.iter().flat_map(|w| w.to_le_bytes()));
        file.resize(start + size, 0);
    }
    file.extend_from_slice(tail);
    file
}

fn fat(entries: &[u32]) -> Vec<u32> {
    entries.to_vec()
}

#[test]
fn chains_that_end_and_chains_that_loop() {
    assert!(!has_cycle(&[1, 2, END, END, FREE]));
    assert!(!has_cycle(&[]));
    assert!(has_cycle(&[1, 2, 0]));
    assert!(has_cycle(&[END, 1]));
    assert!(has_cycle(&[2, 2, 3, 1]));
}

#[test]
fn real_workbooks_pass() {
    let xls = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/mingxi.xls"
    ))
    .expect("fixture");
    assert_eq!(damage(&xls), None);
    assert_eq!(damage(b"short"), None);
    // Cut anywhere, it is never taken for a loop: the reader reports the truncation.
    for len in (512..xls.len()).step_by(4) {
        assert_eq!(damage(&xls[..len]), None, "cut at {len}");
    }
}

#[test]
fn sound_and_looping_tables() {
    // Sector 0 is the FAT, 1 the directory, 2..4 a stream.
    let sound = fat(&[FATSECT, END, 3, 4, END]);
    assert_eq!(
        damage(&compound(9, &[0], &[sound, vec![], vec![]], &[])),
        None
    );
    let looping = fat(&[FATSECT, END, 3, 4, 2]);
    assert_eq!(
        damage(&compound(9, &[0], &[looping, vec![], vec![]], &[])),
        Some(Damage::Loop)
    );
    // A loop through ids the reader refuses (past the end of the file: here above 3) is
    // never followed.
    let far = fat(&[FATSECT, END, END, END, END, 6, 5]);
    assert_eq!(damage(&compound(9, &[0], &[far, vec![]], &[])), None);
}

/// The fuzz finding xls-oom-33662420: the FAT sector is the last one and cut short; its
/// 18 whole words are the reader's FAT, and the directory's chain loops in them.
#[test]
fn a_loop_in_a_fat_sector_cut_short_by_the_end_of_the_file() {
    let tail: Vec<u8> = [END, END, FATSECT]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let file = compound(9, &[2], &[vec![], vec![]], &tail);
    assert_eq!(damage(&file), None);
    let tail: Vec<u8> = [END, 1, FATSECT]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let file = compound(9, &[2], &[vec![], vec![]], &tail);
    assert_eq!(damage(&file), Some(Damage::Loop));
    // Not whole words: the reader panics on it (and the panic is caught), whatever follows.
    let file = compound(9, &[2], &[vec![], vec![]], &tail[..10]);
    assert_eq!(damage(&file), None);
}

/// A FAT sector listed twice, cut short by the end of the file: the reader gets its 2 words,
/// then (read again from its buffer) the same 2 words and zeros, so entry 2 is 0 and
/// 0 → 2 → 0 loops.
#[test]
fn a_sector_read_again_past_the_end_of_the_file_is_zeros() {
    let tail: Vec<u8> = [2, END].iter().flat_map(|w| w.to_le_bytes()).collect();
    let file = compound(9, &[1, 1], &[vec![]], &tail);
    assert_eq!(damage(&file), Some(Damage::Loop));
    let tail: Vec<u8> = [END, END].iter().flat_map(|w| w.to_le_bytes()).collect();
    let file = compound(9, &[1, 1], &[vec![]], &tail);
    assert_eq!(damage(&file), None);
}

/// With 4096-byte sectors the header takes a whole sector: sector 0 starts at byte 4096,
/// and what lies in the rest of the header sector (zeros, here a loop) is never read.
#[test]
fn large_sectors_start_after_a_whole_header_sector() {
    let looping = fat(&[FATSECT, 2, 1]);
    assert_eq!(
        damage(&compound(12, &[0], &[looping, vec![], vec![]], &[])),
        Some(Damage::Loop)
    );
    let mut file = compound(12, &[0], &[fat(&[FATSECT, 2, END]), vec![], vec![]], &[]);
    assert_eq!(damage(&file), None);
    let loop_bytes: Vec<u8> = [1u32, 0].iter().flat_map(|w| w.to_le_bytes()).collect();
    file[512..520].copy_from_slice(&loop_bytes);
    assert_eq!(damage(&file), None);
}

#[test]
fn a_difat_listing_more_fat_sectors_than_the_file_has_is_refused() {
    // 2048 bytes: the reader reads ids 0 to 4 (2048 / 512), so at most 5 FAT sectors.
    let sectors = [fat(&[FATSECT, END, END]), vec![], vec![]];
    let file = compound(9, &[0; 6], &sectors, &[]);
    assert_eq!(damage(&file), Some(Damage::TableTooLong));
    // Up to that, repeats and all, they pass: the reader's copy of the FAT is then no
    // larger than the file.
    let file = compound(9, &[0; 5], &sectors, &[]);
    assert_eq!(damage(&file), None);
}
/// A BIFF record.
fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).expect("short record");
    [&typ.to_le_bytes()[..], &len.to_le_bytes(), data].concat()
}

/// A cell record of type `typ` at `row`, `col`, `len` bytes long.
fn cell(typ: u16, row: u16, col: u16, len: usize) -> Vec<u8> {
    let mut data = [row.to_le_bytes(), col.to_le_bytes()].concat();
    data.resize(len, 0);
    rec(typ, &data)
}

fn number(row: u16, col: u16) -> Vec<u8> {
    cell(0x0203, row, col, 14)
}

/// A workbook stream: the globals (BOF, a BoundSheet per sheet, EOF), then each sheet's
/// records between a BOF and an EOF.
fn workbook(sheets: &[Vec<u8>]) -> Vec<u8> {
    let bof = rec(0x0809, &[0, 6, 0x10, 0, 0, 0, 0, 0]);
    let eof = rec(0x000A, &[]);
    let bound = |at: usize| {
        let at = u32::try_from(at).expect("small");
        rec(
            0x0085,
            &[&at.to_le_bytes()[..], &[0, 0, 1, 0, b'S']].concat(),
        )
    };
    let globals = bof.len() + sheets.len() * bound(0).len() + eof.len();
    let mut stream = bof.clone();
    let mut at = globals;
    for sheet in sheets {
        stream.extend(bound(at));
        at += bof.len() + sheet.len() + eof.len();
    }
    stream.extend(&eof);
    for sheet in sheets {
        stream.extend([&bof[..], sheet, &eof].concat());
    }
    stream
}

#[test]
fn cells_within_a_sheet_pass() {
    let sheet = [number(0, 0), cell(0x0204, 10, 4, 9), cell(0x00FD, 3, 2, 10)].concat();
    let stream = workbook(&[sheet.clone(), sheet]);
    assert_eq!(workbook_damage(&stream), None);
    let first = u32_at(&stream, 16).expect("a BoundSheet") as usize;
    let (values, formulas) = sheet_grid(&stream[first..]).expect("a sheet");
    assert_eq!((values.cells(), formulas.cells()), (11 * 5, 0));
    // A grid of exactly the budget is still read; with a second sheet the workbook is over.
    let budget = [number(0, 0), number(16_383, 255)].concat();
    assert_eq!(workbook_damage(&workbook(&[budget])), None);
    let over = [number(0, 0), number(16_384, 0)].concat();
    let budget = [number(0, 0), number(16_383, 255)].concat();
    assert_eq!(
        workbook_damage(&workbook(&[budget, over])),
        Some(Damage::TooManyCells(GRID_BUDGET + 16_385))
    );
}

/// The fuzz finding crash-78c9cefa: a LabelSst record moved to row 63,490, column 65,532
/// would make the reader allocate a 133 GB grid.
#[test]
fn a_cell_past_the_last_column_is_refused() {
    let sheet = [number(0, 0), cell(0x00FD, 63_490, 65_531, 10)].concat();
    assert_eq!(
        workbook_damage(&workbook(&[sheet])),
        Some(Damage::SheetTooLarge)
    );
    // Far out in a short row it is no danger, and the reader reads it.
    let sheet = [number(0, 0), number(0, 300)].concat();
    assert_eq!(workbook_damage(&workbook(&[sheet])), None);
    // A MulRk row of 11 values from column 250 reaches column 260.
    let mut mul_rk = [0u16.to_le_bytes(), 250u16.to_le_bytes()].concat();
    mul_rk.extend([0u8; 6 * 11]);
    mul_rk.extend(260u16.to_le_bytes());
    let sheet = [number(65_535, 0), rec(0x00BD, &mul_rk)].concat();
    assert_eq!(
        workbook_damage(&workbook(&[sheet])),
        Some(Damage::SheetTooLarge)
    );
}

#[test]
fn sheets_spanning_more_than_the_budget_are_too_large() {
    let sheet = [number(0, 0), number(39_999, 255)].concat();
    assert_eq!(
        workbook_damage(&workbook(&[sheet.clone(), sheet])),
        Some(Damage::TooManyCells(2 * 40_000 * 256))
    );
    // A formula's grid counts too.
    let full = [number(0, 0), number(65_535, 255), cell(0x0006, 0, 0, 20)].concat();
    assert_eq!(
        workbook_damage(&workbook(&[full])),
        Some(Damage::TooManyCells(SHEET_CELLS + 1))
    );
    assert_eq!(
        Damage::Loop.to_string(),
        "这个.xls文件已损坏（扇区分配表首尾相接，形成了循环）；请从财务软件重新导出"
    );
    assert_eq!(
        Damage::TooManyCells(20_480_000).to_string(),
        "这个.xls文件太大，无法读取：各工作表从第一个到最后一个非空单元格共 20,480,000 \
         个单元格，超过了一个工作簿最多读取的 4,194,304 个；请删除远离数据的单元格，或把明细账\
         导出为CSV"
    );
}

#[test]
fn dimensions_declaring_more_than_a_sheet_are_refused() {
    let dims = |rows: (u32, u32), cols: (u16, u16)| {
        let data = [
            &rows.0.to_le_bytes()[..],
            &rows.1.to_le_bytes(),
            &cols.0.to_le_bytes(),
            &cols.1.to_le_bytes(),
            &[0, 0],
        ]
        .concat();
        workbook_damage(&workbook(&[[rec(0x0200, &data), number(0, 0)].concat()]))
    };
    assert_eq!(dims((0, 65_536), (0, 256)), None);
    assert_eq!(dims((0, 0), (0, 0)), None);
    assert_eq!(dims((0, 0xFFFF_FFFF), (0, 1)), Some(Damage::SheetTooLarge));
    assert_eq!(dims((0, 65_536), (0, 257)), Some(Damage::SheetTooLarge));
    // A first row after the last wraps around to 4 billion rows in the reader.
    assert_eq!(dims((10, 5), (0, 1)), Some(Damage::SheetTooLarge));
    assert_eq!(dimensions_cells(&[0; 10]), 1);
}

#[test]
fn records_in_embedded_substreams_and_continues_are_not_cells() {
    let chart = [
        rec(0x0809, &[0; 8]),
        number(65_535, 65_535),
        rec(0x000A, &[]),
    ]
    .concat();
    let sheet = [number(0, 0), chart, number(1, 1)].concat();
    assert_eq!(workbook_damage(&workbook(&[sheet])), None);
    let sheet = [number(0, 0), rec(0x003C, &[0xFF; 14]), number(2, 2)].concat();
    let stream = workbook(&[sheet]);
    let first = u32_at(&stream, 16).expect("a BoundSheet") as usize;
    let kinds: Vec<u16> = records(&stream[first..]).map(|(typ, _)| typ).collect();
    assert_eq!(kinds, [0x0809, 0x0203, 0x0203, 0x000A]);
    // A sheet said to start past the end of the stream stops the reader (a panic).
    let mut stream = workbook(&[number(0, 0)]);
    stream[16..20].copy_from_slice(&9_999u32.to_le_bytes());
    assert_eq!(workbook_damage(&stream), None);
}

/// The whole way: a compound file whose Workbook stream (in regular sectors, being over
/// 4096 bytes) has a cell past the last column.
#[test]
fn a_workbook_stream_is_read_as_the_reader_reads_it() {
    let file = |sheet: Vec<u8>| {
        let mut stream = workbook(&[sheet]);
        stream.resize(4608, 0); // 9 sectors: 2 to 10
        let mut fat = vec![FATSECT, END];
        fat.extend(3..=10);
        fat.push(END);
        let mut directory = vec![0u8; 256];
        for (entry, name) in [(0, "Root Entry"), (1, "Workbook")] {
            let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            directory[128 * entry..][..utf16.len()].copy_from_slice(&utf16);
        }
        directory[116..120].copy_from_slice(&END.to_le_bytes());
        directory[128 + 116..128 + 120].copy_from_slice(&2u32.to_le_bytes());
        directory[128 + 120..128 + 124].copy_from_slice(&4608u32.to_le_bytes());
        let mut sectors = vec![fat, words(&directory).collect()];
        sectors.extend(stream.chunks(512).map(|s| words(s).collect()));
        compound(9, &[0], &sectors, &[])
    };
    assert_eq!(damage(&file([number(0, 0), number(9, 9)].concat())), None);
    let bad = [number(0, 0), cell(0x00FD, 63_490, 65_531, 10)].concat();
    assert_eq!(damage(&file(bad)), Some(Damage::SheetTooLarge));
}
