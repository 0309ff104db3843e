//! The transcript: one line per message — its send time in the campaign's time zone, its
//! channel and its first line, with mentions shown as the names people see (`@Support`,
//! `@sales-3`, `#feedback`) — in an order that does not depend on who raced whom.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::sim::SimHandle;

/// The simulator world's names, by id: roles, members and channels.
#[derive(Debug, Default)]
pub struct Names {
    roles: HashMap<u64, String>,
    users: HashMap<u64, String>,
    channels: HashMap<u64, String>,
}

impl Names {
    pub fn of(sim: &SimHandle) -> Self {
        let inner = sim.state.lock();
        Self {
            roles: inner
                .roles
                .values()
                .map(|r| (r.id, r.name.clone()))
                .collect(),
            users: inner
                .users
                .values()
                .map(|u| (u.id, u.name.clone()))
                .collect(),
            channels: inner
                .channels
                .values()
                .map(|c| (c.id, c.name.clone()))
                .collect(),
        }
    }

    /// `text` with every `<@&id>`, `<@id>`, `<@!id>` and `<#id>` replaced by a name.
    pub fn resolve(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('<') {
            out.push_str(&rest[..open]);
            rest = &rest[open..];
            match rest
                .find('>')
                .and_then(|close| Some((self.name(&rest[1..close])?, close)))
            {
                Some((name, close)) => {
                    out.push_str(&name);
                    rest = &rest[close + 1..];
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The name a mention's inside (`@&123`, `@123`, `@!123`, `#123`) stands for.
    fn name(&self, inside: &str) -> Option<String> {
        let (sigil, table, id) = if let Some(id) = inside.strip_prefix("@&") {
            ('@', &self.roles, id)
        } else if let Some(id) = inside.strip_prefix("@!").or(inside.strip_prefix('@')) {
            ('@', &self.users, id)
        } else {
            ('#', &self.channels, inside.strip_prefix('#')?)
        };
        let name = table.get(&id.parse::<u64>().ok()?)?;
        Some(format!("{sigil}{name}"))
    }
}

/// One message as the transcript shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub sent: DateTime<Utc>,
    /// The channel's place in the plan (teams in order, then the reports channel).
    pub order: usize,
    pub channel: String,
    pub text: String,
}

impl Entry {
    /// `Mon 14 Dec 09:00  #sales        Why we are moving to Atlas CRM`.
    pub fn line(&self, tz: Tz) -> String {
        format!(
            "{}  #{:<12} {}",
            self.sent.with_timezone(&tz).format("%a %d %b %H:%M"),
            self.channel,
            self.text
        )
    }
}

/// The first non-empty line of a message (its embed's title when it has one), with
/// names for mentions, at most 90 characters.
pub fn first_line(m: &Value, names: &Names) -> String {
    let text = m["embeds"][0]["title"]
        .as_str()
        .unwrap_or_else(|| m["content"].as_str().unwrap_or_default());
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .replace("**", "");
    names.resolve(&line).chars().take(90).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        let mut n = Names::default();
        n.roles.insert(11, "Support".into());
        n.users.insert(22, "support-3".into());
        n.channels.insert(33, "feedback".into());
        n
    }

    #[test]
    fn mentions_become_the_names_people_see() {
        let n = names();
        assert_eq!(
            n.resolve("<@&11> see <#33>, thanks <@22> and <@!22>"),
            "@Support see #feedback, thanks @support-3 and @support-3"
        );
    }

    #[test]
    fn text_that_is_not_a_known_mention_stays_as_it_is() {
        let n = names();
        assert_eq!(
            n.resolve("a < b > c <@99> <#x> <"),
            "a < b > c <@99> <#x> <"
        );
    }

    #[test]
    fn a_line_shows_the_send_time_in_the_campaign_zone() {
        let sent = chrono::NaiveDate::from_ymd_opt(2026, 7, 1)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .expect("a time")
            .and_utc();
        let e = Entry {
            sent,
            order: 0,
            channel: "sales".into(),
            text: "Hello".into(),
        };
        assert_eq!(
            e.line(chrono_tz::Europe::London),
            "Wed 01 Jul 09:00  #sales        Hello"
        );
    }
}
