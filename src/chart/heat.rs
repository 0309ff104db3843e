//! Every team (rows) by week (columns): each cell coloured by its score with the value
//! written in it, week-start dates above, and a colour legend below. Teams with too few
//! contributors are grey and show no value.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{err, font, px, render, short_date};
use crate::app::pulse::results::signed;
use crate::app::sentiment::TeamView;

const LABEL_W: u32 = 180;
const CELL_W: u32 = 84;
const CELL_H: u32 = 30;
const TOP: u32 = 64;
const LEGEND_H: u32 = 86;
const GREY: RGBColor = RGBColor(220, 220, 220);

/// The map's size for `teams` rows and `weeks` columns.
pub fn size(teams: usize, weeks: usize) -> (u32, u32) {
    let (teams, weeks) = (teams.max(1) as u32, weeks.max(1) as u32);
    (
        px((LABEL_W + weeks * CELL_W + 16).max(LABEL_W + 11 * 28 + 40)),
        px(TOP + teams * CELL_H + LEGEND_H),
    )
}

/// Red (−1) through white (0) to green (+1); grey when there is nothing to show.
pub(super) fn colour(score: Option<f64>) -> RGBColor {
    match score {
        None => GREY,
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

/// The most rows a map shows: beyond that an image is unreadable in Discord.
pub const MAX_ROWS: usize = 40;

/// Every team's weeks as a PNG; with more than [`MAX_ROWS`] teams, the lowest-scoring
/// ones (those to look at first), in name order, and a title saying how many are left out.
pub fn heat_map(views: &[TeamView]) -> Result<Vec<u8>, String> {
    let rows = worst_first(views);
    let weeks = rows.first().map_or(1, |v| v.weekly.len());
    let (w, h) = size(rows.len(), weeks);
    render(w, h, |root| draw(root, &rows, views.len() - rows.len()))
}

pub(super) fn worst_first(views: &[TeamView]) -> Vec<TeamView> {
    if views.len() <= MAX_ROWS {
        return views.to_vec();
    }
    let mut order: Vec<&TeamView> = views.iter().collect();
    let key = |v: &TeamView| v.score.filter(|_| v.shown).unwrap_or(f64::INFINITY);
    order.sort_by(|a, b| key(a).total_cmp(&key(b)));
    let mut keep: Vec<TeamView> = order.into_iter().take(MAX_ROWS).cloned().collect();
    keep.sort_by(|a, b| a.team.cmp(&b.team));
    keep
}

fn centred(size: u32, colour: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: font(size),
        color: colour.to_backend_color(),
        pos: Pos::new(HPos::Center, VPos::Center),
    }
}

fn at(x: u32, y: u32) -> (i32, i32) {
    (px(x) as i32, px(y) as i32)
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    views: &[TeamView],
    left_out: usize,
) -> Result<(), String> {
    let title = if left_out == 0 {
        "Sentiment by team and week (rolling score, −1 to +1)".to_string()
    } else {
        format!(
            "Sentiment: the {} lowest-scoring teams ({left_out} more in /report export)",
            views.len()
        )
    };
    root.draw(&Text::new(title, at(10, 10), font(16)))
        .map_err(err)?;
    let weekly = views
        .first()
        .map(|v| v.weekly.as_slice())
        .unwrap_or_default();
    root.draw(&Text::new("week starting", at(10, 40), font(12)))
        .map_err(err)?;
    for (c, (day, _)) in weekly.iter().enumerate() {
        let x = LABEL_W + c as u32 * CELL_W + CELL_W / 2;
        let label = short_date(crate::app::sentiment::weekly::monday_of(*day));
        root.draw(&Text::new(label, at(x, 46), centred(12, BLACK)))
            .map_err(err)?;
    }
    for (r, v) in views.iter().enumerate() {
        let y = TOP + r as u32 * CELL_H;
        let name: String = v.team.chars().take(22).collect();
        root.draw(&Text::new(
            name,
            at(10, y + CELL_H / 2),
            TextStyle::from(font(13)).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
        for (c, (_, score)) in v.weekly.iter().enumerate() {
            let x = LABEL_W + c as u32 * CELL_W;
            let shown = score.filter(|_| v.shown);
            root.draw(&Rectangle::new(
                [at(x, y), at(x + CELL_W - 2, y + CELL_H - 2)],
                colour(shown).filled(),
            ))
            .map_err(err)?;
            let (text, ink) = match shown {
                Some(s) if s.abs() > 0.8 => (signed(s, 2), WHITE),
                Some(s) => (signed(s, 2), BLACK),
                None => ("–".to_string(), RGBColor(120, 120, 120)),
            };
            root.draw(&Text::new(
                text,
                at(x + CELL_W / 2, y + CELL_H / 2),
                centred(12, ink),
            ))
            .map_err(err)?;
        }
    }
    legend(root, TOP + views.len().max(1) as u32 * CELL_H + 14)
}

/// The colour scale from −1 to +1 in eleven steps, and the grey of "not shown".
fn legend<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, y: u32) -> Result<(), String> {
    let (step, x0) = (28u32, LABEL_W);
    for i in 0..=10u32 {
        let s = -1.0 + f64::from(i) * 0.2;
        let x = x0 + i * step;
        root.draw(&Rectangle::new(
            [at(x, y), at(x + step, y + 16)],
            colour(Some(s)).filled(),
        ))
        .map_err(err)?;
    }
    for (i, label) in [(0u32, "−1"), (5, "0"), (10, "+1")] {
        let x = x0 + i * step + step / 2;
        root.draw(&Text::new(label, at(x, y + 28), centred(12, BLACK)))
            .map_err(err)?;
    }
    root.draw(&Text::new(
        "score",
        at(10, y + 8),
        TextStyle::from(font(12)).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(err)?;
    let gy = y + 44;
    root.draw(&Rectangle::new(
        [at(x0, gy), at(x0 + step, gy + 16)],
        GREY.filled(),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        "not shown: too few people, or no data",
        at(x0 + step + 8, gy + 8),
        TextStyle::from(font(12)).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(err)?;
    Ok(())
}
