//! The text of a config file: reading it (or saying why it cannot be read) and what YAML
//! refuses in it, each at its line.

use std::path::Path;

use super::super::load;
use super::super::text::{decode, io_reason};
use super::{FUNDS, load_text, problems};

#[test]
fn what_an_editor_or_input_method_puts_where_yaml_needs_ascii() {
    let base = format!("timezone: UTC\n{FUNDS}");
    let line_of = |needle: &str| base.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let budget = line_of("budget: 10.00万元");
    let cases = [
        (
            base.replacen("    budget: 10.00万元", "\tbudget: 10.00万元", 1),
            budget,
            "`budget:` is indented with a tab, which YAML does not allow: indent with spaces only",
        ),
        (
            base.replacen("    budget: 10.00万元", "  \t  budget: 10.00万元", 1),
            budget,
            "`budget:` is indented with a tab",
        ),
        (
            base.replacen(
                "    budget: 10.00万元",
                "\u{3000}\u{3000}budget: 10.00万元",
                1,
            ),
            budget,
            "`budget:` is indented with a full-width space (U+3000)",
        ),
        (
            base.replacen("budget: 10.00万元", "budget：10.00万元", 1),
            budget,
            "`budget：` has a full-width colon \"：\": write the ASCII colon and a space, `budget: `",
        ),
        (
            base.replacen("timezone: UTC", "timezone ： UTC", 1),
            1,
            "`timezone：` has a full-width colon",
        ),
        (
            // A typo and a full-width colon: the colon is still the cause to name.
            base.replacen("timezone: UTC", "timzone：UTC", 1),
            1,
            "`timzone：` has a full-width colon",
        ),
        (
            // Not a key of the config, and not ASCII: still a key, with a full-width colon.
            base.replacen("timezone: UTC", "时区： UTC", 1),
            1,
            "`时区：` has a full-width colon",
        ),
        (
            format!("plan:\n  - {{by： \"12-31\", share: 100%}}\n{FUNDS}"),
            2,
            "`by：` has a full-width colon",
        ),
        (
            base.replacen("timezone: UTC", "timezone:UTC", 1),
            1,
            "`timezone:` needs a space after the colon, or YAML reads the key and its value as \
             one text: write `timezone: …`",
        ),
        (
            base.replacen(
                "  - id: investment-promotion",
                "  — id: investment-promotion",
                1,
            ),
            line_of("id: investment-promotion"),
            "the list item starts with \"—\" (U+2014) instead of the ASCII hyphen: write `- `",
        ),
        (
            base.replacen(
                "  - id: investment-promotion",
                "  － id: investment-promotion",
                1,
            ),
            line_of("id: investment-promotion"),
            "the list item starts with \"－\" (U+FF0D)",
        ),
    ];
    for (text, line, fragment) in cases {
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with(&format!("{line}: : ")) && found[0].contains(fragment),
            "expected line {line}: …{fragment}… in {found:#?}"
        );
    }
    // A full-width colon in a value, or in a list item that is not a key, is text.
    let fine = FUNDS.replacen(
        "budget: 10.00万元",
        "budget: 10.00万元\n    aliases: [\"项目：招商\", 招商：引资]",
        1,
    );
    load_text(&fine).expect("full-width colons inside values");
    // A tab after the colon is separation, which YAML allows.
    load_text(&FUNDS.replacen("budget: 10.00万元", "budget:\t10.00万元", 1)).expect("tab");
}

#[test]
fn many_lines_of_one_kind_are_listed_then_counted() {
    let tabbed = FUNDS.replace("\n    ", "\n\t");
    let found = problems(&tabbed);
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(
        found[4].ends_with("(and 3 more lines like this one)"),
        "{found:#?}"
    );
}

