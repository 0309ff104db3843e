//! The dashboard as one self-contained HTML page: inline CSS, an inline SVG sparkline per
//! team with a table of its weeks beside it, no script and no external asset; readable
//! on a phone (the table scrolls) and printable.

use std::fmt::Write;

use super::board::{Board, Panel, Readiness};
use crate::app::pulse::results::signed;

/// Escapes text for HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn date(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_default()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:72rem;padding:1rem;line-height:1.4}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:1.6rem}\
.wrap{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ccc;vertical-align:top}\
th{background:#f2f2f2}.neg{color:#a40000}.pos{color:#0b6623}.muted{color:#555}.alert{color:#a40000;font-weight:bold}\
details table{font-size:.85rem;width:auto}svg{display:block}button{font:inherit;padding:.3rem .8rem}\
@media print{form,.noprint{display:none}body{max-width:none}}";

fn score(v: Option<f64>) -> String {
    match v {
        Some(s) if s < 0.0 => format!("<span class=\"neg\">{}</span>", signed(s, 2)),
        Some(s) => format!("<span class=\"pos\">{}</span>", signed(s, 2)),
        None => "–".into(),
    }
}

/// A 160×40 sparkline of the weekly scores (−1…+1), with the alert floor dashed and the
/// go-live week marked.
fn sparkline(board: &Board, p: &Panel) -> String {
    let weeks = &p.view.weekly;
    let x = |i: usize| 4 + i * 152 / weeks.len().saturating_sub(1).max(1);
    let y = |s: f64| (20.0 - s.clamp(-1.0, 1.0) * 18.0).round() as i64;
    let mut line = String::new();
    for (i, (_, s)) in weeks.iter().enumerate() {
        if let Some(s) = s {
            let _ = write!(line, "{},{} ", x(i), y(*s));
        }
    }
    let mut marks = format!(
        "<line x1=\"0\" x2=\"160\" y1=\"{f}\" y2=\"{f}\" stroke=\"#a40000\" stroke-dasharray=\"3 3\"/>",
        f = y(board.floor)
    );
    if let Some(g) = board.go_live {
        if let Some(i) = weeks.iter().position(|(end, _)| *end >= g) {
            let _ = write!(
                marks,
                "<line x1=\"{0}\" x2=\"{0}\" y1=\"0\" y2=\"40\" stroke=\"#555\"/>",
                x(i)
            );
        }
    }
    format!(
        "<svg width=\"160\" height=\"40\" viewBox=\"0 0 160 40\" role=\"img\" aria-label=\"Sentiment of {} by week\">\
<rect width=\"160\" height=\"40\" fill=\"#f7f7f7\"/>{marks}<polyline fill=\"none\" stroke=\"#1f4e9c\" stroke-width=\"2\" points=\"{}\"/></svg>",
        esc(&p.view.team),
        line.trim_end()
    )
}

fn weeks_table(p: &Panel) -> String {
    let mut rows = String::new();
    for (end, s) in &p.view.weekly {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td></tr>",
            date(*end),
            score(*s)
        );
    }
    format!("<details><summary>Week by week</summary><table><tr><th>Week ending</th><th>Score</th></tr>{rows}</table></details>")
}

fn sentiment_cell(board: &Board, p: &Panel) -> String {
    if !p.view.shown {
        return format!(
            "<span class=\"muted\">Not shown: fewer than {} people in 4 weeks</span>",
            board.min_group
        );
    }
    let change = match (p.view.score, p.view.four_weeks_ago) {
        (Some(s), Some(b)) => format!(" ({} over 4 weeks)", signed(s - b, 2)),
        _ => String::new(),
    };
    let alert = if p.alert {
        " <span class=\"alert\">Alert</span>"
    } else {
        ""
    };
    format!(
        "{}{change}{alert}<br>{}{}<span class=\"muted\">{}</span>",
        score(p.view.score),
        sparkline(board, p),
        weeks_table(p),
        esc(&p.view.contributors.describe())
    )
}

fn readiness_text(r: &Readiness) -> String {
    // Each element by name: "A 4.4 … A 3.8" left a reader to guess which A was which.
    let names = [
        "Awareness",
        "Desire",
        "Knowledge",
        "Ability",
        "Reinforcement",
    ];
    let means: Vec<String> = names
        .iter()
        .zip(r.means)
        .map(|(n, m)| format!("{n}&nbsp;{m:.1}"))
        .collect();
    let barrier = r
        .barrier
        .as_ref()
        .map(|b| format!("barrier <strong>{}</strong>; ", esc(b)))
        .unwrap_or_default();
    format!(
        "{barrier}{}<br><span class=\"muted\">{} answers, {}</span>",
        means.join(", "),
        r.respondents,
        date(r.day)
    )
}

fn readiness_cell(p: &Panel) -> String {
    match (&p.before, &p.latest) {
        (Some(b), Some(l)) if b.day != l.day => format!(
            "Now: {}<br>Before go-live: {}",
            readiness_text(l),
            readiness_text(b)
        ),
        (_, Some(l)) => readiness_text(l),
        _ => "<span class=\"muted\">No readiness result yet</span>".into(),
    }
}

