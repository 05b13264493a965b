//! `spendwatch alerts`, `spendwatch outbox [--retry]` and `spendwatch test-email [--to ADDR]`:
//! what the alerts are, what mail is waiting, and whether mail gets through.

use chrono::NaiveDate;

use super::{Failure, check_cmd};
use crate::config::Config;
use crate::core::{AlertStatus, Explanation, Reason};
use crate::mail;
use crate::report::alert_words::{explained, fund_name, level_word, milestone_text};
use crate::report::terminal::columns as render;
use crate::report::{Align, words};
use crate::store::{AlertEvent, AlertRow, OutboxRow};
use crate::zone::Zone;

/// How many history events `alerts` shows.
const HISTORY: usize = 50;
/// How many sent messages `outbox` shows besides the unsent ones.
const RECENT_SENT: usize = 10;

pub(super) fn alerts(config: &Config) -> Result<(), Failure> {
    let store = super::open_for_reading(config, "alerts")?;
    let rows = store.alert_rows()?;
    let events = store.alert_events(HISTORY)?;
    let explanations = store.explanations()?;
    let today = super::today(config);
    out!(
        "{}",
        alerts_text(config, &rows, &events, &explanations, today)
    );
    Ok(())
}

/// A moment from the database, in the configured zone.
fn local_time(t: chrono::DateTime<chrono::Utc>, zone: &Zone) -> String {
    t.with_timezone(zone).format(TIME_FORMAT).to_string()
}

