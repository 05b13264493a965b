//! Ledger files: any bytes, read as a CSV or as a spreadsheet, give entries or problems,
//! never a panic; every entry read belongs to a configured fund and its year.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use spendwatch::config::{self, Config};
use spendwatch::ledger::{ReadOptions, read_bytes};

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    config::parse(include_str!("../../config.yaml"), Path::new("config.yaml"), Path::new("."))
        .expect("the shipped config is valid")
});

/// The threads of this process, as Linux lists them.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let extension = ["csv", "tsv", "xlsx", "xls"][usize::from(selector % 4)];
    let default_fund = (selector & 4 != 0).then_some("network-governance");
    let options = ReadOptions {
        funds: &CONFIG.funds,
        default_fund,
        extra_headers: &CONFIG.extra_headers,
        extra_subtotal_words: &[],
    };
    let threads_before = threads();
    let read = read_bytes(bytes, extension, options);
    // The CSV reader splits records on a scoped thread (`src/ledger/delimited.rs`), and a scope
    // waits for its threads' work, not for their exit: a thread may still be freeing its
    // handle and thread-locals when `read_bytes` returns, and LeakSanitizer, checking then,
    // reports those as leaks (about once in 100,000 runs). Wait until it is gone.
    let waited = std::time::Instant::now();
    while threads() > threads_before && waited.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::yield_now();
    }
    if let Ok(parsed) = read {
        for entry in &parsed.entries {
            let fund = CONFIG.funds.iter().find(|f| f.id == entry.fund);
            let fund = fund.expect("an entry of a configured fund");
            assert_eq!(chrono::Datelike::year(&entry.date), fund.year);
        }
    }
});
