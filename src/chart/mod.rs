//! PNG charts for `/sentiment`, `/adoption` and the demo: a team's line over the weeks
//! ([`line`]), every team's heat map ([`heat`]) and the adoption curves ([`adoption`]),
//! drawn at twice their size for Discord's image viewer. Drawn with plotters and an embedded font (DejaVu Sans, see
//! DejaVuSans-LICENSE.txt), so no system fonts are needed. Each chart draws on any
//! plotters backend, so a test can read back every label it drew.

mod adoption;
mod heat;
mod line;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

pub use adoption::adoption_chart;
pub use heat::heat_map;
pub use line::team_chart;

/// Every size in a chart is multiplied by this: crisp in Discord's image viewer.
const SCALE: u32 = 2;

static FONT: &[u8] = include_bytes!("DejaVuSans.ttf");

/// What a team's line is read against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marks {
    /// The go-live day (days since 1970-01-01), marked when it falls on the chart.
    pub go_live: Option<i64>,
    /// The alert floor (`sentiment.alert_floor`).
    pub floor: f64,
}

fn font_ready() -> Result<(), String> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    READY
        .get_or_init(|| {
            register_font("sans-serif", FontStyle::Normal, FONT)
                .map_err(|_| "the embedded font did not load".to_string())
        })
        .clone()
}

/// A font size (or any length) at the chart's scale.
fn px(n: u32) -> u32 {
    n * SCALE
}

fn font(size: u32) -> FontDesc<'static> {
    ("sans-serif", px(size)).into_font()
}

/// "2 Mar" for a day number.
pub fn short_date(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|d| d.format("%-d %b").to_string())
        .unwrap_or_default()
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Draws on a white bitmap of `w` × `h` and encodes it.
fn render(
    w: u32,
    h: u32,
    draw: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    font_ready()?;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    png(&buf, w, h)
}

fn png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Charts are flat colours: fast compression is nearly as small and many times quicker.
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}
