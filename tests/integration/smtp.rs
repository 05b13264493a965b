//! Delivery through a real SMTP server (`tests/smtp/test_smtpd.py`): STARTTLS and implicit TLS
//! with AUTH, bad credentials, an outage, permanent and transient SMTP errors, an untrusted
//! certificate, `test-email`, and grouping by recipients — each checked on the messages the
//! server stored and on `spendwatch outbox`.
//!
//! The data is the shipped sample (config.yaml + data/ledger): a first check on 2025-07-01 sends
//! exactly one email, the June 红色预警 of 网络综合治理 (62,398.50 spent by 06-30 of 75,000.00).

use std::path::Path;

use mail_parser::MimeHeaders;

use super::smtp_server::{Delivered, PASSWORD, SmtpServer, USER, WireTap};
use super::util::{Output, SAMPLE_DB, Workdir};

/// The one email of a first check on 2025-07-01 (also the repeat on 2025-07-08).
pub(crate) const JUNE_MISSED: &str =
    "【支出进度预警】网络综合治理体系建设专项资金 红色预警：未达6月底50%支出进度";
const FINANCE: &str = "finance@localhost";
const SENDER: &str = "spendwatch@localhost";

/// How the config reaches the server.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Security {
    StartTls,
    Tls,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Smtp<'a> {
    pub(crate) port: u16,
    pub(crate) security: Security,
    /// Written to `smtp-password` and named by `password_file`; `None`: no `password_file`.
    pub(crate) password: Option<&'a str>,
    /// Copy the test CA in as `mail-ca.pem` and name it in `ca_file`.
    pub(crate) trust_ca: bool,
}

impl Smtp<'_> {
    /// STARTTLS on the server's port with the right password and the test CA.
    pub(crate) fn starttls(server: &SmtpServer) -> Smtp<'static> {
        Smtp {
            port: server.starttls_port(),
            security: Security::StartTls,
            password: Some(PASSWORD),
            trust_ca: true,
        }
    }
}

/// Points the workdir's config at the test server: `email.transport: smtp` and `email.smtp`.
pub(crate) fn use_smtp(wd: &Workdir, server: &SmtpServer, smtp: Smtp<'_>) {
    if let Some(password) = smtp.password {
        wd.write_str("smtp-password", &format!("{password}\n"));
    }
    if smtp.trust_ca {
        wd.copy_in(&server.ca_file(), "mail-ca.pem");
    }
    let security = match smtp.security {
        Security::StartTls => "starttls",
        Security::Tls => "tls",
    };
    let mut section = format!(
        "host: localhost\nport: {}\nsecurity: {security}\nusername: {USER}\ntimeout: 10s\n",
        smtp.port
    );
    if smtp.password.is_some() {
        section.push_str("password_file: smtp-password\n");
    }
    if smtp.trust_ca {
        section.push_str("ca_file: mail-ca.pem\n");
    }
    let section: serde_yaml::Value = serde_yaml::from_str(&section).expect("smtp section");
    wd.edit_config(|doc| {
        doc["email"]["transport"] = "smtp".into();
        doc["email"]["smtp"] = section;
    });
}

/// The shipped config and sample ledgers, sending through `server` as `smtp` says.
pub(crate) fn workdir(server: &SmtpServer, smtp: Smtp<'_>) -> Workdir {
    let wd = Workdir::samples();
    use_smtp(&wd, server, smtp);
    wd
}

