//! Hostile names and sources through the real binary (issue 16, item 4, outside the web page).
//!
//! File and sheet names holding a line break, a tab or a bidi override are shown escaped on
//! stderr, in `sources` and `status`, in the journal of `spendwatch run` and in the subject and
//! body of the 导入失败 email a real SMTP server receives. A source that is a symbolic link
//! leading out of the source folders, or a FIFO, is refused with its reason through `check`,
//! `sources`, `status` and `import`, for the ledger and for readings — quickly, and without a
//! byte of what it leads to in any output or in the database; a link that stays inside is read.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::smtp::{Smtp, workdir as smtp_workdir};
use super::smtp_server::{Delivered, SmtpServer};
use super::util::{NG, NG_CODE, Output, SAMPLE_DB, Workdir, X};

/// What no output may hold raw: a control character but the line ends, a line or paragraph
/// separator, a bidi control.
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Panics, naming the line, if `text` holds a [`hidden`] character.
fn assert_nothing_hidden(what: &str, text: &str) {
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = line.chars().find(|&c| hidden(c)) {
            panic!("{what}: line {} holds {c:?}: {line:?}\n{text}", i + 1);
        }
    }
    assert!(!text.contains('\r'), "{what}: a raw CR\n{text}");
}

/// Panics if a line of `text` begins with what a forged line would: the part of a file name
/// after its line break.
fn assert_no_forged_line(what: &str, text: &str, forged: &str) {
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with(forged)),
        "{what}: a line starts with {forged:?}:\n{text}"
    );
}

/// The admin's messages among `messages` (the finance ones are about spending).
fn to_admin(messages: &[Delivered]) -> Vec<&Delivered> {
    messages
        .iter()
        .filter(|m| m.rcpt_to() == ["admin@localhost"])
        .collect()
}

/// Checks the one 导入失败 email to the admin: its exact subject, a header block of ASCII
/// lines none of which a file name began, and the file named escaped in both bodies.
fn assert_rejection_email(messages: &[Delivered], shown: &str, forged: &str) {
    let admin = to_admin(messages);
    assert_eq!(admin.len(), 1, "{} admin emails", admin.len());
    let m = admin[0];
    let raw = String::from_utf8_lossy(&m.raw);
    let headers = raw.split("\r\n\r\n").next().unwrap_or_default();
    assert!(headers.is_ascii(), "{headers}");
    assert_no_forged_line("headers", headers, forged);
    let msg = m.parse();
    let subject = msg.subject().expect("a subject").to_owned();
    assert_eq!(subject, format!("【导入失败】账务文件 {shown} 未能导入"));
    assert_nothing_hidden("subject", &subject);
    for body in [
        msg.body_text(0).expect("text").into_owned(),
        msg.body_html(0).expect("html").into_owned(),
    ] {
        assert!(body.contains(shown), "{shown} not in\n{body}");
        // The body's own line ends may be CR LF; no other hidden character.
        assert_nothing_hidden("body", &body.replace("\r\n", "\n"));
        assert_no_forged_line("body", &body, forged);
    }
}

