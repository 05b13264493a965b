//! `spendwatch explain FUND [--milestone DAY] --reason … --text "…" [--until DAY]`: records a
//! 情况说明 (why a fund lags and what is being done); `--list [FUND]` shows them and whether
//! each is in force; `--withdraw ID` ends one. `--as-of DAY` dates each like `check --as-of`,
//! so a replayed season can include them (README, "情况说明").

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::json;

use super::{Failure, now_stamp, open_for_reading, parse_day, today};
use crate::config::Config;
use crate::core::{AlertStatus, EndCause, Explanation, ExplanationReason, Fund};
use crate::ledger::quoted;
use crate::report::Align;
use crate::report::terminal::columns as render;
use crate::store::{ExplanationRecord, NewExplanation, Store, StoreError, WithdrawError};

/// The longest text an explanation may have, in characters: a 情况说明 is a few sentences
/// (the 绩效运行监控表 gives it one cell); longer material is filed elsewhere.
pub(super) const MAX_TEXT_CHARS: usize = 500;

/// Output format of `--list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    Table,
    Json,
}

/// The arguments of `spendwatch explain`.
#[derive(Debug, clap::Args)]
pub(super) struct ExplainArgs {
    /// The fund: its id, 项目编码 or 项目名称 (with --list: show only its explanations)
    #[arg(value_name = "FUND")]
    fund: Option<String>,
    /// The milestone the lag is about (06-30 or 2025-06-30) [default: every lag alert of the fund]
    #[arg(long, value_name = "DAY")]
    milestone: Option<String>,
    /// The cause: 经费保障, 制度保障, 人员保障, 硬件保障 or 其他
    #[arg(long, value_name = "REASON")]
    reason: Option<String>,
    /// Why the fund lags and what is being done (纠偏措施): one line, at most 500 characters
    #[arg(long, value_name = "TEXT")]
    text: Option<String>,
    /// The last day it is in force [default: until the fund catches up or it is withdrawn]
    #[arg(long, value_name = "DAY", value_parser = parse_day)]
    until: Option<NaiveDate>,
    /// List the explanations (of FUND, if given) and whether each is in force
    #[arg(long, conflicts_with_all = ["milestone", "reason", "text", "until", "withdraw"])]
    list: bool,
    /// Withdraw the explanation with this number (#3 or 3, as --list shows it)
    #[arg(long, value_name = "ID", value_parser = parse_id,
          conflicts_with_all = ["fund", "milestone", "reason", "text", "until"])]
    withdraw: Option<i64>,
    /// The day it is recorded, listed or withdrawn on, like check --as-of [default: today in
    /// the configured time zone]
    #[arg(long, value_name = "DAY", value_parser = parse_day)]
    as_of: Option<NaiveDate>,
    /// Output format of --list
    #[arg(long, value_enum, default_value_t = Format::Table, requires = "list")]
    format: Format,
}

/// `--withdraw`: a number as `--list` shows it (`#3`) or plain (`3`).
fn parse_id(text: &str) -> Result<i64, String> {
    let digits = text.trim().trim_start_matches(['#', '＃']);
    digits
        .parse::<i64>()
        .ok()
        .filter(|&id| id > 0)
        .ok_or_else(|| {
            format!(
                "{} 不是情况说明的编号；请写 spendwatch explain --list 列出的编号，如 3 或 #3",
                quoted(text)
            )
        })
}

pub(super) fn run(config: &Config, args: ExplainArgs) -> Result<(), Failure> {
    let day = args.as_of.unwrap_or_else(|| today(config));
    if let Some(id) = args.withdraw {
        return withdraw(config, id, day);
    }
    if args.list {
        return list(config, args.fund.as_deref(), day, args.format);
    }
    record(config, &args, day)
}

/// A usage error of `explain`: exit status 2, nothing changed.
fn invalid(message: String) -> Failure {
    Failure::invalid(format!("spendwatch: {message}"))
}

