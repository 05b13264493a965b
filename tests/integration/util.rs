//! The test harness: a temporary working folder with a config, input files in every encoding
//! and format the importer must read, a runner for the real `spendwatch` binary, and a reader
//! of the database state.

use std::path::{Path, PathBuf};
use std::process::Command;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

pub(crate) const NG: &str = "network-governance";
pub(crate) const NG_CODE: &str = "13020225P00901410001D";
pub(crate) const NG_NAME: &str = "网络综合治理体系建设专项资金";
pub(crate) const IP: &str = "investment-promotion";
pub(crate) const IP_CODE: &str = "13020225P009015100013";
pub(crate) const IP_NAME: &str = "招商引资专项业务费";

/// Where the config of [`config_yaml`] keeps its database, relative to the working folder.
pub(crate) const DB: &str = "db/spendwatch.db";

/// Where the shipped `config.yaml` (see [`Workdir::samples`]) keeps its database.
pub(crate) const SAMPLE_DB: &str = "data/spendwatch.db";

/// The repository root (for the shipped sample data and the fixtures in `tests/data`).
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A config with the seed's two funds, the default plan, and `sources` (YAML flow items such
/// as `ledger/*.csv` or `{path: a.csv, fund: network-governance}`) under `ledger.sources`.
pub(crate) fn config_yaml(sources: &[&str]) -> String {
    let mut ledger = String::new();
    if !sources.is_empty() {
        ledger.push_str("ledger:\n  sources:\n");
        for source in sources {
            ledger.push_str(&format!("    - {source}\n"));
        }
    }
    format!(
        "timezone: Asia/Shanghai
database: {DB}
{ledger}funds:
  - id: {NG}
    code: \"{NG_CODE}\"
    name: {NG_NAME}
    year: 2025
    budget: 15.00万元
    aliases: [网络综合治理]
  - id: {IP}
    code: \"{IP_CODE}\"
    name: {IP_NAME}
    year: 2025
    budget: 10.00万元
    aliases: [招商引资]
"
    )
}

/// What a run of the binary did.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    /// Panics, showing both streams, unless the exit status is `code`.
    pub(crate) fn expect_code(&self, code: i32) -> &Output {
        assert_eq!(
            self.code, code,
            "exit status {} instead of {code}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub(crate) fn ok(&self) -> &Output {
        self.expect_code(0)
    }

    /// Panics unless stderr contains `text`.
    pub(crate) fn stderr_has(&self, text: &str) -> &Output {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{}",
            self.stderr
        );
        self
    }

    /// Panics unless stdout contains `text`.
    pub(crate) fn stdout_has(&self, text: &str) -> &Output {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}:\n{}",
            self.stdout
        );
        self
    }

    /// stdout and stderr together, for checking that something appears in neither.
    pub(crate) fn both(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// One row of the `entries` table, with the path of its source relative to the workdir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DbEntry {
    pub(crate) id: i64,
    pub(crate) source: String,
    pub(crate) fund: String,
    pub(crate) date: String,
    /// 分.
    pub(crate) amount: i64,
    pub(crate) voucher: String,
    pub(crate) memo: String,
    pub(crate) line: i64,
    pub(crate) sheet: Option<String>,
}

/// An expected entry: (fund, date, amount in 分, voucher, memo).
pub(crate) type Row<'a> = (&'a str, &'a str, i64, &'a str, &'a str);

impl DbEntry {
    pub(crate) fn row(&self) -> Row<'_> {
        (
            &self.fund,
            &self.date,
            self.amount,
            &self.voucher,
            &self.memo,
        )
    }
}

/// The rows of `entries` without ids and sources, in file order, for comparing.
pub(crate) fn rows(entries: &[DbEntry]) -> Vec<Row<'_>> {
    entries.iter().map(DbEntry::row).collect()
}

/// A temporary working folder; the binary runs with it as current directory.
#[derive(Debug)]
pub(crate) struct Workdir {
    dir: tempfile::TempDir,
    /// `$XDG_CACHE_HOME` of the commands run here: the config cache of each test is its own,
    /// and goes with it (not into the user's `~/.cache`).
    cache: tempfile::TempDir,
}

impl Workdir {
    /// An empty folder.
    pub(crate) fn empty() -> Workdir {
        let temp = |prefix: &str| tempfile::Builder::new().prefix(prefix).tempdir();
        Workdir {
            dir: temp("spendwatch-it-").expect("tempdir"),
            cache: temp("spendwatch-it-cache-").expect("tempdir"),
        }
    }

    /// A folder with `config.yaml` = [`config_yaml`] of `sources`.
    pub(crate) fn new(sources: &[&str]) -> Workdir {
        let wd = Workdir::empty();
        wd.write_str("config.yaml", &config_yaml(sources));
        wd
    }

