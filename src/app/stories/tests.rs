//! The story figures in words: what a team's channel may read, and the shipped stories
//! within Discord's limits.

use serde_json::Value;

use super::*;
use crate::domain::ids::MemberId;
use crate::plan::render::{empty_story, message_with};
use crate::store::champions::{Champion, Recognition, Win};

fn champion(member: u64, team: &str) -> Champion {
    Champion {
        member: MemberId(member),
        team: team.into(),
        nominated_by: MemberId(99),
        at_ms: 0,
    }
}

fn recognition(member: u64, team: &str, reason: &str) -> Recognition {
    Recognition {
        id: 0,
        giver: MemberId(99),
        member: MemberId(member),
        team: Some(team.into()),
        value: "Helped a colleague".into(),
        reason: reason.into(),
        at_ms: member as i64,
    }
}

fn win(title: &str, team: Option<&str>, description: &str) -> Win {
    Win {
        id: 0,
        title: title.into(),
        description: description.into(),
        team: team.map(str::to_string),
        recognition: None,
        added_by: MemberId(99),
        at_ms: 0,
    }
}

fn readiness(team: &str, means: [f64; 5], answered: usize) -> Readiness {
    Readiness {
        team: team.into(),
        means,
        answered,
    }
}

fn mood_of(team: &str, score: f64, answered: usize) -> Mood {
    Mood {
        team: team.into(),
        score,
        answered,
        barrier: None,
    }
}

/// Sales and Finance both with data of every kind.
fn two_teams() -> Figures {
    Figures {
        done: vec![(
            "Sales".into(),
            "You said the change did not feel like it was for you yet",
            "A sponsor listening session".into(),
            Some(20_517),
        )],
        adoption: Some((
            "Active in the new CRM".into(),
            vec![("Sales".into(), 43.0), ("Finance".into(), 14.0)],
        )),
        readiness: vec![
            readiness("Sales", [4.2, 2.5, 3.9, 3.8, 4.1], 8),
            readiness("Finance", [3.0, 4.5, 2.1, 4.0, 4.0], 7),
        ],
        acks: vec![("Finance".into(), 11, 20), ("Sales".into(), 15, 20)],
        champions: vec![
            champion(1, "Sales"),
            champion(2, "Sales"),
            champion(3, "Finance"),
        ],
        recognitions: vec![
            recognition(11, "Sales", "Showed Ben the renewal view"),
            recognition(33, "Finance", "Closed the books a day early"),
            recognition(11, "Sales", "Ran the lunch demo"),
        ],
        wins: vec![
            win("Quarter closed early", Some("Finance"), "From one ledger."),
            win("First renewal in Atlas", Some("Sales"), "From one record."),
            win("One record per customer", None, "Everyone sees the same."),
        ],
        moods: vec![mood_of("Sales", 0.45, 8), mood_of("Finance", -0.3, 7)],
    }
}