/// What to write, for the errors that lack a part of the command.
const USAGE: &str = "spendwatch explain 项目 --reason 原因 --text \"滞后原因和纠偏措施\" \
                     [--milestone 06-30] [--until 2025-09-30]";

fn record(config: &Config, args: &ExplainArgs, day: NaiveDate) -> Result<(), Failure> {
    let Some(fund_text) = args.fund.as_deref() else {
        return Err(invalid(format!(
            "没有写项目；请写 {USAGE}（项目可写资金编号、项目编码或项目名称），\
             或用 --list 查看、--withdraw 编号 撤回"
        )));
    };
    let fund = resolve_fund(config, fund_text, day).map_err(invalid)?;
    let milestone = match &args.milestone {
        None => None,
        Some(text) => Some(milestone_of(fund, text).map_err(invalid)?),
    };
    let reason = match &args.reason {
        None => {
            return Err(invalid(format!(
                "没有写 --reason；请写 {}，如 {USAGE}",
                reason_choices()
            )));
        }
        Some(text) => ExplanationReason::parse(text).ok_or_else(|| {
            invalid(format!(
                "--reason {} 不是可用的原因；请写 {}",
                quoted(text),
                reason_choices()
            ))
        })?,
    };
    let Some(text) = args.text.as_deref() else {
        return Err(invalid(format!(
            "没有写 --text；请用 --text \"…\" 写明滞后原因和纠偏措施，如 {USAGE}"
        )));
    };
    let text = checked_text(text).map_err(invalid)?;
    if let Some(until) = args.until
        && until < day
    {
        return Err(invalid(format!(
            "--until {until} 早于登记日 {day}（{}）；请写登记日当天或之后的日期，或不写 --until",
            if args.as_of.is_some() {
                "--as-of"
            } else {
                "今天"
            }
        )));
    }
    let user = recording_user();
    let new = NewExplanation {
        fund: &fund.id,
        milestone,
        reason,
        text,
        day,
        until: args.until,
        user: &user,
    };
    // Like `import`: a database that is not there yet is created (the service's own user runs
    // this, with sudo -u spendwatch); one that is is written in one immediate transaction,
    // which waits for a check running beside it.
    let mut store = match Store::open_existing(&config.database) {
        Err(StoreError::Missing { .. }) => Store::open(&config.database)?,
        Err(e) => return Err(super::reading_failure(config, "explain …", e)),
        Ok(store) => store,
    };
    let (id, firing) = store.atomically(true, |store| -> Result<_, StoreError> {
        let id = store.record_explanation(&new, now_stamp())?;
        let firing = store.alert_states()?.into_iter().any(|(key, state)| {
            key.kind.is_lag()
                && state.status == AlertStatus::Firing
                && key.fund == fund.id
                && (milestone.is_none() || key.milestone == milestone)
        });
        Ok((id, firing))
    })?;
    let until = match args.until {
        Some(u) => format!("{day} 起，至 {u}（含）"),
        None => format!("{day} 起，至项目补齐或撤回为止"),
    };
    outln!(
        "已登记情况说明 #{id}\n  项目：{}（{}）\n  节点：{}\n  原因：{}\n  说明：{text}\n  有效期：{until}\n  登记人：{}",
        fund.name,
        fund.id,
        milestone.map_or_else(|| "全部节点".to_owned(), |m| m.to_string()),
        reason.as_str(),
        shown_user(&user),
    );
    if !firing {
        let what = match milestone {
            Some(m) => format!("节点 {m} 的滞后预警"),
            None => "滞后预警".to_owned(),
        };
        eprintln!(
            "spendwatch: 注意：{} 目前没有预警中的{what}；这条说明先行登记，在有效期内，相应预警出现时\
             只发首次通知、不再重复提醒；预警结束（补齐）时说明随之结束",
            fund.name
        );
    }
    Ok(())
}

