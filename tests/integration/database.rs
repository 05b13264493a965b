//! A database written by a newer spendwatch is refused and left byte-identical (SPEC §7: exit
//! status 1 for a runtime failure).

use crate::util::{DB, NG, Workdir};

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
