//! The demo's scripted people: most acknowledge updates and answer pulses, Support's
//! Desire is low, everyone writes in #feedback on weekday mornings (Support sours after
//! go-live) and managers recognise someone every Monday. Choices come from a stable hash,
//! so every run tells the same story.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use serde_json::json;

use super::Stage;
use crate::app::action::Action;
use crate::sim::client::button;

/// A stable yes/no for (who, what) with the given percentage.
fn chance(who: &str, what: &str, percent: u64) -> bool {
    let h = crate::chat::fnv1a(&format!("{who}|{what}"));
    h % 100 < percent
}

/// A team's people, named as `WorldSpec::teams_with` names them (after the role).
fn people(role: &str) -> Vec<String> {
    (1..=19)
        .map(|i| format!("{}-{i}", role.to_lowercase()))
        .collect()
}

fn resists(team: &str) -> bool {
    team.eq_ignore_ascii_case("support")
}

/// Everything people do at this step.
pub async fn act(stage: &mut Stage<'_>, now: DateTime<Utc>) {
    acknowledge(stage).await;
    answer_pulses(stage).await;
    let weekday = !matches!(now.weekday(), Weekday::Sat | Weekday::Sun);
    if weekday && (11..14).contains(&now.hour()) {
        write_feedback(stage, now).await;
    }
    if now.weekday() == Weekday::Mon && (11..14).contains(&now.hour()) {
        recognise(stage, now).await;
    }
}

async fn acknowledge(stage: &mut Stage<'_>) {
    for team in stage.plan.teams.clone() {
        let rate = if resists(&team.name) { 55 } else { 85 };
        for (message, custom_id) in
            stage.buttons(&team.channel, |a| matches!(a, Action::Ack { .. }))
        {
            for who in people(&team.role) {
                let key = format!("ack|{who}|{message}");
                if chance(&who, &message, rate) && stage.outcome_once(key) {
                    stage.client.click(&who, &message, &custom_id).await;
                }
            }
        }
    }
}

async fn answer_pulses(stage: &mut Stage<'_>) {
    for team in stage.plan.teams.clone() {
        for (message, custom_id) in
            stage.buttons(&team.channel, |a| matches!(a, Action::PulseOpen { .. }))
        {
            for who in people(&team.role) {
                let key = format!("pulse|{who}|{message}");
                if chance(&who, &message, 85) && stage.outcome_once(key) {
                    answer_one(stage, &team.name, &who, &message, &custom_id).await;
                }
            }
        }
    }
}

/// One member's way through the answer flow.
async fn answer_one(stage: &Stage<'_>, team: &str, who: &str, message: &str, open: &str) {
    let Some((flow, mut components, mut text)) = stage.client.click(who, message, open).await
    else {
        return;
    };
    for _ in 0..20 {
        if let Some(submit) = button(&components, "Submit") {
            stage.client.click(who, &flow, &submit).await;
            return;
        }
        let nps = button(&components, "10").is_some();
        let low = resists(team) && (text.contains("· Desire") || nps);
        let pick: u64 = match (nps, low, chance(who, &text, 50)) {
            (true, true, up) => 3 + u64::from(up) * 2,
            (true, false, up) => 8 + u64::from(up) * 2,
            (false, true, up) => 1 + u64::from(up),
            (false, false, up) => 4 + u64::from(up),
        };
        let Some(id) = button(&components, &pick.to_string()) else {
            return;
        };
        match stage.client.click(who, &flow, &id).await {
            Some((_, c, t)) => {
                components = c;
                text = t;
            }
            None => return,
        }
    }
}

const GOOD: [&str; 3] = [
    "Atlas makes renewals so much easier, great job",
    "Loving the new customer view, really helpful",
    "The training was good and Atlas is quick",
];
const BAD: [&str; 3] = [
    "Atlas is slow and I hate the new ticket screen",
    "This is terrible, we lost a whole morning to Atlas errors",
    "Frustrated: nobody answers our Atlas questions",
];

async fn write_feedback(stage: &mut Stage<'_>, now: DateTime<Utc>) {
    let day = now.ordinal() as usize;
    let after_go_live = stage
        .plan
        .campaign
        .go_live
        .is_some_and(|g| now.date_naive() >= g);
    for team in stage.plan.teams.clone() {
        let crowd = people(&team.role);
        for k in 0..3 {
            let who = &crowd[(day * 3 + k) % crowd.len()];
            if !stage.outcome_once(format!("feedback|{who}|{day}")) {
                continue;
            }
            let text = if resists(&team.name) && after_go_live {
                BAD[(day + k) % 3]
            } else {
                GOOD[(day + k) % 3]
            };
            stage.client.say(who, "feedback", text).await;
        }
    }
}

async fn recognise(stage: &mut Stage<'_>, now: DateTime<Utc>) {
    let week = now.iso_week().week() as usize;
    for team in stage.plan.teams.clone() {
        let manager = format!("{} lead", team.role);
        if !stage.outcome_once(format!("recognise|{manager}|{week}")) {
            continue;
        }
        let crowd = people(&team.role);
        let member = &crowd[(week * 5) % crowd.len()];
        let options = json!({ "member": member, "reason": "Showed two colleagues how to log a call in Atlas", "value": "Helped a colleague" });
        stage
            .client
            .command(&manager, &team.channel, "recognize", options)
            .await;
    }
}
