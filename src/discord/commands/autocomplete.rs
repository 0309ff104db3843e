//! Autocomplete callbacks: poise calls these while a person types an option; the choices
//! come from [`crate::app::suggest`], already filtered to what the person may act on.

use poise::serenity_prelude as serenity;

use super::Ctx;
use crate::app::access::Actor;
use crate::app::suggest::{self, Choice, PulseUse, TeamScope};
use crate::discord::actor::actor;

type Choices = serenity::CreateAutocompleteResponse;

fn response(choices: Vec<Choice>) -> Choices {
    let list = choices
        .into_iter()
        .map(|c| serenity::AutocompleteChoice::new(c.name, c.value))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(list)
}

/// The asking member, or None (then no choices: nothing is offered to someone unknown).
async fn who(ctx: Ctx<'_>) -> Option<Actor> {
    actor(ctx).await.ok()
}

/// An autocomplete callback (poise needs one function per option kind): no choices for
/// someone unknown, else what `suggest` offers the asking member.
macro_rules! callback {
    ($name:ident, |$app:ident, $who:ident, $typed:ident| $choices:expr) => {
        pub async fn $name(ctx: Ctx<'_>, $typed: &str) -> Choices {
            let Some($who) = who(ctx).await else {
                return response(vec![]);
            };
            let $app = &ctx.data().app;
            response($choices.await)
        }
    };
}

callback!(item, |app, who, typed| suggest::items(
    app, &who, typed, false
));
callback!(item_or_all, |app, who, typed| suggest::items(
    app, &who, typed, true
));
callback!(open_pulse, |app, who, typed| suggest::pulses(
    app,
    &who,
    typed,
    PulseUse::Close
));
callback!(closed_pulse, |app, who, typed| suggest::pulses(
    app,
    &who,
    typed,
    PulseUse::Results
));
callback!(question_set, |app, who, typed| suggest::sets(
    app, &who, typed
));
callback!(story, |app, who, typed| suggest::stories(app, &who, typed));
callback!(any_team, |app, who, typed| suggest::teams(
    app,
    &who,
    typed,
    TeamScope::Any
));
callback!(my_team, |app, who, typed| suggest::teams(
    app,
    &who,
    typed,
    TeamScope::Mine
));
callback!(team_list, |app, who, typed| suggest::team_list(
    app, &who, typed
));
