//! The demo's scripted people: most acknowledge updates and answer pulses, Support's
//! Desire is low, everyone writes in #feedback on weekday mornings (Support sours after
//! go-live), managers recognise someone every Monday and name one champion each on the
//! first Monday, and after go-live the change lead logs a win every Monday. The change lead
//! schedules the proposal for Support's Desire barrier (a listening session two working
//! days later, owned by Support's manager, who marks it done that evening), and Support,
//! heard, answers the pulse that asks it again with more Desire. Every choice
//! comes from a stable
//! hash of the seed and what is chosen about (a person, a message's transcript line, a
//! day), never from the simulator's ids or timing: the same seed tells the same story.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::json;

use super::Stage;
use crate::app::action::{Action, LoopStep};
use crate::sim::client::button;

/// A stable 64-bit hash of the seed and `what` (FNV-1a, then a SplitMix64 finish so
/// every bit depends on every input byte).
pub fn mix(seed: u64, what: &str) -> u64 {
    let mut z = crate::chat::fnv1a(&format!("{seed}|{what}"));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable yes/no for (seed, who, what) with the given percentage.
fn chance(seed: u64, who: &str, what: &str, percent: u64) -> bool {
    mix(seed, &format!("{who}|{what}")) % 100 < percent
}

/// A stable pick in `0..n` for (seed, what).
fn pick(seed: u64, what: &str, n: usize) -> usize {
    (mix(seed, what) % n.max(1) as u64) as usize
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

/// Everything people do at this step. Feedback and recognition happen late in the
/// morning (11:00–14:00 in the campaign's time zone): exactly one stop of the fixed
/// three-hour grid falls in that window each day.
pub async fn act(stage: &mut Stage<'_>, now: DateTime<Utc>) {
    acknowledge(stage).await;
    answer_pulses(stage).await;
    follow_through(stage, now).await;
    let local = now.with_timezone::<Tz>(&stage.plan.campaign.tz);
    let late_morning = (11..14).contains(&local.hour());
    let weekday = !matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
    if weekday && late_morning {
        write_feedback(stage, now).await;
    }
    if local.weekday() == Weekday::Mon && late_morning {
        recognise(stage, now).await;
        nominate(stage).await;
        if stage
            .plan
            .campaign
            .go_live
            .is_some_and(|d| local.date_naive() >= d)
        {
            log_win(stage, now).await;
        }
    }
}

/// Each team's manager names one champion, once.
async fn nominate(stage: &mut Stage<'_>) {
    for team in stage.plan.teams.clone() {
        let key = format!("champion|{}", team.name);
        if !stage.outcome_once(key.clone()) {
            continue;
        }
        let crowd = people(&team.role);
        let member = &crowd[pick(stage.seed, &key, crowd.len())];
        stage
            .client
            .command(
                &format!("{} lead", team.role),
                &team.channel,
                "champion nominate",
                json!({ "member": member }),
            )
            .await;
    }
}

const WINS: [&str; 5] = [
    "A customer's whole history in one search",
    "Month-end invoices from one place",
    "First renewal closed without a spreadsheet",
    "A quote sent from the customer's record in minutes",
    "Weekly pipeline review run from one dashboard",
];

/// The change lead logs one win a week for a team that has taken to the change.
async fn log_win(stage: &mut Stage<'_>, now: DateTime<Utc>) {
    let week = now.iso_week().week() as usize;
    if !stage.outcome_once(format!("win|{week}")) {
        return;
    }
    let keen: Vec<_> = stage
        .plan
        .teams
        .iter()
        .filter(|t| !resists(&t.name))
        .cloned()
        .collect();
    if keen.is_empty() {
        return;
    }
    let team = &keen[pick(stage.seed, &format!("win|{week}"), keen.len())];
    let title = WINS[(pick(stage.seed, "win-title", WINS.len()) + week) % WINS.len()];
    let options =
        json!({ "title": title, "description": "Logged in the rehearsal.", "team": team.name });
    let channel = stage.plan.campaign.reports_channel.clone();
    stage
        .client
        .command("Claire", &channel, "win add", options)
        .await;
}

async fn acknowledge(stage: &mut Stage<'_>) {
    for team in stage.plan.teams.clone() {
        let rate = if resists(&team.name) { 55 } else { 85 };
        for (message, line, custom_id) in
            stage.buttons(&team.channel, |a| matches!(a, Action::Ack { .. }))
        {
            for who in people(&team.role) {
                let key = format!("ack|{who}|{message}");
                if chance(stage.seed, &who, &line, rate) && stage.outcome_once(key) {
                    stage.client.click(&who, &message, &custom_id).await;
                }
            }
        }
    }
}

async fn answer_pulses(stage: &mut Stage<'_>) {
    for team in stage.plan.teams.clone() {
        for (message, line, custom_id) in
            stage.buttons(&team.channel, |a| matches!(a, Action::PulseOpen { .. }))
        {
            for who in people(&team.role) {
                let key = format!("pulse|{who}|{message}");
                if chance(stage.seed, &who, &line, 85) && stage.outcome_once(key) {
                    let pulse = Pulse {
                        team: &team.name,
                        message: &message,
                        line: &line,
                        open: &custom_id,
                    };
                    answer_one(stage, &pulse, &who).await;
                }
            }
        }
    }
}

/// A pulse's message in one team's channel.
struct Pulse<'p> {
    team: &'p str,
    message: &'p str,
    /// The message's transcript line: what answers are keyed on.
    line: &'p str,
    /// The custom_id of its Answer button.
    open: &'p str,
}

/// One member's way through the answer flow.
async fn answer_one(stage: &Stage<'_>, pulse: &Pulse<'_>, who: &str) {
    let Some((flow, mut components, mut text)) =
        stage.client.click(who, pulse.message, pulse.open).await
    else {
        return;
    };
    let team = pulse.team;
    for _ in 0..20 {
        if let Some(submit) = button(&components, "Submit") {
            stage.client.click(who, &flow, &submit).await;
            return;
        }
        let nps = button(&components, "10").is_some();
        // Once the change team has acted on what it said, Support wants the change more
        // (it still would not recommend it yet).
        let heard = stage.acted.is_some();
        let low = resists(team) && (nps || (text.contains("· Desire") && !heard));
        let up = chance(stage.seed, who, &format!("{}|{text}", pulse.line), 50);
        let pick: u64 = match (nps, low, up) {
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

/// The change lead schedules the first proposal for Support's Desire barrier: Support's
/// manager owns a listening session two working days later; the manager marks it done
/// on its evening.
async fn follow_through(stage: &mut Stage<'_>, now: DateTime<Utc>) {
    let channel = stage.plan.campaign.reports_channel.clone();
    let local = now.with_timezone::<Tz>(&stage.plan.campaign.tz);
    let wanted = |a: &Action| {
        matches!(
            a,
            Action::Loop {
                step: LoopStep::Schedule,
                ..
            }
        )
    };
    for (message, line, custom_id) in stage.buttons(&channel, wanted) {
        let ours = line.contains("Proposed for Support") && line.contains("listening session");
        if !ours || !stage.outcome_once("schedule|support".into()) {
            continue;
        }
        let Ok(Action::Loop { action, .. }) = custom_id.parse::<Action>() else {
            continue;
        };
        let mut date = local.date_naive() + chrono::Duration::days(2);
        while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            date += chrono::Duration::days(1);
        }
        stage.client.click("Claire", &message, &custom_id).await;
        let form = Action::Loop {
            step: LoopStep::When,
            action,
        };
        let body = json!({ "member": "Claire", "channel": channel, "custom_id": form.to_string(), "message_id": message,
                           "fields": { "owner": "Support lead", "date": date.format("%Y-%m-%d").to_string() } });
        let started = stage.client.post("/_sim/interactions/modal", body).await;
        stage.client.answer(started).await;
        stage.acted = Some((action, date));
    }
    if let Some((action, date)) = stage.acted {
        let evening =
            local.date_naive() > date || (local.date_naive() == date && local.hour() >= 17);
        if evening && stage.outcome_once("done|support".into()) {
            let options = json!({ "action": action.to_string(), "note": "The sponsor met the team and answered their questions" });
            stage
                .client
                .command("Support lead", "support", "actions done", options)
                .await;
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
    let seed = stage.seed;
    let after_go_live = stage
        .plan
        .campaign
        .go_live
        .is_some_and(|g| now.date_naive() >= g);
    for team in stage.plan.teams.clone() {
        let crowd = people(&team.role);
        let first = pick(seed, &format!("feedback|{}|{day}", team.name), crowd.len());
        for k in 0..3 {
            let who = &crowd[(first + k) % crowd.len()];
            if !stage.outcome_once(format!("feedback|{who}|{day}")) {
                continue;
            }
            let says = pick(seed, &format!("says|{who}|{day}"), 3);
            let text = if resists(&team.name) && after_go_live {
                BAD[says]
            } else {
                GOOD[says]
            };
            if stage.client.say(who, "feedback", text).await.is_some() {
                stage.said += 1;
            }
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
        let member = &crowd[pick(
            stage.seed,
            &format!("recognise|{manager}|{week}"),
            crowd.len(),
        )];
        let options = json!({ "member": member, "reason": "Showed two colleagues how to log a call in Atlas", "value": "Helped a colleague" });
        stage
            .client
            .command(&manager, &team.channel, "recognize", options)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_choices_and_another_seed_others() {
        let choices = |seed| -> Vec<bool> {
            (1..=19)
                .map(|i| {
                    chance(
                        seed,
                        &format!("sales-{i}"),
                        "Mon 14 Dec 09:00  #sales  Hi",
                        50,
                    )
                })
                .collect()
        };
        assert_eq!(choices(1), choices(1));
        assert_ne!(choices(1), choices(2));
        assert_eq!(mix(7, "x"), mix(7, "x"));
        assert_ne!(mix(7, "x"), mix(8, "x"));
    }

    #[test]
    fn chances_keep_roughly_their_percentage() {
        let yes = (0..2_000)
            .filter(|i| chance(1, &format!("p{i}"), "m", 85))
            .count();
        assert!((1_600..1_800).contains(&yes), "{yes}");
        assert!((0..2_000).all(|i| pick(3, &format!("w{i}"), 19) < 19));
    }
}
