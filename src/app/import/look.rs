//! The first steps of reading a file, shared by the sync of the config's sources and by the
//! import of files by hand: its size and time, then one pass that hashes its bytes and
//! detects its encoding, each compared with the version in force, so that an unchanged file
//! is never read into the store again.

use std::io::Read;
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use super::SourceFile;
use super::guard::{self, Bounds, Refusal};
use super::read::{NewVersion, reusable_blocks};
use crate::config::Config;
use crate::core::Fund;
use crate::ledger::{Block, Detected, Sniffer};
use crate::store::{Fingerprint, SourceMeta, Store, StoreError};

/// What the first steps found about a file.
#[derive(Debug)]
pub(super) enum Look<'a> {
    /// It is not there.
    Missing(std::io::Error),
    /// It is there, and could not be read.
    Unreadable(std::io::Error),
    /// It leads out of the source folders or is not a regular file: not read at all.
    Refused {
        refusal: Refusal,
        /// What the refusal is kept under (`refused:fifo` and the settings).
        fingerprint: Fingerprint,
        /// This refusal is the rejection on record already (it was told).
        known: bool,
    },
    /// Its version is the one in force (its size and time are recorded anew if they changed).
    Unchanged,
    /// Another version than the one in force.
    Changed {
        version: NewVersion<'a>,
        /// The problems found when this very version was rejected before, if it was.
        rejected_before: Option<String>,
    },
}

/// Looks at `file` (`key`: its source's key; `display`: its path as shown; `bounds`: where it
/// may lead) and compares it with its source's record; returns the entries in force and what
/// it found. With `trust_size_and_time`, a file whose size, time and settings are those of
/// the version in force is taken as unchanged without reading it (the sync of configured
/// files; an import by hand always hashes).
///
/// # Errors
/// A database failure.
pub(super) fn look_at<'a>(
    store: &mut Store,
    config: &Config,
    file: &'a SourceFile,
    key: &'a str,
    display: &'a str,
    bounds: Bounds<'a>,
    trust_size_and_time: bool,
) -> Result<(i64, Look<'a>), StoreError> {
    let record = store.source(key)?;
    let in_force = record.as_ref().map_or(0, |r| r.entry_count);
    let settings = settings_hash(config, file.fund.as_deref());
    let meta = match stat(&file.path, bounds) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((in_force, Look::Missing(e)));
        }
        Err(e) => {
            let Some(refusal) = Refusal::of(&e) else {
                return Ok((in_force, Look::Unreadable(e)));
            };
            let fingerprint = refusal_fingerprint(refusal, settings);
            let known = record
                .as_ref()
                .and_then(|r| r.rejected.as_ref())
                .is_some_and(|(rejected, _)| *rejected == fingerprint);
            return Ok((
                in_force,
                Look::Refused {
                    refusal,
                    fingerprint,
                    known,
                },
            ));
        }
    };
    let accepted = record.as_ref().and_then(|r| r.accepted.as_ref());
    if trust_size_and_time
        && accepted.is_some_and(|f| f.settings == settings)
        && record.as_ref().and_then(|r| r.meta) == Some(meta)
    {
        return Ok((in_force, Look::Unchanged));
    }
    let previous = reusable_blocks(record.as_ref(), &settings);
    let (content, detected) = match examine(&file.path, bounds, &previous) {
        Ok(found) => found,
        Err(e) => return Ok((in_force, Look::Unreadable(e))),
    };
    let fingerprint = Fingerprint { content, settings };
    if accepted == Some(&fingerprint) {
        store.touch_source(key, meta)?;
        return Ok((in_force, Look::Unchanged));
    }
    let rejected_before = record
        .as_ref()
        .and_then(|r| r.rejected.as_ref())
        .filter(|(rejected, _)| rejected == &fingerprint)
        .map(|(_, report)| report.clone());
    let version = NewVersion {
        file,
        key,
        display,
        bounds,
        fingerprint,
        detected,
        previous,
        meta,
    };
    Ok((
        in_force,
        Look::Changed {
            version,
            rejected_before,
        },
    ))
}

