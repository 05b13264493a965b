//! `spendwatch config check`: validate the config and print the settings in effect, defaults
//! included, so an administrator sees exactly what the daemon will do.

use super::Failure;
use crate::config::{Config, Series, Transport};
use crate::core::{Comparator, Indicator, LevelRule, Preset, TimeBasis};
use crate::daemon::Schedule;
use crate::report::rule_words;

pub(super) fn check(config: &Config) -> Result<(), Failure> {
    out!("{}", effective(config));
    out!("{}", next_checks(config, chrono::Utc::now()));
    if let Ok(schedule) = Schedule::new(&config.schedule, &config.timezone)
        && schedule
            .upcoming(chrono::Utc::now(), 3)
            .more_than_once_a_day
    {
        eprintln!(
            "spendwatch: warning: schedule \"{}\" checks more than once a day: each check reads \
             the ledger and may email; \"0 9 * * *\" is 09:00 daily (a sixth field makes the \
             first one seconds: \"0 0 9 * * *\")",
            config.schedule
        );
    }
    for pattern in crate::app::import::unmatched_patterns(config) {
        eprintln!(
            "spendwatch: warning: ledger source {pattern} matches no file: its funds get no data \
             (and no spending alerts) until it does; check the path, or put the exports there"
        );
    }
    Ok(())
}

/// `# next checks: …`: the next three fire times of the schedule in the configured zone.
fn next_checks(c: &Config, now: chrono::DateTime<chrono::Utc>) -> String {
    match Schedule::new(&c.schedule, &c.timezone) {
        Ok(schedule) => {
            let times: Vec<String> = schedule
                .upcoming(now, 3)
                .times
                .iter()
                .take(3)
                .map(|t| t.format("%Y-%m-%d %H:%M (%a)").to_string())
                .collect();
            format!("# next checks ({}): {}\n", c.timezone, times.join(", "))
        }
        Err(e) => format!("# next checks: none ({e})\n"),
    }
}

/// The settings in effect, defaults included, written as the config would write them.
fn effective(c: &Config) -> String {
    let mut out = Lines::default();
    out.line(format!(
        "# {}: valid. Effective settings, defaults included:",
        c.file.display()
    ));
    out.line(format!("timezone: {}", c.timezone));
    out.line(format!("database: {}", c.database.display()));
    out.line(format!("schedule: \"{}\"", c.schedule));
    ledger(c, &mut out);
    alerts(c, &mut out);
    email(c, &mut out);
    digest(c, &mut out);
    web(c, &mut out);
    funds(c, &mut out);
    indicators(c, &mut out);
    out.0
}

/// `digest:`: whether the daemon sends it, when, to whom, and its next three fire times.
fn digest(c: &Config, out: &mut Lines) {
    let d = &c.digest;
    out.line("digest:");
    out.line(format!("  enabled: {}", d.enabled));
    out.line(format!("  schedule: \"{}\"", d.schedule));
    out.line(format!("  to: [{}]", d.to.join(", ")));
    if d.enabled
        && let Ok(schedule) = Schedule::new(&d.schedule, &c.timezone)
    {
        let times: Vec<String> = schedule
            .upcoming(chrono::Utc::now(), 3)
            .times
            .iter()
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .collect();
        out.line(format!("  # next digests: {}", times.join(", ")));
    }
}

/// `web:`: where the dashboard listens (and whether that is beyond this machine), and who
/// may see it.
fn web(c: &Config, out: &mut Lines) {
    let w = &c.web;
    out.line("web:");
    match w.listen {
        None => out.line("  listen: \"\"  # the dashboard is off"),
        Some(addr) if addr.ip().is_loopback() => {
            out.line(format!(
                "  listen: \"{addr}\"  # this machine only: http://{addr}/"
            ));
        }
        Some(addr) => out.line(format!(
            "  listen: \"{addr}\"  # REACHABLE FROM THE NETWORK: http://{addr}/"
        )),
    }
    if w.trusted_proxies.is_empty() {
        out.line("  # trusted_proxies: not set: whoever reaches listen sees the dashboard");
    } else {
        let proxies: Vec<String> = w.trusted_proxies.iter().map(ToString::to_string).collect();
        out.line(format!("  trusted_proxies: [{}]", proxies.join(", ")));
        out.line(format!("  user_header: {}", w.user_header));
    }
}