/// Checks a delivered message as SPEC section 4 asks: the exact subject after RFC 2047
/// decoding (with only ASCII in the header block), a text/plain and a text/html part in UTF-8,
/// a `Date`, a `Message-ID`, our sender, and exactly the envelope recipients `to`.
fn assert_email(m: &Delivered, subject: &str, to: &[&str]) {
    let raw = String::from_utf8_lossy(&m.raw);
    let headers = raw.split("\r\n\r\n").next().unwrap_or_default();
    assert!(
        headers.is_ascii(),
        "raw 8-bit text in the headers (RFC 2047 encoding expected):\n{headers}"
    );
    let msg = m.parse();
    assert_eq!(msg.subject(), Some(subject), "decoded Subject\n{raw}");
    assert!(msg.date().is_some(), "no Date header:\n{headers}");
    assert!(
        msg.message_id().is_some_and(|id| id.contains('@')),
        "no Message-ID:\n{headers}"
    );
    let types: Vec<String> = msg
        .parts
        .iter()
        .filter_map(|p| p.content_type())
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()))
        .collect();
    assert_eq!(
        types,
        ["multipart/alternative", "text/plain", "text/html"],
        "MIME structure"
    );
    for part in &msg.parts[1..] {
        let charset = part.content_type().and_then(|ct| ct.attribute("charset"));
        assert_eq!(
            charset.map(str::to_ascii_lowercase).as_deref(),
            Some("utf-8"),
            "charset of a text part"
        );
    }
    assert!(
        msg.body_text(0).is_some_and(|t| !t.trim().is_empty()),
        "empty text part"
    );
    assert!(
        msg.body_html(0).is_some_and(|h| h.contains("</p>")),
        "no HTML in the text/html part"
    );
    assert_eq!(m.mail_from(), SENDER, "envelope sender");
    let mut expected: Vec<String> = to.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(m.rcpt_to(), expected, "envelope recipients (X-RcptTo)");
    let header_to: Vec<String> = msg
        .to()
        .map(|a| {
            a.iter()
                .filter_map(|a| a.address())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut header_to_sorted = header_to.clone();
    header_to_sorted.sort();
    assert_eq!(header_to_sorted, expected, "To header");
}

/// The June 红色预警 as the sample data gives it: what was spent, the target and the gap.
pub(crate) fn assert_june_missed(m: &Delivered) {
    assert_email(m, JUNE_MISSED, &[FINANCE]);
    let msg = m.parse();
    let text = msg.body_text(0).expect("text part");
    for figure in [
        "¥62,398.50",
        "¥75,000.00",
        "¥12,601.50",
        "网络综合治理体系建设专项资金",
    ] {
        assert!(text.contains(figure), "text part lacks {figure}:\n{text}");
    }
    let html = msg.body_html(0).expect("html part");
    assert!(
        html.contains("<table"),
        "no table in the HTML part:\n{html}"
    );
    assert!(
        html.contains("62,398.50"),
        "HTML lacks the spending:\n{html}"
    );
}

/// The line of `spendwatch outbox` for message `#id`.
pub(crate) fn outbox_line(out: &Output, id: i64) -> String {
    let tag = format!("#{id} ");
    out.stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&tag))
        .unwrap_or_else(|| panic!("no line for #{id} in `outbox`:\n{}", out.stdout))
        .to_owned()
}

pub(crate) fn assert_outbox_line(out: &Output, id: i64, status: &str, subject: &str) {
    let line = outbox_line(out, id);
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.get(1), Some(&status), "status of #{id}: {line}");
    assert!(line.contains(subject), "#{id} lacks its subject: {line}");
}

/// The `最近一次发送错误：` entry of `#id` in `spendwatch outbox`.
pub(crate) fn outbox_error(out: &Output, id: i64) -> String {
    let (_, errors) = out
        .stdout
        .split_once("最近一次发送错误：")
        .unwrap_or_else(|| panic!("`outbox` shows no errors:\n{}", out.stdout));
    let tag = format!("#{id}: ");
    errors
        .lines()
        .find_map(|l| l.trim().strip_prefix(&tag))
        .unwrap_or_else(|| panic!("`outbox` shows no error for #{id}:\n{}", out.stdout))
        .to_owned()
}

/// The password as it could leak: itself, and base64-encoded as the AUTH commands send it
/// (AUTH PLAIN sends base64("\0user\0password"), AUTH LOGIN base64("password")).
fn password_forms(password: &str) -> [String; 3] {
    [
        password.to_owned(),
        base64(format!("\0{USER}\0{password}").as_bytes()),
        base64(password.as_bytes()),
    ]
}