fn reason_choices() -> String {
    let names: Vec<&str> = ExplanationReason::ALL.iter().map(|r| r.as_str()).collect();
    format!("{} 之一", names.join("、"))
}

/// The fund named `text` on the command line: its id, or its 项目编码, 项目名称 or an alias.
/// Funds of several years may share a code or a name: the one of `day`'s year is meant.
pub(super) fn resolve_fund<'c>(
    config: &'c Config,
    text: &str,
    day: NaiveDate,
) -> Result<&'c Fund, String> {
    use chrono::Datelike;
    let text = text.trim();
    if let Some(fund) = config.fund(text) {
        return Ok(fund);
    }
    let named: Vec<&Fund> = config
        .funds
        .iter()
        .filter(|f| f.is_named_by(text))
        .collect();
    let of_year: Vec<&Fund> = named
        .iter()
        .copied()
        .filter(|f| f.year == day.year())
        .collect();
    match (named.as_slice(), of_year.as_slice()) {
        ([only], _) | (_, [only]) => Ok(*only),
        ([], _) => {
            let mut known: Vec<String> = config
                .funds
                .iter()
                .take(10)
                .map(|f| format!("{}（{}）", f.id, f.name))
                .collect();
            if config.funds.len() > known.len() {
                known.push(format!("……共{}个项目", config.funds.len()));
            }
            Err(format!(
                "{} 不是 {} 中的项目（已有：{}）；请写其中一个的资金编号、项目编码或项目名称",
                quoted(text),
                config.file.display(),
                known.join("、")
            ))
        }
        (several, _) => {
            let ids: Vec<String> = several
                .iter()
                .map(|f| format!("{}（{}年度）", f.id, f.year))
                .collect();
            Err(format!(
                "{} 是多个项目的编码或名称（{}）；请改写其中一个的资金编号",
                quoted(text),
                ids.join("、")
            ))
        }
    }
}

/// `--milestone`: `06-30` (the fund's year) or `2025-06-30` (any form `--as-of` takes); it
/// must be one of the fund's milestones.
fn milestone_of(fund: &Fund, text: &str) -> Result<NaiveDate, String> {
    let date = match crate::ledger::parse_date(text) {
        Ok(d) => Some(d),
        Err(_) => month_day(text).and_then(|(m, d)| NaiveDate::from_ymd_opt(fund.year, m, d)),
    };
    let listed: Vec<String> = fund
        .milestones
        .iter()
        .map(|m| m.date.format("%m-%d").to_string())
        .collect();
    match date {
        Some(d) if fund.milestones.iter().any(|m| m.date == d) => Ok(d),
        _ => Err(format!(
            "--milestone {} 不是项目 {} 的支出节点（节点有：{}）；请写其中之一，如 --milestone {}，\
             或不写 --milestone（说明这个项目的全部滞后预警）",
            quoted(text),
            fund.id,
            listed.join("、"),
            listed.first().map_or("06-30", String::as_str)
        )),
    }
}

/// `06-30`, `6-30`, `06/30`, `6月30日`: a month and day without a year.
fn month_day(text: &str) -> Option<(u32, u32)> {
    let t = text.trim();
    let (m, d) = match t.strip_suffix('日') {
        Some(rest) => rest.split_once('月')?,
        None => t.split_once(['-', '/', '.'])?,
    };
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    Some((number(m)?, number(d)?))
}

/// The text of an explanation, trimmed: not empty, at most [`MAX_TEXT_CHARS`] characters, on
/// one line and without control characters (it goes into emails, tables and the monitoring
/// report, where a line break or an escape sequence would break the layout or mislead).
pub(super) fn checked_text(text: &str) -> Result<&str, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("--text 是空的；请写明滞后原因和纠偏措施".to_owned());
    }
    let count = text.chars().count();
    if count > MAX_TEXT_CHARS {
        return Err(format!(
            "--text 共{count}个字符，超过{MAX_TEXT_CHARS}个字符的上限；请精简说明，详细材料另行存档"
        ));
    }
    if let Some((at, c)) = text.chars().enumerate().find(|&(_, c)| forbidden(c)) {
        let name = match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => "换行",
            '\t' => "制表符",
            c if c.is_control() => "控制字符",
            _ => "文字方向控制符",
        };
        return Err(format!(
            "--text 第{}个字符是{name}（U+{:04X}）；说明须写在一行内，请去掉换行、制表符等控制字符后重新运行",
            at + 1,
            u32::from(c)
        ));
    }
    Ok(text)
}

