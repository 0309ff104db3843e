//! "What changed since last week", in plain words: the team whose sentiment moved most,
//! barriers, the least acknowledged update, open alerts and the latest win. Only figures
//! the board already shows (so the group rule holds) are put into words.

use super::board::{Board, Panel};
use crate::app::pulse::results::signed;

/// The week-on-week change of a shown team's sentiment: (last week's end, now).
fn moved(p: &Panel) -> Option<(f64, f64)> {
    if !p.view.shown {
        return None;
    }
    let n = p.view.weekly.len();
    let before = p.view.weekly.get(n.checked_sub(2)?)?.1?;
    Some((before, p.view.weekly.last()?.1?))
}

fn most_moved(board: &Board) -> Option<String> {
    let (p, (from, to)) = board
        .panels
        .iter()
        .filter_map(|p| moved(p).map(|m| (p, m)))
        .max_by(|a, b| (a.1 .1 - a.1 .0).abs().total_cmp(&(b.1 .1 - b.1 .0).abs()))?;
    ((to - from).abs() >= 0.005).then(|| {
        format!(
            "{} moved most: sentiment {} → {} since last week.",
            p.view.team,
            signed(from, 2),
            signed(to, 2)
        )
    })
}

fn barriers(board: &Board) -> Option<String> {
    let mut held: Vec<String> = board
        .panels
        .iter()
        .filter_map(|p| {
            let latest = p.latest.as_ref()?.barrier.as_ref()?;
            let persists = p.before.as_ref().and_then(|b| b.barrier.as_ref()) == Some(latest);
            Some(format!(
                "{} at {}{}",
                p.view.team,
                latest,
                if persists { " (as before go-live)" } else { "" }
            ))
        })
        .collect();
    if held.is_empty() {
        return None;
    }
    let more = held.len().saturating_sub(3);
    held.truncate(3);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Some(format!("Barrier: {}{tail}.", held.join(", ")))
}

fn least_acknowledged(board: &Board) -> Option<String> {
    let (p, (item, acked, size)) = board
        .panels
        .iter()
        .filter_map(|p| p.ack.as_ref().filter(|a| a.2 > 0).map(|a| (p, a)))
        .min_by(|a, b| (a.1 .1 * b.1 .2).cmp(&(b.1 .1 * a.1 .2)))?;
    Some(format!(
        "Least acknowledged: `{item}` in {}, {acked} of {size} ({} %).",
        p.view.team,
        acked * 100 / size
    ))
}

fn alerts(board: &Board) -> Option<String> {
    let open: Vec<&str> = board
        .panels
        .iter()
        .filter(|p| p.alert)
        .map(|p| p.view.team.as_str())
        .collect();
    (!open.is_empty()).then(|| format!("Sentiment alert open: {}.", open.join(", ")))
}

fn win(board: &Board) -> Option<String> {
    let (_, title, team) = board.wins.first().filter(|w| w.0 > board.today - 7)?;
    Some(match team {
        Some(t) => format!("Win of the week ({t}): {title}."),
        None => format!("Win of the week: {title}."),
    })
}

/// Where adoption stands in the latest week: the highest and the lowest team shown.
fn adoption(board: &Board) -> Option<String> {
    let (label, line) = board.adoption.as_ref()?;
    let mut shown: Vec<(&str, f64)> = board
        .panels
        .iter()
        .filter_map(|p| p.adoption.map(|a| (p.view.team.as_str(), a)))
        .collect();
    shown.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (top, high) = shown.first()?;
    let past = if high >= line {
        format!(" (past the {line:.0} % where change holds)")
    } else {
        String::new()
    };
    Some(match shown.last().filter(|(t, _)| t != top) {
        Some((low, l)) => {
            format!("{label}: {top} highest at {high:.0} %{past}, {low} lowest at {l:.0} %.")
        }
        None => format!("{label}: {top} at {high:.0} %{past}."),
    })
}

/// Three to five lines; one line saying so when nothing moved.
pub fn since_last_week(board: &Board) -> Vec<String> {
    let lines: Vec<String> = [
        most_moved(board),
        barriers(board),
        least_acknowledged(board),
        alerts(board),
        win(board),
        adoption(board),
    ]
    .into_iter()
    .flatten()
    .collect();
    if lines.is_empty() {
        return vec!["Nothing moved enough to mention since last week.".into()];
    }
    lines
}