/// A text written a line at a time.
#[derive(Debug, Default)]
struct Lines(String);

impl Lines {
    fn line(&mut self, text: impl AsRef<str>) {
        self.0.push_str(text.as_ref());
        self.0.push('\n');
    }
}

/// `ledger:`: the sources (flagging a pattern that matches no file), extra column names and
/// subtotal words.
fn ledger(c: &Config, out: &mut Lines) {
    out.line("ledger:");
    out.line("  sources:");
    let unmatched = crate::app::import::unmatched_patterns(c);
    for s in &c.sources {
        let mut keys = vec![format!("path: {}", s.pattern.display())];
        if let Some(fund) = &s.fund {
            keys.push(format!("fund: {fund}"));
        }
        if s.series == Series::Ytd {
            keys.push("series: ytd".to_owned());
        }
        // No data is not zero spending: a pattern that finds nothing is said here first.
        let warning = if unmatched.contains(&s.pattern.to_string_lossy().into_owned()) {
            "   # WARNING: matches no file now; its funds get no data until it does"
        } else {
            ""
        };
        match keys.as_slice() {
            [only] => out.line(format!("    - {}{warning}", &only["path: ".len()..])),
            _ => out.line(format!("    - {{{}}}{warning}", keys.join(", "))),
        }
    }
    let extra: Vec<String> = c
        .extra_headers
        .iter()
        .map(|(role, name)| format!("{}: {name}", role.key()))
        .collect();
    if !extra.is_empty() {
        out.line(format!("  columns: {{{}}}", extra.join(", ")));
    }
    if !c.subtotal_words.is_empty() {
        out.line(format!(
            "  subtotal_words: [{}]   # in addition to the built-in ones",
            c.subtotal_words.join(", ")
        ));
    }
}

/// `alerts:`: the timing, the basis of 序时进度, escalation, and the grading rules in force —
/// the milestone floors, the preset's, the office's — each with its level, its standard
/// (预警标准) and its source (预警依据).
fn alerts(c: &Config, out: &mut Lines) {
    let a = &c.alerts;
    out.line("alerts:");
    out.line(format!("  warn_days: {}", a.warn_days));
    out.line(format!(
        "  repeat_interval: {}",
        crate::config::format_duration(a.repeat_interval)
    ));
    out.line(format!("  notify_resolved: {}", a.notify_resolved));
    out.line(format!(
        "  stale_after: {}",
        crate::config::format_duration(a.stale_after)
    ));
    let basis = match a.time_basis {
        TimeBasis::Day => "序时进度 = day of the year ÷ days in the year",
        TimeBasis::Month => "序时进度 = the month ÷ 12 (any day of June is 50%)",
    };
    out.line(format!(
        "  time_basis: {}   # {basis}",
        a.time_basis.as_str()
    ));
    out.line(format!(
        "  escalate_after: {}   # a red lag unexplained this long also goes to the escalate \
         recipients",
        crate::config::format_duration(a.escalate_after)
    ));
    out.line("  levels:");
    out.line(format!("    preset: {}", a.preset));
    out.line(
        "    # in force, in this order (each gives at least its level; the highest that holds \
         wins, a tie names the first):",
    );
    // The preset's rules come first in `levels`; the office's follow.
    let preset_rules = Preset::parse(&a.preset).map_or(0, |p| p.rules(a.time_basis).len());
    let floors = LevelRule::milestone_floors();
    let sources = floors
        .iter()
        .map(|r| (r, "milestone floor, always in force".to_owned()))
        .chain(a.levels.iter().enumerate().map(|(i, r)| {
            let source = if i < preset_rules {
                format!("preset {}", a.preset)
            } else {
                format!("rules[{}]", i - preset_rules)
            };
            (r, source)
        }));
    for (n, (rule, source)) in sources.enumerate() {
        out.line(format!(
            "    # {}. {}  {}   ({source})",
            n + 1,
            rule_words::level_word(rule.level),
            rule_words::standard(rule)
        ));
        out.line(format!("    #    预警依据：{}", rule.basis));
    }
}

