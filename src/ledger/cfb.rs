//! A guard for the compound-file (OLE2) container of `.xls` workbooks: a damaged or crafted
//! file whose sector allocation table (FAT) loops makes the spreadsheet reader follow the loop
//! forever, growing memory until the process dies (found by fuzzing: a 7.5 KB file). A real
//! FAT is a set of chains that all end; this refuses the file when one does not.

const ENDS_AT: u32 = 0xFFFF_FFFA; // ids from here up are markers (end of chain, free, FAT …)
const DIFAT_IN_HEADER: usize = 109;

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    words(bytes.get(at..at + 4)?).next()
}

/// `data` as little-endian u32 words (a short tail is ignored).
fn words(data: &[u8]) -> impl Iterator<Item = u32> + '_ {
    data.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// Whether the FAT of the compound file `bytes` has a chain that never ends. A file too
/// damaged to tell is left to the reader, which reports it.
pub(crate) fn fat_loops(bytes: &[u8]) -> bool {
    let Some(shift) = bytes
        .get(0x1E..0x20)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
    else {
        return false;
    };
    if !(7..=16).contains(&shift) {
        return false;
    }
    let size = 1usize << shift;
    // Sector `id` as the reader (calamine) finds it: right after the 512-byte header, whatever
    // the sector size, so that this check sees the chains the reader will follow.
    let sector = |id: u32| -> Option<&[u8]> {
        let start = (id as usize).checked_mul(size)?.checked_add(512)?;
        bytes.get(start..start.checked_add(size)?)
    };
    let max_sectors = bytes.len() / size + 1;

    // The FAT's own sectors: 109 listed in the header, the rest in the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..DIFAT_IN_HEADER)
        .filter_map(|i| u32_at(bytes, 0x4C + 4 * i))
        .collect();
    let mut next = u32_at(bytes, 0x44).unwrap_or(ENDS_AT);
    let mut steps = 0;
    while next < ENDS_AT {
        steps += 1;
        if steps > max_sectors {
            return true;
        }
        let Some(data) = sector(next) else {
            return false;
        };
        let ids: Vec<u32> = words(data).collect();
        let Some((&last, listed)) = ids.split_last() else {
            return false;
        };
        fat_sectors.extend_from_slice(listed);
        next = last;
    }
    let mut fat = Vec::new();
    for id in fat_sectors.into_iter().filter(|&id| id < ENDS_AT) {
        if let Some(data) = sector(id) {
            fat.extend(words(data));
        }
    }
    has_cycle(&fat)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_that_end_and_chains_that_loop() {
        const END: u32 = 0xFFFF_FFFE;
        assert!(!has_cycle(&[1, 2, END, END, 0xFFFF_FFFF]));
        assert!(!has_cycle(&[]));
        assert!(has_cycle(&[1, 2, 0]));
        assert!(has_cycle(&[END, 1]));
        assert!(has_cycle(&[2, 2, 3, 1]));
    }

    #[test]
    fn real_workbooks_do_not_loop() {
        let xls = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/mingxi.xls"
        ))
        .expect("fixture");
        assert!(!fat_loops(&xls));
        assert!(!fat_loops(b"short"));
    }
}
