//! The private answer flow. Pressing "Answer" opens an ephemeral message showing one
//! question at a time; every button carries the answers so far in its `custom_id`
//! (`pulse:<id>:<flow>:<op>:<pos>:<answers>`, an [`Action::Pulse`]; the grammar is in
//! `app::action`), so nothing about the person is stored
//! until they press Submit. `flow` is a random token per opening: a second Submit of the
//! same flow (a double click, a replay) changes nothing.
//!
//! Discord's limits hold for every set Herald accepts (at most 20 questions, 25 options):
//! at most five rows (answers in rows of five, or one select, plus navigation), and a
//! `custom_id` under 100 characters.

use rand::Rng;

use super::{load, Pulse};
use crate::app::access::Actor;
use crate::app::action::{Action, FlowOp, FlowStep, FLOW_LEN};
use crate::app::App;
use crate::chat::{Choice, Row, Screen};
use crate::domain::poll::{encode, Question, QuestionKind};
use crate::error::{AppError, AppResult};
use crate::store::pulses::{Ballot, Submitted};

/// Longest comment kept.
pub const COMMENT_MAX: usize = 500;

/// What to show after a click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A new private message (the flow's first screen).
    Open(Screen),
    /// Replace the flow's message.
    Update(Screen),
    /// Ask for a comment in a modal (`action` is its custom_id).
    Comment { action: Action, title: String },
}

/// A flow step as it is carried by the buttons.
type State = FlowStep;

/// The custom_id of the button that moves `s` on to `op` at `pos` with `answers`.
fn id(s: &State, op: FlowOp, pos: usize, answers: &[u8]) -> String {
    Action::Pulse(s.with(op, pos, answers)).to_string()
}

fn not_ours() -> AppError {
    AppError::user("This button is not one Herald made.")
}

/// The state's answers fit the set, position included.
fn fits(pulse: &Pulse, s: &State) -> bool {
    let qs = &pulse.set.questions;
    s.answers.len() <= qs.len()
        && s.pos <= qs.len()
        && s.answers
            .iter()
            .zip(qs)
            .all(|(a, q)| q.values().contains(a))
}

/// The first team of the pulse the member belongs to, by role.
async fn team_of(app: &App, pulse: &Pulse, actor: &Actor) -> AppResult<String> {
    let teams = app.store.pulse_teams(pulse.id()).await?;
    teams
        .iter()
        .find(|t| actor.roles.iter().any(|(r, _)| *r == t.role))
        .map(|t| t.name.clone())
        .ok_or_else(|| {
            let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
            AppError::user(format!(
                "This pulse is for {}. You are not in those teams, so there is nothing for you to answer here — thank you for looking.",
                names.join(", ")
            ))
        })
}

fn closed() -> AppError {
    AppError::user(
        "This pulse has closed, so answers are no longer taken. Its results are in your team's channel.",
    )
}

/// A click on a flow button (`values` holds a select's choice).
pub async fn click(
    app: &App,
    actor: &Actor,
    step: &FlowStep,
    values: &[String],
) -> AppResult<Step> {
    let mut s = step.clone();
    let pulse = load(app, s.pulse).await?;
    if !fits(&pulse, &s) {
        return Err(not_ours());
    }
    if !pulse.is_open(app.now_ms()) {
        return Err(closed());
    }
    match s.op {
        FlowOp::Question | FlowOp::Answer => Ok(Step::Update(screen(&pulse, &s))),
        FlowOp::Value => {
            let v: u8 = values
                .first()
                .and_then(|v| v.parse().ok())
                .ok_or_else(not_ours)?;
            let q = pulse.set.questions.get(s.pos).ok_or_else(not_ours)?;
            if !q.values().contains(&v) {
                return Err(not_ours());
            }
            set_answer(&mut s.answers, s.pos, v);
            s.pos += 1;
            Ok(Step::Update(screen(&pulse, &s)))
        }
        FlowOp::Comment if pulse.set.comment => Ok(Step::Comment {
            action: Action::Pulse(s.with(FlowOp::Modal, s.pos, &s.answers)),
            title: "A comment (optional)".into(),
        }),
        FlowOp::Submit => submit(app, actor, &pulse, &s, None)
            .await
            .map(|text| Step::Update(Screen { text, rows: vec![] })),
        _ => Err(not_ours()),
    }
}

