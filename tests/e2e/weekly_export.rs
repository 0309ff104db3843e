//! The export as a true weekly record: a scripted six-week campaign in the simulator
//! (a weekly update with Got it, feedback every other day, a readiness pulse in week 3,
//! champions and recognitions along the way); every row of `/report export` equals what
//! this test computes from the stored events and the script, and CSV and JSON agree.

use std::collections::HashMap;

use herald::sim::world::WorldSpec;
use serde_json::{json, Value};

use crate::helpers::{dump_tables, spawn_app_with_dir, within, TestApp};
use crate::pulse_flow::{answer, start};
use crate::sentiment::wait_signals;

const PLAN_ITEMS: &str = r#"
[[items]]
id = "weekly"
template = "weekly.md"
audience = ["Sales", "Support"]
schedule = "0 0 10 * * MON"
ack = true
"#;

/// The readiness pulse's answers (Awareness … Reinforcement), five of each team's six.
pub(crate) const SALES: [[u8; 5]; 5] = [
    [5, 4, 4, 3, 4],
    [4, 4, 3, 4, 4],
    [5, 5, 5, 4, 4],
    [4, 4, 2, 4, 4],
    [4, 5, 4, 4, 4],
];
/// Support knows the tool but does not want it: Desire 1.4.
pub(crate) const SUPPORT: [[u8; 5]; 5] = [
    [4, 1, 4, 4, 4],
    [4, 2, 4, 4, 4],
    [5, 1, 5, 5, 5],
    [4, 2, 4, 4, 4],
    [4, 1, 4, 4, 4],
];

const GOOD: &str = "Really helpful, the new screens are great";
const BAD: &str = "I hate this, it is slow and terrible";
const DAY_MS: i64 = 86_400_000;

async fn app() -> TestApp {
    app_with(false).await
}

/// The campaign's Herald; with `managers`, each team also has a manager ("Sales lead").
pub(crate) async fn app_with(managers: bool) -> TestApp {
    app_with_plan(managers, "").await
}

/// As [`app_with`], with `more` added to the plan and Dana, who holds the Sponsor role.
pub(crate) async fn app_with_plan(managers: bool, more: &str) -> TestApp {
    let mut world = WorldSpec::teams(&[("Sales", 6), ("Support", 6)], managers, &["feedback"]);
    let guild = &mut world.guilds[0];
    guild.roles.push(herald::sim::world::RoleSpec {
        name: "Sponsor".into(),
        permissions: "0".into(),
    });
    guild.members.push(herald::sim::world::MemberSpec {
        name: "Dana".into(),
        roles: vec!["Sponsor".into()],
    });
    let dir = tempfile::tempdir().expect("dir");
    let plan = format!(
        "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}\n{PLAN_ITEMS}\n{more}",
        world.plan_teams()
    );
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.path().join("templates")).expect("templates");
    std::fs::write(
        dir.path().join("templates/weekly.md"),
        "This week in {{ team.name }}: what changes and where to get help.",
    )
    .expect("template");
    herald::sim::world::copy_shipped_polls(dir.path()).expect("the shipped polls");
    let env = vec![(
        "HERALD__SENTIMENT__FEEDBACK_CHANNELS".to_string(),
        "feedback".to_string(),
    )];
    spawn_app_with_dir(world, dir, env).await
}

