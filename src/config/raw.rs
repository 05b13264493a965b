//! The config file exactly as written: serde structs that reject unknown keys.
//!
//! Values whose form is checked by hand (amounts, shares, sources) stay as YAML values here so
//! that [`super::validate`] can name the key path and say what form is expected.

use serde::Deserialize;
use serde_yaml::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub timezone: Option<String>,
    pub database: Option<String>,
    pub schedule: Option<String>,
    pub ledger: Option<RawLedger>,
    pub alerts: Option<RawAlerts>,
    pub email: Option<RawEmail>,
    pub plan: Option<Vec<RawMilestone>>,
    pub funds: Option<Vec<RawFund>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLedger {
    #[serde(default)]
    pub sources: Vec<Value>,
    pub columns: Option<RawColumns>,
}

/// Extra header names per column role, added to the built-in aliases.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawColumns {
    #[serde(default)]
    pub date: Vec<String>,
    #[serde(default)]
    pub year: Vec<String>,
    #[serde(default)]
    pub month: Vec<String>,
    #[serde(default)]
    pub day: Vec<String>,
    #[serde(default)]
    pub amount: Vec<String>,
    #[serde(default)]
    pub credit: Vec<String>,
    #[serde(default)]
    pub fund: Vec<String>,
    #[serde(default)]
    pub voucher: Vec<String>,
    #[serde(default)]
    pub memo: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    pub warn_days: Option<u32>,
    pub repeat_interval: Option<String>,
    pub notify_resolved: Option<bool>,
    pub stale_after: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub from: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub admin: Vec<String>,
    pub transport: Option<String>,
    pub file: Option<RawFileTransport>,
    pub smtp: Option<RawSmtp>,
    pub sendmail: Option<RawSendmail>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFileTransport {
    pub dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<String>,
    pub username: Option<String>,
    /// Never accepted: present only so that its presence gets its own explanation.
    pub password: Option<Value>,
    pub password_file: Option<String>,
    pub ca_file: Option<String>,
    pub timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSendmail {
    pub command: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMilestone {
    pub by: String,
    pub share: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFund {
    pub id: String,
    pub code: String,
    pub name: String,
    pub year: i32,
    pub budget: Value,
    pub milestones: Option<Vec<RawMilestone>>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub notify: Vec<String>,
}
