//! 运行状况, for the administrator: the checks, each source as last read (and its rejected
//! version's first problems), the outbox, the database and the version. Paths are shown in
//! full here (the administrator needs them), escaped like every text from outside.

use maud::{Markup, html};

use super::{Nav, layout, shown};
use crate::config::Config;
use crate::store::{
    OutboxHealth, OutboxRow, ReadingSourceOverview, SCHEMA_VERSION, SourceOverview, Store,
    StoreError,
};
use crate::web::{CheckOutcome, DaemonState, Params};

/// How many sent messages the page lists besides those not sent.
const RECENT_SENT: usize = 10;
/// How many lines of a rejection the page shows.
const PROBLEM_LINES: usize = 3;

/// What the page shows from the database.
pub(in crate::web) struct Facts {
    sources: Vec<SourceOverview>,
    readings: Vec<ReadingSourceOverview>,
    outbox: OutboxHealth,
    messages: Vec<OutboxRow>,
    schema: i64,
    size: u64,
    path: String,
}

impl Facts {
    /// Reads them.
    ///
    /// # Errors
    /// A database failure.
    pub(in crate::web) fn read(store: &Store) -> Result<Facts, StoreError> {
        Ok(Facts {
            sources: store.source_overviews()?,
            readings: store.reading_sources()?,
            outbox: store.outbox_health()?,
            messages: store.outbox_rows(RECENT_SENT)?,
            schema: store.schema_version()?,
            size: store.size_on_disk(),
            path: store.path().to_owned(),
        })
    }
}

/// The health page.
pub(in crate::web) fn page(config: &Config, daemon: &DaemonState, facts: &Facts) -> Markup {
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&config.timezone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let healthy = super::super::healthz_problem(daemon, &facts.outbox);
    let body = html! {
        h1 { "运行状况" }
        @match &healthy {
            None => p.ok { "正常：最近一次检查成功，邮件发送正常。" },
            Some(problem) => p.notice { "需要处理：" (problem) },
        }
        section {
            h2 { "检查" }
            table.kv { tbody {
                tr { th { "服务启动" } td { @match daemon.started { Some(t) => (local(t)), None => "—" } } }
                tr { th { "最近一次检查" } td {
                    @match &daemon.last_check {
                        None => "尚未完成",
                        Some(CheckOutcome { at, error: None, emails }) => { (local(*at)) "，成功，生成邮件 " (emails) " 封" },
                        Some(CheckOutcome { at, error: Some(e), .. }) => { (local(*at)) "，失败：" (shown(e)) },
                    }
                } }
                tr { th { "下一次检查" } td { @match daemon.next_check { Some(t) => (local(t)), None => "—" } } }
                tr { th { "下一期月度通报" } td { @match daemon.next_digest { Some(t) => (local(t)), None => "未启用" } } }
                tr { th { "检查计划" } td { code { (config.schedule) } " （" (config.timezone) "）" } }
            } }
        }
        section {
            h2 { "账务数据文件" }
            @if facts.sources.is_empty() { p { "还没有读取过账务文件。" } }
            @else {
                div.scroll { table {
                    thead { tr { th { "文件" } th { "状态" } th.num { "记录数" } th { "最近读取" } th { "最近变化" } th { "问题" } } }
                    tbody {
                        @for s in &facts.sources {
                            tr class=[s.rejected.is_some().then_some("firing")] {
                                td.src { (shown(&s.path)) }
                                td { (source_state(s)) }
                                td.num { (s.entries) }
                                td { @match s.read_at { Some(t) => (local(t)), None => "—" } }
                                td { @match s.changed_at { Some(t) => (local(t)), None => "—" } }
                                td.memo { @if let Some(problem) = &s.rejected { (first_lines(problem)) } }
                            }
                        }
                    }
                } }
            }
        }
        @if !facts.readings.is_empty() {
            section {
                h2 { "完成值文件" }
                div.scroll { table {
                    thead { tr { th { "文件" } th.num { "完成值条数" } th { "最近读取" } th { "问题" } } }
                    tbody {
                        @for r in &facts.readings {
                            tr class=[r.rejected.is_some().then_some("firing")] {
                                td.src { (shown(&r.path)) }
                                td.num { (r.readings) }
                                td { (r.imported_at.as_deref().map_or_else(|| "—".to_owned(), |t| {
                                    chrono::DateTime::parse_from_rfc3339(t)
                                        .map_or_else(|_| shown(t), |t| local(t.with_timezone(&chrono::Utc)))
                                })) }
                                td.memo { @if let Some(problem) = &r.rejected { (first_lines(problem)) } }
                            }
                        }
                    }
                } }
            }
        }
        section {
            h2 { "邮件发送" }
            p { "待发送 " (facts.outbox.pending) " 封（其中发送失败待重试 " (facts.outbox.retrying) " 封），已放弃 " (facts.outbox.failed) " 封。"
                @if let Some(t) = facts.outbox.last_sent { " 最近一次发送成功：" (local(t)) "。" } }
            @if let Some(e) = &facts.outbox.last_error { p.notice { "最近的发送错误：" (shown(e)) } }
            @if !facts.messages.is_empty() {
                div.scroll { table {
                    thead { tr { th { "#" } th { "主题" } th { "状态" } th.num { "尝试次数" } th { "时间" } } }
                    tbody {
                        @for m in facts.messages.iter().rev() {
                            tr {
                                td { (m.id) }
                                td { (shown(&m.subject)) }
                                td { (message_state(&m.status)) }
                                td.num { (m.attempts) }
                                td { (local(m.sent_at.unwrap_or(m.created_at))) }
                            }
                        }
                    }
                } }
            }
        }
        section {
            h2 { "数据库与版本" }
            table.kv { tbody {
                tr { th { "数据库" } td.src { (shown(&facts.path)) } }
                tr { th { "大小" } td { (mebibytes(facts.size)) } }
                tr { th { "结构版本" } td { (facts.schema) " （本程序支持 " (SCHEMA_VERSION) "）" } }
                tr { th { "spendwatch 版本" } td { (env!("CARGO_PKG_VERSION")) } }
            } }
        }
    };
    layout(
        config,
        "运行状况",
        Nav::Health,
        None,
        &Params::default(),
        body,
    )
}

fn source_state(s: &SourceOverview) -> String {
    let mut words = match (&s.withdrawn, s.accepted) {
        (Some(_), _) => format!(
            "未计入{}",
            s.withdrawn_note
                .as_deref()
                .map(|n| format!("（{}）", shown(n)))
                .unwrap_or_default()
        ),
        (None, true) => "有效".to_owned(),
        (None, false) => "未导入".to_owned(),
    };
    if s.rejected.is_some() {
        words.push_str("；最新版本被拒绝");
    }
    if s.missing_since.is_some() {
        words.push_str("；文件已不在");
    }
    words
}

fn message_state(status: &str) -> &str {
    match status {
        "pending" => "待发送",
        "sent" => "已发送",
        "failed" => "已放弃",
        other => other,
    }
}

/// The first lines of a rejection, escaped, joined by ` / `.
fn first_lines(problem: &str) -> String {
    let mut lines: Vec<String> = problem.lines().take(PROBLEM_LINES).map(shown).collect();
    if problem.lines().count() > PROBLEM_LINES {
        lines.push("…".to_owned());
    }
    lines.join(" / ")
}

fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
}