fn row(board: &Board, p: &Panel) -> String {
    let ack = match &p.ack {
        Some((item, acked, size)) if *size > 0 => format!(
            "{}% <span class=\"muted\">({acked} of {size}, <code>{}</code>)</span>",
            acked * 100 / size,
            esc(item)
        ),
        _ => "–".into(),
    };
    let champions = if p.champions < p.champions_needed {
        format!(
            "{} <span class=\"alert\">(aim for {})</span>",
            p.champions, p.champions_needed
        )
    } else {
        p.champions.to_string()
    };
    let adoption = match (&board.adoption, p.adoption) {
        (None, _) => String::new(),
        (Some(_), Some(share)) => format!("<td>{share:.0} %</td>"),
        (Some(_), None) => "<td>–</td>".into(),
    };
    format!(
        "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td>{adoption}<td>{ack}</td><td>{champions}</td><td>{}</td></tr>\n",
        esc(&p.view.team),
        p.people,
        sentiment_cell(board, p),
        readiness_cell(p),
        p.recognitions
    )
}

/// The whole page; `signed_in` adds the sign-out button (not in a report file).
pub fn page(board: &Board, signed_in: bool) -> String {
    let mut out = String::with_capacity(4096 + board.panels.len() * 1200);
    let go_live = board
        .go_live
        .map(|g| format!(" · go-live {}", date(g)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{c} — leadership view</title><style>{STYLE}</style></head><body>\
<header><h1>{c} — leadership view</h1><p class=\"muted\">As of {d}{go_live} · {n}</p>",
        c = esc(&board.campaign),
        d = date(board.today),
        n = crate::domain::words::count(board.panels.len() as i64, "team", "teams"),
    );
    if signed_in {
        out.push_str("<form method=\"post\" action=\"/dashboard/logout\"><button type=\"submit\">Sign out</button></form>");
    }
    out.push_str("</header><main><section aria-labelledby=\"changed\"><h2 id=\"changed\">What changed since last week</h2><ul>");
    for line in &board.changes {
        let _ = write!(out, "<li>{}</li>", with_code(line));
    }
    out.push_str("</ul></section><section aria-labelledby=\"teams\"><h2 id=\"teams\">Teams</h2><div class=\"wrap\"><table>\
<caption class=\"muted\">Sentiment: rolling score, −1 to +1, dashed line the alert floor, grey line go-live. Readiness: ADKAR means, 1 to 5.</caption>\
<thead><tr><th scope=\"col\">Team</th><th scope=\"col\">People</th><th scope=\"col\">Sentiment</th><th scope=\"col\">Readiness</th>");
    if let Some((label, _)) = &board.adoption {
        let _ = write!(out, "<th scope=\"col\">{} (latest week)</th>", esc(label));
    }
    out.push_str("<th scope=\"col\">Latest update acknowledged</th><th scope=\"col\">Champions</th><th scope=\"col\">Recognitions (4 weeks)</th></tr></thead><tbody>\n");
    for p in &board.panels {
        out.push_str(&row(board, p));
    }
    out.push_str("</tbody></table></div></section><section aria-labelledby=\"wins\"><h2 id=\"wins\">Recent wins</h2>");
    if board.wins.is_empty() {
        out.push_str("<p class=\"muted\">No wins logged yet.</p>");
    } else {
        out.push_str("<ul>");
        for (day, title, team) in &board.wins {
            let team = team
                .as_ref()
                .map(|t| format!(" ({})", esc(t)))
                .unwrap_or_default();
            let _ = write!(out, "<li>{}{team}: {}</li>", date(*day), esc(title));
        }
        out.push_str("</ul>");
    }
    out.push_str("</section><section aria-labelledby=\"actions\"><h2 id=\"actions\">What we did about what teams told us</h2>");
    if board.actions.is_empty() {
        out.push_str("<p class=\"muted\">No action scheduled yet.</p>");
    } else {
        out.push_str("<ul>");
        for a in &board.actions {
            let when = a
                .due
                .map(|d| format!(", for {}", crate::app::actions::day_words(d)))
                .unwrap_or_default();
            let effect = a
                .effect
                .as_ref()
                .map(|e| format!(" Effect: {}.", esc(e)))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<li>{}: {} — {}{when}.{effect}</li>",
                esc(&a.team),
                esc(&a.title),
                esc(&a.status)
            );
        }
        out.push_str("</ul>");
    }
    let _ = write!(
        out,
        "</section><p class=\"muted\">Figures for fewer than {} people are never shown. Herald counts people only as keyed hashes; no answer here can be traced to a person.</p></main></body></html>",
        board.min_group
    );
    out
}

/// A sentence as HTML: escaped, with `backticked` words (an item's id) as code.
fn with_code(line: &str) -> String {
    let mut out = String::new();
    for (i, part) in line.split('`').enumerate() {
        let part = esc(part);
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(&part);
        }
    }
    out
}

/// A plain page with a heading and one paragraph (the 403 and signed-out pages).
pub fn notice(title: &str, text: &str) -> String {
    notice_head(title, &esc(text), "")
}

/// A notice that moves on to `to` (a path of Herald's) at once, with a link for a browser
/// that does not. The sign-in page is one: a browser sends a SameSite=Strict cookie on a
/// navigation Herald's own page starts, not on a redirect from a link clicked elsewhere.
pub fn moving_on(title: &str, text: &str, to: &str) -> String {
    let to = esc(to);
    notice_head(
        title,
        &format!("{} <a href=\"{to}\">Open the dashboard</a>.", esc(text)),
        &format!("<meta http-equiv=\"refresh\" content=\"0; url={to}\">"),
    )
}

fn notice_head(title: &str, paragraph_html: &str, head: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{head}<title>{t}</title>\
<style>{STYLE}</style></head><body><main><h1>{t}</h1><p>{paragraph_html}</p></main></body></html>",
        t = esc(title),
    )
}
