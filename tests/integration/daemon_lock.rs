//! One daemon per database, with the real binary and the real SMTP server: a second
//! `spendwatch run` on a database a daemon holds exits 1 naming the first one's PID, without
//! touching the first one's send lease; the first goes on sending, and `status`, `check` and
//! `import` keep working beside it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::smtp::{Smtp, workdir};
use super::smtp_server::{FaultProxy, SmtpServer};
use super::util::{SAMPLE_DB, Workdir};

type OutboxRow = (i64, String, bool, String);

/// The outbox as (id, status, whether leased, message id without its angle brackets).
fn try_outbox(wd: &Workdir) -> rusqlite::Result<Vec<OutboxRow>> {
    let conn = rusqlite::Connection::open_with_flags(
        wd.join(SAMPLE_DB),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )?;
    let mut stmt = conn.prepare(
        "SELECT id, status, lease_until IS NOT NULL, trim(message_id, '<>') FROM outbox ORDER BY id",
    )?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect()
}

fn outbox(wd: &Workdir) -> Vec<OutboxRow> {
    try_outbox(wd).expect("read the outbox")
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start_daemon(wd: &Workdir) -> Child {
    wd.without_web();
    let log = std::fs::File::create(wd.join("daemon.log")).expect("daemon log");
    Command::new(env!("CARGO_BIN_EXE_spendwatch"))
        .args(["--config", "config.yaml", "run"])
        .current_dir(wd.path())
        .env_remove("SPENDWATCH_CONFIG")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start spendwatch run")
}

fn daemon_log(wd: &Workdir) -> String {
    std::fs::read_to_string(wd.join("daemon.log")).unwrap_or_default()
}

fn stop(mut child: Child, wd: &Workdir) -> Option<i32> {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("spendwatch run did not stop in 10 s\n{}", daemon_log(wd));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `spendwatch run` again; it must exit by itself within 10 s (killed otherwise, and
/// the exit code is then that of the signal: `None`).
fn second_daemon(wd: &Workdir) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spendwatch"))
        .args(["--config", "config.yaml", "run"])
        .current_dir(wd.path())
        .env_remove("SPENDWATCH_CONFIG")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the second spendwatch run");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("second daemon output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_second_daemon_is_refused_while_the_first_keeps_sending() {
    let server = SmtpServer::start();
    // Every chunk between the daemon and the server waits: one email takes seconds to send,
    // long enough to start a second daemon while the first holds the email's lease.
    let proxy = FaultProxy::start(server.starttls_port());
    proxy.set_mode("delay 300");
    let wd = workdir(
        &server,
        Smtp {
            port: proxy.port(),
            ..Smtp::starttls(&server)
        },
    );
    wd.edit_config(|doc| doc["email"]["smtp"]["timeout"] = "60s".into());

    let first = start_daemon(&wd);
    let pid = first.id();
    wait_for(
        "the first daemon claims an email",
        Duration::from_secs(30),
        || {
            // Before the daemon made its tables, there is no outbox to read.
            try_outbox(&wd).is_ok_and(|rows| {
                rows.iter()
                    .any(|(_, s, leased, _)| s == "pending" && *leased)
            })
        },
    );
    let in_flight = outbox(&wd)
        .into_iter()
        .find(|(_, s, leased, _)| s == "pending" && *leased)
        .expect("a leased email");

    let (code, stderr) = second_daemon(&wd);
    assert_eq!(code, Some(1), "{stderr}");
    for text in [
        format!("another spendwatch daemon (PID {pid}) is already running"),
        "spendwatch.db.lock".to_owned(),
    ] {
        assert!(stderr.contains(&text), "{stderr}");
    }
    assert!(
        !stderr.contains("released the leases"),
        "the refused daemon touched the leases:\n{stderr}"
    );
    // The email the first daemon is sending is still its own.
    let now = outbox(&wd);
    let same = now.iter().find(|r| r.0 == in_flight.0).expect("the row");
    assert_eq!(
        (same.1.as_str(), same.2),
        ("pending", true),
        "the lease of the email in flight was released:\n{now:?}"
    );
    assert!(
        server.messages().is_empty(),
        "the send finished too early for the test to mean anything"
    );
    assert_eq!(
        std::fs::read_to_string(wd.join("data/spendwatch.db.lock"))
            .expect("lock file")
            .trim(),
        pid.to_string()
    );

    // Beside the running daemon: status and check work; check sends nothing the daemon holds.
    wd.run(&["status", "--format", "json"]).ok();
    wd.run(&["check"]).ok();

    // The first daemon finishes its sending: every email delivered exactly once.
    wait_for("every email sent", Duration::from_secs(90), || {
        outbox(&wd).iter().all(|(_, s, _, _)| s == "sent")
    });
    let rows = outbox(&wd);
    let mut delivered: Vec<String> = server.messages().iter().map(|m| m.message_id()).collect();
    delivered.sort();
    let mut expected: Vec<String> = rows.iter().map(|r| r.3.clone()).collect();
    expected.sort();
    assert_eq!(delivered, expected, "each email delivered once");

    // An import beside it works too.
    wd.write_str("extra.csv", "日期,金额,摘要\n2025-08-01,100.00,办公用品\n");
    wd.run(&["import", "--fund", "network-governance", "extra.csv"])
        .ok();

    assert_eq!(stop(first, &wd), Some(0), "{}", daemon_log(&wd));
    let log = daemon_log(&wd);
    assert!(log.contains("check done"), "{log}");
    assert!(log.contains("next_check="), "{log}");
    // One line per source: what the daemon read.
    assert!(
        log.lines().any(|l| l.contains("ledger source read")
            && l.contains("网络综合治理-明细账.csv")
            && l.contains("outcome=\"imported\"")
            && l.contains("entries=38")),
        "{log}"
    );

    // Once it stopped, a new daemon starts (the lock file left behind does not block it).
    let again = start_daemon(&wd);
    wait_for("the new daemon checks", Duration::from_secs(30), || {
        daemon_log(&wd).contains("check done")
    });
    assert_eq!(stop(again, &wd), Some(0), "{}", daemon_log(&wd));
    assert!(Path::new(&wd.join("data/spendwatch.db.lock")).exists());
}