/// Every figure's text, one after the other.
fn all_text(story: &Value) -> String {
    story
        .as_object()
        .expect("an object")
        .values()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

fn jargon_free(text: &str) {
    for bad in [
        "(s)",
        "pulse #",
        "`",
        "+0.",
        "−0.",
        "−1 to +1",
        "main barrier",
    ] {
        assert!(!text.contains(bad), "`{bad}` in:\n{text}");
    }
}

#[test]
fn a_team_channel_reads_its_own_figures_in_words_and_never_another_teams() {
    let story = words(&two_teams(), &Readers::Team("Sales".into()), 5);
    let text = all_text(&story);
    jargon_free(&text);
    for other in [
        "Finance",
        "<@3>",
        "<@33>",
        "Quarter closed early",
        "books",
        "11 of 20",
    ] {
        assert!(!text.contains(other), "`{other}` in Sales's story:\n{text}");
    }
    assert!(!text.contains("mostly negative"), "Finance's mood:\n{text}");
    let expect = [
        ("readiness", "In Sales, readiness is lowest on Desire: wanting the change (8 of you answered)\nAcross the organisation, readiness is lowest on Knowledge: knowing how"),
        ("readiness_team", "In Sales, readiness is lowest on Desire: wanting the change (8 of you answered)"),
        ("ack_rate", "3 in 4 of you have acknowledged the latest update; across the organisation, about 2 in 3 of us have"),
        ("champions", "2 champions: <@1> and <@2>; 3 champions across the organisation"),
        ("champions_of_week", "<@11> (2 recognitions)"),
        ("recognitions", "<@11> for Helped a colleague: “Ran the lunch demo”\n<@11> for Helped a colleague: “Showed Ben the renewal view”"),
        ("wins", "**First renewal in Atlas** (Sales): From one record.\n**One record per customer**: Everyone sees the same."),
        ("sentiment", "mostly positive in Sales; mixed across the organisation"),
    ];
    for (key, want) in expect {
        assert_eq!(story[key], want, "{key}");
    }
}

#[test]
fn the_organisations_figures_are_left_out_when_the_rest_is_below_the_minimum_group() {
    // Finance's 7 answers are the organisation minus Sales: below a minimum of 10.
    let story = words(&two_teams(), &Readers::Team("Sales".into()), 10);
    assert_eq!(
        story["readiness"],
        "In Sales, readiness is lowest on Desire: wanting the change (8 of you answered)"
    );
    assert_eq!(story["sentiment"], "mostly positive in Sales");
    // The other teams' 20 members are a large enough group for the acknowledgements.
    assert!(story["ack_rate"]
        .as_str()
        .is_some_and(|a| a.ends_with("across the organisation, about 2 in 3 of us have")));
}

#[test]
fn a_team_without_data_of_its_own_reads_the_organisations_and_nothing_else() {
    let story = words(&two_teams(), &Readers::Team("Support".into()), 5);
    let text = all_text(&story);
    jargon_free(&text);
    for other in ["Sales", "Finance", "<@1>", "<@11>", "<@33>"] {
        assert!(
            !text.contains(other),
            "`{other}` in Support's story:\n{text}"
        );
    }
    assert_eq!(
        story["readiness"],
        "No readiness data yet for Support\nAcross the organisation, readiness is lowest on Knowledge: knowing how"
    );
    assert_eq!(story["readiness_team"], empty_story()["readiness_team"]);
    assert_eq!(
        story["ack_rate"],
        "across the organisation, about 2 in 3 of us have acknowledged the latest update"
    );
    assert_eq!(
        story["champions"],
        "no champion in Support yet; 3 champions across the organisation"
    );
    assert_eq!(story["champions_of_week"], "no recognitions this week");
    assert_eq!(
        story["wins"],
        "**One record per customer**: Everyone sees the same."
    );
    assert_eq!(story["sentiment"], "mixed across the organisation");
}

#[test]
fn the_change_team_reads_every_team_in_words() {
    let story = words(&two_teams(), &Readers::ChangeTeam, 5);
    jargon_free(&all_text(&story));
    assert_eq!(
        story["readiness"],
        "In Sales, readiness is lowest on Desire: wanting the change (8 answered)\nIn Finance, readiness is lowest on Knowledge: knowing how (7 answered)\nAcross the organisation, readiness is lowest on Knowledge: knowing how"
    );
    assert_eq!(
        story["ack_rate"],
        "11 of 20 in Finance and 15 of 20 in Sales have acknowledged the latest update; 26 of 40 across the organisation"
    );
    assert_eq!(
        story["champions"],
        "3 champions: 2 in Sales and 1 in Finance"
    );
    assert_eq!(
        story["champions_of_week"],
        "<@11> (Sales, 2 recognitions) and <@33> (Finance, 1 recognition)"
    );
    assert_eq!(
        story["sentiment"],
        "mostly positive in Sales and mostly negative in Finance; mixed across the organisation"
    );
}

#[test]
fn a_readiness_score_is_told_with_the_barrier_that_holds_it_back() {
    let mut f = two_teams();
    f.moods[1].barrier = Some(crate::domain::adkar::Element::Desire);
    let story = words(&f, &Readers::ChangeTeam, 5);
    assert_eq!(
        story["sentiment"],
        "mostly positive in Sales and mostly negative in Finance (lowest on Desire: wanting the change); mixed across the organisation"
    );
}

#[test]
fn moods_and_stages_read_as_words() {
    assert_eq!(mood(0.8), "very positive");
    assert_eq!(mood(0.0), "mixed");
    assert_eq!(mood(-0.2), "mostly negative");
    assert_eq!(mood(-1.0), "very negative");
    assert_eq!(
        stage(crate::domain::adkar::Element::Reinforcement),
        "Reinforcement: making it stick"
    );
    assert!(org_allowed(8, 15, 5) && !org_allowed(8, 12, 5) && !org_allowed(0, 0, 5));
}

const LONG: &str = "Team-01-with-a-long-name";

/// The longest figures `gather` can give: 30 teams with long names, 240 champions, long
/// recognitions and wins.
fn rich_figures() -> Figures {
    let name = |i: usize| format!("Team-{i:02}-with-a-long-name");
    Figures {
        done: (0..30)
            .map(|i| {
                (
                    name(i),
                    "We heard the last weeks had been hard",
                    "B".repeat(100),
                    Some(20_517),
                )
            })
            .collect(),
        adoption: Some(("A".repeat(100), (0..30).map(|i| (name(i), 43.0)).collect())),
        readiness: (0..30)
            .map(|i| readiness(&name(i), [4.1, 3.6, 3.9, 4.0, 3.9], 250))
            .collect(),
        acks: (0..30).map(|i| (name(i), 250, 250)).collect(),
        champions: (0..240)
            .map(|i| champion(100_000_000_000_000_000 + i, &name(i as usize % 30)))
            .chain((0..20).map(|i| champion(200_000_000_000_000_000 + i, LONG)))
            .collect(),
        recognitions: (0..10)
            .map(|i| recognition(100_000_000_000_000_000 + i, LONG, &"x".repeat(500)))
            .collect(),
        wins: (0..3)
            .map(|i| win(&"W".repeat(100), Some(&name(i)), &"y".repeat(1000)))
            .chain((0..3).map(|_| win(&"O".repeat(100), None, &"z".repeat(1000))))
            .collect(),
        moods: (0..30).map(|i| mood_of(&name(i), -0.45, 250)).collect(),
    }
}

#[test]
fn every_shipped_story_renders_within_discords_limits_with_no_data_and_with_rich_data() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("messages");
    let plan = crate::plan::load(&dir, &crate::plan::Known::default()).expect("shipped plan");
    let stories: Vec<&String> = plan.templates.map.keys().filter(|k| is_story(k)).collect();
    assert_eq!(
        stories.len(),
        5,
        "front lines, champion spotlight, first wins, urgency, what we did"
    );
    let at = chrono::Utc::now();
    let rich = rich_figures();
    let cases = [
        ("no data", empty_story()),
        (
            "rich data, change team",
            words(&rich, &Readers::ChangeTeam, 5),
        ),
        (
            "rich data, a team",
            words(&rich, &Readers::Team(LONG.into()), 5),
        ),
    ];
    for name in stories {
        let subject = Subject {
            template: name,
            id: name,
            phase: Some(7),
        };
        for (label, story) in &cases {
            let msg = message_with(&plan, &subject, LONG, at, story)
                .unwrap_or_else(|e| panic!("{name} with {label}: {e}"));
            let problems = crate::plan::render::limit_problems(&msg);
            assert!(problems.is_empty(), "{name} with {label}: {problems:?}");
            let body = msg
                .embeds
                .first()
                .and_then(|e| e.description.clone())
                .unwrap_or(msg.content.clone());
            for bad in ["None", "{{", "undefined", "(s)"] {
                assert!(
                    !body.contains(bad),
                    "{name} with {label} shows `{bad}`:\n{body}"
                );
            }
            if *label == "no data" {
                assert!(
                    body.contains("no ") && body.contains(" yet"),
                    "{name}: missing data in plain words:\n{body}"
                );
            }
        }
    }
}

