//! One daemon per database: a lock file beside the database, holding the daemon's PID.
//!
//! The lock is the kernel's (`flock`, through `File::try_lock`), not the file's existence: it
//! goes with the process, so a daemon killed with -9 or by a power cut never blocks the next
//! start. The file stays after the daemon stops (removing it would let a starting daemon lock
//! a file that another one is about to replace); its PID is only read to name the holder.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file of the database at `database`: `spendwatch.db` → `spendwatch.db.lock`.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// A held lock: the database is this process's until it is dropped.
#[derive(Debug)]
pub struct DaemonLock {
    /// Kept open: closing it releases the lock.
    _file: File,
    path: PathBuf,
}

/// Why [`DaemonLock::acquire`] failed. Paths are already displayed as text for the message.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock: this daemon must not start.
    #[error(
        "another spendwatch daemon ({holder}) is already running on {database}; this one does \
         not start. Stop the other one first (under systemd: systemctl stop spendwatch), or give \
         this one another database (`database:` in its config). Lock file: {lock}"
    )]
    Held {
        /// The database that is taken.
        database: String,
        /// Its lock file.
        lock: String,
        /// "PID 1234", or why the PID is not known.
        holder: String,
    },
    /// The database's folder does not exist and cannot be created.
    #[error("{path}: cannot create its folder: {source}")]
    CreateDir {
        /// The folder.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The lock file cannot be opened or locked (permissions, a file system without locks).
    #[error("{path}: cannot lock the database for this daemon: {source}")]
    Io {
        /// The lock file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
}

impl DaemonLock {
    /// Takes the lock of `database` for this process, creating the lock file (and the
    /// database's folder, as the daemon's first start does) if needed.
    ///
    /// # Errors
    ///
    /// [`LockError::Held`] when another process holds it (named by the PID it wrote), or an
    /// I/O error (no permission to create the lock file, a file system without locks).
    pub fn acquire(database: &Path) -> Result<DaemonLock, LockError> {
        let path = lock_path(database);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| LockError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        // Not truncated on open: the holder's PID must still be there to be read.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    database: database.display().to_string(),
                    lock: path.display().to_string(),
                    holder: holder(&mut file),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // The PID only names the holder to a second daemon: the lock holds without it (say,
        // on a full disk, where the daemon still runs and sends).
        if let Err(e) = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()))
        {
            tracing::warn!(lock = %path.display(), error = %e, "cannot write the daemon's PID into its lock file; the lock holds");
        }
        Ok(DaemonLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// "PID 1234" from the holder's lock file. Empty when the holder has locked but not yet
/// written it (a start at the same instant), or could not (a full disk).
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    match file.read_to_string(&mut text) {
        Ok(_) => match text.trim().parse::<u32>() {
            Ok(pid) => format!("PID {pid}"),
            Err(_) => "PID not recorded: it is starting, or its disk is full".to_owned(),
        },
        Err(e) => format!("PID unreadable: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("db/spendwatch.db");
        let first = DaemonLock::acquire(&db).expect("first lock");
        assert_eq!(first.path(), dir.path().join("db/spendwatch.db.lock"));
        assert_eq!(
            std::fs::read_to_string(first.path()).expect("lock file"),
            format!("{}\n", std::process::id())
        );
        // A lock is per open file: a second open in this process conflicts as another
        // process's would.
        let err = DaemonLock::acquire(&db).expect_err("second lock");
        let text = err.to_string();
        assert!(
            text.contains(&format!("(PID {})", std::process::id())),
            "{text}"
        );
        assert!(text.contains("systemctl stop spendwatch"), "{text}");
        // The refused attempt left the holder's PID in place.
        assert_eq!(
            std::fs::read_to_string(first.path()).expect("lock file"),
            format!("{}\n", std::process::id())
        );
        drop(first);
        // Released with the file: a stale lock file (with any content) does not block.
        std::fs::write(dir.path().join("db/spendwatch.db.lock"), "99999999\nstale").expect("w");
        let again = DaemonLock::acquire(&db).expect("lock after release");
        assert_eq!(
            std::fs::read_to_string(again.path()).expect("lock file"),
            format!("{}\n", std::process::id())
        );
    }

    #[test]
    fn a_holder_that_has_not_written_its_pid_yet_is_said_to_be_starting() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("spendwatch.db");
        let file = File::create(lock_path(&db)).expect("lock file");
        file.try_lock().expect("lock");
        let err = DaemonLock::acquire(&db).expect_err("held");
        assert!(err.to_string().contains("PID not recorded"), "{err}");
    }
}
