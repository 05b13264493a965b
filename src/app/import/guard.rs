//! Which files may be read as sources: regular files inside the source folders.
//!
//! Officers can drop files into a ledger folder, and the daemon reads them with its own
//! rights: a symbolic link there to the SMTP password or to the database would have spendwatch
//! quote what only the service can read, in `sources`, an email or the dashboard. And a FIFO
//! there would block the daemon in `open` until someone writes to it. So a source is refused,
//! with its reason and without reading a byte of it, when it resolves outside the source
//! folders or is not a regular file.
//!
//! The source folders are those `config.yaml` names in `ledger.sources` and
//! `indicators.sources`: each pattern's folder part (up to the first component with a
//! wildcard; a plain file's folder), resolved. A link that stays inside them is fine.
//!
//! Both the first look ([`check`]) and every open ([`open`]) check: the open is non-blocking,
//! and the opened file itself must be a regular file and the very file its name resolves to
//! inside the folders, so a file swapped for a link or a FIFO between the look and the read is
//! refused too.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use crate::config::Config;

/// The source folders of a config (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Folders {
    /// Each folder as written (absolute, `..` taken out by hand).
    written: Vec<PathBuf>,
    /// Each folder that exists, resolved (symbolic links followed): where a source must lead.
    resolved: Vec<PathBuf>,
}

impl Folders {
    /// The folders of the patterns of `ledger.sources` and `indicators.sources`.
    #[must_use]
    pub(crate) fn of(config: &Config) -> Folders {
        let patterns = config
            .sources
            .iter()
            .map(|s| s.pattern.as_path())
            .chain(config.indicator_sources.iter().map(PathBuf::as_path));
        let mut folders = Folders::default();
        for pattern in patterns {
            let (folder, rest) = folder_part(pattern);
            // A plain file name: its folder.
            let folder = match (rest.as_os_str().is_empty(), folder.parent()) {
                (true, Some(parent)) => parent.to_owned(),
                _ => folder,
            };
            let written = lexical(&folder);
            if !folders.written.contains(&written) {
                folders.written.push(written);
            }
            if let Ok(resolved) = folder.canonicalize()
                && !folders.resolved.contains(&resolved)
            {
                folders.resolved.push(resolved);
            }
        }
        folders
    }

    /// Whether the resolved path `canonical` lies in a folder.
    fn hold(&self, canonical: &Path) -> bool {
        self.resolved.iter().any(|f| canonical.starts_with(f))
    }

    /// Whether `path` lies in a folder by its name: as written, or with its folder resolved
    /// (a link in its last component not followed).
    fn name(&self, path: &Path) -> bool {
        let written = lexical(path);
        if self.written.iter().any(|f| written.starts_with(f)) {
            return true;
        }
        let (Some(parent), Some(name)) = (written.parent(), written.file_name()) else {
            return false;
        };
        parent
            .canonicalize()
            .is_ok_and(|parent| self.hold(&parent.join(name)))
    }
}

/// How far a source may lead.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bounds<'a> {
    /// A source the config names: it must resolve inside the folders.
    Inside(&'a Folders),
    /// A file the administrator names on the command line (`spendwatch import FILE`): any
    /// regular file, except that a name inside the folders must resolve inside them too — a
    /// link an officer dropped there is not read because the admin's shell matched
    /// `ledger/*.csv`.
    ByHand(&'a Folders),
}

impl<'a> Bounds<'a> {
    fn folders(self) -> &'a Folders {
        match self {
            Bounds::Inside(folders) | Bounds::ByHand(folders) => folders,
        }
    }

    /// Whether a source named `path` that resolves to `canonical` may be read.
    fn permit(self, path: &Path, canonical: &Path) -> bool {
        match self {
            Bounds::Inside(folders) => folders.hold(canonical),
            Bounds::ByHand(folders) => folders.hold(canonical) || !folders.name(path),
        }
    }

    /// `path` resolved, if it may be read (`Ok(None)`: any file may, nothing to compare).
    fn resolve(self, path: &Path) -> io::Result<Option<PathBuf>> {
        if let Bounds::ByHand(folders) = self
            && !folders.name(path)
        {
            return Ok(None);
        }
        let canonical = path.canonicalize()?;
        if self.permit(path, &canonical) {
            Ok(Some(canonical))
        } else {
            Err(Refusal::Outside.into())
        }
    }
}