#[test]
fn hostile_file_and_sheet_names_are_shown_escaped_in_outputs_and_the_admin_email() {
    let server = SmtpServer::start();
    let wd = smtp_workdir(&server, Smtp::starttls(&server));

    // A line break: the name would forge a journal line and a mail header.
    wd.write_str("data/ledger/a\r\nX-Forged: y.xlsx", "不是电子表格");
    let out = wd.run(&["check", "--as-of", "2025-07-01"]);
    out.ok();
    assert_nothing_hidden("check", &out.both());
    assert_no_forged_line("check", &out.both(), "X-Forged");
    out.stderr_has("data/ledger/a\\r\\nX-Forged: y.xlsx: 文件名是 .xlsx，却不是电子表格");
    let messages = server.take_messages();
    assert_rejection_email(&messages, "data/ledger/a\\r\\nX-Forged: y.xlsx", "X-Forged");

    // A bidi override (U+202E): `b` + it + `xslx.xlsx` would read as `bxslx.xslx`.
    wd.write_str("data/ledger/b\u{202e}xslx.xlsx", "不是电子表格");
    let out = wd.run(&["check", "--as-of", "2025-07-02"]);
    out.ok();
    assert_nothing_hidden("check", &out.both());
    let messages = server.take_messages();
    assert_rejection_email(&messages, "data/ledger/b\\u{202e}xslx.xlsx", "X-Forged");

    // A tab in the file's name and a line break in its sheet's: `file:sheet:row:`.
    wd.write_xlsx(
        "data/ledger/c\td.xlsx",
        "明细\r\n伪造行\u{202e}",
        &[
            vec![X::Text("日期"), X::Text("项目编码"), X::Text("金额")],
            vec![X::Text("2025-02-30"), X::Text(NG_CODE), X::Number(100.0)],
        ],
    );
    let out = wd.run(&["check", "--as-of", "2025-07-03"]);
    out.ok();
    assert_nothing_hidden("check", &out.both());
    assert_no_forged_line("check", &out.both(), "伪造行");
    out.stderr_has("data/ledger/c\\td.xlsx:明细\\r\\n伪造行\\u{202e}:2: A列（日期）\"2025-02-30\" 不是有效日期");
    let messages = server.take_messages();
    assert_rejection_email(&messages, "data/ledger/c\\td.xlsx", "伪造行");

    // What the admin reads later: `sources` (table and JSON) and `status`.
    let sources = wd.run(&["sources"]);
    sources.ok();
    assert_nothing_hidden("sources", &sources.both());
    assert_no_forged_line("sources", &sources.both(), "X-Forged");
    sources
        .stdout_has("data/ledger/a\\r\\nX-Forged: y.xlsx")
        .stdout_has("data/ledger/b\\u{202e}xslx.xlsx")
        .stdout_has("data/ledger/c\\td.xlsx");
    let json = wd.run(&["sources", "--format", "json"]);
    json.ok();
    assert_nothing_hidden("sources --format json", &json.both());
    // The JSON keeps the paths as they are, for programs.
    let paths: Vec<String> = json.json()["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["path"].as_str().expect("path").to_owned())
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("/b\u{202e}xslx.xlsx")),
        "{paths:?}"
    );
    let status = wd.run(&["status", "--as-of", "2025-07-03"]);
    status.ok();
    assert_nothing_hidden("status", &status.both());
    assert_no_forged_line("status", &status.both(), "X-Forged");
}

/// A config for `spendwatch run` over `ledger/*.csv` (rows of fund `ng`), emailing through
/// files in `outbox/`.
const DAEMON_CONFIG: &str = "schedule: \"0 9 * * *\"\ndatabase: db/spendwatch.db\n\
     ledger: {sources: [{path: \"ledger/*.csv\", fund: ng}]}\n\
     email:\n  to: [finance@localhost]\n  admin: [admin@localhost]\n  \
     transport: file\n  file: {dir: outbox}\n\
     funds:\n  - {id: ng, code: C1, name: 网络综合治理, year: 2025, budget: 150000}\n\
     web: {listen: \"\"}\n";

/// The secret a link leads to: a ledger export whose only date is the marker, so a reader
/// that read it would quote the marker in its rejection.
const MARKER: &str = "TOPSECRET-7f3a";

fn secret_csv() -> String {
    format!("日期,指标,完成值,金额\n{MARKER},posts,1,1.00\n")
}

