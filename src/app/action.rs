//! The button protocol: every `custom_id` Herald puts on a button, select or modal is an
//! [`Action`], written with `Display` and read back with `FromStr`; no other code builds
//! or takes apart a custom_id. Each action also knows its [`Home`]: whether it belongs on
//! a message everyone sees or on one person's private screen, so a click whose button
//! does not fit the clicked message is refused before anything runs.
//!
//! The grammar (every part is ASCII; Discord allows 100 characters, and the largest
//! values Herald makes stay far below that):
//!
//! | action | custom_id |
//! |---|---|
//! | "Got it" on a plan send | `ack:<outbox row>` |
//! | "Answer" on a pulse message | `pulse:<pulse>:open` |
//! | a step of the private answer flow | `pulse:<pulse>:<flow>:<op>:<pos>:<answers>` |
//! | "Post it" on a story preview | `story:post:<draft>` |
//! | "Post it" on a preview made before story drafts | `story:post:<template>:<team or *>` |
//! | "Cancel" on a story preview | `story:cancel:<draft>` (`story:cancel` before drafts) |
//! | the announcement modal | `announce:modal:<draft>` |
//! | Confirm / Cancel under an announcement preview | `announce:confirm:<draft>`, `announce:cancel:<draft>` |
//! | Schedule it / Dismiss under a proposed action | `loop:schedule:<action>`, `loop:dismiss:<action>` |
//! | their modals (owner and date; the reason) | `loop:when:<action>`, `loop:why:<action>` |
//! | "Choose another" (a select of the trigger's other plays) | `loop:choose:<action>` |
//! | "Answer once" under a reply to a pulse comment, and its modal | `reply:answer:<reply>`, `reply:write:<reply>` |
//!
//! In the flow, `flow` is 8 characters `[0-9a-z]` (a random token per opening), `op` one
//! of `q a v c s m` ([`FlowOp`]), `pos` a question index and `answers` one base-36 digit
//! per answer (`domain::poll::encode`). A draft is 1–32 characters `[0-9A-Za-z]`.
//! Every form Herald has ever posted still parses, so buttons already on Discord keep
//! working (or, for the pre-draft story preview, say why they no longer post).

use std::fmt;
use std::str::FromStr;

use crate::domain::poll::{decode, encode};

/// Length of a pulse flow token (`[0-9a-z]`).
pub const FLOW_LEN: usize = 8;

/// The longest draft token accepted.
pub const DRAFT_MAX: usize = 32;

/// Discord's limit on a custom_id.
pub const CUSTOM_ID_MAX: usize = 100;

/// Where an action belongs: on a message everyone sees, or on one person's private
/// (ephemeral) screen. Only private screens are ever updated in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Public,
    Private,
}

/// What a button in the pulse answer flow does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowOp {
    /// Show the question at `pos` (Back, Next).
    Question,
    /// An answer button: the answers already include it; show `pos`.
    Answer,
    /// The select of a choice question: its value arrives with the click.
    Value,
    /// "Add a comment and submit": open the comment modal.
    Comment,
    /// "Submit".
    Submit,
    /// The comment modal itself.
    Modal,
}

impl FlowOp {
    const ALL: [FlowOp; 6] = [
        FlowOp::Question,
        FlowOp::Answer,
        FlowOp::Value,
        FlowOp::Comment,
        FlowOp::Submit,
        FlowOp::Modal,
    ];

    fn letter(self) -> char {
        match self {
            FlowOp::Question => 'q',
            FlowOp::Answer => 'a',
            FlowOp::Value => 'v',
            FlowOp::Comment => 'c',
            FlowOp::Submit => 's',
            FlowOp::Modal => 'm',
        }
    }
}

/// One step of a pulse's private answer flow, carrying the answers so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStep {
    pub pulse: i64,
    /// [`FLOW_LEN`] characters `[0-9a-z]`.
    pub flow: String,
    pub op: FlowOp,
    pub pos: usize,
    /// One value per answered question, each below 36.
    pub answers: Vec<u8>,
}

impl FlowStep {
    /// The same flow with another operation, position and answers.
    pub fn with(&self, op: FlowOp, pos: usize, answers: &[u8]) -> FlowStep {
        FlowStep {
            op,
            pos,
            answers: answers.to_vec(),
            ..self.clone()
        }
    }
}