/// The comment modal was sent: submit with the comment.
pub async fn comment(app: &App, actor: &Actor, step: &FlowStep, text: &str) -> AppResult<String> {
    if step.op != FlowOp::Modal {
        return Err(not_ours());
    }
    let s = step;
    let pulse = load(app, s.pulse).await?;
    if !fits(&pulse, s) {
        return Err(not_ours());
    }
    let text: String = text.trim().chars().take(COMMENT_MAX).collect();
    submit(app, actor, &pulse, s, (!text.is_empty()).then_some(text)).await
}

fn set_answer(answers: &mut Vec<u8>, pos: usize, v: u8) {
    if pos < answers.len() {
        answers[pos] = v;
    } else {
        answers.push(v);
    }
}

/// "Answer" on a pulse message: the flow's first screen, privately.
pub async fn open(app: &App, actor: &Actor, id: i64) -> AppResult<Step> {
    let pulse = load(app, id).await?;
    if !pulse.is_open(app.now_ms()) {
        return Err(closed());
    }
    team_of(app, &pulse, actor).await?;
    let flow: String = {
        let mut rng = rand::thread_rng();
        (0..FLOW_LEN)
            .map(|_| char::from(b"0123456789abcdefghijklmnopqrstuvwxyz"[rng.gen_range(0..36)]))
            .collect()
    };
    let voted = app
        .store
        .voters(id)
        .await?
        .binary_search(&app.key.voter(id, actor.member))
        .is_ok();
    let s = State {
        pulse: id,
        flow,
        op: FlowOp::Question,
        pos: 0,
        answers: vec![],
    };
    let mut first = screen(&pulse, &s);
    if voted {
        first.text = format!(
            "You have answered this pulse already; submitting again replaces your earlier answers.\n\n{}",
            first.text
        );
    }
    Ok(Step::Open(first))
}

/// The question at `s.pos`, or the summary when every question is answered.
fn screen(pulse: &Pulse, s: &State) -> Screen {
    let qs = &pulse.set.questions;
    match qs.get(s.pos) {
        Some(q) if s.pos <= s.answers.len() => question_screen(pulse, s, q),
        _ if s.answers.len() == qs.len() => summary_screen(pulse, s),
        // A position past the answers: show the first unanswered question.
        _ => question_screen(
            pulse,
            &State {
                pos: s.answers.len(),
                ..s.clone()
            },
            &qs[s.answers.len()],
        ),
    }
}

fn hint(q: &Question) -> &'static str {
    match q.kind {
        QuestionKind::Likert => "1 = strongly disagree · 5 = strongly agree",
        QuestionKind::Nps => "0 = not at all likely · 10 = extremely likely",
        QuestionKind::Choice(_) => "Pick one.",
        QuestionKind::YesNo => "",
    }
}

fn question_screen(pulse: &Pulse, s: &State, q: &Question) -> Screen {
    let n = pulse.set.questions.len();
    let current = s.answers.get(s.pos).copied();
    let element = q
        .element
        .map(|e| format!(" · {}", e.name()))
        .unwrap_or_default();
    let text = format!(
        "**{}** — question {} of {n}{element}\n> {}\n{}",
        pulse.row.title,
        s.pos + 1,
        q.text,
        hint(q)
    );
    let mut rows = Vec::new();
    if let QuestionKind::Choice(options) = &q.kind {
        rows.push(Row::Select {
            custom_id: id(s, FlowOp::Value, s.pos, &s.answers),
            placeholder: current
                .map(|c| q.label(c))
                .unwrap_or_else(|| "Choose an answer".into()),
            options: options
                .iter()
                .enumerate()
                .map(|(i, o)| (o.chars().take(100).collect(), i.to_string()))
                .collect(),
        });
    } else {
        let buttons: Vec<Choice> = q
            .values()
            .into_iter()
            .map(|v| {
                let mut answers = s.answers.clone();
                set_answer(&mut answers, s.pos, v);
                Choice {
                    custom_id: id(s, FlowOp::Answer, s.pos + 1, &answers),
                    label: q.label(v),
                    selected: current == Some(v),
                    disabled: false,
                }
            })
            .collect();
        rows.extend(buttons.chunks(5).map(|c| Row::Buttons(c.to_vec())));
    }
    rows.push(Row::Buttons(vec![
        Choice {
            custom_id: id(s, FlowOp::Question, s.pos.saturating_sub(1), &s.answers),
            label: "Back".into(),
            selected: false,
            disabled: s.pos == 0,
        },
        Choice {
            custom_id: id(s, FlowOp::Question, s.pos + 1, &s.answers),
            label: "Next".into(),
            selected: false,
            disabled: current.is_none(),
        },
    ]));
    Screen { text, rows }
}