/// One pass over the bytes: their hash, and what the file is (format, encoding). The sniffer
/// looks at each chunk on a second thread while this one hashes the next: it checks UTF-8 and
/// decodes GBK, several times the work of the hash, so the look takes about the sniffer's time
/// alone. In a GBK or UTF-16 file it passes over the bytes of `previous`, the blocks of the
/// version in force, where they come again ([`Sniffer::reusing`]).
fn examine(
    path: &Path,
    bounds: Bounds<'_>,
    previous: &[Block],
) -> std::io::Result<(String, Detected)> {
    const CHUNK: usize = 256 * 1024;
    let mut file = guard::open(path, bounds)?;
    let mut hasher = Xxh3::new();
    let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    let (recycle, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let sniffing = scope.spawn(move || {
            let mut sniffer = Sniffer::reusing(previous);
            for chunk in received {
                sniffer.feed(&chunk);
                let _ = recycle.send(chunk);
            }
            sniffer.finish()
        });
        let read = (|| loop {
            let mut buf = recycled.try_recv().unwrap_or_default();
            buf.resize(CHUNK, 0);
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            buf.truncate(n);
            hasher.update(&buf);
            if chunks.send(buf).is_err() {
                return Ok(());
            }
        })();
        // The end of the chunks: the sniffer finishes.
        drop(chunks);
        let detected = sniffing
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        read.map(|()| (format!("xxh3:{:032x}", hasher.digest128()), detected))
    })
}

/// A file's size and modification time, refusing (see [`guard::check`]) what is not a regular
/// file or leads out of `bounds`; the first, cheap look at a source (ledger or readings).
///
/// # Errors
/// The system's error, or a [`Refusal`] ([`Refusal::of`]).
pub(crate) fn stat(path: &Path, bounds: Bounds<'_>) -> std::io::Result<SourceMeta> {
    Ok(meta_of(&guard::check(path, bounds)?))
}

/// The size and modification time a source is recognised by, from its metadata.
pub(crate) fn meta_of(meta: &std::fs::Metadata) -> SourceMeta {
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    SourceMeta {
        size: i64::try_from(meta.len()).unwrap_or(i64::MAX),
        mtime_ns,
    }
}

/// What a refusal is kept under: no hash of bytes never read, but what was refused, so the same
/// refusal found again is not told again (the settings: a changed config tells it anew).
pub(crate) fn refusal_fingerprint(refusal: Refusal, settings: String) -> Fingerprint {
    Fingerprint {
        content: format!("refused:{}", refusal.key()),
        settings,
    }
}

/// The version of how the ledger reader turns bytes into entries; raised with every change
/// that can give other entries for the same file, or refuse a file the reader took before (the
/// first look passes over blocks on the word of the look that accepted them). 2: the field cases
/// of issue 10; 3: blocks passed over by the first look (issue 17), so that none accepted by
/// an older look is trusted.
const READER_VERSION: u32 = 3;

/// What decides, besides the bytes, how rows become entries: a new alias or fund changes the
/// result of the same file.
fn settings_hash(config: &Config, fund: Option<&str>) -> String {
    let mut hasher = Xxh3::new();
    // A reader that reads the same bytes differently (line numbers of CR-only files, hidden
    // sheets, direction columns) must read every file once again.
    hasher.update(format!("reader={READER_VERSION}\n").as_bytes());
    hash_funds(&mut hasher, &config.funds);
    hasher.update(b"fund");
    match fund {
        Some(fund) => {
            hasher.update(&[1]);
            hash_text(&mut hasher, fund);
        }
        None => hasher.update(&[0]),
    }
    let headers: Vec<_> = config.extra_headers.iter().collect();
    hasher.update(&(headers.len() as u64).to_le_bytes());
    for (role, name) in headers {
        hash_text(&mut hasher, role.key());
        hash_text(&mut hasher, name);
    }
    hasher.update(&(config.subtotal_words.len() as u64).to_le_bytes());
    for word in &config.subtotal_words {
        hash_text(&mut hasher, word);
    }
    format!("xxh3:{:032x}", hasher.digest128())
}

