//! Adoption curves: each team's share of people active in the new tool at the end of each
//! week, against the tipping lines (16 %, 25 %, 40 % unless the plan sets them) and the go-live day.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{err, font, px, render, short_date};
use crate::app::adoption::view::Adoption;

/// The chart's size in pixels (720 × 380 at twice the scale).
pub const SIZE: (u32, u32) = (720 * super::SCALE, 380 * super::SCALE);

const LINES: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
    RGBColor(188, 189, 34),
];
const TIP: RGBColor = RGBColor(120, 120, 120);
const GO_LIVE: RGBColor = RGBColor(214, 39, 40);

/// The shown teams' curves as a PNG (at most eight, the lowest last week first).
pub fn adoption_chart(a: &Adoption) -> Result<Vec<u8>, String> {
    render(SIZE.0, SIZE.1, |root| draw(root, a))
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    a: &Adoption,
) -> Result<(), String> {
    let mut shown: Vec<_> = a.curves.iter().filter(|c| c.shown).collect();
    shown.sort_by(|x, y| {
        x.latest()
            .unwrap_or(0.0)
            .total_cmp(&y.latest().unwrap_or(0.0))
    });
    shown.truncate(LINES.len());
    let ends: Vec<i64> = a
        .curves
        .first()
        .map(|c| c.weekly.iter().map(|(d, _)| *d).collect())
        .unwrap_or_default();
    // One step a week; the last week is the one in progress, dated today.
    let first = ends.first().copied().unwrap_or(0);
    let x = |day: i64| (day - first).div_euclid(7) as f64;
    let (x0, x1) = (-0.3, ends.len().saturating_sub(1) as f64 + 0.3);
    let mut chart = ChartBuilder::on(root)
        .caption(format!("Adoption — {}", a.active.label), font(22))
        .margin(px(12))
        .x_label_area_size(px(44))
        .y_label_area_size(px(56))
        .build_cartesian_2d(x0..x1, 0.0..100.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(ends.len().clamp(2, 10))
        .x_label_formatter(&|w| {
            let near = w.round();
            if (w - near).abs() < 0.01 && near >= 0.0 {
                ends.get(near as usize)
                    .map(|d| short_date(*d))
                    .unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{y:.0} %"))
        .x_desc("week ending")
        .y_desc("share of the team active")
        .label_style(font(13))
        .axis_desc_style(font(14))
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    for (line, name) in a.active.tipping_lines() {
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, line), (x1, line)],
                px(6),
                px(4),
                TIP.stroke_width(px(1)),
            ))
            .map_err(err)?;
        chart
            .draw_series([Text::new(
                format!("{line:.0} % {name}"),
                (x0 + 0.05, line + 5.0),
                font(11),
            )])
            .map_err(err)?;
    }
    if let Some(day) = a.go_live.filter(|d| (x0..=x1).contains(&x(*d))) {
        chart
            .draw_series(DashedLineSeries::new(
                [(x(day), 0.0), (x(day), 100.0)],
                px(6),
                px(4),
                GO_LIVE.stroke_width(px(2)),
            ))
            .map_err(err)?
            .label(format!("go-live {}", short_date(day)))
            .legend(|(x, y)| {
                PathElement::new(
                    [(x, y), (x + px(18) as i32, y)],
                    GO_LIVE.stroke_width(px(2)),
                )
            });
    }
    for (c, colour) in shown.iter().zip(LINES) {
        let points: Vec<(f64, f64)> = c
            .weekly
            .iter()
            .enumerate()
            .filter_map(|(i, (_, s))| s.map(|s| (i as f64, s)))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(px(3))))
            .map_err(err)?
            .label(c.team.clone())
            .legend(move |(x, y)| {
                PathElement::new([(x, y), (x + px(18) as i32, y)], colour.stroke_width(px(3)))
            });
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new(*p, px(4), colour.filled())),
            )
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .label_font(font(12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.2))
        .legend_area_size(px(28))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(err)?;
    Ok(())
}
