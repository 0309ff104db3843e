//! The sentiment record end to end: six scripted weeks of feedback-channel messages on
//! the manual clock, Support turning negative in week 4; the alert, the chart, the
//! export and a canary phrase that must not reach the database.

use herald::domain::record::{day_of, rolling};
use herald::sim::world::WorldSpec;
use serde_json::{json, Value};

use crate::helpers::dump_tables;
use crate::helpers::{spawn_app_with_dir, within, TestApp};
use crate::pulse_flow::content;

const GOOD: &str = "Atlas is great, really helpful";
const BAD: &str = "I hate Atlas, it is slow and terrible";

async fn app() -> TestApp {
    let world = WorldSpec::default_world();
    let dir = tempfile::tempdir().expect("dir");
    let plan = format!(
        "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}",
        world.plan_teams()
    );
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.path().join("templates")).expect("dir");
    // The alert proposes the playbook's play for a sentiment alert.
    std::fs::write(
        dir.path().join("playbook.toml"),
        "[[plays]]\nid = \"sentiment-listening\"\ntrigger = \"sentiment\"\ntitle = \"A listening session with the team's manager\"\nwhat = \"The manager asks the team what changed.\"\nowner = \"manager\"\n",
    )
    .expect("playbook");
    let env = vec![(
        "HERALD__SENTIMENT__FEEDBACK_CHANNELS".to_string(),
        "feedback".to_string(),
    )];
    spawn_app_with_dir(world, dir, env).await
}

/// Signals in the record so far.
async fn signals(app: &TestApp) -> u64 {
    let a = &app.herald().app;
    let guild = a.primary_guild().await.ok().flatten().expect("guild");
    a.store
        .cells(guild, None, 0)
        .await
        .expect("cells")
        .cells
        .values()
        .map(|c| c.n)
        .sum()
}

