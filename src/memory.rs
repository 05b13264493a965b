//! What the daemon gives back to the system after a burst of work.
//!
//! glibc's allocator keeps what a thread frees in that thread's arena: after a check has
//! composed a large alert email (6.7 MB with 1,000 funds and their charts) the freed pages stay
//! resident, between live blocks, for as long as the daemon waits — 3.6 MiB at 10,000 entries
//! and 12.9 MiB at 1,000,000, and 12.6 MiB more after the dashboard's first overview of 1,000
//! funds (BENCHMARKS.md, "Performance II"). `malloc_trim(0)` walks every
//! arena and returns its free pages (`madvise`), which brings the waiting daemon back to what it
//! really holds. Purging allocators were measured as the alternative and not kept (the same
//! section).

use std::sync::atomic::{AtomicBool, Ordering};

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

#[cfg(test)]
mod tests {
    use super::give_back_freed;

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
}