fn assert_no_password(outputs: &[&Output], password: &str) {
    for out in outputs {
        for form in password_forms(password) {
            assert!(
                !out.both().contains(&form),
                "the SMTP password appears (as {form:?}) in the output:\n{}",
                out.both()
                    .lines()
                    .filter(|l| l.contains(&form))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

#[test]
fn starttls_with_auth_delivers_the_alert_once() {
    let server = SmtpServer::start();
    let wd = workdir(&server, Smtp::starttls(&server));

    wd.run(&["check", "--as-of", "2025-07-01"])
        .ok()
        .stdout_has("1 emails queued; delivered 1, retrying later 0, failed 0");

    let messages = server.messages();
    assert_eq!(messages.len(), 1, "server log:\n{}", server.log());
    assert_june_missed(&messages[0]);

    let out = wd.run(&["outbox"]);
    out.ok();
    assert_outbox_line(&out, 1, "已发送", JUNE_MISSED);
    let rows = wd.outbox(SAMPLE_DB);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].status.as_str(),
            rows[0].to.as_slice(),
            rows[0].attempts
        ),
        ("sent", [FINANCE.to_owned()].as_slice(), 1)
    );

    // The same day again: nothing new to say, nothing re-sent.
    wd.run(&["check", "--as-of", "2025-07-01"])
        .ok()
        .stdout_has("0 emails queued");
    assert_eq!(server.messages().len(), 1);
}

#[test]
fn implicit_tls_delivers_with_the_password_from_the_environment() {
    let server = SmtpServer::start();
    let wd = workdir(
        &server,
        Smtp {
            port: server.smtps_port(),
            security: Security::Tls,
            password: None,
            trust_ca: true,
        },
    );

    wd.run_env(
        &["check", "--as-of", "2025-07-01"],
        &[("SPENDWATCH_SMTP_PASSWORD", PASSWORD)],
    )
    .ok()
    .stdout_has("delivered 1, retrying later 0, failed 0");

    let messages = server.messages();
    assert_eq!(messages.len(), 1, "server log:\n{}", server.log());
    assert_june_missed(&messages[0]);
    let out = wd.run(&["outbox"]);
    out.ok();
    assert_outbox_line(&out, 1, "已发送", JUNE_MISSED);
}

/// A password found nowhere in the tests but in the password file.
const PLANTED: &str = "Quokka-Zebra-7781-wrong";

#[test]
fn wrong_password_fails_the_message_without_showing_the_password() {
    let server = SmtpServer::start();
    let wd = workdir(
        &server,
        Smtp {
            password: Some(PLANTED),
            ..Smtp::starttls(&server)
        },
    );

    let check = wd.run(&["check", "--as-of", "2025-07-01"]);
    check
        .ok()
        .stdout_has("1 emails queued; delivered 0, retrying later 0, failed 1");
    assert!(server.messages().is_empty());

    let outbox = wd.run(&["outbox"]);
    outbox.ok();
    assert_outbox_line(&outbox, 1, "发送失败", JUNE_MISSED);
    let error = outbox_error(&outbox, 1);
    assert!(
        error.contains("535") && error.to_lowercase().contains("authentication"),
        "not an authentication error: {error}"
    );
    let alerts = wd.run(&["alerts"]);
    alerts.ok();

    // The administrator fixes the account on the server, then re-queues.
    server.set_users(&[(USER, PLANTED)]);
    let retry = wd.run(&["outbox", "--retry"]);
    retry
        .ok()
        .stdout_has("re-queued 1 failed emails")
        .stdout_has("delivered 1, retrying later 0, failed 0");
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "server log:\n{}", server.log());
    assert_june_missed(&messages[0]);

    let again = wd.run(&["outbox", "--retry"]);
    again.ok().stdout_has("re-queued 0 failed emails");
    assert_eq!(server.messages().len(), 1, "delivered twice");
    let after = wd.run(&["outbox"]);
    after.ok();
    assert_outbox_line(&after, 1, "已发送", JUNE_MISSED);

    assert_no_password(&[&check, &outbox, &alerts, &retry, &again, &after], PLANTED);
    for row in wd.outbox(SAMPLE_DB) {
        assert!(!row.last_error.unwrap_or_default().contains(PLANTED));
    }
}

