use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use super::*;
use crate::core::{Entry, EntryRef, Level, Money};

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

/// The tests' funds are "a", "b", "c": their position in a config that lists them in order.
fn fund_index(fund: &str) -> usize {
    usize::from(fund.as_bytes()[0] - b'a')
}

/// The moment the tests' writes are recorded at, as the database keeps it.
const NOW: &str = "2025-07-01T08:00:00Z";

/// A moment written in RFC 3339 (`NOW`, or others for the order of events).
fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("RFC 3339 time")
}

fn fp(content: &str) -> Fingerprint {
    Fingerprint {
        content: content.into(),
        settings: "s".into(),
    }
}

/// How the reader hands `e` to the store.
fn entry_ref(e: &Entry) -> EntryRef<'_> {
    EntryRef {
        fund: &e.fund,
        fund_index: fund_index(&e.fund),
        date: e.date,
        amount: e.amount,
        voucher: Cow::Borrowed(&e.voucher),
        memo: Cow::Borrowed(&e.memo),
        line: e.line,
        sheet: e.sheet.as_deref(),
    }
}

/// Writes `entries` as the new version of `path`; returns how many rows were written.
fn try_put(
    store: &mut Store,
    path: &str,
    version: &str,
    entries: &[Entry],
) -> Result<usize, StoreError> {
    let mut writer = store.begin_source(path, &fp(version), None, at(NOW))?;
    for e in entries {
        writer.add(&entry_ref(e))?;
    }
    let stats = writer.finish(ReadSummary::default())?;
    Ok(stats.written)
}

fn put(store: &mut Store, path: &str, version: &str, entries: &[Entry]) -> usize {
    try_put(store, path, version, entries).expect("write source")
}

fn spent(store: &Store, fund: &str, m: u32, d: u32) -> i64 {
    let all = store
        .daily_spend_and_counts()
        .expect("daily spend")
        .spending;
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
fn replacing_a_source_swaps_all_its_entries_writing_only_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let v1 = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 2, 1, 200, "V2", 3),
        entry("b", 2, 1, 50, "V3", 4),
    ];
    assert_eq!(put(&mut store, "/x.csv", "1", &v1), 3);
    assert_eq!(
        put(
            &mut store,
            "/y.csv",
            "y",
            &[entry("a", 1, 5, 1_000, "W1", 2)]
        ),
        1
    );
    assert_eq!(spent(&store, "a", 12, 31), 1_300);
    assert_eq!(spent(&store, "b", 12, 31), 50);

    // V2 corrected, V3 deleted: one row written, one removed.
    let v2 = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 2, 1, 250, "V2", 3),
    ];
    assert_eq!(put(&mut store, "/x.csv", "2", &v2), 1);
    assert_eq!(spent(&store, "a", 12, 31), 1_350);
    assert_eq!(spent(&store, "b", 12, 31), 0);
    assert_eq!(spent(&store, "a", 1, 31), 1_100);
    assert_eq!(store.entries_of("/x.csv").expect("entries"), v2.to_vec());
    let record = store.source("/x.csv").expect("query").expect("record");
    assert_eq!(record.accepted, Some(fp("2")));
    assert_eq!(record.entry_count, 2);
    assert_eq!(store.entries_in_force().expect("counts"), (3, 2));

    // The same rows again: nothing written.
    assert_eq!(put(&mut store, "/x.csv", "3", &v2), 0);
    // A row added at the end: only it is written.
    let v4 = [v2[0].clone(), v2[1].clone(), entry("c", 3, 1, 7, "V4", 4)];
    assert_eq!(put(&mut store, "/x.csv", "4", &v4), 1);
    assert_eq!(spent(&store, "c", 12, 31), 7);
    assert_eq!(store.entries_of("/x.csv").expect("entries"), v4.to_vec());
}

/// The writer's insert never replaces (a REPLACE on a table with an index would copy two
/// pages per row to SQLite's statement journal): a changed entry is deleted first, and a row that
/// the version in force does not count is replaced all the same.
#[test]
fn entries_are_written_without_replacing_and_a_stray_row_is_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let v1 = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 2, 1, 200, "V2", 3),
    ];
    assert_eq!(put(&mut store, "/x.csv", "1", &v1), 2);
    // A row past the version's count, as no writer leaves one (a database edited by hand).
    store
        .conn
        .execute(
            "INSERT INTO entries (id, line, sheet, fund, date, amount, voucher, memo, row_hash)
             SELECT id + 2, line, sheet, fund, date, amount, voucher, memo, row_hash FROM entries
             WHERE id = (SELECT MIN(id) FROM entries)",
            [],
        )
        .expect("stray row");
    let v2 = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 2, 1, 250, "V2", 3),
        entry("b", 3, 1, 7, "V3", 4),
    ];
    assert_eq!(put(&mut store, "/x.csv", "2", &v2), 2);
    assert_eq!(store.entries_of("/x.csv").expect("entries"), v2.to_vec());
    assert_eq!(spent(&store, "a", 12, 31), 350);
    assert_eq!(spent(&store, "b", 12, 31), 7);
}

