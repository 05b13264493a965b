//! The keys of each section of the config, a line to write for each, and the key a wrong one
//! most likely meant (misspelt, or in another section).

pub(super) const TOP: &[&str] = &[
    "timezone",
    "database",
    "schedule",
    "ledger",
    "alerts",
    "email",
    "plan",
    "funds",
    "indicators",
    "department",
    "digest",
    "web",
];
pub(super) const LEDGER: &[&str] = &["sources", "columns", "subtotal_words"];
/// The column roles of `ledger.columns`, as [`crate::ledger::Role::key`] names them.
pub(super) const COLUMNS: &[&str] = &[
    "date",
    "year",
    "month",
    "day",
    "amount",
    "credit",
    "direction",
    "fund",
    "voucher",
    "memo",
];
pub(super) const ALERTS: &[&str] = &[
    "warn_days",
    "repeat_interval",
    "notify_resolved",
    "stale_after",
    "time_basis",
    "escalate_after",
    "levels",
];
pub(super) const LEVELS: &[&str] = &["preset", "rules"];
/// The keys of one rule of `alerts.levels.rules`: its level, its conditions, its source.
pub(super) const RULE: &[&str] = &[
    "level",
    "milestone",
    "behind",
    "points",
    "amount",
    "within_days",
    "rate_below",
    "from",
    "min_budget",
    "basis",
];
pub(super) const EMAIL: &[&str] = &[
    "from",
    "to",
    "admin",
    "escalate",
    "transport",
    "file",
    "smtp",
    "sendmail",
];
/// `digest:`: the monthly digest (月度通报): whether it is sent, when, and to whom.
pub(super) const DIGEST: &[&str] = &["enabled", "schedule", "to"];
/// `web:`: the dashboard the daemon serves: where it listens and who may see it.
pub(super) const WEB: &[&str] = &["listen", "trusted_proxies", "user_header"];
pub(super) const FILE: &[&str] = &["dir"];
pub(super) const SMTP: &[&str] = &[
    "host",
    "port",
    "security",
    "username",
    "password",
    "password_file",
    "ca_file",
    "timeout",
];
pub(super) const SENDMAIL: &[&str] = &["command"];
pub(super) const FUND: &[&str] = &[
    "id",
    "code",
    "name",
    "year",
    "budget",
    "milestones",
    "aliases",
    "notify",
    "escalate",
    "goal",
];
pub(super) const MILESTONE: &[&str] = &["by", "share"];
pub(super) const SOURCE: &[&str] = &["path", "fund", "series"];
/// `department:`: the 主管部门 the 监控表 names (and its 实施单位).
pub(super) const DEPARTMENT: &[&str] = &["name", "code"];
/// `indicators:`: the indicators, the files of their readings (完成值), and how long no
/// reading may arrive.
pub(super) const INDICATORS: &[&str] = &["items", "sources", "stale_after"];
/// The keys of one indicator of `indicators.items`: the columns of a 绩效目标表 and how its
/// progress is expected.
pub(super) const INDICATOR: &[&str] = &[
    "id",
    "fund",
    "tier1",
    "tier2",
    "name",
    "comparator",
    "target",
    "unit",
    "basis",
    "progress",
    "stale_after",
];

/// Every section, for "belongs under" hints when a key is in the wrong one.
pub(super) const SECTIONS: &[(&str, &[&str])] = &[
    ("at the top level (not indented)", TOP),
    ("under `ledger:`", LEDGER),
    ("under `ledger.columns:`", COLUMNS),
    ("under `alerts:`", ALERTS),
    ("under `alerts.levels:`", LEVELS),
    ("in each rule of `alerts.levels.rules`", RULE),
    ("under `email:`", EMAIL),
    ("under `digest:`", DIGEST),
    ("under `web:`", WEB),
    ("under `email.file:`", FILE),
    ("under `email.smtp:`", SMTP),
    ("under `email.sendmail:`", SENDMAIL),
    ("in each fund of `funds:`", FUND),
    (
        "in each milestone of `plan:` or of a fund's `milestones:`",
        MILESTONE,
    ),
    (
        "in an entry of `ledger.sources` written as {path: …, fund: …}",
        SOURCE,
    ),
    ("under `department:`", DEPARTMENT),
    ("under `indicators:`", INDICATORS),
    ("in each indicator of `indicators.items`", INDICATOR),
];

/// Whether `key` is a key of some section (for the line checks of [`super::syntax`]).
pub(super) fn is_known_key(key: &str) -> bool {
    SECTIONS.iter().any(|(_, keys)| keys.contains(&key))
}