/// `email:`: the addresses and the transport; of SMTP, where the password comes from, never
/// the password.
fn email(c: &Config, out: &mut Lines) {
    out.line("email:");
    out.line(format!("  from: \"{}\"", c.email.from));
    out.line(format!("  to: [{}]", c.email.to.join(", ")));
    out.line(format!("  admin: [{}]", c.email.admin.join(", ")));
    out.line(format!("  escalate: [{}]", c.email.escalate.join(", ")));
    match &c.email.transport {
        Transport::File { dir } => out.line(format!(
            "  transport: file   # .eml files in {}",
            dir.display()
        )),
        Transport::Sendmail { command } => {
            out.line(format!("  transport: sendmail   # {}", command.display()))
        }
        Transport::Smtp(s) => {
            out.line("  transport: smtp");
            out.line(format!(
                "  smtp: {{host: {}, port: {}, security: {}}}",
                s.host,
                s.port,
                s.security.as_str()
            ));
            if let Some(user) = &s.username {
                out.line(format!("    username: {user}"));
            }
            // Only where the password comes from, never the password.
            let source = match &s.password_file {
                Some(p) => format!("password_file {}", p.display()),
                None => {
                    "$CREDENTIALS_DIRECTORY/smtp-password or $SPENDWATCH_SMTP_PASSWORD".to_owned()
                }
            };
            out.line(format!("    password from: {source}"));
            if let Some(ca) = &s.ca_file {
                out.line(format!("    ca_file: {}", ca.display()));
            }
            out.line(format!(
                "    timeout: {}",
                crate::config::format_duration(s.timeout)
            ));
        }
    }
}

/// `funds:`: each fund with its milestones in its year and their targets.
fn funds(c: &Config, out: &mut Lines) {
    out.line("funds:");
    for f in &c.funds {
        out.line(format!("  - id: {}", f.id));
        out.line(format!("    code: \"{}\"", f.code));
        out.line(format!("    name: {}", f.name));
        out.line(format!("    year: {}", f.year));
        out.line(format!("    budget: {}元", f.budget.grouped()));
        let plan: Vec<String> = f
            .milestones
            .iter()
            .map(|m| {
                format!(
                    "{} {} ({}元)",
                    m.date.format("%m-%d"),
                    m.share,
                    f.target(m).grouped()
                )
            })
            .collect();
        out.line(format!("    milestones: {}", plan.join(", ")));
        if !f.aliases.is_empty() {
            out.line(format!("    aliases: [{}]", f.aliases.join(", ")));
        }
        if !f.notify.is_empty() {
            out.line(format!("    notify: [{}]", f.notify.join(", ")));
        }
        if !f.escalate.is_empty() {
            out.line(format!("    escalate: [{}]", f.escalate.join(", ")));
        }
    }
}