/// Entries per fund are read from the funds' series; series written before they kept the
/// count are counted from the day sums, and rewritten with it by the next writer's open.
#[test]
fn entry_counts_come_from_the_series_and_old_series_are_completed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db");
    let mut store = Store::open(&path).expect("open");
    put(
        &mut store,
        "/x.csv",
        "1",
        &[
            entry("a", 1, 1, 100, "V1", 2),
            entry("a", 1, 1, 5, "V2", 3),
            entry("a", 2, 1, 200, "V3", 4),
            entry("b", 2, 1, -50, "V4", 5),
            entry("b", 2, 1, 50, "V5", 6),
        ],
    );
    put(&mut store, "/y.csv", "1", &[entry("a", 3, 1, 1, "W1", 2)]);
    let expected: HashMap<String, i64> = [("a".to_owned(), 4), ("b".to_owned(), 2)].into();
    assert_eq!(store.entry_counts().expect("counts"), expected);
    assert_eq!(
        store.daily_spend_and_counts().expect("counts").entries,
        expected
    );
    assert_eq!(store.entry_counts_by_day().expect("counts"), expected);
    assert!(!spending::series_without_counts(&store.conn).expect("check"));
    let spend_before = store.daily_spend_and_counts().expect("spend").spending;

    // As a build before the count wrote them.
    store
        .conn
        .execute(
            "UPDATE fund_days SET series = substr(series, 1, length(series) - 8)",
            [],
        )
        .expect("old series");
    assert!(spending::series_without_counts(&store.conn).expect("check"));
    assert_eq!(store.entry_counts().expect("counts"), expected);
    let read = store.daily_spend_and_counts().expect("spend");
    assert_eq!((&read.spending, &read.entries), (&spend_before, &expected));
    // Those builds left the database at version 10.
    store
        .conn
        .pragma_update(None, "user_version", 10)
        .expect("version 10");
    drop(store);

    // A reader waits for a writer to migrate; a writer's open migrates and completes them.
    let err = Store::open_reader(&path).expect_err("not migrated");
    assert!(
        err.to_string()
            .contains(&format!("not yet migrated to {SCHEMA_VERSION}")),
        "{err}"
    );
    let store = Store::open_existing(&path).expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert!(!spending::series_without_counts(&store.conn).expect("check"));
    assert_eq!(store.entry_counts().expect("counts"), expected);
    assert_eq!(
        store.daily_spend_and_counts().expect("spend").spending,
        spend_before
    );
}

/// What settling the sources reads agrees with the full overview.
#[test]
fn source_states_agree_with_the_overviews() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    put(
        &mut store,
        "/x.csv",
        "1",
        &[
            entry("a", 1, 1, 100, "V1", 2),
            entry("b", 2, 1, 250, "V2", 3),
        ],
    );
    put(&mut store, "/w.csv", "1", &[entry("a", 3, 1, -7, "W1", 2)]);
    store
        .set_withdrawn("/w.csv", Some((Withdrawn::Unconfigured, "gone")), at(NOW))
        .expect("withdraw");
    let overviews = store.source_overviews().expect("overviews");
    let states = store.source_states().expect("states");
    assert_eq!(states.len(), overviews.len());
    for (s, o) in states.iter().zip(&overviews) {
        assert_eq!(
            (&s.path, s.origin, s.withdrawn, s.entries),
            (&o.path, o.origin, o.withdrawn, o.entries)
        );
        assert_eq!(store.source_amount(&s.path).expect("amount"), o.amount);
    }
    assert_eq!(states[0].path, "/w.csv");
    assert_eq!(
        store.source_amount("/nowhere.csv").expect("amount"),
        Money::ZERO
    );
}

#[test]
fn a_rejection_is_remembered_and_cleared_by_the_next_good_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let v1 = [entry("a", 1, 1, 100, "V1", 2)];
    put(&mut store, "/x.csv", "1", &v1);
    store
        .record_rejection(
            "/x.csv",
            &fp("bad"),
            "x.csv:3: bad date",
            at("2025-07-02T00:00:00Z"),
        )
        .expect("reject");
    let record = store.source("/x.csv").expect("query").expect("record");
    assert_eq!(record.accepted, Some(fp("1")));
    assert_eq!(
        record.rejected,
        Some((fp("bad"), "x.csv:3: bad date".into()))
    );
    assert_eq!(spent(&store, "a", 12, 31), 100);

    put(&mut store, "/x.csv", "3", &v1);
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
        .record_rejection("/new.csv", &fp("b"), "bad", at("2025-07-04T00:00:00Z"))
        .expect("reject new");
    let record = store.source("/new.csv").expect("query").expect("record");
    assert_eq!((record.accepted, record.entry_count), (None, 0));
}

