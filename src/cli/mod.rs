//! The command line: argument parsing, locating the config, and the subcommands (one file each).
//!
//! Every subcommand returns `Result<(), Failure>`; a [`Failure`] carries its [`ExitKind`] so
//! that `main` only prints it and exits with its status.

/// `print!` to standard output that stops quietly, with status 0, when the reader has gone
/// (`spendwatch status | head`) instead of panicking on the broken pipe (see [`write_out`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

/// `println!` with [`out!`]'s handling of a closed pipe.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod alerts_cmd;
mod backup_cmd;
mod check_cmd;
mod config_cmd;
mod digest_cmd;
mod explain_cmd;
mod import_cmd;
mod indicators_cmd;
mod logging;
mod report_cmd;
mod run_cmd;
mod sources_cmd;
mod status;

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::app::import::{self, ImportError, Outcome};
use crate::config::{self, Config, ConfigError};
use crate::store::{Store, StoreError};

/// Where the config is looked for when neither --config nor $SPENDWATCH_CONFIG is given.
const CONFIG_SEARCH: [&str; 2] = ["config.yaml", "/etc/spendwatch/config.yaml"];

#[derive(Debug, Parser)]
#[command(
    name = "spendwatch",
    version,
    about = "Watches budget funds' spending against their plan and warns by email"
)]
struct Cli {
    /// The config file [default: ./config.yaml, then /etc/spendwatch/config.yaml]
    #[arg(long, global = true, env = "SPENDWATCH_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show each fund's spending, rates and milestones
    Status {
        /// Evaluate as of this day instead of today (2025-07-15, 2025/7/15, 20250715, 2025年7月15日)
        #[arg(long, value_name = "DAY", value_parser = parse_day)]
        as_of: Option<NaiveDate>,
        /// Output format
        #[arg(long, value_enum, default_value_t = status::Format::Table)]
        format: status::Format,
    },
    /// Import ledger files (CSV, TSV, XLSX, XLS); all or nothing
    Import {
        /// The files to import
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The fund of files that have no fund column
        #[arg(long, value_name = "ID")]
        fund: Option<String>,
        /// Read and report, but change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Run as a daemon: check at start and on the schedule, deliver email, reload on SIGHUP
    Run,
    /// One check as the daemon does it: import, evaluate, alert, send
    Check {
        /// Check as the daemon would on this day (2025-07-15, 2025/7/15, 20250715, 2025年7月15日), e.g. to replay a season
        #[arg(long, value_name = "DAY", value_parser = parse_day)]
        as_of: Option<NaiveDate>,
        /// Print the emails that would be sent; change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Make the monthly digest (月度通报) of the month before DAY and send it, once per month
    Digest {
        /// Make it as on this day (default today): it reports the month before this day's month
        #[arg(long, value_name = "DAY", value_parser = parse_day)]
        as_of: Option<NaiveDate>,
        /// Print the digest; change nothing and send nothing
        #[arg(long)]
        dry_run: bool,
        /// Send it again although this month's digest was sent already
        #[arg(long)]
        force: bool,
    },
    /// Show alert states and their history
    Alerts,
    /// Record why a fund lags (情况说明), list the explanations (--list), or withdraw one
    /// (--withdraw ID)
    Explain(explain_cmd::ExplainArgs),
    /// Show pending and failed emails
    Outbox {
        /// Re-queue failed emails and try every waiting email now (after fixing the cause)
        #[arg(long)]
        retry: bool,
    },
    /// List every ledger source (in force, superseded, missing, no longer configured …), or
    /// withdraw one
    Sources {
        /// Withdraw the source at PATH for good: its entries leave the database (shown first)
        #[arg(long, value_name = "PATH")]
        forget: Option<PathBuf>,
        /// With --forget: show what would be withdrawn; change nothing
        #[arg(long, requires = "forget")]
        dry_run: bool,
        /// Output format
        #[arg(long, value_enum, default_value_t = sources_cmd::Format::Table)]
        format: sources_cmd::Format,
    },
    /// Send a test email through the configured transport
    TestEmail {
        /// Recipient [default: email.to]
        #[arg(long, value_name = "ADDR")]
        to: Option<String>,
    },
    /// Write a consistent copy of the database, also while the daemon runs
    Backup {
        /// The copy to write (a new file; see --force)
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Replace FILE if it exists (the old copy stays until the new one is complete)
        #[arg(long)]
        force: bool,
    },
    /// Work with the indicators (绩效指标): the template of readings (完成值) to fill in
    Indicators {
        #[command(subcommand)]
        command: IndicatorsCommand,
    },
    /// Write the forms the office hands in: `report monitor` (the 监控表, XLSX)
    Report {
        #[command(subcommand)]
        command: report_cmd::ReportCommand,
    },
    /// Work with the config file
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum IndicatorsCommand {
    /// Write the XLSX of readings to fill in: one row per indicator and month, 完成值 empty
    Template {
        /// The file to write [default: 完成值-YEAR.xlsx here]; - for stdout
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The year [default: the latest year of the configured funds]
        #[arg(long, value_name = "YEAR")]
        year: Option<i32>,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate the config and print the effective settings
    Check,
}

/// `--as-of`: every form of a full date the ledger reader accepts (2025-07-15, 2025/7/15,
/// 2025.07.15, 20250715, 2025年7月15日), so a day copied from an export works as it is.
fn parse_day(text: &str) -> Result<NaiveDate, String> {
    crate::ledger::parse_date(text)
}

/// Runs the command line `args` (including the program name). `--help` and `--version` print
/// and succeed. Call it from `main` alone, before any other thread starts: for every command
/// but `run` it first sets up the allocator for a short life, which glibc allows only while the
/// process has one thread.
///
/// # Errors
/// A [`Failure`] carrying the message to print and the exit status: [`ExitKind::Invalid`] for
/// bad usage (already printed by clap, so the message is empty), a config that is missing or
/// invalid, or a rejected input file; [`ExitKind::Runtime`] for a database, I/O or daemon
/// failure.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<(), Failure> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not failures; everything else is bad usage.
            return if e.use_stderr() {
                Err(Failure::silent(ExitKind::Invalid))
            } else {
                Ok(())
            };
        }
    };
    if !matches!(cli.command, Command::Run) {
        crate::memory::for_one_command();
    }
    init_logging(&cli.command);
    let config_path = locate_config(cli.config)?;
    let config = load(&config_path)?;
    match cli.command {
        Command::Status { as_of, format } => status::run(&config, as_of, format),
        Command::Import {
            files,
            fund,
            dry_run,
        } => import_cmd::run(&config, &files, fund, dry_run),
        Command::Run => run_cmd::run(&config_path, config),
        Command::Check { as_of, dry_run } => check_cmd::run(&config, as_of, dry_run),
        Command::Digest {
            as_of,
            dry_run,
            force,
        } => digest_cmd::run(&config, as_of, dry_run, force),
        Command::Alerts => alerts_cmd::alerts(&config),
        Command::Explain(args) => explain_cmd::run(&config, args),
        Command::Outbox { retry } => alerts_cmd::outbox(&config, retry),
        Command::Sources {
            forget,
            dry_run,
            format,
        } => sources_cmd::run(&config, forget.as_deref(), dry_run, format),
        Command::TestEmail { to } => alerts_cmd::test_email(&config, to),
        Command::Backup { file, force } => backup_cmd::run(&config, &file, force),
        Command::Config {
            command: ConfigCommand::Check,
        } => config_cmd::check(&config),
        Command::Indicators {
            command:
                IndicatorsCommand::Template {
                    output,
                    year,
                    force,
                },
        } => indicators_cmd::template(&config, output, year, force),
        Command::Report { command } => report_cmd::run(&config, command),
    }
}

/// The default log filter: what each command is about at info; warnings only for commands
/// whose output is the point.
fn init_logging(command: &Command) {
    let default = match command {
        Command::Run
        | Command::Check { .. }
        | Command::Digest { .. }
        | Command::Outbox { .. }
        | Command::TestEmail { .. } => "spendwatch=info",
        _ => "spendwatch=warn",
    };
    logging::init(default);
}

fn locate_config(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    if let Some(path) = given {
        return Ok(path);
    }
    CONFIG_SEARCH.iter().map(PathBuf::from).find(|p| p.is_file()).ok_or_else(|| {
        Failure::invalid(format!(
            "spendwatch: no config file: looked for {}; give one with --config PATH or $SPENDWATCH_CONFIG",
            CONFIG_SEARCH.join(" and ")
        ))
    })
}

fn load(path: &Path) -> Result<Config, Failure> {
    // A config this user may not read is the wrong user, not a wrong file: say who may.
    if let Err(e) = std::fs::File::open(path)
        && e.kind() == std::io::ErrorKind::PermissionDenied
    {
        return Err(Failure::runtime(format!(
            "{}：当前用户{}无权读取配置文件（{e}）；请用服务的账户运行：sudo -u spendwatch spendwatch …，\
             或请管理员把您加入 spendwatch 组（{}），重新登录后再运行",
            path.display(),
            user_name().map(|u| format!("（{u}）")).unwrap_or_default(),
            join_group_command(),
        )));
    }
    config::load(path).map_err(Failure::from)
}

/// The login name of whoever runs the command, if the environment says it.
fn user_name() -> Option<String> {
    ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
}

/// How an administrator lets this user read what the service writes.
fn join_group_command() -> String {
    format!(
        "sudo adduser {} spendwatch",
        user_name().unwrap_or_else(|| "用户名".to_owned())
    )
}

/// `spendwatch [--config FILE] COMMAND` as the service's user runs it.
fn as_service_user(config: &Config, command: &str) -> String {
    let config_arg = if config.file == Path::new(CONFIG_SEARCH[1]) {
        String::new()
    } else {
        format!("--config {} ", config.file.display())
    };
    format!("sudo -u spendwatch spendwatch {config_arg}{command}")
}

/// The failure of a command that shows what the database holds, when there is none or this
/// user may not open it: what to do, in words for the finance officer who ran it.
fn reading_failure(config: &Config, command: &str, e: StoreError) -> Failure {
    match e {
        StoreError::Missing { path } => Failure::runtime(format!(
            "{path}：数据库尚未创建（spendwatch 服务还没有运行过，或配置中的 database: 指向了别处）；\
             请先启动服务（sudo systemctl start spendwatch），或运行一次 spendwatch check"
        )),
        StoreError::NoAccess { path, source } => Failure::runtime(format!(
            "{path}：当前用户{}无权读写数据库或进入其文件夹（{source}）；请用服务的账户运行：{}，\
             或请管理员把您加入 spendwatch 组（{}），重新登录后再运行",
            user_name().map(|u| format!("（{u}）")).unwrap_or_default(),
            as_service_user(config, command),
            join_group_command(),
        )),
        e => Failure::from(e),
    }
}

/// Opens the database for a command that shows what it holds (`alerts`, `outbox`): never
/// creates it or its folder (run before the service's first start, or as root, that would
/// leave a database the service cannot write).
fn open_for_reading(config: &Config, command: &str) -> Result<Store, Failure> {
    Store::open_existing(&config.database).map_err(|e| reading_failure(config, command, e))
}

/// Today in the config's time zone: the one place the CLI reads the clock for a day.
fn today(config: &Config) -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&config.timezone)
        .date_naive()
}

