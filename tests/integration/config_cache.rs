//! The config cache through the binary (README, "The config cache"): an edited config is read
//! again at once, the answer with a kept copy is the answer without one, and a place where no
//! copy can be kept changes nothing.

use std::path::PathBuf;

use crate::util::{NG, Workdir, fund_of};

const STATUS: &[&str] = &["status", "--as-of", "2025-07-15", "--format", "json"];

/// The copies kept in `$XDG_CACHE_HOME/spendwatch`.
fn copies(wd: &Workdir) -> Vec<PathBuf> {
    match std::fs::read_dir(wd.cache_home().join("spendwatch")) {
        Ok(dir) => dir.map(|e| e.expect("entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn an_edited_config_is_read_again_and_a_kept_copy_gives_the_same_answer() {
    let wd = Workdir::samples();
    assert!(copies(&wd).is_empty());
    let validated = wd.run(STATUS).ok().stdout.clone();
    assert_eq!(copies(&wd).len(), 1, "a copy kept by the first run");
    let from_copy = wd.run(STATUS).ok().stdout.clone();
    assert_eq!(from_copy, validated);
    let doc: serde_json::Value = serde_json::from_str(&from_copy).expect("JSON");
    assert_eq!(fund_of(&doc, NG)["budget"], "150000.00");

    // The office changes the budget: the next command sees it, and the copy is replaced.
    wd.edit_config(|doc| {
        doc["funds"][0]["budget"] = serde_yaml::Value::from("20.00万元");
    });
    let doc = wd.run(STATUS).ok().json();
    assert_eq!(fund_of(&doc, NG)["budget"], "200000.00");
    assert_eq!(copies(&wd).len(), 1, "one copy per config file");
    let doc = wd.run(STATUS).ok().json();
    assert_eq!(fund_of(&doc, NG)["budget"], "200000.00");

    // An invalid edit is refused as ever, whatever copy is kept.
    wd.edit_config(|doc| {
        doc["funds"][0]["budget"] = serde_yaml::Value::from("-1元");
    });
    wd.run(STATUS).expect_code(2).stderr_has("funds[0].budget");
}

#[test]
fn with_no_place_to_keep_a_copy_every_command_works_as_before() {
    let wd = Workdir::samples();
    let expected = wd.run(STATUS).ok().stdout.clone();
    // A file where the folder should be: not even root can make a folder under it.
    wd.write_str("not-a-folder", "x");
    let blocked = wd.join("not-a-folder");
    let blocked = blocked.to_str().expect("UTF-8 path");
    for _ in 0..2 {
        let out = wd.run_env(STATUS, &[("XDG_CACHE_HOME", blocked)]);
        assert_eq!(out.ok().stdout, expected);
    }
    wd.run_env(&["config", "check"], &[("XDG_CACHE_HOME", blocked)])
        .ok();
    assert_eq!(
        std::fs::read_to_string(wd.join("not-a-folder")).expect("file"),
        "x"
    );
}

#[test]
fn the_copy_goes_where_systemd_or_the_user_keeps_caches() {
    let wd = Workdir::samples();
    let home = wd.join("home");
    let units = format!(
        "{}:{}",
        wd.join("var-cache").display(),
        wd.join("second").display()
    );
    let home_str = home.to_str().expect("UTF-8 path");
    // systemd's CacheDirectory= first (the first folder when it lists several) …
    wd.run_env(STATUS, &[("CACHE_DIRECTORY", &units), ("HOME", home_str)])
        .ok();
    let kept = |dir: &str| {
        std::fs::read_dir(wd.join(dir))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    assert_eq!(kept("var-cache"), 1);
    assert_eq!(kept("second"), 0);
    // … then $XDG_CACHE_HOME (the test's own, see `copies`), then ~/.cache when it is empty or unset.
    wd.run_env(STATUS, &[("XDG_CACHE_HOME", ""), ("HOME", home_str)])
        .ok();
    assert_eq!(kept("home/.cache/spendwatch"), 1);
    assert!(copies(&wd).is_empty());
}
