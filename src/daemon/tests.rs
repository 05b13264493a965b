//! The daemon loop with paused tokio time: the test clock follows tokio's clock, so an hour of
//! schedule passes in milliseconds and every tick lands at an exact instant.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::*;

/// Wall-clock time that moves with tokio's (paused) clock.
struct TestClock {
    start: DateTime<Utc>,
    base: tokio::time::Instant,
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + (tokio::time::Instant::now() - self.base)
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Notifier for Recorder {
    fn notify(&self, states: &[NotifyState<'_>]) {
        let mut seen = self.0.lock().expect("recorder lock");
        seen.extend(states.iter().map(|s| s.to_string()));
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test time")
        .with_timezone(&Utc)
}

/// A config with one fund whose June milestone is missed, a CSV ledger, the file transport.
fn workdir(schedule: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("ledger.csv"),
        "日期,金额\n2025-03-01,40000.00\n2025-06-01,10000.00\n",
    )
    .expect("ledger");
    let file = dir.path().join("config.yaml");
    std::fs::write(&file, config_text(schedule)).expect("config");
    (dir, file)
}

/// The config of [`workdir`], without the monthly digest (the tests of the check loop count
/// its emails alone; `digest_runs_*` has it on).
fn config_text(schedule: &str) -> String {
    format!(
        "{}digest: {{enabled: false}}\n",
        config_with_digest(schedule)
    )
}

fn config_with_digest(schedule: &str) -> String {
    format!(
        "schedule: \"{schedule}\"\ndatabase: db/spendwatch.db\n\
         ledger: {{sources: [{{path: ledger.csv, fund: ng}}]}}\n\
         email: {{to: [finance@localhost], admin: [], transport: file, file: {{dir: outbox}}}}\n\
         funds:\n  - {{id: ng, code: C1, name: 网络综合治理, year: 2025, budget: 150000}}\n\
         web: {{listen: \"\"}}\n"
    )
}

struct Running {
    control: mpsc::UnboundedSender<Control>,
    events: mpsc::UnboundedReceiver<Event>,
    notes: Arc<Recorder>,
    task: tokio::task::JoinHandle<Result<(), DaemonError>>,
}

fn start(file: &Path, at: &str, watchdog: Option<Duration>) -> Running {
    let config = config::load_kept_in(file, None).expect("valid test config");
    let (control, control_rx) = mpsc::unbounded_channel();
    let (events_tx, events) = mpsc::unbounded_channel();
    let notes = Arc::new(Recorder::default());
    let deps = Deps {
        clock: Arc::new(TestClock {
            start: utc(at),
            base: tokio::time::Instant::now(),
        }),
        notifier: notes.clone(),
        watchdog,
        events: Some(events_tx),
        config_cache: None,
    };
    let task = tokio::spawn(run(file.to_owned(), config, deps, control_rx));
    Running {
        control,
        events,
        notes,
        task,
    }
}

impl Running {
    async fn next_check(&mut self) -> (DateTime<Utc>, usize) {
        loop {
            match self.events.recv().await.expect("daemon still running") {
                Event::Checked { at, emails, .. } => return (at, emails),
                Event::CheckFailed { at } => panic!("check failed at {at}"),
                _ => {}
            }
        }
    }

    async fn stop(mut self) -> Vec<String> {
        self.control.send(Control::Shutdown).expect("send shutdown");
        self.task
            .await
            .expect("daemon task")
            .expect("daemon result");
        while self.events.try_recv().is_ok() {}
        self.notes.0.lock().expect("lock").clone()
    }
}

#[tokio::test(start_paused = true)]
async fn checks_at_nine_shanghai_across_a_day_and_a_month_end() {
    let (_dir, file) = workdir("0 9 * * *");
    // 08:30 in Shanghai on 2025-06-29.
    let mut daemon = start(&file, "2025-06-29T00:30:00Z", None);
    let mut ticks = Vec::new();
    for _ in 0..4 {
        ticks.push(daemon.next_check().await.0);
    }
    assert_eq!(
        ticks,
        vec![
            utc("2025-06-29T00:30:00Z"), // at start
            utc("2025-06-29T01:00:00Z"),
            utc("2025-06-30T01:00:00Z"),
            utc("2025-07-01T01:00:00Z"), // across the month end
        ]
    );
    let notes = daemon.stop().await;
    assert_eq!(notes.first().map(String::as_str), Some("READY=1"));
    assert!(notes.iter().any(|n| n.starts_with("STATUS=last check 2025-07-01 09:00:00 CST (1 emails); next check 2025-07-02 09:00:00 CST")), "{notes:#?}");
    assert_eq!(notes.last().map(String::as_str), Some("STOPPING=1"));
}

#[tokio::test(start_paused = true)]
async fn a_milestone_passed_while_down_is_reported_at_start() {
    let (dir, file) = workdir("0 9 * * *");
    let mut daemon = start(&file, "2025-07-03T06:00:00Z", None);
    let (at, emails) = daemon.next_check().await;
    assert_eq!((at, emails), (utc("2025-07-03T06:00:00Z"), 1));
    daemon.stop().await;
    let store = Store::open(&dir.path().join("db/spendwatch.db")).expect("db");
    let rows = store.outbox_rows(10).expect("outbox");
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].subject.contains("未达6月底50%支出进度"),
        "{}",
        rows[0].subject
    );
}

