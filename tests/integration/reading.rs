//! The commands that show what the database holds (`status`, `alerts`, `outbox`, `sources`,
//! and `backup`, which copies it) never create a database or its folder: run before the service's
//! first start, or as root, that would leave a database the service cannot write. Run as a
//! user who may not read it, they say how to run them.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use super::util::{Output, SAMPLE_DB, Workdir, fund_of};

/// Every file and folder under the workdir, for "nothing was created".
fn tree(wd: &Workdir) -> Vec<String> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("list") {
            let path = e.expect("entry").path();
            out.push(
                path.strip_prefix(root)
                    .expect("under")
                    .display()
                    .to_string(),
            );
            if path.is_dir() {
                walk(&path, root, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(wd.path(), wd.path(), &mut out);
    out.sort();
    out
}

#[test]
fn before_the_first_check_nothing_is_created_and_status_reads_the_sources() {
    let wd = Workdir::samples();
    let before = tree(&wd);

    let status = wd.run(&["status", "--as-of", "2025-07-01", "--format", "json"]);
    status
        .ok()
        .stderr_has("数据库尚未创建")
        .stderr_has("未保存");
    // The figures come from the sample ledgers, read into memory.
    let doc = status.json();
    assert_eq!(fund_of(&doc, "network-governance")["spent"], "62398.50");
    assert_eq!(fund_of(&doc, "investment-promotion")["spent"], "53123.90");

    // `sources` lists what the exports hold now, read into memory too.
    wd.run(&["sources"])
        .ok()
        .stderr_has("数据库尚未创建")
        .stdout_has("网络综合治理-明细账.csv");

    let forget = ["sources", "--forget", "data/ledger/网络综合治理-明细账.csv"];
    for args in [
        &["alerts"][..],
        &["outbox"],
        &["backup", "copy.db"],
        &forget,
    ] {
        let out = wd.run(args);
        out.expect_code(1)
            .stderr_has("数据库尚未创建")
            .stderr_has("sudo systemctl start spendwatch");
    }
    assert_eq!(tree(&wd), before, "a reading command created something");

    // With no folder for the database either.
    wd.edit_config(|doc| doc["database"] = "state/sub/spendwatch.db".into());
    wd.run(&["status"]).ok().stderr_has("数据库尚未创建");
    wd.run(&["alerts"]).expect_code(1);
    assert!(!wd.exists("state"), "status created the database's folder");

    // Once the service (here: a check) has made it, they read it, without the notice.
    wd.edit_config(|doc| doc["database"] = SAMPLE_DB.into());
    wd.run(&["check", "--as-of", "2025-07-01"]).ok();
    let status = wd.run(&["status", "--as-of", "2025-07-01"]);
    status.ok();
    assert!(
        !status.stderr.contains("数据库尚未创建"),
        "{}",
        status.stderr
    );
    wd.run(&["alerts"]).ok().stdout_has("节点逾期");
    wd.run(&["outbox"]).ok().stdout_has("#1");
}

/// Runs the binary as a user who is neither the owner of the workdir's files nor in their
/// group: `nobody` when the tests run as root (root may read anything), else the current
/// user, for whom the test removes the permissions instead.
fn run_as_other_user(wd: &Workdir, args: &[&str]) -> Output {
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(env!("CARGO_BIN_EXE_spendwatch"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_spendwatch"))
    };
    let out = cmd
        .arg("--config")
        .arg(wd.join("config.yaml"))
        .args(args)
        .current_dir("/")
        .env_remove("SPENDWATCH_CONFIG")
        .env_remove("RUST_LOG")
        .env_remove("SUDO_USER")
        .env("USER", "officer")
        .output()
        .expect("run spendwatch as another user");
    Output {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// Sets `mode` on `rel`, as it keeps others out. Not root, the test's user is the owner, so
/// the owner's bits go too (`owner_mode`).
fn chmod(wd: &Workdir, rel: &str, mode: u32, owner_mode: u32) {
    let mode = if is_root() { mode } else { owner_mode };
    std::fs::set_permissions(wd.join(rel), std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn the_wrong_user_is_told_how_to_run_them() {
    let wd = Workdir::samples();
    wd.run(&["check", "--as-of", "2025-07-01"]).ok();
    // As the package sets it up: the config readable by the group only, the state folder
    // closed to others.
    chmod(&wd, ".", 0o755, 0o755);
    chmod(&wd, "config.yaml", 0o640, 0o000);
    let out = run_as_other_user(&wd, &["status"]);
    out.expect_code(1)
        .stderr_has("当前用户（officer）无权读取配置文件")
        .stderr_has("sudo -u spendwatch spendwatch")
        .stderr_has("sudo adduser officer spendwatch");

    chmod(&wd, "config.yaml", 0o644, 0o644);
    chmod(&wd, "data", 0o750, 0o000);
    let config = wd.join("config.yaml");
    for command in ["status", "alerts", "outbox", "sources"] {
        let out = run_as_other_user(&wd, &[command]);
        out.expect_code(1)
            .stderr_has("无权读写数据库")
            .stderr_has(&format!(
                "sudo -u spendwatch spendwatch --config {} {command}",
                config.display()
            ))
            .stderr_has("把您加入 spendwatch 组（sudo adduser officer spendwatch）");
        assert!(
            !out.stderr.contains("数据库尚未创建"),
            "a database it cannot see is not a missing one:\n{}",
            out.stderr
        );
    }
    // The database readable but not writable (its folder open): the same advice.
    chmod(&wd, "data", 0o755, 0o755);
    chmod(&wd, SAMPLE_DB, 0o644, 0o444);
    run_as_other_user(&wd, &["status"])
        .expect_code(1)
        .stderr_has("无权读写数据库");
    // Back to the owner's, so that the workdir can be removed.
    chmod(&wd, SAMPLE_DB, 0o644, 0o644);
}

#[test]
fn the_database_the_service_creates_is_its_groups_too() {
    use std::os::unix::fs::MetadataExt;
    let wd = Workdir::samples();
    // The service runs with UMask=0007; SQLite alone would create the file 0640.
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 0007 && exec \"$0\" --config config.yaml check --as-of 2025-07-01")
        .arg(env!("CARGO_BIN_EXE_spendwatch"))
        .current_dir(wd.path())
        .env_remove("SPENDWATCH_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run check");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = std::fs::metadata(wd.join(SAMPLE_DB)).expect("db").mode() & 0o7777;
    assert_eq!(mode, 0o660, "database mode {mode:o}");
}

/// `config check` says when the next three checks are, and warns of a schedule that checks
/// more than once a day (a sixth field that made an hourly line of a daily one).
#[test]
fn config_check_shows_the_next_checks_and_warns_of_a_busy_schedule() {
    let wd = Workdir::new(&[]);
    let out = wd.run(&["config", "check"]);
    out.ok().stdout_has("# next checks (Asia/Shanghai): ");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("# next checks"))
        .expect("next checks");
    assert_eq!(line.matches(" 09:00 (").count(), 3, "{line}");
    assert!(
        !out.stderr.contains("more than once a day"),
        "{}",
        out.stderr
    );

    wd.edit_config(|doc| {
        doc["schedule"] = "0 9 * * * *".into();
    });
    wd.run(&["config", "check"])
        .ok()
        .stderr_has("checks more than once a day");
}

/// `spendwatch status | head -1` and the like: when the reader has gone, the command stops
/// quietly with status 0 instead of panicking on the broken pipe. The pipe's read end is closed
/// before the command starts, so its first write fails, every time.
#[test]
fn a_closed_pipe_stops_the_output_quietly() {
    let wd = Workdir::samples();
    wd.run(&["check", "--as-of", "2025-07-15"]).ok();
    for args in [
        &["status", "--as-of", "2025-07-15"][..],
        &["status", "--as-of", "2025-07-15", "--format", "json"],
        &["alerts"],
        &["sources"],
        &["explain", "--list"],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_spendwatch"))
            .args(args)
            .current_dir(wd.path())
            .stdout(writer)
            .output()
            .expect("run spendwatch");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
