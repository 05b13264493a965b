//! The validated config kept between runs, so that a command does not read and validate the
//! same `config.yaml` again (README, "The config cache").
//!
//! A validated [`Config`] is a function of the file's text, the path it was given as, the
//! folder its relative paths resolve against, and the program that validated it — nothing
//! else: validation reads no other file, no clock and no environment. So a copy is kept under
//! a key made of exactly these, and used only when every part of the key is the same. The
//! text is hashed whole (xxh3, 128 bits); the program is this executable's file as the kernel
//! sees it (device, inode, size, modification and change times), so a rebuilt or reinstalled
//! binary never reads a copy an older one wrote. A copy whose bytes do not hash to what its
//! first line says or that cannot be read back is not used, and neither is one that anyone
//! but this user could have written or put there (see [`safe_folder`]): the config is then
//! validated again, as without a cache, and no copy is kept in such a folder.
//!
//! The copy is serde's data in `postcard`'s compact binary form, days as numbers: with 1,000
//! funds (an 81 KB file) validating takes 74M instructions and reading the copy 2.6M (as
//! JSON it took 14.6M; BENCHMARKS.md, "The small case, again"); with the two funds of the
//! shipped config both are well under a millisecond.
//!
//! The copy is kept in `$CACHE_DIRECTORY` (systemd's `CacheDirectory=`), else
//! `$XDG_CACHE_HOME/spendwatch`, else `~/.cache/spendwatch`; one file per config path (as
//! given, with its folder), replaced whole (written aside, then renamed) when the config
//! changes. Nothing goes wrong when none of these can be written: the config is validated
//! each time.

use std::fs;
use std::io::{Read as _, Write as _};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use super::Config;

/// The first words of a copy's first line: raised whenever the first line or the copy's form
/// changes (2: postcard, was JSON).
const MAGIC: &str = "spendwatch-config-cache 2";

/// The files that define the types a copy holds (paths under `src/`), and their text hashed
/// at compile time: postcard's form names no fields, so a build whose stored types differ
/// must never read another's copy, even where /proc/self/exe does not tell the builds apart
/// (`ld.so spendwatch …`, valgrind). A test checks that every file deriving serde's traits
/// is listed.
macro_rules! layout_of {
    ($($file:literal),* $(,)?) => {
        (&[$($file),*], {
            let mut hash = 0u64;
            $(
                hash = xxhash_rust::const_xxh3::xxh3_64_with_seed(
                    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/", $file)),
                    hash,
                );
            )*
            hash
        })
    };
}

/// See [`layout_of`].
pub(super) const LAYOUT: (&[&str], u64) = layout_of!(
    "config/mod.rs",
    "config/cache.rs",
    "core/day.rs",
    "core/fund.rs",
    "core/indicator.rs",
    "core/level.rs",
    "core/money.rs",
    "ledger/header.rs",
    "zone.rs",
);

/// A copy larger than this is not one of ours (the largest config, 4 MiB of YAML, makes a few
/// times that).
const MAX_COPY_BYTES: u64 = 64 * 1024 * 1024;

/// The folder the copies are kept in, from the environment (see the module doc); `None` when
/// the environment names none.
pub(super) fn folder() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    // systemd may list several folders, separated by colons, when the unit names several.
    if let Some(listed) = std::env::var_os("CACHE_DIRECTORY") {
        let first = listed.as_bytes().split(|&b| b == b':').next();
        let dir = Path::new(std::ffi::OsStr::from_bytes(first.unwrap_or_default()));
        if dir.is_absolute() {
            return Some(dir.to_owned());
        }
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").and_then(absolute) {
        return Some(dir.join("spendwatch"));
    }
    std::env::var_os("HOME")
        .and_then(absolute)
        .map(|home| home.join(".cache").join("spendwatch"))
}

/// What a copy is kept under: its file's name, and the key its first line must carry.
#[derive(Debug)]
struct Key {
    /// `config-<16 hex digits>.bin`, one per (path, folder).
    name: String,
    /// The version, the program and the 128-bit hash of path, folder and text, as written on
    /// the copy's first line.
    line: String,
}

impl Key {
    /// The key of `text` read from `file` with relative paths resolved against `dir`, for
    /// this executable; `None` when the executable cannot be identified.
    fn of(text: &str, file: &Path, dir: &Path) -> Option<Key> {
        let exe = fs::metadata("/proc/self/exe").ok()?;
        let program = format!(
            "{}:{}:{}:{}.{}:{}.{}:{}:{:016x}",
            exe.dev(),
            exe.ino(),
            exe.size(),
            exe.mtime(),
            exe.mtime_nsec(),
            exe.ctime(),
            exe.ctime_nsec(),
            env!("CARGO_PKG_VERSION"),
            LAYOUT.1,
        );
        let mut place = Xxh3::new();
        place.update(file.as_os_str().as_encoded_bytes());
        place.update(&[0]);
        place.update(dir.as_os_str().as_encoded_bytes());
        let name = format!("config-{:016x}.bin", place.digest());
        place.update(&[0]);
        place.update(text.as_bytes());
        Some(Key {
            name,
            line: format!("{MAGIC} {program} {:032x}", place.digest128()),
        })
    }
}

