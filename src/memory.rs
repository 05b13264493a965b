//! What the daemon gives back to the system after a burst of work, and what a one-off command
//! keeps.
//!
//! glibc's allocator keeps what a thread frees in that thread's arena: after a check has
//! composed a large alert email (6.7 MB with 1,000 funds and their charts) the freed pages stay
//! resident, between live blocks, for as long as the daemon waits — 3.6 MiB at 10,000 entries
//! and 12.9 MiB at 1,000,000, and 12.6 MiB more after the dashboard's first overview of 1,000
//! funds (BENCHMARKS.md, "Performance II"). `malloc_trim(0)` walks every
//! arena and returns its free pages (`madvise`), which brings the waiting daemon back to what it
//! really holds. Purging allocators were measured as the alternative and not kept (the same
//! section).
//!
//! The pages of the program's own code and read-only data that the work ran stay mapped too
//! (11 MiB after a check with its email): once the daemon has been quiet for a second,
//! [`unmap_code`] takes them out of the process; they stay in the page cache, shared, and the
//! next burst maps what it runs again.
//!
//! A command that exits a moment later wants the opposite: memory kept for use again, not
//! given back to be faulted in anew ([`for_one_command`]).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Asks the C allocator to return the memory it holds free to the system: glibc's
/// `malloc_trim(0)`, which walks and locks every arena in turn (0.1–1.7 ms measured after a check
/// with 1,000 funds). Call it when a burst of work has ended (a check, a digest, a round of
/// sending, a dashboard page made), not in the middle of one. Returns whether any
/// memory went back. Elsewhere than glibc it does nothing and returns `false`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub(crate) fn give_back_freed() -> bool {
    // SAFETY: `malloc_trim` takes no pointer and has no precondition; glibc serialises it with
    // every other allocator call (it is MT-Safe).
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Elsewhere than glibc: nothing to do (other allocators have no such call).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn give_back_freed() -> bool {
    false
}

/// Sets glibc's allocator up for a command that does one thing and exits (every command but
/// `run`), where memory given back to the system is memory faulted in again a moment later
/// (each page a few µs of the kernel's time):
/// - one arena for every thread (`M_ARENA_MAX` 1), so that what the reading threads of an
///   import free serves the writing thread too, instead of each thread touching a heap of its
///   own;
/// - blocks below 32 MiB (glibc's own ceiling for its moving threshold) from the heap, where a
///   freed block is used again, instead of from a fresh `mmap` each (`M_MMAP_THRESHOLD`: a
///   256 KiB read buffer, SQLite's page cache);
/// - the heap's free top kept up to 64 MiB (`M_TRIM_THRESHOLD`).
///
/// With 1,000 funds and 10k entries an import into a new database faults in about 1,340 pages
/// instead of 1,580, and a 1M import takes as long (BENCHMARKS.md, "The small case, a third
/// time"). The daemon keeps glibc's defaults: it waits for hours, and gives its memory back
/// ([`give_back_freed`]). Elsewhere than glibc it does nothing.
///
/// Call it only while the process has one thread: glibc's `mallopt` is not safe beside other
/// threads using the allocator (the manual marks it MT-Unsafe). `cli::run` calls it before
/// anything else starts, and only `main` calls `cli::run`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub(crate) fn for_one_command() {
    // SAFETY: `mallopt` takes two integers and no pointer; the one thread of the process calls
    // it (see above), so no other allocator call runs meanwhile. A refused setting (a value
    // out of range) changes nothing.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

/// Elsewhere than glibc: nothing to set.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn for_one_command() {}

/// Unmaps from this process the pages of its executable's code and read-only data, which
/// stay in the page cache (shared, reclaimable): the next burst of work maps each again as it
/// runs it (a minor fault, no read from the disk). After a check the daemon has 11 MiB of them
/// mapped, most touched once by the check, the charts or the email, and they count in its
/// resident memory for as long as it waits (BENCHMARKS.md, item 5). Returns the bytes of the
/// mappings unmapped; 0 where this cannot be done (not Linux, no /proc). The daemon calls it
/// through [`unmap_code_when_quiet`].
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub(crate) fn unmap_code() -> usize {
    // An address in the loader's mapping of the code (this function) and one in its mapping of
    // the read-only data (a constant's bytes): the mappings that hold them are the ones the
    // program runs from, which stay as long as it runs. Another read-only mapping of the same
    // file (the standard library maps it to print a backtrace, and unmaps it later) is never
    // taken: its address could be given to other memory meanwhile.
    static READ_ONLY: &[u8] = b"spendwatch";
    let ours = [
        unmap_code as fn() -> usize as usize,
        READ_ONLY.as_ptr() as usize,
    ];
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return 0;
    };
    let mut unmapped = 0;
    for (start, end) in clean_read_only(&smaps, &ours) {
        // SAFETY: the range is a whole mapping of the program's file by the loader (it holds
        // this function's code or a constant's bytes, so it stays mapped while the program
        // runs), private and without write access, with no private copy of a page in memory or
        // in swap (`Anonymous:` and `Swap:` 0 kB; a page becomes one only by a write, which the
        // mapping does not allow). MADV_DONTNEED on such a range only takes its pages out of
        // the process's page tables: each is mapped again, with the same bytes from the file,
        // when next touched, so no code or reference into it sees anything change.
        let done = unsafe {
            libc::madvise(
                std::ptr::with_exposed_provenance_mut(start),
                end - start,
                libc::MADV_DONTNEED,
            )
        };
        if done == 0 {
            unmapped += end - start;
        }
    }
    unmapped
}