/// `indicators:`: the files of readings and how long an indicator may go without one; then
/// each fund's indicators and the department's own, one line each with the target as the
/// tables write it (≥1000条) and an indicator's own `stale_after` where it has one.
fn indicators(c: &Config, out: &mut Lines) {
    if c.indicators.is_empty() {
        out.line("indicators: none");
        return;
    }
    out.line("indicators:");
    if c.indicator_sources.is_empty() {
        out.line(
            "  sources: []   # no files of readings: nobody reports 完成值, so none is ever stale",
        );
    } else {
        out.line("  sources:");
        for s in &c.indicator_sources {
            out.line(format!("    - {}", s.display()));
        }
    }
    out.line(format!(
        "  stale_after: {}   # unless an indicator has its own",
        crate::config::format_duration(c.indicator_stale_after)
    ));
    let groups = c
        .funds
        .iter()
        .map(|f| (Some(f.id.as_str()), format!("{} ({})", f.name, f.id)))
        .chain(std::iter::once((
            None,
            "the department's own (no fund)".to_owned(),
        )));
    for (fund, title) in groups {
        let mine: Vec<&Indicator> = c
            .indicators
            .iter()
            .filter(|i| i.fund.as_deref() == fund)
            .collect();
        if mine.is_empty() {
            continue;
        }
        out.line(format!("  # {title}: {}", mine.len()));
        for i in mine {
            let target = match i.comparator {
                Comparator::Qualitative => format!("定性 {}", i.target),
                c => format!("{}{}{}", c.as_str(), i.target, i.unit),
            };
            let basis = i
                .basis
                .as_deref()
                .map(|b| format!("; basis: {b}"))
                .unwrap_or_default();
            let own = i
                .stale_after_days
                .map(|d| format!("; stale_after: {d}d"))
                .unwrap_or_default();
            out.line(format!(
                "  - {}: {}/{} {} {target} (progress: {}{own}{basis})",
                i.id,
                i.tier1.as_str(),
                i.tier2.as_str(),
                i.name,
                i.progress.as_str()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::effective;

    #[test]
    fn config_check_lists_the_indicators_by_fund_then_the_departments() {
        let c = crate::config::parse(
            include_str!("../../config.yaml"),
            Path::new("config.yaml"),
            Path::new("/etc/spendwatch"),
        )
        .expect("shipped config");
        let text = effective(&c);
        let section = &text[text.find("\nindicators:\n").expect("indicators section")..];
        let lines: Vec<&str> = section.lines().collect();
        // The files of readings (relative to the config's folder) and the section's limit.
        assert_eq!(
            &lines[1..6],
            [
                "indicators:",
                "  sources:",
                "    - /etc/spendwatch/data/indicators/*.csv",
                "  stale_after: 45d   # unless an indicator has its own",
                "  # 网络综合治理体系建设专项资金 (network-governance): 8",
            ]
        );
        // An indicator's own limit beside its progress; none where it keeps the section's.
        assert!(section.contains(
            "  - ng-cost: 产出/成本 不断降低各项支出成本，提高机关服务效能 ≤100% (progress: \
             level; stale_after: 107d; basis: 厅字[2021]9号、唐办[2020]5号)\n"
        ));
        assert!(section.contains(
            "  - ip-duration: 产出/时效 完成工作时间 ≤1年 (progress: level; stale_after: 400d; \
             basis: 依据上级要求)\n"
        ));
        assert!(section.contains(
            "  - ip-total-cost: 产出/成本 项目总成本 ≤10万元 (progress: ledger; basis: 依据上级要求)\n"
        ));
        assert!(section.contains("  # 招商引资专项业务费 (investment-promotion): 9\n"));
        assert!(section.contains("  # the department's own (no fund): 10\n"));
        assert!(section.contains(
            "  - posts: 产出/数量 在网信路南的政务新媒体平台上信息发布 ≥24条 (progress: monthly)\n"
        ));
        assert!(section.contains(
            "  - jiping-posts: 产出/质量 在“冀评之家”等省市平台投稿 定性 争取投稿 (progress: level)\n"
        ));
        assert_eq!(lines.iter().filter(|l| l.starts_with("  - ")).count(), 27);
        assert_eq!(section.matches("; stale_after: ").count(), 15);
    }

    #[test]
    fn config_check_says_when_no_files_of_readings_are_read() {
        let c = crate::config::parse(
            &include_str!("../../config.yaml").replace("  sources: [data/indicators/*.csv]\n", ""),
            Path::new("config.yaml"),
            Path::new("/etc/spendwatch"),
        )
        .expect("shipped config without indicators.sources");
        let text = effective(&c);
        assert!(text.contains(
            "\nindicators:\n  sources: []   # no files of readings: nobody reports 完成值, so \
             none is ever stale\n  stale_after: 45d   # unless an indicator has its own\n"
        ));
    }

    #[test]
    fn config_check_shows_the_digest_and_when_it_goes() {
        let c = crate::config::parse(
            include_str!("../../config.yaml"),
            Path::new("config.yaml"),
            Path::new("/etc/spendwatch"),
        )
        .expect("shipped config");
        let text = effective(&c);
        assert!(
            text.contains(
                "\ndigest:\n  enabled: true\n  schedule: \"0 9 1 * *\"\n  to: [finance@localhost]\n  # next digests: "
            ),
            "{text}"
        );
        // Three times, each on a first of the month at 09:00.
        let line = text
            .lines()
            .find(|l| l.starts_with("  # next digests: "))
            .expect("the next digests");
        let times: Vec<&str> = line["  # next digests: ".len()..].split(", ").collect();
        assert_eq!(times.len(), 3, "{line}");
        assert!(times.iter().all(|t| t.ends_with("-01 09:00")), "{line}");
        let off = crate::config::parse(
            &include_str!("../../config.yaml")
                .replace("\nfunds:\n", "\ndigest: {enabled: false}\nfunds:\n"),
            Path::new("config.yaml"),
            Path::new("/etc/spendwatch"),
        )
        .expect("digest off");
        let text = effective(&off);
        assert!(text.contains("\ndigest:\n  enabled: false\n"), "{text}");
        assert!(!text.contains("# next digests"));
    }
}
