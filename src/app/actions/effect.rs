//! The measured effect of an action: when the pulse that asked the team again closes, the
//! barrier element's mean before and after (with how many answered each time), beside the
//! change over the same span in teams with no action — a simple comparison, labelled as
//! such. Only teams shown under the group rule count, on either side.

use crate::app::pulse::readiness::{team_scores, TeamScore};
use crate::app::App;
use crate::chat::OutMessage;
use crate::domain::adkar::ELEMENTS;
use crate::domain::ids::GuildId;
use crate::domain::playbook::Trigger;

/// Records the effect of the action whose re-pulse `pulse` just closed, and tells the
/// change team; nothing for any other pulse.
pub async fn on_close(app: &App, guild: GuildId, pulse: i64) -> anyhow::Result<()> {
    let Some(a) = app.store.action_by_repulse(pulse).await? else {
        return Ok(());
    };
    if a.effect.is_some() {
        return Ok(());
    }
    let Some(Trigger::Barrier(element)) = Trigger::parse(&a.trigger) else {
        return Ok(());
    };
    let Some(first) = a
        .episode
        .strip_prefix("pulse-")
        .and_then(|p| p.parse::<i64>().ok())
    else {
        return Ok(());
    };
    let i = ELEMENTS.iter().position(|e| *e == element).unwrap_or(0);
    let scores = team_scores(app, guild).await?;
    let mean = |s: &TeamScore| s.adkar.map(|(m, _)| m[i]);
    let of = |p: i64| scores.iter().find(|s| s.pulse == p && s.team == a.team);
    let name = element.name();
    let (before, after) = (of(first), of(pulse));
    let effect = match (
        before.and_then(|b| mean(b).map(|m| (b, m))),
        after.and_then(|f| mean(f).map(|m| (f, m))),
    ) {
        (Some((b, mb)), Some((f, mf))) => format!(
            "{name} {mb:.1} → {mf:.1} of 5 ({} answered before, {} after); {}",
            b.respondents,
            f.respondents,
            comparison(
                &scores,
                &a.team,
                i,
                b.closed_at_ms,
                f.closed_at_ms,
                app,
                guild
            )
            .await?
        ),
        _ => format!(
            "no figure: fewer than {} answered before or after, so the team is not shown",
            app.settings.min_group_size
        ),
    };
    app.store.set_action_effect(a.id, &effect).await?;
    let title = app
        .plan()
        .and_then(|p| p.playbook.play(&a.play).map(|p| p.title.clone()))
        .unwrap_or(a.play.clone());
    if let Some(channel) = app.reports_channel(guild).await? {
        let text = format!(
            "📈 **Effect of action #{} for {}** ({title}): {effect}.",
            a.id, a.team
        );
        let mut msg = OutMessage::text(text);
        msg.nonce = Some(format!("ae{}", a.id));
        if let Err(e) = app.chat.post(channel, &msg).await {
            tracing::warn!(error = %e.message, "an action's effect was recorded but not posted");
        }
    }
    Ok(())
}

/// "over the same span, 2 teams with no action moved +0.2 on average (a simple
/// comparison, not a controlled test)", or why there is none.
async fn comparison(
    scores: &[TeamScore],
    team: &str,
    i: usize,
    from_ms: i64,
    to_ms: i64,
    app: &App,
    guild: GuildId,
) -> anyhow::Result<String> {
    let acted: Vec<String> = app
        .store
        .actions(guild, None, None)
        .await?
        .into_iter()
        .filter(|a| a.status == "scheduled" || a.status == "done")
        .map(|a| a.team)
        .collect();
    let mut others: Vec<&str> = scores
        .iter()
        .map(|s| s.team.as_str())
        .filter(|t| *t != team && !acted.iter().any(|a| a == t))
        .collect();
    others.sort_unstable();
    others.dedup();
    let mut moves = Vec::new();
    for t in others {
        let adkar = |s: &&TeamScore| s.team == t && s.adkar.is_some();
        let before = scores
            .iter()
            .filter(adkar)
            .rfind(|s| s.closed_at_ms <= from_ms);
        let after = scores
            .iter()
            .filter(adkar)
            .rfind(|s| s.closed_at_ms > from_ms && s.closed_at_ms <= to_ms);
        if let (Some(b), Some(f)) = (before, after) {
            let (mb, mf) = (b.adkar.map(|x| x.0[i]), f.adkar.map(|x| x.0[i]));
            if let (Some(mb), Some(mf)) = (mb, mf) {
                moves.push(mf - mb);
            }
        }
    }
    Ok(if moves.is_empty() {
        "no team without an action was asked twice over the same span, so there is nothing to compare it with".into()
    } else {
        let avg = moves.iter().sum::<f64>() / moves.len() as f64;
        format!(
            "over the same span, {} with no action moved {} on average (a simple comparison, not a controlled test)",
            crate::domain::words::count(moves.len() as i64, "team", "teams"),
            crate::app::pulse::results::signed(avg, 1)
        )
    })
}