/// Characters an explanation may not hold: control characters, line and paragraph
/// separators, and the bidirectional controls that make text show in another order than it
/// is stored.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Who records an explanation: `$SUDO_USER` when set (an officer running
/// `sudo -u spendwatch spendwatch explain …`), else the name of the process's real user in
/// /etc/passwd, else its number. Names as the system gives them, not a proof of identity.
fn recording_user() -> String {
    if let Some(user) = std::env::var("SUDO_USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        return user;
    }
    let Some(uid) = real_uid() else {
        return "（未知用户）".to_owned();
    };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| passwd_name(&passwd, uid))
        .unwrap_or_else(|| format!("uid {uid}"))
}

/// The real user id of this process: `Uid:` in /proc/self/status (real, effective, saved, fs),
/// or the owner of /proc/self.
fn real_uid() -> Option<u32> {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next()?.parse().ok())
        })
        .or_else(|| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata("/proc/self").ok().map(|m| m.uid())
        })
}

/// The name of the user `uid` in the text of /etc/passwd (`name:x:uid:gid:…`).
fn passwd_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty() && !line.starts_with('#')).then(|| name.to_owned())
    })
}

/// A user name as shown: as it is, or quoted if it holds anything that is not plain text.
fn shown_user(user: &str) -> String {
    if user.chars().any(forbidden) {
        quoted(user)
    } else {
        user.to_owned()
    }
}

/// Where an explanation is in its life on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Recorded after the day.
    NotYet,
    InForce,
    /// Its `until` passed.
    Expired,
    /// Withdrawn, or ended when the fund caught up, from this day on.
    Ended(NaiveDate, EndCause),
}

fn standing(e: &Explanation, day: NaiveDate) -> Standing {
    if day < e.day {
        return Standing::NotYet;
    }
    if e.in_force(day) {
        return Standing::InForce;
    }
    match (e.ended, e.until) {
        // Whichever came first: the end, or the day after `until`.
        (Some((ended, cause)), until) if until.is_none_or(|u| ended <= u) => {
            Standing::Ended(ended, cause)
        }
        _ => Standing::Expired,
    }
}

impl Standing {
    /// The key in the JSON.
    fn key(self) -> &'static str {
        match self {
            Standing::NotYet => "not_yet",
            Standing::InForce => "in_force",
            Standing::Expired => "expired",
            Standing::Ended(_, EndCause::Withdrawn) => "withdrawn",
            Standing::Ended(_, EndCause::CaughtUp) => "caught_up",
            Standing::Ended(_, EndCause::Superseded) => "superseded",
        }
    }

    /// In the table.
    fn words(self) -> String {
        match self {
            Standing::NotYet => "未生效".to_owned(),
            Standing::InForce => "在效".to_owned(),
            Standing::Expired => "已到期".to_owned(),
            Standing::Ended(day, EndCause::Withdrawn) => format!("已撤回（{day}）"),
            Standing::Ended(day, EndCause::CaughtUp) => format!("已结束（{day}补齐）"),
            Standing::Ended(day, EndCause::Superseded) => format!("已结束（{day}由后续节点接替）"),
        }
    }
}

