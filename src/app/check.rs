//! One check, as `spendwatch check` and every daemon tick do it: import changed sources, read
//! the day's [`Snapshot`], decide alerts, and write the alert changes with their emails in one
//! transaction.
//!
//! The day and the time come in as a [`CheckClock`]; delivery is [`crate::app::deliver`]'s job.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use tracing::{info, warn};

use crate::app::import::{self, FileReport};
use crate::app::snapshot::{self, Snapshot};
use crate::config::Config;
use crate::core::{
    AlertKey, AlertKind, AlertPolicy, Decision, EndCause, FundFacts, IndicatorFacts,
    IndicatorState, Notice, any_year_open, decide_fund, decide_indicator, decide_stale,
    silence_fund,
};
use crate::mail::{self, MailError};
use crate::report::email::{self, AdminNotice, FundNotices, GoalItem, GoalNotices};
use crate::store::{CheckRecord, EmailRecord, Store, StoreError};

/// The time of a check: the as-of day the rules use, the moment recorded in the database
/// (on that day, for replays with `--as-of`), and the real time that schedules delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckClock {
    /// The day the rules judge (milestones due, days late, data freshness): today in the
    /// configured time zone, or `--as-of`.
    pub day: NaiveDate,
    /// The moment recorded in the database.
    pub stamp: DateTime<Utc>,
    /// The real time.
    pub now: DateTime<Utc>,
}

/// An email the check put in the outbox (or, in a dry run, would have).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEmail {
    /// Its row in the outbox; `None` in a dry run, where nothing is kept.
    pub outbox_id: Option<i64>,
    /// The envelope recipients, as addresses.
    pub to: Vec<String>,
    /// The subject line, in Chinese.
    pub subject: String,
    /// The plain-text part (the HTML part is in the outbox only), for the dry run to print.
    pub text: String,
}

/// What one check did, for `spendwatch check` to print and the daemon to log.
#[derive(Debug, Clone)]
pub struct CheckSummary {
    /// Each configured file synced before the evaluation, and what became of it.
    pub imports: Vec<FileReport>,
    /// `ledger.sources` patterns that are not valid globs or name no file, in English.
    pub import_warnings: Vec<String>,
    /// Each file of readings (`indicators.sources`) synced beside them, and what became of it.
    pub readings: Vec<crate::app::readings::ReadingReport>,
    /// `indicators.sources` patterns that are not valid globs or name no file, in English.
    pub reading_warnings: Vec<String>,
    /// Every change of alert state (new, repeated, resolved, replaced), each with its reason
    /// and the notice it sends, if any.
    pub decisions: Vec<Decision>,
    /// The emails put in the outbox, one per set of recipients.
    pub emails: Vec<QueuedEmail>,
    /// Pairs of sources holding the same entries in force (money counted twice), after this
    /// check's read.
    pub overlaps: usize,
}

/// Why a check failed. Its alert changes and emails are recorded in one transaction at the end,
/// so none of them is kept; the sources synced before the failure keep their new versions.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The database failed: a runtime failure (exit 1).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An email could not be built, in practice because `email.from` or a recipient is not a
    /// valid address (exit 2: the config must be fixed).
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// The alert policy of a config: intervals in whole days (checks run at most daily in effect).
pub fn alert_policy(config: &Config) -> AlertPolicy {
    let days = |d: std::time::Duration| {
        i64::try_from(d.as_secs().div_ceil(86_400))
            .unwrap_or(i64::MAX)
            .max(1)
    };
    AlertPolicy {
        repeat_days: days(config.alerts.repeat_interval),
        notify_resolved: config.alerts.notify_resolved,
        stale_days: days(config.alerts.stale_after),
        escalate_days: days(config.alerts.escalate_after),
    }
}

/// Runs one check. With `dry_run`, everything happens inside a transaction that is rolled back.
///
/// A bad ledger file is not an error: it is reported in [`CheckSummary::imports`] and its
/// previous version stays in force.
///
/// # Errors
/// [`CheckError::Store`] when the database fails; [`CheckError::Mail`] when an email cannot be
/// built from the configured addresses. No alert change and no email is recorded either way.
pub fn run_check(
    store: &mut Store,
    config: &Config,
    clock: &CheckClock,
    dry_run: bool,
) -> Result<CheckSummary, CheckError> {
    if dry_run {
        store.begin_dry_run()?;
    }
    let result = check_inner(store, config, clock, dry_run);
    if dry_run {
        store.rollback_dry_run()?;
    }
    result
}

