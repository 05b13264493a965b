//! `spendwatch digest` through the binary: the text of the sample data's July digest, once per
//! period (and `--force`, `--dry-run`), the digests of the whole sample year, and the daemon
//! killed with -9 while the digest is being sent.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::MimeHeaders;

use crate::util::Workdir;

const DB: &str = "data/spendwatch.db";

fn digests(wd: &Workdir) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(wd.join(DB)).expect("open database");
    let mut stmt = conn
        .prepare("SELECT period, subject FROM digests ORDER BY period")
        .expect("query digests");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("read digests")
        .collect::<Result<_, _>>()
        .expect("read digests")
}

fn digest_mails(wd: &Workdir) -> Vec<String> {
    wd.outbox(DB)
        .into_iter()
        .map(|r| r.subject)
        .filter(|s| s.starts_with("【月度通报】"))
        .collect()
}

#[test]
fn the_july_digest_of_the_samples() {
    let wd = Workdir::samples();
    let out = wd.run(&["digest", "--as-of", "2025-08-01", "--dry-run"]);
    let out = out.ok();
    insta::assert_snapshot!("digest_2025_07", out.stdout);
}

#[test]
fn one_digest_per_period_unless_forced_and_a_dry_run_changes_nothing() {
    let wd = Workdir::samples();
    // A dry run keeps nothing: no database rows, no email.
    let dry = wd.run(&["digest", "--as-of", "2025-08-17", "--dry-run"]);
    dry.ok()
        .stdout_has("Subject: 【月度通报】2025年7月 支出进度：2个项目，1个落后于序时")
        .stdout_has("digest 2025-07: dry run — nothing was changed or sent");
    assert!(digests(&wd).is_empty());
    assert!(wd.outbox(DB).is_empty());

    // Mid-month by hand: the month before, queued and delivered by the file transport.
    wd.run(&["digest", "--as-of", "2025-08-17"])
        .ok()
        .stdout_has("digest 2025-07: queued (outbox #1); delivered 1");
    assert_eq!(
        digests(&wd),
        [(
            "2025-07".to_owned(),
            "【月度通报】2025年7月 支出进度：2个项目，1个落后于序时".to_owned()
        )]
    );
    // Again on the 1st (the daemon's day): refused with exit 0, nothing queued.
    wd.run(&["digest", "--as-of", "2025-08-01"])
        .ok()
        .stdout_has(
            "digest 2025-07: already sent on 2025-08-17 (outbox #1): not sent again; give --force",
        );
    assert_eq!(digest_mails(&wd).len(), 1);
    // A dry run says a real one would be refused.
    wd.run(&["digest", "--as-of", "2025-08-01", "--dry-run"])
        .ok()
        .stdout_has("so without --force it would not be sent again");
    // Forced: a second email of the same period, and still one row for it.
    wd.run(&["digest", "--as-of", "2025-08-01", "--force"])
        .ok()
        .stdout_has("digest 2025-07: queued (outbox #2)");
    assert_eq!(digest_mails(&wd).len(), 2);
    assert_eq!(digests(&wd).len(), 1);
    let eml = std::fs::read_dir(wd.join("data/outbox"))
        .expect("outbox folder")
        .count();
    assert_eq!(eml, 2);
}

#[test]
fn without_recipients_the_digest_is_refused_with_exit_2() {
    let wd = Workdir::samples();
    wd.edit_config(|doc| {
        doc["email"]["to"] = serde_yaml::Value::Sequence(vec![]);
    });
    wd.run(&["digest", "--as-of", "2025-08-01"])
        .expect_code(2)
        .stderr_has("the monthly digest has no recipients");
}