/// Every entry has the id of its place in its source, `(source << 40) + position`, whether
/// its rows were appended (a new source, after every row of the table) or placed by id (a
/// source whose range lies below rows already there, or a re-read).
#[test]
fn entries_have_their_ids_whether_appended_or_placed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    // /c.csv gets the first id without entries (its first version was rejected)...
    store
        .record_rejection("/c.csv", &fp("bad"), "bad", at(NOW))
        .expect("reject");
    let a = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 1, 2, 200, "V2", 3),
    ];
    let c = [
        entry("b", 2, 1, 7, "W1", 2),
        entry("b", 2, 2, 8, "W2", 3),
        entry("b", 2, 3, 9, "W3", 4),
    ];
    put(&mut store, "/a.csv", "1", &a);
    // ... so its entries go below those of /a.csv.
    put(&mut store, "/c.csv", "1", &c);
    // A re-read that changes the middle entry and adds one.
    let mut c2 = c.to_vec();
    c2[1].amount = Money::from_fen(80);
    c2.push(entry("b", 2, 4, 10, "W4", 5));
    assert_eq!(put(&mut store, "/c.csv", "2", &c2), 2);
    let ids: Vec<i64> = store
        .conn
        .prepare("SELECT id FROM entries ORDER BY id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("ids");
    let source = |path: &str| -> i64 {
        store
            .conn
            .query_row("SELECT id FROM sources WHERE path = ?1", [path], |r| {
                r.get(0)
            })
            .expect("source id")
    };
    let (a_id, c_id) = (source("/a.csv"), source("/c.csv"));
    assert!(c_id < a_id);
    let expected: Vec<i64> = (0..4)
        .map(|s| (c_id << 40) + s)
        .chain((0..2).map(|s| (a_id << 40) + s))
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(store.entries_of("/a.csv").expect("entries"), a.to_vec());
    assert_eq!(store.entries_of("/c.csv").expect("entries"), c2);
    assert_eq!(spent(&store, "b", 12, 31), 7 + 80 + 9 + 10);
}

/// A writer dropped unfinished (the file turned out bad) leaves the source as it was.
#[test]
fn an_unfinished_write_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    put(&mut store, "/x.csv", "1", &[entry("a", 1, 1, 100, "V1", 2)]);
    let mut writer = store
        .begin_source("/x.csv", &fp("2"), None, at("2025-07-02T00:00:00Z"))
        .expect("begin");
    writer
        .add(&entry_ref(&entry("a", 3, 1, 999, "V9", 2)))
        .expect("add");
    drop(writer);
    assert_eq!(spent(&store, "a", 12, 31), 100);
    assert_eq!(
        store
            .source("/x.csv")
            .expect("query")
            .expect("record")
            .accepted,
        Some(fp("1"))
    );
    assert_eq!(
        store.entries_of("/x.csv").expect("entries"),
        vec![entry("a", 1, 1, 100, "V1", 2)]
    );
}

/// Inside a transaction that goes on (a year-to-date series, whose other files are kept), a
/// version rejected halfway leaves no trace: the next version is compared with the one in
/// force, not with the rows of the rejected one, and its changes are counted.
#[test]
fn an_unfinished_write_inside_a_transaction_that_goes_on_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let v1 = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("a", 2, 1, 200, "V2", 3),
    ];
    put(&mut store, "/x.csv", "1", &v1);
    store
        .atomically(true, |s| {
            let mut writer = s.begin_source("/x.csv", &fp("bad"), None, at(NOW))?;
            writer.add(&entry_ref(&entry("a", 1, 1, 999, "V1", 2)))?;
            drop(writer);
            put(s, "/y.csv", "y", &[entry("b", 3, 1, 7, "W1", 2)]);
            Ok::<_, StoreError>(())
        })
        .expect("the transaction goes on");
    assert_eq!(store.entries_of("/x.csv").expect("entries"), v1.to_vec());
    assert_eq!(spent(&store, "a", 12, 31), 300);
    assert_eq!(spent(&store, "b", 12, 31), 7);

    let v2 = [entry("a", 1, 1, 999, "V1", 2), v1[1].clone()];
    assert_eq!(put(&mut store, "/x.csv", "2", &v2), 1);
    assert_eq!(spent(&store, "a", 12, 31), 1_199);
}

#[test]
fn atomically_keeps_all_or_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let failed: Result<(), StoreError> = store.atomically(true, |s| {
        put(s, "/x.csv", "1", &[entry("a", 1, 1, 100, "V1", 2)]);
        Err(StoreError::CreateDir {
            path: "x".into(),
            source: std::io::Error::other("second file bad"),
        })
    });
    assert!(failed.is_err());
    assert_eq!(store.source("/x.csv").expect("query"), None);
    let dry: Result<(), StoreError> = store.atomically(false, |s| {
        put(s, "/x.csv", "1", &[entry("a", 1, 1, 100, "V1", 2)]);
        Ok(())
    });
    assert!(dry.is_ok());
    assert_eq!(store.source("/x.csv").expect("query"), None);
    assert_eq!(spent(&store, "a", 12, 31), 0);
}