const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// `spendwatch alerts`: each alert's state with its level and whether a 情况说明 in force on
/// `today` covers it, then the latest changes, in the words of `status`.
fn alerts_text(
    config: &Config,
    rows: &[AlertRow],
    events: &[AlertEvent],
    explanations: &[Explanation],
    today: NaiveDate,
) -> String {
    let mut out = format!("预警状态　时区 {}\n\n", config.timezone);
    if rows.is_empty() {
        out.push_str("还没有预警。\n");
    } else {
        let mut table = vec![
            [
                words::FUND_NAME,
                words::MILESTONE,
                "类型",
                words::STATE,
                "开始日期",
                "最近提醒",
                "等级",
                "情况说明",
                "更新时间",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for r in rows {
            table.push(vec![
                fund_name(config, &r.key),
                milestone_text(config, &r.key),
                words::alert_kind(r.key.kind).to_owned(),
                words::alert_status(r.state.status).to_owned(),
                r.state.since.to_string(),
                r.state.last_sent.to_string(),
                // After the columns scripts read by position.
                level_word(r.state.level).to_owned(),
                explained(r, explanations, today),
                local_time(r.updated_at, &config.timezone),
            ]);
        }
        out += &render(&[Align::Left; 9], &table);
    }
    if !events.is_empty() {
        out += &format!("\n最近{}次变化（按时间先后）：\n", events.len());
        let mut table = vec![
            [
                "检查日期",
                words::FUND_NAME,
                words::MILESTONE,
                "类型",
                "变化",
                "之后状态",
                "邮件",
                "等级",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for e in events {
            // Written by this program; a value it does not know is shown as stored.
            let reason = Reason::parse(&e.reason).map_or_else(
                || e.reason.clone(),
                |r| words::alert_reason(r, e.key.kind).to_owned(),
            );
            let status = AlertStatus::parse(&e.status)
                .map_or_else(|| e.status.clone(), |s| words::alert_status(s).to_owned());
            table.push(vec![
                e.check_day.to_string(),
                fund_name(config, &e.key),
                milestone_text(config, &e.key),
                words::alert_kind(e.key.kind).to_owned(),
                reason,
                status,
                e.outbox_id
                    .map_or_else(|| "-".into(), |id| format!("#{id}")),
                // Added last: scripts read the columns before it by position.
                level_word(e.level).to_owned(),
            ]);
        }
        out += &render(&[Align::Left; 8], &table);
    }
    out
}

pub(super) fn outbox(config: &Config, retry: bool) -> Result<(), Failure> {
    let mut store = super::open_for_reading(config, "outbox")?;
    if retry {
        let count = store.requeue_failed(chrono::Utc::now())?;
        outln!("re-queued {count} failed emails");
        let delivery = check_cmd::deliver_now(config, &mut store)?;
        outln!(
            "delivered {}, retrying later {}, failed {}",
            delivery.sent,
            delivery.retrying,
            delivery.failed
        );
    }
    let rows = store.outbox_rows(RECENT_SENT)?;
    out!("{}", outbox_text(&config.timezone, &rows));
    Ok(())
}

/// What an outbox status means to the reader.
fn outbox_status(status: &str) -> &str {
    match status {
        "pending" => "待发送",
        "sent" => "已发送",
        "failed" => "发送失败",
        other => other,
    }
}

/// `spendwatch outbox`: the unsent emails and the latest sent ones, times in `zone`.
fn outbox_text(zone: &Zone, rows: &[OutboxRow]) -> String {
    let mut out = format!("发件箱　时区 {zone}\n\n");
    if rows.is_empty() {
        out.push_str("发件箱是空的。\n");
        return out;
    }
    let mut table = vec![
        [
            "编号",
            "状态",
            "生成时间",
            "尝试次数",
            "下次尝试/发送时间",
            "收件人",
            "主题",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut errors = Vec::new();
    for r in rows {
        let when = match (&r.sent_at, r.status.as_str()) {
            (Some(sent), _) => local_time(*sent, zone),
            (None, "pending") => local_time(r.next_attempt_at, zone),
            _ => "-".into(),
        };
        table.push(vec![
            format!("#{}", r.id),
            outbox_status(&r.status).to_owned(),
            local_time(r.created_at, zone),
            r.attempts.to_string(),
            when,
            r.envelope_to.join(","),
            r.subject.clone(),
        ]);
        if let Some(e) = &r.last_error
            && r.status != "sent"
        {
            errors.push(format!("#{}: {e}", r.id));
        }
    }
    use Align::{Left, Right};
    out += &render(&[Right, Left, Left, Right, Left, Left, Left], &table);
    if !errors.is_empty() {
        // As the mail library or the server put it: for whoever looks after the mail account.
        out.push_str("\n最近一次发送错误：\n");
        for e in errors {
            out += &format!("  {e}\n");
        }
    }
    out
}

pub(super) fn test_email(config: &Config, to: Option<String>) -> Result<(), Failure> {
    let recipients: Vec<String> = match to {
        Some(addr) => vec![addr],
        None if !config.email.to.is_empty() => config.email.to.clone(),
        None => config.email.admin.clone(),
    };
    if recipients.is_empty() {
        return Err(Failure::invalid(
            "spendwatch: test-email: no recipient: give --to ADDR or set email.to in the config",
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let transport = mail::transport(&config.email)
            .map_err(|e| Failure::invalid(format!("spendwatch: {e}")))?;
        let composed = mail::compose_test(&config.email.from, &recipients, &transport.describe())
            .map_err(|e| Failure::invalid(format!("spendwatch: {e}")))?;
        let envelope = mail::envelope(&composed.envelope_from, &composed.envelope_to)
            .map_err(Failure::invalid)?;
        mail::send_with_timeout(transport.as_ref(), &envelope, &composed.raw)
            .await
            .map_err(|e| {
                Failure::runtime(format!(
                    "test email NOT sent through {}: {e}",
                    transport.describe()
                ))
            })?;
        outln!(
            "test email sent through {} to {} ({})",
            transport.describe(),
            recipients.join(", "),
            composed.message_id
        );
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::NaiveDate;

    use super::*;
    use crate::core::{AlertKey, AlertKind, AlertState, EndCause, ExplanationReason, Level};

    /// A moment written in RFC 3339.
    fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
        text.parse().expect("RFC 3339 time")
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).expect("valid test date")
    }

    fn config() -> Config {
        crate::config::parse(
            "timezone: Asia/Shanghai
funds:
  - {id: ng, code: C, name: 网络综合治理体系建设专项资金, year: 2025, budget: 15.00万元}
",
            Path::new("config.yaml"),
            Path::new("/tmp"),
        )
        .expect("test config")
    }

    fn key(fund: &str, milestone: Option<NaiveDate>, kind: AlertKind) -> AlertKey {
        AlertKey {
            fund: fund.into(),
            milestone,
            kind,
            indicator: None,
        }
    }

    fn event(check_day: NaiveDate, key: AlertKey, reason: &str, status: &str) -> AlertEvent {
        let kind = key.kind;
        AlertEvent {
            check_day,
            key,
            reason: reason.into(),
            status: status.into(),
            outbox_id: None,
            level: match (status, kind) {
                ("firing", AlertKind::Due) => Some(Level::Yellow),
                ("firing", AlertKind::Missed) => Some(Level::Red),
                _ => None,
            },
        }
    }

    fn explanation(
        id: i64,
        milestone: Option<NaiveDate>,
        ended: Option<(NaiveDate, EndCause)>,
    ) -> Explanation {
        Explanation {
            id,
            fund: "ng".into(),
            milestone,
            reason: ExplanationReason::Funding,
            text: "合同5月签订".into(),
            day: day(7, 10),
            until: Some(day(9, 30)),
            user: "alice".into(),
            ended,
        }
    }

    /// The N2 story after the reversal: the June alert fires again; the stale alert of the
    /// ledger ended. 16:05 UTC is 00:05 of the next day in Shanghai: the local day is shown.
    #[test]
    fn alerts_in_chinese_with_local_times() {
        let june = key("ng", Some(day(6, 30)), AlertKind::Missed);
        let rows = [
            AlertRow {
                key: june.clone(),
                state: AlertState {
                    level: Some(Level::Orange),
                    level_since: day(7, 12),
                    ..AlertState::plain(AlertStatus::Firing, day(7, 10), day(7, 17))
                },
                updated_at: utc("2025-07-16T16:05:00Z"),
            },
            AlertRow {
                key: key("", None, AlertKind::Stale),
                state: AlertState::plain(AlertStatus::Resolved, day(5, 6), day(5, 13)),
                updated_at: utc("2025-05-20T01:00:00Z"),
            },
        ];
        let due = key("ng", Some(day(6, 30)), AlertKind::Due);
        let mut events = vec![
            event(day(6, 15), due.clone(), "first", "firing"),
            event(day(7, 1), due, "replaced", "resolved"),
            event(day(7, 1), june.clone(), "first", "firing"),
            event(day(7, 4), june.clone(), "resolved", "resolved"),
            event(day(7, 10), june.clone(), "first", "firing"),
            event(day(7, 17), june, "repeat", "firing"),
        ];
        for (e, id) in events.iter_mut().zip([1, 2, 2, 3, 4, 5]) {
            e.outbox_id = Some(id);
        }
        events[1].outbox_id = None;
        // In force on the day: a fund-wide one and one of the June milestone; not one of
        // October's, nor one withdrawn.
        let explanations = [
            explanation(3, None, None),
            explanation(4, Some(day(10, 31)), None),
            explanation(5, Some(day(6, 30)), None),
            explanation(6, None, Some((day(7, 15), EndCause::Withdrawn))),
        ];
        assert_eq!(
            alerts_text(&config(), &rows, &events, &explanations, day(7, 17)),
            "\
预警状态　时区 Asia/Shanghai

项目名称                      节点        类型        状态    开始日期    最近提醒    等级  情况说明       更新时间
网络综合治理体系建设专项资金  2025-06-30  节点逾期    预警中  2025-07-10  2025-07-17  橙色  已说明 #3、#5  2025-07-17 00:05:00
（账务数据）                  -           数据未更新  已解除  2025-05-06  2025-05-13  -     -              2025-05-20 09:00:00

最近6次变化（按时间先后）：
检查日期    项目名称                      节点        类型      变化          之后状态  邮件  等级
2025-06-15  网络综合治理体系建设专项资金  2025-06-30  节点临近  首次通知      预警中    #1    黄色
2025-07-01  网络综合治理体系建设专项资金  2025-06-30  节点临近  转为节点逾期  已解除    -     -
2025-07-01  网络综合治理体系建设专项资金  2025-06-30  节点逾期  首次通知      预警中    #2    红色
2025-07-04  网络综合治理体系建设专项资金  2025-06-30  节点逾期  解除          已解除    #3    -
2025-07-10  网络综合治理体系建设专项资金  2025-06-30  节点逾期  首次通知      预警中    #4    红色
2025-07-17  网络综合治理体系建设专项资金  2025-06-30  节点逾期  重复提醒      预警中    #5    红色
"
        );
        // The day after `until`, nothing covers it any more.
        let text = alerts_text(&config(), &rows, &[], &explanations, day(10, 1));
        assert!(!text.contains("已说明"), "{text}");
        assert_eq!(
            alerts_text(&config(), &[], &[], &[], day(7, 17)),
            "预警状态　时区 Asia/Shanghai\n\n还没有预警。\n"
        );
    }

    #[test]
    fn outbox_in_chinese_with_local_times() {
        let row = |id, status: &str, sent_at: Option<&str>, last_error: Option<&str>| OutboxRow {
            id,
            created_at: utc("2025-06-30T17:57:45Z"),
            subject: "【支出进度预警】网络综合治理体系建设专项资金 未达6月底50%支出进度".into(),
            envelope_to: vec!["finance@localhost".into()],
            status: status.into(),
            attempts: 1,
            // 2025-07-01 02:00:00 UTC
            next_attempt_at: chrono::DateTime::from_timestamp(1_751_335_200, 0).expect("time"),
            last_error: last_error.map(String::from),
            sent_at: sent_at.map(utc),
        };
        let rows = [
            row(1, "sent", Some("2025-06-30T17:57:46Z"), None),
            row(2, "pending", None, Some("connection refused")),
            row(3, "failed", None, Some("535 5.7.8 authentication failed")),
        ];
        let zone = Zone::named("Asia/Shanghai").expect("zone");
        assert_eq!(
            outbox_text(&zone, &rows),
            "\
发件箱　时区 Asia/Shanghai

编号  状态      生成时间             尝试次数  下次尝试/发送时间    收件人             主题
  #1  已发送    2025-07-01 01:57:45         1  2025-07-01 01:57:46  finance@localhost  【支出进度预警】网络综合治理体系建设专项资金 未达6月底50%支出进度
  #2  待发送    2025-07-01 01:57:45         1  2025-07-01 10:00:00  finance@localhost  【支出进度预警】网络综合治理体系建设专项资金 未达6月底50%支出进度
  #3  发送失败  2025-07-01 01:57:45         1  -                    finance@localhost  【支出进度预警】网络综合治理体系建设专项资金 未达6月底50%支出进度

最近一次发送错误：
  #2: connection refused
  #3: 535 5.7.8 authentication failed
"
        );
        assert_eq!(
            outbox_text(&zone, &[]),
            "发件箱　时区 Asia/Shanghai\n\n发件箱是空的。\n"
        );
    }
}
