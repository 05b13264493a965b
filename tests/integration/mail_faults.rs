//! Mail-server faults beyond those of `smtp.rs`: a server that accepts and then stalls at
//! several points of the session (through `tests/smtp/faultproxy.py`), for a one-off check
//! and for the daemon, whose schedule must go on while a send hangs; and a 4xx answer at each
//! stage of the session. Each ends in the documented state, shown by `spendwatch outbox`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::smtp::{
    JUNE_MISSED, Smtp, assert_june_missed, assert_outbox_line, outbox_error, use_smtp, workdir,
};
use super::smtp_server::{FaultProxy, SmtpServer};
use super::util::Workdir;

/// The per-message limit the stall tests configure (`email.smtp.timeout`).
const SEND_TIMEOUT: &str = "2s";

/// The samples sending through `proxy` to `server`, with a short send timeout.
fn through_proxy(server: &SmtpServer, proxy: &FaultProxy) -> Workdir {
    let wd = Workdir::samples();
    use_smtp(
        &wd,
        server,
        Smtp {
            port: proxy.port(),
            ..Smtp::starttls(server)
        },
    );
    wd.edit_config(|doc| doc["email"]["smtp"]["timeout"] = SEND_TIMEOUT.into());
    wd
}

/// A first check on 2025-07-01 queues the June alert, which cannot go now: it waits in the
/// outbox, nothing reached the server, and the error `outbox` shows for it is returned.
fn the_email_waits(wd: &Workdir, server: &SmtpServer) -> String {
    wd.run(&["check", "--as-of", "2025-07-01"])
        .ok()
        .stdout_has("1 emails queued; delivered 0, retrying later 1, failed 0");
    let outbox = wd.run(&["outbox"]);
    outbox.ok();
    assert_outbox_line(&outbox, 1, "待发送", JUNE_MISSED);
    assert!(
        server.messages().is_empty(),
        "server log:\n{}",
        server.log()
    );
    outbox_error(&outbox, 1)
}

/// Once the server answers again, `outbox --retry` delivers that email, once.
fn the_retry_delivers_it_once(wd: &Workdir, server: &SmtpServer, case: &str) {
    wd.run(&["outbox", "--retry"])
        .ok()
        .stdout_has("delivered 1, retrying later 0, failed 0");
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "{case}: server log:\n{}", server.log());
    assert_june_missed(&messages[0]);
}

#[test]
fn a_server_that_stalls_mid_session_times_out_and_the_email_waits() {
    // 0: accepted, then silence; 10: inside the greeting; 1500: inside the TLS handshake.
    for stall_after in [0, 10, 1500] {
        let server = SmtpServer::start();
        let proxy = FaultProxy::start(server.starttls_port());
        proxy.set_mode(&format!("stall {stall_after}"));
        let wd = through_proxy(&server, &proxy);

        let error = the_email_waits(&wd, &server);
        assert!(
            error.contains("no answer") && error.contains(SEND_TIMEOUT),
            "stall after {stall_after} bytes: the error does not say the send timed out: {error}"
        );

        proxy.set_mode("pass");
        the_retry_delivers_it_once(&wd, &server, &format!("stall after {stall_after} bytes"));
    }
}

#[test]
fn a_4xx_at_each_stage_keeps_the_email_pending_until_the_server_recovers() {
    for (stage, code, text) in [
        ("AUTH", "454", "4.7.0 Temporary authentication failure"),
        (
            "MAIL",
            "451",
            "4.3.0 Mail server temporarily rejected message",
        ),
        ("RCPT", "450", "4.2.1 mailbox busy, try again later"),
        ("DATA", "451", "4.3.0 Try again later"),
        // 421 is about the server, not the email: the others due would wait with it.
        ("MAIL", "421", "4.7.0 Too many connections, try later"),
    ] {
        let server = SmtpServer::start();
        server.set_fail(&format!("{stage} {code} {text}"));
        let wd = workdir(&server, Smtp::starttls(&server));

        let error = the_email_waits(&wd, &server);
        assert!(
            error.contains(code) && error.contains(text),
            "{stage} {code}: the server's answer is not shown: {error}"
        );

        server.clear_fail();
        the_retry_delivers_it_once(&wd, &server, &format!("{stage} {code}"));
    }
}

/// `spendwatch run` in `wd`, its log (plain lines) in `daemon.log`.
fn start_daemon(wd: &Workdir) -> Child {
    wd.without_web();
    let log = std::fs::File::create(wd.join("daemon.log")).expect("daemon.log");
    Command::new(env!("CARGO_BIN_EXE_spendwatch"))
        .args(["--config", "config.yaml", "run"])
        .current_dir(wd.path())
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM")
        .env_remove("SPENDWATCH_CONFIG")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start spendwatch run")
}

fn daemon_log(wd: &Workdir) -> String {
    std::fs::read_to_string(wd.join("daemon.log")).unwrap_or_default()
}

/// Waits (up to a minute) until the daemon's log has `count` lines containing `what`.
fn wait_for_lines(wd: &Workdir, what: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while daemon_log(wd).matches(what).count() < count {
        assert!(
            Instant::now() < deadline,
            "no {count} lines with {what:?} in the daemon's log:\n{}",
            daemon_log(wd)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM, then the exit status.
fn terminate(mut child: Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("spendwatch run did not stop within 30 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_stalled_send_does_not_block_the_schedule() {
    let server = SmtpServer::start();
    let proxy = FaultProxy::start(server.starttls_port());
    proxy.set_mode("stall 0");
    let wd = through_proxy(&server, &proxy);
    // A check every two seconds; a send may hang for a minute before it gives up.
    wd.edit_config(|doc| {
        doc["schedule"] = "*/2 * * * * *".into();
        doc["email"]["smtp"]["timeout"] = "60s".into();
    });

    // Today the samples' year is closed: the first check queues the year-end notice.
    let daemon = start_daemon(&wd);
    wait_for_lines(&wd, "check done", 1);
    let first = daemon_log(&wd);
    assert!(
        first.contains("emails=1"),
        "the first check queued no email:\n{first}"
    );
    // The sender is now stuck in that send, and the checks go on.
    wait_for_lines(&wd, "check done", 4);
    assert!(
        !daemon_log(&wd).contains("email sent") && server.messages().is_empty(),
        "the stalled send went through"
    );
    let status = terminate(daemon);
    assert!(
        status.success(),
        "exit status {status}:\n{}",
        daemon_log(&wd)
    );
    let log = daemon_log(&wd);
    assert!(
        log.contains("the mail sender did not stop in time"),
        "the abandoned send is not logged:\n{log}"
    );
    let outbox = wd.run(&["outbox"]);
    outbox.ok();
    assert!(
        outbox.stdout.contains("待发送"),
        "the email in flight is not pending:\n{}",
        outbox.stdout
    );

    // The server answers again: the next start releases the abandoned claim and delivers.
    proxy.set_mode("pass");
    let daemon = start_daemon(&wd);
    wait_for_lines(&wd, "email sent", 1);
    assert!(terminate(daemon).success());
    assert_eq!(server.messages().len(), 1, "{}", daemon_log(&wd));
    assert!(
        !wd.run(&["outbox"]).stdout.contains("待发送"),
        "still pending after the restart"
    );
}