/// A full disk, as SQLite's page limit simulates it: SQLite rolls the transaction back by
/// itself, and the error the caller sees is that cause with its advice, not the failure of a
/// second rollback ("cannot rollback - no transaction is active", which it was before).
#[test]
fn a_full_disk_reports_its_cause_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    put(&mut store, "/x.csv", "1", &[entry("a", 1, 1, 100, "V1", 2)]);
    let pages: i64 = store
        .conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .expect("page_count");
    store
        .conn
        .pragma_update(None, "max_page_count", pages)
        .expect("max_page_count");
    let many: Vec<Entry> = (0..20_000)
        .map(|i| entry("a", 2, 1, i, &format!("V{i:06}"), 2 + i as u32))
        .collect();
    let result: Result<usize, StoreError> =
        store.atomically(true, |s| try_put(s, "/x.csv", "2", &many));
    let message = result.expect_err("the disk is full").to_string();
    assert!(
        message.contains("database or disk is full") && message.contains("free some space"),
        "{message}"
    );
    assert_eq!(spent(&store, "a", 12, 31), 100);
    store
        .conn
        .pragma_update(None, "max_page_count", 1_000_000)
        .expect("max_page_count");
    put(&mut store, "/x.csv", "2", &many[..2]);
    assert_eq!(spent(&store, "a", 12, 31), 1);
}

#[test]
fn duplicates_across_sources_are_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    put(
        &mut store,
        "/x.csv",
        "x",
        &[
            entry("a", 1, 1, 100, "V1", 2),
            entry("a", 1, 2, 100, "V2", 3),
        ],
    );
    assert!(
        store
            .duplicates_elsewhere("/x.csv")
            .expect("dups")
            .is_empty()
    );
    put(&mut store, "/y.csv", "y", &[entry("a", 1, 2, 100, "V2", 7)]);
    let dups = store.duplicates_elsewhere("/y.csv").expect("dups");
    assert_eq!(dups.len(), 1);
    assert_eq!(
        (dups[0].0.line, dups[0].1.as_str(), dups[0].2),
        (7, "/x.csv", 3)
    );
}

#[test]
fn a_version_2_database_migrates_with_its_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v2.db");
    {
        let mut conn = Connection::open(&path).expect("create");
        schema::migrate_to(&mut conn, 0, 6).expect("migrate");
        // Back to version 2 by hand: recreate the version-2 entries table.
        conn.execute_batch(
            "DROP TABLE entries; DROP TABLE source_days; DROP TABLE fund_days;
             CREATE TABLE entries (id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, line INTEGER NOT NULL,
                 sheet TEXT, fund TEXT NOT NULL, date TEXT NOT NULL, amount INTEGER NOT NULL,
                 voucher TEXT NOT NULL, memo TEXT NOT NULL);
             ALTER TABLE sources DROP COLUMN size; ALTER TABLE sources DROP COLUMN mtime_ns;
             ALTER TABLE sources DROP COLUMN blocks;
             ALTER TABLE sources DROP COLUMN origin; ALTER TABLE sources DROP COLUMN withdrawn;
             ALTER TABLE sources DROP COLUMN withdrawn_note; ALTER TABLE sources DROP COLUMN withdrawn_at;
             ALTER TABLE sources DROP COLUMN missing_since; DROP TABLE overlaps; DROP TABLE notices; DROP TABLE force_notices;
             INSERT INTO sources (id, path, content_hash, settings_hash, entry_count) VALUES (1, '/x.csv', 'c', 's', 2);
             INSERT INTO entries (source_id, line, sheet, fund, date, amount, voucher, memo) VALUES
                 (1, 5, NULL, 'a', '2025-03-01', 1000, 'V1', 'm'), (1, 6, NULL, 'a', '2025-04-01', 250, 'V2', 'm');
             PRAGMA user_version = 2;",
        )
        .expect("version 2 fixture");
    }
    let store = Store::open(&path).expect("migrate to current");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(spent(&store, "a", 3, 31), 1000);
    assert_eq!(spent(&store, "a", 12, 31), 1250);
    let entries = store.entries_of("/x.csv").expect("entries");
    assert_eq!(
        entries.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![5, 6]
    );
}

