//! The demo's report folder: the overview and team charts (PNG), the CSV export and
//! `summary.md` (see [`super::summary`]), which holds only what the seed decides (no
//! real-time figures), so two runs with the same seed write the same summary.

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
    // The whole rehearsal, from four weeks before go-live to four after: nine calendar
    // weeks, the last of one day.
    let all_weeks = crate::app::sentiment::export::export_rows(app, guild, 9)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let wins: Vec<String> = app
        .store
        .wins(guild, 50)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .into_iter()
        .rev()
        .map(|w| match w.team {
            Some(t) => format!("{} ({t})", w.title),
            None => w.title,
        })
        .collect();
    let enps: Vec<(String, f64, String)> = crate::app::pulse::readiness::team_scores(app, guild)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .into_iter()
        .filter(|s| s.set_kind == crate::domain::poll::SetKind::Enps)
        .map(|s| {
            let day = chrono::DateTime::from_timestamp_millis(s.closed_at_ms).unwrap_or_default();
            (s.team, s.score * 100.0, day.format("%-d %b").to_string())
        })
        .collect();
    let adoption = adoption(app, guild, &write).await?;
    let actions = actions(app, guild).await?;
    let summary = super::summary::summary(&super::summary::Rehearsal {
        adoption: &adoption,
        actions: &actions,
        enps: &enps,
        views: &views,
        rows: &all_weeks,
        wins: &wins,
        alerts: &outcome.alerts,
        messages: outcome.transcript.len(),
        seed: opts.seed,
        go_live: app.plan().and_then(|p| p.campaign.go_live),
        min_group: app.settings.min_group_size,
    });
    write("summary.md", summary.as_bytes())?;
    Ok(dir)
}

/// The CRM feed's curves as `adoption.png` and each team's figures in words (team,
/// words); none when the plan declares no adoption metric.
async fn adoption(
    app: &crate::app::App,
    guild: crate::domain::ids::GuildId,
    write: &impl Fn(&str, &[u8]) -> Result<(), anyhow::Error>,
) -> Result<Vec<(String, String)>, DemoError> {
    use crate::app::adoption::view;
    let Some(a) = view::curves_if_declared(app, guild, 9)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
    else {
        return Ok(vec![]);
    };
    write(
        "adoption.png",
        &crate::chart::adoption_chart(&a).map_err(anyhow::Error::msg)?,
    )?;
    let min = app.settings.min_group_size;
    Ok(a.curves
        .iter()
        .map(|c| (c.team.clone(), view::words(c, &a, min)))
        .collect())
}

/// Every action, oldest first: "#1 Support — A sponsor listening session (seen: …): done,
/// for Fri 18 Dec 2026; effect: …".
async fn actions(
    app: &crate::app::App,
    guild: crate::domain::ids::GuildId,
) -> Result<Vec<String>, DemoError> {
    let rows = app
        .store
        .actions(guild, None, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let plan = app.plan();
    Ok(rows
        .iter()
        .rev()
        .map(|a| {
            let title = plan
                .as_ref()
                .and_then(|p| p.playbook.play(&a.play).map(|p| p.title.clone()))
                .unwrap_or(a.play.clone());
            let mut line = format!(
                "#{} {} — {title} (seen: {}): {}",
                a.id, a.team, a.seen, a.status
            );
            if let Some(d) = a.due_day {
                line.push_str(&format!(", for {}", crate::app::actions::day_words(d)));
            }
            if let Some(e) = &a.effect {
                line.push_str(&format!("; effect: {e}"));
            }
            line
        })
        .collect())
}