fn summary_screen(pulse: &Pulse, s: &State) -> Screen {
    let mut text = format!("**{}** — your answers\n", pulse.row.title);
    for (i, (q, a)) in pulse.set.questions.iter().zip(&s.answers).enumerate() {
        let short: String = q.text.chars().take(80).collect();
        text.push_str(&format!("{}. {short} → **{}**\n", i + 1, q.label(*a)));
    }
    text.push_str(if pulse.row.anonymous {
        "\nAnonymous: your answers are stored without your name; results show only groups of at least the minimum size, after the pulse closes."
    } else {
        "\nThis pulse is **not** anonymous: change leads can see your answers."
    });
    text.push_str("\nNothing is saved until you press **Submit**.");
    let n = pulse.set.questions.len();
    let mut buttons = vec![Choice {
        custom_id: id(s, FlowOp::Question, n - 1, &s.answers),
        label: "Back".into(),
        selected: false,
        disabled: false,
    }];
    if pulse.set.comment {
        buttons.push(Choice {
            custom_id: id(s, FlowOp::Comment, n, &s.answers),
            label: "Add a comment and submit".into(),
            selected: false,
            disabled: false,
        });
    }
    buttons.push(Choice {
        custom_id: id(s, FlowOp::Submit, n, &s.answers),
        label: "Submit".into(),
        selected: true,
        disabled: false,
    });
    Screen {
        text,
        rows: vec![Row::Buttons(buttons)],
    }
}