#[tokio::test(start_paused = true)]
async fn reload_applies_a_valid_config_and_keeps_the_old_one_otherwise() {
    let (_dir, file) = workdir("0 9 * * *");
    let mut daemon = start(&file, "2025-06-29T00:30:00Z", None);
    daemon.next_check().await;

    std::fs::write(&file, "schedule: [not valid").expect("bad config");
    daemon.control.send(Control::Reload).expect("reload");
    loop {
        if let Some(Event::Reloaded { ok }) = daemon.events.recv().await {
            assert!(!ok);
            break;
        }
    }
    assert_eq!(
        daemon.next_check().await.0,
        utc("2025-06-29T01:00:00Z"),
        "the old schedule stays in effect"
    );

    std::fs::write(&file, config_text("30 10 * * *")).expect("new config");
    daemon.control.send(Control::Reload).expect("reload");
    loop {
        if let Some(Event::Reloaded { ok }) = daemon.events.recv().await {
            assert!(ok);
            break;
        }
    }
    assert_eq!(
        daemon.next_check().await.0,
        utc("2025-06-29T02:30:00Z"),
        "10:30 Shanghai"
    );
    let notes = daemon.stop().await;
    assert!(
        notes
            .windows(2)
            .any(|w| w[0] == "RELOADING=1" && w[1] == "READY=1"),
        "{notes:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_during_a_check_lets_the_check_finish() {
    let (dir, file) = workdir("0 9 * * *");
    let mut daemon = start(&file, "2025-07-03T06:00:00Z", None);
    // Asked to stop at once: the first check is under way and completes first.
    daemon.control.send(Control::Shutdown).expect("shutdown");
    let mut saw_check = false;
    while let Some(event) = daemon.events.recv().await {
        match event {
            Event::Checked { .. } => saw_check = true,
            Event::Stopped => break,
            _ => {}
        }
    }
    assert!(saw_check, "the check in flight finished before the stop");
    daemon.task.await.expect("task").expect("clean stop");
    let store = Store::open(&dir.path().join("db/spendwatch.db")).expect("db");
    assert_eq!(store.alert_rows().expect("alerts").len(), 1);
    assert_eq!(store.outbox_rows(10).expect("outbox").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_watchdog_is_pinged_between_checks() {
    let (_dir, file) = workdir("0 9 * * *");
    let mut daemon = start(&file, "2025-06-29T00:30:00Z", Some(Duration::from_secs(10)));
    daemon.next_check().await;
    daemon.next_check().await; // 30 minutes later
    let notes = daemon.stop().await;
    let pings = notes.iter().filter(|n| *n == "WATCHDOG=1").count();
    // Every 10 s for 30 minutes.
    assert!(pings >= 180, "{pings} pings");
}

#[tokio::test(start_paused = true)]
async fn a_second_daemon_on_the_database_stops_before_touching_it() {
    let (dir, file) = workdir("0 9 * * *");
    let db = dir.path().join("db/spendwatch.db");
    // The first daemon holds the lock (here without a database yet, to see that the second
    // one creates nothing).
    let first = DaemonLock::acquire(&db).expect("the first daemon's lock");
    let mut second = start(&file, "2025-07-03T06:00:00Z", None);
    let result = (&mut second.task).await.expect("daemon task");
    match result {
        Err(DaemonError::Lock(LockError::Held { holder, .. })) => {
            assert_eq!(holder, format!("PID {}", std::process::id()));
        }
        other => panic!("the second daemon ran: {other:?}"),
    }
    assert!(!db.exists(), "the refused daemon opened the database");
    assert!(
        second.events.try_recv().is_err(),
        "the refused daemon checked"
    );
    assert!(second.notes.0.lock().expect("lock").is_empty());

    // Once the first is gone, a daemon starts (the lock file it left does not block).
    drop(first);
    let mut third = start(&file, "2025-07-03T06:00:00Z", None);
    third.next_check().await;
    third.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_reload_onto_a_database_another_daemon_holds_is_refused() {
    let (dir, file) = workdir("0 9 * * *");
    let mut daemon = start(&file, "2025-06-29T00:30:00Z", None);
    daemon.next_check().await;
    let other = dir.path().join("other/spendwatch.db");
    let _held = DaemonLock::acquire(&other).expect("another daemon's lock");
    std::fs::write(
        &file,
        config_text("30 10 * * *").replace("db/spendwatch.db", "other/spendwatch.db"),
    )
    .expect("new config");
    daemon.control.send(Control::Reload).expect("reload");
    loop {
        if let Some(Event::Reloaded { ok }) = daemon.events.recv().await {
            assert!(!ok, "reloaded onto a database another daemon holds");
            break;
        }
    }
    assert!(!other.exists());
    assert_eq!(
        daemon.next_check().await.0,
        utc("2025-06-29T01:00:00Z"),
        "the old config stays in effect"
    );
    daemon.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_status_line_says_when_money_is_counted_twice() {
    let (dir, file) = workdir("0 9 * * *");
    // The same export saved under a second name, both listed.
    std::fs::copy(dir.path().join("ledger.csv"), dir.path().join("copy.csv")).expect("copy");
    std::fs::write(
        &file,
        config_text("0 9 * * *").replace(
            "[{path: ledger.csv, fund: ng}]",
            "[{path: ledger.csv, fund: ng}, {path: copy.csv, fund: ng}]",
        ),
    )
    .expect("config");
    let mut daemon = start(&file, "2025-07-03T06:00:00Z", None);
    daemon.next_check().await;
    let notes = daemon.stop().await;
    assert!(
        notes.iter().any(|n| n.starts_with("STATUS=")
            && n.ends_with(
                "money counted twice through 1 pair(s) of ledger files (spendwatch sources)"
            )),
        "{notes:#?}"
    );
}

impl Running {
    /// The next digest event: (period, queued now).
    async fn next_digest(&mut self) -> (String, bool) {
        loop {
            match self.events.recv().await.expect("daemon still running") {
                Event::Digest { period, queued } => return (period, queued),
                Event::CheckFailed { at } => panic!("check failed at {at}"),
                _ => {}
            }
        }
    }
}

/// The digest at start for the latest fire time missed, at each fire time after, once per
/// period across restarts, and after a long downtime only the latest period.
#[tokio::test(start_paused = true)]
async fn digest_runs_at_its_fire_times_and_catches_up_the_latest_missed_once() {
    let (dir, file) = workdir("0 9 * * *");
    std::fs::write(&file, config_with_digest("0 9 * * *")).expect("config");
    // 10:00 in Shanghai on 2025-07-30: the digest of 07-01 (June) was never sent.
    let mut daemon = start(&file, "2025-07-30T02:00:00Z", None);
    assert_eq!(daemon.next_digest().await, ("2025-06".to_owned(), true));
    // 2025-08-01 09:00 Shanghai: July's.
    assert_eq!(daemon.next_digest().await, ("2025-07".to_owned(), true));
    daemon.stop().await;
    // Restarted the same morning: July's was sent; nothing is sent again.
    let mut daemon = start(&file, "2025-08-01T03:00:00Z", None);
    assert_eq!(daemon.next_digest().await, ("2025-07".to_owned(), false));
    daemon.stop().await;
    // Down from August to mid-October: only September's (made on 10-01), not August's.
    let mut daemon = start(&file, "2025-10-15T02:00:00Z", None);
    assert_eq!(daemon.next_digest().await, ("2025-09".to_owned(), true));
    daemon.stop().await;
    let store = Store::open(&dir.path().join("db/spendwatch.db")).expect("store");
    let periods: Vec<(String, String)> = store
        .digests()
        .expect("digests")
        .into_iter()
        .map(|d| (d.period.key(), d.made_on.to_string()))
        .collect();
    assert_eq!(
        periods,
        [
            ("2025-06".to_owned(), "2025-07-01".to_owned()),
            ("2025-07".to_owned(), "2025-08-01".to_owned()),
            ("2025-09".to_owned(), "2025-10-01".to_owned()),
        ]
    );
    let subjects: Vec<String> = store
        .outbox_rows(100)
        .expect("outbox")
        .into_iter()
        .map(|r| r.subject)
        .filter(|s| s.starts_with("【月度通报】"))
        .collect();
    assert_eq!(subjects.len(), 3, "{subjects:#?}");
}

/// A reload while the start's check runs keeps the missed digest due at start: it is still
/// sent, once.
#[tokio::test(start_paused = true)]
async fn a_reload_at_start_keeps_the_missed_digest() {
    let (_dir, file) = workdir("0 9 * * *");
    std::fs::write(&file, config_with_digest("0 9 * * *")).expect("config");
    let mut daemon = start(&file, "2025-07-30T02:00:00Z", None);
    daemon.control.send(Control::Reload).expect("reload");
    assert_eq!(daemon.next_digest().await, ("2025-06".to_owned(), true));
    assert_eq!(daemon.next_digest().await, ("2025-07".to_owned(), true));
    daemon.stop().await;
}

/// The daemon sends the digests of the months of its funds' years only: not December before a
/// new install's first year, not the months after the funds' last year closed.
#[test]
fn digests_only_for_months_of_the_funds_years() {
    let (_dir, file) = workdir("0 9 * * *");
    std::fs::write(&file, config_with_digest("0 9 * * *")).expect("config");
    let config = config::load_kept_in(&file, None).expect("config");
    let day = |y, m| NaiveDate::from_ymd_opt(y, m, 1).expect("day");
    assert!(!worth_reporting(&config, day(2025, 1)));
    assert!(worth_reporting(&config, day(2025, 2)));
    assert!(worth_reporting(&config, day(2026, 1)));
    assert!(!worth_reporting(&config, day(2026, 2)));
}