    /// A folder with the shipped `config.yaml` and the sample ledgers of `data/ledger/`, laid
    /// out as in the repository (so the config's relative paths work unchanged), without the
    /// files of readings: `indicators.sources` is taken out, so the spending tests see the
    /// spending alerts alone (no indicator is stale when nobody is asked to report;
    /// [`Workdir::samples_with_readings`] has the whole story).
    pub(crate) fn samples() -> Workdir {
        let wd = Workdir::shipped();
        wd.edit_config(|doc| {
            if let Some(indicators) = doc
                .get_mut("indicators")
                .and_then(serde_yaml::Value::as_mapping_mut)
            {
                indicators.remove("sources");
            }
        });
        wd
    }

    /// [`Workdir::samples`] with the sample readings of `data/indicators/` read by the
    /// shipped config's `indicators.sources`: the README's first command.
    pub(crate) fn samples_with_readings() -> Workdir {
        let wd = Workdir::shipped();
        wd.copy_folder("data/indicators");
        wd
    }

    /// The shipped `config.yaml` as it is, and the sample ledgers.
    fn shipped() -> Workdir {
        let wd = Workdir::empty();
        wd.copy_in(&repo().join("config.yaml"), "config.yaml");
        wd.copy_folder("data/ledger");
        wd
    }

    /// Copies the files of the repository's `folder` to the same place here.
    fn copy_folder(&self, folder: &str) {
        let from = repo().join(folder);
        let files = std::fs::read_dir(&from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        for file in files {
            let file = file.expect("read a sample folder");
            if file.file_type().expect("file type").is_file() {
                let name = file.file_name();
                let name = name.to_str().expect("sample file names are UTF-8");
                self.copy_in(&file.path(), &format!("{folder}/{name}"));
            }
        }
    }

    /// Turns the dashboard off in `config.yaml` (`web.listen: ""`): tests that start the
    /// daemon run side by side and would all want the default port.
    pub(crate) fn without_web(&self) {
        self.edit_config(|doc| {
            doc["web"] = serde_yaml::from_str("{listen: \"\"}").expect("YAML");
        });
    }

    /// Rewrites `config.yaml` after `edit` changed it as a YAML document (comments are lost).
    pub(crate) fn edit_config(&self, edit: impl FnOnce(&mut serde_yaml::Value)) {
        let path = self.join("config.yaml");
        let text = std::fs::read_to_string(&path).expect("read config.yaml");
        let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("config.yaml is YAML");
        edit(&mut doc);
        self.write_str(
            "config.yaml",
            &serde_yaml::to_string(&doc).expect("write YAML"),
        );
    }

    /// The `$XDG_CACHE_HOME` the commands run here are given.
    pub(crate) fn cache_home(&self) -> &Path {
        self.cache.path()
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub(crate) fn exists(&self, rel: &str) -> bool {
        self.join(rel).exists()
    }

    pub(crate) fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, bytes).expect("write file");
    }

    /// UTF-8 without BOM.
    pub(crate) fn write_str(&self, rel: &str, text: &str) {
        self.write(rel, text.as_bytes());
    }