/// The copy of the config validated from `text` (read from `file`, relative paths against
/// `dir`) kept in `folder`, when there is one under exactly that key, only this user could
/// have written it ([`safe_folder`]) and it reads back whole.
pub(super) fn get(folder: &Path, text: &str, file: &Path, dir: &Path) -> Option<Config> {
    let key = Key::of(text, file, dir)?;
    let folder = safe_folder(folder)?;
    let bytes = read_own(&folder.join(&key.name))?;
    let newline = memchr::memchr(b'\n', &bytes)?;
    let (first, payload) = (&bytes[..newline], &bytes[newline + 1..]);
    let (line, sum) = std::str::from_utf8(first).ok()?.rsplit_once(' ')?;
    if line != key.line || sum != format!("{:032x}", xxhash_rust::xxh3::xxh3_128(payload)) {
        return None;
    }
    // postcard's form names no fields: a copy of another layout (another build of the same
    // version under `ld.so` or valgrind, where /proc/self/exe is not this program) would
    // mostly fail to read, or leave bytes over, which is refused too.
    let (config, rest): (Config, &[u8]) = postcard::take_from_bytes(payload).ok()?;
    if !rest.is_empty() {
        return None;
    }
    (config.file == file).then_some(config)
}

/// Keeps `config`, validated from `text` (read from `file`, relative paths against `dir`), in
/// `folder`, creating the folder (mode 0700) if need be; not in a folder others could write
/// ([`safe_folder`]).
///
/// # Errors
///
/// The I/O error when the folder or the copy cannot be written, or the folder is not safe;
/// the caller goes on without.
pub(super) fn put(
    folder: &Path,
    text: &str,
    file: &Path,
    dir: &Path,
    config: &Config,
) -> std::io::Result<()> {
    let key = Key::of(text, file, dir)
        .ok_or_else(|| std::io::Error::other("this executable (/proc/self/exe) cannot be read"))?;
    let payload = postcard::to_stdvec(config).map_err(std::io::Error::other)?;
    let folder = made_safe_folder(folder)?;
    // Written aside and renamed, so that a reader sees the old copy or the new one, whole. A
    // file of that name left by a process of the same id that died is removed first; then
    // the file must be new (no symbolic link is followed).
    let aside = folder.join(format!(".{}.{}", key.name, std::process::id()));
    let _ = fs::remove_file(&aside);
    let written = (|| {
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&aside)?;
        let sum = xxhash_rust::xxh3::xxh3_128(&payload);
        out.write_all(format!("{} {sum:032x}\n", key.line).as_bytes())?;
        out.write_all(&payload)?;
        fs::rename(&aside, folder.join(&key.name))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&aside);
    }
    written
}

/// `folder` with its symbolic links resolved, when it is this user's and neither it nor any
/// folder above it may be written by anyone else: no one else can then have put a copy in it,
/// or a folder or link in its way. A folder above owned by root is fine, and so is one others
/// may write if root owns it with the sticky bit (`/tmp`: no one can rename or remove what is
/// not theirs in it). In the spirit of OpenSSH's `StrictModes` for `~/.ssh`, walked up to `/`.
fn safe_folder(folder: &Path) -> Option<PathBuf> {
    let real = folder.canonicalize().ok()?;
    let me = rustix::process::geteuid().as_raw();
    let own = fs::symlink_metadata(&real).ok()?;
    if own.uid() != me || own.mode() & 0o022 != 0 {
        return None;
    }
    for above in real.ancestors().skip(1) {
        let m = fs::symlink_metadata(above).ok()?;
        let owner = m.uid() == me || m.uid() == 0;
        let others_write = m.mode() & 0o022 != 0;
        let sticky_root = m.uid() == 0 && m.mode() & 0o1000 != 0;
        if !owner || (others_write && !sticky_root) {
            return None;
        }
    }
    Some(real)
}

/// [`safe_folder`] of `folder`, made first (mode 0700) when it is missing, but only inside a
/// folder of this user's that passes the same test: a command run as root with someone else's
/// `$HOME` makes no folder of root's in their home.
///
/// # Errors
///
/// When the folder or the one it would be made in is not safe, or it cannot be made.
fn made_safe_folder(folder: &Path) -> std::io::Result<PathBuf> {
    let unsafe_folder = |which: &Path| {
        std::io::Error::other(format!(
            "{} is not this user's, or it or a folder above it may be written by others",
            which.display()
        ))
    };
    if fs::symlink_metadata(folder).is_err() {
        let within = folder
            .ancestors()
            .skip(1)
            .find(|p| fs::symlink_metadata(p).is_ok())
            .ok_or_else(|| unsafe_folder(folder))?;
        safe_folder(within).ok_or_else(|| unsafe_folder(within))?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(folder)?;
    }
    safe_folder(folder).ok_or_else(|| unsafe_folder(folder))
}

/// The bytes of `path`, when it is a regular file (not a link, a FIFO or a device: opened
/// without following a link or waiting for a writer) of this user's, that no one else may
/// write, of at most [`MAX_COPY_BYTES`].
fn read_own(path: &Path) -> Option<Vec<u8>> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    let me = rustix::process::geteuid().as_raw();
    if !meta.is_file()
        || meta.uid() != me
        || meta.mode() & 0o022 != 0
        || meta.len() > MAX_COPY_BYTES
    {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    file.take(MAX_COPY_BYTES).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}