/// The season replay's digests: every month of the sample year, made on the 1st of the next.
#[test]
fn the_digests_of_the_sample_year() {
    let wd = Workdir::samples();
    let expected = [
        ("2025-02-01", "2025年1月 支出进度：2个项目，1个落后于序时"),
        ("2025-03-01", "2025年2月 支出进度：2个项目，1个落后于序时"),
        ("2025-04-01", "2025年3月 支出进度：2个项目，全部正常"),
        ("2025-05-01", "2025年4月 支出进度：2个项目，1个落后于序时"),
        ("2025-06-01", "2025年5月 支出进度：2个项目，1个落后于序时"),
        ("2025-07-01", "2025年6月 支出进度：2个项目，1个落后于序时"),
        ("2025-08-01", "2025年7月 支出进度：2个项目，1个落后于序时"),
        ("2025-09-01", "2025年8月 支出进度：2个项目，1个落后于序时"),
        ("2025-10-01", "2025年9月 支出进度：2个项目，2个落后于序时"),
        ("2025-11-01", "2025年10月 支出进度：2个项目，2个落后于序时"),
        ("2025-12-01", "2025年11月 支出进度：2个项目，2个落后于序时"),
        ("2026-01-01", "2025年12月 支出进度：2个项目，1个落后于序时"),
    ];
    for (day, _) in &expected {
        wd.run(&["digest", "--as-of", day]).ok();
    }
    let subjects: Vec<String> = digest_mails(&wd);
    let wanted: Vec<String> = expected
        .iter()
        .map(|(_, s)| format!("【月度通报】{s}"))
        .collect();
    assert_eq!(subjects, wanted);
    // Each period once, keyed by its month, made on its day.
    let periods: Vec<String> = digests(&wd).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        periods,
        [
            "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08",
            "2025-09", "2025-10", "2025-11", "2025-12"
        ]
    );
    let days: Vec<String> = wd.outbox(DB).into_iter().map(|r| r.check_day).collect();
    let made_on: Vec<&str> = expected.iter().map(|(d, _)| *d).collect();
    assert_eq!(days, made_on);
}

