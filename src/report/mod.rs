//! What people read: the words, the shape of a page, and its renderers.
//!
//! - [`alert_words`]: an alert's fund, milestone or indicator, level and 情况说明, for `alerts`
//!   and the dashboard.
//! - [`words`]: the Chinese vocabulary, in one place — fund states (正常/预警/滞后/超预算/无数据),
//!   milestone statuses and names (6月底), labels (黄色预警/红色预警/已补齐/已达标), column
//!   headings, and the forms of money (¥, 元), rates (%) and days (剩余N天/今天到期/逾期N天).
//! - [`rule_words`]: the words of graded warnings — 黄色预警/橙色预警/红色预警 and a rule's
//!   预警标准 from its conditions.
//! - [`document`]: a page as blocks (heading, paragraph, graded notice, table, section,
//!   footer), and the grade of a notice (its label and rank); a new kind of block is added
//!   here and to each renderer once.
//! - [`text`], [`html`], [`terminal`]: the renderers — the plain text and HTML of an email,
//!   and a command's output with aligned columns.
//! - [`email`]: the alert emails built as documents, and their subject lines.
//! - [`chart`]: the burn-up chart of a fund and the overview of many — one exact model, an
//!   SVG (for the web page) and a PNG drawn from that SVG (for the email).
//! - [`digest`]: the monthly digest (月度通报): the funds ranked against 序时 and their
//!   average, as a document with a place for charts.
//! - [`monitor`]: the 项目支出绩效目标执行监控表, as a model of every figure and its XLSX
//!   layout.
//! - [`status_json`]: the JSON of `status --format json` and of the dashboard's `/api/status`.
//! - [`outlook`]: the forecast, the catch-up schedule and a 情况说明 in sentences and tables,
//!   for `status` and the emails.
//! - [`shown`] and [`shown_path`]: a name or text from outside (file and sheet names, memos)
//!   with its line breaks, control and bidi characters escaped, wherever it is shown
//!   ([`shown_json`]: the same for JSON output, its values unchanged; [`write_shown_json`] as
//!   serde_json writes it).
//!
//! Pure, like [`crate::core`], whose results it says: no clock, files, database or network
//! (the boundary check in `core`'s header covers this folder as well) — but for the system
//! fonts a PNG chart may read once per process ([`chart::Fonts::system`]).

pub mod alert_words;
pub mod chart;
pub mod digest;
pub mod document;
pub mod email;
pub mod goals;
pub mod html;
pub mod monitor;
pub mod outlook;
pub mod rule_words;
mod shown;
pub mod status_json;
pub mod terminal;
pub mod text;
pub mod words;

pub use document::{
    Align, Block, Cell, Column, Document, Grade, Image, Level, Notice, Resolution, Section, Table,
};
pub use email::{AdminNotice, FundNotices, RenderedEmail};
pub use shown::{shown, shown_json, shown_path, write_shown_json};