/// Every custom_id Herald makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// "Got it" under an acknowledged send; the row counted is the original send's.
    Ack { row: i64 },
    /// "Answer" on a pulse message.
    PulseOpen { pulse: i64 },
    /// A button, select or modal of the private answer flow.
    Pulse(FlowStep),
    /// "Post it" on a story preview.
    StoryPost { draft: String },
    /// "Post it" on a preview shown before story drafts existed (no draft to claim).
    StoryPostLegacy { template: String, team: String },
    /// "Cancel" on a story preview (`None` on previews from before drafts).
    StoryCancel { draft: Option<String> },
    /// The modal an announcement is written in.
    AnnounceModal { draft: String },
    /// "Confirm and send" under an announcement preview.
    AnnounceConfirm { draft: String },
    /// "Cancel" under an announcement preview.
    AnnounceCancel { draft: String },
    /// A proposed action's buttons (Schedule it, Dismiss) and their modals.
    Loop { step: LoopStep, action: i64 },
    /// "Answer once" under a reply to a comment, in its author's direct messages.
    ReplyAnswer { reply: i64 },
    /// The author's answer modal.
    ReplyWrite { reply: i64 },
}

/// What a proposed action's button or modal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopStep {
    /// "Schedule it": asks for an owner and a date.
    Schedule,
    /// "Dismiss": asks for a reason.
    Dismiss,
    /// The owner-and-date modal.
    When,
    /// The reason modal.
    Why,
    /// "Choose another": the select of the trigger's other plays.
    Choose,
}

impl LoopStep {
    const ALL: [LoopStep; 5] = [
        LoopStep::Schedule,
        LoopStep::Dismiss,
        LoopStep::When,
        LoopStep::Why,
        LoopStep::Choose,
    ];

    fn word(self) -> &'static str {
        match self {
            LoopStep::Schedule => "schedule",
            LoopStep::Dismiss => "dismiss",
            LoopStep::When => "when",
            LoopStep::Why => "why",
            LoopStep::Choose => "choose",
        }
    }
}

impl Action {
    /// Where this action belongs.
    pub fn home(&self) -> Home {
        match self {
            Action::Ack { .. }
            | Action::PulseOpen { .. }
            | Action::Loop { .. }
            | Action::ReplyAnswer { .. }
            | Action::ReplyWrite { .. } => Home::Public,
            _ => Home::Private,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Ack { row } => write!(f, "ack:{row}"),
            Action::PulseOpen { pulse } => write!(f, "pulse:{pulse}:open"),
            Action::Pulse(s) => write!(
                f,
                "pulse:{}:{}:{}:{}:{}",
                s.pulse,
                s.flow,
                s.op.letter(),
                s.pos,
                encode(&s.answers)
            ),
            Action::StoryPost { draft } => write!(f, "story:post:{draft}"),
            Action::StoryPostLegacy { template, team } => {
                write!(f, "story:post:{template}:{team}")
            }
            Action::StoryCancel { draft: None } => write!(f, "story:cancel"),
            Action::StoryCancel { draft: Some(d) } => write!(f, "story:cancel:{d}"),
            Action::AnnounceModal { draft } => write!(f, "announce:modal:{draft}"),
            Action::AnnounceConfirm { draft } => write!(f, "announce:confirm:{draft}"),
            Action::AnnounceCancel { draft } => write!(f, "announce:cancel:{draft}"),
            Action::Loop { step, action } => write!(f, "loop:{}:{action}", step.word()),
            Action::ReplyAnswer { reply } => write!(f, "reply:answer:{reply}"),
            Action::ReplyWrite { reply } => write!(f, "reply:write:{reply}"),
        }
    }
}

/// A custom_id Herald never makes (forged, or from another bot).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a custom_id Herald makes")]
pub struct NotOurs;

fn draft(s: &str) -> Result<String, NotOurs> {
    let ok = !s.is_empty() && s.len() <= DRAFT_MAX && s.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| s.to_string()).ok_or(NotOurs)
}

