//! A real SMTP server for the binary-level tests: `tests/smtp/test_smtpd.py` (Debian's
//! `python3-aiosmtpd`) with STARTTLS and implicit TLS listeners on free high ports, AUTH
//! against a users file, Maildir delivery, and fault injection; plus a wire tap that records
//! what a client sends in the clear.
//!
//! Each [`SmtpServer`] owns a temporary folder with its own test CA and server certificate, so
//! tests run in parallel. It is stopped (killed) when dropped.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::util::repo;

/// Debian's python, which has `aiosmtpd` (a pyenv python on the PATH would not).
const PYTHON: &str = "/usr/bin/python3";
/// How long the server may take to listen (it takes ~0.2 s).
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a SIGTERM may take before the server is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// The account the server accepts unless a test changes the users file.
pub(crate) const USER: &str = "spendwatch";
pub(crate) const PASSWORD: &str = "Corr3ct-Horse-Battery";

/// A port that was free a moment ago (bound to 127.0.0.1:0, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

/// Runs `openssl ARGS` (whitespace-separated) in `dir`.
fn run_openssl(dir: &Path, args: &str) {
    let out = Command::new("openssl")
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("run openssl (install it: apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA (`ca.pem`) and a leaf certificate for localhost/127.0.0.1 signed by it
/// (`server.pem`, `server.key`) in `dir` — the recipe of TESTING.md: rustls rejects a
/// self-signed CA:TRUE certificate used as the server's own.
fn make_certs(dir: &Path) {
    run_openssl(
        dir,
        "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
         -subj /CN=spendwatch-test-CA",
    );
    run_openssl(
        dir,
        "req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost",
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n\
         extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    .expect("write leaf.ext");
    run_openssl(
        dir,
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
         -days 3650 -extfile leaf.ext",
    );
}

/// A running `test_smtpd.py`.
#[derive(Debug)]
pub(crate) struct SmtpServer {
    root: tempfile::TempDir,
    starttls_port: u16,
    smtps_port: u16,
    child: Option<Child>,
}

impl SmtpServer {
    /// Makes certificates, writes the users file ([`USER`]:[`PASSWORD`]) and starts the server
    /// on two free ports (choosing others if a port was taken in between).
    pub(crate) fn start() -> SmtpServer {
        let root = tempfile::Builder::new()
            .prefix("spendwatch-smtp-")
            .tempdir()
            .expect("tempdir");
        make_certs(root.path());
        let mut server = SmtpServer {
            root,
            starttls_port: 0,
            smtps_port: 0,
            child: None,
        };
        server.set_users(&[(USER, PASSWORD)]);
        for attempt in 1..=3 {
            server.starttls_port = free_port();
            server.smtps_port = free_port();
            match server.spawn() {
                Ok(()) => return server,
                Err(log) if attempt < 3 => eprintln!("test_smtpd did not start, retrying:\n{log}"),
                Err(log) => panic!("test_smtpd did not start:\n{log}"),
            }
        }
        unreachable!()
    }

    /// The folder the server works in (`users`, `fail`, `maildir/`, `ready`).
    fn dir(&self) -> PathBuf {
        self.root.path().join("srv")
    }

    fn log_path(&self) -> PathBuf {
        self.root.path().join("server.log")
    }

    /// What the server printed (for failure messages).
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn spawn(&mut self) -> Result<(), String> {
        let dir = self.dir();
        std::fs::create_dir_all(&dir).expect("create server folder");
        let ready = dir.join("ready");
        // A server that was killed leaves its `ready` behind.
        let _ = std::fs::remove_file(&ready);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open server log");
        let script = repo().join("tests/smtp/test_smtpd.py");
        let mut child = Command::new(PYTHON)
            .arg(&script)
            .arg("--dir")
            .arg(&dir)
            .args(["--host", "127.0.0.1"])
            .args(["--starttls-port", &self.starttls_port.to_string()])
            .args(["--smtps-port", &self.smtps_port.to_string()])
            .arg("--cert")
            .arg(self.root.path().join("server.pem"))
            .arg("--key")
            .arg(self.root.path().join("server.key"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {PYTHON} {}: {e} (needs python3-aiosmtpd)",
                    script.display()
                )
            });
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait for test_smtpd") {
                return Err(format!("test_smtpd exited with {status}:\n{}", self.log()));
            }
            if ready.exists() {
                self.child = Some(child);
                return Ok(());
            }
            if start.elapsed() > READY_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "test_smtpd not ready after {READY_TIMEOUT:?}:\n{}",
                    self.log()
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server with SIGTERM (a clean stop; connections are then refused).
    pub(crate) fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let start = Instant::now();
        while child.try_wait().expect("wait for test_smtpd").is_none() {
            if start.elapsed() > STOP_TIMEOUT {
                let _ = child.kill();
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = child.wait();
    }

    /// Starts the stopped server again on the same ports, with the same users and mail.
    pub(crate) fn restart(&mut self) {
        self.stop();
        // A port may be briefly held by a client's outgoing connection: try a few times.
        for attempt in 1..=3 {
            match self.spawn() {
                Ok(()) => return,
                Err(log) if attempt < 3 => {
                    eprintln!("test_smtpd did not restart, retrying:\n{log}");
                    thread::sleep(Duration::from_millis(300));
                }
                Err(log) => panic!("test_smtpd did not restart on its ports:\n{log}"),
            }
        }
    }

    pub(crate) fn starttls_port(&self) -> u16 {
        self.starttls_port
    }

    pub(crate) fn smtps_port(&self) -> u16 {
        self.smtps_port
    }

    /// The test CA that signed the server's certificate.
    pub(crate) fn ca_file(&self) -> PathBuf {
        self.root.path().join("ca.pem")
    }

    /// Replaces the users file (`user:password` lines; read on every AUTH).
    pub(crate) fn set_users(&self, users: &[(&str, &str)]) {
        std::fs::create_dir_all(self.dir()).expect("create server folder");
        let text: String = users.iter().map(|(u, p)| format!("{u}:{p}\n")).collect();
        std::fs::write(self.dir().join("users"), text).expect("write users");
    }

    /// Makes the server answer `reply` at `stage`: `set_fail("DATA 554 5.7.1 rejected")`.
    pub(crate) fn set_fail(&self, line: &str) {
        std::fs::write(self.dir().join("fail"), format!("{line}\n")).expect("write fail");
    }

    pub(crate) fn clear_fail(&self) {
        let _ = std::fs::remove_file(self.dir().join("fail"));
    }

    /// The messages delivered so far, in delivery order.
    pub(crate) fn messages(&self) -> Vec<Delivered> {
        let new = self.dir().join("maildir/new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.expect("read maildir").path())
            .filter(|p| p.is_file())
            .collect();
        // Maildir names start with the delivery time: seconds, then microseconds.
        files.sort_by_key(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let mut parts = name.split('.');
            let secs: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let micros: u64 = parts
                .next()
                .and_then(|s| s.strip_prefix('M'))
                .and_then(|s| s.split('P').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            (secs, micros, name.to_owned())
        });
        files
            .into_iter()
            .map(|file| Delivered {
                raw: std::fs::read(&file).expect("read delivered message"),
                file,
            })
            .collect()
    }

    /// The delivered messages, removed from the Maildir (so the next call sees only new ones).
    pub(crate) fn take_messages(&self) -> Vec<Delivered> {
        let messages = self.messages();
        for m in &messages {
            std::fs::remove_file(&m.file).expect("remove delivered message");
        }
        messages
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A message as the server stored it: the message with `X-Peer`, `X-MailFrom` and `X-RcptTo`
/// headers added by aiosmtpd.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    pub(crate) file: PathBuf,
    pub(crate) raw: Vec<u8>,
}

impl Delivered {
    pub(crate) fn parse(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .unwrap_or_else(|| panic!("{} is not a message", self.file.display()))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.parse().header_raw(name).map(|v| v.trim().to_owned())
    }

    /// The envelope recipients the server received (RCPT TO), sorted.
    pub(crate) fn rcpt_to(&self) -> Vec<String> {
        let mut to: Vec<String> = self
            .header("X-RcptTo")
            .unwrap_or_else(|| panic!("{} has no X-RcptTo", self.file.display()))
            .split(',')
            .map(|a| a.trim().to_owned())
            .collect();
        to.sort();
        to
    }

    /// The envelope sender (MAIL FROM).
    pub(crate) fn mail_from(&self) -> String {
        self.header("X-MailFrom")
            .unwrap_or_else(|| panic!("{} has no X-MailFrom", self.file.display()))
    }

    pub(crate) fn message_id(&self) -> String {
        self.parse()
            .message_id()
            .unwrap_or_else(|| panic!("{} has no Message-ID", self.file.display()))
            .to_owned()
    }
}

/// A TCP relay to a local port that records every byte the client sends, to see what went
/// over the wire in the clear.
#[derive(Debug)]
pub(crate) struct WireTap {
    port: u16,
    seen: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
}

impl WireTap {
    pub(crate) fn start(target: u16) -> WireTap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the wire tap");
        let port = listener.local_addr().expect("tap address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (Arc::clone(&seen), Arc::clone(&stop));
        thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let seen = Arc::clone(&seen2);
                relay(client, server, seen);
            }
        });
        WireTap { port, seen, stop }
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Everything clients sent so far.
    pub(crate) fn client_bytes(&self) -> Vec<u8> {
        self.seen.lock().expect("tap lock").clone()
    }
}

/// Copies both ways on two threads; the client's bytes are also appended to `seen`.
fn relay(client: TcpStream, server: TcpStream, seen: Arc<Mutex<Vec<u8>>>) {
    let (mut client_r, mut client_w) = (client.try_clone().expect("clone"), client);
    let (mut server_r, mut server_w) = (server.try_clone().expect("clone"), server);
    thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = client_r.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.lock().expect("tap lock").extend_from_slice(&buf[..n]);
            if server_w.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = server_w.shutdown(Shutdown::Write);
    });
    thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = server_r.read(&mut buf) {
            if n == 0 || client_w.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = client_w.shutdown(Shutdown::Write);
    });
}

