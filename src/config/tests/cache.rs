//! The config cache: a copy read back is the config that was validated, and a copy under any
//! other key, damaged, or writable by others is not used.

use std::os::unix::fs::PermissionsExt as _;

use super::*;
use crate::config::cache as kept;

/// Every section a config can have, each away from its default: what a copy must carry.
fn every_section() -> String {
    format!(
        r#"timezone: Europe/Berlin
database: db/sw.db
schedule: "30 8 * * 1-5"
ledger:
  sources:
    - {{path: "exports/*.csv", series: ytd}}
    - {{path: /srv/ledger/invest.xlsx, fund: investment-promotion}}
  columns: {{amount: [发生额], memo: [摘要说明]}}
  subtotal_words: [小计数]
alerts:
  warn_days: 20
  repeat_interval: 3d
  notify_resolved: false
  stale_after: 10d
  time_basis: month
  escalate_after: 2d
  levels:
    preset: large-fund
    rules:
      - {{level: 橙, behind: time, points: 12.5, amount: 5万元, basis: 区财政局}}
      - {{level: 红色预警, rate_below: 60%, from: "09-30", min_budget: 1000万元, basis: 市财政局}}
email:
  from: "网信办 <sw@example.gov.cn>"
  to: [finance@example.gov.cn]
  admin: [admin@example.gov.cn]
  escalate: [leader@example.gov.cn]
  transport: smtp
  smtp: {{host: smtp.example.gov.cn, security: starttls, username: sw, password_file: secret, ca_file: /etc/ca.pem, timeout: 30s}}
department: {{name: 区委网信办, code: "244001"}}
digest: {{enabled: false, schedule: "0 8 2 * *", to: [leader@example.gov.cn]}}
web: {{listen: "0.0.0.0:8443", trusted_proxies: [10.1.2.3, "::1"], user_header: X-User}}
plan:
  - {{by: "04-30", share: 30%}}
  - {{by: "12-31", share: 100%}}
{FUNDS}
indicators:
  sources: [readings/*.csv]
  stale_after: 20d
"#
    )
}

/// A config file's texts to keep: the shipped one, the package's, and every section.
fn texts() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
    vec![
        ("config.yaml".into(), read("config.yaml")),
        ("pkg/config.yaml".into(), read("pkg/config.yaml")),
        ("every section".into(), every_section()),
    ]
}

fn file() -> &'static Path {
    Path::new("config.yaml")
}

fn dir() -> &'static Path {
    Path::new("/etc/spendwatch")
}

/// The copy's file in `folder` (there is one per config path and folder).
fn copy_in(folder: &Path) -> PathBuf {
    let mut found: Vec<_> = std::fs::read_dir(folder)
        .expect("folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.pop().expect("one")
}

#[test]
fn a_copy_reads_back_as_the_config_validated() {
    for (name, text) in texts() {
        let tmp = tempfile::tempdir().expect("tmp");
        let folder = tmp.path().join("spendwatch");
        let config = load_text(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(kept::get(&folder, &text, file(), dir()).is_none(), "{name}");
        kept::put(&folder, &text, file(), dir(), &config).expect("kept");
        let copy = kept::get(&folder, &text, file(), dir()).expect("read back");
        assert_eq!(copy, config, "{name}");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700, "{name}");
        assert_eq!(mode(&copy_in(&folder)), 0o600, "{name}");
    }
}

#[test]
fn a_copy_is_used_only_for_the_same_text_path_and_folder() {
    let tmp = tempfile::tempdir().expect("tmp");
    let folder = tmp.path();
    let text = every_section();
    let config = load_text(&text).expect("valid");
    kept::put(folder, &text, file(), dir(), &config).expect("kept");
    // One character of the text, the path as given, the folder paths resolve against.
    let edited = text.replacen("warn_days: 20", "warn_days: 21", 1);
    assert!(kept::get(folder, &edited, file(), dir()).is_none());
    assert!(kept::get(folder, &text, Path::new("./config.yaml"), dir()).is_none());
    assert!(kept::get(folder, &text, file(), Path::new("/etc/other")).is_none());
    assert!(kept::get(folder, &text, file(), dir()).is_some());
    // A new text replaces the copy of the same file rather than adding one.
    let config = load_text(&edited).expect("valid");
    kept::put(folder, &edited, file(), dir(), &config).expect("kept");
    copy_in(folder);
    assert!(kept::get(folder, &text, file(), dir()).is_none());
    let copy = kept::get(folder, &edited, file(), dir()).expect("the new copy");
    assert_eq!(copy.alerts.warn_days, 21);
}

#[test]
fn a_damaged_copy_is_not_used() {
    let tmp = tempfile::tempdir().expect("tmp");
    let folder = tmp.path();
    let text = every_section();
    let config = load_text(&text).expect("valid");
    kept::put(folder, &text, file(), dir(), &config).expect("kept");
    let path = copy_in(folder);
    let whole = std::fs::read(&path).expect("copy");
    // The copy of the same config with 30 days instead of 20: the one byte its payload
    // differs in is where `warn_days` is kept.
    let other = tempfile::tempdir().expect("tmp");
    let thirty = text.replacen("warn_days: 20", "warn_days: 30", 1);
    let config30 = load_text(&thirty).expect("valid");
    kept::put(other.path(), &thirty, file(), dir(), &config30).expect("kept");
    let whole30 = std::fs::read(copy_in(other.path())).expect("copy");
    let body = |b: &[u8]| b.iter().position(|&c| c == b'\n').expect("first line") + 1;
    let (start, start30) = (body(&whole), body(&whole30));
    assert_eq!(whole.len() - start, whole30.len() - start30);
    let differ: Vec<usize> = (0..whole.len() - start)
        .filter(|&i| whole[start + i] != whole30[start30 + i])
        .collect();
    assert_eq!(differ.len(), 1, "warn_days is one byte");
    let (at, thirty_byte) = (start + differ[0], whole30[start30 + differ[0]]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", whole[..whole.len() - 10].to_vec()),
        ("one byte changed", {
            let mut b = whole.clone();
            // Still a valid config, 30 days instead of 20: only the sum can tell.
            b[at] = thirty_byte;
            b
        }),
        (
            "no first line",
            whole[whole.iter().position(|&b| b == b'\n').expect("nl") + 1..].to_vec(),
        ),
        ("empty", Vec::new()),
        ("bytes left over, with their sum", {
            let line_end = whole.iter().position(|&b| b == b'\n').expect("nl");
            let line = std::str::from_utf8(&whole[..line_end]).expect("text");
            let (key, _) = line.rsplit_once(' ').expect("sum");
            let mut payload = whole[line_end + 1..].to_vec();
            payload.push(0);
            let sum = xxhash_rust::xxh3::xxh3_128(&payload);
            let mut b = format!("{key} {sum:032x}\n").into_bytes();
            b.extend_from_slice(&payload);
            b
        }),
        ("not ours", b"{\"file\": \"config.yaml\"}\n{}".to_vec()),
    ];
    for (what, bytes) in cases {
        std::fs::write(&path, &bytes).expect("write");
        assert!(kept::get(folder, &text, file(), dir()).is_none(), "{what}");
    }
    std::fs::write(&path, &whole).expect("write");
    assert!(
        kept::get(folder, &text, file(), dir()).is_some(),
        "restored"
    );
}

#[test]
fn a_copy_others_could_have_written_is_not_used() {
    let tmp = tempfile::tempdir().expect("tmp");
    let above = tmp.path().join("above");
    let folder = above.join("c");
    let text = every_section();
    let config = load_text(&text).expect("valid");
    kept::put(&folder, &text, file(), dir(), &config).expect("kept");
    let path = copy_in(&folder);
    let set = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    let other = text.replacen("warn_days: 20", "warn_days: 22", 1);
    let other_config = load_text(&other).expect("valid");
    for (what, p, mode) in [
        ("group-writable copy", &path, 0o620),
        ("world-writable copy", &path, 0o602),
        ("group-writable folder", &folder, 0o770),
        ("world-writable folder", &folder, 0o1777),
        // Anyone in the group could rename the folder aside and put one of their own.
        ("group-writable folder above", &above, 0o2770),
    ] {
        let before = std::fs::metadata(p).expect("meta").permissions().mode() & 0o7777;
        set(p, mode);
        assert!(kept::get(&folder, &text, file(), dir()).is_none(), "{what}");
        if p != &path {
            // And none is kept in such a folder.
            let put = kept::put(&folder, &other, file(), dir(), &other_config);
            assert!(put.is_err(), "{what}");
        }
        set(p, before);
    }
    assert!(kept::get(&folder, &text, file(), dir()).is_some());

    // A link in the copy's place, to a copy that would be right: not followed.
    let elsewhere = tmp.path().join("elsewhere.json");
    std::fs::rename(&path, &elsewhere).expect("move");
    std::os::unix::fs::symlink(&elsewhere, &path).expect("link");
    assert!(kept::get(&folder, &text, file(), dir()).is_none(), "a link");
    std::fs::remove_file(&path).expect("unlink");
    // A FIFO in its place: not opened for a writer that never comes (no hang).
    let made = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    assert!(kept::get(&folder, &text, file(), dir()).is_none(), "a FIFO");
    std::fs::remove_file(&path).expect("rm");
    std::fs::rename(&elsewhere, &path).expect("move back");
    assert!(kept::get(&folder, &text, file(), dir()).is_some());

    // Someone else's copy (only root can make one here).
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&path, Some(65534), None).expect("chown");
        assert!(
            kept::get(&folder, &text, file(), dir()).is_none(),
            "not ours"
        );
    }
}

#[test]
fn keeping_a_copy_follows_no_link_left_in_the_folder() {
    let tmp = tempfile::tempdir().expect("tmp");
    let folder = tmp.path().join("c");
    let text = every_section();
    let config = load_text(&text).expect("valid");
    kept::put(&folder, &text, file(), dir(), &config).expect("kept");
    let name = copy_in(&folder)
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    // A link where the copy is first written, to a file the link's maker wants overwritten.
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "mine").expect("victim");
    let aside = folder.join(format!(".{name}.{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &aside).expect("link");
    let edited = text.replacen("warn_days: 20", "warn_days: 23", 1);
    let config = load_text(&edited).expect("valid");
    kept::put(&folder, &edited, file(), dir(), &config).expect("kept");
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "mine");
    assert_eq!(
        kept::get(&folder, &edited, file(), dir()).map(|c| c.alerts.warn_days),
        Some(23)
    );
}

#[test]
fn no_folder_to_keep_a_copy_in_is_an_error_for_the_caller_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let not_a_folder = tmp.path().join("file");
    std::fs::write(&not_a_folder, "x").expect("write");
    let text = every_section();
    let config = load_text(&text).expect("valid");
    assert!(kept::put(&not_a_folder, &text, file(), dir(), &config).is_err());
    assert!(kept::get(&not_a_folder, &text, file(), dir()).is_none());
    // Nothing written aside is left behind either.
    assert_eq!(std::fs::read(&not_a_folder).expect("file"), b"x");
}

#[test]
fn no_cache_folder_is_made_where_others_could_have_made_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let text = every_section();
    let config = load_text(&text).expect("valid");
    let set = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    // A home the group may write (the service user's, /var/lib/spendwatch, is 2770).
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    set(&shared, 0o2770);
    let folder = shared.join(".cache").join("spendwatch");
    assert!(kept::put(&folder, &text, file(), dir(), &config).is_err());
    assert!(!shared.join(".cache").exists(), "nothing made there");
    // Someone else's home, for a command run as root with their $HOME.
    if rustix::process::geteuid().is_root() {
        let theirs = tmp.path().join("theirs");
        std::fs::create_dir(&theirs).expect("mkdir");
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).expect("chown");
        let folder = theirs.join(".cache").join("spendwatch");
        assert!(kept::put(&folder, &text, file(), dir(), &config).is_err());
        assert!(!theirs.join(".cache").exists(), "nothing made there");
    }
    // The user's own: made, 0700.
    let own = tmp.path().join("home").join(".cache").join("spendwatch");
    kept::put(&own, &text, file(), dir(), &config).expect("kept");
    assert!(kept::get(&own, &text, file(), dir()).is_some());
}

/// Every file that derives serde's `Deserialize` (or reads a field `with` a module of its own)
/// is among the files whose text keys a copy: a change of a stored type is then a new key.
#[test]
fn every_file_with_stored_types_keys_the_copy() {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                if text.contains("serde::Deserialize") || text.contains("#[serde(with") {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    walk(&src, &mut found);
    let listed: Vec<String> = kept::LAYOUT
        .0
        .iter()
        .map(|f| src.join(f).display().to_string())
        .collect();
    let missing: Vec<&String> = found
        .iter()
        .filter(|f| !listed.contains(f) && !f.contains("/tests/"))
        .collect();
    assert!(
        missing.is_empty(),
        "add to LAYOUT in config/cache.rs: {missing:?}"
    );
    assert!(found.len() >= 6, "{found:?}");
}