#[test]
fn stories_are_templates_under_stories() {
    assert!(is_story("stories/front-lines.md"));
    assert!(!is_story("kickoff.md"));
}

#[test]
fn adoption_is_a_teams_own_share_and_every_shown_team_for_the_change_team() {
    let f = two_teams();
    let sales = words(&f, &Readers::Team("Sales".into()), 5);
    assert_eq!(
        sales["adoption"],
        "43 % of Sales in the latest week (Active in the new CRM)"
    );
    let lead = words(&f, &Readers::ChangeTeam, 5);
    assert_eq!(
        lead["adoption"],
        "Sales 43 % and Finance 14 % in the latest week (Active in the new CRM)"
    );
    let legal = words(&f, &Readers::Team("Legal".into()), 5);
    assert_eq!(
        legal["adoption"], "no adoption figures yet",
        "a team not shown gets none"
    );
    let none = words(&Figures::default(), &Readers::ChangeTeam, 5);
    assert_eq!(none["adoption"], "no adoption figures yet");
}

#[test]
fn you_said_we_did_is_a_teams_own_done_actions_in_words_never_a_quote() {
    let f = two_teams();
    let sales = words(&f, &Readers::Team("Sales".into()), 5);
    assert_eq!(
        sales["you_said_we_did"],
        "You said the change did not feel like it was for you yet; we did this: a sponsor listening session (Thu 5 Mar)."
    );
    let finance = words(&f, &Readers::Team("Finance".into()), 5);
    assert_eq!(
        finance["you_said_we_did"],
        "no action done yet: the change team is still working on what you told us"
    );
    let lead = words(&f, &Readers::ChangeTeam, 5);
    assert_eq!(
        lead["you_said_we_did"],
        "Sales: You said the change did not feel like it was for you yet; we did this: a sponsor listening session (Thu 5 Mar)."
    );
}
