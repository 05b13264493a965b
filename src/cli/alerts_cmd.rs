//! `spendwatch alerts`, `spendwatch outbox [--retry]` and `spendwatch test-email [--to ADDR]`:
//! what the alerts are, what mail is waiting, and whether mail gets through.

use super::table::{Align, render};
use super::{Failure, check_cmd};
use crate::config::Config;
use crate::mail;
use crate::store::Store;

/// How many history events `alerts` shows.
const HISTORY: usize = 50;
/// How many sent messages `outbox` shows besides the unsent ones.
const RECENT_SENT: usize = 10;

pub(super) fn alerts(config: &Config) -> Result<(), Failure> {
    let store = Store::open(&config.database)?;
    let name = |id: &str| {
        config.fund(id).map_or_else(
            || {
                if id.is_empty() {
                    "(账务数据)".to_owned()
                } else {
                    id.to_owned()
                }
            },
            |f| f.name.clone(),
        )
    };
    let rows = store.alert_rows()?;
    if rows.is_empty() {
        println!("no alerts yet");
    } else {
        let mut table = vec![
            [
                "fund",
                "milestone",
                "kind",
                "status",
                "since",
                "last notice",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for r in &rows {
            table.push(vec![
                name(&r.key.fund),
                r.key
                    .milestone
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                r.key.kind.as_str().into(),
                r.state.status.as_str().into(),
                r.state.since.to_string(),
                r.state.last_sent.to_string(),
            ]);
        }
        print!("{}", render(&[Align::Left; 6], &table));
    }
    let events = store.alert_events(HISTORY)?;
    if !events.is_empty() {
        println!("\nhistory (last {HISTORY}):");
        let mut table = vec![
            ["day", "fund", "milestone", "kind", "reason", "now", "email"]
                .map(String::from)
                .to_vec(),
        ];
        for e in &events {
            table.push(vec![
                e.check_day.to_string(),
                name(&e.key.fund),
                e.key
                    .milestone
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                e.key.kind.as_str().into(),
                e.reason.clone(),
                e.status.clone(),
                e.outbox_id
                    .map_or_else(|| "-".into(), |id| format!("#{id}")),
            ]);
        }
        print!("{}", render(&[Align::Left; 7], &table));
    }
    Ok(())
}

pub(super) fn outbox(config: &Config, retry: bool) -> Result<(), Failure> {
    let mut store = Store::open(&config.database)?;
    if retry {
        let count = store.requeue_failed(chrono::Utc::now().timestamp())?;
        println!("re-queued {count} failed emails");
        let delivery = check_cmd::deliver_now(config, &mut store)?;
        println!(
            "delivered {}, retrying later {}, failed {}",
            delivery.sent, delivery.retrying, delivery.failed
        );
    }
    let rows = store.outbox_rows(RECENT_SENT)?;
    if rows.is_empty() {
        println!("the outbox is empty");
        return Ok(());
    }
    let mut table = vec![
        [
            "id",
            "status",
            "created",
            "attempts",
            "next attempt / sent",
            "to",
            "subject",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut errors = Vec::new();
    for r in &rows {
        let when = match (&r.sent_at, r.status.as_str()) {
            (Some(sent), _) => sent.clone(),
            (None, "pending") => chrono::DateTime::from_timestamp(r.next_attempt_at, 0)
                .map(|t| {
                    t.with_timezone(&config.timezone)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default(),
            _ => "-".into(),
        };
        table.push(vec![
            format!("#{}", r.id),
            r.status.clone(),
            r.created_at.clone(),
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
    print!(
        "{}",
        render(
            &[
                Align::Right,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Left,
                Align::Left,
                Align::Left
            ],
            &table
        )
    );
    if !errors.is_empty() {
        println!("\nlast errors:");
        for e in errors {
            println!("  {e}");
        }
    }
    Ok(())
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
        println!(
            "test email sent through {} to {} ({})",
            transport.describe(),
            recipients.join(", "),
            composed.message_id
        );
        Ok(())
    })
}
