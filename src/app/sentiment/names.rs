//! The proper names masked before a text is scored: a team called Support, a product
//! called Atlas or a colleague called Joy must not move anyone's sentiment.

use crate::app::App;
use crate::domain::ids::GuildId;
use crate::error::AppResult;

/// The guild's team names, the plan's teams and their channels, the campaign's name
/// with each of its capitalised words (the product, e.g. `Atlas` in "Atlas CRM rollout"),
/// and each capitalised word of the members' display names (`Joy` in "Joy Park"), except
/// words VADER's rules read (`Never`, `Very`): masking those would change other words'
/// scores.
pub async fn proper_names(app: &App, guild: GuildId) -> AppResult<Vec<String>> {
    let mut names: Vec<String> = app
        .store
        .list_teams(guild)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    if let Some(plan) = app.plan() {
        for team in &plan.teams {
            names.extend([team.name.clone(), team.channel.clone()]);
        }
        let campaign = &plan.campaign.name;
        names.push(campaign.clone());
        names.extend(
            campaign
                .split_whitespace()
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase) && w.len() >= 3)
                .map(str::to_string),
        );
    }
    for name in app.store.member_names(guild).await? {
        names.extend(
            name.split_whitespace()
                .filter(|w| w.chars().count() >= 2)
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                .filter(|w| !crate::domain::sentiment::vader::is_rule_word(&w.to_lowercase()))
                .map(str::to_string),
        );
    }
    names.sort();
    names.dedup();
    Ok(names)
}
