//! The leadership dashboard over the sentiment bench's record (1,000,000 signals, 200
//! teams): the server's work for one page (the board and its HTML) timed `BENCH_RUNS`
//! times, the page's weight, and the digest's (the board, the heat-map PNG and one
//! message) timed as often.

use std::time::Instant;

use super::{percentile, Figure};
use crate::app::dashboard::{board, digest, html};
use crate::app::App;
use crate::domain::ids::GuildId;

const NAME: &str = "dashboard";

pub async fn run(
    app: &App,
    guild: GuildId,
    runs: u64,
    teams: u64,
    signals: u64,
) -> anyhow::Result<Vec<Figure>> {
    let (mut page_ms, mut digest_ms) = (Vec::new(), Vec::new());
    let mut weight = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let b = board::board(app, guild, &board::Scope::All).await?;
        weight = html::page(&b, true).len();
        page_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    for _ in 0..runs {
        let t = Instant::now();
        let b = board::board(app, guild, &board::Scope::All).await?;
        let views: Vec<_> = b.panels.iter().map(|p| p.view.clone()).collect();
        let png = crate::chart::heat_map(&views).map_err(anyhow::Error::msg)?;
        let msg = digest::compose(
            &b,
            b.today,
            "https://herald.example.com/dashboard/open?t=x",
            Some(png),
        );
        std::hint::black_box(msg);
        digest_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    for v in [&mut page_ms, &mut digest_ms] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    let size = format!("{teams} teams, {signals} signals");
    Ok(vec![
        Figure::new(
            NAME,
            format!("page, server time p50 ({size}; {runs} runs)"),
            format!("{:.1} ms", percentile(&page_ms, 50.0)),
        ),
        Figure::new(
            NAME,
            "page, server time p99",
            format!("{:.1} ms", percentile(&page_ms, 99.0)),
        )
        .target("< 100 ms"),
        Figure::new(
            NAME,
            "page weight",
            format!("{:.0} KB", weight as f64 / 1024.0),
        )
        .target("< 300 KB"),
        Figure::new(
            NAME,
            "digest built (board, PNG, message) p99",
            format!("{:.1} ms", percentile(&digest_ms, 99.0)),
        )
        .target("< 1 s"),
    ])
}