#[test]
fn the_journal_of_the_daemon_holds_one_line_per_event_whatever_a_file_is_named() {
    let wd = Workdir::empty();
    wd.write_str("config.yaml", DAEMON_CONFIG);
    wd.write_str("ledger/good.csv", "日期,金额\n2025-03-01,40000.00\n");
    wd.write_str(
        "ledger/a\r\nX-Forged: y\u{202e}.csv",
        "日期,金额\n2025-02-30,100.00\n",
    );
    wd.write_str("secret.csv", &secret_csv());
    std::os::unix::fs::symlink("../secret.csv", wd.join("ledger/evil.csv")).expect("symlink");
    mkfifo(&wd.join("ledger/pipe.csv"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_spendwatch"))
        .args(["--config", "config.yaml", "run"])
        .current_dir(wd.path())
        .env_remove("SPENDWATCH_CONFIG")
        .env_remove("RUST_LOG")
        .env_remove("NOTIFY_SOCKET")
        .env("JOURNAL_STREAM", "8:1234")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start spendwatch run");
    let pipe = child.stderr.take().expect("stderr");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = seen.clone();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(pipe)) {
            let line = line.expect("stderr is UTF-8");
            let mut seen = sink.lock().expect("lock");
            seen.push_str(&line);
            seen.push('\n');
        }
    });
    // The check at start reads the sources (a FIFO among them does not hold it up), and the
    // sender writes the admin's email.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !seen.lock().expect("lock").contains("check done") || admin_email(&wd).is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "no check done within 60 s; stderr:\n{}",
                seen.lock().expect("lock")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    reader.join().expect("stderr reader");
    let journal = seen.lock().expect("lock").clone();
    assert_eq!(exit.code(), Some(0), "{journal}");

    // Each line is one event, with its priority; nothing a name held leaks raw.
    assert!(journal.lines().all(|l| l.starts_with('<')), "{journal}");
    assert_nothing_hidden("journal", &journal);
    assert_no_forged_line("journal", &journal, "X-Forged");
    assert!(
        journal.contains("ledger/a\\r\\nX-Forged: y\\u{202e}.csv:2: A列（日期）"),
        "{journal}"
    );
    assert!(
        journal.lines().any(|l| l.starts_with("<4>")
            && l.contains("ledger/evil.csv: 这是指向来源文件夹以外的符号链接")),
        "{journal}"
    );
    assert!(
        journal
            .lines()
            .any(|l| l.starts_with("<4>")
                && l.contains("ledger/pipe.csv: 这不是普通文件而是命名管道")),
        "{journal}"
    );
    assert!(!journal.contains(MARKER), "{journal}");
    assert!(!journal.contains("secret.csv"), "{journal}");

    // The admin's email as written to the outbox: one line per header.
    let admin = admin_email(&wd).expect("the admin's email");
    let headers = admin.split("\r\n\r\n").next().unwrap_or_default();
    assert!(headers.contains("Subject:"), "{admin}");
    assert_no_forged_line("outbox headers", headers, "X-Forged");
    assert!(!admin.contains(MARKER));
}

/// The admin's email among those the file transport wrote to `outbox/`.
fn admin_email(wd: &Workdir) -> Option<String> {
    let entries = std::fs::read_dir(wd.join("outbox")).ok()?;
    entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .map(|raw| String::from_utf8_lossy(&raw).into_owned())
        .find(|text| text.contains("To: admin@localhost"))
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Runs `spendwatch --config config.yaml ARGS…` in `wd`, failing the test if it takes more
/// than a minute (a read of a FIFO would wait for ever).
fn run_within(wd: &Workdir, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spendwatch"))
        .arg("--config")
        .arg("config.yaml")
        .args(args)
        .current_dir(wd.path())
        .env_remove("SPENDWATCH_CONFIG")
        .env_remove("SPENDWATCH_SMTP_PASSWORD")
        .env_remove("RUST_LOG")
        .env_remove("CREDENTIALS_DIRECTORY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run spendwatch");
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).expect("read output");
            String::from_utf8(bytes).expect("output is UTF-8")
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("stdout")));
    let stderr = read(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("spendwatch {args:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status.code().expect("spendwatch was killed by a signal"),
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    }
}

/// The shipped config and sample ledgers, with files of readings from `data/indicators/*.csv`
/// (none yet) and a drop folder of ledger exports, `data/ledger/drop/*.csv`; and beside them,
/// outside every source folder, `secret.csv`.
fn drop_folders() -> Workdir {
    let wd = Workdir::samples();
    wd.edit_config(|doc| {
        doc["indicators"]["sources"] =
            serde_yaml::from_str("[data/indicators/*.csv]").expect("yaml");
        let sources = doc["ledger"]["sources"].as_sequence_mut().expect("sources");
        sources.push(
            serde_yaml::from_str("{path: data/ledger/drop/*.csv, fund: network-governance}")
                .expect("yaml"),
        );
    });
    wd.write_str("secret.csv", &secret_csv());
    wd.write_str("data/ledger/drop/.keep", "");
    wd.write_str("data/indicators/.keep", "");
    wd
}

