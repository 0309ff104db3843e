//! The leadership dashboard in a real headless Chromium, after the scripted fortnight of
//! `dashboard`: a change lead's link clicked from another site (as from Discord) and a
//! manager's link on a phone-sized screen. Asserts on what the reader sees (team names
//! and figures in the page's text, the manager's page without the other team, the SVG
//! charts, no console error) and on the 403 pages for no cookie, a tampered link and an
//! expired one. A screenshot of each page is kept under `target/tmp/screenshots/dashboard`.

use crate::browser::{output_dir, Browser};
use crate::dashboard::{fortnight, link};
use crate::helpers::within;
use crate::weekly_export::app_with_plan;

#[tokio::test]
async fn in_chromium_a_lead_sees_every_team_a_manager_only_theirs_and_bad_links_get_a_403() {
    within(240, async {
        let app = app_with_plan(true, "").await;
        fortnight(&app).await;
        let home = format!("http://{}/dashboard", app.herald().health_addr);
        let out = output_dir("dashboard");
        let mut browser = Browser::launch().await;

        let mut stranger = browser.tab(1280, 800, false).await;
        let seen = browser.goto(&mut stranger, &home).await;
        assert_eq!(stranger.status, Some(403), "no cookie: {seen:?}");
        assert!(seen.text.contains("Run /dashboard in Discord"), "{seen:?}");
        assert!(!seen.text.contains("Sales"), "no figure without a session");
        browser
            .screenshot(&stranger, &out.join("no-session.png"))
            .await;

        let mut lead = browser.tab(1280, 800, false).await;
        let seen = browser
            .follow_from_elsewhere(&mut lead, &link(&app, "Claire").await)
            .await;
        assert_eq!(lead.status, Some(200), "{seen:?}");
        assert_eq!(seen.url, home, "signed in, the browser is on the dashboard");
        assert_eq!(seen.row_headers, ["Sales", "Support"], "{}", seen.text);
        for said in [
            "Atlas — leadership view",
            "What changed since last week",
            "Support moved most: sentiment +0.80 → +0.06 since last week.",
            "Barrier: Sales at Knowledge, Support at Desire.",
            "Least acknowledged: weekly in Support, 2 of 7 (28 %).",
            "71% (5 of 7, weekly)",
            "28% (2 of 7, weekly)",
            "Week by week",
        ] {
            assert!(
                seen.text.contains(said),
                "{said} on the lead's page:\n{}",
                seen.text
            );
        }
        assert_eq!(seen.svgs, 2, "a sentiment chart per team");
        assert_eq!(lead.errors, Vec::<String>::new(), "no console error");
        browser
            .screenshot(&lead, &out.join("change-lead.png"))
            .await;

        let mut manager = browser.tab(390, 844, true).await;
        let seen = browser
            .goto(&mut manager, &link(&app, "Sales lead").await)
            .await;
        assert_eq!(manager.status, Some(200), "{seen:?}");
        assert_eq!(seen.row_headers, ["Sales"], "{}", seen.text);
        assert!(
            !seen.text.contains("Support"),
            "only their own team:\n{}",
            seen.text
        );
        assert_eq!(seen.svgs, 1);
        assert_eq!(manager.errors, Vec::<String>::new(), "no console error");
        browser
            .screenshot(&manager, &out.join("manager-phone.png"))
            .await;

        let mut other = browser.tab(1280, 800, false).await;
        let tampered = link(&app, "Claire").await.replacen(".all.", ".9.", 1);
        let seen = browser.goto(&mut other, &tampered).await;
        assert_eq!(other.status, Some(403), "{seen:?}");
        assert!(seen.text.contains("not a valid dashboard link"), "{seen:?}");
        browser.screenshot(&other, &out.join("tampered.png")).await;

        let late = link(&app, "Claire").await;
        app.advance(15 * 60 + 1);
        let seen = browser.goto(&mut other, &late).await;
        assert_eq!(other.status, Some(403), "{seen:?}");
        assert!(seen.text.contains("This link has expired"), "{seen:?}");
        browser.screenshot(&other, &out.join("expired.png")).await;
        println!("screenshots in {}", out.display());

        browser.close().await;
        app.finish().await;
    })
    .await;
}