impl Drop for WireTap {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// `tests/smtp/faultproxy.py` between a client and a local port: it passes bytes through, or
/// (as its mode file says, read per connection) stalls or closes after so many bytes from the
/// server, accepts and never answers, or resets. Killed when dropped.
#[derive(Debug)]
pub(crate) struct FaultProxy {
    root: tempfile::TempDir,
    port: u16,
    child: Child,
    _stdout: std::process::ChildStdout,
}

impl FaultProxy {
    pub(crate) fn start(target: u16) -> FaultProxy {
        let root = tempfile::Builder::new()
            .prefix("spendwatch-proxy-")
            .tempdir()
            .expect("tempdir");
        for attempt in 1..=3 {
            let port = free_port();
            let mut child = Command::new(PYTHON)
                .arg(repo().join("tests/smtp/faultproxy.py"))
                .args([port.to_string(), target.to_string()])
                .arg(root.path().join("mode"))
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start faultproxy.py");
            // It prints one line once it listens, and exits if the port is taken. Its stdout
            // stays open: a closed pipe would fail the rest of that line.
            let mut line = [0u8; 1];
            let mut stdout = child.stdout.take().expect("proxy stdout");
            if stdout.read(&mut line).unwrap_or(0) == 1 {
                return FaultProxy {
                    root,
                    port,
                    child,
                    _stdout: stdout,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            assert!(attempt < 3, "faultproxy.py did not start");
        }
        unreachable!()
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `pass`, `stall BYTES`, `close BYTES`, `blackhole`, `reset` or `delay MS`: applies to the
    /// connections made from now on.
    pub(crate) fn set_mode(&self, mode: &str) {
        std::fs::write(self.root.path().join("mode"), format!("{mode}\n")).expect("write mode");
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
