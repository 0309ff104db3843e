//! The results' rules on fixed groups: sections, withheld teams, merged small teams,
//! comments in keyed order, barriers and trends.

use super::*;
use crate::domain::adkar::Element;
use crate::domain::ids::GuildId;
use crate::domain::poll::Question;
use crate::store::pulses::PulseRow;

fn adkar_pulse() -> Pulse {
    let questions = ELEMENTS
        .iter()
        .map(|e| Question {
            id: e.name().to_lowercase(),
            text: format!("{} statement", e.name()),
            kind: QuestionKind::Likert,
            element: Some(*e),
        })
        .collect();
    Pulse {
        row: PulseRow {
            id: 2,
            guild: GuildId(1),
            source: "manual".into(),
            set_id: "adkar".into(),
            title: "Readiness".into(),
            questions: String::new(),
            anonymous: true,
            opened_at_ms: 0,
            closes_at_ms: 1,
            closed_at_ms: Some(1),
            reminders: vec![],
        },
        set: QuestionSet {
            id: "adkar".into(),
            name: "Readiness".into(),
            kind: SetKind::Adkar,
            comment: true,
            questions,
        },
    }
}

pub(in crate::app::pulse) fn group(name: &str, answers: &[[u8; 5]]) -> Group {
    Group {
        name: name.into(),
        invited: 10,
        answers: answers.iter().map(|a| a.to_vec()).collect(),
        comments: vec![format!("{name} comment")],
        comment_keys: vec![format!("{name} key")],
        keys: vec![],
        people: vec![],
    }
}

pub(in crate::app::pulse) fn results(
    teams: Vec<Group>,
    previous: Option<(i64, Vec<Group>)>,
) -> Results {
    let counts: Vec<(String, usize)> = teams
        .iter()
        .map(|g| (g.name.clone(), g.answers.len()))
        .collect();
    Results {
        pulse: adkar_pulse(),
        visible: visibility(&counts, 3),
        teams,
        min: 3,
        previous,
        names: Vec::new(),
    }
}

#[test]
fn small_teams_are_merged_when_the_merged_group_is_large_enough() {
    let r = results(
        vec![
            group("A", &[[5; 5], [4; 5], [3; 5]]),
            group("B", &[[2; 5], [2; 5]]),
            group("C", &[[1; 5], [5; 5]]),
        ],
        None,
    );
    let text = r.for_change_team();
    assert!(
        text.contains("**B** — 2 of 10 answered") && text.contains("Results withheld"),
        "{text}"
    );
    assert!(
        text.contains("**Other teams combined** — 4 of 20 answered"),
        "{text}"
    );
    assert!(
        text.contains("Awareness: mean 2.50 · 1:1 2:2 3:0 4:0 5:1"),
        "B and C merged: {text}"
    );
    assert!(text.contains("**All teams** — 7 of 30 answered"), "{text}");
    assert!(
        !r.for_team("B").contains("mean"),
        "a withheld team's channel gets no figure"
    );
    assert!(!r.for_team("B").contains("B comment"), "nor its comments");
}

#[test]
fn a_withheld_team_s_comments_are_counted_never_quoted_even_merged() {
    let mut finance = group("Finance", &[[2; 5], [2; 5]]);
    finance.comments = vec!["The invoices screen is a mess".into()];
    let r = results(
        vec![
            group("A", &[[5; 5], [4; 5], [3; 5]]),
            finance,
            group("C", &[[1; 5], [5; 5]]),
        ],
        None,
    );
    let text = r.for_change_team();
    assert!(
        text.contains("**Other teams combined** — 4 of 20 answered"),
        "{text}"
    );
    assert!(
        !text.contains("invoices"),
        "a withheld team's words: {text}"
    );
    assert!(!text.contains("C comment"), "{text}");
    assert!(
        text.contains("2 comments from these teams (0 positive, 1 negative, 1 neutral) not quoted"),
        "{text}"
    );
    assert!(
        text.contains("> A comment"),
        "a shown team's comment is quoted: {text}"
    );
}

#[test]
fn comments_keep_one_random_order_on_every_render() {
    let mut a = group("A", &[[5; 5], [4; 5], [3; 5]]);
    a.comments = vec!["first".into(), "second".into(), "third".into()];
    a.comment_keys = vec!["k9".into(), "k1".into(), "k5".into()];
    let r = results(vec![a], None);
    let text = r.for_team("A");
    let at = |w: &str| text.find(&format!("> {w}")).expect(w);
    assert!(
        at("second") < at("third") && at("third") < at("first"),
        "{text}"
    );
    assert_eq!(r.for_team("A"), text, "a retry posts the same order");
}

#[test]
fn the_change_since_the_previous_pulse_is_shown_only_where_both_were_shown() {
    let before = vec![group("A", &[[3; 5], [3; 5], [3; 5]]), group("B", &[[1; 5]])];
    let r = results(
        vec![
            group("A", &[[4; 5], [4; 5], [5; 5]]),
            group("B", &[[5; 5], [5; 5], [5; 5]]),
        ],
        Some((1, before)),
    );
    let a = r.for_team("A");
    assert!(
        a.contains("Since pulse #1: Awareness +1.33 · Desire +1.33"),
        "{a}"
    );
    assert!(
        !r.for_team("B").contains("Since pulse"),
        "B was withheld last time: no change figure"
    );
    assert_eq!(adkar_of(&r.teams[0].answers).team_barrier(), None);
    assert_eq!(
        adkar_of(&[vec![4, 2, 4, 4, 4]]).team_barrier(),
        Some(Element::Desire)
    );
}

#[test]
fn response_rates_say_whether_they_are_healthy() {
    assert_eq!(pct(7, 8), "88 %, healthy");
    assert_eq!(pct(3, 5), "60 %, fair");
    assert_eq!(pct(2, 5), "40 %, low: below 50 % needs action");
}