/// Schema 7 adds levels to the alerts: those firing keep the colour their kind had (due:
/// yellow, missed: red) from the day they began firing; the others, and over-budget and
/// stale alerts, have none. Their history gets the same, and the explanations table is empty.
#[test]
fn a_version_6_database_migrates_with_the_levels_of_its_firing_alerts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v6.db");
    {
        let mut conn = Connection::open(&path).expect("create");
        schema::migrate_to(&mut conn, 0, 6).expect("migrate to 6");
        conn.execute_batch(
            "INSERT INTO alerts (fund, milestone, kind, status, since, last_sent, updated_at) VALUES
                 ('a', '2025-06-30', 'due', 'resolved', '2025-06-20', '2025-06-20', '2025-07-01T01:00:00Z'),
                 ('a', '2025-06-30', 'missed', 'firing', '2025-07-01', '2025-07-08', '2025-07-08T01:00:00Z'),
                 ('b', '2025-10-31', 'due', 'firing', '2025-10-16', '2025-10-16', '2025-10-16T01:00:00Z'),
                 ('b', '', 'over_budget', 'firing', '2025-10-01', '2025-10-01', '2025-10-01T01:00:00Z'),
                 ('', '', 'stale', 'resolved', '2025-05-06', '2025-05-13', '2025-05-20T01:00:00Z');
             INSERT INTO alert_events (check_day, at, fund, milestone, kind, reason, status) VALUES
                 ('2025-06-20', '2025-06-20T01:00:00Z', 'a', '2025-06-30', 'due', 'first', 'firing'),
                 ('2025-07-01', '2025-07-01T01:00:00Z', 'a', '2025-06-30', 'due', 'replaced', 'resolved'),
                 ('2025-07-01', '2025-07-01T01:00:00Z', 'a', '2025-06-30', 'missed', 'first', 'firing'),
                 ('2025-10-01', '2025-10-01T01:00:00Z', 'b', '', 'over_budget', 'first', 'firing');",
        )
        .expect("version 6 fixture");
        assert_eq!(
            conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
                .expect("version"),
            6
        );
    }
    let store = Store::open(&path).expect("migrate to current");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let day = |text: &str| parse_iso_day(text).expect("test day");
    let mut states: Vec<_> = store
        .alert_rows()
        .expect("rows")
        .into_iter()
        .map(|r| {
            (
                r.key.fund,
                r.key.kind.as_str(),
                r.state.status.as_str(),
                r.state.level.map(Level::as_str),
                r.state.level_since,
                r.state.since,
                r.state.escalated,
            )
        })
        .collect();
    states.sort();
    // A firing alert's level counts from the upgrade (today, in UTC, as SQLite's date('now')).
    let upgrade = chrono::Utc::now().date_naive();
    let expect = |fund: &str, kind, status: &'static str, level, since: &str| {
        let level_since = if status == "firing" {
            upgrade.max(day(since))
        } else {
            day(since)
        };
        (
            fund.to_owned(),
            kind,
            status,
            level,
            level_since,
            day(since),
            false,
        )
    };
    assert_eq!(
        states,
        [
            expect("", "stale", "resolved", None, "2025-05-06"),
            expect("a", "due", "resolved", None, "2025-06-20"),
            expect("a", "missed", "firing", Some("red"), "2025-07-01"),
            expect("b", "due", "firing", Some("yellow"), "2025-10-16"),
            expect("b", "over_budget", "firing", None, "2025-10-01"),
        ]
    );
    let events: Vec<_> = store
        .alert_events(10)
        .expect("events")
        .into_iter()
        .map(|e| (e.key.kind.as_str(), e.reason, e.level.map(Level::as_str)))
        .collect();
    assert_eq!(
        events,
        [
            ("due", "first".to_owned(), Some("yellow")),
            ("due", "replaced".to_owned(), None),
            ("missed", "first".to_owned(), Some("red")),
            ("over_budget", "first".to_owned(), None),
        ]
    );
    assert_eq!(store.explanations().expect("explanations"), []);
}

/// After an upgrade from schema 1 or 2 the recorded hashes are SHA-256 (no `xxh3:`), which
/// never match: the first read of an unchanged source or of the same bad version must not look
/// like news (a "data updated" resolution of a stale alert, a second notice to the admin).
#[test]
fn the_first_read_after_an_upgrade_is_not_news() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let legacy = "a3c9e0bec29f66e8763a5f7bea959e2d0dd2ad33afb4e4a3f6a0a2295c88914c";
    let entries = [entry("a", 1, 1, 100, "V1", 2)];
    put(&mut store, "/x.csv", legacy, &entries);
    let changed_at = |store: &Store| -> String {
        store
            .conn
            .query_row("SELECT changed_at FROM sources", [], |r| r.get(0))
            .expect("changed_at")
    };
    store
        .conn
        .execute("UPDATE sources SET changed_at = '2025-01-01T00:00:00Z'", [])
        .expect("age");

    // The same spending under the new hash: not a change.
    put(&mut store, "/x.csv", "xxh3:1", &entries);
    assert_eq!(changed_at(&store), "2025-01-01T00:00:00Z");
    // A real change afterwards is one.
    put(
        &mut store,
        "/x.csv",
        "xxh3:3",
        &[entry("a", 1, 2, 500, "V2", 2)],
    );
    assert_eq!(changed_at(&store), NOW);

    // A rejection recorded under a SHA-256 and already told to the admin stays told when the
    // same problem is found under the new hash; another problem is news.
    // A column of the rejected file's row.
    fn bad<T: rusqlite::types::FromSql>(store: &Store, column: &str) -> T {
        store
            .conn
            .query_row(
                &format!("SELECT {column} FROM sources WHERE path = '/bad.csv'"),
                [],
                |r| r.get(0),
            )
            .expect(column)
    }
    let notified = |store: &Store| -> i64 { bad(store, "rejection_notified") };
    store
        .record_rejection(
            "/bad.csv",
            &fp(legacy),
            "line 2: bad amount",
            at("2025-07-01T00:00:00Z"),
        )
        .expect("reject");
    store
        .conn
        .execute("UPDATE sources SET rejection_notified = 1", [])
        .expect("told");
    store
        .record_rejection(
            "/bad.csv",
            &fp("xxh3:9"),
            "line 2: bad amount",
            at("2025-07-02T00:00:00Z"),
        )
        .expect("reject");
    assert_eq!(notified(&store), 1);
    store
        .record_rejection(
            "/bad.csv",
            &fp("xxh3:10"),
            "line 3: bad date",
            at("2025-07-03T00:00:00Z"),
        )
        .expect("reject");
    assert_eq!(notified(&store), 0);

    // The same bytes rejected for the same reason under new settings (a config changed, or
    // an upgrade that hashes the settings otherwise) is not news either, and no change.
    store
        .conn
        .execute(
            "UPDATE sources SET rejection_notified = 1, changed_at = '2025-01-01T00:00:00Z' WHERE path = '/bad.csv'",
            [],
        )
        .expect("told");
    let resettled = Fingerprint {
        content: "xxh3:10".into(),
        settings: "other".into(),
    };
    store
        .record_rejection(
            "/bad.csv",
            &resettled,
            "line 3: bad date",
            at("2025-07-04T00:00:00Z"),
        )
        .expect("reject");
    assert_eq!(notified(&store), 1);
    let bad_changed_at = |store: &Store| -> String { bad(store, "changed_at") };
    assert_eq!(bad_changed_at(&store), "2025-01-01T00:00:00Z");
    // Another reason for the same bytes is news.
    store
        .record_rejection(
            "/bad.csv",
            &resettled,
            "line 4: bad fund",
            at("2025-07-05T00:00:00Z"),
        )
        .expect("reject");
    assert_eq!(notified(&store), 0);
    assert_eq!(bad_changed_at(&store), "2025-07-05T00:00:00Z");
}