const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// `spendwatch run` on 2025-08-01 10:00 (Shanghai) by libfaketime.
fn daemon(wd: &Workdir, at: &str) -> std::process::Child {
    assert!(
        Path::new(FAKETIME).exists(),
        "needs libfaketime: apt-get install faketime"
    );
    wd.without_web();
    Command::new(env!("CARGO_BIN_EXE_spendwatch"))
        .args(["--config", "config.yaml", "run"])
        .current_dir(wd.path())
        .env("LD_PRELOAD", FAKETIME)
        .env("FAKETIME", format!("@{at}"))
        .env("TZ", "Asia/Shanghai")
        .env_remove("SPENDWATCH_CONFIG")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start spendwatch run")
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn outbox_status(wd: &Workdir) -> Vec<(String, String)> {
    if !wd.join(DB).exists() {
        return Vec::new();
    }
    wd.outbox(DB)
        .into_iter()
        .filter(|r| r.subject.starts_with("【月度通报】"))
        .map(|r| (r.subject, r.status))
        .collect()
}

/// kill -9 while the digest is being sent: its period row and its email were written in one
/// transaction before the send, so after the restart the same email is delivered and no
/// second digest is composed.
#[test]
fn a_kill_9_during_the_digest_send_sends_it_after_the_restart_never_composed_twice() {
    let wd = Workdir::samples();
    // A sendmail that hangs on the digest (its recipient) and takes every other email.
    wd.write_str(
        "hang.sh",
        "#!/bin/sh\ncat >/dev/null\ncase \"$*\" in *chief@localhost*) touch sending-digest; sleep 20;; esac\nexit 0\n",
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(wd.join("hang.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }
    wd.edit_config(|doc| {
        doc["email"]["transport"] = "sendmail".into();
        doc["email"]["sendmail"] = serde_yaml::from_str("{command: ./hang.sh}").expect("yaml");
        doc["digest"] = serde_yaml::from_str("{to: [chief@localhost]}").expect("yaml");
    });
    // The 1st, an hour after the digest's fire time: the daemon starts, checks, then makes
    // July's digest (missed at 09:00) and hangs sending it.
    let mut first = daemon(&wd, "2025-08-01 10:00:00");
    wait_for("the digest's send", || wd.exists("sending-digest"));
    first.kill().expect("kill -9");
    first.wait().expect("reap");
    let july = "【月度通报】2025年7月 支出进度：2个项目，1个落后于序时".to_owned();
    assert_eq!(outbox_status(&wd), [(july.clone(), "pending".to_owned())]);
    assert_eq!(digests(&wd).len(), 1);

    // Restarted with a working transport: the same email goes, no digest is composed again.
    std::fs::remove_file(wd.join("sending-digest")).expect("marker");
    wd.edit_config(|doc| {
        doc["email"]["transport"] = "file".into();
    });
    let mut second = daemon(&wd, "2025-08-01 10:05:00");
    wait_for("the digest delivered", || {
        outbox_status(&wd) == [(july.clone(), "sent".to_owned())]
    });
    let _ = Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status();
    second.wait().expect("stop");
    assert_eq!(outbox_status(&wd), [(july, "sent".to_owned())]);
    assert_eq!(digests(&wd).len(), 1);
    let files: Vec<String> = std::fs::read_dir(wd.join("data/outbox"))
        .expect("outbox folder")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).unwrap_or_default())
        .filter(|eml| eml.contains("chief@localhost"))
        .collect();
    assert_eq!(files.len(), 1, "one digest delivered");
    assert!(!wd.exists("sending-digest"));
}

/// Every part of the digest email in the outbox folder `dir`: (HTML, plain text, images as
/// (Content-ID, bytes)).
fn digest_parts(dir: &Path) -> (String, String, Vec<(String, Vec<u8>)>, u64) {
    let files: Vec<_> = std::fs::read_dir(dir)
        .expect("the outbox folder")
        .map(|f| f.expect("a file").path())
        .collect();
    let digest = files
        .iter()
        .find(|p| {
            let raw = std::fs::read(p).expect("read .eml");
            let msg = mail_parser::MessageParser::default()
                .parse(&raw)
                .expect("a message");
            msg.subject().is_some_and(|s| s.starts_with("【月度通报】"))
        })
        .expect("a digest email");
    let raw = std::fs::read(digest).expect("read .eml");
    let msg = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("a message");
    let html = msg.body_html(0).expect("an HTML part").into_owned();
    let text = msg.body_text(0).expect("a text part").into_owned();
    let images = msg
        .parts
        .iter()
        .filter(|p| p.content_type().is_some_and(|c| c.ctype() == "image"))
        .map(|p| {
            (
                p.content_id().expect("a Content-ID").to_owned(),
                p.contents().to_vec(),
            )
        })
        .collect();
    (html, text, images, raw.len() as u64)
}

#[test]
fn the_digest_email_carries_a_chart_per_fund_inline() {
    let wd = Workdir::samples();
    wd.run(&["digest", "--as-of", "2025-08-01"]).ok();
    let (html, text, images, size) = digest_parts(&wd.join("data/outbox"));
    let cids: Vec<&str> = images.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        cids,
        [
            "fund-network-governance@spendwatch",
            "fund-investment-promotion@spendwatch"
        ]
    );
    for (cid, png) in &images {
        assert!(
            html.contains(&format!("src=\"cid:{cid}\"")),
            "{cid} not shown"
        );
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{cid} is not a PNG");
    }
    // The words of the lines are beside the image, and the plain text needs none.
    assert!(html.contains("图例：蓝线为累计支出"));
    assert!(!text.contains("cid:") && !text.contains("图例"));
    assert!(size < 2 * 1024 * 1024, "{size} bytes");
}

#[test]
fn with_many_funds_an_overview_and_the_laggards_charts_only() {
    let wd = Workdir::empty();
    let mut funds = String::new();
    let mut ledger = String::from("日期,项目,金额\n");
    // Eight funds of 100,000 元: f1 spent 10%, f2 20% … f8 80% by the end of July (序时 58%).
    for i in 1..=8 {
        funds.push_str(&format!(
            "  - {{id: f{i}, code: \"C{i}\", name: 项目{i}, year: 2025, budget: 10万元}}\n"
        ));
        ledger.push_str(&format!("2025-03-15,f{i},{}.00\n", i * 5_000));
        ledger.push_str(&format!("2025-07-15,f{i},{}.00\n", i * 5_000));
    }
    wd.write_str("ledger.csv", &ledger);
    wd.write_str(
        "config.yaml",
        &format!(
            "timezone: Asia/Shanghai\ndatabase: db/spendwatch.db\nledger:\n  sources: [ledger.csv]\n\
             email:\n  to: [finance@localhost]\n  transport: file\n  file: {{dir: outbox}}\nfunds:\n{funds}"
        ),
    );
    wd.run(&["digest", "--as-of", "2025-08-01"]).ok();
    let (html, _, images, _) = digest_parts(&wd.join("outbox"));
    let cids: Vec<&str> = images.iter().map(|(c, _)| c.as_str()).collect();
    // The overview, then the five furthest behind 序时, furthest first (f6 at 60% is ahead).
    assert_eq!(
        cids,
        [
            "overview@spendwatch",
            "fund-f1@spendwatch",
            "fund-f2@spendwatch",
            "fund-f3@spendwatch",
            "fund-f4@spendwatch",
            "fund-f5@spendwatch"
        ]
    );
    assert!(html.contains("图例：各项目（按项目编号）执行率的横条"));
}