fn check_inner(
    store: &mut Store,
    config: &Config,
    clock: &CheckClock,
    dry_run: bool,
) -> Result<CheckSummary, CheckError> {
    let (files, import_warnings) = import::configured_files(config);
    let imports = import::sync_sources(store, config, &files, clock.stamp)?;
    let (readings, reading_warnings) =
        crate::app::readings::sync_readings(store, config, clock.stamp)?;
    let snapshot = snapshot::read(store, config, clock.day)?;
    let (decisions, explanations_ended) = decide(config, &snapshot);

    let rejections = store.unnotified_rejections()?;
    let standing = standing_news(config, store, &snapshot)?;
    // Changes of force found by this check's read, or by a `status` or `import` before it.
    let force = store.force_notices()?;
    let force_notices_sent: Vec<i64> = force.iter().map(|(id, _, _)| *id).collect();
    let mut sources: Vec<AdminNotice> = force
        .into_iter()
        .map(|(_, file, what)| AdminNotice::Force { file, what })
        .collect();
    sources.extend(standing.send.iter().map(|(_, notice)| notice.clone()));
    let reading_rejections = store.unnotified_reading_rejections()?;
    sources.extend(reading_rejections.iter().map(|(path, problems, in_force)| {
        AdminNotice::ReadingsRejected {
            file: import::display_path(std::path::Path::new(path)),
            problems: problems.clone(),
            in_force: *in_force,
        }
    }));
    let mut groups = group(config, &decisions, &rejections);
    add_source_notices(config, &mut groups, sources);
    let composed = compose(config, &snapshot, &groups)?;

    let notified: Vec<String> = if config.email.admin.is_empty() {
        Vec::new()
    } else {
        rejections.iter().map(|(p, _, _)| p.clone()).collect()
    };
    // Told to the admin or to the finance recipients: with neither, it waits for one.
    let reading_rejections_notified: Vec<String> =
        if config.email.admin.is_empty() && config.email.to.is_empty() {
            Vec::new()
        } else {
            reading_rejections.into_iter().map(|(p, _, _)| p).collect()
        };
    let notices_sent: Vec<String> = standing.send.into_iter().map(|(key, _)| key).collect();
    let records: Vec<EmailRecord<'_>> = composed
        .iter()
        .map(|e| EmailRecord {
            message_id: &e.message.message_id,
            subject: &e.message.subject,
            envelope_from: &e.message.envelope_from,
            envelope_to: &e.message.envelope_to,
            raw: &e.message.raw,
            announces: e.announces.clone(),
        })
        .collect();
    let ids = store.record_check(&CheckRecord {
        check_day: clock.day,
        now: clock.stamp,
        send_from: clock.now,
        decisions: &decisions,
        emails: &records,
        rejections_notified: &notified,
        reading_rejections_notified: &reading_rejections_notified,
        notices_sent: &notices_sent,
        notices_cleared: &standing.cleared,
        force_notices_sent: &force_notices_sent,
        explanations_ended: &explanations_ended,
    })?;
    let emails = composed
        .into_iter()
        .zip(ids)
        .map(|(e, id)| QueuedEmail {
            outbox_id: (!dry_run).then_some(id),
            to: e.message.envelope_to,
            subject: e.message.subject,
            text: e.text,
        })
        .collect();
    Ok(CheckSummary {
        imports,
        import_warnings,
        readings,
        reading_warnings,
        decisions,
        emails,
        overlaps: snapshot.overlaps.len(),
    })
}

