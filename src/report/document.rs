//! The document model: what a page says, as blocks, before it becomes plain text, HTML or a
//! terminal screen.
//!
//! An output is built once as a [`Document`] and handed to the renderers
//! ([`super::text`], [`super::html`], [`super::terminal`]); each renders every kind of
//! [`Block`], so a new kind (a chart, a forecast line, an indicator table) is added here and
//! written once per renderer, and then shows wherever a document holds it.

use super::words;
use crate::core::AlertKind;

/// A page: its blocks, in reading order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// The blocks, first to last.
    pub blocks: Vec<Block>,
}

/// One block of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The title of the page: `支出进度　截至 2025-07-15（Asia/Shanghai）`.
    Heading(String),
    /// A paragraph of running text.
    Paragraph(String),
    /// A graded notice: `【红色预警】项目：未达6月底50%支出进度` and its sentences.
    Notice(Notice),
    /// A table of figures.
    Table(Table),
    /// A titled part of the page with its own blocks (one fund in `status`).
    Section(Section),
    /// The closing words: who sent the page and what its terms mean.
    Footer(String),
    /// A picture sent beside the page (a chart, an inline part of the email referenced by its
    /// Content-ID). Only HTML shows it; every number it draws is in a table too, so the plain
    /// text and the terminal leave it out.
    Image(Image),
}

/// A picture referenced by the Content-ID of the part that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The Content-ID of the image part, without `cid:` or angle brackets (`chart-ng`).
    pub cid: String,
    /// What it shows, for readers that do not load images.
    pub alt: String,
    /// Its width in CSS pixels as drawn (it shrinks to the screen on a phone).
    pub width: u32,
    /// Its height in CSS pixels at that width.
    pub height: u32,
    /// What its lines and marks mean, in words under it (images hold digits and dates only);
    /// shown only where the image is (HTML).
    pub caption: Option<String>,
}

/// What a notice is and how urgent: its label — the word in 【】 and the unit an email's subject
/// counts by — and, in HTML, its colour ([`super::html::color`]). A fund notice gets its grade
/// from [`super::email::grade`], the one place that maps an alert's notice to a grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grade {
    /// A spending lag at a level: 黄色预警, 橙色预警, 红色预警.
    Lag(Level),
    /// Spending above the budget: 超预算.
    OverBudget,
    /// A 绩效指标 lagging or breached: 指标预警.
    Indicator,
    /// No ledger source changed for a long time: 数据未更新.
    Stale,
    /// An alert ended, or a missed milestone is already made good: 已补齐, 已达标, 已恢复.
    Resolved(Resolution),
    /// About spendwatch's own inputs, for its administrators: 系统通知.
    System,
    /// A caution beside the figures it is about (no data, money counted twice): 注意.
    Caution,
}

pub use crate::core::Level;

/// How an alert ended, each with its own word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// 已补齐: spending reached the target of a milestone whose day passed unmet.
    CaughtUp,
    /// 已达标: a milestone's target reached by its day.
    Met,
    /// 已恢复: spending back within the budget, or the ledger data changed again.
    Recovered,
}

impl Grade {
    /// The grade's word, as the reader sees it in 【】 and in a subject's counts.
    pub fn word(self) -> &'static str {
        match self {
            Grade::Lag(level) => words::level(level),
            Grade::OverBudget => words::alert_kind(AlertKind::OverBudget),
            Grade::Indicator => words::INDICATOR_WARNING,
            Grade::Stale => words::alert_kind(AlertKind::Stale),
            Grade::Resolved(resolution) => words::resolution(resolution),
            Grade::System => words::SYSTEM,
            Grade::Caution => words::CAUTION,
        }
    }

    /// Where the grade comes in a list, most urgent first: a subject's counts and the
    /// milestone a fund's table row shows follow this order (红, 橙, 黄, 超预算, 指标预警,
    /// 数据未更新, 已补齐, 已达标, 已恢复, then the notes).
    pub fn rank(self) -> u8 {
        match self {
            Grade::Lag(Level::Red) => 0,
            Grade::Lag(Level::Orange) => 1,
            Grade::Lag(Level::Yellow) => 2,
            Grade::OverBudget => 3,
            Grade::Indicator => 4,
            Grade::Stale => 5,
            Grade::Resolved(Resolution::CaughtUp) => 6,
            Grade::Resolved(Resolution::Met) => 7,
            Grade::Resolved(Resolution::Recovered) => 8,
            Grade::Caution => 9,
            Grade::System => 10,
        }
    }
}

