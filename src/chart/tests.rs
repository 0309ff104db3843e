//! The charts drawn to PNG (size, decoding) and through a backend that records every
//! text drawn, so each label a reader needs is checked.

use std::cell::RefCell;
use std::rc::Rc;

use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use super::{font_ready, heat, line, Marks};
use crate::app::sentiment::TeamView;
use crate::domain::people::People;

/// A backend that draws nothing and keeps every text.
struct Recorder {
    size: (u32, u32),
    texts: Rc<RefCell<Vec<String>>>,
}

impl DrawingBackend for Recorder {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        _: BackendCoord,
        _: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        _: &S,
        _: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.texts.borrow_mut().push(text.to_string());
        Ok(())
    }
}

fn texts_of(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<Recorder, plotters::coord::Shift>),
) -> Vec<String> {
    font_ready().expect("font");
    let texts = Rc::new(RefCell::new(Vec::new()));
    let root = Recorder {
        size,
        texts: texts.clone(),
    }
    .into_drawing_area();
    draw(&root);
    let out = texts.borrow().clone();
    out
}

/// 2026-03-08, a Sunday.
const SUNDAY: i64 = 20_520;

fn view(team: &str, shown: bool) -> TeamView {
    TeamView {
        team: team.into(),
        contributors: People { n: 9, exact: true },
        shown,
        score: Some(-0.4),
        four_weeks_ago: Some(0.2),
        by_source: vec![],
        weekly: (0..6)
            .map(|i| (SUNDAY + 7 * i, Some(0.5 - 0.2 * i as f64)))
            .collect(),
    }
}

fn dimensions(png_bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(png_bytes);
    let reader = decoder.read_info().expect("a PNG that decodes");
    (reader.info().width, reader.info().height)
}

const MARKS: Marks = Marks {
    go_live: Some(SUNDAY + 15),
    floor: -0.2,
};

#[test]
fn a_teams_line_is_dated_marks_go_live_and_the_floor_and_names_its_scale() {
    let v = view("Support", true);
    assert_eq!(
        dimensions(&super::team_chart(&v, &MARKS).expect("chart")),
        (1440, 720),
        "drawn at twice 720 × 360"
    );
    let texts = texts_of(line::SIZE, |root| {
        line::draw(root, &v, &MARKS).expect("drawn")
    });
    for label in [
        "Sentiment — Support",
        "rolling score (−1 to +1)",
        "week ending",
        "8 Mar",
        "alert floor −0.20",
        "15 Mar",
        "12 Apr",
        "go-live 23 Mar",
        "rolling score at the week's end",
    ] {
        assert!(
            texts.iter().any(|t| t == label),
            "`{label}` not drawn: {texts:?}"
        );
    }
    // The axis fits the data (−0.5…+0.5 and the floor), not a fixed −1…+1.
    assert!(
        !texts.iter().any(|t| t == "−1.0" || t == "+1.0"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "+0.4") && texts.iter().any(|t| t == "0"),
        "{texts:?}"
    );
}

#[test]
fn a_go_live_off_the_chart_is_not_marked() {
    let marks = Marks {
        go_live: Some(SUNDAY + 400),
        floor: -0.2,
    };
    let texts = texts_of(line::SIZE, |root| {
        line::draw(root, &view("Sales", true), &marks).expect("drawn")
    });
    assert!(!texts.iter().any(|t| t.starts_with("go-live")), "{texts:?}");
}

#[test]
fn the_heat_map_writes_values_dates_and_a_colour_legend() {
    let teams: Vec<TeamView> = (0..3).map(|i| view(&format!("Team {i}"), i != 1)).collect();
    let (w, h) = dimensions(&super::heat_map(&teams).expect("heat map"));
    assert_eq!((w, h), heat::size(3, 6));
    assert_eq!((w, h), (2 * (180 + 6 * 84 + 16), 2 * (64 + 3 * 30 + 86)));
    let texts = texts_of((w, h), |root| heat::draw(root, &teams, 0).expect("drawn"));
    for label in [
        "Team 0",
        "Team 1",
        "week starting",
        "2 Mar",
        "6 Apr",
        "+0.50",
        "−0.50",
        "−1",
        "+1",
        "not shown: too few people, or no data",
    ] {
        assert!(
            texts.iter().any(|t| t == label),
            "`{label}` not drawn: {texts:?}"
        );
    }
    // Team 1 has too few contributors: its six cells show no value.
    assert_eq!(texts.iter().filter(|t| *t == "–").count(), 6, "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("-0w")), "no '-0w' labels");
}

#[test]
fn a_map_of_many_teams_shows_the_lowest_forty_and_says_so() {
    let teams: Vec<TeamView> = (0..50)
        .map(|i| {
            let mut v = view(&format!("Team {i:02}"), true);
            v.score = Some(f64::from(i) / 100.0);
            v
        })
        .collect();
    let (_, h) = dimensions(&super::heat_map(&teams).expect("heat map"));
    assert_eq!(h, heat::size(40, 6).1, "forty rows");
    let rows = heat::worst_first(&teams);
    assert_eq!(rows.first().map(|v| v.team.as_str()), Some("Team 00"));
    assert_eq!(rows.last().map(|v| v.team.as_str()), Some("Team 39"));
    let texts = texts_of(heat::size(40, 6), |root| {
        heat::draw(root, &rows, 10).expect("drawn")
    });
    assert!(
        texts
            .iter()
            .any(|t| t == "Sentiment: the 40 lowest-scoring teams (10 more in /report export)"),
        "{texts:?}"
    );
}

#[test]
fn colours_run_from_red_through_white_to_green() {
    assert_eq!(heat::colour(Some(-1.0)), RGBColor(214, 39, 40));
    assert_eq!(heat::colour(Some(0.0)), RGBColor(255, 255, 255));
    assert_eq!(heat::colour(Some(1.0)), RGBColor(44, 160, 44));
    assert_eq!(heat::colour(None), RGBColor(220, 220, 220));
}