/// Why a source is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// It leads out of the source folders (a symbolic link, or a folder that is one).
    Outside,
    /// It is not a regular file.
    NotRegular(Kind),
    /// It was replaced by another file between the first look and the read.
    Replaced,
}

/// What a source that is not a regular file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Folder,
    Fifo,
    Device,
    Socket,
    Other,
}

impl Refusal {
    /// A word for it, kept with the refusal in the database (`refused:fifo`): the same refusal
    /// found again is not news.
    #[must_use]
    pub(crate) fn key(self) -> &'static str {
        match self {
            Refusal::Outside => "outside",
            Refusal::NotRegular(Kind::Folder) => "folder",
            Refusal::NotRegular(Kind::Fifo) => "fifo",
            Refusal::NotRegular(Kind::Device) => "device",
            Refusal::NotRegular(Kind::Socket) => "socket",
            Refusal::NotRegular(Kind::Other) => "not-regular",
            Refusal::Replaced => "replaced",
        }
    }

    /// The refusal of the file shown as `display`, in Chinese for the accountant and the
    /// admin: what it is, and what to do. Never where a link leads.
    #[must_use]
    pub(crate) fn message(self, display: &str) -> String {
        const PUT: &str = "请把它移出来源文件夹，换成要导入的文件本身";
        match self {
            Refusal::Outside => format!(
                "{display}: 这是指向来源文件夹以外的符号链接，为安全起见不予读取（来源文件夹即 \
                 config.yaml 中 ledger.sources 和 indicators.sources 所在的文件夹）；\
                 请把文件本身（而不是链接）放进来源文件夹"
            ),
            Refusal::NotRegular(Kind::Folder) => format!(
                "{display}: 这是文件夹而不是文件；请写出其中要导入的文件（如 {display}/*.xlsx）"
            ),
            Refusal::NotRegular(Kind::Fifo) => format!(
                "{display}: 这不是普通文件而是命名管道（FIFO），读取它会让 spendwatch 一直等待，\
                 因此不予读取；{PUT}"
            ),
            Refusal::NotRegular(Kind::Device) => {
                format!("{display}: 这不是普通文件而是设备文件，不予读取；{PUT}")
            }
            Refusal::NotRegular(Kind::Socket) => {
                format!("{display}: 这不是普通文件而是套接字（socket），不予读取；{PUT}")
            }
            Refusal::NotRegular(Kind::Other) => {
                format!("{display}: 这不是普通文件，不予读取；{PUT}")
            }
            Refusal::Replaced => format!(
                "{display}: 文件在读取时被替换了（换成了链接或另一个文件）；\
                 请等文件放好、不再改动后重新导入"
            ),
        }
    }

    /// The refusal an I/O error carries, if it is one of [`check`] or [`open`].
    #[must_use]
    pub(crate) fn of(e: &io::Error) -> Option<Refusal> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<Refusal>())
            .copied()
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::Outside => "it leads out of the source folders",
            Refusal::NotRegular(_) => "it is not a regular file",
            Refusal::Replaced => "it was replaced while being read",
        })
    }
}

impl std::error::Error for Refusal {}

impl From<Refusal> for io::Error {
    fn from(refusal: Refusal) -> io::Error {
        io::Error::other(refusal)
    }
}

/// The first look at a source: its metadata, if it may be read — without opening it.
///
/// # Errors
/// The system's error (`NotFound` for a missing file or a dangling link), or a [`Refusal`]
/// ([`Refusal::of`]) for a source outside `bounds` or not a regular file.
pub(crate) fn check(path: &Path, bounds: Bounds<'_>) -> io::Result<Metadata> {
    let meta = std::fs::metadata(path)?;
    bounds.resolve(path)?;
    regular(&meta)?;
    Ok(meta)
}

