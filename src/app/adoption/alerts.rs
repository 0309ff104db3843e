//! Adoption alerts, checked after every batch that arrives: each rule of
//! [`crate::domain::adoption_alerts`] opens one episode per team while it holds, posted
//! once to the change team's channel (the double workload also to the team's managers),
//! and closes when it stops holding. Teams under the group minimum are never named.

use super::view::{curves_if_declared, Adoption, Curve};
use crate::app::pulse::readiness::team_scores;
use crate::app::App;
use crate::chat::OutMessage;
use crate::domain::adoption_alerts::{holds, AdoptionAlert, TeamSignals};
use crate::domain::ids::GuildId;

/// Checks every team against every rule; what it cannot post is logged, never retried
/// into a second alert.
pub async fn evaluate(app: &App, guild: GuildId) -> anyhow::Result<()> {
    let Some(a) = curves_if_declared(app, guild, 4).await? else {
        return Ok(()); // no active-users metric: nothing to watch
    };
    let today = super::view::today_of(app);
    let before = match &a.legacy {
        Some(m) => {
            app.store
                .adoption_days(guild, &m.id, today - 13, false)
                .await?
        }
        None => vec![],
    };
    let scores = team_scores(app, guild).await?;
    for c in a.curves.iter().filter(|c| c.shown) {
        let s = signals(&a, c, &before, &scores, today);
        for alert in AdoptionAlert::ALL {
            if holds(alert, &s) {
                let opened = app
                    .store
                    .claim_adoption_alert(guild, &c.team, alert.name(), app.now_ms())
                    .await?;
                // Told once: a post that fails gives the episode back, to be told next time.
                if opened && !tell(app, guild, alert, &a, c, &s).await {
                    app.store
                        .close_adoption_alert(guild, &c.team, alert.name(), app.now_ms())
                        .await?;
                }
            } else {
                app.store
                    .close_adoption_alert(guild, &c.team, alert.name(), app.now_ms())
                    .await?;
            }
        }
    }
    Ok(())
}

fn signals(
    a: &Adoption,
    c: &Curve,
    legacy_days: &[crate::store::adoption::DayFigure],
    scores: &[crate::app::pulse::readiness::TeamScore],
    today: i64,
) -> TeamSignals {
    let mut shares = [None; 4];
    for (slot, (_, share)) in shares.iter_mut().zip(c.weekly.iter().rev().take(4).rev()) {
        *slot = *share;
    }
    let per_day = |from: i64, to: i64| {
        a.legacy
            .as_ref()
            .and_then(|_| super::view::per_day(legacy_days, &c.team, from, to))
    };
    let lowest_skill = scores
        .iter()
        .filter(|s| s.team == c.team)
        .filter_map(|s| s.adkar)
        .next_back()
        .map(|(means, _)| means[2].min(means[3]));
    TeamSignals {
        shares,
        legacy: [per_day(today - 13, today - 7), per_day(today - 6, today)],
        legacy_target: a.legacy.as_ref().and_then(|m| m.target).unwrap_or(0.0),
        since_go_live: a.go_live.map(|g| today - g),
        lowest_skill,
        organisation_wide: a.active.organisation_wide(),
    }
}

/// Posts the alert to the change team (and, for a double workload, to the team's
/// managers by direct message); false when the change team could not be told.
async fn tell(
    app: &App,
    guild: GuildId,
    alert: AdoptionAlert,
    a: &Adoption,
    c: &Curve,
    s: &TeamSignals,
) -> bool {
    let text = words(alert, a, c, s);
    let posted = match app.reports_channel(guild).await {
        Ok(Some(channel)) => app
            .chat
            .post(channel, &OutMessage::text(text.clone()))
            .await
            .map(|_| ()),
        Ok(None) => Err(crate::chat::ChatError {
            permanent: true,
            message: "the plan's reports_channel is not in the server".into(),
        }),
        Err(e) => Err(e),
    };
    if let Err(e) = posted {
        tracing::warn!(error = %e.message, alert = alert.name(), "adoption alert not posted; it is told next time");
        return false;
    }
    let trigger = crate::domain::playbook::Trigger::Adoption(alert);
    let seen = format!(
        "{} — {:.0} % of the team active in the latest week ({})",
        trigger.words(),
        c.latest().unwrap_or(0.0),
        a.active.label
    );
    let episode = format!("{}-{}", alert.name(), app.now_ms());
    if let Err(e) =
        crate::app::actions::propose(app, guild, &c.team, trigger, &episode, &seen).await
    {
        tracing::warn!(error = %e, "no action proposed for an adoption alert");
    }
    if alert == AdoptionAlert::DoubleWorkload {
        let managers = crate::app::comms::brief::managers_of(app, guild, &c.team).await;
        for m in managers.unwrap_or_default() {
            if let Err(e) = app.chat.dm(m, &OutMessage::text(text.clone())).await {
                tracing::warn!(error = %e.message, "a manager was not told of a double workload");
            }
        }
    }
    true
}

/// What the change team reads; figures of the team as a whole, never of a person.
pub fn words(alert: AdoptionAlert, a: &Adoption, c: &Curve, s: &TeamSignals) -> String {
    let share = c.latest().unwrap_or(0.0);
    let label = &a.active.label;
    let line = a.active.organisation_wide();
    match alert {
        AdoptionAlert::TippingPoint => format!(
            "🎉 **{}** crossed {line:.0} %: {share:.0} % of the team in the latest week ({label}), past the point where a change holds organisation-wide. A short-term win worth telling: `/win add` logs it.",
            c.team
        ),
        AdoptionAlert::DoubleWorkload => {
            let legacy = a.legacy.as_ref().map_or("the old tool".to_string(), |m| m.label.clone());
            format!(
                "⚠️ **{}** is doing the work twice: {} is still {:.0} a day, {} after go-live, while {share:.0} % of the team use the new one ({label}). Ask which old reports people still rely on and rebuild them in the new tool, so the old one can go. See `/adoption {}`.",
                c.team,
                legacy,
                s.legacy[1].unwrap_or(0.0),
                weeks(s.since_go_live.unwrap_or(0)),
                c.team
            )
        }
        AdoptionAlert::TrainingGap => format!(
            "⚠️ **{}**: adoption has been flat for three weeks at {:.0} %, and the team's latest readiness puts Ability or Knowledge at {:.1} of 5 — people may not yet know how. A training session or office hours with a champion would help. See `/adoption {}` and `/readiness`.",
            c.team,
            s.shares[2].unwrap_or(share),
            s.lowest_skill.unwrap_or(0.0),
            c.team
        ),
    }
}

fn weeks(days: i64) -> String {
    match days / 7 {
        1 => "a week".into(),
        n => format!("{n} weeks"),
    }
}