#[test]
fn reading_opens_never_create_a_database_or_its_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state/spendwatch.db");
    let err = Store::open_existing(&path).expect_err("no database");
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert!(!dir.path().join("state").exists(), "a folder was created");
    std::fs::create_dir(dir.path().join("state")).expect("folder");
    let err = Store::open_existing(&path).expect_err("no database");
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path().join("state"))
            .expect("list")
            .count(),
        0,
        "a file was created"
    );

    let mut store = Store::open(&path).expect("create");
    put(&mut store, "/x.csv", "1", &[entry("a", 1, 1, 100, "V1", 2)]);
    drop(store);
    let store = Store::open_existing(&path).expect("existing");
    assert_eq!(store.entries_in_force().expect("count"), (1, 1));
    assert_eq!(store.path(), path.display().to_string());

    let memory = Store::open_in_memory().expect("memory");
    assert_eq!(memory.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(memory.entries_in_force().expect("count"), (0, 0));
}

/// (entries, sum of amounts) of the database at `path`, read with plain SQLite.
fn totals(path: &Path) -> (i64, i64) {
    let conn = Connection::open(path).expect("open copy");
    conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM entries",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .expect("totals")
}

/// The length of the database's write-ahead log, 0 when there is none.
fn wal_len(db: &Path) -> u64 {
    let wal = format!("{}-wal", db.display());
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

/// Writes 5 MB through `store`, taking the log of the database at `db` past what a close
/// leaves.
fn fill_the_log(store: &Store, db: &Path) {
    store
        .conn
        .execute_batch(
            "CREATE TABLE filler(b BLOB); INSERT INTO filler VALUES (zeroblob(5000000));",
        )
        .expect("fill the log");
    assert!(wal_len(db) > KEEP_WAL_UP_TO);
}

#[test]
fn a_small_log_stays_at_close_and_a_large_one_is_copied_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("spendwatch.db");
    let shm = dir.path().join("spendwatch.db-shm");
    {
        let mut store = Store::open(&db).expect("open");
        let synchronous: i64 = store
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .expect("synchronous");
        assert_eq!(synchronous, 2, "FULL: every commit syncs the log");
        let limit: i64 = store
            .conn
            .query_row("PRAGMA journal_size_limit", [], |r| r.get(0))
            .expect("journal_size_limit");
        assert_eq!(u64::try_from(limit), Ok(KEEP_WAL_UP_TO));
        put(&mut store, "/x.csv", "1", &[entry("a", 1, 2, 100, "V1", 2)]);
    }
    // Left beside the database with its index, and what every later reader reads.
    let small = wal_len(&db);
    assert!(
        (1..=KEEP_WAL_UP_TO).contains(&small),
        "log of {small} bytes"
    );
    assert!(shm.exists());
    let reader = Store::open_reader(&db).expect("reader");
    assert_eq!(spent(&reader, "a", 12, 31), 100);
    drop(reader);
    let copy = dir.path().join("copy.db");
    backup(&db, &copy, false).expect("backup");
    assert_eq!(totals(&copy), (1, 100));
    assert_eq!(wal_len(&db), small, "readers leave the log as it is");
    {
        let store = Store::open(&db).expect("reopen");
        assert_eq!(spent(&store, "a", 12, 31), 100);
        // Past the limit: copied in and deleted at close, with its index.
        fill_the_log(&store, &db);
    }
    assert_eq!(wal_len(&db), 0);
    assert!(!shm.exists());
    // The database file alone holds everything now.
    assert_eq!(totals(&db), (1, 100));
    // Only reading, nothing to keep: the empty log goes as well.
    {
        let store = Store::open(&db).expect("reopen");
        assert_eq!(spent(&store, "a", 12, 31), 100);
    }
    assert!(!dir.path().join("spendwatch.db-wal").exists());
    assert!(!shm.exists());
}

