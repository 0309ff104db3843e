//! Teams: a name people use, a Discord role for membership, a home channel for posts.

use super::ids::{ChannelId, GuildId, RoleId, TeamId};

/// A team name as people type it: 1–40 characters, letters, digits, spaces, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamName(String);

impl TeamName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("A team needs a name, for example `Sales`.".into());
        }
        if name.chars().count() > 40 {
            return Err(format!(
                "`{}…` is too long for a team name; keep it to 40 characters.",
                take(name, 20)
            ));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_alphanumeric() || " -_&".contains(*c)))
        {
            return Err(format!(
                "A team name may use letters, digits, spaces, `-`, `_` and `&`; `{bad}` is not allowed."
            ));
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn take(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A stored team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    pub guild: GuildId,
    pub name: String,
    pub role: RoleId,
    pub channel: ChannelId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_name_is_accepted_and_trimmed() {
        assert_eq!(
            TeamName::parse("  Sales Ops ").unwrap().as_str(),
            "Sales Ops"
        );
    }

    #[test]
    fn an_empty_name_is_rejected_with_an_example() {
        assert!(TeamName::parse("   ").unwrap_err().contains("for example"));
    }

    #[test]
    fn a_name_with_a_mention_is_rejected() {
        assert!(TeamName::parse("<@&123>")
            .unwrap_err()
            .contains("is not allowed"));
    }

    #[test]
    fn a_name_over_forty_characters_is_rejected() {
        assert!(TeamName::parse(&"a".repeat(41))
            .unwrap_err()
            .contains("too long"));
    }
}
