//! The leadership dashboard over HTTP: a scripted fortnight in the simulator (feedback,
//! a readiness pulse, a weekly update with Got it, a champion), then `/dashboard` links
//! for a change lead and a manager opened against Herald's own server. Asserts on the
//! page a person reads: team names and figures, the manager's page without other teams,
//! the SVG charts, and a 403 page for no cookie, a tampered, a replayed and an expired
//! link, and a session after signing out.

use serde_json::json;

use crate::helpers::{within, TestApp};
use crate::pulse_flow::{answer, start};
use crate::sentiment::wait_signals;
use crate::weekly_export::{acknowledge, app_with_plan, nominate, SALES, SUPPORT};

/// The weekly digest: Fridays at 16:00, to the sponsor and the change lead.
pub(crate) const DIGEST: &str = r#"
[digest]
schedule = "0 0 16 * * FRI"
audience = ["sponsors", "change_leads"]
"#;

const GOOD: &str = "Really helpful, the new screens are great";
const BAD: &str = "I hate this, it is slow and terrible";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The link in a `/dashboard` reply, pointed at this test's Herald.
pub(crate) async fn link(app: &TestApp, member: &str) -> String {
    let reply = app
        .command(member, "change-team", "dashboard", json!({}))
        .await;
    assert!(reply.ephemeral, "the link is for the reader only");
    let url = reply
        .content
        .split_whitespace()
        .find(|w| w.contains("/dashboard/open?t="))
        .unwrap_or_else(|| panic!("no link in: {}", reply.content))
        .to_string();
    let path = &url[url.find("/dashboard").expect("path")..];
    format!("http://{}{path}", app.herald().health_addr)
}

/// Opens a link: the session cookie it sets (the response must be a page that moves on
/// to the dashboard).
async fn open(url: &str) -> Result<String, (u16, String)> {
    let r = client().get(url).send().await.expect("open");
    let status = r.status().as_u16();
    let set = r
        .headers()
        .get("set-cookie")
        .map(|c| c.to_str().expect("cookie").to_string());
    let body = r.text().await.unwrap_or_default();
    let Some(set) = set.filter(|_| status == 200) else {
        return Err((status, body));
    };
    assert!(
        body.contains("<meta http-equiv=\"refresh\" content=\"0; url=/dashboard\">"),
        "{body}"
    );
    for part in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/dashboard",
        "Max-Age=28800",
    ] {
        assert!(set.contains(part), "{part} in {set}");
    }
    Ok(set.split(';').next().expect("name=value").to_string())
}