/// The moment, for the database's records.
fn now_stamp() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// How a command ended, as its exit status says it. `main` exits with the discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitKind {
    /// Done: exit status 0.
    Ok = 0,
    /// A runtime failure (database, I/O, the daemon): exit status 1. Running the same command
    /// again may succeed once the cause is gone.
    Runtime = 1,
    /// Bad usage, an invalid config or a rejected input file: exit status 2. The same command
    /// fails again until the config or the file is corrected.
    Invalid = 2,
}

impl ExitKind {
    /// The exit status: 0, 1 or 2.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A command's failure: the message to print and the kind of exit.
#[derive(Debug)]
pub struct Failure {
    kind: ExitKind,
    message: String,
}

impl Failure {
    /// Bad usage, config or input: [`ExitKind::Invalid`].
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure {
            kind: ExitKind::Invalid,
            message: message.into(),
        }
    }

    /// A runtime failure (database, I/O): [`ExitKind::Runtime`].
    pub fn runtime(message: impl fmt::Display) -> Failure {
        Failure {
            kind: ExitKind::Runtime,
            message: format!("spendwatch: {message}"),
        }
    }

    /// A failure already reported (by clap).
    fn silent(kind: ExitKind) -> Failure {
        Failure {
            kind,
            message: String::new(),
        }
    }