/// Every byte spendwatch keeps (the database and its journal files), as text.
fn database_bytes(wd: &Workdir) -> String {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(wd.join("data")).expect("data") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("spendwatch.db") {
            all.extend(std::fs::read(&path).expect("read the database"));
        }
    }
    assert!(!all.is_empty(), "no database under data/");
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn links_out_of_the_source_folders_and_fifos_are_refused_links_inside_are_read() {
    let wd = drop_folders();
    let link = |target: &str, at: &str| {
        std::os::unix::fs::symlink(target, wd.join(at)).expect("symlink");
    };
    // Out: to the secret, straight and through a folder that is a link.
    link("../../../secret.csv", "data/ledger/drop/evil.csv");
    link("../../..", "data/ledger/drop/up");
    link("../../secret.csv", "data/indicators/evil.csv");
    // Not a regular file.
    mkfifo(&wd.join("data/ledger/drop/pipe.csv"));
    mkfifo(&wd.join("data/indicators/pipe.csv"));
    // In: a link to a file elsewhere in the source folders.
    wd.write_str(
        "data/ledger/archive/2025.csv",
        "日期,凭证号,摘要,金额\n2025-03-05,记-0901,归档,1234.00\n",
    );
    link("../archive/2025.csv", "data/ledger/drop/current.csv");
    wd.write_str(
        "data/indicators/old/q.csv",
        "日期,项目,指标,完成值,说明\n2025-06,,posts,2,\n",
    );
    link("old/q.csv", "data/indicators/now.csv");

    let check = run_within(&wd, &["check", "--as-of", "2025-08-05"]);
    check.ok();
    let status = run_within(&wd, &["status", "--as-of", "2025-08-05"]);
    status.ok();
    let sources = run_within(&wd, &["sources"]);
    sources.ok();
    let json = run_within(&wd, &["sources", "--format", "json"]);
    json.ok();
    for out in [&check, &status] {
        out.stderr_has(
            "data/ledger/drop/evil.csv: 这是指向来源文件夹以外的符号链接，为安全起见不予读取",
        )
        .stderr_has("data/indicators/evil.csv: 这是指向来源文件夹以外的符号链接")
        .stderr_has("data/ledger/drop/pipe.csv: 这不是普通文件而是命名管道（FIFO）")
        .stderr_has("data/indicators/pipe.csv: 这不是普通文件而是命名管道（FIFO）")
        .stderr_has("；请把文件本身（而不是链接）放进来源文件夹");
    }
    // Read once, by the check: the link inside, under the file it leads to.
    check
        .stderr_has("data/ledger/archive/2025.csv: 读入分录 1 条")
        .stderr_has("data/indicators/old/q.csv: 读入完成值 1 条");
    // The refusals are told once: the check says them first, the status again as known.
    assert!(
        !check.stderr.contains("被拒绝（被拒绝后未改动）"),
        "{}",
        check.stderr
    );
    status.stderr_has("data/ledger/drop/evil.csv 被拒绝（被拒绝后未改动）");
    sources
        .stdout_has("data/ledger/drop/evil.csv")
        .stdout_has("data/ledger/drop/pipe.csv")
        .stdout_has("data/ledger/archive/2025.csv");
    for out in [&check, &status, &sources, &json] {
        let text = out.both();
        assert!(!text.contains(MARKER), "the secret is quoted:\n{text}");
        assert!(
            !text.contains("secret.csv"),
            "the link's target is named:\n{text}"
        );
        assert!(!text.contains("up/secret"), "{text}");
    }
    let kept = database_bytes(&wd);
    assert!(!kept.contains(MARKER), "the secret is in the database");
    assert!(
        !kept.contains("secret.csv"),
        "the link's target is in the database"
    );
    // The link inside counts: 1,234.00 more than the samples' 148,607.00.
    assert_eq!(wd.spent("2025-12-31", NG), "149841.00");

    // The admin is told by email (its text is in the database, checked above), once.
    let told = |wd: &Workdir| {
        wd.outbox(SAMPLE_DB)
            .into_iter()
            .filter(|r| r.to.iter().any(|t| t == "admin@localhost"))
            .filter(|r| r.subject.contains("导入失败"))
            .count()
    };
    let first = told(&wd);
    assert!(first >= 1, "the refusals are not emailed");
    run_within(&wd, &["check", "--as-of", "2025-08-06"]).ok();
    assert_eq!(told(&wd), first, "a refusal is told again");
}

