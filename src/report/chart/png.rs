//! The charts as PNG for the emails (mail clients show neither SVG nor `data:` images): the
//! SVG of [`super::svg`] rasterised by resvg at twice its size, for sharp lines on
//! high-density screens (a 600 × 320 chart is a 1200 × 640 PNG, shown at 600 × 320).
//!
//! The text in it is digits, dates and ASCII, drawn with whatever system font the font
//! database finds (DejaVu Sans, Debian's `fonts-dejavu-core`, is what the package depends
//! on). Without any font the PNG still renders: lines, bands and markers, without labels.
//! Reading the font folders is the only thing here that touches files; it happens once per
//! process ([`Fonts::system`]).

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use super::model::{BurnUp, Overview};
use super::svg::{overview_svg, svg};

/// The PNG is drawn at this many pixels per SVG unit.
pub const PIXEL_RATIO: u32 = 2;

/// The family the charts ask for first (Debian's `fonts-dejavu-core`).
pub const PREFERRED_FONT: &str = "DejaVu Sans";

/// Why a chart could not be rasterised.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The size asked for is zero or too large to allocate.
    #[error("a chart of {width} × {height} pixels cannot be drawn")]
    Size {
        /// Pixels across.
        width: u32,
        /// Pixels down.
        height: u32,
    },
    /// The SVG did not parse (a fault of the chart writer, never of the data: its text is
    /// escaped).
    #[error("the chart's SVG does not parse: {0}")]
    Svg(#[from] usvg::Error),
    /// The PNG encoder failed.
    #[error("the chart's PNG cannot be encoded: {0}")]
    Encode(String),
}

/// The fonts the PNG's labels are drawn with.
#[derive(Debug, Clone)]
pub struct Fonts(Arc<fontdb::Database>);

impl Fonts {
    /// The system's fonts (fontconfig's folders, `/usr/share/fonts` …), read once per process
    /// and shared. When [`PREFERRED_FONT`] is missing, the generic families fall back to the
    /// first font found, so any font's digits do.
    pub fn system() -> Fonts {
        static SYSTEM: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
        Fonts(Arc::clone(SYSTEM.get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_system_fonts();
            let family = db
                .faces()
                .find(|f| f.families.iter().any(|(name, _)| name == PREFERRED_FONT))
                .or_else(|| db.faces().next())
                .and_then(|f| f.families.first().map(|(name, _)| name.clone()));
            if let Some(family) = family {
                db.set_sans_serif_family(family.clone());
                db.set_serif_family(family);
            }
            tracing::debug!(faces = db.len(), "chart fonts loaded");
            Arc::new(db)
        })))
    }

    /// No fonts at all: the charts render without their labels.
    pub fn none() -> Fonts {
        Fonts(Arc::new(fontdb::Database::new()))
    }

    /// Whether there is no font (labels will be missing).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The burn-up chart as a PNG of `width` × `height` CSS pixels, that is
/// [`PIXEL_RATIO`] × as many image pixels, with the system's fonts ([`Fonts::system`]).
///
/// # Errors
///
/// [`ChartError`] when the size is zero or too large, or encoding fails.
pub fn png(chart: &BurnUp, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    png_with(chart, width, height, &Fonts::system())
}

/// [`png`] with the given fonts.
///
/// # Errors
///
/// As [`png`].
pub fn png_with(
    chart: &BurnUp,
    width: u32,
    height: u32,
    fonts: &Fonts,
) -> Result<Vec<u8>, ChartError> {
    rasterise(&svg(chart, width, height), width, height, fonts)
}

/// The overview as a PNG of `width` × `height` CSS pixels ([`PIXEL_RATIO`] × as many image
/// pixels), with the system's fonts.
///
/// # Errors
///
/// As [`png`].
pub fn overview_png(overview: &Overview, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    overview_png_with(overview, width, height, &Fonts::system())
}

/// [`overview_png`] with the given fonts.
///
/// # Errors
///
/// As [`png`].
pub fn overview_png_with(
    overview: &Overview,
    width: u32,
    height: u32,
    fonts: &Fonts,
) -> Result<Vec<u8>, ChartError> {
    rasterise(&overview_svg(overview, width, height), width, height, fonts)
}

/// Rasterises `svg` (of `width` × `height` units) at [`PIXEL_RATIO`] and encodes it.
fn rasterise(svg: &str, width: u32, height: u32, fonts: &Fonts) -> Result<Vec<u8>, ChartError> {
    let too_big = ChartError::Size {
        width: width.saturating_mul(PIXEL_RATIO),
        height: height.saturating_mul(PIXEL_RATIO),
    };
    // 8192 pixels a side is far beyond any email; it bounds the allocation.
    let (Some(pw), Some(ph)) = (
        width.checked_mul(PIXEL_RATIO).filter(|w| *w <= 8192),
        height.checked_mul(PIXEL_RATIO).filter(|h| *h <= 8192),
    ) else {
        return Err(too_big);
    };
    let mut pixmap = Pixmap::new(pw, ph).ok_or(too_big)?;
    let options = usvg::Options {
        fontdb: Arc::clone(&fonts.0),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)?;
    let ratio = PIXEL_RATIO as f32;
    resvg::render(
        &tree,
        Transform::from_scale(ratio, ratio),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ChartError::Encode(e.to_string()))
}