/// The alert decisions of a check — the spending rules for each fund that has data, and the
/// freshness of the ledger; each logged with its reason — and the explanations that end
/// because their fund caught up.
fn decide(config: &Config, snapshot: &Snapshot<'_>) -> (Vec<Decision>, Vec<(i64, EndCause)>) {
    let policy = alert_policy(config);
    let day = snapshot.day;
    let mut decisions: Vec<Decision> = Vec::new();
    let mut ended: Vec<(i64, EndCause)> = Vec::new();
    for f in &snapshot.funds {
        // No data is not zero spending: a fund no source has any entry for gets a 数据缺失
        // notice (below) instead of alerts that say it spent ¥0.00.
        if f.has_data() {
            let facts = FundFacts {
                fund: f.fund,
                report: &f.report,
                rules: &config.alerts.levels,
                explanations: &f.explanations,
                escalates: !(config.email.escalate.is_empty() && f.fund.escalate.is_empty()),
            };
            let fund = decide_fund(&facts, &snapshot.alerts, policy, day);
            decisions.extend(fund.decisions);
            ended.extend(fund.explanations_ended);
        } else {
            decisions.extend(silence_fund(&f.fund.id, &snapshot.alerts, day));
        }
    }
    let stale_key = AlertKey {
        fund: String::new(),
        milestone: None,
        kind: AlertKind::Stale,
        indicator: None,
    };
    // While no fund has any data, the 数据缺失 notice (told once) says it all: a 数据未更新
    // repeated every week beside it would only be noise.
    let any_data = snapshot.funds.iter().any(|f| f.has_data());
    decisions.extend(decide_stale(
        snapshot.last_change,
        any_data && any_year_open(&config.funds, day),
        snapshot.alerts.get(&stale_key).copied(),
        policy,
        day,
    ));
    // 双监控's goal half: each indicator of each fund, then the department's own.
    let goal_decisions = snapshot
        .funds
        .iter()
        .flat_map(|f| f.indicators.iter().map(move |i| (Some(f), i)))
        .chain(snapshot.department.iter().map(|i| (None, i)))
        .flat_map(|(f, i)| {
            let facts = IndicatorFacts {
                fund: f.map(|f| f.fund.id.as_str()),
                indicator: i.indicator,
                report: &i.report,
                year: i.year,
                explanations: f.map_or(&[][..], |f| f.explanations.as_slice()),
            };
            decide_indicator(&facts, &snapshot.alerts, policy, day)
        });
    decisions.extend(goal_decisions);
    for f in snapshot.funds.iter().filter(|f| f.has_data()) {
        let count = |state: IndicatorState| {
            f.indicators
                .iter()
                .filter(|i| i.report.state == state)
                .count()
        };
        info!(
            fund = %f.fund.id,
            light = f.light.key(),
            on_track = count(IndicatorState::OnTrack),
            lagging = count(IndicatorState::Lagging),
            breached = count(IndicatorState::Breached),
            no_data = count(IndicatorState::NoData),
            day = %day,
            "dual monitoring light (spending against 序时, then the fund's indicators)"
        );
    }
    for (id, cause) in &ended {
        info!(explanation = id, cause = cause.as_str(), day = %day, "explanation ended: nothing it covers is firing any more");
    }
    for d in &decisions {
        info!(
            fund = %d.key.fund,
            milestone = %d.key.milestone.map(|m| m.to_string()).unwrap_or_default(),
            indicator = d.key.indicator.as_deref().unwrap_or_default(),
            kind = d.key.kind.as_str(),
            reason = d.reason.as_str(),
            status = d.next.status.as_str(),
            notice = d.notice.is_some(),
            day = %day,
            "alert decision"
        );
    }
    (decisions, ended)
}

/// What changed among the notices told once while their condition holds.
struct StandingNews {
    /// Those not told yet, with their keys, in order.
    send: Vec<(String, AdminNotice)>,
    /// The keys of those told whose condition has ended (to be told again should it return).
    cleared: Vec<String>,
}

fn standing_news(
    config: &Config,
    store: &Store,
    snapshot: &Snapshot<'_>,
) -> Result<StandingNews, StoreError> {
    let standing = standing_notices(config, store, snapshot)?;
    let told = store.notice_keys()?;
    let cleared = told
        .iter()
        .filter(|k| !standing.iter().any(|(key, _)| key == *k))
        .cloned()
        .collect();
    let send = standing
        .into_iter()
        .filter(|(key, _)| !told.contains(key))
        .inspect(|(key, _)| warn!(notice = %key, "told once by email"))
        .collect();
    Ok(StandingNews { send, cleared })
}