#[test]
fn by_hand_a_regular_file_anywhere_is_read_but_no_link_out_of_a_source_folder_nor_a_fifo() {
    let wd = drop_folders();
    std::os::unix::fs::symlink("../../../secret.csv", wd.join("data/ledger/drop/evil.csv"))
        .expect("symlink");
    mkfifo(&wd.join("data/ledger/drop/pipe.csv"));
    let out = run_within(
        &wd,
        &[
            "import",
            "--fund",
            NG,
            "data/ledger/drop/evil.csv",
            "data/ledger/drop/pipe.csv",
        ],
    );
    out.expect_code(2)
        .stderr_has("data/ledger/drop/evil.csv: 这是指向来源文件夹以外的符号链接")
        .stderr_has("data/ledger/drop/pipe.csv: 这不是普通文件而是命名管道（FIFO）")
        .stderr_has("2 个文件被拒绝，本次未导入任何内容");
    assert!(!out.both().contains(MARKER), "{}", out.both());

    // The administrator may name any regular file: the secret is read (and rejected, quoting
    // its date) — which shows the test above would see it if the link were followed.
    let out = run_within(&wd, &["import", "--fund", NG, "secret.csv"]);
    out.expect_code(2).stderr_has(MARKER);
    // A file outside the folders that is a good export is imported.
    wd.write_str(
        "export.csv",
        "日期,凭证号,摘要,金额\n2025-03-05,记-0901,手工,1234.00\n",
    );
    run_within(&wd, &["import", "--fund", NG, "export.csv"])
        .ok()
        .stdout_has("export.csv: 读入分录 1 条");
}

#[test]
fn a_file_of_readings_would_quote_the_secret_if_it_were_read() {
    // The control of the refusal tests: the same bytes as a regular file in the folder are
    // read and rejected, quoting the marker.
    let wd = drop_folders();
    wd.write_str("data/indicators/copy.csv", &secret_csv());
    wd.write_str("data/ledger/drop/copy.csv", &secret_csv());
    let out = run_within(&wd, &["check", "--as-of", "2025-08-05"]);
    out.ok();
    let quoted = format!("\"{MARKER}\"");
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("data/indicators/copy.csv:2:") && l.contains(&quoted)),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("data/ledger/drop/copy.csv:2:") && l.contains(&quoted)),
        "{}",
        out.stderr
    );
}

#[test]
fn an_export_replaced_by_a_link_out_keeps_its_version_in_force() {
    let wd = Workdir::new(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    wd.write_str(
        "ledger/a.csv",
        "日期,凭证号,摘要,金额\n2025-03-05,记-0901,服务费,100.00\n",
    );
    // The check creates the database and keeps the version.
    run_within(&wd, &["check", "--as-of", "2025-07-01"]).ok();
    assert_eq!(wd.spent("2025-12-31", NG), "100.00");
    wd.write_str("secret.csv", &secret_csv());
    std::fs::remove_file(wd.join("ledger/a.csv")).expect("remove");
    std::os::unix::fs::symlink("../secret.csv", wd.join("ledger/a.csv")).expect("symlink");
    let status = run_within(&wd, &["status", "--as-of", "2025-12-31"]);
    status
        .ok()
        .stderr_has("ledger/a.csv: 这是指向来源文件夹以外的符号链接")
        .stderr_has("原有版本（分录 1 条）继续有效");
    assert!(!status.both().contains(MARKER), "{}", status.both());
    assert_eq!(wd.spent("2025-12-31", NG), "100.00");
    run_within(&wd, &["sources"])
        .ok()
        .stdout_has("计入旧版本；新版本被拒绝");
}
