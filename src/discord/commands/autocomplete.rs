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

pub async fn item(ctx: Ctx<'_>, typed: &str) -> Choices {
    let Some(who) = who(ctx).await else {
        return response(vec![]);
    };
    response(suggest::items(&ctx.data().app, &who, typed, false).await)
}

pub async fn item_or_all(ctx: Ctx<'_>, typed: &str) -> Choices {
    let Some(who) = who(ctx).await else {
        return response(vec![]);
    };
    response(suggest::items(&ctx.data().app, &who, typed, true).await)
}

pub async fn open_pulse(ctx: Ctx<'_>, typed: &str) -> Choices {
    let Some(who) = who(ctx).await else {
        return response(vec![]);
    };
    response(suggest::pulses(&ctx.data().app, &who, typed, PulseUse::Close).await)
}

pub async fn closed_pulse(ctx: Ctx<'_>, typed: &str) -> Choices {
    let Some(who) = who(ctx).await else {
        return response(vec![]);
    };
    response(suggest::pulses(&ctx.data().app, &who, typed, PulseUse::Results).await)
}

pub async fn question_set(ctx: Ctx<'_>, typed: &str) -> Choices {
    let Some(who) = who(ctx).await else {
        return response(vec![]);
    };
    response(suggest::sets(&ctx.data().app, &who, typed).await)
}

pub async fn story(ctx: Ctx<'_>, typed: &str) -> Choices {
    let Some(who) = who(ctx).await else {
        return response(vec![]);
    };
    response(suggest::stories(&ctx.data().app, &who, typed).await)
}

pub async fn any_team(ctx: Ctx<'_>, typed: &str) -> Choices {
    let Some(who) = who(ctx).await else {
        return response(vec![]);
    };
    response(suggest::teams(&ctx.data().app, &who, typed, TeamScope::Any).await)
}

pub async fn my_team(ctx: Ctx<'_>, typed: &str) -> Choices {
    let Some(who) = who(ctx).await else {
        return response(vec![]);
    };
    response(suggest::teams(&ctx.data().app, &who, typed, TeamScope::Mine).await)
}