/// An email composed for the outbox.
struct ComposedEmail {
    message: mail::Composed,
    /// Its plain text, for the dry run to print.
    text: String,
    /// The alerts whose notices it carries.
    announces: Vec<AlertKey>,
}

/// One email per group of recipients, its funds' figures taken from the snapshot.
fn compose(
    config: &Config,
    snapshot: &Snapshot<'_>,
    groups: &BTreeMap<Vec<String>, Group>,
) -> Result<Vec<ComposedEmail>, MailError> {
    let mut composed = Vec::with_capacity(groups.len());
    for (to, group) in groups {
        let funds: Vec<FundNotices<'_>> = group
            .funds
            .iter()
            .map(|(i, notices)| FundNotices {
                fund: snapshot.funds[*i].fund,
                report: &snapshot.funds[*i].report,
                notices: notices.clone(),
            })
            .collect();
        let goals: Vec<GoalNotices<'_>> = group
            .goals
            .iter()
            .map(|(owner, notices)| {
                let indicators = match owner {
                    Some(i) => &snapshot.funds[*i].indicators,
                    None => &snapshot.department,
                };
                GoalNotices {
                    owner: owner.map(|i| snapshot.funds[i].fund),
                    items: notices
                        .iter()
                        .filter_map(|n| {
                            let id = n.indicator()?;
                            let i = indicators.iter().find(|i| i.indicator.id == id)?;
                            Some(GoalItem {
                                indicator: i.indicator,
                                report: &i.report,
                                notice: n.clone(),
                            })
                        })
                        .collect(),
                }
            })
            .collect();
        let rendered = email::render(snapshot.day, &funds, &goals, &group.admin);
        composed.push(ComposedEmail {
            message: mail::compose(&config.email.from, to, &rendered)?,
            text: rendered.text,
            announces: group.keys.clone(),
        });
    }
    Ok(composed)
}

/// The notices told once while their condition holds, each with its key: patterns that match
/// no file, files that vanished, money counted twice, funds with no data.
fn standing_notices(
    config: &Config,
    store: &Store,
    snapshot: &Snapshot<'_>,
) -> Result<Vec<(String, AdminNotice)>, StoreError> {
    let shown = |path: &str| import::display_path(std::path::Path::new(path));
    let mut out = Vec::new();
    let sources = store.source_overviews()?;
    for pattern in import::unmatched_patterns(config) {
        // A pattern whose files vanished still has money in force: the 文件缺失 notice below
        // says that, and "nothing of it counts" would contradict it.
        let vanished = sources.iter().any(|s| {
            s.withdrawn.is_none()
                && s.missing_since.is_some()
                && import::pattern_names(std::path::Path::new(&pattern), &s.path)
        });
        if !vanished {
            out.push((
                format!("nomatch:{pattern}"),
                AdminNotice::NoMatch {
                    pattern: shown(&pattern),
                },
            ));
        }
    }
    for source in sources {
        if source.withdrawn.is_none() && source.missing_since.is_some() {
            out.push((
                format!("missing:{}", source.path),
                AdminNotice::Vanished {
                    file: shown(&source.path),
                    entries: source.entries,
                },
            ));
        }
    }
    let name_of = |id: &str| {
        config
            .fund(id)
            .map_or_else(|| id.to_owned(), |f| f.name.clone())
    };
    for overlap in &snapshot.overlaps {
        out.push((
            format!("overlap:{}:{}", overlap.files.join("|"), overlap.fund),
            AdminNotice::Overlap {
                files: overlap.files.iter().map(|f| shown(f)).collect(),
                fund: name_of(&overlap.fund),
                entries: overlap.entries,
                amount: overlap.amount,
            },
        ));
    }
    for f in snapshot.funds.iter().filter(|f| !f.has_data()) {
        out.push((
            format!("nodata:{}", f.fund.id),
            AdminNotice::NoData {
                fund: f.fund.name.clone(),
            },
        ));
    }
    Ok(out)
}

