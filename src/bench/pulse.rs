//! 2,000 members answer a five-question ADKAR pulse through the simulator with the real
//! serenity client (Answer, five answers, Submit: seven interactions each), starting
//! evenly over `BENCH_SECONDS` (50): ack latency, the whole wave, the answer sets stored.
//! Then a burst: every member answers again, 200 at a time, for the ingest rate.
//! `BENCH_MEMBERS` (2,000), `BENCH_PULSE_TEAMS` (20), `BENCH_SECONDS` change it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{ack_figures, env_num, settings, Figure};
use crate::app::App;
use crate::clock::SystemClock;
use crate::sim::client::{button, SimClient};
use crate::sim::{self, SimHandle, WorldSpec};

const NAME: &str = "pulse";

/// `teams` teams `t00`… of `members / teams` people each (`t00-1`…), and Claire.
pub(super) fn world(members: u64, teams: u64) -> WorldSpec {
    let names: Vec<String> = (0..teams).map(|t| format!("t{t:02}")).collect();
    let sized: Vec<(&str, usize)> = names
        .iter()
        .map(|n| (n.as_str(), (members / teams) as usize))
        .collect();
    WorldSpec::teams(&sized, false, &[])
}

/// The `i`th member, spread over the teams in turn.
fn member(i: u64, teams: u64) -> String {
    format!("t{:02}-{}", i % teams, i / teams + 1)
}

fn messages_dir(world: &WorldSpec) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let plan = format!(
        "[campaign]\nname = \"Bench\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}",
        world.plan_teams()
    );
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.path().join("templates")).expect("templates");
    crate::sim::world::copy_shipped_polls(dir.path()).expect("the shipped polls");
    dir
}

/// One member's whole flow; true when the answers were stored.
async fn respond(
    sim: Arc<SimClient>,
    member: String,
    message: String,
    open: String,
    seed: u64,
) -> bool {
    let run = async {
        let (flow, mut components, _) = sim.click(&member, &message, &open).await?;
        for q in 0..5u64 {
            let v = 1 + (seed * 7 + q * 3) % 5;
            let id = button(&components, &v.to_string())?;
            components = sim.click(&member, &flow, &id).await?.1;
        }
        let done = sim
            .click(&member, &flow, &button(&components, "Submit")?)
            .await?;
        Some(done.2.starts_with("Thank you"))
    };
    run.await.unwrap_or(false)
}

pub async fn run() -> anyhow::Result<Vec<Figure>> {
    let members = env_num("BENCH_MEMBERS", 2000);
    let teams = env_num("BENCH_PULSE_TEAMS", 20);
    let seconds = env_num("BENCH_SECONDS", 50);
    let w = world(members, teams);
    let simh = sim::start("127.0.0.1:0".parse()?, &w).await?;
    let dir = messages_dir(&w);
    let extra = [("HERALD__MESSAGES__DIR", dir.path().display().to_string())];
    let herald = crate::startup::launch(
        settings(&simh.url(), dir.path(), &extra),
        Arc::new(SystemClock),
    )
    .await
    .map_err(|e| anyhow::anyhow!("Herald did not start: {e:?}"))?;
    let sim = Arc::new(SimClient::new(&simh.url()));
    let app = herald.app.clone();
    wait_for_teams(&app, teams).await;
    let openings = start_pulse(&sim, &simh, teams, "48h").await?;
    let before = simh.stats()["interactions"]["count"].as_u64().unwrap_or(0);
    let pace = Duration::from_secs_f64(seconds as f64 / members as f64);
    let mut tick = tokio::time::interval(pace);
    let wave = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..members {
        tick.tick().await;
        let (msg, open) = openings[(i % teams) as usize].clone();
        tasks.push(tokio::spawn(respond(
            sim.clone(),
            member(i, teams),
            msg,
            open,
            i,
        )));
    }
    let mut told = 0;
    for t in tasks {
        if matches!(t.await, Ok(true)) {
            told += 1;
        }
    }
    let wave_s = wave.elapsed().as_secs_f64();
    let stored = app.store.ballots(1).await.map(|b| b.len()).unwrap_or(0);
    let stats = simh.stats();
    let burst = burst(&sim, &openings, members, teams).await;
    let late_in_burst = simh.stats()["interactions"]["late"].as_u64().unwrap_or(0)
        - stats["interactions"]["late"].as_u64().unwrap_or(0);
    herald.stop().await;
    let count = stats["interactions"]["count"].as_u64().unwrap_or(0) - before;
    let mut out = vec![
        Figure::new(
            NAME,
            "members answering / told \"your answers are in\" / answer sets stored",
            format!("{members} / {told} / {stored}"),
        )
        .target("all"),
        Figure::new(
            NAME,
            "vote ingest: interactions in the wave",
            format!("{count} ({:.0} per second)", count as f64 / wave_s),
        ),
        Figure::new(
            NAME,
            "whole wave, first click to last answer",
            format!("{wave_s:.1} s"),
        )
        .target("≤ 60 s"),
    ];
    out.push(Figure::new(
        NAME,
        format!("vote ingest, burst: every member answers again, {IN_FLIGHT} at a time"),
        format!(
            "{:.0} answer sets per second ({} of {members} in {:.1} s; {late_in_burst} late acks)",
            burst.0 as f64 / burst.1,
            burst.0,
            burst.1
        ),
    ));
    out.extend(ack_figures(NAME, &stats, "< 50 ms"));
    Ok(out)
}

/// Members answering at once in the burst.
const IN_FLIGHT: usize = 200;

/// Every member answers again (replacing the first answers) as fast as Herald takes
/// them: how many were stored, and the seconds it took.
pub(super) async fn burst(
    sim: &Arc<SimClient>,
    openings: &[(String, String)],
    members: u64,
    teams: u64,
) -> (u64, f64) {
    use futures::StreamExt;
    let started = Instant::now();
    let stored = futures::stream::iter(0..members)
        .map(|i| {
            let (msg, open) = openings[(i % teams) as usize].clone();
            respond(sim.clone(), member(i, teams), msg, open, i + 1)
        })
        .buffer_unordered(IN_FLIGHT)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    (stored as u64, started.elapsed().as_secs_f64())
}

/// Waits until Herald has synced every team and its gateway is up.
pub(super) async fn wait_for_teams(app: &App, teams: u64) {
    loop {
        let synced = match app.primary_guild().await.ok().flatten() {
            Some(g) => app.store.list_teams(g).await.map_or(0, |t| t.len() as u64) == teams,
            None => false,
        };
        if synced && app.metrics.gateway_up() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Claire starts the pulse; the pulse message in every team channel, with its Answer button.
pub(super) async fn start_pulse(
    sim: &SimClient,
    simh: &SimHandle,
    teams: u64,
    closes_in: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let options = json!({ "set": "adkar", "teams": "all", "closes_in": closes_in });
    let started = sim
        .command("Claire", "change-team", "pulse start", options)
        .await
        .ok_or_else(|| anyhow::anyhow!("/pulse start was not answered"))?;
    anyhow::ensure!(
        started.2.contains("Pulse #1"),
        "/pulse start said {}",
        started.2
    );
    let mut openings = Vec::new();
    for t in 0..teams {
        let channel = format!("t{t:02}");
        loop {
            if let Some(m) = simh.messages(&channel).first() {
                let id = m["id"].as_str().unwrap_or_default().to_string();
                let open = button(&m["components"], "Answer")
                    .ok_or_else(|| anyhow::anyhow!("no Answer button in #{channel}"))?;
                openings.push((id, open));
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(openings)
}