pub(crate) async fn wait_signals(app: &TestApp, n: u64) {
    for _ in 0..500 {
        if signals(app).await >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!(
        "the record did not reach {n} signals (has {})",
        signals(app).await
    );
}

async fn say(app: &TestApp, member: &str, text: &str) {
    app.post(
        "/_sim/messages",
        json!({ "member": member, "channel": "feedback", "content": text }),
    )
    .await;
}

fn alerts(msgs: &[Value], team: &str) -> usize {
    msgs.iter()
        .filter(|m| content(m).starts_with(&format!("⚠️ **{team}**")))
        .count()
}

/// The bytes of an interaction's attachment (after a deferred answer).
pub(crate) async fn attachment(app: &TestApp, interaction: &str) -> (String, Vec<u8>) {
    let mut v = Value::Null;
    for _ in 0..500 {
        v = app
            .get(&format!("/_sim/interactions/{interaction}?wait_ms=5000"))
            .await;
        if v["responses"].as_array().is_some_and(|r| r.len() > 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let r = &v["responses"][1];
    let name = r["attachments"][0]["filename"]
        .as_str()
        .unwrap_or_else(|| panic!("no attachment: {v}"))
        .to_string();
    let id = r["message_id"].as_str().expect("message id");
    let bytes = app
        .http
        .get(app.url(&format!("/_sim/attachments/{id}/{name}")))
        .send()
        .await
        .expect("sim")
        .bytes()
        .await
        .expect("bytes");
    (name, bytes.to_vec())
}

async fn command(app: &TestApp, command: &str, options: Value) -> String {
    let started = app
        .post("/_sim/interactions/command", json!({ "member": "Claire", "channel": "change-team", "command": command, "options": options }))
        .await;
    started["interaction_id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn support_turning_negative_in_week_four_raises_exactly_one_alert_and_the_exports_agree() {
    within(180, async {
        let app = app().await;
        let teams = [
            ("Sales", ["Maya", "Ava", "Ben", "Chloe", "Dan", "Ella"]),
            ("Support", ["Marco", "Finn", "Gia", "Hugo", "Iris", "Jack"]),
            ("Finance", ["Mira", "Kai", "Lena", "Milo", "Nora", "Owen"]),
        ];
        let mut total = 0;
        let mut first_alert_day = None;
        // Every other day for six weeks, five of each team's six say how it is going.
        for day in (0..42).step_by(2) {
            if day > 0 {
                app.advance(2 * 86_400);
            }
            for (team, people) in &teams {
                for i in 0..5 {
                    let who = people[(day / 2 + i) % 6];
                    let text = if *team == "Support" && day >= 21 {
                        BAD
                    } else {
                        GOOD
                    };
                    say(&app, who, text).await;
                    total += 1;
                }
            }
            wait_signals(&app, total).await;
            let change = app.messages("change-team").await;
            if first_alert_day.is_none() && alerts(&change, "Support") > 0 {
                first_alert_day = Some(day);
            }
        }
        let change = app.messages("change-team").await;
        assert_eq!(
            alerts(&change, "Support"),
            1,
            "one alert per episode: {change:?}"
        );
        assert_eq!(alerts(&change, "Sales") + alerts(&change, "Finance"), 0);
        // The alert becomes one proposal, after it, with what was seen in words.
        let proposals: Vec<String> = change
            .iter()
            .map(content)
            .filter(|c| c.starts_with("📋 **Proposed for"))
            .collect();
        assert_eq!(proposals.len(), 1, "{proposals:#?}");
        assert!(
            proposals[0].starts_with("📋 **Proposed for Support: A listening session with the team's manager**\nSeen: sentiment needs attention — the rolling score"),
            "{}",
            proposals[0]
        );
        let day = first_alert_day.expect("an alert");
        assert!(
            (21..28).contains(&day),
            "the alert came in week 4, on day {day}"
        );
        let alert = change
            .iter()
            .map(content)
            .find(|c| c.starts_with("⚠️ **Support**"))
            .expect("alert");
        assert!(
            alert.contains("The source that moved most: feedback"),
            "{alert}"
        );

        // The chart: a PNG that decodes, 720 × 360 drawn at twice the size.
        let id = command(&app, "sentiment", json!({ "team": "support" })).await;
        let (name, png_bytes) = attachment(&app, &id).await;
        assert_eq!(name, "sentiment.png");
        let reader = png::Decoder::new(png_bytes.as_slice())
            .read_info()
            .expect("decodes");
        assert_eq!((reader.info().width, reader.info().height), (1440, 720));
        let id = command(&app, "sentiment", json!({})).await;
        let (name, heat) = attachment(&app, &id).await;
        assert_eq!(name, "overview.png");
        assert!(png::Decoder::new(heat.as_slice()).read_info().is_ok());

        // The export equals what this test computes from the stored record.
        let id = command(&app, "report export", json!({})).await;
        let (name, csv) = attachment(&app, &id).await;
        assert_eq!(name, "herald-export.csv");
        let csv = String::from_utf8(csv).expect("utf-8");
        let a = &app.herald().app;
        let guild = a.primary_guild().await.ok().flatten().expect("guild");
        let record = a
            .store
            .cells(guild, Some("Support"), 0)
            .await
            .expect("cells");
        let days = record.team_days("Support", None);
        let today = day_of(a.now_ms());
        let support: Vec<&str> = csv.lines().filter(|l| l.starts_with("Support,")).collect();
        assert_eq!(support.len(), 6, "six weeks:\n{csv}");
        let day_of_date = |d: &str| {
            let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("a date");
            (date - chrono::NaiveDate::default()).num_days()
        };
        for (w, line) in support.iter().enumerate() {
            let cols: Vec<&str> = line.split(',').collect();
            // Calendar weeks from the first Monday; the last one ends today.
            let (start, end) = (day_of_date(cols[1]), day_of_date(cols[2]));
            assert_eq!(
                start,
                today - 40 + 7 * w as i64,
                "week {w} starts on a Monday: {line}"
            );
            assert_eq!(end, (start + 6).min(today), "{line}");
            let expected = rolling(&days, end, 14.0)
                .map(|s| format!("{s:.4}"))
                .unwrap_or_default();
            assert_eq!(cols[3], expected, "week {w}: {line}");
            assert_eq!(
                (cols[4], cols[5]),
                ("6", "true"),
                "six distinct contributors in four weeks: {line}"
            );
        }
        // `herald sentiment rebuild` recomputes the same record from the raw signals.
        let before = a.store.cells(guild, None, 0).await.expect("cells");
        let totals_before = a.store.daily_totals(guild, 0).await.expect("days");
        assert_eq!(
            a.store.rebuild_sentiment(guild).await.expect("rebuild"),
            total
        );
        let after = a.store.cells(guild, None, 0).await.expect("cells");
        assert_eq!(before.cells.len(), after.cells.len());
        for (k, c) in &before.cells {
            let d = &after.cells[k];
            assert_eq!(
                (c.n, c.pos, c.neu, c.neg),
                (d.n, d.pos, d.neu, d.neg),
                "{k:?}"
            );
            assert!((c.sum - d.sum).abs() < 1e-9, "{k:?}");
        }
        // The per-day totals the overview reads agree with the cells, before and after.
        let totals_after = a.store.daily_totals(guild, 0).await.expect("days");
        assert_eq!(totals_before.len(), totals_after.len());
        for (team, day, n, sum) in &totals_after {
            let cells = after.team_days(team, None);
            let (_, c) = cells
                .iter()
                .find(|(d, _)| d == day)
                .expect("a cell for every day");
            assert_eq!(c.n as i64, *n, "{team} {day}");
            assert!((c.sum - sum).abs() < 1e-9, "{team} {day}");
        }
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_feedback_message_is_scored_and_its_text_is_stored_nowhere() {
    within(60, async {
        let app = app().await;
        let canary = "CANARY-5d1e9 the renewal screen is awful";
        say(&app, "Gia", canary).await;
        wait_signals(&app, 1).await;
        let tables = dump_tables(&app).await;
        for (table, (_, rows)) in &tables {
            for row in rows {
                assert!(
                    !row.iter().any(|c| c.contains("CANARY-5d1e9")),
                    "table {table} holds the text"
                );
            }
        }
        if !app.db.is_postgres() {
            let path = app.db.url.trim_start_matches("sqlite://").to_string();
            for file in [path.clone(), format!("{path}-wal")] {
                if let Ok(bytes) = std::fs::read(&file) {
                    let found = bytes.windows(13).any(|w| w == b"CANARY-5d1e9 ");
                    assert!(!found, "{file} holds the text");
                }
            }
        }
        let (_, rows) = &tables["sentiment_signals"];
        assert_eq!(rows.len(), 1, "one signal, a score only");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_team_or_product_name_in_feedback_moves_no_score() {
    within(60, async {
        let app = app().await;
        let said = "Honestly this feels like extra work for Support, nobody asked us. ATLAS again.";
        say(&app, "Gia", said).await;
        wait_signals(&app, 1).await;
        let a = &app.herald().app;
        let guild = a.primary_guild().await.ok().flatten().expect("guild");
        let record = a.store.cells(guild, None, 0).await.expect("cells");
        let score: f64 = record.cells.values().map(|c| c.sum).sum();
        let neutral = "Honestly this feels like extra work for it, nobody asked us. it again.";
        let expected = herald::domain::sentiment::compound(neutral);
        assert!(
            (score - expected).abs() < 1e-9,
            "scored {score}, as if the names were not there: {expected}"
        );
        assert!(
            (herald::domain::sentiment::compound(said) - expected).abs() > 0.01,
            "the names would have moved it"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn herald_export_writes_the_same_rows_from_the_command_line() {
    within(120, async {
        let mut app = app().await;
        // The command line runs on the wall clock: bring the test's clock to it first.
        let behind = chrono::Utc::now() - herald::clock::Clock::now(&*app.clock);
        app.advance(behind.num_seconds());
        for who in ["Marco", "Finn", "Gia", "Hugo", "Iris"] {
            say(&app, who, GOOD).await;
        }
        wait_signals(&app, 5).await;
        app.stop_herald().await;
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("export.json");
        let key = crate::helpers::key_file_for(&app.db.url);
        let env = [
            ("HERALD__DATABASE__URL", app.db.url.as_str()),
            ("HERALD__DISCORD__API_BASE", &app.sim.url()),
            ("DISCORD_TOKEN", "dummy-test-token"),
            ("HERALD__PRIVACY__KEY_FILE", key.as_str()),
            ("HERALD__MESSAGES__DIR", "/nonexistent-herald-plan"),
        ];
        let args = [
            "export",
            "--format",
            "json",
            "--out",
            out.to_str().expect("utf-8"),
        ];
        let (code, stdout, stderr) = crate::cli::herald(&args, &env, dir.path());
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.starts_with("wrote 18 rows to"), "{stdout}");
        let rows: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("file")).expect("json");
        let support: Vec<&Value> = rows.iter().filter(|r| r["team"] == "Support").collect();
        assert_eq!(support.len(), 6);
        assert_eq!(support[5]["contributors"], 5);
        assert!(
            support[5]["feedback"].as_f64().is_some_and(|f| f > 0.5),
            "{:?}",
            support[5]
        );
        assert!(
            rows.iter()
                .filter(|r| r["team"] == "Sales")
                .all(|r| r["score"].is_null()),
            "no Sales data"
        );
        // Without a token it is the same export, from the database alone.
        let again = dir.path().join("again.json");
        let (code, _, stderr) = crate::cli::herald(
            &[
                "export",
                "--format",
                "json",
                "--out",
                again.to_str().expect("utf-8"),
            ],
            &env[..1]
                .iter()
                .chain(&env[3..])
                .copied()
                .collect::<Vec<_>>(),
            dir.path(),
        );
        assert_eq!(code, 0, "no token: {stderr}");
        assert_eq!(
            std::fs::read_to_string(&again).expect("file"),
            std::fs::read_to_string(&out).expect("file")
        );
        // The leadership report, from the database alone: one self-contained file.
        let report = dir.path().join("leadership.html");
        let (code, stdout, stderr) = crate::cli::herald(
            &[
                "report",
                "--format",
                "html",
                "--out",
                report.to_str().expect("utf-8"),
            ],
            &env[..1]
                .iter()
                .chain(&env[3..])
                .copied()
                .collect::<Vec<_>>(),
            dir.path(),
        );
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(
            stdout.starts_with("wrote the leadership report ("),
            "{stdout}"
        );
        let html = std::fs::read_to_string(&report).expect("the report file");
        crate::dashboard::assert_self_contained(&html);
        for seen in [
            "Herald — leadership view",
            "<th scope=\"row\">Support</th>",
            "<th scope=\"row\">Sales</th>",
        ] {
            assert!(html.contains(seen), "{seen} in the report:\n{html}");
        }
        assert!(!html.contains("Sign out"), "a file has no session to end");
        let (code, _, stderr) = crate::cli::herald(
            &[
                "report",
                "--format",
                "pdf",
                "--out",
                report.to_str().expect("utf-8"),
            ],
            &env[..1],
            dir.path(),
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("possible values: html"), "{stderr}");
    })
    .await;
}

#[tokio::test]
async fn reactions_to_heralds_messages_count_through_the_emoji_map_and_others_do_not() {
    within(60, async {
        let app = app().await;
        let done = app
            .command("Maya", "sales", "recognize", json!({ "member": "Ava", "reason": "Helped Ben" }))
            .await
            .content;
        assert!(done.starts_with("Recognised"), "{done}");
        let card = app.wait_for_messages("sales", 1).await[0]["id"].as_str().expect("id").to_string();
        let react = |who: &'static str, message: String, emoji: &'static str| {
            let app = &app;
            async move {
                app.post("/_sim/reactions", json!({ "member": who, "channel": "sales", "message_id": message, "emoji": emoji }))
                    .await;
            }
        };
        for who in ["Ben", "Chloe", "Dan", "Ella", "Maya"] {
            react(who, card.clone(), "👍").await;
        }
        react("Ava", card.clone(), "🍕").await;
        let theirs = app.post("/_sim/messages", json!({ "member": "Ben", "channel": "sales", "content": "hello" })).await;
        react("Chloe", theirs["id"].as_str().expect("id").to_string(), "👍").await;
        react("Dan", card.clone(), "😡").await;
        wait_signals(&app, 6).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(signals(&app).await, 6, "no signal from 🍕 or from a member's message");
        let text = app.command("Claire", "change-team", "sentiment", json!({ "team": "Sales" })).await.content;
        // Five 👍 (+1) and one 😡 (−1), all today: a rolling score of 4/6.
        assert!(text.contains("• reaction: +0.67 (6 signals in 4 weeks)"), "{text}");
        assert!(text.contains("Sales: +0.67"), "{text}");
        app.finish().await;
    })
    .await;
}

/// Two people speak for three weeks, then five: the weeks that rested on two are never
/// shown, though the team has enough people now; nor is the change over four weeks.
#[tokio::test]
async fn a_week_that_rested_on_too_few_people_stays_hidden_when_the_team_grows() {
    within(120, async {
        let app = app().await;
        let mut total = 0;
        for day in (0..=40).step_by(2) {
            if day > 0 {
                app.advance(2 * 86_400);
            }
            let people: &[&str] = if day < 21 {
                &["Maya", "Ava"]
            } else {
                &["Ben", "Chloe", "Dan", "Ella", "Maya"]
            };
            for who in people {
                say(&app, who, GOOD).await;
                total += 1;
            }
            wait_signals(&app, total).await;
        }
        let id = command(&app, "sentiment", json!({ "team": "sales" })).await;
        let mut text = String::new();
        for _ in 0..500 {
            let v = app
                .get(&format!("/_sim/interactions/{id}?wait_ms=5000"))
                .await;
            if let Some(c) = v["responses"][1]["content"].as_str() {
                text = c.to_string();
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let weekly = text
            .lines()
            .find(|l| l.starts_with("Week by week: "))
            .unwrap_or_else(|| panic!("no week by week in:\n{text}"));
        let weeks: Vec<&str> = weekly["Week by week: ".len()..].split(" → ").collect();
        assert_eq!(weeks.len(), 6, "{weekly}");
        assert_eq!(&weeks[..3], ["–", "–", "–"], "two people's weeks: {weekly}");
        assert!(
            weeks[3..].iter().all(|w| w.starts_with('+')),
            "five people's weeks are shown: {weekly}"
        );
        assert!(
            text.contains("**Sentiment — Sales: +") && !text.contains("over 4 weeks"),
            "shown now, with no change from a week two people made: {text}"
        );
    })
    .await;
}
