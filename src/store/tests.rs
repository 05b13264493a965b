use chrono::NaiveDate;

use super::*;

fn entry(fund: &str, m: u32, d: u32, fen: i64, voucher: &str, line: u32) -> Entry {
    Entry {
        fund: fund.into(),
        date: NaiveDate::from_ymd_opt(2025, m, d).expect("date"),
        amount: Money::from_fen(fen),
        voucher: voucher.into(),
        memo: "memo".into(),
        line,
        sheet: None,
    }
}

fn fp(content: &str) -> Fingerprint {
    Fingerprint {
        content: content.into(),
        settings: "s".into(),
    }
}

fn spent(store: &Store, fund: &str, m: u32, d: u32) -> i64 {
    let all = store.daily_spend().expect("daily spend");
    all.get(fund).map_or(0, |s| {
        s.spent_through(NaiveDate::from_ymd_opt(2025, m, d).expect("date"))
            .fen()
    })
}

#[test]
fn creates_migrates_and_reopens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub/dir/spendwatch.db");
    let store = Store::open(&path).expect("create");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    drop(store);
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn a_newer_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spendwatch.db");
    {
        let conn = Connection::open(&path).expect("create");
        conn.pragma_update(None, "user_version", 99)
            .expect("version");
    }
    let before = std::fs::read(&path).expect("read");
    let err = Store::open(&path).expect_err("newer schema");
    assert!(
        matches!(err, StoreError::NewerSchema { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("newer spendwatch"), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
    assert!(!dir.path().join("spendwatch.db-wal").exists());
}

#[test]
fn replacing_a_source_swaps_all_its_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let v1 = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 2, 1, 200, "V2", 3),
        entry("b", 2, 1, 50, "V3", 4),
    ];
    store
        .replace_sources(
            &[NewVersion {
                path: "/x.csv",
                fingerprint: &fp("1"),
                entries: &v1,
                subtotal_rows: 2,
            }],
            "t1",
        )
        .expect("v1");
    let other = [entry("a", 1, 5, 1_000, "W1", 2)];
    store
        .replace_sources(
            &[NewVersion {
                path: "/y.csv",
                fingerprint: &fp("y"),
                entries: &other,
                subtotal_rows: 0,
            }],
            "t1",
        )
        .expect("y");
    assert_eq!(spent(&store, "a", 12, 31), 1_300);
    assert_eq!(spent(&store, "b", 12, 31), 50);

    // V2 corrected, V3 deleted.
    let v2 = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 2, 1, 250, "V2", 3),
    ];
    store
        .replace_sources(
            &[NewVersion {
                path: "/x.csv",
                fingerprint: &fp("2"),
                entries: &v2,
                subtotal_rows: 1,
            }],
            "t2",
        )
        .expect("v2");
    assert_eq!(spent(&store, "a", 12, 31), 1_350);
    assert_eq!(spent(&store, "b", 12, 31), 0);
    assert_eq!(spent(&store, "a", 1, 31), 1_100);
    let record = store.source("/x.csv").expect("query").expect("record");
    assert_eq!(record.accepted, Some(fp("2")));
    assert_eq!(record.entry_count, 2);
    assert_eq!(store.entry_counts().expect("counts").get("a"), Some(&3));
}

#[test]
fn a_rejection_is_remembered_and_cleared_by_the_next_good_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let v1 = [entry("a", 1, 1, 100, "V1", 2)];
    store
        .replace_sources(
            &[NewVersion {
                path: "/x.csv",
                fingerprint: &fp("1"),
                entries: &v1,
                subtotal_rows: 0,
            }],
            "t1",
        )
        .expect("v1");
    store
        .record_rejection("/x.csv", &fp("bad"), "x.csv:3: bad date", "t2")
        .expect("reject");
    let record = store.source("/x.csv").expect("query").expect("record");
    assert_eq!(record.accepted, Some(fp("1")));
    assert_eq!(
        record.rejected,
        Some((fp("bad"), "x.csv:3: bad date".into()))
    );
    assert_eq!(spent(&store, "a", 12, 31), 100);

    store
        .replace_sources(
            &[NewVersion {
                path: "/x.csv",
                fingerprint: &fp("3"),
                entries: &v1,
                subtotal_rows: 0,
            }],
            "t3",
        )
        .expect("v3");
    assert_eq!(
        store
            .source("/x.csv")
            .expect("query")
            .expect("record")
            .rejected,
        None
    );
    // A rejection of a source never accepted creates its record without entries.
    store
        .record_rejection("/new.csv", &fp("b"), "bad", "t4")
        .expect("reject new");
    let record = store.source("/new.csv").expect("query").expect("record");
    assert_eq!((record.accepted, record.entry_count), (None, 0));
}

#[test]
fn a_failed_transaction_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let v1 = [entry("a", 1, 1, 100, "V1", 2)];
    store
        .replace_sources(
            &[NewVersion {
                path: "/x.csv",
                fingerprint: &fp("1"),
                entries: &v1,
                subtotal_rows: 0,
            }],
            "t1",
        )
        .expect("v1");
    // Make the second source's insert fail after the first source was replaced.
    store.conn.execute_batch("CREATE TRIGGER no_b BEFORE INSERT ON entries WHEN NEW.fund = 'b' BEGIN SELECT RAISE(ABORT, 'boom'); END").expect("trigger");
    let new_x = [entry("a", 3, 1, 999, "V9", 2)];
    let y = [entry("b", 1, 1, 5, "W", 2)];
    let result = store.replace_sources(
        &[
            NewVersion {
                path: "/x.csv",
                fingerprint: &fp("2"),
                entries: &new_x,
                subtotal_rows: 0,
            },
            NewVersion {
                path: "/y.csv",
                fingerprint: &fp("y"),
                entries: &y,
                subtotal_rows: 0,
            },
        ],
        "t2",
    );
    assert!(result.is_err());
    assert_eq!(spent(&store, "a", 12, 31), 100);
    assert_eq!(
        store
            .source("/x.csv")
            .expect("query")
            .expect("record")
            .accepted,
        Some(fp("1"))
    );
    assert_eq!(store.source("/y.csv").expect("query"), None);
}

#[test]
fn duplicates_across_sources_are_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let x = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 1, 2, 100, "V2", 3),
    ];
    let y = [entry("a", 1, 2, 100, "V2", 7)];
    store
        .replace_sources(
            &[NewVersion {
                path: "/x.csv",
                fingerprint: &fp("x"),
                entries: &x,
                subtotal_rows: 0,
            }],
            "t",
        )
        .expect("x");
    store
        .replace_sources(
            &[NewVersion {
                path: "/y.csv",
                fingerprint: &fp("y"),
                entries: &y,
                subtotal_rows: 0,
            }],
            "t",
        )
        .expect("y");
    let dups = store.duplicates_elsewhere("/y.csv").expect("dups");
    assert_eq!(dups.len(), 1);
    assert_eq!(
        (dups[0].0.line, dups[0].1.as_str(), dups[0].2),
        (7, "/x.csv", 3)
    );
    assert_eq!(store.source_paths().expect("paths").len(), 2);
}
