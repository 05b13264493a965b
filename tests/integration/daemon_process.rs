//! The real `spendwatch run` process: systemd notifications on a NOTIFY_SOCKET we listen on,
//! signals, a schedule that fires every two seconds.

use std::io::Read;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LEDGER: &str = "日期,金额\n2025-03-01,40000.00\n2025-06-01,10000.00\n";

fn config(schedule: &str) -> String {
    format!(
        "schedule: \"{schedule}\"\ndatabase: db/spendwatch.db\n\
         ledger: {{sources: [{{path: ledger.csv, fund: ng}}]}}\n\
         email: {{to: [finance@localhost], admin: [], transport: file, file: {{dir: outbox}}}}\n\
         funds:\n  - {{id: ng, code: C1, name: 网络综合治理, year: 2025, budget: 150000}}\n\
         web: {{listen: \"\"}}\n"
    )
}

struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
    notes: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    fn start(schedule: &str) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("ledger.csv"), LEDGER).expect("ledger");
        std::fs::write(dir.path().join("config.yaml"), config(schedule)).expect("config");
        let socket_path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&socket_path).expect("notify socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let notes = Arc::new(Mutex::new(Vec::new()));
        let sink = notes.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match socket.recv(&mut buf) {
                    Ok(n) => {
                        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                        sink.lock()
                            .expect("lock")
                            .extend(text.lines().map(str::to_owned));
                    }
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock
                            || e.kind() == std::io::ErrorKind::TimedOut =>
                    {
                        if Arc::strong_count(&sink) == 1 {
                            return;
                        }
                    }
                    Err(_) => return,
                }
            }
        });
        let child = Command::new(env!("CARGO_BIN_EXE_spendwatch"))
            .args(["--config", "config.yaml", "run"])
            .current_dir(dir.path())
            .env("NOTIFY_SOCKET", &socket_path)
            .env("WATCHDOG_USEC", "2000000")
            .env_remove("WATCHDOG_PID")
            .env_remove("SPENDWATCH_CONFIG")
            .env_remove("RUST_LOG")
            .env("JOURNAL_STREAM", "8:1234")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start spendwatch run");
        Daemon { child, dir, notes }
    }

    fn notes(&self) -> Vec<String> {
        self.notes.lock().expect("lock").clone()
    }

    fn wait_for_note(&self, what: impl Fn(&str) -> bool, after: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let notes = self.notes();
            if let Some(i) = notes.iter().skip(after).position(|n| what(n)) {
                return after + i;
            }
            assert!(
                Instant::now() < deadline,
                "note not received; got {notes:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    fn write_config(&self, text: &str) {
        std::fs::write(self.dir.path().join("config.yaml"), text).expect("config");
    }

    /// Stops with SIGTERM; returns the exit code, how long it took, and stderr.
    fn terminate(mut self) -> (Option<i32>, Duration, String, Vec<String>) {
        let started = Instant::now();
        self.signal("TERM");
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("spendwatch did not stop within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = started.elapsed();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).expect("stderr");
        }
        std::thread::sleep(Duration::from_millis(300));
        (status.code(), took, stderr, self.notes())
    }
}

fn outbox_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn notifies_systemd_reloads_on_sighup_and_stops_on_sigterm() {
    let daemon = Daemon::start("*/2 * * * * *");
    let ready = daemon.wait_for_note(|n| n == "READY=1", 0);
    daemon.wait_for_note(|n| n.starts_with("STATUS=last check"), ready);
    daemon.wait_for_note(|n| n == "WATCHDOG=1", ready);
    // The catch-up check at start found June missed and wrote the email.
    let deadline = Instant::now() + Duration::from_secs(10);
    while outbox_files(daemon.dir.path()) == 0 {
        assert!(Instant::now() < deadline, "no email in the outbox");
        std::thread::sleep(Duration::from_millis(50));
    }

    // Two fires of "every 2 seconds" at least.
    std::thread::sleep(Duration::from_millis(4500));

    // A valid new config: RELOADING=1, then READY=1.
    daemon.write_config(&config("*/3 * * * * *"));
    let before = daemon.notes().len();
    daemon.signal("HUP");
    let reloading = daemon.wait_for_note(|n| n == "RELOADING=1", before);
    daemon.wait_for_note(|n| n == "READY=1", reloading);

    // An invalid one: logged, the old config kept, the daemon goes on checking.
    daemon.write_config("funds: [");
    let before = daemon.notes().len();
    daemon.signal("HUP");
    let reloading = daemon.wait_for_note(|n| n == "RELOADING=1", before);
    let ready = daemon.wait_for_note(|n| n == "READY=1", reloading);
    daemon.wait_for_note(|n| n.starts_with("STATUS=last check"), ready);

    // Two fires of "every 3 seconds" at least.
    std::thread::sleep(Duration::from_millis(6500));
    let (code, took, stderr, notes) = daemon.terminate();
    assert_eq!(code, Some(0), "stderr:\n{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(notes.iter().any(|n| n == "STOPPING=1"), "{notes:#?}");
    assert!(stderr.contains("config reloaded"), "{stderr}");
    assert!(
        stderr.contains("config NOT reloaded, the previous one stays in effect"),
        "{stderr}"
    );
    // Under systemd (JOURNAL_STREAM set) lines carry journald's priority prefix and the
    // level, no timestamp of their own, and one message per line.
    assert!(stderr.lines().all(|l| l.starts_with('<')), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.starts_with("<6> INFO check done")),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("<3>ERROR config NOT reloaded")),
        "{stderr}"
    );
    // The check at start, then the schedule fired every 2 s, then (reloaded) every 3 s.
    let checks = stderr.matches("check done").count();
    assert!(checks >= 5, "{checks} checks:\n{stderr}");
    let after_reload = stderr.split("config reloaded").nth(1).unwrap_or_default();
    assert!(after_reload.matches("check done").count() >= 2, "{stderr}");
}

#[test]
fn a_bad_config_at_start_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("config.yaml"),
        "schedule: \"61 9 * * *\"\nfunds: []\nweb: {listen: \"\"}\n",
    )
    .expect("config");
    let out = Command::new(env!("CARGO_BIN_EXE_spendwatch"))
        .args(["--config", "config.yaml", "run"])
        .current_dir(dir.path())
        .env_remove("SPENDWATCH_CONFIG")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("config.yaml: schedule:"), "{stderr}");
    assert!(!dir.path().join("db").exists());
}
