//! How many distinct people stand behind each team's record: the keys of each group
//! (person keys, each pulse's ballots) read from the store and combined by
//! [`distinct_people`], capped at the team's size as the gateway last showed it.

use std::collections::{HashMap, HashSet};

use crate::app::App;
use crate::domain::ids::{GuildId, RoleId};
use crate::domain::people::{distinct_people, People};
use crate::domain::record::monday_of;
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
    let sizes = team_sizes(app, guild).await?;
    let mut out = Vec::new();
    for t in app.store.list_teams(guild).await? {
        if team.is_some_and(|name| name != t.name) {
            continue;
        }
        let size = sizes.get(&t.role).copied().unwrap_or(0);
        let keys = groups
            .iter()
            .filter(|(name, _, _)| *name == t.name)
            .map(|(_, _, n)| *n);
        out.push((t.name.clone(), distinct_people(keys, Some(size))));
    }
    Ok(out)
}

/// Members per role, as the gateway last showed them, in one read.
async fn team_sizes(app: &App, guild: GuildId) -> AppResult<HashMap<RoleId, i64>> {
    Ok(app.store.role_sizes(guild).await?.into_iter().collect())
}

/// The past weeks (each ending on one of `ends`, a Sunday) that rested on fewer than
/// `min` people in the four calendar weeks up to them, per team: (end, team) pairs that
/// are never shown. From the weekly keys, not capped at today's team size: the lower
/// bound alone decides, and it never overstates. Each week's own counts decide most
/// teams at once (`min` keys of one group in any one week are at least `min` people;
/// weeks adding up to fewer are fewer); only the rest are counted key by key.
pub async fn thin_weeks(
    app: &App,
    guild: GuildId,
    ends: &[i64],
    min: i64,
) -> AppResult<HashSet<(i64, String)>> {
    let mondays: Vec<(i64, i64)> = ends.iter().map(|e| (monday_of(*e), *e)).collect();
    let (Some(first), Some(last)) = (
        mondays.iter().map(|(m, _)| m - 21).min(),
        mondays.iter().map(|(m, _)| *m).max(),
    ) else {
        return Ok(HashSet::new());
    };
    let mut weeks: HashMap<String, Vec<(String, i64, i64)>> = HashMap::new();
    for (team, group, week, n) in app.store.week_key_counts(guild, first, last).await? {
        weeks.entry(team).or_default().push((group, week, n));
    }
    let mut thin = HashSet::new();
    for t in app.store.list_teams(guild).await? {
        let counts = weeks.remove(&t.name).unwrap_or_default();
        let mut unsure = Vec::new();
        for (monday, end) in &mondays {
            match bounds(&counts, *monday) {
                (low, _) if low >= min => {}
                (_, high) if high < min => {
                    thin.insert((*end, t.name.clone()));
                }
                _ => unsure.push((*monday, *end)),
            }
        }
        if unsure.is_empty() {
            continue;
        }
        let keys = app.store.week_keys(guild, &t.name, first, last).await?;
        for (monday, end) in unsure {
            if window_people(&keys, monday).n < min {
                thin.insert((end, t.name.clone()));
            }
        }
    }
    Ok(thin)
}

/// The least and the most people the four weeks up to `monday` can have had, from each
/// week's count per group: (the largest one week's group, the largest group's sum).
fn bounds(counts: &[(String, i64, i64)], monday: i64) -> (i64, i64) {
    let mut sums: HashMap<&str, i64> = HashMap::new();
    let mut low = 0;
    for (group, week, n) in counts {
        if (monday - 21..=monday).contains(week) {
            low = low.max(*n);
            *sums.entry(group.as_str()).or_insert(0) += n;
        }
    }
    (low, sums.values().copied().max().unwrap_or(0))
}

/// The people behind the four weeks up to `monday`, key by key.
fn window_people(keys: &[(String, i64, String)], monday: i64) -> People {
    let mut groups: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (group, week, key) in keys {
        if (monday - 21..=monday).contains(week) {
            groups
                .entry(group.as_str())
                .or_default()
                .insert(key.as_str());
        }
    }
    distinct_people(groups.values().map(|k| k.len() as i64), None)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(rows: &[(&str, i64, i64)]) -> Vec<(String, i64, i64)> {
        rows.iter()
            .map(|(g, w, n)| (g.to_string(), *w, *n))
            .collect()
    }

    #[test]
    fn one_full_week_shows_the_window_and_weeks_adding_up_to_few_hide_it() {
        let c = counts(&[("", 0, 5), ("", 7, 1), ("pulse:1", 7, 4)]);
        assert_eq!(bounds(&c, 21), (5, 6), "five in one week: at least five");
        assert_eq!(
            bounds(&c, 28),
            (4, 4),
            "the first week is out of the window"
        );
        assert_eq!(bounds(&c, 70), (0, 0), "nothing in the four weeks");
    }

    #[test]
    fn a_window_in_doubt_is_counted_key_by_key() {
        let keys: Vec<(String, i64, String)> = [("", 0, "a"), ("", 7, "a"), ("", 7, "b")]
            .iter()
            .map(|(g, w, k)| (g.to_string(), *w, k.to_string()))
            .collect();
        // Three keys over two weeks, but only two people.
        assert_eq!(window_people(&keys, 21).n, 2);
        assert_eq!(window_people(&keys, 28).n, 2, "week 0 has left the window");
        assert_eq!(window_people(&keys, 35).n, 0);
    }
}