/// The week's update in a team channel: the week's first `clickers` members press Got it.
pub(crate) async fn acknowledge(app: &TestApp, channel: &str, week: usize, clickers: usize) {
    let mut updates: Vec<Value> = Vec::new();
    for _ in 0..3000 {
        updates = app
            .messages(channel)
            .await
            .into_iter()
            .filter(|m| {
                m["content"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("This week in")
            })
            .collect();
        if updates.len() > week {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        updates.len(),
        week + 1,
        "one update a week in {channel}: {:?} at {}",
        app.messages(channel).await,
        herald::clock::Clock::now(&*app.clock)
    );
    let latest = &updates[week];
    let id = latest["id"].as_str().expect("id");
    let button = latest["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("Got it");
    for i in 1..=clickers {
        app.click(&format!("{channel}-{i}"), id, button).await;
    }
}

/// The rows of one stored table as column → text.
fn table(
    dump: &HashMap<String, (Vec<String>, Vec<Vec<String>>)>,
    name: &str,
) -> Vec<HashMap<String, String>> {
    let (cols, rows) = dump.get(name).unwrap_or_else(|| panic!("no table {name}"));
    rows.iter()
        .map(|r| cols.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn int(row: &HashMap<String, String>, col: &str) -> i64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?}", row[col]))
}

/// What this test expects of an ADKAR pulse's team figures, from the answers alone:
/// (score held down by a barrier at or below 2, element mean, barrier).
fn expected_readiness(answers: &[[u8; 5]]) -> (f64, f64, String) {
    let means: Vec<f64> = (0..5)
        .map(|i| answers.iter().map(|a| f64::from(a[i])).sum::<f64>() / answers.len() as f64)
        .collect();
    let scores: Vec<f64> = means.iter().map(|m| (m - 3.0) / 2.0).collect();
    let mean_score = scores.iter().sum::<f64>() / 5.0;
    let lowest = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let score = if lowest <= -0.5 {
        mean_score.min(lowest)
    } else {
        mean_score
    };
    let barrier = crate::pulse_results::expected_barrier(answers);
    let barrier = barrier.split(' ').next().unwrap_or_default().to_string();
    (score, means.iter().sum::<f64>() / 5.0, barrier)
}

fn date(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .expect("date")
        .format("%Y-%m-%d")
        .to_string()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        (None, None) => true,
        _ => false,
    }
}

#[tokio::test]
async fn each_export_row_holds_its_own_weeks_figures_as_the_stored_events_give_them() {
    within(240, async {
        let app = app().await;
        app.advance(3605); // Monday 2 March 2026, 10:00:05: the first update is out
        let a = &app.herald().app;
        let guild = a.primary_guild().await.ok().flatten().expect("guild");
        let first_day = herald::domain::record::day_of(a.now_ms());
        let mut said = 0;
        for day in 0..=40usize {
            if day > 0 {
                app.advance(86_400);
            }
            if day % 7 == 0 {
                let week = day / 7;
                acknowledge(&app, "sales", week, (week + 1).min(6)).await;
                acknowledge(&app, "support", week, 6 - week).await;
            }
            if day % 2 == 1 {
                for team in ["sales", "support"] {
                    for i in 0..4 {
                        let who = format!("{team}-{}", (day / 2 + i) % 6 + 1);
                        let text = if team == "support" && day >= 21 { BAD } else { GOOD };
                        app.post(
                            "/_sim/messages",
                            json!({ "member": who, "channel": "feedback", "content": text }),
                        )
                        .await;
                        said += 1;
                    }
                }
            }
            match day {
                9 => nominate(&app, "sales-1").await,
                23 => nominate(&app, "support-2").await,
                16 | 30 => {
                    let member = if day == 16 { "sales-2" } else { "support-3" };
                    let done = app
                        .command(
                            "Claire",
                            "change-team",
                            "recognize",
                            json!({ "member": member, "reason": "Showed the team the new screens" }),
                        )
                        .await
                        .content;
                    assert!(done.contains("recognised") || done.contains("Recognised") || done.contains("Thanks"), "{done}");
                }
                14 => {
                    let started = start(&app, "all", "36h").await;
                    assert!(started.contains("Pulse #1"), "{started}");
                    for (team, rows) in [("sales", &SALES), ("support", &SUPPORT)] {
                        for (i, row) in rows.iter().enumerate() {
                            let done = answer(&app, &format!("{team}-{}", i + 1), team, row, None).await;
                            assert!(done.starts_with("Thank you"), "{done}");
                        }
                    }
                }
                _ => {}
            }
            let target = said + if day >= 16 { 10 } else { 0 };
            wait_signals(&app, target).await;
        }
        let today = herald::domain::record::day_of(a.now_ms());
        assert_eq!(today - first_day, 40, "Saturday of week six");

        let id = app
            .post(
                "/_sim/interactions/command",
                json!({ "member": "Claire", "channel": "change-team", "command": "report export", "options": {} }),
            )
            .await["interaction_id"]
            .as_str()
            .expect("id")
            .to_string();
        let (_, csv) = crate::sentiment::attachment(&app, &id).await;
        let csv = String::from_utf8(csv).expect("utf-8");
        let rows = herald::app::sentiment::export::export_rows(a, guild, 6)
            .await
            .expect("rows");
        assert_eq!(
            herald::app::sentiment::export::csv(&rows),
            csv,
            "the JSON rows are the CSV's rows"
        );
        assert_eq!(rows.len(), 12, "two teams, six weeks:\n{csv}");

        let dump = dump_tables(&app).await;
        let signals = table(&dump, "sentiment_signals");
        let outbox = table(&dump, "outbox");
        let acks = table(&dump, "acks");
        let champions = table(&dump, "champions");
        let recognitions = table(&dump, "recognitions");
        let pulse_closed = table(&dump, "pulses")
            .iter()
            .map(|p| int(p, "closed_at_ms"))
            .next()
            .expect("the pulse closed");
        for r in &rows {
            let v = serde_json::to_value(r).expect("json");
            let week = (0..6)
                .find(|w| r.week_start == date(first_day + 7 * w))
                .unwrap_or_else(|| panic!("a Monday from 2 March: {v}"));
            let (start, end) = (first_day + 7 * week, (first_day + 7 * week + 6).min(today));
            assert_eq!(r.week_end, date(end), "{v}");
            let end_ms = (end + 1) * DAY_MS;
            let team = r.team.as_str();
            let ours: Vec<&HashMap<String, String>> =
                signals.iter().filter(|s| s["team_name"] == team).collect();
            // People: each group of keys (person keys, the pulse's ballots) on its own.
            let mut groups: HashMap<&str, std::collections::BTreeSet<&str>> = HashMap::new();
            for s in &ours {
                let day = int(s, "at_ms").div_euclid(DAY_MS);
                if day > end - 28 && day <= end {
                    groups.entry(s["origin"].as_str()).or_default().insert(&s["contributor"]);
                }
            }
            let people = groups.values().map(|g| g.len() as i64).max().unwrap_or(0).min(6);
            assert_eq!(r.contributors, people, "{v}");
            assert_eq!(r.contributors_exact, groups.len() <= 1, "{v}");
            let shown = people >= 5;
            // The rolling score at the week's end, from the raw signals.
            let rolling = |source: Option<&str>| {
                let (mut num, mut den) = (0.0, 0.0);
                for s in ours.iter().filter(|s| source.is_none_or(|x| s["source"] == x)) {
                    let day = int(s, "at_ms").div_euclid(DAY_MS);
                    if day <= end {
                        let w = 0.5f64.powf((end - day) as f64 / 14.0);
                        num += w * s["score"].parse::<f64>().expect("score");
                        den += w;
                    }
                }
                (shown && den > 0.0).then(|| num / den)
            };
            assert!(close(r.score, rolling(None)), "score {v}");
            assert!(close(r.feedback, rolling(Some("feedback"))), "feedback {v}");
            assert!(close(r.pulse, rolling(Some("pulse"))), "pulse {v}");
            let in_week = ours
                .iter()
                .filter(|s| (start..=end).contains(&int(s, "at_ms").div_euclid(DAY_MS)))
                .count() as u64;
            assert_eq!(r.signals, shown.then_some(in_week), "{v}");
            // Readiness: the pulse's figures from the script, from the week it closed on.
            let closed_day = pulse_closed.div_euclid(DAY_MS);
            if end >= closed_day {
                let (score, mean, barrier) =
                    expected_readiness(if team == "Sales" { &SALES } else { &SUPPORT });
                assert!(close(r.readiness, Some(score)), "{v}");
                assert!(close(r.readiness_mean, Some(mean)), "{v}");
                assert_eq!(r.barrier.as_deref(), Some(barrier.as_str()), "{v}");
                assert_eq!(r.readiness_as_of, Some(date(closed_day)), "{v}");
            } else {
                assert!(r.readiness.is_none() && r.barrier.is_none() && r.readiness_as_of.is_none(), "no readiness before the pulse closed: {v}");
            }
            // Acknowledgements of the week's own update.
            let sent: Vec<i64> = outbox
                .iter()
                .filter(|o| o["team_name"] == team && o["item_id"] == "weekly" && o["status"] == "sent")
                .filter(|o| (start..=end).contains(&int(o, "sent_at_ms").div_euclid(DAY_MS)))
                .map(|o| int(o, "id"))
                .collect();
            let acked = acks
                .iter()
                .filter(|k| sent.contains(&int(k, "outbox_id")))
                .count();
            assert_eq!(r.updates_sent, sent.len(), "{v}");
            assert_eq!(r.updates_sent, 1, "one update each week: {v}");
            assert!(
                close(r.ack_rate, Some(acked as f64 / (6 * sent.len()) as f64)),
                "{v}"
            );
            let by_end = |rows: &[HashMap<String, String>]| {
                rows.iter()
                    .filter(|c| c["team_name"] == team && int(c, "at_ms") < end_ms)
                    .count()
            };
            assert_eq!(r.champions, by_end(&champions), "{v}");
            assert_eq!(r.recognitions, by_end(&recognitions), "{v}");
        }
        // What a change lead reads in the rows, in plain terms.
        let support: Vec<_> = rows.iter().filter(|r| r.team == "Support").collect();
        let sales: Vec<_> = rows.iter().filter(|r| r.team == "Sales").collect();
        assert_eq!(
            sales.iter().map(|r| r.ack_rate.unwrap_or(-1.0)).collect::<Vec<_>>(),
            [1.0 / 6.0, 2.0 / 6.0, 3.0 / 6.0, 4.0 / 6.0, 5.0 / 6.0, 1.0],
            "each week's own ack rate"
        );
        assert_eq!(
            support.iter().map(|r| r.champions).collect::<Vec<_>>(),
            [0, 0, 0, 1, 1, 1],
            "a champion from the week of the nomination on"
        );
        assert_eq!(
            sales.iter().map(|r| r.recognitions).collect::<Vec<_>>(),
            [0, 0, 1, 1, 1, 1]
        );
        assert!(
            support[5].readiness.is_some_and(|s| s < 0.0) && support[5].barrier.as_deref() == Some("Desire"),
            "Support's readiness shows its Desire barrier: {:?}",
            support[5]
        );
        assert!(
            support[0].readiness.is_none() && support[1].readiness.is_none(),
            "no readiness for weeks before the pulse"
        );
        assert!(
            support[5].feedback.is_some_and(|f| f < sales[5].feedback.unwrap_or(0.0)),
            "Support's feedback turned negative"
        );
    })
    .await;
}

pub(crate) async fn nominate(app: &TestApp, member: &str) {
    let done = app
        .command(
            "Claire",
            "change-team",
            "champion nominate",
            json!({ "member": member }),
        )
        .await
        .content;
    assert!(done.contains("champion"), "{done}");
}