/// Elsewhere than Linux: nothing to do.
#[cfg(not(target_os = "linux"))]
pub(crate) fn unmap_code() -> usize {
    0
}

/// The ranges (start, end) of the mappings in `smaps` (the text of `/proc/self/smaps`) that
/// hold one of the addresses `ours`, map a file privately without write access (`r--p`,
/// `r-xp`), and hold no private copy of a page, in memory or in swap (`Anonymous:` and `Swap:`
/// 0 kB; data made read-only after relocation holds such copies).
fn clean_read_only(smaps: &str, ours: &[usize]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    // The mapping being read, while it may still qualify, and whether its `Anonymous:` was 0.
    let mut current: Option<((usize, usize), bool)> = None;
    for line in smaps.lines() {
        if let Some(mapping) = mapping_of(line) {
            current = mapping
                .filter(|&(start, end)| ours.iter().any(|&a| (start..end).contains(&a)))
                .map(|range| (range, false));
        } else if let Some(((_, clean), value)) =
            current.as_mut().zip(line.strip_prefix("Anonymous:"))
        {
            *clean = value.trim() == "0 kB";
        } else if let Some(value) = line.strip_prefix("Swap:")
            && let Some((range, clean)) = current.take()
            && clean
            && value.trim() == "0 kB"
        {
            found.push(range);
        }
    }
    found
}

/// For the first line of a mapping in smaps (`start-end perms offset dev inode path`), its
/// range if it is a private mapping of a file without write access, or `Some(None)` for
/// another mapping; `None` for another line.
fn mapping_of(line: &str) -> Option<Option<(usize, usize)>> {
    let mut fields = line.splitn(6, ' ');
    let (start, end) = fields.next()?.split_once('-')?;
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    let perms = fields.next()?;
    let path = fields.nth(3).map_or("", str::trim_start);
    let private_read_only = matches!(perms, "r--p" | "r-xp") && path.starts_with('/');
    Some((private_read_only && start < end).then_some((start, end)))
}

/// Whether a [`give_back_freed_soon`] is waiting to run: one waiting serves every later call.
static PENDING: AtomicBool = AtomicBool::new(false);

/// [`give_back_freed`] on tokio's blocking pool, beside the caller (which must run in a tokio
/// runtime): the caller's thread is not held up while the arenas are walked. A call while one
/// is waiting to run adds none, so a client asking for many pages not made yet costs one trim
/// per wait, not one per page.
pub(crate) fn give_back_freed_soon() {
    if !PENDING.swap(true, Ordering::AcqRel) {
        tokio::task::spawn_blocking(|| {
            PENDING.store(false, Ordering::Release);
            give_back_freed();
        });
    }
}

/// How long the daemon is quiet after a burst of work before [`unmap_code`]: what runs right
/// after a check (its log lines, the sender's look at the outbox, the dashboard's state) maps
/// code again, which an unmap at the end of the check itself would leave mapped.
const QUIET: std::time::Duration = std::time::Duration::from_secs(1);

/// Bursts of work ended so far, for [`unmap_code_when_quiet`].
static BURSTS: AtomicU64 = AtomicU64::new(0);

/// Long bursts of work under way ([`Working`]): no unmap while one runs.
static WORKING: AtomicUsize = AtomicUsize::new(0);