    pub(crate) fn write_utf8_bom(&self, rel: &str, text: &str) {
        self.write(rel, [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat());
    }

    /// GBK, as 用友/金蝶 write their exports. Panics if `text` has a character GBK lacks.
    pub(crate) fn write_gbk(&self, rel: &str, text: &str) {
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable, "test text not encodable in GBK: {text}");
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the GBK test text must not also be UTF-8"
        );
        self.write(rel, bytes);
    }

    pub(crate) fn write_utf16le_bom(&self, rel: &str, text: &str) {
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        self.write(rel, bytes);
    }

    pub(crate) fn write_xlsx(&self, rel: &str, sheet: &str, rows: &[Vec<X<'_>>]) {
        self.write(rel, xlsx(sheet, rows));
    }

    /// Copies a file of the repository into the workdir.
    pub(crate) fn copy_in(&self, from: &Path, rel: &str) {
        let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        self.write(rel, bytes);
    }

    /// Runs `spendwatch --config config.yaml ARGS…` in the workdir.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.run_with_config("config.yaml", args)
    }

    pub(crate) fn run_with_config(&self, config: &str, args: &[&str]) -> Output {
        self.run_full(config, args, &[])
    }

    /// Runs `spendwatch --config config.yaml ARGS…` with the variables `env` set.
    pub(crate) fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.run_full("config.yaml", args, env)
    }

    /// `spendwatch --config CONFIG ARGS…` in the workdir, not started, with spendwatch's own
    /// variables (config, password, log filter, credentials folder) removed from the
    /// environment and the workdir's config cache: for a test that starts it itself.
    pub(crate) fn command(&self, config: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_spendwatch"));
        command
            .arg("--config")
            .arg(config)
            .args(args)
            .current_dir(self.path())
            .env_remove("SPENDWATCH_CONFIG")
            .env_remove("SPENDWATCH_SMTP_PASSWORD")
            .env_remove("RUST_LOG")
            .env_remove("CREDENTIALS_DIRECTORY")
            .env_remove("CACHE_DIRECTORY")
            .env("XDG_CACHE_HOME", self.cache.path());
        command
    }

    /// The runner behind the others: [`Workdir::command`] run to its end, with `env` set on
    /// top of what it removed.
    pub(crate) fn run_full(&self, config: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = self
            .command(config, args)
            .envs(env.iter().copied())
            .output()
            .expect("run spendwatch");
        Output {
            code: out
                .status
                .code()
                .expect("spendwatch was killed by a signal"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// `status --as-of DAY --format json`, which must succeed.
    pub(crate) fn status_json(&self, as_of: &str) -> serde_json::Value {
        self.run(&["status", "--as-of", as_of, "--format", "json"])
            .ok()
            .json()
    }

    /// A fund's `spent` in `status --format json` on `as_of`.
    pub(crate) fn spent(&self, as_of: &str, fund: &str) -> String {
        let doc = self.status_json(as_of);
        fund_of(&doc, fund)["spent"]
            .as_str()
            .expect("spent is a string")
            .to_owned()
    }

    /// Every row of the `entries` table, by source path and line.
    pub(crate) fn entries(&self) -> Vec<DbEntry> {
        let path = self.join(DB);
        assert!(path.is_file(), "no database at {}", path.display());
        let conn = rusqlite::Connection::open(&path).expect("open database");
        let mut stmt = conn
            .prepare(
                "SELECT e.id & 0xFFFFFFFFFF, s.path, e.fund, e.date, e.amount, e.voucher, e.memo, e.line, e.sheet
                 FROM entries e JOIN sources s ON s.id = (e.id >> 40)
                 ORDER BY s.path, e.sheet, e.line, e.id",
            )
            .expect("query entries");
        let root = self.path().canonicalize().expect("canonical workdir");
        stmt.query_map([], |r| {
            let source: String = r.get(1)?;
            let source = Path::new(&source)
                .strip_prefix(&root)
                .or_else(|_| Path::new(&source).strip_prefix(self.path()))
                .map_or(source.clone(), |p| p.display().to_string());
            Ok(DbEntry {
                id: r.get(0)?,
                source,
                fund: r.get(2)?,
                date: r.get(3)?,
                amount: r.get(4)?,
                voucher: r.get(5)?,
                memo: r.get(6)?,
                line: r.get(7)?,
                sheet: r.get(8)?,
            })
        })
        .expect("read entries")
        .collect::<Result<Vec<_>, _>>()
        .expect("read entries")
    }
}

/// One row of the `outbox` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutboxRow {
    pub(crate) id: i64,
    pub(crate) check_day: String,
    pub(crate) subject: String,
    /// The envelope recipients.
    pub(crate) to: Vec<String>,
    /// pending | sent | failed
    pub(crate) status: String,
    pub(crate) attempts: i64,
    pub(crate) last_error: Option<String>,
}

impl Workdir {
    /// Every row of the `outbox` table of the database at `db` (relative to the workdir), by id.
    pub(crate) fn outbox(&self, db: &str) -> Vec<OutboxRow> {
        let path = self.join(db);
        assert!(path.is_file(), "no database at {}", path.display());
        let conn = rusqlite::Connection::open(&path).expect("open database");
        let mut stmt = conn
            .prepare(
                "SELECT id, check_day, subject, envelope_to, status, attempts, last_error
                 FROM outbox ORDER BY id",
            )
            .expect("query outbox");
        stmt.query_map([], |r| {
            let to: String = r.get(3)?;
            Ok(OutboxRow {
                id: r.get(0)?,
                check_day: r.get(1)?,
                subject: r.get(2)?,
                to: to.lines().map(str::to_owned).collect(),
                status: r.get(4)?,
                attempts: r.get(5)?,
                last_error: r.get(6)?,
            })
        })
        .expect("read outbox")
        .collect::<Result<Vec<_>, _>>()
        .expect("read outbox")
    }
}

/// The fund object with `id` in a status JSON document.
pub(crate) fn fund_of<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["funds"]
        .as_array()
        .expect("funds is an array")
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no fund {id} in {doc:#}"))
}

/// A cell of a generated XLSX sheet.
#[derive(Debug, Clone, Copy)]
pub(crate) enum X<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    /// A real date cell (year, month, day), formatted yyyy-mm-dd.
    Date(u16, u8, u8),
}

/// An XLSX workbook with one sheet holding `rows` from A1.
pub(crate) fn xlsx(sheet: &str, rows: &[Vec<X<'_>>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let money_format = Format::new().set_num_format("#,##0.00");
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).expect("sheet name");
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r).expect("row number");
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).expect("column number");
            match *cell {
                X::Empty => {}
                X::Text(s) => {
                    worksheet.write_string(r, c, s).expect("write text");
                }
                X::Number(n) => {
                    worksheet
                        .write_number_with_format(r, c, n, &money_format)
                        .expect("write number");
                }
                X::Date(y, m, d) => {
                    let date = ExcelDateTime::from_ymd(y, m, d).expect("valid test date");
                    worksheet
                        .write_datetime_with_format(r, c, &date, &date_format)
                        .expect("write date");
                }
            }
        }
    }
    workbook.save_to_buffer().expect("build xlsx")
}