/// Standard base64 (RFC 4648, with padding), to recognise an encoded password in logs.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn an_outage_keeps_mail_pending_and_the_retry_delivers_each_once() {
    let mut server = SmtpServer::start();
    server.stop();
    let wd = workdir(&server, Smtp::starttls(&server));

    // Connection refused: the first notice on 07-01, the 7-day repeat on 07-08.
    wd.run(&["check", "--as-of", "2025-07-01"])
        .ok()
        .stdout_has("1 emails queued; delivered 0, retrying later 1, failed 0");
    wd.run(&["check", "--as-of", "2025-07-08"])
        .ok()
        .stdout_has("1 emails queued; delivered 0, retrying later 1, failed 0");

    let outbox = wd.run(&["outbox"]);
    outbox.ok();
    for id in [1, 2] {
        assert_outbox_line(&outbox, id, "待发送", JUNE_MISSED);
        let error = outbox_error(&outbox, id);
        assert!(
            error.to_lowercase().contains("refused"),
            "#{id}: not a refused connection: {error}"
        );
    }
    let days: Vec<(String, String)> = wd
        .outbox(SAMPLE_DB)
        .into_iter()
        .map(|r| (r.check_day, r.status))
        .collect();
    assert_eq!(
        days,
        [
            ("2025-07-01".to_owned(), "pending".to_owned()),
            ("2025-07-08".to_owned(), "pending".to_owned())
        ]
    );

    server.restart();
    wd.run(&["outbox", "--retry"])
        .ok()
        .stdout_has("delivered 2, retrying later 0, failed 0");
    let messages = server.messages();
    assert_eq!(messages.len(), 2, "server log:\n{}", server.log());
    for m in &messages {
        assert_june_missed(m);
    }
    assert_ne!(
        messages[0].message_id(),
        messages[1].message_id(),
        "the first notice and the repeat are two messages"
    );

    // Nothing more: not from a second retry, not from the same check day again.
    wd.run(&["outbox", "--retry"])
        .ok()
        .stdout_has("delivered 0");
    wd.run(&["check", "--as-of", "2025-07-08"])
        .ok()
        .stdout_has("0 emails queued; delivered 0");
    assert_eq!(server.messages().len(), 2, "a message was sent twice");
    let after = wd.run(&["outbox"]);
    after.ok();
    assert_outbox_line(&after, 1, "已发送", JUNE_MISSED);
    assert_outbox_line(&after, 2, "已发送", JUNE_MISSED);
}

#[test]
fn a_5xx_at_data_marks_the_message_failed() {
    let server = SmtpServer::start();
    server.set_fail("DATA 554 5.7.1 rejected by policy");
    let wd = workdir(&server, Smtp::starttls(&server));

    wd.run(&["check", "--as-of", "2025-07-01"])
        .ok()
        .stdout_has("1 emails queued; delivered 0, retrying later 0, failed 1");
    assert!(server.messages().is_empty());

    let outbox = wd.run(&["outbox"]);
    outbox.ok();
    assert_outbox_line(&outbox, 1, "发送失败", JUNE_MISSED);
    let error = outbox_error(&outbox, 1);
    assert!(
        error.contains("554") && error.contains("5.7.1 rejected by policy"),
        "the server's answer is not shown: {error}"
    );

    // A failed message waits for `outbox --retry`; later checks leave it alone.
    wd.run(&["check", "--as-of", "2025-07-02"])
        .ok()
        .stdout_has("delivered 0, retrying later 0, failed 0");
    let rows = wd.outbox(SAMPLE_DB);
    assert_eq!(
        (rows.len(), rows[0].status.as_str(), rows[0].attempts),
        (1, "failed", 1)
    );
    assert!(server.messages().is_empty());
}

#[test]
fn a_4xx_at_rcpt_keeps_the_message_pending_until_the_retry() {
    let server = SmtpServer::start();
    server.set_fail("RCPT 450 4.2.1 mailbox busy, try again later");
    let wd = workdir(&server, Smtp::starttls(&server));

    wd.run(&["check", "--as-of", "2025-07-01"])
        .ok()
        .stdout_has("1 emails queued; delivered 0, retrying later 1, failed 0");
    assert!(server.messages().is_empty());
    let outbox = wd.run(&["outbox"]);
    outbox.ok();
    assert_outbox_line(&outbox, 1, "待发送", JUNE_MISSED);
    let error = outbox_error(&outbox, 1);
    assert!(
        error.contains("450") && error.contains("mailbox busy"),
        "the server's answer is not shown: {error}"
    );

    server.clear_fail();
    wd.run(&["outbox", "--retry"])
        .ok()
        .stdout_has("re-queued 0 failed emails")
        .stdout_has("delivered 1, retrying later 0, failed 0");
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "server log:\n{}", server.log());
    assert_june_missed(&messages[0]);
    let after = wd.run(&["outbox"]);
    after.ok();
    assert_outbox_line(&after, 1, "已发送", JUNE_MISSED);
}

