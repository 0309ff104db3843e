//! ADKAR pulse results end to end: each team's figures (read in the change team's
//! channel) equal an independent computation from the scripted answers, each team's channel
//! reads its own results in words, and small teams are withheld.

use serde_json::json;

use crate::helpers::{within, TestApp};
use crate::pulse_flow::{answer, content, line, pulse_app, start};

const ELEMENTS: [&str; 5] = [
    "Awareness",
    "Desire",
    "Knowledge",
    "Ability",
    "Reinforcement",
];

/// A team's part of the change team's results: from its heading to the next one.
pub(crate) fn section<'a>(text: &'a str, team: &str) -> &'a str {
    let start = text
        .find(&format!("**{team}** —"))
        .unwrap_or_else(|| panic!("no section for {team} in:\n{text}"));
    let rest = &text[start..];
    let end = rest[2..].find("\n**").map_or(rest.len(), |i| i + 2);
    &rest[..end]
}

/// The ADKAR stage most members name as their barrier (the first value of 3 or less),
/// with what it means, as a team's channel says it.
pub(crate) fn expected_barrier(answers: &[[u8; 5]]) -> String {
    let mut barriers = [0usize; 5];
    for a in answers {
        if let Some(i) = a.iter().position(|v| *v <= 3) {
            barriers[i] += 1;
        }
    }
    let max = barriers.iter().max().copied().unwrap_or(0);
    let i = barriers.iter().position(|b| *b == max).unwrap_or(0);
    let meaning = [
        "knowing why",
        "wanting the change",
        "knowing how",
        "being able to do it",
        "making it stick",
    ];
    format!("{} ({})", ELEMENTS[i], meaning[i])
}

/// What the results must say for a team, computed here from the scripted answers.
pub(crate) fn expected_lines(answers: &[[u8; 5]]) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, e) in ELEMENTS.iter().enumerate() {
        let sum: u32 = answers.iter().map(|a| u32::from(a[i])).sum();
        let counts: Vec<String> = (1..=5)
            .map(|v| format!("{v}:{}", answers.iter().filter(|a| a[i] == v).count()))
            .collect();
        lines.push(format!(
            "{e}: mean {:.2} · {}",
            f64::from(sum) / answers.len() as f64,
            counts.join(" ")
        ));
    }
    let mut barriers = [0usize; 6];
    for a in answers {
        barriers[a.iter().position(|v| *v <= 3).unwrap_or(5)] += 1;
    }
    let parts: Vec<String> = ELEMENTS
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{e} {}", barriers[i]))
        .chain([format!("none {}", barriers[5])])
        .collect();
    lines.push(format!("Barrier points: {}", parts.join(" · ")));
    lines
}

const SALES: [[u8; 5]; 7] = [
    [5, 4, 4, 3, 4],
    [4, 2, 5, 5, 5],
    [5, 5, 5, 5, 5],
    [3, 3, 3, 3, 3],
    [4, 3, 4, 4, 2],
    [5, 4, 2, 4, 4],
    [4, 4, 4, 4, 4],
];
const SUPPORT: [[u8; 5]; 5] = [
    [2, 4, 4, 4, 4],
    [5, 5, 5, 5, 1],
    [4, 4, 4, 4, 4],
    [4, 1, 4, 4, 4],
    [5, 5, 3, 4, 4],
];
const FINANCE: [[u8; 5]; 3] = [[1, 1, 1, 1, 1], [5, 5, 5, 5, 5], [3, 4, 4, 4, 4]];

/// Sales 7 of 8, Support 5 of 6, Finance 3 of 3 answer an anonymous ADKAR pulse; it closes.
pub(crate) async fn adkar_scenario() -> TestApp {
    let app = pulse_app(&[("Sales", 8), ("Support", 6), ("Finance", 3)], "", &[]).await;
    let started = start(&app, "all", "48h").await;
    assert!(
        started.contains("Pulse #1") && started.contains("anonymous"),
        "{started}"
    );
    for (team, rows) in [
        ("sales", &SALES[..]),
        ("support", &SUPPORT[..]),
        ("finance", &FINANCE[..]),
    ] {
        for (i, a) in rows.iter().enumerate() {
            let comment = (team == "sales" && i < 2).then_some(if i == 0 {
                "The training was great and Atlas is really helpful"
            } else {
                "Atlas is slow and I hate the renewal screen"
            });
            let done = answer(&app, &format!("{team}-{}", i + 1), team, a, comment).await;
            assert!(
                done.starts_with("Thank you — your answers are in."),
                "{done}"
            );
        }
    }
    app.advance(48 * 3600 + 1);
    for team in ["sales", "support", "finance"] {
        app.wait_for_messages(team, 2).await;
    }
    app.wait_for_messages("change-team", 1).await;
    app
}