/// [`unmap_code`], on tokio's blocking pool, once [`QUIET`] has passed without another call
/// and with no [`Working`] under way (the caller must run in a tokio runtime): call it when a
/// burst of work has ended (a check, a digest, a round of sending, a dashboard page made).
pub(crate) fn unmap_code_when_quiet() {
    let burst = BURSTS.fetch_add(1, Ordering::Relaxed) + 1;
    tokio::spawn(async move {
        tokio::time::sleep(QUIET).await;
        if BURSTS.load(Ordering::Relaxed) == burst && WORKING.load(Ordering::Relaxed) == 0 {
            let unmapped = tokio::task::spawn_blocking(unmap_code).await.unwrap_or(0);
            tracing::debug!(bytes = unmapped, "code unmapped while waiting");
        }
    });
}

/// A long burst of work under way (a check, a digest): while one lives, no unmap runs (one
/// that a dashboard page or a send started a second before would make the check fault its
/// code in again). Made by [`working`].
#[derive(Debug)]
pub(crate) struct Working(());

/// Marks a long burst of work as under way until the returned value is dropped.
pub(crate) fn working() -> Working {
    WORKING.fetch_add(1, Ordering::Relaxed);
    Working(())
}

impl Drop for Working {
    fn drop(&mut self) {
        WORKING.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::{clean_read_only, give_back_freed};

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn freed_memory_goes_back_to_the_system() {
        // Blocks of two pages (below glibc's mmap threshold, above its per-thread caches), each
        // followed by a small one that stays: freed, they cannot merge with each other or with
        // the arena's top, so free() gives nothing back and only the trim returns their pages.
        let mut freed = Vec::new();
        let mut kept = Vec::new();
        for i in 0..1024 {
            freed.push(vec![i as u8; 8000]);
            kept.push(vec![i as u8; 16]);
        }
        drop(freed);
        assert!(give_back_freed());
        assert!(kept.iter().enumerate().all(|(i, k)| k[15] == i as u8));
    }

    /// Of the mappings holding one of our addresses, the private read-only ones of a file with
    /// no private copy of a page, in memory or in swap, are found; relocated data (read-only
    /// now, with copies in memory or swapped out), writable data, a second mapping of the file
    /// holding none of our addresses, a shared one, one of no file and the kernel's are not.
    #[test]
    fn only_the_programs_clean_read_only_mappings_are_unmapped() {
        let mapping = |range: &str, perms: &str, path: &str, anonymous: u32, swap: u32| {
            format!(
                "{range} {perms} 00000000 fe:00 247282                     {path}\n\
                 Size:                 8 kB\nRss:                  8 kB\n\
                 Anonymous:            {anonymous} kB\nSwap:                 {swap} kB\n\
                 VmFlags: rd mr mw me\n"
            )
        };
        let exe = "/usr/bin/spend watch (deleted)";
        let smaps = [
            mapping("1000-3000", "r--p", exe, 0, 0),
            mapping("3000-9000", "r-xp", exe, 0, 0),
            mapping("9000-a000", "r--p", exe, 4, 0),
            mapping("a000-b000", "r--p", exe, 0, 4),
            mapping("b000-c000", "rw-p", exe, 4, 0),
            mapping("c000-d000", "r--p", exe, 0, 0),
            mapping("d000-e000", "r--p", "", 0, 0),
            mapping("e000-f000", "r-xp", "[vdso]", 0, 0),
            mapping("f000-10000", "r--s", exe, 0, 0),
        ]
        .concat();
        let ours: Vec<usize> = [
            0x1000, 0x8fff, 0x9000, 0xa800, 0xb000, 0xd000, 0xe000, 0xf000,
        ]
        .into_iter()
        .collect();
        assert_eq!(
            clean_read_only(&smaps, &ours),
            [(0x1000, 0x3000), (0x3000, 0x9000)]
        );
        // The real one: this test's own code and constants are found.
        let real = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let code = only_the_programs_clean_read_only_mappings_are_unmapped as fn() as usize;
        let found = clean_read_only(&real, &[code]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!((found[0].0..found[0].1).contains(&code));
    }

    /// The test binary's own code unmapped: its resident file pages drop, and it runs on.
    #[test]
    #[cfg(target_os = "linux")]
    fn unmapped_code_leaves_and_comes_back() {
        let rss_file = || {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let line = s.lines().find(|l| l.starts_with("RssFile:"))?.to_owned();
                    line.split_whitespace().nth(1)?.parse::<u64>().ok()
                })
                .expect("RssFile in /proc/self/status")
        };
        let before = rss_file();
        assert!(super::unmap_code() > 0);
        let after = rss_file();
        assert!(
            after < before,
            "RssFile {before} kB before, {after} kB after"
        );
        // The code runs again, mapped back as it is touched.
        assert!(super::unmap_code() > 0);
        assert_eq!(format!("{:?}", (1, "二")), "(1, \"二\")");
    }
}