#[test]
fn an_untrusted_certificate_sends_nothing_in_the_clear() {
    let server = SmtpServer::start();
    // The client talks to the server through a tap that records what it sends.
    let tap = WireTap::start(server.starttls_port());
    let wd = workdir(
        &server,
        Smtp {
            port: tap.port(),
            trust_ca: false,
            ..Smtp::starttls(&server)
        },
    );

    wd.run(&["check", "--as-of", "2025-07-01"])
        .ok()
        .stdout_has("1 emails queued; delivered 0, retrying later 1, failed 0");
    assert!(server.messages().is_empty());
    let outbox = wd.run(&["outbox"]);
    outbox.ok();
    assert_outbox_line(&outbox, 1, "待发送", JUNE_MISSED);
    let error = outbox_error(&outbox, 1);
    assert!(
        error.to_lowercase().contains("certificate"),
        "not a certificate error: {error}"
    );

    let wire = String::from_utf8_lossy(&tap.client_bytes()).into_owned();
    assert!(
        wire.contains("STARTTLS"),
        "the client never asked for STARTTLS:\n{wire:?}"
    );
    for clear in ["AUTH", "MAIL FROM", "RCPT TO", FINANCE, "Subject"] {
        assert!(
            !wire.contains(clear),
            "{clear:?} went over the wire in the clear:\n{wire:?}"
        );
    }

    // Implicit TLS without the CA: the same.
    use_smtp(
        &wd,
        &server,
        Smtp {
            port: server.smtps_port(),
            security: Security::Tls,
            trust_ca: false,
            ..Smtp::starttls(&server)
        },
    );
    wd.run(&["outbox", "--retry"])
        .ok()
        .stdout_has("delivered 0, retrying later 1, failed 0");
    let outbox = wd.run(&["outbox"]);
    outbox.ok();
    assert_outbox_line(&outbox, 1, "待发送", JUNE_MISSED);
    assert!(
        outbox_error(&outbox, 1)
            .to_lowercase()
            .contains("certificate")
    );
    assert!(server.messages().is_empty());
}

#[test]
fn test_email_delivers_and_fails_clearly_on_a_wrong_password() {
    let server = SmtpServer::start();
    let wd = workdir(&server, Smtp::starttls(&server));

    wd.run(&["test-email", "--to", "someone@localhost"])
        .ok()
        .stdout_has("test email sent")
        .stdout_has("someone@localhost");
    let messages = server.take_messages();
    assert_eq!(messages.len(), 1, "server log:\n{}", server.log());
    assert_email(
        &messages[0],
        "【spendwatch】测试邮件",
        &["someone@localhost"],
    );

    wd.write_str("smtp-password", &format!("{PLANTED}\n"));
    let out = wd.run(&["test-email", "--to", "someone@localhost"]);
    out.expect_code(1)
        .stderr_has("test email NOT sent")
        .stderr_has("535");
    assert!(
        out.stderr.to_lowercase().contains("authentication"),
        "the message does not say the login failed:\n{}",
        out.stderr
    );
    assert_no_password(&[&out], PLANTED);
    assert!(server.messages().is_empty());
}

