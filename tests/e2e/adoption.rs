//! Adoption figures in: a JSON batch over `POST /api/v1/adoption` behind the bearer token
//! and a CSV file through `herald adoption import`, each taken whole or not at all. A
//! replay changes nothing, a batch with one bad row writes nothing and names the row, a
//! wrong or missing token gets 401, and a person's rows are stored only as a keyed hash
//! within their team (nothing in the database names them).

use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::{dump_tables, spawn_app_with_plan_env, within, TestApp};
use herald::sim::world::WorldSpec;
use herald::store::adoption::DayFigure;
use herald::store::Store;

const TOKEN: &str = "adoption-test-token";

const PLAN: &str = r#"
[campaign]
name = "Atlas"
timezone = "UTC"
reports_channel = "change-team"

[[metrics]]
id = "crm_active"
kind = "active_users"
label = "Active in the new CRM"
target = 60

[[metrics]]
id = "old_reports"
kind = "legacy"
label = "Old reports opened"
"#;

async fn app() -> TestApp {
    let world = WorldSpec::teams(&[("Sales", 6), ("Support", 6)], true, &[]);
    let plan = format!("{PLAN}\n{}", world.plan_teams());
    let env = vec![("HERALD__ADOPTION__TOKEN".to_string(), TOKEN.to_string())];
    spawn_app_with_plan_env(world, &plan, &[], env).await
}

/// Posts `body` with `token` (none: no Authorization header); the status and the answer.
async fn send(app: &TestApp, token: Option<&str>, body: &str) -> (u16, Value) {
    let url = format!("http://{}/api/v1/adoption", app.herald().health_addr);
    let mut req = app
        .http
        .post(url)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.body(body.to_string()).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.expect("a JSON answer"))
}

/// Each team's figure per day of `metric`: (team, day as 2026-03-01, value, people).
async fn figures(
    store: &Arc<dyn Store>,
    metric: &str,
    distinct: bool,
) -> Vec<(String, String, f64, i64)> {
    let guild = herald::domain::ids::GuildId(first_guild(store).await);
    let days: Vec<DayFigure> = store
        .adoption_days(guild, metric, 0, distinct)
        .await
        .expect("figures");
    days.into_iter()
        .map(|d| {
            let date = chrono::NaiveDate::default() + chrono::Duration::days(d.day);
            (d.team, date.to_string(), d.value, d.people)
        })
        .collect()
}

async fn first_guild(store: &Arc<dyn Store>) -> u64 {
    store.guilds().await.expect("guilds")[0].0
}

fn batch(sales_1: u64, sales_2: u64, claire: u64) -> String {
    json!({ "rows": [
        { "source": "crm", "metric": "crm_active", "team": "Sales", "value": 3, "at": "2026-03-01" },
        { "source": "crm", "metric": "crm_active", "member": sales_1.to_string(), "value": 1, "at": "2026-03-02" },
        { "source": "crm", "metric": "crm_active", "member": sales_2, "value": "4", "at": "2026-03-02T08:30:00Z" },
        { "source": "crm", "metric": "crm_active", "member": claire.to_string(), "value": 1, "at": "2026-03-02" },
        { "source": "reports", "metric": "old_reports", "team": "support", "value": 30, "at": "2026-03-01" }
    ]})
    .to_string()
}

