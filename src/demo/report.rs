//! The demo's report folder: the overview and team charts (PNG), the CSV export and
//! `summary.md`, which holds only what the seed decides (no real-time figures), so two
//! runs with the same seed write the same summary.

use std::path::PathBuf;

use super::{DemoError, DemoOptions, Outcome};
use crate::startup::Running;

/// Writes the charts, the export and the summary; returns the folder.
pub async fn write(
    herald: &Running,
    opts: &DemoOptions,
    outcome: &Outcome,
) -> Result<PathBuf, DemoError> {
    let app = &herald.app;
    let dir = opts.out.join("report");
    std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let guild = app
        .primary_guild()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("no guild"))?;
    let views = crate::app::sentiment::views(app, guild, 6)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))
    };
    write(
        "overview.png",
        &crate::chart::heat_map(&views).map_err(anyhow::Error::msg)?,
    )?;
    for v in &views {
        let today = crate::domain::record::day_of(app.now_ms());
        let record = app
            .store
            .cells(guild, Some(&v.team), today - 180)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let full = crate::app::sentiment::team_view(app, guild, &record, &v.team, 6)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let marks = crate::app::sentiment::chart_marks(app);
        let png = crate::chart::team_chart(&full, &marks).map_err(anyhow::Error::msg)?;
        write(&format!("sentiment-{}.png", v.team.to_lowercase()), &png)?;
    }
    let rows = crate::app::sentiment::export::export_rows(app, guild, 6)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    write(
        "export.csv",
        crate::app::sentiment::export::csv(&rows).as_bytes(),
    )?;
    let summary = summary(app, &views, outcome, opts.seed);
    write("summary.md", summary.as_bytes())?;
    Ok(dir)
}

/// `summary.md`: the seed, how many messages, each team's sentiment headline, the alerts.
fn summary(
    app: &crate::app::App,
    views: &[crate::app::sentiment::TeamView],
    outcome: &Outcome,
    seed: u64,
) -> String {
    let mut summary = format!(
        "# Herald demo\n\nSeed {seed}: played {}.\n\n## Sentiment\n\n",
        crate::domain::words::count(outcome.transcript.len() as i64, "message", "messages"),
    );
    for v in views {
        summary.push_str(&format!(
            "- {}\n",
            crate::app::sentiment::headline(v, app.settings.min_group_size)
        ));
    }
    summary.push_str("\n## Alerts\n\n");
    for a in &outcome.alerts {
        summary.push_str(&format!("- {a}\n"));
    }
    if outcome.alerts.is_empty() {
        summary.push_str("- none\n");
    }
    summary
}
