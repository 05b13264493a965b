//! The burn-up chart (累计支出进度图) of a fund and the overview of many: one model, two thin
//! renderings (README, "Charts").
//!
//! - [`model`]: the numbers, exact in days and 分: [`BurnUp`] (cumulative spend by day, the
//!   plan curve, the 序时 line, the milestones, the forecast range, the budget) and
//!   [`Overview`] (the funds furthest behind 序时 and the average).
//! - [`svg`](mod@svg): hand-written SVG, for the dashboard and as the source of the PNG.
//! - [`png`](mod@png): the same SVG rasterised with resvg at twice its size, for the emails.
//!
//! The images hold digits, dates and ASCII only; the Chinese legend is the HTML's job.
//! Pure but for [`Fonts::system`], which reads the system's font folders once per process.

pub mod model;
pub mod png;
pub mod svg;

pub use model::{
    AVERAGE_LABEL, BurnUp, DEFAULT_OVERVIEW_FUNDS, ForecastPoint, Marker, Overview, OverviewRow,
    Point,
};
pub use png::{ChartError, Fonts, PIXEL_RATIO, overview_png, overview_png_with, png, png_with};
pub use svg::{overview_svg, sparkline, svg, xml_escape};

#[cfg(test)]
mod tests;