    /// The kind of exit this failure calls for.
    pub fn kind(&self) -> ExitKind {
        self.kind
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::invalid(format!(
            "{e}\nspendwatch: {}; nothing was done",
            e.summary()
        ))
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::runtime(e)
    }
}

impl From<ImportError> for Failure {
    fn from(e: ImportError) -> Failure {
        match e {
            ImportError::Rejected(report) => Failure::invalid(report),
            ImportError::Store(e) => Failure::runtime(e),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::runtime(e)
    }
}

/// Opens the database and re-reads the config's changed ledger sources, as `status` and
/// `sources` do first. Rejections and warnings go to stderr; they do not stop the command (the
/// previous version of a rejected source stays in force). `command` is what the user ran, for
/// the advice when they may not open the database.
///
/// It never creates the database: when there is none yet (the service has not run), the
/// sources are read into a database in memory, so that the accountant sees at once what the
/// exports hold, and stderr says that nothing was saved and no alert was sent.
fn open_and_sync(config: &Config, command: &str) -> Result<Store, Failure> {
    let store = match Store::open_existing(&config.database) {
        Ok(store) => store,
        Err(StoreError::Missing { path }) => {
            eprintln!(
                "spendwatch: 注意：{path}：数据库尚未创建（spendwatch 服务还没有运行过）；\
                 以下结果直接由账簿来源计算，未保存，也未发送任何预警；启动服务后即正常记录"
            );
            Store::open_in_memory()?
        }
        Err(e) => return Err(reading_failure(config, command, e)),
    };
    sync(store, config)
}

fn sync(mut store: Store, config: &Config) -> Result<Store, Failure> {
    let (files, warnings) = import::configured_files(config);
    let reports = import::sync_sources(&mut store, config, &files, now_stamp())?;
    print_import_reports(&reports, &warnings);
    let (readings, warnings) =
        crate::app::readings::sync_readings(&mut store, config, now_stamp())?;
    print_reading_reports(&readings, &warnings);
    Ok(store)
}

/// Tells on stderr what the sync of the files of readings did.
pub(super) fn print_reading_reports(
    reports: &[crate::app::readings::ReadingReport],
    warnings: &[String],
) {
    for warning in warnings {
        eprintln!("spendwatch: warning: {warning}");
    }
    for report in reports {
        if let crate::app::readings::ReadingOutcome::Rejected { report, .. } = &report.outcome {
            eprintln!("{report}");
        }
        if let Some(line) = report.describe() {
            eprintln!("spendwatch: {line}");
        }
    }
}

/// Tells on stderr what the sync of the configured sources did.
fn print_import_reports(reports: &[import::FileReport], warnings: &[String]) {
    for warning in warnings {
        eprintln!("spendwatch: warning: {warning}");
    }
    for report in reports {
        match &report.outcome {
            Outcome::Unchanged { .. } => {}
            Outcome::Imported { .. } => eprintln!("spendwatch: {}", import_cmd::describe(report)),
            Outcome::Rejected {
                report: problems,
                entries_in_force,
                known,
            } => {
                let again = if *known {
                    "（被拒绝后未改动）"
                } else {
                    ""
                };
                if *entries_in_force > 0 {
                    eprintln!(
                        "{problems}\nspendwatch: 警告：{} 被拒绝{again}；原有版本（分录 {entries_in_force} 条）继续有效",
                        report.display
                    )
                } else {
                    eprintln!(
                        "{problems}\nspendwatch: 警告：{} 被拒绝{again}；它还没有可用的版本，其中的支出目前不计入",
                        report.display
                    )
                }
            }
            Outcome::Missing { .. } => {
                eprintln!("spendwatch: 警告：{}", import_cmd::describe(report))
            }
            Outcome::Superseded { .. }
            | Outcome::Unconfigured { .. }
            | Outcome::Restored { .. } => {
                eprintln!("spendwatch: {}", import_cmd::describe(report))
            }
        }
        for duplicate in &report.duplicates {
            eprintln!("spendwatch: 警告：{duplicate}");
        }
    }
}

/// Writes to standard output. When the reader has closed the pipe (`spendwatch status | head`)
/// the rest is of no use to anyone: the process stops at once with status 0, as `grep` and
/// `rg` behave in a pipeline, instead of the panic `print!` gives. Whatever the command wrote to
/// the database is already committed by then. Any other failure to write is an I/O error
/// (exit 1).
pub(crate) fn write_out(args: fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        stdout_failed(&e);
    }
}

/// Stops the process as [`write_out`] does when standard output fails with `e`.
pub(crate) fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("spendwatch: cannot write to standard output: {e}");
    std::process::exit(1);
}
