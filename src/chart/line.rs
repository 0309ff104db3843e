//! A team's rolling score at the end of each week: dated axis, the axis fitted to the
//! data, the alert floor, the go-live day and a legend.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{err, font, px, render, short_date, Marks};
use crate::app::pulse::results::signed;
use crate::app::sentiment::TeamView;

/// The chart's size in pixels (720 × 360 at twice the scale).
pub const SIZE: (u32, u32) = (720 * super::SCALE, 360 * super::SCALE);

const SCORE: RGBColor = RGBColor(31, 119, 180);
const FLOOR: RGBColor = RGBColor(214, 39, 40);
const GO_LIVE: RGBColor = RGBColor(110, 110, 110);

/// A team's line as a PNG.
pub fn team_chart(v: &TeamView, marks: &Marks) -> Result<Vec<u8>, String> {
    render(SIZE.0, SIZE.1, |root| draw(root, v, marks))
}

/// The score axis: the data and the floor with some room, within −1…+1.
fn y_range(scores: &[f64], floor: f64) -> (f64, f64) {
    let lo = scores.iter().copied().fold(floor, f64::min);
    let hi = scores.iter().copied().fold(floor, f64::max);
    let pad = ((hi - lo) * 0.15).max(0.1);
    ((lo - pad).max(-1.0), (hi + pad).min(1.0))
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    v: &TeamView,
    marks: &Marks,
) -> Result<(), String> {
    // x is weeks since the first week's end, so ticks fall on the weeks' ends.
    let first = v.weekly.first().map_or(0, |(d, _)| *d);
    let x = |day: i64| (day - first) as f64 / 7.0;
    let weeks = v.weekly.len();
    let (x0, x1) = (-0.3, v.weekly.last().map_or(0.0, |(d, _)| x(*d)) + 0.3);
    let points: Vec<(f64, f64)> = v
        .weekly
        .iter()
        .filter_map(|(d, s)| s.map(|s| (x(*d), s)))
        .collect();
    let scores: Vec<f64> = points.iter().map(|(_, s)| *s).collect();
    let (y0, y1) = y_range(&scores, marks.floor);
    let mut chart = ChartBuilder::on(root)
        .caption(format!("Sentiment — {}", v.team), font(22))
        .margin(px(12))
        .x_label_area_size(px(44))
        .y_label_area_size(px(56))
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(weeks.clamp(2, 10))
        .x_label_formatter(&|w| {
            let near = w.round();
            if (w - near).abs() < 0.01 {
                short_date(first + 7 * near as i64)
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| {
            if y.abs() < 1e-9 {
                "0".into()
            } else {
                signed(*y, 1)
            }
        })
        .x_desc("week ending")
        .y_desc("rolling score (−1 to +1)")
        .label_style(font(13))
        .axis_desc_style(font(14))
        .bold_line_style(BLACK.mix(0.08))
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    if y0 < 0.0 && y1 > 0.0 {
        chart
            .draw_series(LineSeries::new(
                [(x0, 0.0), (x1, 0.0)],
                BLACK.mix(0.25).stroke_width(px(1)),
            ))
            .map_err(err)?;
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(x0, marks.floor), (x1, marks.floor)],
            px(6),
            px(4),
            FLOOR.stroke_width(px(2)),
        ))
        .map_err(err)?
        .label(format!("alert floor {}", signed(marks.floor, 2)))
        .legend(|(x, y)| {
            PathElement::new([(x, y), (x + px(18) as i32, y)], FLOOR.stroke_width(px(2)))
        });
    let go_live = marks.go_live.filter(|d| (x0..=x1).contains(&x(*d)));
    if let Some(day) = go_live {
        chart
            .draw_series(DashedLineSeries::new(
                [(x(day), y0), (x(day), y1)],
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
    chart
        .draw_series(LineSeries::new(points.clone(), SCORE.stroke_width(px(3))))
        .map_err(err)?
        .label("rolling score at the week's end")
        .legend(|(x, y)| {
            PathElement::new([(x, y), (x + px(18) as i32, y)], SCORE.stroke_width(px(3)))
        });
    chart
        .draw_series(
            points
                .iter()
                .map(|p| Circle::new(*p, px(4), SCORE.filled())),
        )
        .map_err(err)?;
    chart
        .configure_series_labels()
        .label_font(font(12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.2))
        .legend_area_size(px(28))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    Ok(())
}
