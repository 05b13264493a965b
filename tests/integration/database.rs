//! Databases of every released schema migrate without loss; one written by a newer spendwatch
//! is refused and left byte-identical (SPEC §7: exit status 1 for a runtime failure).

use crate::util::{DB, NG, SAMPLE_DB, Workdir};

fn newer_database(wd: &Workdir) -> Vec<u8> {
    std::fs::create_dir_all(wd.join("db")).expect("mkdir");
    let conn = rusqlite::Connection::open(wd.join(DB)).expect("create database");
    conn.execute_batch("CREATE TABLE future (x INTEGER); INSERT INTO future VALUES (42); PRAGMA user_version = 99;")
        .expect("write database");
    drop(conn);
    std::fs::read(wd.join(DB)).expect("read database")
}

fn files_in_db_folder(wd: &Workdir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(wd.join("db"))
        .expect("db folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let wd = Workdir::new(&[]);
    let bytes = newer_database(&wd);
    wd.write_str(
        "a.csv",
        "date,amount,fund\n2025-03-01,1.00,network-governance\n",
    );

    for args in [
        &["status", "--as-of", "2025-07-15"][..],
        &["status", "--as-of", "2025-07-15", "--format", "json"],
        &["import", "a.csv"],
        &["import", "--dry-run", "a.csv", "--fund", NG],
    ] {
        let out = wd.run(args);
        out.expect_code(1)
            .stderr_has("newer")
            .stderr_has("spendwatch.db");
        assert!(out.stdout.is_empty(), "{args:?} printed:\n{}", out.stdout);
        assert!(
            std::fs::read(wd.join(DB)).expect("read database") == bytes,
            "{args:?} changed the database"
        );
        assert_eq!(
            files_in_db_folder(&wd),
            ["spendwatch.db"],
            "{args:?} left files beside the database"
        );
    }
}

/// Per fund: (entries, sum in 分), then the number of alert events and of outbox rows (0 where
/// the schema has no such table).
type Contents = (Vec<(String, i64, i64)>, i64, i64);

fn contents(path: &std::path::Path) -> Contents {
    let conn = rusqlite::Connection::open(path).expect("open database");
    let mut stmt = conn
        .prepare("SELECT fund, count(*), sum(amount) FROM entries GROUP BY fund ORDER BY fund")
        .expect("prepare");
    let funds = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    let count = |table: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap_or(0)
    };
    (funds, count("alert_events"), count("outbox"))
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// `tests/data/schema/vN.db` are databases written by the builds that introduced schema
/// versions 1 to 4 (with the shipped config in `/tmp/fix-vN`: the sample ledger imported; from
/// version 2 on, the 2025-07-01 check that queues and sends the June alert). Each migrates on
/// first use with every entry, alert event and email kept, and the spending it reports is the
/// spending it held; then the sample ledger is read again and a check runs on it, as the
/// daemon would do next (schema 5 exists because this failed for databases from before 3).
#[test]
fn databases_of_every_released_schema_migrate_without_losing_data() {
    for version in 1..=4 {
        let wd = Workdir::samples();
        let fixture = format!(
            "{}/tests/data/schema/v{version}.db",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::copy(&fixture, wd.join(SAMPLE_DB)).expect("copy fixture");
        // The sources were recorded with absolute paths on the machine that wrote the fixture.
        let conn = rusqlite::Connection::open(wd.join(SAMPLE_DB)).expect("open");
        conn.execute(
            "UPDATE sources SET path = replace(path, ?1, ?2)",
            [
                format!("/tmp/fix-v{version}"),
                wd.path().display().to_string(),
            ],
        )
        .expect("move the sources");
        drop(conn);
        let before = contents(&wd.join(SAMPLE_DB));
        assert_eq!(
            before.0.len(),
            2,
            "v{version}: the fixture holds both funds"
        );
        if version >= 2 {
            assert_eq!((before.1, before.2), (1, 1), "v{version}: the June alert");
        }

        let out = wd.run(&["status", "--as-of", "2025-12-31", "--format", "json"]);
        out.ok();
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
        for (fund, _, fen) in &before.0 {
            let reported = doc["funds"]
                .as_array()
                .expect("funds")
                .iter()
                .find(|f| f["id"] == fund.as_str())
                .unwrap_or_else(|| panic!("v{version}: {fund} missing"));
            assert_eq!(reported["spent"], yuan(*fen), "v{version}: {fund}");
        }
        assert_eq!(
            contents(&wd.join(SAMPLE_DB)),
            before,
            "v{version}: data changed"
        );
        let conn = rusqlite::Connection::open(wd.join(SAMPLE_DB)).expect("open");
        let user_version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(
            user_version,
            spendwatch::store::SCHEMA_VERSION,
            "v{version}: migrated to the current schema"
        );
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity");
        assert_eq!(integrity, "ok", "v{version}");
        drop(conn);

        // The history is still readable, and a second start changes nothing.
        wd.run(&["alerts"]).ok();
        wd.run(&["outbox"]).ok();
        wd.run(&["status", "--as-of", "2025-12-31"]).ok();
        assert_eq!(
            contents(&wd.join(SAMPLE_DB)),
            before,
            "v{version}: second start"
        );

        // The next check reads the same ledger again: the same entries stay in force, and an
        // alert already sent is not sent again (version 1 had no alerts: its first is sent).
        let queued = if version == 1 { 1 } else { 0 };
        wd.run(&["check", "--as-of", "2025-07-02"])
            .ok()
            .stdout_has(&format!("{queued} emails queued"));
        let after = contents(&wd.join(SAMPLE_DB));
        assert_eq!(after.0, before.0, "v{version}: entries after the check");
        assert_eq!(
            (after.1, after.2),
            (before.1 + queued, before.2 + queued),
            "v{version}: alert events and emails after the check"
        );
    }
}

/// Commands started together on a database that does not exist yet (the service and an
/// officer's import at the first install): each waits for the others, none fails, and the
/// database holds the import once. Before, the switch of the new file to WAL answered
/// "database is locked" at once, without the busy timeout, and two creations of the schema
/// raced ("table sources already exists"): 19 of 20 pairs failed.
#[test]
fn commands_started_together_on_a_new_database_all_succeed() {
    let wd = Workdir::new(&[]);
    wd.write_str(
        "a.csv",
        "date,amount,fund\n2025-03-01,1.00,network-governance\n",
    );
    for _ in 0..5 {
        let _ = std::fs::remove_dir_all(wd.join("db"));
        let started: Vec<_> = (0..3)
            .map(|_| {
                wd.command("config.yaml", &["import", "a.csv"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("start an import")
            })
            .collect();
        for import in started {
            let out = import.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(wd.spent("2025-07-15", NG), "1.00");
        assert_eq!(wd.entries().len(), 1);
    }
}