fn list(
    config: &Config,
    fund: Option<&str>,
    day: NaiveDate,
    format: Format,
) -> Result<(), Failure> {
    let fund = fund
        .map(|text| resolve_fund(config, text, day).map_err(invalid))
        .transpose()?;
    let store = open_for_reading(config, "explain --list")?;
    let records = store.explanation_records(fund.map(|f| f.id.as_str()))?;
    match format {
        Format::Table => out!("{}", list_text(config, fund, day, &records)),
        Format::Json => outln!("{}", list_json(config, day, &records)),
    }
    Ok(())
}

/// The name a finance officer knows a fund by; its id when the config no longer has it.
fn fund_name(config: &Config, id: &str) -> String {
    config
        .fund(id)
        .map_or_else(|| id.to_owned(), |f| f.name.clone())
}

/// `explain --list`: a row per explanation; the text quoted with its control characters
/// escaped and cut after 60 characters (`--format json` has it whole).
fn list_text(
    config: &Config,
    fund: Option<&Fund>,
    day: NaiveDate,
    records: &[ExplanationRecord],
) -> String {
    let mut out = format!("情况说明　截至 {day}（{}）\n\n", config.timezone);
    if records.is_empty() {
        match fund {
            Some(f) => out += &format!("{} 还没有情况说明。\n", f.name),
            None => out.push_str("还没有情况说明。\n"),
        }
        return out;
    }
    let mut table = vec![
        [
            "编号",
            "项目",
            "节点",
            "原因",
            "说明",
            "登记日",
            "有效至",
            "状态",
            "登记人",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in records {
        let e = &r.explanation;
        table.push(vec![
            format!("#{}", e.id),
            fund_name(config, &e.fund),
            e.milestone
                .map_or_else(|| "全部".to_owned(), |m| m.to_string()),
            e.reason.as_str().to_owned(),
            quoted(&e.text),
            e.day.to_string(),
            e.until.map_or_else(|| "-".to_owned(), |u| u.to_string()),
            standing(e, day).words(),
            shown_user(&e.user),
        ]);
    }
    use Align::{Left, Right};
    out += &render(
        &[Right, Left, Left, Left, Left, Left, Left, Left, Left],
        &table,
    );
    out
}

fn utc_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `explain --list --format json`: every field, the text whole (JSON escapes what needs it).
fn list_json(config: &Config, day: NaiveDate, records: &[ExplanationRecord]) -> String {
    let items: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let e = &r.explanation;
            json!({
                "id": e.id,
                "fund": e.fund,
                "fund_name": fund_name(config, &e.fund),
                "milestone": e.milestone.map(|m| m.to_string()),
                "reason": e.reason.as_str(),
                "text": e.text,
                "day": e.day.to_string(),
                "until": e.until.map(|u| u.to_string()),
                "user": e.user,
                "created_at": utc_text(r.created_at),
                "ended": e.ended.map(|(d, _)| d.to_string()),
                "end_cause": e.ended.map(|(_, c)| c.as_str()),
                "status": standing(e, day).key(),
            })
        })
        .collect();
    // Serialising values built from strings and numbers cannot fail. Escaped as JSON allows,
    // so a bidi control in a text does not reorder what a terminal shows.
    let json = serde_json::to_string_pretty(&json!({
        "as_of": day.to_string(),
        "explanations": items,
    }))
    .unwrap_or_default();
    crate::report::shown_json(&json).into_owned()
}