#[test]
fn a_close_beside_another_connection_never_copies_the_log_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("spendwatch.db");
    // The daemon's connection, open throughout.
    let daemon = Store::open(&db).expect("open");
    {
        let store = Store::open(&db).expect("open");
        fill_the_log(&store, &db);
    }
    // Past the size a close leaves, and still there: only the last close copies a log in.
    assert!(wal_len(&db) > KEEP_WAL_UP_TO);
    drop(daemon);
    assert_eq!(wal_len(&db), 0);
}

#[test]
fn backup_writes_a_checked_self_contained_copy_and_replaces_only_with_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("spendwatch.db");
    let mut store = Store::open(&db).expect("create");
    let v1 = [
        entry("a", 1, 1, 100, "V1", 2),
        entry("b", 2, 1, 250, "V2", 3),
    ];
    put(&mut store, "/x.csv", "1", &v1);
    put(&mut store, "/y.csv", "1", &[entry("a", 3, 1, 7, "V3", 2)]);
    let explained = NewExplanation {
        fund: "a",
        milestone: None,
        reason: crate::core::ExplanationReason::Other,
        text: "说明",
        day: NaiveDate::from_ymd_opt(2025, 7, 1).expect("date"),
        until: None,
        user: "alice",
    };
    store
        .record_explanation(&explained, at(NOW))
        .expect("explanation");

    // While the store is open (its WAL holds the writes): the copy has them.
    let dest = dir.path().join("backup.db");
    let report = backup(&db, &dest, false).expect("backup");
    assert_eq!(report.file, dest);
    assert_eq!(
        (report.entries, report.sources, report.schema_version),
        (3, 2, SCHEMA_VERSION)
    );
    assert_eq!(
        report.bytes,
        std::fs::metadata(&dest).expect("backup file").len()
    );
    assert_eq!(totals(&dest), (3, 357));
    // One file: no -wal beside it, and its header says rollback journal (bytes 18-19 = 1).
    let bytes = std::fs::read(&dest).expect("read");
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    assert_eq!((bytes[18], bytes[19]), (1, 1));
    assert!(!dir.path().join("backup.db-wal").exists());
    // No temporary file left.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("partial")), "{names:?}");

    // An existing file is kept unless replacing is asked for.
    put(&mut store, "/y.csv", "2", &[]);
    let err = backup(&db, &dest, false).expect_err("exists");
    assert!(matches!(err, StoreError::Exists { .. }), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(totals(&dest), (3, 357));
    let report = backup(&db, &dest, true).expect("replace");
    assert_eq!(report.entries, 2);
    assert_eq!(totals(&dest), (2, 350));
    // The copy opens as a store (a restore), in WAL mode again.
    drop(store);
    let restored = Store::open(&dest).expect("open the copy");
    assert_eq!(restored.entries_in_force().expect("count"), (2, 1));
    // The explanations too (the copy is of every table).
    let texts: Vec<String> = restored
        .explanations()
        .expect("explanations")
        .into_iter()
        .map(|e| e.text)
        .collect();
    assert_eq!(texts, ["说明"]);

    // No database: nothing is created, neither it nor the backup.
    let missing = dir.path().join("none/spendwatch.db");
    let other = dir.path().join("other.db");
    let err = backup(&missing, &other, false).expect_err("missing");
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert!(!dir.path().join("none").exists());
    assert!(!other.exists());
    // A folder that does not exist for the copy: an error, nothing left.
    let err = backup(&db, &dir.path().join("nowhere/b.db"), false).expect_err("no folder");
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
}