async fn submit(
    app: &App,
    actor: &Actor,
    pulse: &Pulse,
    s: &State,
    comment: Option<String>,
) -> AppResult<String> {
    if !pulse.set.valid(&s.answers) {
        return Err(AppError::user(
            "Please answer every question before submitting.",
        ));
    }
    let team = team_of(app, pulse, actor).await?;
    let now = app.shared_now();
    let ballot = Ballot {
        ballot_key: app.key.ballot(pulse.id(), actor.member),
        team,
        day: now.format("%Y-%m-%d").to_string(),
        answers: encode(&s.answers),
        comment,
        member: (!pulse.row.anonymous).then_some(actor.member),
    };
    let voter = app.key.voter(pulse.id(), actor.member);
    let done = app
        .store
        .submit(pulse.id(), &ballot, &s.flow, &voter, now.timestamp_millis())
        .await?;
    let after = format!(
        "Results come to your team's channel after the pulse closes <t:{}:R>.",
        pulse.row.closes_at_ms / 1000
    );
    match done {
        Submitted::Saved => Ok(format!("Thank you — your answers are in. {after}")),
        Submitted::Replaced => Ok(format!(
            "Thank you — your new answers replace your earlier ones. {after}"
        )),
        Submitted::Replay => Ok("These answers were submitted already; nothing changed. To change your answers, press **Answer** on the pulse message again.".into()),
        Submitted::Closed => Err(closed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::poll::{QuestionSet, SetKind};
    use crate::store::pulses::PulseRow;

    fn pulse(kinds: Vec<QuestionKind>) -> Pulse {
        let questions = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Question {
                id: format!("q{i}"),
                text: format!("Statement {i}"),
                kind,
                element: None,
            })
            .collect();
        Pulse {
            row: PulseRow {
                id: 4_000_000_000,
                guild: crate::domain::ids::GuildId(1),
                source: "manual".into(),
                set_id: "s".into(),
                title: "T".into(),
                questions: String::new(),
                anonymous: true,
                opened_at_ms: 0,
                closes_at_ms: 1,
                closed_at_ms: None,
                reminders: vec![],
            },
            set: QuestionSet {
                id: "s".into(),
                name: "T".into(),
                kind: SetKind::Custom,
                comment: true,
                questions,
            },
        }
    }

    fn start() -> State {
        State {
            pulse: 4_000_000_000,
            flow: "abcdefgh".into(),
            op: FlowOp::Question,
            pos: 0,
            answers: vec![],
        }
    }

    fn ids(screen: &Screen) -> Vec<String> {
        screen
            .rows
            .iter()
            .flat_map(|r| match r {
                Row::Buttons(b) => b.iter().map(|c| c.custom_id.clone()).collect(),
                Row::Select { custom_id, .. } => vec![custom_id.clone()],
            })
            .collect()
    }

    /// A flow step from a custom_id, as the Discord edge hands it over.
    fn parse(custom_id: &str) -> Option<State> {
        match custom_id.parse() {
            Ok(Action::Pulse(s)) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn every_screen_of_the_largest_set_fits_discords_limits() {
        let p = pulse(vec![QuestionKind::Nps; 20]);
        let mut s = start();
        for pos in 0..=20 {
            s.pos = pos;
            let screen = screen(&p, &s);
            assert!(screen.rows.len() <= 5, "at most five rows");
            for row in &screen.rows {
                if let Row::Buttons(b) = row {
                    assert!(b.len() <= 5, "at most five buttons a row");
                }
            }
            let ids = ids(&screen);
            assert!(ids.iter().all(|i| i.len() <= 100), "{ids:?}");
            let unique: std::collections::HashSet<_> = ids.iter().collect();
            assert_eq!(
                unique.len(),
                ids.len(),
                "custom_ids are unique in a message"
            );
            s.answers.push(10);
        }
    }

    #[test]
    fn answering_moves_on_and_back_keeps_the_answers() {
        let p = pulse(vec![QuestionKind::Likert, QuestionKind::YesNo]);
        let first = screen(&p, &start());
        assert!(first.text.contains("question 1 of 2"), "{}", first.text);
        let four = ids(&first)
            .into_iter()
            .find(|i| parse(i).is_some_and(|s| s.op == FlowOp::Answer && s.answers == [4]))
            .expect("a button for 4");
        let s = parse(&four).expect("ours");
        assert_eq!((s.pos, s.answers.clone()), (1, vec![4]));
        let second = screen(&p, &s);
        assert!(second.text.contains("question 2 of 2"));
        let back = parse(&ids(&second)[2]).expect("back");
        assert_eq!(
            (back.pos, back.answers),
            (0, vec![4]),
            "back keeps the answer"
        );
        let yes = parse(&ids(&second)[1]).expect("yes");
        let summary = screen(&p, &yes);
        assert!(
            summary.text.contains("→ **4**") && summary.text.contains("→ **Yes**"),
            "{}",
            summary.text
        );
    }

    #[test]
    fn a_choice_question_uses_one_select_with_every_option() {
        let options: Vec<String> = (0..25).map(|i| format!("Option {i}")).collect();
        let p = pulse(vec![QuestionKind::Choice(options)]);
        let first = screen(&p, &start());
        match &first.rows[0] {
            Row::Select { options, .. } => assert_eq!(options.len(), 25),
            other => panic!("expected a select, got {other:?}"),
        }
    }

    #[test]
    fn forged_buttons_do_not_parse_or_do_not_fit() {
        let p = pulse(vec![QuestionKind::Likert]);
        assert_eq!(parse("pulse:1:abcdefgh:q:0:!!"), None);
        assert_eq!(parse("pulse:1:x:s:1:3"), None, "a flow Herald never makes");
        assert_eq!(parse("pulse:1:ABCDEFG%:s:1:3"), None);
        let s = parse("pulse:1:abcdefgh:s:1:9").expect("parses");
        assert!(!fits(&p, &s), "9 is not a Likert answer");
        let s = parse("pulse:1:abcdefgh:s:1:33").expect("parses");
        assert!(!fits(&p, &s), "too many answers");
    }
}