/// Adds the notices about sources to the admin's email, a 数据缺失 notice to the finance
/// recipients of its fund as well, and a refused file of readings to `email.to` as well (they
/// fill those in).
fn add_source_notices(
    config: &Config,
    groups: &mut BTreeMap<Vec<String>, Group>,
    notices: Vec<AdminNotice>,
) {
    let mut admin = config.email.admin.clone();
    admin.sort();
    admin.dedup();
    for notice in notices {
        let notify: Option<&[String]> = match &notice {
            AdminNotice::NoData { fund } => config
                .funds
                .iter()
                .find(|f| &f.name == fund)
                .map(|f| f.notify.as_slice()),
            AdminNotice::ReadingsRejected { .. } => Some(&[]),
            _ => None,
        };
        if let Some(notify) = notify {
            let mut finance: Vec<String> = config.email.to.iter().chain(notify).cloned().collect();
            finance.sort();
            finance.dedup();
            if !finance.is_empty() && finance != admin {
                groups
                    .entry(finance)
                    .or_default()
                    .admin
                    .push(notice.clone());
            }
        }
        if admin.is_empty() {
            warn!(?notice, "email.admin is empty: nobody is told by email");
        } else {
            groups.entry(admin.clone()).or_default().admin.push(notice);
        }
    }
}

#[derive(Debug, Default)]
struct Group {
    /// (index of the fund in the config, its notices)
    funds: Vec<(usize, Vec<Notice>)>,
    /// (index of the fund in the config, `None` for the department's, its indicator notices)
    goals: Vec<(Option<usize>, Vec<Notice>)>,
    admin: Vec<AdminNotice>,
    keys: Vec<AlertKey>,
}

