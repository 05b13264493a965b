//! The schema, as a list of migrations. `PRAGMA user_version` is the number applied.
//!
//! A released migration is never edited: a change to the schema is a new entry at the end,
//! and the same change in `schema.sql`, the latest schema that a new database gets at once
//! (a test fails until both agree).

use rusqlite::{Connection, Transaction, TransactionBehavior};

/// One step of the schema: SQL, or Rust where the step depends on what the file holds.
enum Migration {
    Sql(&'static str),
    Rust(fn(&Transaction<'_>) -> rusqlite::Result<()>),
}

use Migration::{Rust, Sql};

/// Each entry takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[Migration] = &[
    // 1: ledger sources and their entries.
    Sql("CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        -- the version in force (NULL until a version is accepted)
        content_sha256 TEXT,
        settings_hash TEXT,
        imported_at TEXT,
        -- when a new version (accepted or rejected) was last seen: for stale-data alerts
        changed_at TEXT,
        entry_count INTEGER NOT NULL DEFAULT 0,
        subtotal_rows INTEGER NOT NULL DEFAULT 0,
        -- the last rejected version, cleared when a newer version is accepted
        rejected_sha256 TEXT,
        rejected_settings TEXT,
        rejected_at TEXT,
        rejected_message TEXT
    );
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources (id),
        line INTEGER NOT NULL,
        sheet TEXT,
        fund TEXT NOT NULL,
        date TEXT NOT NULL,
        -- 分
        amount INTEGER NOT NULL,
        voucher TEXT NOT NULL,
        memo TEXT NOT NULL
    );
    CREATE INDEX entries_by_source ON entries (source_id);
    CREATE INDEX entries_by_fund_date ON entries (fund, date);"),
    // 2: alerts, their history, and the outbox of emails.
    Sql("CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        -- the as-of day of the check that wrote it
        check_day TEXT NOT NULL,
        message_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        envelope_from TEXT NOT NULL,
        -- one address per line
        envelope_to TEXT NOT NULL,
        raw BLOB NOT NULL,
        -- pending | sent | failed
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        -- unix seconds
        next_attempt_at INTEGER NOT NULL,
        lease_until INTEGER,
        last_error TEXT,
        sent_at TEXT
    );
    CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
    CREATE TABLE alerts (
        fund TEXT NOT NULL,
        -- YYYY-MM-DD, or '' for alerts not about a milestone
        milestone TEXT NOT NULL,
        kind TEXT NOT NULL,
        -- firing | resolved
        status TEXT NOT NULL,
        since TEXT NOT NULL,
        last_sent TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (fund, milestone, kind)
    );
    CREATE TABLE alert_events (
        id INTEGER PRIMARY KEY,
        check_day TEXT NOT NULL,
        at TEXT NOT NULL,
        fund TEXT NOT NULL,
        milestone TEXT NOT NULL,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        status TEXT NOT NULL,
        outbox_id INTEGER REFERENCES outbox (id)
    );
    -- whether the admin was told about the rejected version (once per bad version)
    ALTER TABLE sources ADD COLUMN rejection_notified INTEGER NOT NULL DEFAULT 0;"),
    // 3: entries clustered by source and numbered, with a hash per row so a re-read writes
    // only what changed; spending summed per source and day, and per fund as one series.
    Sql("CREATE TABLE entries_v3 (
        -- (source_id << 40) + position of the entry in its source, from 0: a source's entries
        -- are one range of rowids, appended in order (SQLite's fastest insert)
        id INTEGER PRIMARY KEY,
        line INTEGER NOT NULL,
        sheet TEXT,
        fund TEXT NOT NULL,
        date TEXT NOT NULL,
        amount INTEGER NOT NULL,
        voucher TEXT NOT NULL,
        memo TEXT NOT NULL,
        -- xxh3 of the row's fields; 0 for rows migrated from version 2 (rewritten on next read)
        row_hash INTEGER NOT NULL
    );
    INSERT INTO entries_v3
        SELECT (source_id << 40) + ROW_NUMBER() OVER (PARTITION BY source_id ORDER BY id) - 1,
               line, sheet, fund, date, amount, voucher, memo, 0
        FROM entries;
    DROP TABLE entries;
    ALTER TABLE entries_v3 RENAME TO entries;
    CREATE TABLE source_days (
        source_id INTEGER NOT NULL,
        fund TEXT NOT NULL,
        -- days since 0001-01-01 (that day is 1)
        day INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        -- how many entries
        entries INTEGER NOT NULL,
        PRIMARY KEY (source_id, fund, day)
    ) WITHOUT ROWID;
    INSERT INTO source_days
        SELECT id >> 40, fund, CAST(julianday(date) - 1721424.5 AS INTEGER), SUM(amount), COUNT(*)
        FROM entries GROUP BY id >> 40, fund, date;
    -- per fund, all sources summed: (day i32, amount i64) little-endian pairs, by day; later
    -- builds add the fund's entries in force (i64) at the end (see store/spending.rs)
    CREATE TABLE fund_days (fund TEXT PRIMARY KEY, series BLOB NOT NULL) WITHOUT ROWID;
    ALTER TABLE sources ADD COLUMN size INTEGER;
    ALTER TABLE sources ADD COLUMN mtime_ns INTEGER;
    -- where the version in force was cut into blocks: 11 little-endian u64 per block
    ALTER TABLE sources ADD COLUMN blocks BLOB;"),
    // 4: builds released with version 3 wrote blocks of 9 fields, read now as 11: a recorded
    // cut is only a cache for the next read, so all are dropped and each source's next read
    // is a full one.
    Sql("UPDATE sources SET blocks = NULL;"),
    // 5: builds from schema 3 on named the hash columns `content_hash` and `rejected_hash` in
    // migration 1 itself, so databases created before that still have the `_sha256` names.
    Rust(rename_sha256_columns),
    // 6: where a source came from and whether it is in force. Entries of a source out of force
    // stay in the database (nothing imported is lost) but are left out of every sum.
    Sql(
        "-- 'config' (named by ledger.sources), 'hand' (spendwatch import); NULL before schema 6
    ALTER TABLE sources ADD COLUMN origin TEXT;
    -- NULL: in force; 'superseded' (an older file of a year-to-date series), 'unconfigured'
    -- (ledger.sources no longer names it)
    ALTER TABLE sources ADD COLUMN withdrawn TEXT;
    -- why, for people: which file superseded it
    ALTER TABLE sources ADD COLUMN withdrawn_note TEXT;
    ALTER TABLE sources ADD COLUMN withdrawn_at TEXT;
    -- when the file was last found missing on disk (NULL: it was there at the last read)
    ALTER TABLE sources ADD COLUMN missing_since TEXT;
    -- the same entries in force through two sources, refreshed whenever force changes
    CREATE TABLE overlaps (
        -- the two source paths, one a line, in order
        files TEXT NOT NULL,
        fund TEXT NOT NULL,
        entries INTEGER NOT NULL,
        -- 分
        amount INTEGER NOT NULL,
        PRIMARY KEY (files, fund)
    ) WITHOUT ROWID;
    -- notices the admin gets once while their condition holds (no file for a pattern, a file
    -- vanished, an overlap, a fund without data): the key is deleted when it no longer holds
    CREATE TABLE notices (key TEXT PRIMARY KEY, since TEXT NOT NULL) WITHOUT ROWID;
    -- changes of force (superseded, no longer configured, back) waiting to be emailed to the
    -- admin by the next check, whichever command's read found them
    CREATE TABLE force_notices (
        id INTEGER PRIMARY KEY,
        -- the file as shown, and what happened to it, in words
        file TEXT NOT NULL,
        what TEXT NOT NULL,
        at TEXT NOT NULL
    );",
    ),
    // 7: graded warnings and 情况说明. A lag alert keeps the highest level announced in its
    // firing episode, the day it reached it, and whether it was escalated; its history keeps the
    // level of each change. Alerts firing before the upgrade had the two colours of their kind
    // (due: 黄色预警, missed: 红色预警), so they keep them. Their level counts from the day of the
    // upgrade (or the day they began firing, if later): a red alert is escalated only after
    // `escalate_after` days in which `spendwatch explain` existed to explain it.
    Sql("ALTER TABLE alerts ADD COLUMN level TEXT;
    ALTER TABLE alerts ADD COLUMN level_since TEXT NOT NULL DEFAULT '';
    ALTER TABLE alerts ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;
    UPDATE alerts SET
        level_since = CASE WHEN status = 'firing' THEN MAX(since, date('now')) ELSE since END,
        level = CASE WHEN status = 'firing' AND kind = 'due' THEN 'yellow'
                     WHEN status = 'firing' AND kind = 'missed' THEN 'red' END;
    ALTER TABLE alert_events ADD COLUMN level TEXT;
    UPDATE alert_events SET
        level = CASE WHEN status = 'firing' AND kind = 'due' THEN 'yellow'
                     WHEN status = 'firing' AND kind = 'missed' THEN 'red' END;
    -- why a fund lags and what is being done (spendwatch explain)
    CREATE TABLE explanations (
        id INTEGER PRIMARY KEY,
        fund TEXT NOT NULL,
        -- YYYY-MM-DD, or NULL: every lag alert of the fund
        milestone TEXT,
        -- 经费保障 | 制度保障 | 人员保障 | 硬件保障 | 其他
        reason TEXT NOT NULL,
        text TEXT NOT NULL,
        -- in force from this day (the as-of day it was recorded on)
        day TEXT NOT NULL,
        -- the last day in force, or NULL: until it ends otherwise
        until TEXT,
        -- the OS user who recorded it
        user TEXT NOT NULL,
        created_at TEXT NOT NULL,
        -- the first day no longer in force when it ended before `until`, and why
        -- (withdrawn | caught_up)
        ended TEXT,
        end_cause TEXT,
        CHECK ((ended IS NULL) = (end_cause IS NULL)),
        CHECK (until IS NULL OR until >= day)
    );
    CREATE INDEX explanations_by_fund ON explanations (fund);"),
    // 8: files of readings (完成值) and the readings in force. Their own tables: a file of
    // readings changing is no news about the ledger (`sources.changed_at` feeds the ledger's
    // stale alert), and a reading is never an entry.
    Sql("CREATE TABLE reading_sources (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        -- the version in force (NULL until a version is accepted)
        content_hash TEXT,
        settings_hash TEXT,
        size INTEGER,
        mtime_ns INTEGER,
        imported_at TEXT,
        -- when a new version (accepted or rejected) was last seen
        changed_at TEXT,
        reading_count INTEGER NOT NULL DEFAULT 0,
        -- the last rejected version, cleared when a newer version is accepted
        rejected_hash TEXT,
        rejected_settings TEXT,
        rejected_at TEXT,
        rejected_message TEXT,
        -- whether the admin was told about the rejected version (once per bad version)
        rejection_notified INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE readings (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES reading_sources (id),
        -- where in the file: a line (5) or a sheet and row (完成值:5)
        location TEXT NOT NULL,
        indicator TEXT NOT NULL,
        -- YYYY-MM-DD: the day the figure stands at
        day TEXT NOT NULL,
        -- YYYY-MM: a reading is counted once per indicator and month, whatever the file
        month TEXT NOT NULL,
        -- a number as written without trailing zeros (95.5), or NULL for a judgement
        number TEXT,
        -- 达成 | 基本达成 | 未达成, for a qualitative indicator
        judgement TEXT,
        note TEXT,
        CHECK ((number IS NULL) <> (judgement IS NULL))
    );
    CREATE UNIQUE INDEX readings_by_indicator_month ON readings (indicator, month);
    CREATE INDEX readings_by_source ON readings (source_id);"),
    // 9: the monthly digests (月度通报) sent, one per period: written in the transaction that
    // queues the digest's email, so a period is sent once across restarts and kill -9.
    Sql("CREATE TABLE digests (
        -- YYYY-MM: the calendar month reported
        period TEXT PRIMARY KEY,
        -- the as-of day it was made on (YYYY-MM-DD)
        made_on TEXT NOT NULL,
        created_at TEXT NOT NULL,
        subject TEXT NOT NULL,
        -- its email (NULL only if the outbox row were ever deleted)
        outbox_id INTEGER REFERENCES outbox (id),
        -- how many times it was made again by hand (digest --force)
        forced INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;"),
    // 10: the time of the last email sent, for /healthz and the health page, from the index:
    // without it every sent row is read past its message (`raw`, megabytes of overflow pages
    // each), so each /healthz read the whole mail history.
    Sql("CREATE INDEX outbox_sent ON outbox (status, sent_at);"),
    // 11: every fund's series ends with its count of entries. Builds of version 10 began to
    // write it without a version of their own, so a series written before stayed without
    // one and every open read every series to look for one; now the one rewrite happens
    // here. No earlier build opens a database of version 11.
    Rust(count_in_every_series),
];

/// Rewrites the funds' series from `source_days` if any series lacks the count of entries
/// at its end.
fn count_in_every_series(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    if super::spending::series_without_counts(tx)? {
        super::spending::rebuild_every_series(tx)?;
    }
    Ok(())
}

/// Renames `sources.content_sha256` and `rejected_sha256` where a database still has them.
/// The SHA-256 values stay: they never equal a current hash, so each source's next read is a
/// full one, which replaces its entries with the same entries.
fn rename_sha256_columns(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let columns: Vec<String> = tx
        .prepare("SELECT name FROM pragma_table_info('sources')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (old, new) in [
        ("content_sha256", "content_hash"),
        ("rejected_sha256", "rejected_hash"),
    ] {
        if columns.iter().any(|c| c == old) {
            tx.execute_batch(&format!(
                "ALTER TABLE sources RENAME COLUMN {old} TO {new};"
            ))?;
        }
    }
    Ok(())
}

/// The version that introduced `fund_days`, which is filled in Rust after migrating.
pub(super) const FUND_DAYS_VERSION: i64 = 3;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema of [`SCHEMA_VERSION`] made at once (`schema.sql`): for a new database, where
/// the migrations one by one cost 21M instructions (fifteen `ALTER TABLE`s, each making SQLite
/// parse the whole schema again), about 3 ms of a small import (BENCHMARKS.md, "The small
/// case, again"). A test checks it is exactly the migrated schema.
const LATEST: &str = include_str!("schema.sql");

/// Brings a database of version `current` (as read before any lock) to [`SCHEMA_VERSION`]: a
/// new one (version 0) made at once from [`LATEST`] in one transaction, an older one migration
/// by migration, each in its own transaction.
///
/// Each transaction takes the write lock first and reads the version again under it: another
/// process may have made or migrated the database since `current` was read (the service and a
/// command started at once on a new database, which failed 19 times in 20 with "table sources
/// already exists" or "database is locked" while the transactions were deferred).
pub(super) fn migrate(conn: &mut Connection, current: i64) -> rusqlite::Result<()> {
    let mut current = current;
    if current == 0 {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        current = version(&tx)?;
        if current == 0 {
            tx.execute_batch(LATEST)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            return tx.commit();
        }
        // Made by another process meanwhile: migrated from the version it wrote.
    }
    migrate_to(conn, current, SCHEMA_VERSION)
}

/// The database's schema version (`PRAGMA user_version`).
fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Applies the migrations after `current` up to version `target`, each in its own transaction
/// under the write lock, skipping those another process applied meanwhile (the tests build the
/// databases of older versions with it).
pub(super) fn migrate_to(conn: &mut Connection, current: i64, target: i64) -> rusqlite::Result<()> {
    for (index, step) in MIGRATIONS
        .iter()
        .enumerate()
        .take(usize::try_from(target).unwrap_or(0))
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if version(&tx)? > index as i64 {
            continue; // applied by another process; the transaction rolls back, empty
        }
        match step {
            Sql(sql) => tx.execute_batch(sql)?,
            Rust(f) => f(&tx)?,
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sqlite_master` as (type, name, table, SQL) sorted by name, the SQL without comments,
    /// quotes or layout: `ALTER TABLE … ADD COLUMN` appends its column to the stored
    /// `CREATE TABLE` text and `RENAME TO` quotes the new name, which change nothing else.
    fn schema_of(conn: &Connection) -> Vec<(String, String, String, String)> {
        let tidy = |sql: Option<String>| {
            let sql = sql.unwrap_or_default();
            let without_comments: String = sql
                .lines()
                .map(|line| line.split_once("--").map_or(line, |(code, _)| code))
                .collect::<Vec<_>>()
                .join(" ");
            let words = without_comments.replace('"', "");
            let mut out = String::new();
            for word in words.split_whitespace() {
                let glued = out.ends_with(['(', ',']) || word.starts_with([')', ',']);
                if !out.is_empty() && !glued {
                    out.push(' ');
                }
                out.push_str(word);
            }
            out.replace(" (", "(")
        };
        let mut rows: Vec<(String, String, String, String)> = conn
            .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master")
            .expect("prepare")
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, tidy(r.get(3)?)))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort_by(|a, b| a.1.cmp(&b.1));
        rows
    }

    /// What SQLite itself says of each table: its columns (name, type, NOT NULL, default,
    /// key), its indexes with their columns, and its foreign keys, a line each, by table.
    /// Independent of how the SQL text was written.
    fn structure_of(conn: &Connection) -> Vec<String> {
        let lines = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).expect("prepare");
            let width = stmt.column_count();
            stmt.query_map([], |r| {
                (0..width)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| v.join("|"))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
        };
        let names = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).expect("prepare");
            stmt.query_map([], |r| r.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("names")
        };
        let mut out = Vec::new();
        for table in names("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
            out.push(format!("table {table}"));
            out.extend(lines(&format!(
                "SELECT * FROM pragma_table_xinfo('{table}')"
            )));
            out.extend(lines(&format!(
                "SELECT * FROM pragma_foreign_key_list('{table}')"
            )));
            let indexes = format!("SELECT name FROM pragma_index_list('{table}') ORDER BY name");
            for index in names(&indexes) {
                out.extend(lines(&format!(
                    "SELECT 'index', name, \"unique\", origin, partial \
                     FROM pragma_index_list('{table}') WHERE name = '{index}'"
                )));
                out.extend(lines(&format!(
                    "SELECT * FROM pragma_index_xinfo('{index}')"
                )));
            }
        }
        out
    }

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version")
    }

    #[test]
    fn fresh_schema_is_the_migrated_schema() {
        let mut migrated = Connection::open_in_memory().expect("open");
        migrate_to(&mut migrated, 0, SCHEMA_VERSION).expect("migrate one by one");
        let mut fresh = Connection::open_in_memory().expect("open");
        migrate(&mut fresh, 0).expect("fresh schema");
        assert_eq!(version(&fresh), SCHEMA_VERSION);
        assert_eq!(version(&migrated), SCHEMA_VERSION);
        let (want, got) = (schema_of(&migrated), schema_of(&fresh));
        assert!(want.len() > 15, "{want:?}");
        for (w, g) in want.iter().zip(&got) {
            assert_eq!(w, g, "schema.sql differs from the migrations");
        }
        assert_eq!(want.len(), got.len(), "{want:#?}\n{got:#?}");
        let (want, got) = (structure_of(&migrated), structure_of(&fresh));
        assert!(want.len() > 150, "{want:?}");
        for (w, g) in want.iter().zip(&got) {
            assert_eq!(w, g, "schema.sql differs from the migrations");
        }
        assert_eq!(want.len(), got.len());
    }

    #[test]
    fn the_comparison_sees_a_changed_column() {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch("CREATE TABLE t (a TEXT NOT NULL -- note\n, b INTEGER)")
            .expect("create");
        let other = Connection::open_in_memory().expect("open");
        other
            .execute_batch("CREATE TABLE t (a TEXT, b INTEGER)")
            .expect("create");
        assert_ne!(schema_of(&conn), schema_of(&other));
        let same = Connection::open_in_memory().expect("open");
        same.execute_batch("CREATE TABLE \"t\" (\n  a TEXT NOT NULL,\n  b INTEGER\n)")
            .expect("create");
        assert_eq!(schema_of(&conn), schema_of(&same));
    }
}
