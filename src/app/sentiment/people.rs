//! How many distinct people stand behind each team's record: the keys of each group
//! (person keys, each pulse's ballots) read from the store and combined by
//! [`distinct_people`], capped at the team's size as the gateway last showed it.

use crate::app::App;
use crate::domain::ids::GuildId;
use crate::domain::people::{distinct_people, People};
use crate::error::AppResult;

/// Per team Herald knows (or the one named), the people whose latest signal is on or
/// after `from_day`, in name order.
pub async fn people(
    app: &App,
    guild: GuildId,
    team: Option<&str>,
    from_day: i64,
) -> AppResult<Vec<(String, People)>> {
    let groups = app.store.contributor_groups(guild, team, from_day).await?;
    let mut out = Vec::new();
    for t in app.store.list_teams(guild).await? {
        if team.is_some_and(|name| name != t.name) {
            continue;
        }
        let size = app.store.stored_role_members(guild, t.role).await?.len() as i64;
        let sizes = groups
            .iter()
            .filter(|(name, _, _)| *name == t.name)
            .map(|(_, _, n)| *n);
        out.push((t.name.clone(), distinct_people(sizes, Some(size))));
    }
    Ok(out)
}

/// For each past week ending on `end` (a Sunday), per team, the people behind the four
/// calendar weeks up to it, from the weekly keys: whether that week may be shown. Not
/// capped at today's team size: the lower bound alone decides, and it never overstates.
pub async fn past_weeks(
    app: &App,
    guild: GuildId,
    ends: &[i64],
) -> AppResult<Vec<(i64, Vec<(String, People)>)>> {
    let teams = app.store.list_teams(guild).await?;
    let mut out = Vec::with_capacity(ends.len());
    for end in ends {
        let last = crate::domain::record::monday_of(*end);
        let groups = app.store.week_groups(guild, last - 21, last).await?;
        let per_team = teams
            .iter()
            .map(|t| {
                let n = groups
                    .iter()
                    .filter(|(g, _, _)| *g == t.name)
                    .map(|(_, _, n)| *n);
                (t.name.clone(), distinct_people(n, None))
            })
            .collect();
        out.push((*end, per_team));
    }
    Ok(out)
}

/// One team's people (none for a team Herald does not know).
pub async fn team_people(
    app: &App,
    guild: GuildId,
    team: &str,
    from_day: i64,
) -> AppResult<People> {
    Ok(people(app, guild, Some(team), from_day)
        .await?
        .into_iter()
        .next()
        .map(|(_, p)| p)
        .unwrap_or_default())
}