#[test]
fn emails_are_grouped_by_recipient_set() {
    let server = SmtpServer::start();

    // 2025-06-15 is 15 days before the June milestone, which neither fund has reached
    // (网络综合治理 58,302.90 of 75,000.00; 招商引资 49,605.70 of 50,000.00): two 黄色预警.
    // 招商引资 also notifies boss@localhost, so its notice goes to {boss, finance} alone and
    // 网络综合治理's to finance alone.
    let wd = workdir(&server, Smtp::starttls(&server));
    wd.edit_config(|doc| {
        let funds = doc["funds"].as_sequence_mut().expect("funds");
        let ip = funds
            .iter_mut()
            .find(|f| f["id"] == "investment-promotion")
            .expect("investment-promotion");
        ip["notify"] = serde_yaml::from_str("[boss@localhost]").expect("notify");
    });
    wd.run(&["check", "--as-of", "2025-06-15"])
        .ok()
        .stdout_has("2 emails queued; delivered 2");
    let mut messages = server.take_messages();
    assert_eq!(messages.len(), 2, "server log:\n{}", server.log());
    messages.sort_by_key(Delivered::rcpt_to);
    assert_email(
        &messages[0],
        "【支出进度预警】招商引资专项业务费 黄色预警：距6月底50%支出节点剩余15天，尚未达标",
        &["boss@localhost", FINANCE],
    );
    assert_email(
        &messages[1],
        "【支出进度预警】网络综合治理体系建设专项资金 黄色预警：距6月底50%支出节点剩余15天，尚未达标",
        &[FINANCE],
    );
    let text = |m: &Delivered| m.parse().body_text(0).expect("text").into_owned();
    assert!(!text(&messages[0]).contains("网络综合治理"));
    assert!(!text(&messages[1]).contains("招商引资"));

    // Without `notify` both notices share the recipients: one email about both funds.
    let wd = workdir(&server, Smtp::starttls(&server));
    wd.run(&["check", "--as-of", "2025-06-15"])
        .ok()
        .stdout_has("1 emails queued; delivered 1");
    let messages = server.take_messages();
    assert_eq!(messages.len(), 1, "server log:\n{}", server.log());
    assert_email(&messages[0], "【支出进度预警】2个项目黄色预警", &[FINANCE]);
    let body = text(&messages[0]);
    assert!(body.contains("网络综合治理体系建设专项资金") && body.contains("招商引资专项业务费"));
}

/// Every file under `dir` (recursively) but `except`, with its bytes.
fn files_under(dir: &Path, except: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path != except {
                let bytes = std::fs::read(&path).expect("read");
                files.push((path, bytes));
            }
        }
    }
    files
}

/// After a full run (import, config check, status, a check that sends, a failed login, the
/// outbox, the alerts, a retry, test-email) at debug level — how an administrator debugs a
/// failing login — the planted password, plain or base64-encoded as the AUTH commands send it,
/// is in no output and in no file of the working folder but its own file: not the database,
/// its WAL, the outbox files or anything else spendwatch wrote.
#[test]
fn a_planted_password_is_found_nowhere_after_a_full_run() {
    let server = SmtpServer::start();
    let wd = workdir(
        &server,
        Smtp {
            password: Some(PLANTED),
            ..Smtp::starttls(&server)
        },
    );
    let debug = [("RUST_LOG", "debug")];
    let mut outputs = vec![
        wd.run_env(&["config", "check"], &debug),
        wd.run_env(&["import"], &debug),
        wd.run_env(&["status", "--as-of", "2025-07-01"], &debug),
        wd.run_env(&["check", "--as-of", "2025-07-01"], &debug),
        wd.run_env(&["outbox"], &debug),
        wd.run_env(&["alerts"], &debug),
    ];
    server.set_users(&[(USER, PLANTED)]);
    outputs.push(wd.run_env(&["outbox", "--retry"], &debug));
    outputs.push(wd.run_env(&["test-email"], &debug));
    outputs.push(wd.run_env(&["status", "--format", "json"], &debug));
    outputs[0].ok();
    outputs[6].ok().stdout_has("delivered 1");
    assert_eq!(server.messages().len(), 2, "server log:\n{}", server.log());
    assert_no_password(&outputs.iter().collect::<Vec<_>>(), PLANTED);

    let password_file = wd.path().join("smtp-password");
    let files = files_under(wd.path(), &password_file);
    assert!(
        files
            .iter()
            .any(|(p, _)| p.extension().is_some_and(|e| e == "db")),
        "no database written under {}",
        wd.path().display()
    );
    for (path, bytes) in files {
        for form in password_forms(PLANTED) {
            assert!(
                !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "the SMTP password is written (as {form:?}) in {}",
                path.display()
            );
        }
    }
}