#[test]
fn what_yaml_refuses_is_explained_at_its_cause() {
    let base = format!("timezone: UTC\n{FUNDS}");
    let line_of = |needle: &str| base.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let budget = line_of("budget: 10.00万元");
    let cases: Vec<(String, usize, &str)> = vec![
        (
            format!("schedule: */5 * * * *\n{FUNDS}"),
            1,
            "`schedule:` has a value starting with \"*\", which YAML reads as syntax (a reference \
             to an anchor): put the value in quotes, e.g. schedule: \"*/5 * * * *\"",
        ),
        (
            format!("email: {{to: [@finance]}}\n{FUNDS}"),
            1,
            "has a value starting with \"@\", which YAML reads as syntax: put the value in \
             quotes, e.g. \"@finance\"",
        ),
        (
            // The reader stops lines later, where the next quote is; the cause is line 1.
            format!("schedule: \"0 9 * * *\n{FUNDS}"),
            1,
            "`schedule:` opens a quote that is not closed on its line: end the value with \"",
        ),
        (
            format!("timezone: 'UTC\n{FUNDS}"),
            1,
            "`timezone:` opens a quote that is not closed on its line: end the value with '",
        ),
        (
            format!("timezone: ]\n{FUNDS}"),
            1,
            "`timezone:` has a value starting with \"]\", which YAML reads as syntax: put the \
             value in quotes, e.g. timezone: \"]\"",
        ),
        (
            base.replacen("budget: 10.00万元", "budget 10.00万元", 1),
            budget,
            "the line starting with `budget` has no colon: write `budget: …`",
        ),
        (
            base.replacen("    year: 2025", "    year 2025", 1),
            line_of("year: 2025"),
            "the line starting with `year` has no colon",
        ),
        (
            format!("ledger:\n  sources:\n    - \"C:\\data\\明细账.csv\"\n{FUNDS}"),
            3,
            "has a backslash in double quotes, where YAML reads it as the start of an escape",
        ),
        (
            format!("email:\n  to: - finance@localhost\n{FUNDS}"),
            2,
            "`to:` has a list item (`- `) after its colon on the same line",
        ),
        (
            format!("email: {{to: [a@b.cn, , c@d.cn]}}\n{FUNDS}"),
            1,
            "has an empty item in a [ ] list or { } section (two commas in a row?)",
        ),
        (
            format!("timezone: ,\n{FUNDS}"),
            1,
            "`timezone:` has a value starting with \",\"",
        ),
        (
            format!("ledger: {{sources: [{{path: a.csv, fund: x:}}]}}\n{FUNDS}"),
            1,
            "has a \":\" inside a value of a [ ] list or a { } section: put that value in quotes",
        ),
        (
            format!("%YAML 9.9\n---\n{FUNDS}"),
            1,
            "a line starting with % is a YAML directive",
        ),
        (
            format!("email:\n  from: \"财务科\" <a@b.cn>\n{FUNDS}"),
            2,
            "`from:` has text after the closing quote: put the whole value in quotes",
        ),
        (
            format!("email: {{to: [a@b.cn}}\n{FUNDS}"),
            1,
            "`email:` opens a list with \"[\" that is not closed with \"]\"",
        ),
        (
            format!("timezone: Asia: Shanghai\n{FUNDS}"),
            1,
            "the value of `timezone:` contains \": \", which YAML reads as another key: put the \
             value in quotes",
        ),
        (
            base.replacen("    year: 2025", "      year: 2025", 1),
            7,
            "`year:` is indented more than the line above it, which already has a value",
        ),
        (
            base.replacen("    year: 2025", "   year: 2025", 1),
            7,
            "`year:` does not line up with the lines above it",
        ),
        (
            format!("{base}---\ntimezone: UTC\n"),
            base.lines().count() + 1,
            "a second YAML document starts here",
        ),
        (
            format!("timezone: U\u{1}TC\n{FUNDS}"),
            1,
            "`timezone:` holds the invisible control character U+0001",
        ),
    ];
    for (text, line, fragment) in cases {
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with(&format!("{line}: ")) && found[0].contains(fragment),
            "expected line {line}: …{fragment}… in {found:#?}"
        );
    }
}

#[test]
fn a_key_given_twice_names_both_lines() {
    assert_eq!(
        problems(&format!("timezone: UTC\n{FUNDS}timezone: Asia/Shanghai\n")),
        ["14: timezone: given twice (first on line 1): keep one of them"]
    );
    assert_eq!(
        problems(&FUNDS.replacen("    year: 2025\n", "    year: 2025\n    year: 2024\n", 1)),
        ["7: funds[0].year: given twice (first on line 6): keep one of them"]
    );
}

#[test]
fn a_file_that_is_not_settings() {
    assert_eq!(
        problems(""),
        [
            ": the file is empty (or holds only comments): a config needs at least the `funds:` \
          list; start from the config.yaml shipped with spendwatch, which explains every key"
        ]
    );
    assert_eq!(problems("# all commented out\n\n").len(), 1);
    assert_eq!(
        problems("hello\n"),
        [
            ": the file holds \"hello\", not settings: a config is `key: value` lines starting at \
          the left margin (timezone:, ledger:, alerts:, email:, plan:, funds:)"
        ]
    );
}

#[test]
fn a_file_that_cannot_be_read_is_not_called_invalid() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nowhere.yaml");
    let e = load(&missing).expect_err("missing");
    assert_eq!(e.summary(), "the config file cannot be read");
    assert!(e.problems().is_empty());
    assert!(
        e.to_string()
            .contains("cannot read the config file: there is no such file"),
        "{e}"
    );
    let e = load(dir.path()).expect_err("a folder");
    assert!(e.to_string().contains("it is a folder, not a file"), "{e}");
    std::fs::write(dir.path().join("config.yaml"), FUNDS).expect("write");
    let e = load(dir.path()).expect_err("a folder with a config");
    assert!(
        e.to_string().ends_with(&format!(
            "give the file inside it, --config {}",
            dir.path().join("config.yaml").display()
        )),
        "{e}"
    );
    let denied = io_reason(
        Path::new("/etc/spendwatch/config.yaml"),
        &std::io::Error::from(std::io::ErrorKind::PermissionDenied),
    );
    assert!(
        denied.starts_with("permission denied: run spendwatch as a user that may read it"),
        "{denied}"
    );
}

#[test]
fn the_text_of_a_config_file() {
    // UTF-8 with or without a BOM, and UTF-16 with a BOM (YAML allows both).
    assert_eq!(decode("a: 1\n".as_bytes()).as_deref(), Ok("a: 1\n"));
    assert_eq!(decode("\u{FEFF}a: 1\n".as_bytes()).as_deref(), Ok("a: 1\n"));
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("名: 1\n".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(decode(&utf16).as_deref(), Ok("名: 1\n"));
    // GBK, as older Windows editors save Chinese: refused with the line and what to do.
    let (gbk, _, _) = encoding_rs::GBK.encode("timezone: UTC\nname: 招商引资\n");
    let e = decode(&gbk).expect_err("GBK");
    assert_eq!(
        e,
        "it is not UTF-8 text (line 2 has a byte that is not UTF-8); it looks like GBK \
         (GB18030) text, as older Windows editors save Chinese: save it as UTF-8 (in Notepad: \
         Save As, Encoding UTF-8) and try again"
    );
    assert!(
        decode(b"SQLite format 3\0\x10\0")
            .expect_err("database")
            .starts_with("it is a SQLite database")
    );
    assert!(
        decode(b"PK\x03\x04\x14\0")
            .expect_err("xlsx")
            .starts_with("it is a spreadsheet or another binary file")
    );
    assert!(
        decode(b"a: 1\0\0")
            .expect_err("binary")
            .starts_with("it holds NUL bytes")
    );
}
