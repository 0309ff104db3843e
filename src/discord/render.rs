//! Our plain messages rendered as serenity builders, always with explicit
//! `allowed_mentions` (empty unless a ping is intended).

use serenity::all as s;

use crate::chat::{Button, Embed, OutMessage, Pings, Row, Screen};

pub fn allowed_mentions(p: &Pings) -> s::CreateAllowedMentions {
    s::CreateAllowedMentions::new()
        .roles(p.roles.iter().map(|r| s::RoleId::new(r.0)))
        .users(p.members.iter().map(|m| s::UserId::new(m.0)))
}

fn embed(e: &Embed) -> s::CreateEmbed {
    let mut b = s::CreateEmbed::new();
    if let Some(t) = &e.title {
        b = b.title(t);
    }
    if let Some(d) = &e.description {
        b = b.description(d);
    }
    if let Some(c) = e.colour {
        b = b.colour(c);
    }
    for (name, value) in &e.fields {
        b = b.field(name, value, false);
    }
    if let Some(f) = &e.footer {
        b = b.footer(s::CreateEmbedFooter::new(f));
    }
    if let Some(url) = &e.image_url {
        b = b.image(url);
    }
    if let Some(a) = &e.author {
        let mut author = s::CreateEmbedAuthor::new(&a.name);
        if let Some(icon) = &a.icon_url {
            author = author.icon_url(icon);
        }
        b = b.author(author);
    }
    b
}

/// Buttons in rows of five (Discord's limit per action row).
pub fn rows(buttons: &[Button]) -> Vec<s::CreateActionRow> {
    buttons
        .chunks(5)
        .map(|chunk| {
            s::CreateActionRow::Buttons(
                chunk
                    .iter()
                    .map(|b| match b {
                        Button::Action { custom_id, label } => s::CreateButton::new(custom_id)
                            .label(label)
                            .style(s::ButtonStyle::Primary),
                        Button::Cancel { custom_id, label } => s::CreateButton::new(custom_id)
                            .label(label)
                            .style(s::ButtonStyle::Secondary),
                        Button::Link { url, label } => s::CreateButton::new_link(url).label(label),
                    })
                    .collect(),
            )
        })
        .collect()
}

/// A flow screen's rows: buttons (the current answer highlighted) or one select.
pub fn screen_rows(screen: &Screen) -> Vec<s::CreateActionRow> {
    screen
        .rows
        .iter()
        .map(|row| match row {
            Row::Buttons(choices) => s::CreateActionRow::Buttons(
                choices
                    .iter()
                    .map(|c| {
                        s::CreateButton::new(&c.custom_id)
                            .label(&c.label)
                            .disabled(c.disabled)
                            .style(if c.selected {
                                s::ButtonStyle::Primary
                            } else {
                                s::ButtonStyle::Secondary
                            })
                    })
                    .collect(),
            ),
            Row::Select {
                custom_id,
                placeholder,
                options,
            } => s::CreateActionRow::SelectMenu(
                s::CreateSelectMenu::new(
                    custom_id,
                    s::CreateSelectMenuKind::String {
                        options: options
                            .iter()
                            .map(|(label, value)| s::CreateSelectMenuOption::new(label, value))
                            .collect(),
                    },
                )
                .placeholder(placeholder),
            ),
        })
        .collect()
}

pub fn create_message(m: &OutMessage) -> (s::CreateMessage, Vec<s::CreateAttachment>) {
    let files: Vec<s::CreateAttachment> = m
        .attachments
        .iter()
        .map(|a| s::CreateAttachment::bytes(a.bytes.clone(), a.filename.clone()))
        .collect();
    let mut b = s::CreateMessage::new()
        .content(&m.content)
        .embeds(m.embeds.iter().map(embed).collect())
        .allowed_mentions(allowed_mentions(&m.pings))
        .add_files(files.clone());
    if !m.buttons.is_empty() || m.menu.is_some() {
        b = b.components(all_rows(m));
    }
    if let Some(n) = &m.nonce {
        b = b.nonce(s::Nonce::String(n.clone())).enforce_nonce(true);
    }
    (b, files)
}

pub fn edit_message(m: &OutMessage) -> s::EditMessage {
    s::EditMessage::new()
        .content(&m.content)
        .embeds(m.embeds.iter().map(embed).collect())
        .components(all_rows(m))
        .allowed_mentions(allowed_mentions(&m.pings))
}

/// A message's buttons, then its select menu on a row of its own.
fn all_rows(m: &OutMessage) -> Vec<s::CreateActionRow> {
    let mut out = rows(&m.buttons);
    if let Some(menu) = &m.menu {
        out.extend(screen_rows(&Screen {
            text: String::new(),
            rows: vec![menu.clone()],
        }));
    }
    out
}