#[tokio::test]
async fn a_json_batch_is_taken_whole_once_and_a_bad_row_or_token_writes_nothing() {
    within(120, async {
        let app = app().await;
        let store = app.herald().app.store.clone();
        let (s1, s2, claire) = (
            app.id_of("members", "sales-1").await,
            app.id_of("members", "sales-2").await,
            app.id_of("members", "Claire").await,
        );
        let body = batch(s1, s2, claire);

        let (status, answer) = send(&app, None, &body).await;
        assert_eq!(status, 401, "{answer}");
        assert!(answer["message"].as_str().expect("message").contains("Authorization: Bearer"));
        let (status, _) = send(&app, Some("not-the-token"), &body).await;
        assert_eq!(status, 401);
        assert!(figures(&store, "crm_active", true).await.is_empty(), "nothing written without the token");

        let (status, answer) = send(&app, Some(TOKEN), &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["message"],
            "5 rows taken: 4 new or changed; 1 about people in no team Herald knows, so not counted."
        );
        let active = vec![
            ("Sales".to_string(), "2026-03-01".to_string(), 3.0, 0),
            ("Sales".to_string(), "2026-03-02".to_string(), 2.0, 2),
        ];
        assert_eq!(figures(&store, "crm_active", true).await, active);
        assert_eq!(
            figures(&store, "old_reports", false).await,
            [("Support".to_string(), "2026-03-01".to_string(), 30.0, 0)]
        );

        // The same batch again: nothing doubles.
        let (status, answer) = send(&app, Some(TOKEN), &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["written"], 0);
        assert!(answer["message"].as_str().expect("message").contains("every value was already held"));
        assert_eq!(figures(&store, "crm_active", true).await, active, "a replay changes nothing");

        // One bad row among good ones: nothing of the batch is written, the row is named.
        let rows = |note: bool| {
            let mut third = json!({ "source": "crm", "metric": "crm_activ", "team": "Sales", "value": 9, "at": "2026-03-02" });
            if note {
                third["note"] = json!("x");
            }
            json!([
                { "source": "crm", "metric": "crm_active", "team": "Support", "value": 2, "at": "2026-03-02" },
                { "source": "crm", "metric": "crm_active", "team": "Supprot", "value": 2, "at": "2026-03-02" },
                third
            ])
            .to_string()
        };
        let bad = rows(true);
        let (status, answer) = send(&app, Some(TOKEN), &bad).await;
        assert_eq!(status, 422, "{answer}");
        let errors: Vec<&str> = answer["errors"].as_array().expect("errors").iter().filter_map(Value::as_str).collect();
        assert_eq!(
            errors,
            ["3:row: unknown field `note`; fields: source, metric, team, member, value, at"],
            "the batch's shape is checked first"
        );
        let bad = rows(false);
        let (status, answer) = send(&app, Some(TOKEN), &bad).await;
        assert_eq!(status, 422, "{answer}");
        let errors: Vec<&str> = answer["errors"].as_array().expect("errors").iter().filter_map(Value::as_str).collect();
        assert_eq!(
            errors,
            [
                "2:team: there is no team `Supprot`; did you mean `Support`? (teams: Sales, Support)",
                "3:metric: `crm_activ` is not declared in plan.toml; did you mean `crm_active`? (its metrics: crm_active, old_reports)",
            ]
        );
        assert!(answer["message"].as_str().expect("message").starts_with("Nothing of this batch was written"));
        assert_eq!(figures(&store, "crm_active", true).await, active, "the good row was not written either");

        let (status, answer) = send(&app, Some(TOKEN), "rows: 3").await;
        assert_eq!(status, 400, "{answer}");

        // The database holds no member id and no name from the batch.
        let tables = dump_tables(&app).await;
        for (table, (_, rows)) in tables.iter().filter(|(t, _)| t.starts_with("adoption")) {
            for row in rows {
                for cell in row {
                    for id in [s1, s2, claire] {
                        assert!(!cell.contains(&id.to_string()), "{table} holds member {id}: {row:?}");
                    }
                }
            }
        }
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_csv_import_is_taken_whole_and_again_changes_nothing() {
    within(120, async {
        let mut app = app().await;
        let s1 = app.id_of("members", "sales-1").await;
        let plan_dir = app.plan_dir.as_ref().expect("plan").path().display().to_string();
        app.stop_herald().await;
        let dir = tempfile::tempdir().expect("dir");
        let key = crate::helpers::key_file_for(&app.db.url);
        let env = [
            ("HERALD__DATABASE__URL", app.db.url.as_str()),
            ("HERALD__PRIVACY__KEY_FILE", key.as_str()),
            ("HERALD__MESSAGES__DIR", plan_dir.as_str()),
        ];
        let file = dir.path().join("crm.csv");
        let import = |text: String| {
            std::fs::write(&file, text).expect("csv");
            crate::cli::herald(&["adoption", "import", "crm.csv"], &env, dir.path())
        };
        let good = format!(
            "source,metric,team,member,value,at\ncrm,crm_active,Sales,,3,2026-03-01\ncrm,crm_active,,{s1},1,2026-03-02\n\"reports\",old_reports,Support,,\"30\",2026-03-01\n"
        );
        let (code, stdout, stderr) = import(good.clone());
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert_eq!(stdout.trim(), "crm.csv: 3 rows taken: 3 new or changed.");
        let (code, stdout, _) = import(good);
        assert_eq!(code, 0);
        assert_eq!(stdout.trim(), "crm.csv: 3 rows taken: 0 new or changed (every value was already held).");

        let bad = "source,metric,team,value,at\ncrm,crm_active,Sales,5,2026-03-03\ncrm,crm_active,Sales,lots,2026-03-04\n".to_string();
        let (code, stdout, stderr) = import(bad);
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(stderr.contains("crm.csv:3:value: `lots` is not a number of 0 or more"), "{stderr}");
        assert!(stderr.contains("1 problem in crm.csv; nothing was imported."), "{stderr}");

        let store = herald::store::connect(&app.db.url, 1).await.expect("store");
        assert_eq!(
            figures(&store, "crm_active", true).await,
            [
                ("Sales".to_string(), "2026-03-01".to_string(), 3.0, 0),
                ("Sales".to_string(), "2026-03-02".to_string(), 1.0, 1),
            ],
            "the good row of the refused file was not written"
        );
        store.close().await;
    })
    .await;
}

/// Three weeks of a scripted feed: Sales's people come on one a week (1, 2, 3 of 7),
/// Support stays at one of 7 and opens its old reports 30 times a day; Legal (3 people)
/// is too small to show.
async fn scripted_weeks(app: &TestApp) {
    let mut rows = Vec::new();
    for (week, n) in [("2026-02-16", 1), ("2026-02-23", 2), ("2026-03-02", 3)] {
        for i in 1..=n {
            let id = app.id_of("members", &format!("sales-{i}")).await;
            rows.push(json!({ "source": "crm", "metric": "crm_active", "member": id.to_string(), "value": 1, "at": week }));
        }
        rows.push(json!({ "source": "crm", "metric": "crm_active", "team": "Support", "value": 1, "at": week }));
        rows.push(json!({ "source": "crm", "metric": "crm_active", "team": "Legal", "value": 2, "at": week }));
    }
    for day in 24..=28 {
        rows.push(json!({ "source": "reports", "metric": "old_reports", "team": "Support", "value": 30, "at": format!("2026-02-{day}") }));
    }
    for day in ["2026-03-01", "2026-03-02"] {
        rows.push(json!({ "source": "reports", "metric": "old_reports", "team": "Support", "value": 30, "at": day }));
    }
    let (status, answer) = send(app, Some(TOKEN), &Value::Array(rows).to_string()).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn adoption_shows_each_teams_curve_against_the_tipping_lines_in_words_and_a_chart() {
    within(120, async {
        let world = WorldSpec::teams(&[("Sales", 6), ("Support", 6), ("Legal", 2)], true, &[]);
        let plan = format!("{PLAN}\n{}", world.plan_teams());
        let env = vec![("HERALD__ADOPTION__TOKEN".to_string(), TOKEN.to_string())];
        let app = spawn_app_with_plan_env(world, &plan, &[], env).await;
        scripted_weeks(&app).await;

        let started = app
            .post(
                "/_sim/interactions/command",
                json!({ "member": "Claire", "channel": "change-team", "command": "adoption", "options": { "weeks": 3 } }),
            )
            .await;
        let id = started["interaction_id"].as_str().expect("id").to_string();
        let (name, png) = crate::sentiment::attachment(&app, &id).await;
        assert_eq!(name, "adoption.png");
        assert!(png.starts_with(b"\x89PNG"), "a PNG chart");
        let out = crate::browser::output_dir("adoption");
        std::fs::create_dir_all(&out).expect("output dir");
        std::fs::write(out.join("adoption.png"), &png).expect("kept for a look");
        let lead = app.reply(&id).await;
        assert!(lead.ephemeral);
        assert_eq!(
            lead.content.lines().collect::<Vec<_>>(),
            [
                "**Adoption — Active in the new CRM** (share of each team, week by week)",
                "Overall: 29 % (4 of 14 people in the teams shown)",
                "• Legal: not shown — 3 people in the team, fewer than 5",
                "• Sales: 43 % (3 of 7), past 40 % (organisation-wide) since the week to 2 Mar",
                "• Support: 14 % (1 of 7), below the 16 % where early adopters are crossed; Old reports opened: 30 a day over the last week",
            ]
        );

        let mine = app
            .command("Sales lead", "sales", "adoption", json!({ "team": "sales", "weeks": 3 }))
            .await;
        assert!(mine.content.contains("• Sales: 43 % (3 of 7)"), "{}", mine.content);
        // One team: its people over time, from the per-person rows (sales-1 from 16 Feb,
        // sales-2 from 23 Feb, sales-3 this week; all active this week).
        assert!(
            mine.content.contains("\n  Of the 3 people seen using it, half had started by the week of 23 Feb; none has lapsed."),
            "{}",
            mine.content
        );
        assert!(!mine.content.contains("Support"), "{}", mine.content);
        let other = app
            .command("Sales lead", "sales", "adoption", json!({ "team": "Support" }))
            .await;
        assert_eq!(
            other.content,
            "Managers see the adoption of their own teams; change leads see every team."
        );
        let typo = app
            .command("Claire", "change-team", "adoption", json!({ "team": "Suport" }))
            .await;
        assert!(typo.content.contains("There is no team `Suport`"), "{}", typo.content);
        // The export carries a column per metric and week.
        let started = app
            .post(
                "/_sim/interactions/command",
                json!({ "member": "Claire", "channel": "change-team", "command": "report export", "options": {} }),
            )
            .await;
        let id = started["interaction_id"].as_str().expect("id").to_string();
        let (_, csv) = crate::sentiment::attachment(&app, &id).await;
        let csv = String::from_utf8(csv).expect("utf-8");
        let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
        assert_eq!(header[header.len() - 2..], ["adoption_crm_active", "adoption_old_reports"]);
        let cells = |team: &str, week: &str| -> Vec<String> {
            let line = csv
                .lines()
                .find(|l| l.starts_with(&format!("{team},{week},")))
                .unwrap_or_else(|| panic!("no {team} {week} in\n{csv}"));
            let c: Vec<String> = line.split(',').map(str::to_string).collect();
            c[c.len() - 2..].to_vec()
        };
        assert_eq!(cells("Sales", "2026-02-23"), ["0.2857", ""]);
        assert_eq!(cells("Sales", "2026-03-02"), ["0.4286", ""]);
        assert_eq!(cells("Support", "2026-02-23"), ["0.1429", "180.0000"], "24 Feb to 1 Mar, 30 a day");
        assert_eq!(cells("Legal", "2026-03-02"), ["", ""], "too small to show");

        // The leadership view has the adoption column and a line on it.
        let a = &app.herald().app;
        let guild = a.primary_guild().await.ok().flatten().expect("guild");
        let html = herald::app::dashboard::report_html(a, guild, &herald::app::dashboard::board::Scope::All)
            .await
            .expect("page");
        for seen in [
            "<th scope=\"col\">Active in the new CRM (latest week)</th>",
            "<li>Active in the new CRM: Sales highest at 43 % (past the 40 % where change holds), Support lowest at 14 %.</li>",
        ] {
            assert!(html.contains(seen), "{seen} in\n{html}");
        }
        let row = |team: &str| {
            let start = html.find(&format!("<th scope=\"row\">{team}</th>")).expect("row");
            html[start..start + html[start..].find("</tr>").expect("end")].to_string()
        };
        assert!(row("Sales").contains("<td>43 %</td>"), "{}", row("Sales"));
        assert!(row("Legal").contains("<td>–</td>") && !row("Legal").contains('%'), "{}", row("Legal"));

        // A correction: sales-3 was not active this week after all.
        let s3 = app.id_of("members", "sales-3").await;
        let fix = json!([{ "source": "crm", "metric": "crm_active", "member": s3.to_string(), "value": 0, "at": "2026-03-02" }]);
        let (status, answer) = send(&app, Some(TOKEN), &fix.to_string()).await;
        assert_eq!((status, &answer["written"]), (200, &json!(1)), "{answer}");
        let fixed = app
            .command("Sales lead", "sales", "adoption", json!({ "team": "Sales", "weeks": 3 }))
            .await;
        assert!(
            fixed.content.contains("• Sales: 29 % (2 of 7), past 25 % (committed minority) since the week to 1 Mar"),
            "{}",
            fixed.content
        );
        let employee = app.command("sales-3", "sales", "adoption", json!({})).await;
        assert!(!employee.content.contains('%'), "no figure for an employee: {}", employee.content);
        app.finish().await;
    })
    .await;
}

/// The change team's messages that start with `start`.
async fn alerts(app: &TestApp, start: &str) -> Vec<String> {
    app.messages("change-team")
        .await
        .iter()
        .filter_map(|m| m["content"].as_str())
        .filter(|c| c.starts_with(start))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_tipping_point_and_the_double_workload_are_each_told_once_per_episode() {
    within(120, async {
        let world = WorldSpec::teams(&[("Sales", 6), ("Support", 6)], true, &[]);
        // Go-live three weeks before the test's today (Monday 2 March 2026).
        let plan = format!(
            "{}\n{}",
            PLAN.replace(
                "reports_channel = \"change-team\"",
                "reports_channel = \"change-team\"\ngo_live = \"2026-02-09\""
            )
            .replace("label = \"Old reports opened\"", "label = \"Old reports opened\"\ntarget = 5"),
            world.plan_teams()
        );
        let env = vec![("HERALD__ADOPTION__TOKEN".to_string(), TOKEN.to_string())];
        let app = spawn_app_with_plan_env(world, &plan, &[], env).await;
        let mut rows = Vec::new();
        // Sales: 1, 2, then 3 of 7 people. Support: 1, 1, then 2 of 7 (rising), with its
        // old reports opened 30 times a day for the last two weeks.
        for (week, sales, support) in [("2026-02-16", 1, 1), ("2026-02-23", 2, 1), ("2026-03-02", 3, 2)] {
            for i in 1..=sales {
                let id = app.id_of("members", &format!("sales-{i}")).await;
                rows.push(json!({ "source": "crm", "metric": "crm_active", "member": id.to_string(), "value": 1, "at": week }));
            }
            rows.push(json!({ "source": "crm", "metric": "crm_active", "team": "Support", "value": support, "at": week }));
        }
        for day in 17..=28 {
            rows.push(json!({ "source": "reports", "metric": "old_reports", "team": "Support", "value": 30, "at": format!("2026-02-{day}") }));
        }
        for day in ["2026-03-01", "2026-03-02"] {
            rows.push(json!({ "source": "reports", "metric": "old_reports", "team": "Support", "value": 30, "at": day }));
        }
        let (status, answer) = send(&app, Some(TOKEN), &Value::Array(rows).to_string()).await;
        assert_eq!(status, 200, "{answer}");

        let tipped = alerts(&app, "🎉").await;
        assert_eq!(
            tipped,
            ["🎉 **Sales** crossed 40 %: 43 % of the team in the latest week (Active in the new CRM), past the point where a change holds organisation-wide. A short-term win worth telling: `/win add` logs it."]
        );
        let double = alerts(&app, "⚠️ **Support** is doing the work twice").await;
        assert_eq!(
            double,
            ["⚠️ **Support** is doing the work twice: Old reports opened is still 30 a day, 3 weeks after go-live, while 29 % of the team use the new one (Active in the new CRM). Ask which old reports people still rely on and rebuild them in the new tool, so the old one can go. See `/adoption Support`."]
        );
        assert!(alerts(&app, "⚠️ **Sales**").await.is_empty(), "Sales uses no old tool");
        let dms = app.get("/_sim/dms/Support%20lead").await;
        let told = dms.as_array().map_or(0, |d| {
            d.iter()
                .filter(|m| m["content"].as_str().is_some_and(|c| c.contains("doing the work twice")))
                .count()
        });
        assert_eq!(told, 1, "Support's manager is told too: {dms}");

        // More figures in the same episode: nothing is said again.
        let more = json!([
            { "source": "crm", "metric": "crm_active", "member": app.id_of("members", "sales-4").await.to_string(), "value": 1, "at": "2026-03-02" },
            { "source": "reports", "metric": "old_reports", "team": "Support", "value": 31, "at": "2026-03-02" }
        ]);
        let (status, answer) = send(&app, Some(TOKEN), &more.to_string()).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(alerts(&app, "🎉").await.len(), 1, "one tipping point per episode");
        assert_eq!(alerts(&app, "⚠️ **Support** is doing").await.len(), 1, "one double workload per episode");
        app.finish().await;
    })
    .await;
}

const METRICS: &str = "[[metrics]]\nid = \"crm_active\"\nkind = \"active_users\"\nlabel = \"Active in the new CRM\"\n";

#[tokio::test]
async fn a_flat_curve_with_low_ability_is_a_training_gap_told_once_and_a_story_reads_its_own_teams_share(
) {
    within(180, async {
        let env = [
            ("HERALD__PRIVACY__MIN_GROUP_SIZE", "3"),
            ("HERALD__ADOPTION__TOKEN", TOKEN),
        ];
        let story = "---\ntitle = \"Weekly\"\n---\nADOPTION {{ story.adoption }}\n";
        let app = crate::champions::app_with_plan(&env, story, METRICS).await;
        // Sales's readiness: Ability 2.3 of 5 (Knowledge 3.7).
        crate::stories::readiness_pulse(&app, "Sales", "1", &["Ava", "Ben", "Chloe"], &[[4, 4, 4, 2, 4], [4, 4, 3, 3, 4], [5, 4, 4, 2, 4]]).await;
        closed(&app).await;
        // Sales: 2 of its 6 every week for three weeks and this week; Finance rises.
        let mut rows = Vec::new();
        for (week, sales, finance) in [("2026-02-09", 2, 1), ("2026-02-16", 2, 1), ("2026-02-23", 2, 2), ("2026-03-02", 2, 2)] {
            rows.push(json!({ "source": "crm", "metric": "crm_active", "team": "Sales", "value": sales, "at": week }));
            rows.push(json!({ "source": "crm", "metric": "crm_active", "team": "Finance", "value": finance, "at": week }));
        }
        let (status, answer) = send(&app, Some(TOKEN), &Value::Array(rows).to_string()).await;
        assert_eq!(status, 200, "{answer}");
        let gap = "⚠️ **Sales**: adoption has been flat for three weeks at 33 %, and the team's latest readiness puts Ability or Knowledge at 2.3 of 5 — people may not yet know how. A training session or office hours with a champion would help. See `/adoption Sales` and `/readiness`.";
        assert_eq!(alerts(&app, "⚠️").await, [gap], "Finance is rising: no gap");
        // Another night's figures in the same episode: nothing is said again.
        let more = json!([{ "source": "crm", "metric": "crm_active", "team": "Sales", "value": 2, "at": "2026-03-02" },
                          { "source": "crm", "metric": "crm_active", "team": "Finance", "value": 1, "at": "2026-03-01" }]);
        let (status, answer) = send(&app, Some(TOKEN), &more.to_string()).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(alerts(&app, "⚠️").await.len(), 1, "one training gap per episode");
        // Sales's story reads Sales's share in the latest week, and no other team's.
        let text = crate::stories::post_story(&app, "Sales", "sales").await;
        assert_eq!(text.trim(), "ADOPTION 33 % of Sales in the latest week (Active in the new CRM)");
        app.finish().await;
    })
    .await;
}

/// Waits until every pulse has closed (results out, then marked closed).
async fn closed(app: &TestApp) {
    let store = app.herald().app.store.clone();
    let guild = herald::domain::ids::GuildId(first_guild(&store).await);
    for _ in 0..1000 {
        let pulses = store.recent_pulses(guild, 10).await.expect("pulses");
        if pulses.iter().all(|p| p.closed_at_ms.is_some()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the pulse did not close");
}
