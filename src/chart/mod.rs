//! PNG charts for `/sentiment`: a team's line over the weeks and every team's heat map.
//! Drawn with plotters and an embedded font (DejaVu Sans, see DejaVuSans-LICENSE.txt),
//! so no system fonts are needed.

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::app::sentiment::TeamView;

static FONT: &[u8] = include_bytes!("DejaVuSans.ttf");

fn font_ready() -> Result<(), String> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    READY
        .get_or_init(|| {
            register_font("sans-serif", FontStyle::Normal, FONT)
                .map_err(|_| "the embedded font did not load".to_string())
        })
        .clone()
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

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A team's rolling score at the end of each week, −1 to +1.
pub fn team_chart(v: &TeamView) -> Result<Vec<u8>, String> {
    font_ready()?;
    let (w, h) = (720u32, 360u32);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let weeks = v.weekly.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("Sentiment — {}", v.team), ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(-(weeks - 1)..0, -1.0f64..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("weeks ago")
            .y_desc("rolling score")
            .x_label_formatter(&|x| format!("{}", -x))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(-(weeks - 1), 0.0), (0, 0.0)],
                BLACK.mix(0.3),
            ))
            .map_err(err)?;
        let points: Vec<(i32, f64)> = v
            .weekly
            .iter()
            .enumerate()
            .filter_map(|(i, (_, s))| s.map(|s| (i as i32 - (weeks - 1), s)))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), BLUE.stroke_width(3)))
            .map_err(err)?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 4, BLUE.filled())))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    png(&buf, w, h)
}

/// Red (−1) through white (0) to green (+1); grey when there is nothing to show.
fn colour(score: Option<f64>) -> RGBColor {
    match score {
        None => RGBColor(220, 220, 220),
        Some(s) => {
            let s = s.clamp(-1.0, 1.0);
            let fade = |full: u8, t: f64| (255.0 - (255.0 - f64::from(full)) * t) as u8;
            if s < 0.0 {
                RGBColor(fade(214, -s), fade(39, -s), fade(40, -s))
            } else {
                RGBColor(fade(44, s), fade(160, s), fade(44, s))
            }
        }
    }
}

/// Every team (rows) by week (columns); teams with too few contributors are grey.
pub fn heat_map(views: &[TeamView]) -> Result<Vec<u8>, String> {
    font_ready()?;
    let weeks = views.first().map_or(1, |v| v.weekly.len().max(1)) as u32;
    let rows = views.len().max(1) as u32;
    let (label_w, cell_w, cell_h, top) = (180u32, 56u32, 18u32, 40u32);
    let (w, h) = (label_w + weeks * cell_w + 10, top + rows * cell_h + 10);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let text = ("sans-serif", 13).into_font();
        root.draw(&Text::new(
            "Sentiment by team and week (grey: too few contributors or no data)",
            (8, 8),
            ("sans-serif", 15).into_font(),
        ))
        .map_err(err)?;
        for c in 0..weeks {
            let label = format!("-{}w", weeks - 1 - c);
            let x = (label_w + c * cell_w + 12) as i32;
            root.draw(&Text::new(label, (x, 24), text.clone()))
                .map_err(err)?;
        }
        for (r, v) in views.iter().enumerate() {
            let y = (top + r as u32 * cell_h) as i32;
            let name: String = v.team.chars().take(24).collect();
            root.draw(&Text::new(name, (6, y + 2), text.clone()))
                .map_err(err)?;
            for (c, (_, score)) in v.weekly.iter().enumerate() {
                let x = (label_w + c as u32 * cell_w) as i32;
                let fill = colour(score.filter(|_| v.shown));
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell_w as i32 - 2, y + cell_h as i32 - 2)],
                    fill.filled(),
                ))
                .map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    png(&buf, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(team: &str, shown: bool) -> TeamView {
        TeamView {
            team: team.into(),
            contributors: crate::domain::people::People { n: 9, exact: true },
            shown,
            score: Some(-0.4),
            four_weeks_ago: Some(0.2),
            by_source: vec![],
            weekly: (0..6).map(|i| (i, Some(0.5 - 0.2 * i as f64))).collect(),
        }
    }

    fn dimensions(png_bytes: &[u8]) -> (u32, u32) {
        let decoder = png::Decoder::new(png_bytes);
        let reader = decoder.read_info().expect("a PNG that decodes");
        (reader.info().width, reader.info().height)
    }

    #[test]
    fn charts_are_pngs_that_decode_with_sane_dimensions() {
        assert_eq!(
            dimensions(&team_chart(&view("Support", true)).expect("chart")),
            (720, 360)
        );
        let teams: Vec<TeamView> = (0..3).map(|i| view(&format!("Team {i}"), i != 1)).collect();
        let (w, h) = dimensions(&heat_map(&teams).expect("heat map"));
        assert_eq!((w, h), (180 + 6 * 56 + 10, 40 + 3 * 18 + 10));
    }

    #[test]
    fn colours_run_from_red_through_white_to_green() {
        assert_eq!(colour(Some(-1.0)), RGBColor(214, 39, 40));
        assert_eq!(colour(Some(0.0)), RGBColor(255, 255, 255));
        assert_eq!(colour(Some(1.0)), RGBColor(44, 160, 44));
        assert_eq!(colour(None), RGBColor(220, 220, 220));
    }
}