/// A line to write for `key`, shown when its value is of the wrong kind or missing.
pub(super) fn example(key: &str) -> &'static str {
    match key {
        "timezone" => "timezone: Asia/Shanghai",
        "database" => "database: data/spendwatch.db",
        "schedule" => "schedule: \"0 9 * * *\"",
        "sources" => "sources: [data/ledger/*.xlsx]",
        "subtotal_words" => "subtotal_words: [当前合计, 当前累计]",
        "warn_days" => "warn_days: 15",
        "repeat_interval" => "repeat_interval: 7d",
        "notify_resolved" => "notify_resolved: true",
        "stale_after" => "stale_after: 35d",
        "time_basis" => "time_basis: month",
        "escalate_after" => "escalate_after: 7d",
        "levels" => "levels: {preset: standard}",
        "preset" => "preset: standard",
        "rules" => "rules: [{level: 橙, behind: time, points: 15, basis: 区财政局预算执行通报}]",
        "level" => "level: 橙",
        "milestone" => "milestone: at_risk",
        "behind" => "behind: time",
        "points" => "points: 10",
        "amount" => "amount: 5万元",
        "within_days" => "within_days: 7",
        "rate_below" => "rate_below: 60%",
        "min_budget" => "min_budget: 1000万元",
        "basis" => {
            "basis: 区财政局预算执行通报 (预警依据: where the rule comes from, shown in every \
             notice it gives)"
        }
        "enabled" => "enabled: false",
        "digest" => "digest: {schedule: \"0 9 1 * *\", to: [finance@localhost]}",
        "web" => "web: {listen: \"127.0.0.1:8090\"}",
        "listen" => "listen: \"127.0.0.1:8090\"",
        "trusted_proxies" => "trusted_proxies: [127.0.0.1]",
        "user_header" => "user_header: X-Remote-User",
        "escalate" => "escalate: [leader@localhost]",
        "from" => "from: \"spendwatch <spendwatch@localhost>\"",
        "to" => "to: [finance@localhost]",
        "admin" => "admin: [admin@localhost]",
        "transport" => "transport: file",
        "dir" => "dir: data/outbox",
        "host" => "host: smtp.example.gov.cn",
        "port" => "port: 465",
        "security" => "security: tls",
        "username" => "username: spendwatch@example.gov.cn",
        "password_file" => "password_file: /etc/spendwatch/smtp-password",
        "ca_file" => "ca_file: /etc/spendwatch/mail-ca.pem",
        "timeout" => "timeout: 60s",
        "command" => "command: /usr/sbin/sendmail",
        "id" => "id: network-governance",
        "code" => "code: \"13020225P00901410001D\"",
        "name" => "name: 网络综合治理体系建设专项资金",
        "year" => "year: 2025",
        "budget" => "budget: 15.00万元",
        "aliases" => "aliases: [网络综合治理]",
        "notify" => "notify: [finance@localhost]",
        "goal" => "goal: 推动全区招商引资工作 (年度绩效目标, as the 绩效目标表 writes it)",
        "department" => {
            "department: {name: 中共唐山市路南区委网络安全和信息化委员会办公室, code: \"244001\"}"
        }
        "by" => "by: \"06-30\"",
        "share" => "share: 50%",
        "path" => "path: data/ledger/*.csv",
        "fund" => "fund: network-governance",
        "series" => "series: ytd",
        "items" => {
            "items: [{id: yq-reports, tier1: 产出, tier2: 数量, name: 上报涉唐舆情数量, \
                    comparator: \"≥\", target: 1000, unit: 条, progress: cumulative-time}]"
        }
        "tier1" => "tier1: 产出",
        "tier2" => "tier2: 数量",
        "comparator" => "comparator: \"≥\"",
        "target" => "target: 1000",
        "unit" => "unit: 条",
        "progress" => "progress: cumulative-time",
        _ => "date: [发生日期]",
    }
}

/// The key of `keys` that means what `key` means elsewhere: a fund's own plan is its
/// `milestones`, and the shared milestones are the `plan`.
pub(super) fn renamed(key: &str, keys: &[&'static str]) -> Option<&'static str> {
    let meant = match key {
        "plan" => "milestones",
        "milestones" => "plan",
        _ => return None,
    };
    keys.iter().copied().find(|k| *k == meant)
}

/// The key of `keys` that `key` is most likely a misspelling of.
pub(super) fn closest(key: &str, keys: &[&'static str]) -> Option<&'static str> {
    let normal = |k: &str| k.to_lowercase().replace(['-', ' '], "_");
    let wanted = normal(key);
    let allowed = if wanted.chars().count() <= 4 { 1 } else { 2 };
    keys.iter()
        .map(|&k| (distance(&wanted, &normal(k)), k))
        .filter(|&(d, _)| d <= allowed)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Edit distance (insertions, deletions, substitutions, and swaps of neighbours).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