/// Feeds a text to a settings hash with its length first, so that no two lists of texts feed
/// the same bytes (what quoting them did, at a tenth of the cost: quoting looks at every
/// character, and the funds are hashed for every file a command looks at).
pub(crate) fn hash_text(hasher: &mut Xxh3, text: &str) {
    hasher.update(&(text.len() as u64).to_le_bytes());
    hasher.update(text.as_bytes());
}

/// Feeds what a reader takes from each fund (id, code, name, year, aliases) to a settings hash.
pub(crate) fn hash_funds(hasher: &mut Xxh3, funds: &[Fund]) {
    hasher.update(&(funds.len() as u64).to_le_bytes());
    for f in funds {
        hash_text(hasher, &f.id);
        hash_text(hasher, &f.code);
        hash_text(hasher, &f.name);
        hasher.update(&f.year.to_le_bytes());
        hasher.update(&(f.aliases.len() as u64).to_le_bytes());
        for alias in &f.aliases {
            hash_text(hasher, alias);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(funds: &str, ledger: &str) -> Config {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = format!(
            "timezone: Asia/Shanghai
database: spendwatch.db
ledger:
  sources:
    - {{path: ledger.csv}}
{ledger}email:
  to: [finance@localhost]
  admin: [admin@localhost]
  transport: file
  file: {{dir: outbox}}
funds:
{funds}"
        );
        crate::config::parse(&text, &dir.path().join("config.yaml"), dir.path())
            .expect("test config")
    }

    /// Whatever a reader takes from the config changes the settings hash (so every file is read
    /// again), and the same config gives the same hash; texts are told apart by their length,
    /// so moving a character from one to the next changes it too.
    #[test]
    fn the_settings_hash_follows_what_the_reader_takes_from_the_config() {
        let ng = "  - {id: ng, code: C1, name: 网络综合治理, year: 2025, budget: 15万元, aliases: [网络治理]}\n";
        let zs = "  - {id: zs, code: C2, name: 招商引资, year: 2025, budget: 10万元}\n";
        let hash = |funds: &str, ledger: &str, fund: Option<&str>| {
            settings_hash(&config(funds, ledger), fund)
        };
        let both = format!("{ng}{zs}");
        // `ng` with one text changed, then `zs`.
        let ng_with = |from: &str, to: &str| format!("{}{zs}", ng.replace(from, to));
        let base = hash(&both, "", None);
        assert_eq!(base, hash(&both, "", None));
        let changed = [
            hash(&both, "", Some("ng")),
            hash(&both, "", Some("zs")),
            hash(&format!("{zs}{ng}"), "", None),
            hash(ng, "", None),
            hash(&ng_with("C1", "C3"), "", None),
            hash(&ng_with("网络综合治理", "网络综合治"), "", None),
            hash(&ng_with("year: 2025", "year: 2026"), "", None),
            hash(&ng_with("[网络治理]", "[网络治理, 网信]"), "", None),
            hash(&ng_with(", aliases: [网络治理]", ""), "", None),
            hash(&both, "  subtotal_words: [小计合计]\n", None),
            hash(&both, "  subtotal_words: [小计, 合计]\n", None),
            hash(&both, "  columns: {memo: [用途]}\n", None),
        ];
        for (i, hash) in changed.iter().enumerate() {
            assert_ne!(hash, &base, "change {i}");
            for (j, other) in changed.iter().enumerate().skip(i + 1) {
                assert_ne!(hash, other, "changes {i} and {j}");
            }
        }
    }
}