/// Schema 9 adds the digests: a version-8 database keeps everything it holds.
#[test]
fn a_version_8_database_migrates_to_the_digests_keeping_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v8.db");
    {
        let mut conn = Connection::open(&path).expect("create");
        schema::migrate_to(&mut conn, 0, 8).expect("migrate to 8");
        conn.execute_batch(
            "INSERT INTO outbox (created_at, check_day, message_id, subject, envelope_from, envelope_to, raw, next_attempt_at)
                 VALUES ('2025-07-01T01:00:00Z', '2025-07-01', '<m@x>', '主题', 'a@x', 'b@x', x'00', 0);
             INSERT INTO alert_events (check_day, at, fund, milestone, kind, reason, status, outbox_id, level)
                 VALUES ('2025-07-01', '2025-07-01T01:00:00Z', 'a', '2025-06-30', 'missed', 'first', 'firing', 1, 'red');",
        )
        .expect("version 8 fixture");
    }
    let mut store = Store::open(&path).expect("migrate to current");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.outbox_rows(10).expect("outbox").len(), 1);
    let july = crate::core::digest::Period::reported_on(parse_iso_day("2025-08-01").expect("day"));
    let events = store.alert_events(10).expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].level, Some(Level::Red));
    assert!(store.digests().expect("digests").is_empty());

    // A period is recorded with its email once; a second time writes nothing unless replaced.
    let to = vec!["finance@localhost".to_owned()];
    let email = EmailRecord {
        message_id: "<d1@x>",
        subject: "【月度通报】2025年7月",
        envelope_from: "a@x",
        envelope_to: &to,
        raw: b"raw",
        announces: Vec::new(),
    };
    let record = DigestRecord {
        period: july,
        made_on: parse_iso_day("2025-08-01").expect("day"),
        now: at("2025-08-01T01:00:00Z"),
        send_from: at("2025-08-01T01:00:00Z"),
        email: &email,
        replace: false,
    };
    let id = store.record_digest(&record).expect("record").expect("new");
    assert_eq!(store.record_digest(&record).expect("again"), None);
    assert_eq!(store.outbox_rows(10).expect("outbox").len(), 2);
    let row = store.digest_of(july).expect("row").expect("sent");
    assert_eq!((row.outbox_id, row.forced), (Some(id), 0));
    assert_eq!(row.subject, "【月度通报】2025年7月");
    let forced = DigestRecord {
        replace: true,
        ..record
    };
    let again = store
        .record_digest(&forced)
        .expect("forced")
        .expect("made again");
    assert_ne!(again, id);
    let row = store.digest_of(july).expect("row").expect("sent");
    assert_eq!((row.outbox_id, row.forced), (Some(again), 1));
    assert_eq!(store.digests().expect("digests").len(), 1);
    // Only the checks of the period: the check of 07-01 is July's, not June's.
    assert_eq!(
        store
            .alert_events_between(july.first, july.last)
            .expect("events")
            .len(),
        1
    );
    let june = crate::core::digest::Period::reported_on(july.first);
    assert!(
        store
            .alert_events_between(june.first, june.last)
            .expect("events")
            .is_empty()
    );
}

/// Every fund's series as `fund_days` keeps it, by fund.
fn series(store: &Store) -> Vec<(String, Vec<u8>)> {
    let mut stmt = store
        .conn
        .prepare("SELECT fund, series FROM fund_days ORDER BY fund")
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

#[test]
fn series_patched_by_each_write_are_those_summed_anew() {
    // Versions of two sources over three funds and a few days: entries added, corrected,
    // moved to another day, removed (a day left without entries, or kept by the other
    // source), tails cut off, amounts that sum to 0, and one source out of force a while.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("db")).expect("open");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    for round in 0..80 {
        let path = if round % 3 == 0 { "/b.csv" } else { "/a.csv" };
        let entries: Vec<Entry> = (0..next(30))
            .map(|i| {
                let fund = ["a", "b", "c"][next(3) as usize];
                let fen = next(500) as i64 - 100;
                let day = 1 + next(4) as u32;
                entry(fund, 1, day, fen, &format!("v{i}"), i as u32 + 2)
            })
            .collect();
        put(&mut store, path, &format!("v{round}"), &entries);
        if round == 30 {
            let out = Some((Withdrawn::Unconfigured, "moved"));
            assert!(store.set_withdrawn("/b.csv", out, at(NOW)).expect("out"));
        }
        if round == 50 {
            assert!(store.set_withdrawn("/b.csv", None, at(NOW)).expect("back"));
        }
        if round == 60 {
            assert!(
                store
                    .forget_source("/b.csv", true)
                    .expect("forget")
                    .is_some()
            );
        }
        let patched = series(&store);
        store
            .conn
            .execute("DELETE FROM fund_days", [])
            .expect("clear");
        store.rebuild_all_fund_days().expect("rebuild");
        assert_eq!(patched, series(&store), "round {round}");
        if round % 7 == 6 {
            // Series as builds before the count wrote them (a writer's open rewrites them; a
            // write must not patch a count they do not have): a version of a.csv that changes
            // every fund (day 5 is in no other version) is summed anew for each.
            store
                .conn
                .execute(
                    "UPDATE fund_days SET series = substr(series, 1, length(series) - 8)",
                    [],
                )
                .expect("old series");
            let entries: Vec<Entry> = ["a", "b", "c"]
                .iter()
                .enumerate()
                .map(|(i, fund)| entry(fund, 1, 5, 7, &format!("w{i}"), i as u32 + 2))
                .collect();
            put(&mut store, "/a.csv", &format!("w{round}"), &entries);
            let patched = series(&store);
            store.rebuild_all_fund_days().expect("rebuild");
            assert_eq!(patched, series(&store), "round {round}, from old series");
        }
    }
}

/// A store read in one pass keeps a small page cache, and reads what it read before.
#[test]
fn a_store_for_one_pass_keeps_a_small_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("spendwatch.db")).expect("open");
    put(
        &mut store,
        "a.csv",
        "v1",
        &[entry("a", 3, 20, 10_000, "记-1", 2)],
    );
    let cache = |store: &Store| -> i64 {
        store
            .conn
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .expect("cache_size")
    };
    assert_eq!(cache(&store), -2000, "SQLite's default, 2 MB");
    let before = store.daily_spend_and_counts().expect("read");
    store.for_one_pass().expect("one pass");
    assert_eq!(cache(&store), -512);
    assert_eq!(store.daily_spend_and_counts().expect("read"), before);
    assert_eq!(spent(&store, "a", 3, 31), 10_000);
}