/// Opens a source for reading, if it may be read: without waiting (a FIFO that slipped past
/// [`check`] does not block), then the opened file must be a regular file and, within the
/// folders, the one its name resolves to there.
///
/// # Errors
/// The system's error, or a [`Refusal`] ([`Refusal::of`]).
pub(crate) fn open(path: &Path, bounds: Bounds<'_>) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(OPEN_FLAGS)
        .open(path)?;
    let opened = file.metadata()?;
    regular(&opened)?;
    if let Some(canonical) = bounds.resolve(path)? {
        let there = std::fs::metadata(canonical)?;
        if (there.dev(), there.ino()) != (opened.dev(), opened.ino()) {
            return Err(Refusal::Replaced.into());
        }
    }
    // O_NONBLOCK stays set: it changes nothing for a regular file.
    Ok(file)
}

/// The key a source found at `path` is kept by: its resolved path (the same file through
/// another name is the same source), unless that leads where `bounds` do not allow — then the
/// link's own path, so the refusal names the link and never where it leads: its folder
/// resolved when that stays in the folders (a file replaced by a link keeps its key), else as
/// named.
#[must_use]
pub(crate) fn key(path: &Path, bounds: Bounds<'_>) -> PathBuf {
    if let Ok(canonical) = path.canonicalize()
        && bounds.permit(path, &canonical)
    {
        return canonical;
    }
    let written = lexical(path);
    let in_resolved_folder = written
        .parent()
        .and_then(|parent| parent.canonicalize().ok())
        .filter(|parent| bounds.folders().hold(parent))
        .zip(written.file_name())
        .map(|(parent, name)| parent.join(name));
    in_resolved_folder.unwrap_or(written)
}

/// Whether a path a pattern matched is a source to look at: something is there, and it is not
/// a folder (nor a link to one). A FIFO or a link leading out is one, to be refused with its
/// reason; a dangling link is not.
#[must_use]
pub(crate) fn candidate(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
}