/// A notice: its grade, what it is about, what happened, and what it says in detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// How urgent it is.
    pub grade: Grade,
    /// What it is about (a fund's name), set apart after the grade; `None`: the title alone.
    pub subject: Option<String>,
    /// What happened, in one line.
    pub title: String,
    /// The details and the next step, one sentence each.
    pub lines: Vec<String>,
    /// Whether a line may run over several lines that must stay as they are (a rejected
    /// file's problems, one a line): plain text indents each, HTML keeps the breaks.
    pub multiline: bool,
}

/// A table: headed columns and rows of cells, one cell per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The table's name, shown where each row is written as a list of `heading：value` (plain
    /// text, HTML); where columns are drawn (the terminal), their headings do its work.
    pub caption: Option<String>,
    /// The columns, left to right.
    pub columns: Vec<Column>,
    /// The rows, top to bottom, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// What the bars of [`Cell::Bar`] mean, shown where bars are drawn (HTML).
    pub legend: Option<String>,
}

/// A column's heading and how its cells align.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column's heading.
    pub heading: String,
    /// Where its cells sit.
    pub align: Align,
}

impl Column {
    /// A column headed `heading`, aligned `align`.
    pub fn new(heading: &str, align: Align) -> Column {
        Column {
            heading: heading.to_owned(),
            align,
        }
    }

    /// A column of amounts of `term`, right-aligned, its heading saying the unit:
    /// `预算数（元）`.
    pub fn money(term: &str) -> Column {
        Column {
            heading: words::money_heading(term),
            align: Align::Right,
        }
    }
}

/// Where a cell's text sits in its column: words left, figures right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Against the left edge (words).
    Left,
    /// Against the right edge (figures).
    Right,
}

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, shown as it is.
    Text(String),
    /// A rate drawn as a bar against a mark where bars can be drawn (the execution rate
    /// against the plan), else its `text`. `value` and `mark` are fractions (1.0 = 100%);
    /// the bar is drawn from 0 to 100%.
    Bar {
        /// The rate in words (`41.60%`).
        text: String,
        /// The length of the bar, a fraction.
        value: f64,
        /// Where the mark stands, a fraction.
        mark: f64,
    },
}

impl Cell {
    /// What the cell says in words.
    pub fn text(&self) -> &str {
        match self {
            Cell::Text(text) | Cell::Bar { text, .. } => text,
        }
    }
}

/// A titled part of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The part's title.
    pub heading: String,
    /// Its blocks, first to last.
    pub blocks: Vec<Block>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every grade has a word of its own and a place of its own, most urgent first: what the
    /// subjects count by and list in order.
    #[test]
    fn grades_in_their_order_each_with_its_own_word() {
        let grades = [
            Grade::Lag(Level::Red),
            Grade::Lag(Level::Orange),
            Grade::Lag(Level::Yellow),
            Grade::OverBudget,
            Grade::Stale,
            Grade::Resolved(Resolution::CaughtUp),
            Grade::Resolved(Resolution::Met),
            Grade::Resolved(Resolution::Recovered),
            Grade::Caution,
            Grade::System,
        ];
        let words: Vec<&str> = grades.iter().map(|g| g.word()).collect();
        assert_eq!(
            words,
            [
                "红色预警",
                "橙色预警",
                "黄色预警",
                "超预算",
                "数据未更新",
                "已补齐",
                "已达标",
                "已恢复",
                "注意",
                "系统通知"
            ]
        );
        let ranks: Vec<u8> = grades.iter().map(|g| g.rank()).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
    }
}
