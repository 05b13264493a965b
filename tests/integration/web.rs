//! The dashboard of the real `spendwatch run`, over real HTTP on loopback: the pages with the
//! sample data, the machine endpoints (`/healthz`, `/metrics` read by a Prometheus parser,
//! `/api/status` equal to `status --format json`), read-only methods, security headers, the
//! trusted proxy, and hostile text from ledger files shown as text — in the HTML and, through
//! headless Chromium with its console on stderr, in a real browser where nothing may run.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::smtp::{Smtp, workdir};
use super::smtp_server::{SmtpServer, free_port};
use super::util::{NG, Workdir, X, xlsx};

/// How long the daemon may take to serve its first check.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// An HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`), with `extra` header
/// lines; the body is read to the end (chunked bodies are not used by the server for pages).
fn request(port: u16, method: &str, path: &str, extra: &[&str]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the dashboard");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let text = String::from_utf8(raw).expect("the answer is UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

fn get(port: u16, path: &str) -> Answer {
    request(port, "GET", path, &[])
}

/// `spendwatch run` in `wd` serving the dashboard on a free port; stopped when dropped.
struct Dashboard {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Dashboard {
    /// Starts the daemon and waits for its first check and for the dashboard to answer.
    fn start(wd: &Workdir) -> Dashboard {
        let port = free_port();
        wd.edit_config(|doc| {
            doc["web"] =
                serde_yaml::from_str(&format!("{{listen: \"127.0.0.1:{port}\"}}")).expect("YAML");
        });
        Dashboard::start_as_configured(wd, port)
    }

    fn start_as_configured(wd: &Workdir, port: u16) -> Dashboard {
        let log = wd.join("daemon.log");
        let child = Command::new(env!("CARGO_BIN_EXE_spendwatch"))
            .args(["--config", "config.yaml", "run"])
            .current_dir(wd.path())
            .env_remove("SPENDWATCH_CONFIG")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("daemon.log"))
            .spawn()
            .expect("start spendwatch run");
        let dashboard = Dashboard { child, port, log };
        dashboard.wait_for("check done");
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "no dashboard on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        dashboard
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + START_TIMEOUT;
        while !self.log().contains(text) {
            assert!(
                Instant::now() < deadline,
                "the daemon did not log {text:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The security headers every answer must carry.
fn assert_secure(a: &Answer, what: &str) {
    let csp = a.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'")
            && !csp.contains("script-src")
            && !csp.contains("unsafe"),
        "{what}: Content-Security-Policy {csp:?}"
    );
    assert_eq!(
        a.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(a.header("x-frame-options"), Some("DENY"), "{what}");
}

#[test]
fn every_page_answers_for_the_sample_data_with_its_figures() {
    let wd = Workdir::samples_with_readings();
    let web = Dashboard::start(&wd);
    let day = "as_of=2025-07-15";
    let overview = get(web.port, &format!("/?{day}"));
    assert_eq!(overview.status, 200, "{}", overview.body);
    assert_eq!(
        overview.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_secure(&overview, "/");
    for text in [
        "网络综合治理体系建设专项资金",
        "招商引资专项业务费",
        // The seed's figures on 07-15: spent, 执行率, 序时进度 (status agrees, see below).
        "65,998.50",
        "44.00%",
        "53.70%",
        "合计",
        "250,000.00",
        "<svg",
    ] {
        assert!(overview.body.contains(text), "/ lacks {text:?}");
    }
    // Sorted by the gap: the fund furthest behind 序时 comes first.
    let by_gap = get(web.port, &format!("/?{day}&sort=gap")).body;
    let (ng, ip) = (
        by_gap.find("/fund/network-governance").expect("ng row"),
        by_gap.find("/fund/investment-promotion").expect("ip row"),
    );
    assert!(
        ng < ip,
        "sort=gap: network-governance (9.70 points behind) first"
    );

    let fund = get(web.port, &format!("/fund/{NG}?{day}"));
    assert_eq!(fund.status, 200);
    for text in [
        "累计支出进度图",
        "支出节点",
        "支出预测",
        "追赶计划",
        "绩效指标",
        "情况说明",
        "月度支出",
        "支出明细",
        "网络综合治理-明细账.csv:",
    ] {
        assert!(fund.body.contains(text), "/fund lacks {text:?}");
    }
    assert!(fund.body.contains("第 1 / 1 页"), "38 entries fit one page");

    for path in ["/alerts", "/health", "/assets/style.css"] {
        let a = get(web.port, path);
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        assert_secure(&a, path);
    }
    let health = get(web.port, "/health").body;
    for text in [
        "最近一次检查",
        "账务数据文件",
        "邮件发送",
        "结构版本",
        env!("CARGO_PKG_VERSION"),
    ] {
        assert!(health.contains(text), "/health lacks {text:?}");
    }
    assert_eq!(
        get(web.port, "/assets/style.css").header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(get(web.port, "/fund/no-such-fund").status, 404);
    assert_eq!(get(web.port, "/nothing-here").status, 404);
    let bad_day = get(web.port, "/?as_of=2025-02-30");
    assert_eq!(bad_day.status, 400);
    assert!(
        bad_day.body.contains("2025-07-15"),
        "the 400 says how to write it"
    );
}

#[test]
fn only_get_and_head_are_answered() {
    let wd = Workdir::samples();
    let web = Dashboard::start(&wd);
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        for path in ["/", "/api/status", "/healthz", "/fund/network-governance"] {
            let a = request(web.port, method, path, &["Content-Length: 0"]);
            assert_eq!(a.status, 405, "{method} {path}");
            assert_eq!(a.header("allow"), Some("GET, HEAD"), "{method} {path}");
            assert_secure(&a, method);
        }
    }
    let head = request(web.port, "HEAD", "/", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
}

#[test]
fn api_status_is_the_json_of_status_for_the_same_day() {
    let wd = Workdir::samples_with_readings();
    let web = Dashboard::start(&wd);
    for day in ["2025-03-31", "2025-07-15", "2025-12-31"] {
        let api = get(web.port, &format!("/api/status?as_of={day}"));
        assert_eq!(api.status, 200);
        assert_eq!(api.header("content-type"), Some("application/json"));
        let api: serde_json::Value = serde_json::from_str(&api.body).expect("JSON");
        assert_eq!(api, wd.status_json(day), "{day}");
    }
}

#[test]
fn metrics_are_prometheus_text_with_each_funds_figures() {
    let wd = Workdir::samples();
    let web = Dashboard::start(&wd);
    let a = get(web.port, "/metrics");
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let lines = a.body.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
    let value = |name: &str, fund: Option<&str>| -> f64 {
        let sample = scrape
            .samples
            .iter()
            .find(|s| s.metric == name && fund.is_none_or(|f| s.labels.get("fund") == Some(f)))
            .unwrap_or_else(|| panic!("no {name} for {fund:?} in:\n{}", a.body));
        match sample.value {
            prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
            ref other => panic!("{name}: {other:?}"),
        }
    };
    // Today the samples' year is over: the figures are those of 12-31, as status says.
    let status = wd.run(&["status", "--format", "json"]).json();
    let ng = &status["funds"][0];
    assert_eq!(value("spendwatch_fund_budget_yuan", Some(NG)), 150_000.0);
    let spent: f64 = ng["spent"]
        .as_str()
        .expect("spent")
        .parse()
        .expect("number");
    assert_eq!(value("spendwatch_fund_spent_yuan", Some(NG)), spent);
    assert!(
        (value("spendwatch_fund_execution_ratio", Some(NG)) - ng["rate"].as_f64().expect("rate"))
            .abs()
            < 1e-4
    );
    assert_eq!(value("spendwatch_fund_time_ratio", Some(NG)), 1.0);
    assert_eq!(value("spendwatch_last_check_success", None), 1.0);
    assert!(value("spendwatch_last_check_timestamp_seconds", None) > 1.7e9);
    assert!(value("spendwatch_last_ledger_change_timestamp_seconds", None) > 1.7e9);
    let firing: f64 = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "spendwatch_alerts_firing")
        .map(|s| match s.value {
            prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum();
    assert!(
        firing >= 1.0,
        "the samples' year closed with a missed milestone"
    );
    assert_eq!(value("spendwatch_outbox_failed", None), 0.0);
}

#[test]
fn the_proxy_header_is_accepted_only_from_listed_addresses() {
    let wd = Workdir::samples();
    let port = free_port();
    wd.edit_config(|doc| {
        doc["web"] = serde_yaml::from_str(&format!(
            "{{listen: \"127.0.0.1:{port}\", trusted_proxies: [127.0.0.1], user_header: X-Remote-User}}"
        ))
        .expect("YAML");
    });
    let web = Dashboard::start_as_configured(&wd, port);
    assert_eq!(
        get(web.port, "/").status,
        403,
        "no user name from the proxy"
    );
    assert_eq!(
        request(web.port, "GET", "/", &["X-Remote-User: "]).status,
        403,
        "an empty user name"
    );
    let signed_in = request(web.port, "GET", "/", &["X-Remote-User: zhangsan"]);
    assert_eq!(signed_in.status, 200);
    drop(web);

    // The header from an address not listed counts for nothing.
    let port = free_port();
    wd.edit_config(|doc| {
        doc["web"] = serde_yaml::from_str(&format!(
            "{{listen: \"127.0.0.1:{port}\", trusted_proxies: [10.9.9.9]}}"
        ))
        .expect("YAML");
    });
    let web = Dashboard::start_as_configured(&wd, port);
    let forged = request(web.port, "GET", "/", &["X-Remote-User: zhangsan"]);
    assert_eq!(forged.status, 403);
    assert_secure(&forged, "403");
}

#[test]
fn healthz_turns_503_while_mail_fails_and_200_once_it_goes() {
    let server = SmtpServer::start();
    server.set_fail("MAIL 451 4.3.0 Try again later");
    let wd = workdir(&server, Smtp::starttls(&server));
    let web = Dashboard::start(&wd);
    // The first check queued the year-end notice; the sender's attempt failed.
    web.wait_for("email not sent");
    let failing = get(web.port, "/healthz");
    assert_eq!(failing.status, 503, "{}", failing.body);
    assert!(
        failing.body.contains("mail failing") && failing.body.contains("451"),
        "the reason: {}",
        failing.body
    );
    assert!(get(web.port, "/health").body.contains("451"));

    server.clear_fail();
    wd.run(&["outbox", "--retry"]).ok();
    let healthy = get(web.port, "/healthz");
    assert_eq!(healthy.status, 200, "{}", healthy.body);
    assert_eq!(healthy.body, "ok\n");
}

/// Text that would be markup, script, a broken attribute or reordered text if shown raw.
const HOSTILE: &[&str] = &[
    "<script>console.log('XSS-script')</script>",
    "<img src=x onerror=console.log('XSS-img')>",
    "\"><svg onload=console.log('XSS-svg')>",
    "' onmouseover='console.log(1)' x='",
    "</title></textarea><script>console.log('XSS-close')</script>",
    "javascript:console.log('XSS-js')",
    "&lt;b&gt;pre-escaped&lt;/b&gt;",
    "{{7*7}}${7*7}",
    "付款\u{202e}gnp.exe",
];

/// The hostile corpus as memos and vouchers of a CSV named like markup, and of a workbook
/// whose sheet is named like markup.
fn hostile_workdir() -> Workdir {
    let wd = Workdir::new(&[
        "{path: \"ledger/*.csv\", fund: network-governance}",
        "{path: \"ledger/*.xlsx\", fund: investment-promotion}",
    ]);
    wd.edit_config(|doc| {
        doc["email"] = serde_yaml::from_str(
            "{to: [finance@localhost], admin: [], transport: file, file: {dir: outbox}}",
        )
        .expect("YAML");
    });
    let mut csv = String::from("日期,凭证号,摘要,金额\n");
    for (i, text) in HOSTILE.iter().enumerate() {
        let quoted = format!("\"{}\"", text.replace('"', "\"\""));
        csv.push_str(&format!(
            "2025-03-{:02},{quoted},{quoted},{}.00\n",
            i + 1,
            100 + i
        ));
    }
    let long = "超长摘要".repeat(500);
    csv.push_str(&format!("2025-04-01,V-long,{long},1.00\n"));
    wd.write_str("ledger/\"><svg onload=console.log('XSS-file')>.csv", &csv);
    let rows: Vec<Vec<X<'_>>> = std::iter::once(vec![
        X::Text("日期"),
        X::Text("凭证号"),
        X::Text("摘要"),
        X::Text("金额"),
    ])
    .chain(HOSTILE.iter().enumerate().map(|(i, text)| {
        vec![
            X::Text(if i % 2 == 0 {
                "2025-05-06"
            } else {
                "2025-05-07"
            }),
            X::Text(text),
            X::Text(text),
            X::Number(10.0 + i as f64),
        ]
    }))
    .collect();
    wd.write("ledger/b.xlsx", xlsx("<b onmouseover=x>'\"", &rows));
    wd
}

#[test]
fn hostile_text_from_ledger_files_is_shown_as_text() {
    let wd = hostile_workdir();
    let web = Dashboard::start(&wd);
    let pages = [
        format!("/fund/{NG}?as_of=2025-07-15"),
        "/fund/investment-promotion?as_of=2025-07-15".to_owned(),
        "/health".to_owned(),
        "/?as_of=2025-07-15".to_owned(),
        "/alerts".to_owned(),
    ];
    for path in &pages {
        let a = get(web.port, path);
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        for raw in ["<script", "<img", "<svg onload", "<b ", "<iframe"] {
            assert!(!a.body.contains(raw), "{path} holds {raw:?} unescaped");
        }
        // The bidi override is shown, not obeyed.
        assert!(!a.body.contains('\u{202e}'), "{path}: raw U+202E");
    }
    let fund = get(web.port, &pages[0]).body;
    assert!(
        fund.contains("&lt;script&gt;console.log("),
        "memos shown as text"
    );
    assert!(
        fund.contains("付款\\u{202e}gnp.exe"),
        "the override escaped"
    );
    assert!(
        fund.contains("&amp;lt;b&amp;gt;pre-escaped"),
        "escaped once more, as text"
    );
    let health = get(web.port, "/health").body;
    assert!(
        health.contains("&quot;&gt;&lt;svg onload=console.log(&#39;XSS-file&#39;)&gt;.csv")
            || health.contains("&quot;&gt;&lt;svg onload=console.log('XSS-file')&gt;.csv"),
        "the file named like markup is listed as text"
    );
    let ip = get(web.port, &pages[1]).body;
    assert!(
        ip.contains("b.xlsx:&lt;b onmouseover=x&gt;"),
        "sheet names as text"
    );

    // The console is heard: a page that does log is seen to (else "nothing logged" below
    // would prove nothing).
    wd.write_str(
        "control.html",
        "<p>x</p><script>console.log('control-heard')</script>",
    );
    let (_, heard) = chromium(
        &format!("file://{}", wd.join("control.html").display()),
        &wd,
    );
    assert!(
        heard.iter().any(|l| l.contains("control-heard")),
        "chromium's console is not on stderr: the checks below would pass blind"
    );
    // In a real browser: nothing runs and nothing is refused (a refused inline script would
    // be logged too), and the document holds no element made from ledger text.
    for path in &pages {
        let (dom, console) = chromium(&format!("http://127.0.0.1:{}{path}", web.port), &wd);
        assert!(
            console.is_empty(),
            "{path}: the browser console said:\n{}",
            console.join("\n")
        );
        for tag in ["<script", "<img", "<iframe", "<b "] {
            assert!(!dom.contains(tag), "{path}: the browser built {tag:?}");
        }
        if let Some(tag) = tag_with_handler(&dom) {
            panic!("{path}: the browser built an element with an event handler: {tag}");
        }
    }
}

/// Debian's headless Chromium on `url`: the DOM it built and the lines its console printed.
fn chromium(url: &str, wd: &Workdir) -> (String, Vec<String>) {
    let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|b| Path::new(b).exists())
        .expect("needs Debian's chromium: apt-get install chromium");
    let profile = tempfile::tempdir_in(wd.path()).expect("profile");
    let out = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .expect("run chromium");
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .map(str::to_owned)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// The first tag of serialised `html` with an event-handler attribute (` onload=`, …). Text
/// is serialised with `<` as `&lt;`, so every `<` starts a real tag.
fn tag_with_handler(html: &str) -> Option<&str> {
    html.split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(t))
        .find(|tag| {
            tag.split_whitespace().skip(1).any(|attr| {
                let name = attr.split('=').next().unwrap_or(attr).to_ascii_lowercase();
                name.starts_with("on") && attr.contains('=')
            })
        })
}

/// Every page of the samples at a desktop width and a phone's, as PNG in
/// `target/web-screenshots/` (the README's overview is one of them): to be looked at.
#[test]
fn every_page_is_drawn_by_a_real_browser_at_desktop_and_phone_width() {
    let wd = Workdir::samples_with_readings();
    let web = Dashboard::start(&wd);
    let out = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/web-screenshots");
    std::fs::create_dir_all(&out).expect("screenshot folder");
    let day = "as_of=2025-07-15";
    for (name, path) in [
        ("overview", format!("/?{day}&sort=gap")),
        ("fund", format!("/fund/{NG}?{day}")),
        ("alerts", format!("/alerts?{day}")),
        ("health", "/health".to_owned()),
    ] {
        for (width, height) in [(1280, 2000), (390, 2400)] {
            let file = out.join(format!("{name}-{width}.png"));
            let _ = std::fs::remove_file(&file);
            let profile = tempfile::tempdir_in(wd.path()).expect("profile");
            let status = Command::new("/usr/bin/chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--hide-scrollbars",
                ])
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .arg(format!("--window-size={width},{height}"))
                .arg(format!("--screenshot={}", file.display()))
                .arg(format!("http://127.0.0.1:{}{path}", web.port))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("needs Debian's chromium: apt-get install chromium");
            assert!(status.success(), "{name} at {width}px");
            let png = std::fs::read(&file).expect("the screenshot");
            assert!(
                png.starts_with(b"\x89PNG") && png.len() > 10_000,
                "{name} at {width}px: no picture of the page"
            );
        }
    }
}

/// 120 entries of 100.00 yuan for network-governance, one every third day of 2025 from
/// 01-02 (the last on 12-29), and the same three March entries in two files (counted twice).
fn paged_workdir() -> Workdir {
    let wd = Workdir::new(&["{path: \"ledger/*.csv\", fund: network-governance}"]);
    wd.edit_config(|doc| {
        doc["email"] = serde_yaml::from_str(
            "{to: [finance@localhost], admin: [], transport: file, file: {dir: outbox}}",
        )
        .expect("YAML");
    });
    let mut csv = String::from("日期,凭证号,摘要,金额\n");
    let first = chrono::NaiveDate::from_ymd_opt(2025, 1, 2).expect("day");
    for i in 0..120 {
        let day = first + chrono::Days::new(3 * i);
        csv.push_str(&format!("{day},V{i:03},办公费,100.00\n"));
    }
    wd.write_str("ledger/a.csv", &csv);
    wd.write_str(
        "ledger/b.csv",
        "日期,凭证号,摘要,金额\n2025-01-02,V000,办公费,100.00\n2025-01-05,V001,办公费,100.00\n",
    );
    wd
}

#[test]
fn a_fund_page_keeps_its_day_pages_its_entries_and_adds_up_by_month() {
    let wd = paged_workdir();
    let web = Dashboard::start(&wd);
    // On 07-15: the entries of 01-02 … 07-13 (every third day: 65 of them), two more through
    // the second file.
    let day = "as_of=2025-07-15";
    let overview = get(web.port, &format!("/?{day}")).body;
    assert!(
        overview.contains(&format!("href=\"/fund/{NG}?{day}\"")),
        "the overview's fund link keeps the day"
    );
    let first = get(web.port, &format!("/fund/{NG}?{day}"));
    assert_eq!(first.status, 200);
    assert!(
        first.body.contains("截至数据日期共 67 条"),
        "entries to the day only"
    );
    assert!(first.body.contains("第 1 / 2 页"));
    assert!(
        first.body.contains("<td>2025-07-13</td>"),
        "the last line to the day comes early"
    );
    assert!(
        !first.body.contains("<td>2025-07-16</td>"),
        "nothing after the day"
    );
    assert!(
        first
            .body
            .contains(&format!("href=\"/fund/{NG}?{day}&amp;page=2\""))
    );
    let second = get(web.port, &format!("/fund/{NG}?{day}&page=2"));
    assert_eq!(second.status, 200);
    assert!(second.body.contains("第 2 / 2 页"));
    assert!(
        second.body.contains("<td>2025-01-02</td>"),
        "the first lines last"
    );
    assert_eq!(
        first.body.matches("<td>2025-01-05</td>").count()
            + second.body.matches("<td>2025-01-05</td>").count(),
        2,
        "both files' entries"
    );
    assert_eq!(
        get(web.port, &format!("/fund/{NG}?{day}&page=3")).status,
        404
    );
    assert_eq!(
        get(web.port, &format!("/fund/{NG}?page=18446744073709551615")).status,
        400
    );

    // The two files hold the same two entries: said to be counted twice, as status says.
    assert!(
        first.body.contains("被重复计入"),
        "the duplicates are not said to be counted once"
    );
    // July to the 15th: 07-01, 07-04, 07-07, 07-10, 07-13.
    let july = first
        .body
        .split("<td>7月</td>")
        .nth(1)
        .expect("a July row")
        .split("</tr>")
        .next()
        .expect("row");
    assert!(july.contains(">500.00<"), "July to the 15th: {july}");
    assert!(
        july.contains(">6,700.00<"),
        "cumulative to 07-15 (67 × 100.00): {july}"
    );
}