/// A pattern's folder part (up to the first component with a wildcard) and the rest.
pub(super) fn folder_part(pattern: &Path) -> (PathBuf, PathBuf) {
    let wild = |c: &Component<'_>| c.as_os_str().to_string_lossy().contains(['*', '?', '[']);
    let components: Vec<_> = pattern.components().collect();
    let split = components.iter().position(wild).unwrap_or(components.len());
    (
        components[..split].iter().collect(),
        components[split..].iter().collect(),
    )
}

/// `path` with `.` and `..` taken out by hand, made absolute against the working folder.
fn lexical(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn regular(meta: &Metadata) -> io::Result<()> {
    let t = meta.file_type();
    let kind = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        Kind::Folder
    } else if t.is_fifo() {
        Kind::Fifo
    } else if t.is_block_device() || t.is_char_device() {
        Kind::Device
    } else if t.is_socket() {
        Kind::Socket
    } else {
        Kind::Other
    };
    Err(Refusal::NotRegular(kind).into())
}

// `O_NONBLOCK | O_NOCTTY`, which std does not name (and libc is no direct dependency): an open
// must not wait for a FIFO's writer, nor make a terminal the daemon's controlling terminal.
#[cfg(all(
    target_os = "linux",
    not(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
))]
const OPEN_FLAGS: i32 = 0o4000 | 0o400;
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6"
    )
))]
const OPEN_FLAGS: i32 = 0o200 | 0o4000;
#[cfg(all(
    target_os = "linux",
    any(target_arch = "sparc", target_arch = "sparc64")
))]
const OPEN_FLAGS: i32 = 0x4000 | 0x8000;
#[cfg(target_vendor = "apple")]
const OPEN_FLAGS: i32 = 0x4 | 0x20000;
#[cfg(any(
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
const OPEN_FLAGS: i32 = 0x4 | 0x8000;
#[cfg(not(any(
    target_os = "linux",
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)))]
compile_error!("spendwatch needs the values of O_NONBLOCK and O_NOCTTY of this system");

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A temporary tree: `ledger/` (the source folder, with `in.csv`), `secret` beside it.
    fn tree() -> (tempfile::TempDir, Folders) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("ledger")).expect("mkdir");
        std::fs::write(dir.path().join("ledger/in.csv"), "日期,金额\n").expect("write");
        std::fs::write(dir.path().join("secret"), "password").expect("write");
        let resolved = dir.path().join("ledger").canonicalize().expect("canonical");
        let folders = Folders {
            written: vec![lexical(&dir.path().join("ledger"))],
            resolved: vec![resolved],
        };
        (dir, folders)
    }

    fn refusal<T: std::fmt::Debug>(result: io::Result<T>) -> Refusal {
        Refusal::of(&result.expect_err("refused")).expect("a refusal")
    }

    #[test]
    fn a_regular_file_inside_is_read() {
        let (dir, folders) = tree();
        let path = dir.path().join("ledger/in.csv");
        check(&path, Bounds::Inside(&folders)).expect("checked");
        open(&path, Bounds::Inside(&folders)).expect("opened");
        assert_eq!(
            key(&path, Bounds::Inside(&folders)),
            path.canonicalize().expect("canonical")
        );
    }

    #[test]
    fn a_link_inside_to_inside_is_read() {
        let (dir, folders) = tree();
        let link = dir.path().join("ledger/link.csv");
        std::os::unix::fs::symlink("in.csv", &link).expect("symlink");
        check(&link, Bounds::Inside(&folders)).expect("checked");
        open(&link, Bounds::Inside(&folders)).expect("opened");
        assert_eq!(
            key(&link, Bounds::Inside(&folders)),
            dir.path()
                .join("ledger/in.csv")
                .canonicalize()
                .expect("canonical")
        );
    }

    #[test]
    fn a_link_out_is_refused_and_known_by_its_own_name() {
        let (dir, folders) = tree();
        let link = dir.path().join("ledger/evil.csv");
        std::os::unix::fs::symlink(dir.path().join("secret"), &link).expect("symlink");
        for bounds in [Bounds::Inside(&folders), Bounds::ByHand(&folders)] {
            assert_eq!(refusal(check(&link, bounds)), Refusal::Outside);
            assert_eq!(refusal(open(&link, bounds)), Refusal::Outside);
            assert_eq!(key(&link, bounds), folders.resolved[0].join("evil.csv"));
        }
        // Reached through a link to the source folder, the link is known by the folder's
        // resolved path, as a regular file there would be.
        std::os::unix::fs::symlink(dir.path().join("ledger"), dir.path().join("alias"))
            .expect("symlink");
        let aliased = dir.path().join("alias/evil.csv");
        assert_eq!(
            key(&aliased, Bounds::Inside(&folders)),
            folders.resolved[0].join("evil.csv")
        );
        // Through `..` or a folder that is a link, the same.
        let dotted = dir.path().join("ledger/../ledger/evil.csv");
        assert_eq!(
            refusal(check(&dotted, Bounds::ByHand(&folders))),
            Refusal::Outside
        );
        std::os::unix::fs::symlink(dir.path(), dir.path().join("ledger/up")).expect("symlink");
        let through = dir.path().join("ledger/up/secret");
        assert_eq!(
            refusal(check(&through, Bounds::Inside(&folders))),
            Refusal::Outside
        );
        assert_eq!(
            refusal(check(&through, Bounds::ByHand(&folders))),
            Refusal::Outside
        );
        // Its key never names the folder it leads to.
        assert_eq!(key(&through, Bounds::Inside(&folders)), lexical(&through));
    }

    #[test]
    fn by_hand_any_regular_file_outside_the_folders_is_read() {
        let (dir, folders) = tree();
        let secret = dir.path().join("secret");
        check(&secret, Bounds::ByHand(&folders)).expect("checked");
        open(&secret, Bounds::ByHand(&folders)).expect("opened");
        // A link outside the folders, named by hand, too.
        let link = dir.path().join("latest.csv");
        std::os::unix::fs::symlink("ledger/in.csv", &link).expect("symlink");
        open(&link, Bounds::ByHand(&folders)).expect("opened");
        // Not by a configured source.
        assert_eq!(
            refusal(check(&secret, Bounds::Inside(&folders))),
            Refusal::Outside
        );
    }

    #[test]
    fn a_fifo_is_refused_without_waiting() {
        let (dir, folders) = tree();
        let fifo = dir.path().join("ledger/pipe.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        assert!(candidate(&fifo));
        let (done, waited) = std::sync::mpsc::channel();
        let path = fifo.clone();
        let folders2 = folders.clone();
        std::thread::spawn(move || {
            let refused = refusal(open(&path, Bounds::Inside(&folders2)));
            let _ = done.send(refused);
        });
        // No writer ever comes: a blocking open would never return.
        let refused = waited
            .recv_timeout(Duration::from_secs(20))
            .expect("the open of a FIFO returned");
        assert_eq!(refused, Refusal::NotRegular(Kind::Fifo));
        assert_eq!(
            refusal(check(&fifo, Bounds::Inside(&folders))),
            Refusal::NotRegular(Kind::Fifo)
        );
        assert_eq!(
            refusal(check(&fifo, Bounds::ByHand(&folders))),
            Refusal::NotRegular(Kind::Fifo)
        );
    }

    #[test]
    fn a_device_and_a_folder_are_refused() {
        let (dir, folders) = tree();
        let null = Path::new("/dev/null");
        assert_eq!(
            refusal(check(null, Bounds::ByHand(&folders))),
            Refusal::NotRegular(Kind::Device)
        );
        assert_eq!(
            refusal(open(null, Bounds::ByHand(&folders))),
            Refusal::NotRegular(Kind::Device)
        );
        assert_eq!(
            refusal(check(&dir.path().join("ledger"), Bounds::ByHand(&folders))),
            Refusal::NotRegular(Kind::Folder)
        );
        assert!(!candidate(&dir.path().join("ledger")));
    }

    #[test]
    fn a_dangling_link_is_no_candidate_and_missing() {
        let (dir, folders) = tree();
        let link = dir.path().join("ledger/gone.csv");
        std::os::unix::fs::symlink("nowhere.csv", &link).expect("symlink");
        assert!(!candidate(&link));
        let e = check(&link, Bounds::Inside(&folders)).expect_err("missing");
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn the_folders_of_patterns() {
        let (folder, rest) = folder_part(Path::new("/srv/ledger/2025/*.csv"));
        assert_eq!(folder, Path::new("/srv/ledger/2025"));
        assert_eq!(rest, Path::new("*.csv"));
        let (folder, rest) = folder_part(Path::new("/srv/ledger/C01.csv"));
        assert_eq!(folder, Path::new("/srv/ledger/C01.csv"));
        assert!(rest.as_os_str().is_empty());
        assert_eq!(lexical(Path::new("/a/./b/../c")), Path::new("/a/c"));
    }

    #[test]
    fn messages_name_the_file_and_what_to_do_never_the_target() {
        for refusal in [
            Refusal::Outside,
            Refusal::NotRegular(Kind::Fifo),
            Refusal::NotRegular(Kind::Device),
            Refusal::NotRegular(Kind::Socket),
            Refusal::NotRegular(Kind::Other),
            Refusal::NotRegular(Kind::Folder),
            Refusal::Replaced,
        ] {
            let message = refusal.message("ledger/x.csv");
            assert!(message.starts_with("ledger/x.csv: "), "{message}");
            assert!(message.contains("；请"), "{message}");
        }
    }
}
