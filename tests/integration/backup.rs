//! `spendwatch backup` with the real binary: a backup taken while a large import replaces a
//! source is a whole database (it opens and passes `PRAGMA integrity_check`) holding exactly the
//! old or exactly the new version of the source, never a mix.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::util::{DB, NG, Workdir};

/// A ledger of `rows` entries (distinct vouchers, dates across 2025), and its total in 分.
fn ledger(rows: usize, seed: i64) -> (String, i64) {
    let mut text = String::with_capacity(rows * 40);
    text.push_str("日期,凭证号,金额,摘要\n");
    let mut total = 0;
    for i in 0..rows {
        let day = i % 365;
        let (month, dom) = month_day(day);
        let fen = i64::try_from(i % 997).expect("small") * 100 + seed + 1;
        total += fen;
        text.push_str(&format!(
            "2025-{month:02}-{dom:02},记-{i},{}.{:02},支出{i}\n",
            fen / 100,
            fen % 100
        ));
    }
    (text, total)
}

/// Day `n` (0-based) of 2025 as (month, day).
fn month_day(n: usize) -> (usize, usize) {
    const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut left = n;
    for (m, days) in DAYS.iter().enumerate() {
        if left < *days {
            return (m + 1, left + 1);
        }
        left -= days;
    }
    unreachable!("day {n} is past 2025")
}

/// (entries, sum of amounts in 分, integrity_check result) of a backup file.
fn inspect(path: &std::path::Path) -> (i64, i64, String) {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("{}: does not open: {e}", path.display()));
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    let (count, sum) = conn
        .query_row(
            "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM entries",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("totals");
    (count, sum, check)
}

#[test]
fn a_backup_during_a_large_import_holds_the_old_or_the_new_version() {
    let wd = Workdir::new(&[]);
    let (old, old_total) = ledger(1_000, 0);
    wd.write_str("ledger.csv", &old);
    wd.run(&["import", "--fund", NG, "ledger.csv"]).ok();
    const NEW_ROWS: i64 = 200_000;
    let (new, new_total) = ledger(200_000, 7);
    wd.write_str("ledger.csv", &new);
    let old_version = (1_000, old_total);
    let new_version = (NEW_ROWS, new_total);

    let mut import = Command::new(env!("CARGO_BIN_EXE_spendwatch"))
        .args([
            "--config",
            "config.yaml",
            "import",
            "--fund",
            NG,
            "ledger.csv",
        ])
        .current_dir(wd.path())
        .env_remove("SPENDWATCH_CONFIG")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the import");
    let started = Instant::now();
    // (totals, whether the import was still running when the backup had finished, the size
    // of the write-ahead log when it began)
    let mut seen: Vec<((i64, i64), bool, u64)> = Vec::new();
    let wal = wd.join(&format!("{DB}-wal"));
    loop {
        let running_before = import.try_wait().expect("wait").is_none();
        let wal_len = std::fs::metadata(&wal).map_or(0, |m| m.len());
        let file = format!("backup-{}.db", seen.len());
        let out = wd.run(&["backup", &file]);
        out.ok().stdout_has(&format!("written to {file}"));
        let during = running_before && import.try_wait().expect("wait").is_none();
        let (count, sum, check) = inspect(&wd.join(&file));
        assert_eq!(check, "ok", "{file}");
        assert!(
            (count, sum) == old_version || (count, sum) == new_version,
            "{file} holds {count} entries summing {sum}: neither the old version {old_version:?} \
             nor the new one {new_version:?}"
        );
        // Each file checked, then removed: 200,000 entries take some room.
        std::fs::remove_file(wd.join(&file)).expect("remove backup");
        seen.push(((count, sum), during, wal_len));
        if !running_before {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the import takes more than 10 minutes"
        );
    }
    let out = import.wait_with_output().expect("import");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let during: Vec<(i64, i64)> = seen.iter().filter(|s| s.1).map(|s| s.0).collect();
    assert!(
        during.len() >= 2,
        "only {} backups finished while the import ran: {seen:?}",
        during.len()
    );
    assert!(
        during.contains(&old_version),
        "no backup during the import saw the old version: {seen:?}"
    );
    // The import's transaction spills its uncommitted pages into the log long before its
    // commit (its 200,000 entries need far more than SQLite's 2 MB page cache): a backup
    // that began with megabytes in the log and still holds the old version was taken in the
    // middle of the write, and did not copy any of it.
    assert!(
        seen.iter()
            .any(|s| s.0 == old_version && s.1 && s.2 > 4_000_000),
        "no backup was taken while the import's transaction was writing: {seen:?}"
    );
    assert_eq!(
        seen.last().map(|s| s.0),
        Some(new_version),
        "the backup after the import"
    );
    // And the report of the last one, as the administrator reads it.
    let out = wd.run(&["backup", "final.db"]);
    out.ok()
        .stdout_has("schema version ")
        .stdout_has("200000 ledger entries from 1 source;")
        .stdout_has("integrity check ok");
    wd.run(&["backup", "final.db"])
        .expect_code(1)
        .stderr_has("final.db already exists; give --force");
    wd.run(&["backup", "--force", "final.db"]).ok();
    assert!(wd.exists(DB));
}