/// Groups the notices by recipient set: one email per set per check.
fn group(
    config: &Config,
    decisions: &[Decision],
    rejections: &[(String, String, Option<i64>)],
) -> BTreeMap<Vec<String>, Group> {
    let fund_index: HashMap<&str, usize> = config
        .funds
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut groups: BTreeMap<Vec<String>, Group> = BTreeMap::new();
    let recipients = |extra: &[String], base: &[String]| {
        let mut all: Vec<String> = base.iter().chain(extra).cloned().collect();
        all.sort();
        all.dedup();
        all
    };
    let escalated_funds: std::collections::HashSet<&str> = decisions
        .iter()
        .filter(|d| {
            d.notice
                .as_ref()
                .and_then(Notice::lag)
                .is_some_and(|l| l.escalation.is_some())
        })
        .map(|d| d.key.fund.as_str())
        .collect();
    for d in decisions {
        let Some(notice) = &d.notice else { continue };
        let (to, admin_notice) = match notice {
            Notice::Stale { days, last_change } => (
                recipients(&[], &config.email.admin),
                Some(AdminNotice::Stale {
                    days: *days,
                    last_change: *last_change,
                }),
            ),
            Notice::Fresh => (
                recipients(&[], &config.email.admin),
                Some(AdminNotice::Fresh),
            ),
            // The department's own indicators: the finance recipients.
            _ if d.key.kind.is_indicator() && d.key.fund.is_empty() => {
                (recipients(&[], &config.email.to), None)
            }
            _ => {
                let Some(&i) = fund_index.get(d.key.fund.as_str()) else {
                    continue;
                };
                let fund = &config.funds[i];
                let mut to = recipients(&fund.notify, &config.email.to);
                // An escalation goes to the leadership besides the usual recipients, with the
                // fund's other notices of the check, so that nobody gets them in two emails.
                if escalated_funds.contains(fund.id.as_str()) {
                    to = recipients(&fund.escalate, &recipients(&config.email.escalate, &to));
                }
                (to, None)
            }
        };
        if to.is_empty() {
            warn!(fund = %d.key.fund, kind = d.key.kind.as_str(), "no recipients configured: the notice is not sent (set email.to / email.admin)");
            continue;
        }
        let group = groups.entry(to).or_default();
        group.keys.push(d.key.clone());
        match admin_notice {
            Some(a) => group.admin.push(a),
            None if d.key.kind.is_indicator() => {
                let owner = fund_index.get(d.key.fund.as_str()).copied();
                match group.goals.iter_mut().find(|(j, _)| *j == owner) {
                    Some((_, notices)) => notices.push(notice.clone()),
                    None => group.goals.push((owner, vec![notice.clone()])),
                }
            }
            None => {
                let i = fund_index[d.key.fund.as_str()];
                match group.funds.iter_mut().find(|(j, _)| *j == i) {
                    Some((_, notices)) => notices.push(notice.clone()),
                    None => group.funds.push((i, vec![notice.clone()])),
                }
            }
        }
    }
    let admin = recipients(&[], &config.email.admin);
    if admin.is_empty() && !rejections.is_empty() {
        warn!("a ledger file was rejected and email.admin is empty: nobody is told by email");
    } else {
        for (path, problems, in_force) in rejections {
            let file = import::display_path(std::path::Path::new(path));
            groups
                .entry(admin.clone())
                .or_default()
                .admin
                .push(AdminNotice::Rejected {
                    file,
                    problems: problems.clone(),
                    in_force: *in_force,
                });
        }
    }
    // Funds in config order, so emails read the same way every time.
    // (the department's indicators after the funds').
    for group in groups.values_mut() {
        group.funds.sort_by_key(|(i, _)| *i);
        group.goals.sort_by_key(|(i, _)| i.unwrap_or(usize::MAX));
    }
    groups
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const GOOD: &str = "日期,凭证号,摘要,金额\n2025-03-20,记-0030,服务费,100.00\n2025-03-21,记-0031,服务费,200.00\n";
    const BAD: &str = "日期,凭证号,摘要,金额\n2025-02-30,记-0030,服务费,100.00\n";

    fn config(dir: &Path) -> Config {
        let text = "timezone: Asia/Shanghai
database: spendwatch.db
ledger:
  sources:
    - {path: ledger.csv, fund: ng}
    - {path: other.csv, fund: ng}
email:
  to: [finance@localhost]
  admin: [admin@localhost]
  transport: file
  file: {dir: outbox}
funds:
  - {id: ng, code: C, name: 网络综合治理体系建设专项资金, year: 2025, budget: 15.00万元}
";
        crate::config::parse(text, &dir.join("config.yaml"), dir).expect("test config")
    }

    fn check(store: &mut Store, config: &Config, day: &str) -> Vec<QueuedEmail> {
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("test day");
        let clock = CheckClock {
            day,
            stamp: day.and_time(chrono::NaiveTime::MIN).and_utc(),
            now: DateTime::UNIX_EPOCH,
        };
        run_check(store, config, &clock, false)
            .expect("check")
            .emails
    }

    /// The 导入失败 email says what stays in force: the entries of the version imported before,
    /// or nothing when the file was never imported.
    #[test]
    fn a_rejection_email_says_what_stays_in_force() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path());
        let mut store = Store::open(&config.database).expect("open");
        std::fs::write(dir.path().join("ledger.csv"), GOOD).expect("write");
        std::fs::write(dir.path().join("other.csv"), BAD).expect("write");
        let admin = |emails: Vec<QueuedEmail>| -> Vec<String> {
            emails
                .into_iter()
                .filter(|e| e.to == ["admin@localhost"])
                .map(|e| e.text)
                .collect()
        };

        let first = admin(check(&mut store, &config, "2025-03-25"));
        assert_eq!(first.len(), 1, "{first:?}");
        assert!(first[0].contains("other.csv"), "{}", first[0]);
        assert!(
            first[0]
                .contains("该文件还没有成功导入过，在它导入之前，支出进度和预警中不含它的支出。"),
            "{}",
            first[0]
        );

        std::fs::write(dir.path().join("ledger.csv"), BAD).expect("write");
        let second = admin(check(&mut store, &config, "2025-03-26"));
        assert_eq!(second.len(), 1, "{second:?}");
        assert!(second[0].contains("ledger.csv"), "{}", second[0]);
        assert!(
            second[0].contains("支出进度和预警仍按该文件之前导入的版本（2条记录）计算。"),
            "{}",
            second[0]
        );
        // Neither says anything about the fund table.
        for text in first.iter().chain(&second) {
            assert!(!text.contains("执行率"), "{text}");
        }
    }
}
