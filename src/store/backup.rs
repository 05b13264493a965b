//! `spendwatch backup`: a consistent copy of the database while the daemon and imports go on
//! using it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT, StoreError, check_access};

/// What [`backup`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The backup file.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The schema version of the copy (`PRAGMA user_version`).
    pub schema_version: i64,
    /// Ledger entries in the copy.
    pub entries: i64,
    /// Ledger sources in the copy.
    pub sources: i64,
}

/// How long [`backup`] retries while SQLite says the database is busy (a checkpoint, or the
/// recovery of a crashed writer's log).
const BACKUP_BUSY_LIMIT: Duration = Duration::from_secs(30);

/// Writes a consistent copy of the database at `database` to `dest` with SQLite's online
/// backup API, while other processes (the daemon, an import) go on reading and writing it.
///
/// The whole copy is made in one step, that is within one read transaction: in WAL mode a
/// reader never blocks the writers, and the copy is the database exactly as of one commit. (A
/// copy in several steps would start again each time another process commits, and might
/// never finish during a long import.) The copy is written to `dest.partial-PID` in the same
/// folder, checked with `PRAGMA integrity_check`, made self-contained (rollback journal, no
/// -wal file), synced, then renamed to `dest`: a failed or interrupted backup never leaves a
/// half-written `dest`, and with `replace` the previous backup stays until the new one is
/// complete. The copy is created 0640 (less if the umask says so): it holds the ledger.
///
/// # Errors
///
/// [`StoreError::Missing`] or [`StoreError::NoAccess`] for the database;
/// [`StoreError::Exists`] when `dest` exists and `replace` is false; I/O and SQLite errors
/// (a full disk, a folder that does not exist); [`StoreError::Corrupt`] when the copy fails
/// its integrity check (the database itself is damaged). Nothing is left behind on error.
pub fn backup(database: &Path, dest: &Path, replace: bool) -> Result<BackupReport, StoreError> {
    check_access(database, false)?;
    if !replace && dest.symlink_metadata().is_ok() {
        return Err(StoreError::Exists {
            path: dest.display().to_string(),
        });
    }
    let mut partial = dest.as_os_str().to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = PathBuf::from(partial);
    let result = backup_to(database, &partial).and_then(|report| {
        let io = |source| StoreError::Io {
            path: dest.display().to_string(),
            source,
        };
        if replace {
            std::fs::rename(&partial, dest).map_err(io)?;
        } else {
            // A link fails if `dest` appeared meanwhile, where a rename would replace it.
            std::fs::hard_link(&partial, dest).map_err(|source| {
                if source.kind() == ErrorKind::AlreadyExists {
                    StoreError::Exists {
                        path: dest.display().to_string(),
                    }
                } else {
                    io(source)
                }
            })?;
            std::fs::remove_file(&partial).map_err(io)?;
        }
        // The new name is durable once the folder is synced.
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
        }
        let bytes = std::fs::metadata(dest).map_err(io)?.len();
        Ok(BackupReport {
            file: dest.to_owned(),
            bytes,
            ..report
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
        let mut journal = partial.into_os_string();
        journal.push("-journal");
        let _ = std::fs::remove_file(journal);
    }
    result
}

/// The copy itself, into a new file `partial`.
fn backup_to(database: &Path, partial: &Path) -> Result<BackupReport, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let src_err = |source| StoreError::Sqlite {
        path: database.display().to_string(),
        source,
    };
    let dst_err = |source| StoreError::Sqlite {
        path: partial.display().to_string(),
        source,
    };
    // Read-only: a backup never migrates or otherwise changes the database it copies.
    let src = Connection::open_with_flags(
        database,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(src_err)?;
    src.busy_timeout(BUSY_TIMEOUT).map_err(src_err)?;
    // Created here, empty (SQLite takes an empty file as an empty database), with our mode.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o640)
        .open(partial)
        .map_err(|source| StoreError::Io {
            path: partial.display().to_string(),
            source,
        })?;
    let mut dst = Connection::open_with_flags(
        partial,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(dst_err)?;
    copy_all(&src, &mut dst).map_err(dst_err)?;
    drop(src);
    check_copy(&dst, database, partial)?;
    let schema_version: i64 = dst
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(dst_err)?;
    let (entries, sources) = if schema_version == 0 {
        (0, 0)
    } else {
        dst.query_row(
            "SELECT (SELECT COUNT(*) FROM entries), (SELECT COUNT(*) FROM sources)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(dst_err)?
    };
    dst.close().map_err(|(_, e)| dst_err(e))?;
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(|source| StoreError::Io {
            path: partial.display().to_string(),
            source,
        })?;
    Ok(BackupReport {
        file: partial.to_owned(),
        bytes: 0,
        schema_version,
        entries,
        sources,
    })
}

/// Copies `src` into `dst` in one step (one read transaction), again while SQLite says the
/// database is busy, up to [`BACKUP_BUSY_LIMIT`].
fn copy_all(src: &Connection, dst: &mut Connection) -> rusqlite::Result<()> {
    use rusqlite::backup::StepResult;
    let copy = rusqlite::backup::Backup::new(src, dst)?;
    let started = Instant::now();
    loop {
        match copy.step(-1)? {
            StepResult::Done => return Ok(()),
            // Busy or locked: a moment, then again (the step starts over).
            _ if started.elapsed() < BACKUP_BUSY_LIMIT => {
                std::thread::sleep(Duration::from_millis(100));
            }
            _ => {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some(format!(
                        "the database stayed busy for {} s",
                        BACKUP_BUSY_LIMIT.as_secs()
                    )),
                ));
            }
        }
    }
}

/// Makes the copy at `partial` (of the database at `database`) one self-contained file and
/// checks its integrity.
fn check_copy(dst: &Connection, database: &Path, partial: &Path) -> Result<(), StoreError> {
    let dst_err = |source| StoreError::Sqlite {
        path: partial.display().to_string(),
        source,
    };
    // The copied header says WAL; a backup is one file, restored by copying it.
    let mode: String = dst
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(dst_err)?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(StoreError::Corrupt {
            path: partial.display().to_string(),
            detail: format!("the copy stayed in journal mode {mode}"),
        });
    }
    let problems: Vec<String> = dst
        .prepare("PRAGMA integrity_check")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .map_err(dst_err)?;
    if problems != ["ok"] {
        return Err(StoreError::Corrupt {
            path: database.display().to_string(),
            detail: format!(
                "its copy fails the integrity check, so the database itself is damaged: {}",
                problems.join("; ")
            ),
        });
    }
    Ok(())
}