fn is_flow_token(s: &str) -> bool {
    s.len() == FLOW_LEN
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

fn flow_step(pulse: i64, rest: &str) -> Result<FlowStep, NotOurs> {
    // `<flow>:<op>:<pos>[:<answers>]`
    let mut parts = rest.splitn(4, ':');
    let flow = parts.next().filter(|f| is_flow_token(f)).ok_or(NotOurs)?;
    let op = parts.next().ok_or(NotOurs)?;
    let op = FlowOp::ALL
        .into_iter()
        .find(|o| op.len() == 1 && op.starts_with(o.letter()))
        .ok_or(NotOurs)?;
    let pos = parts.next().and_then(|p| p.parse().ok()).ok_or(NotOurs)?;
    let answers = decode(parts.next().unwrap_or("")).ok_or(NotOurs)?;
    Ok(FlowStep {
        pulse,
        flow: flow.to_string(),
        op,
        pos,
        answers,
    })
}

impl FromStr for Action {
    type Err = NotOurs;

    fn from_str(s: &str) -> Result<Self, NotOurs> {
        let (kind, rest) = s.split_once(':').ok_or(NotOurs)?;
        match kind {
            "ack" => rest
                .parse()
                .map(|row| Action::Ack { row })
                .map_err(|_| NotOurs),
            "pulse" => {
                let (pulse, rest) = rest.split_once(':').ok_or(NotOurs)?;
                let pulse: i64 = pulse.parse().map_err(|_| NotOurs)?;
                if rest == "open" {
                    Ok(Action::PulseOpen { pulse })
                } else {
                    flow_step(pulse, rest).map(Action::Pulse)
                }
            }
            "story" => match rest.split_once(':') {
                None if rest == "cancel" => Ok(Action::StoryCancel { draft: None }),
                Some(("cancel", d)) => Ok(Action::StoryCancel {
                    draft: Some(draft(d)?),
                }),
                Some(("post", target)) => match target.split_once(':') {
                    None => Ok(Action::StoryPost {
                        draft: draft(target)?,
                    }),
                    Some((template, team)) if !template.is_empty() && !team.is_empty() => {
                        Ok(Action::StoryPostLegacy {
                            template: template.to_string(),
                            team: team.to_string(),
                        })
                    }
                    Some(_) => Err(NotOurs),
                },
                _ => Err(NotOurs),
            },
            "announce" => {
                let (what, d) = rest.split_once(':').ok_or(NotOurs)?;
                let draft = draft(d)?;
                match what {
                    "modal" => Ok(Action::AnnounceModal { draft }),
                    "confirm" => Ok(Action::AnnounceConfirm { draft }),
                    "cancel" => Ok(Action::AnnounceCancel { draft }),
                    _ => Err(NotOurs),
                }
            }
            "loop" => {
                let (word, id) = rest.split_once(':').ok_or(NotOurs)?;
                let step = LoopStep::ALL
                    .into_iter()
                    .find(|s| s.word() == word)
                    .ok_or(NotOurs)?;
                let action: i64 = id.parse().map_err(|_| NotOurs)?;
                if action < 1 || id.starts_with('+') {
                    return Err(NotOurs);
                }
                Ok(Action::Loop { step, action })
            }
            "reply" => {
                let (word, id) = rest.split_once(':').ok_or(NotOurs)?;
                let reply: i64 = id.parse().map_err(|_| NotOurs)?;
                if reply < 1 || id.starts_with('+') {
                    return Err(NotOurs);
                }
                match word {
                    "answer" => Ok(Action::ReplyAnswer { reply }),
                    "write" => Ok(Action::ReplyWrite { reply }),
                    _ => Err(NotOurs),
                }
            }
            _ => Err(NotOurs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Option<Action> {
        s.parse().ok()
    }

    fn step(op: FlowOp, pos: usize, answers: Vec<u8>) -> Action {
        Action::Pulse(FlowStep {
            pulse: 1,
            flow: "abcdefgh".into(),
            op,
            pos,
            answers,
        })
    }

    #[test]
    fn a_proposals_buttons_and_modals_read_back() {
        for step in LoopStep::ALL {
            let a = Action::Loop { step, action: 12 };
            assert_eq!(parse(&a.to_string()), Some(a.clone()));
        }
        for a in [
            Action::ReplyAnswer { reply: 3 },
            Action::ReplyWrite { reply: 3 },
        ] {
            assert_eq!(parse(&a.to_string()), Some(a.clone()));
        }
        for bad in ["reply:answer:0", "reply:read:3", "reply:write:"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        for bad in [
            "loop:schedule:",
            "loop:schedule:0",
            "loop:schedule:+3",
            "loop:go:3",
            "loop:why:x",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn custom_ids_already_on_discord_still_parse() {
        assert_eq!(parse("ack:42"), Some(Action::Ack { row: 42 }));
        assert_eq!(parse("pulse:7:open"), Some(Action::PulseOpen { pulse: 7 }));
        assert_eq!(
            parse("pulse:1:abcdefgh:a:1:4"),
            Some(step(FlowOp::Answer, 1, vec![4]))
        );
        assert_eq!(
            parse("pulse:1:abcdefgh:q:0:"),
            Some(step(FlowOp::Question, 0, vec![]))
        );
        assert_eq!(
            parse("pulse:1:abcdefgh:s:5:44344"),
            Some(step(FlowOp::Submit, 5, vec![4, 4, 3, 4, 4]))
        );
        assert_eq!(
            parse("story:post:front-lines:*"),
            Some(Action::StoryPostLegacy {
                template: "front-lines".into(),
                team: "*".into()
            })
        );
        assert_eq!(
            parse("story:cancel"),
            Some(Action::StoryCancel { draft: None })
        );
        assert_eq!(
            parse("announce:confirm:0123456789ab"),
            Some(Action::AnnounceConfirm {
                draft: "0123456789ab".into()
            })
        );
        assert_eq!(
            parse("announce:modal:1"),
            Some(Action::AnnounceModal { draft: "1".into() })
        );
    }

    #[test]
    fn forged_custom_ids_are_not_ours() {
        for forged in [
            "",
            "ack",
            "ack:",
            "ack:x",
            "pulse:x:open",
            "pulse:1:abcdefgh:q:0:!!",
            "pulse:1:x:s:1:3",
            "pulse:1:ABCDEFG%:s:1:3",
            "pulse:1:abcdefgh:qq:0:",
            "pulse:1:abcdefgh:z:0:",
            "pulse:1:abcdefgh:q:-1:",
            "story:post:",
            "story:post:a b",
            "story:post::*",
            "story:cancel:",
            "story:delete:abc",
            "announce:confirm:",
            "announce:confirm:a:b",
            "announce:send:abc",
            "poll:1",
        ] {
            assert_eq!(parse(forged), None, "{forged}");
        }
    }

    #[test]
    fn public_messages_carry_only_got_it_and_answer() {
        assert_eq!(Action::Ack { row: 1 }.home(), Home::Public);
        assert_eq!(Action::PulseOpen { pulse: 1 }.home(), Home::Public);
        for private in [
            step(FlowOp::Submit, 0, vec![]),
            Action::StoryPost { draft: "d".into() },
            Action::StoryCancel { draft: None },
            Action::AnnounceConfirm { draft: "d".into() },
            Action::AnnounceCancel { draft: "d".into() },
        ] {
            assert_eq!(private.home(), Home::Private, "{private}");
        }
    }

    #[test]
    fn the_largest_custom_ids_herald_makes_fit_discords_limit() {
        let draft = "z".repeat(DRAFT_MAX);
        let largest = [
            Action::Ack { row: i64::MIN },
            Action::PulseOpen { pulse: i64::MIN },
            Action::StoryPost {
                draft: draft.clone(),
            },
            Action::StoryCancel {
                draft: Some(draft.clone()),
            },
            Action::AnnounceModal {
                draft: draft.clone(),
            },
            Action::AnnounceConfirm {
                draft: draft.clone(),
            },
            Action::AnnounceCancel { draft },
        ]
        .into_iter()
        .chain(FlowOp::ALL.into_iter().map(|op| {
            // A set holds at most 20 questions; the summary's position is 20.
            Action::Pulse(FlowStep {
                pulse: i64::MIN,
                flow: "z".repeat(FLOW_LEN),
                op,
                pos: 20,
                answers: vec![35; 20],
            })
        }));
        for action in largest {
            let id = action.to_string();
            assert!(id.len() <= CUSTOM_ID_MAX, "{} characters: {id}", id.len());
            assert_eq!(parse(&id), Some(action));
        }
    }

    fn token(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[0-9A-Za-z]{{{},{}}}", len.start(), len.end()))
            .expect("regex")
    }

    fn action() -> impl Strategy<Value = Action> {
        let flow = (
            any::<i64>(),
            "[0-9a-z]{8}",
            proptest::sample::select(FlowOp::ALL.to_vec()),
            0usize..=20,
            proptest::collection::vec(0u8..36, 0..=20),
        )
            .prop_map(|(pulse, flow, op, pos, answers)| {
                Action::Pulse(FlowStep {
                    pulse,
                    flow,
                    op,
                    pos,
                    answers,
                })
            });
        prop_oneof![
            any::<i64>().prop_map(|row| Action::Ack { row }),
            any::<i64>().prop_map(|pulse| Action::PulseOpen { pulse }),
            flow,
            token(1..=DRAFT_MAX).prop_map(|draft| Action::StoryPost { draft }),
            ("[^:]{1,30}", "[^:]{0,29}[^:]")
                .prop_map(|(template, team)| { Action::StoryPostLegacy { template, team } }),
            proptest::option::of(token(1..=DRAFT_MAX))
                .prop_map(|draft| Action::StoryCancel { draft }),
            token(1..=DRAFT_MAX).prop_map(|draft| Action::AnnounceModal { draft }),
            token(1..=DRAFT_MAX).prop_map(|draft| Action::AnnounceConfirm { draft }),
            token(1..=DRAFT_MAX).prop_map(|draft| Action::AnnounceCancel { draft }),
        ]
    }

    proptest! {
        #[test]
        fn every_action_reads_back_as_itself(a in action()) {
            let id = a.to_string();
            prop_assert_eq!(id.parse::<Action>(), Ok(a));
        }

        #[test]
        fn any_text_that_parses_writes_back_the_same(s in "[a-z]{3,8}:[0-9a-z:*-]{0,40}") {
            if let Ok(a) = s.parse::<Action>() {
                prop_assert_eq!(a.to_string().parse::<Action>(), Ok(a));
            }
        }
    }
}