#[tokio::test]
async fn adkar_results_per_team_equal_an_independent_computation_and_small_teams_are_withheld() {
    within(120, async {
        let app = adkar_scenario().await;
        let change: String = app
            .messages("change-team")
            .await
            .iter()
            .map(content)
            .collect();
        let sales = section(&change, "Sales");
        assert!(
            sales.contains("**Sales** — 7 of 8 answered (88 %, healthy)"),
            "{sales}"
        );
        for expected in expected_lines(&SALES) {
            assert_eq!(
                line(sales, &expected[..expected.find(':').unwrap_or(5)]),
                expected
            );
        }
        let support = section(&change, "Support");
        assert!(
            support.contains("**Support** — 5 of 6 answered (83 %, healthy)"),
            "{support}"
        );
        for expected in expected_lines(&SUPPORT) {
            assert!(
                support.contains(&expected),
                "missing `{expected}` in:\n{support}"
            );
        }
        // Each team's channel reads its own results in words, with its own comments.
        let sales = content(&app.messages("sales").await[1]);
        assert!(
            sales.starts_with("**What you told us: Atlas readiness check**\n7 of 8 people answered. Thank you.\n\n"),
            "{sales}"
        );
        assert!(
            sales.contains(&format!(
                "Readiness is lowest on {}: that is where we will help first.",
                expected_barrier(&SALES)
            )),
            "{sales}"
        );
        assert!(
            sales.contains("> The training was great and Atlas is really helpful — _positive_"),
            "{sales}"
        );
        assert!(
            sales.contains("> Atlas is slow and I hate the renewal screen — _negative_"),
            "{sales}"
        );
        for raw in ["mean", "pulse #", "Barrier points", "Support", "Finance", " %"] {
            assert!(!sales.contains(raw), "`{raw}` in a team channel: {sales}");
        }
        let support = content(&app.messages("support").await[1]);
        assert!(
            support.contains(&format!("Readiness is lowest on {}", expected_barrier(&SUPPORT))),
            "{support}"
        );
        let finance = content(&app.messages("finance").await[1]);
        assert!(
            finance.contains("3 of 3 people answered. That is fewer than 5, so to keep every answer anonymous there are no results for Finance this time."),
            "{finance}"
        );
        assert!(
            !finance.contains("mean") && !finance.contains("lowest"),
            "no figure of a small team: {finance}"
        );
        assert!(
            change.contains("Answered: 15 of 17 (88 %, healthy)"),
            "{change}"
        );
        assert!(
            change.contains("**Finance** — 3 of 3 answered") && change.contains("Results withheld"),
            "{change}"
        );
        assert!(
            change.contains("No all-teams figure"),
            "everyone minus Sales and Support would be Finance: {change}"
        );
        assert!(
            !change.contains("Other teams combined"),
            "three answers are too few to merge: {change}"
        );
        let mut pulse_msg = String::new();
        for _ in 0..500 {
            pulse_msg = content(&app.messages("sales").await[0]);
            if pulse_msg.contains("closed") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(
            pulse_msg.contains("— closed. Thank you"),
            "the pulse message says it closed: {pulse_msg}"
        );
        assert_eq!(
            app.messages("sales").await[0]["components"],
            json!([]),
            "no Answer button after close"
        );
        // The closed pulse fed the sentiment record: shown teams only, once per pulse.
        let a = &app.herald().app;
        let guild = a.primary_guild().await.ok().flatten().expect("guild");
        let record = a.store.cells(guild, None, 0).await.expect("cells");
        let count = |team: &str, source| -> u64 {
            record
                .team_days(team, Some(source))
                .iter()
                .map(|(_, c)| c.n)
                .sum()
        };
        use herald::domain::record::Source;
        assert_eq!(
            (
                count("Sales", Source::Pulse),
                count("Sales", Source::Comment)
            ),
            (7, 2)
        );
        assert_eq!(count("Support", Source::Pulse), 5);
        assert_eq!(
            count("Finance", Source::Pulse),
            0,
            "a withheld team feeds nothing"
        );
        let people = herald::app::sentiment::people::team_people(a, guild, "Sales", 0)
            .await
            .expect("count");
        assert_eq!(
            (people.n, people.exact),
            (7, true),
            "a comment counts as its ballot's person, and one pulse is an exact count"
        );
        let readiness = app
            .command("Claire", "change-team", "readiness", json!({}))
            .await
            .content;
        assert!(
            readiness.contains("**Sales** (pulse #1, 7 answered)"),
            "{readiness}"
        );
        assert!(
            readiness.contains("**Finance**: withheld — fewer than 5 answered pulse #1, so its figures stay hidden"),
            "a withheld team is named as withheld, with no figure: {readiness}"
        );
        assert!(
            !readiness.contains("Trend of the mean"),
            "one pulse is no trend: {readiness}"
        );
        assert!(readiness.contains(" calls for: "), "{readiness}");
        app.finish().await;
    })
    .await;
}