fn withdraw(config: &Config, id: i64, day: NaiveDate) -> Result<(), Failure> {
    let mut store = open_for_reading(config, "explain --withdraw …")?;
    let e = store.withdraw_explanation(id, day).map_err(|e| match e {
        WithdrawError::Unknown { .. } => invalid(format!(
            "--withdraw #{id}：没有这个编号的情况说明；请用 spendwatch explain --list 查看编号"
        )),
        WithdrawError::AlreadyEnded {
            day: ended,
            cause: EndCause::Withdrawn,
            ..
        } => invalid(format!(
            "--withdraw #{id}：这条情况说明已于 {ended} 撤回，无需再撤回"
        )),
        WithdrawError::AlreadyEnded {
            day: ended,
            cause: EndCause::CaughtUp,
            ..
        } => invalid(format!(
            "--withdraw #{id}：这条情况说明已于 {ended} 因项目补齐而结束，无需撤回"
        )),
        WithdrawError::AlreadyEnded {
            day: ended,
            cause: EndCause::Superseded,
            ..
        } => invalid(format!(
            "--withdraw #{id}：这条情况说明已于 {ended} 结束（所说明的节点预警已由后续节点接替），无需撤回"
        )),
        WithdrawError::Expired { until, .. } => invalid(format!(
            "--withdraw #{id}：这条情况说明的有效期到 {until} 为止，已经到期，无需撤回"
        )),
        WithdrawError::NotYetRecorded { recorded, .. } => invalid(format!(
            "--withdraw #{id}：这条情况说明登记于 {recorded}，晚于撤回日 {day}；\
             请用 --as-of 写登记日当天或之后的日期"
        )),
        WithdrawError::Store(e) => Failure::from(e),
    })?;
    outln!(
        "已撤回情况说明 #{}（{}，{}）：自 {day} 起不再有效",
        e.id,
        fund_name(config, &e.fund),
        e.milestone
            .map_or_else(|| "全部节点".to_owned(), |m| format!("节点 {m}"))
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test date")
    }

    /// Two funds of 2025 and one of 2026 sharing the code and name of the first.
    fn config() -> Config {
        crate::config::parse(
            "timezone: Asia/Shanghai
funds:
  - {id: ng, code: C1, name: 网络综合治理体系建设专项资金, year: 2025, budget: 15.00万元, aliases: [网络综合治理]}
  - {id: ip, code: C2, name: 招商引资专项业务费, year: 2025, budget: 10.00万元}
  - {id: ng26, code: C1, name: 网络综合治理体系建设专项资金, year: 2026, budget: 15.00万元}
",
            Path::new("config.yaml"),
            Path::new("/tmp"),
        )
        .expect("test config")
    }

    #[test]
    fn a_fund_by_id_code_name_or_alias_of_the_day_s_year() {
        let config = config();
        let id = |text: &str, day| resolve_fund(&config, text, day).map(|f| f.id.as_str());
        let july = d(2025, 7, 8);
        assert_eq!(id("ip", july), Ok("ip"));
        assert_eq!(id(" C2 ", july), Ok("ip"));
        assert_eq!(id("招商引资专项业务费", july), Ok("ip"));
        assert_eq!(id("网络综合治理", july), Ok("ng"));
        // The code of funds of two years: the as-of day's year decides.
        assert_eq!(id("C1", july), Ok("ng"));
        assert_eq!(id("C1", d(2026, 3, 1)), Ok("ng26"));
        // An id is an id, whatever the day.
        assert_eq!(id("ng26", july), Ok("ng26"));
        let err = id("C1", d(2027, 1, 1)).expect_err("ambiguous");
        assert!(
            err.contains("ng（2025年度）") && err.contains("ng26（2026年度）"),
            "{err}"
        );
        let err = id("xx\n", july).expect_err("unknown");
        assert!(
            err.starts_with(
                "\"xx\" 不是 config.yaml 中的项目（已有：ng（网络综合治理体系建设专项资金）"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_milestone_of_the_fund_with_or_without_its_year() {
        let config = config();
        let ng = config.fund("ng").expect("ng");
        for text in [
            "06-30",
            "6-30",
            "6/30",
            "6月30日",
            "2025-06-30",
            "2025/6/30",
            "20250630",
        ] {
            assert_eq!(milestone_of(ng, text), Ok(d(2025, 6, 30)), "{text}");
        }
        let ng26 = config.fund("ng26").expect("ng26");
        assert_eq!(milestone_of(ng26, "06-30"), Ok(d(2026, 6, 30)));
        for text in ["07-31", "2024-06-30", "13-40", "soon", ""] {
            let err = milestone_of(ng, text).expect_err(text);
            assert!(
                err.contains("不是项目 ng 的支出节点（节点有：03-31、06-30、10-31、12-31）"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn texts_on_one_line_within_the_limit() {
        assert_eq!(
            checked_text("  合同5月签订，9月到货后付款 "),
            Ok("合同5月签订，9月到货后付款")
        );
        assert_eq!(
            checked_text("<script>alert(1)</script>"),
            Ok("<script>alert(1)</script>")
        );
        let at_limit = "款".repeat(MAX_TEXT_CHARS);
        assert_eq!(checked_text(&at_limit), Ok(at_limit.as_str()));
        let err = checked_text(&"款".repeat(MAX_TEXT_CHARS + 1)).expect_err("long");
        assert!(err.contains("共501个字符，超过500个字符的上限"), "{err}");
        assert!(checked_text(" \t ").expect_err("empty").contains("是空的"));
        let cases = [
            ("第一行\r\n第二行", "第4个字符是换行（U+000D）"),
            ("a\nb", "第2个字符是换行（U+000A）"),
            ("a\tb", "第2个字符是制表符（U+0009）"),
            ("a\u{1b}[31mb", "第2个字符是控制字符（U+001B）"),
            ("a\u{2028}b", "第2个字符是换行（U+2028）"),
            ("a\u{202E}b", "第2个字符是文字方向控制符（U+202E）"),
        ];
        for (text, expected) in cases {
            let err = checked_text(text).expect_err(text);
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn ids_as_the_list_shows_them() {
        assert_eq!(parse_id("3"), Ok(3));
        assert_eq!(parse_id("#12"), Ok(12));
        assert_eq!(parse_id("＃7"), Ok(7));
        for bad in ["0", "-1", "abc", "", "#"] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_names_from_passwd() {
        let passwd = "# comment:x:1000:\nroot:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\nbroken\n";
        assert_eq!(passwd_name(passwd, 0), Some("root".to_owned()));
        assert_eq!(passwd_name(passwd, 1000), Some("alice".to_owned()));
        assert_eq!(passwd_name(passwd, 1001), None);
        assert_eq!(shown_user("alice"), "alice");
        assert_eq!(shown_user("a\u{1b}[2Jb"), "\"a\\u{1b}[2Jb\"");
    }

    fn explanation(until: Option<NaiveDate>, ended: Option<(NaiveDate, EndCause)>) -> Explanation {
        Explanation {
            id: 1,
            fund: "ng".into(),
            milestone: None,
            reason: ExplanationReason::Other,
            text: "x".into(),
            day: d(2025, 7, 8),
            until,
            user: "alice".into(),
            ended,
        }
    }

    #[test]
    fn where_an_explanation_stands_on_a_day() {
        let open = explanation(None, None);
        assert_eq!(standing(&open, d(2025, 7, 7)), Standing::NotYet);
        assert_eq!(standing(&open, d(2025, 7, 8)), Standing::InForce);
        let until = explanation(Some(d(2025, 7, 31)), None);
        assert_eq!(standing(&until, d(2025, 7, 31)), Standing::InForce);
        assert_eq!(standing(&until, d(2025, 8, 1)), Standing::Expired);
        let withdrawn = explanation(
            Some(d(2025, 7, 31)),
            Some((d(2025, 7, 15), EndCause::Withdrawn)),
        );
        assert_eq!(standing(&withdrawn, d(2025, 7, 14)), Standing::InForce);
        assert_eq!(
            standing(&withdrawn, d(2025, 8, 5)),
            Standing::Ended(d(2025, 7, 15), EndCause::Withdrawn)
        );
        assert_eq!(
            standing(&withdrawn, d(2025, 8, 5)).words(),
            "已撤回（2025-07-15）"
        );
        let caught_up = explanation(None, Some((d(2025, 9, 1), EndCause::CaughtUp)));
        assert_eq!(standing(&caught_up, d(2025, 9, 1)).key(), "caught_up");
    }
}
