//! The bad-input corpus of `tests/data/bad/` (made by `tests/data/bad/make.py`): each file is
//! imported with the real binary after a good file, must exit with status 2, name itself in
//! stderr and change nothing; the exit status and stderr of every file are pinned in one
//! snapshot, in file-name order.

use crate::util::{Workdir, repo};

const GOOD: &str = "date,amount,fund,voucher,memo
2025-03-01,10.00,network-governance,V1,ok
";

/// Runs of more than 40 equal characters (the long-line files echo their cell) are shown as
/// `<N × c>` so that the snapshot stays readable; everything else is verbatim.
fn squeeze(text: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        if j - i > 40 {
            out.push_str(&format!("<{} × {c}>", j - i));
        } else {
            out.extend(&chars[i..j]);
        }
        i = j;
    }
    out
}

/// Imports `name` (already in `wd`) after a good file; checks status 2, the file named in
/// stderr, and the entries unchanged; returns stderr with the workdir replaced by `[TMP]`.
fn reject(wd: &Workdir, name: &str) -> String {
    let before = wd.entries();
    assert_eq!(before.len(), 1, "the good file was not imported");
    let out = wd.run(&["import", name]);
    out.expect_code(2);
    assert!(
        out.stderr.contains(name),
        "stderr does not name {name}:\n{}",
        out.stderr
    );
    assert_eq!(wd.entries(), before, "{name} changed the database");
    let tmp = wd.path().display().to_string();
    out.stderr.replace(&tmp, "[TMP]")
}

fn workdir_with_good() -> Workdir {
    let wd = Workdir::new(&[]);
    wd.write_str("good.csv", GOOD);
    wd.run(&["import", "good.csv"]).ok();
    wd
}

#[test]
fn every_bad_file_is_rejected_by_name_and_changes_nothing() {
    let dir = repo().join("tests/data/bad");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("read tests/data/bad").file_name())
        .map(|n| n.into_string().expect("UTF-8 file names"))
        .filter(|n| n != "make.py")
        .collect();
    names.sort();
    assert!(names.len() >= 60, "only {} bad files", names.len());

    let mut report = String::new();
    for name in &names {
        let wd = workdir_with_good();
        wd.copy_in(&dir.join(name), name);
        let stderr = reject(&wd, name);
        report.push_str(&format!("### {name}\nexit: 2\n{}\n", squeeze(&stderr)));
    }
    insta::assert_snapshot!("bad_corpus", report);
}

/// A file of `size` bytes made at test time (not committed).
fn sized(wd: &Workdir, name: &str, size: u64) {
    let file = std::fs::File::create(wd.join(name)).expect("create");
    file.set_len(size).expect("set_len");
}

/// A 10-million-character cell is rejected with a message that quotes only its start.
#[test]
fn a_ten_million_character_cell_is_rejected_with_a_short_message() {
    let wd = workdir_with_good();
    let cell = "1".repeat(10_000_000);
    wd.write_str(
        "cell.csv",
        &format!("date,amount,fund\n2025-03-01,{cell},network-governance\n"),
    );
    let stderr = reject(&wd, "cell.csv");
    assert!(stderr.contains("cell.csv:2: "), "{}", squeeze(&stderr));
    assert!(stderr.len() < 10_000, "stderr is {} bytes", stderr.len());
}

/// A 2 GB sparse file of zero bytes is refused as binary data at its first byte, without
/// reading it into memory (it has no line end: read as text it would be one 2 GB line).
#[test]
fn a_two_gigabyte_sparse_file_is_rejected() {
    let wd = workdir_with_good();
    sized(&wd, "big.csv", 2 << 30);
    let stderr = reject(&wd, "big.csv");
    assert!(
        stderr.contains("big.csv: 文件的第 1 个字节是空字节（NUL）"),
        "{stderr}"
    );
}
