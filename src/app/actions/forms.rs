//! The two forms a proposal's buttons open: Schedule it (an owner and a date) and Dismiss
//! (a reason). Each is offered only while the action is still a proposal and only to a
//! change lead; the answer is checked again when it arrives.

use super::{still_proposed, App};
use crate::app::access::Actor;
use crate::app::action::{Action, LoopStep};
use crate::chat::{Form, FormField};
use crate::error::AppResult;

/// The longest dismissal reason or done note.
pub const REASON_MAX: usize = 300;

fn field(id: &str, label: &str, placeholder: &str, paragraph: bool, max: u16) -> FormField {
    FormField {
        id: id.into(),
        label: label.into(),
        placeholder: placeholder.into(),
        paragraph,
        max,
    }
}

/// "Schedule it": who owns it and when.
pub async fn schedule(app: &App, actor: &Actor, id: i64) -> AppResult<Form> {
    let a = still_proposed(app, actor, id).await?;
    Ok(Form {
        custom_id: Action::Loop {
            step: LoopStep::When,
            action: id,
        }
        .to_string(),
        title: format!("Schedule action #{id} for {}", a.team)
            .chars()
            .take(45)
            .collect(),
        fields: vec![
            field(
                "owner",
                "Owner (name as Discord shows it, or @mention)",
                "Maria Okafor",
                false,
                100,
            ),
            field(
                "date",
                "Date (YYYY-MM-DD), today or later",
                "2027-01-25",
                false,
                10,
            ),
        ],
    })
}

/// "Dismiss": why it does not fit.
pub async fn dismiss(app: &App, actor: &Actor, id: i64) -> AppResult<Form> {
    let a = still_proposed(app, actor, id).await?;
    Ok(Form {
        custom_id: Action::Loop {
            step: LoopStep::Why,
            action: id,
        }
        .to_string(),
        title: format!("Dismiss action #{id} for {}", a.team)
            .chars()
            .take(45)
            .collect(),
        fields: vec![field(
            "reason",
            "Why it does not fit",
            "Already covered by the team's own session",
            true,
            REASON_MAX as u16,
        )],
    })
}