async fn page(app: &TestApp, cookie: Option<&str>) -> (u16, String) {
    let mut req = client().get(format!("http://{}/dashboard", app.herald().health_addr));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.expect("page");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// Two weeks: daily feedback from five people per team (Support turns sour in week two),
/// the update acknowledged by five in Sales and two in Support, a readiness pulse with
/// Support's Desire barrier, a Sales champion.
pub(crate) async fn fortnight(app: &TestApp) {
    app.advance(3605);
    let mut said = 0;
    for day in 0..12usize {
        if day > 0 {
            app.advance(86_400);
        }
        if day == 7 {
            acknowledge(app, "sales", 1, 5).await;
            acknowledge(app, "support", 1, 2).await;
        }
        for team in ["sales", "support"] {
            for i in 1..=5 {
                let text = if team == "support" && day >= 7 {
                    BAD
                } else {
                    GOOD
                };
                app.post(
                    "/_sim/messages",
                    json!({ "member": format!("{team}-{i}"), "channel": "feedback", "content": text }),
                )
                .await;
                said += 1;
            }
        }
        if day == 3 {
            nominate(app, "sales-1").await;
        }
        if day == 8 {
            let started = start(app, "all", "36h").await;
            assert!(started.contains("Pulse #1"), "{started}");
            for (team, rows) in [("sales", &SALES), ("support", &SUPPORT)] {
                for (i, row) in rows.iter().enumerate() {
                    let done = answer(app, &format!("{team}-{}", i + 1), team, row, None).await;
                    assert!(done.starts_with("Thank you"), "{done}");
                }
            }
        }
        let target = said + if day >= 10 { 10 } else { 0 };
        wait_signals(app, target).await;
    }
}

#[tokio::test]
async fn a_lead_sees_every_team_a_manager_only_theirs_and_every_bad_link_gets_a_403() {
    within(200, async {
        let app = app_with_plan(true, DIGEST).await;
        fortnight(&app).await;

        let refused = app
            .command("sales-3", "sales", "dashboard", json!({}))
            .await;
        assert!(
            refused
                .content
                .contains("for change leads, sponsors and managers"),
            "{}",
            refused.content
        );
        assert!(
            !refused.content.contains("/dashboard/open"),
            "{}",
            refused.content
        );

        let (status, body) = page(&app, None).await;
        assert_eq!(status, 403, "no cookie: {body}");
        assert!(body.contains("Run /dashboard in Discord"), "{body}");
        assert!(
            !body.contains("Sales"),
            "no figure without a session: {body}"
        );

        let lead_link = link(&app, "Claire").await;
        let tampered = lead_link.replacen("t=v1.", "t=v2.", 1);
        let (status, body) = open(&tampered).await.expect_err("tampered");
        assert_eq!(status, 403);
        assert!(body.contains("not a valid dashboard link"), "{body}");

        let lead = open(&lead_link).await.expect("the lead's link opens");
        let (status, body) = open(&lead_link).await.expect_err("replayed");
        assert_eq!(status, 403);
        assert!(body.contains("used already"), "{body}");

        let (status, html) = page(&app, Some(&lead)).await;
        assert_eq!(status, 200, "{html}");
        for seen in [
            "Atlas — leadership view",
            "What changed since last week",
            "<th scope=\"row\">Sales</th>",
            "<th scope=\"row\">Support</th>",
            "barrier <strong>Desire</strong>",
            "Desire&nbsp;1.4, Knowledge&nbsp;4.2, Ability&nbsp;4.2",
            "Barrier: Sales at Knowledge, Support at Desire.",
            "Support moved most: sentiment +0.80 → +0.06 since last week.",
            "Sentiment alert open: Support.",
            "<span class=\"pos\">+0.06</span> <span class=\"alert\">Alert</span>",
            "71% <span class=\"muted\">(5 of 7, <code>weekly</code>)",
            "28% <span class=\"muted\">(2 of 7, <code>weekly</code>)",
            "aria-label=\"Sentiment of Support by week\"",
            "Week by week",
        ] {
            assert!(html.contains(seen), "{seen} on the lead's page:\n{html}");
        }
        assert_eq!(html.matches("<svg").count(), 2, "a chart per team");
        assert!(
            html.contains("Least acknowledged: <code>weekly</code> in Support, 2 of 7 (28 %)."),
            "{html}"
        );

        leadership_report(&app).await;

        let manager = open(&link(&app, "Sales lead").await)
            .await
            .expect("the manager's link");
        let (status, mine) = page(&app, Some(&manager)).await;
        assert_eq!(status, 200, "{mine}");
        assert!(mine.contains("<th scope=\"row\">Sales</th>"), "{mine}");
        assert!(
            !mine.contains("Support"),
            "a manager sees only their own teams:\n{mine}"
        );

        let signout = client()
            .post(format!(
                "http://{}/dashboard/logout",
                app.herald().health_addr
            ))
            .header("cookie", &lead)
            .send()
            .await
            .expect("logout");
        assert_eq!(signout.status().as_u16(), 200);
        let (status, body) = page(&app, Some(&lead)).await;
        assert_eq!(status, 403, "signed out: {body}");
        assert!(body.contains("session has ended"), "{body}");

        let late = link(&app, "Claire").await;
        app.advance(15 * 60 + 1);
        let (status, body) = open(&late).await.expect_err("expired");
        assert_eq!(status, 403);
        assert!(body.contains("expired"), "{body}");
        digest_arrives(&app).await;
        app.finish().await;
    })
    .await;
}

async fn dms(app: &TestApp, member: &str) -> Vec<serde_json::Value> {
    app.get(&format!("/_sim/dms/{member}"))
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until `member` has `n` direct messages holding `text`.
async fn digests(app: &TestApp, member: &str, n: usize) -> Vec<serde_json::Value> {
    for _ in 0..400 {
        let got: Vec<_> = dms(app, member)
            .await
            .into_iter()
            .filter(|m| {
                m["content"]
                    .as_str()
                    .unwrap_or("")
                    .contains("the week for leaders")
            })
            .collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!(
        "{member} has not had {n} digests: {:?}",
        dms(app, member).await
    );
}

/// Friday 13 March at 16:00 (the test ends that morning): the second digest reaches the
/// sponsor and the change lead, once each, with its lines, its PNG and a link that opens
/// the whole dashboard; the first went on Friday 6 March; a manager gets none.
async fn digest_arrives(app: &TestApp) {
    let week = digests(app, "Dana", 1).await;
    assert!(
        week[0]["content"]
            .as_str()
            .unwrap_or("")
            .contains("(6 Mar 2026)"),
        "{week:?}"
    );
    app.advance(6 * 3600);
    let got = digests(app, "Dana", 2).await;
    let text = got[1]["content"].as_str().unwrap_or("").to_string();
    println!("the digest Dana reads:\n{text}");
    for seen in [
        "**Atlas: the week for leaders** (13 Mar 2026)",
        "• 2 teams, sentiment shown for 2.",
        "• Support moved most: sentiment +0.80 → +0.06 since last week.",
        "• Barrier: Sales at Knowledge, Support at Desire.",
        "• Least acknowledged: `weekly` in Support, 2 of 7 (28 %).",
        "The link opens once, within 24 hours",
    ] {
        assert!(text.contains(seen), "{seen} in the digest:\n{text}");
    }
    assert_eq!(
        got[1]["attachments"][0]["filename"], "digest.png",
        "{got:?}"
    );
    assert!(got[1]["attachments"][0]["size"].as_u64().unwrap_or(0) > 1_000);
    let lead = digests(app, "Claire", 2).await;
    assert!(lead[1]["content"]
        .as_str()
        .unwrap_or("")
        .contains("(13 Mar 2026)"));
    assert!(
        !dms(app, "Sales lead").await.iter().any(|m| m["content"]
            .as_str()
            .unwrap_or("")
            .contains("the week for leaders")),
        "a manager is not a digest reader"
    );
    let url = text
        .split_whitespace()
        .find(|w| w.contains("/dashboard/open?t="))
        .expect("a link in the digest");
    let url = format!(
        "http://{}{}",
        app.herald().health_addr,
        &url[url.find("/dashboard").expect("path")..]
    );
    let session = open(&url).await.expect("the digest's link opens");
    let (status, html) = page(app, Some(&session)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<th scope=\"row\">Sales</th>")
            && html.contains("<th scope=\"row\">Support</th>"),
        "{html}"
    );
    app.advance(3600);
    assert_eq!(
        digests(app, "Dana", 2).await.len(),
        2,
        "one digest a week, exactly once"
    );
}

/// A report file needs nothing but itself: no script, no external stylesheet, image or font.
pub(crate) fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!doctype html>"), "{html}");
    for banned in [
        "<script", "src=", "<link", "url(", "@import", "http://", "https://",
    ] {
        assert!(
            !html.contains(banned),
            "{banned} in a self-contained file:\n{html}"
        );
    }
}

/// `/report leadership`: the lead's file is the dashboard of every team as of now, with no
/// sign-out and nothing outside it; a manager's holds their team only; a member gets none.
async fn leadership_report(app: &TestApp) {
    let report = |member: &'static str, channel: &'static str| async move {
        let id = app
            .post(
                "/_sim/interactions/command",
                json!({ "member": member, "channel": channel, "command": "report leadership", "options": {} }),
            )
            .await["interaction_id"]
            .as_str()
            .expect("id")
            .to_string();
        let (name, bytes) = crate::sentiment::attachment(app, &id).await;
        assert_eq!(name, "herald-leadership.html");
        String::from_utf8(bytes).expect("utf-8")
    };
    let lead = report("Claire", "change-team").await;
    let a = &app.herald().app;
    let guild = a.primary_guild().await.ok().flatten().expect("guild");
    let expected =
        herald::app::dashboard::report_html(a, guild, &herald::app::dashboard::board::Scope::All)
            .await
            .expect("report");
    assert_eq!(lead, expected, "the file is the dashboard as of now");
    assert_self_contained(&lead);
    assert!(
        lead.contains("<th scope=\"row\">Support</th>") && lead.contains("Support moved most"),
        "{lead}"
    );
    assert!(!lead.contains("Sign out"));
    let mine = report("Sales lead", "sales").await;
    assert!(mine.contains("<th scope=\"row\">Sales</th>"), "{mine}");
    assert!(
        !mine.contains("Support"),
        "a manager's file holds their team only:\n{mine}"
    );
    let refused = app
        .command("sales-3", "sales", "report leadership", json!({}))
        .await;
    assert!(
        refused
            .content
            .contains("for change leads, sponsors and managers"),
        "{}",
        refused.content
    );
    // /report is in everyone's picker; the export stays the change leads'.
    let export = app
        .command("Sales lead", "sales", "report export", json!({}))
        .await;
    assert!(
        export.content.contains("Only change leads can do this"),
        "{}",
        export.content
    );
}
