//! The simulated organisation: the default world and `--world FILE` (JSON).

use serde::Deserialize;

/// A world as written in a file: guilds with channels, roles and members by name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldSpec {
    pub guilds: Vec<GuildSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuildSpec {
    pub name: String,
    pub channels: Vec<String>,
    pub roles: Vec<RoleSpec>,
    pub members: Vec<MemberSpec>,
    /// The name of the member who owns the guild (an administrator).
    #[serde(default)]
    pub owner: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    pub name: String,
    /// Discord permission bits as a decimal string; "8" is Administrator.
    #[serde(default = "no_permissions")]
    pub permissions: String,
}

fn no_permissions() -> String {
    "0".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    pub name: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

impl WorldSpec {
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("world file: {e}"))
    }

    /// Guild "Acme": three teams of six (one manager each), a change lead and an owner.
    pub fn default_world() -> Self {
        let team = |role: &str, manager: &str, people: [&str; 5]| {
            let mut members = vec![member(manager, &[role, "Manager"])];
            members.extend(people.iter().map(|p| member(p, &[role])));
            members
        };
        let mut members = vec![
            member("Claire", &["Change Lead"]),
            member("Olivia", &["Admin"]),
        ];
        members.extend(team(
            "Sales",
            "Maya",
            ["Ava", "Ben", "Chloe", "Dan", "Ella"],
        ));
        members.extend(team(
            "Support",
            "Marco",
            ["Finn", "Gia", "Hugo", "Iris", "Jack"],
        ));
        members.extend(team(
            "Finance",
            "Mira",
            ["Kai", "Lena", "Milo", "Nora", "Owen"],
        ));
        let roles = ["Change Lead", "Manager", "Sales", "Support", "Finance"]
            .iter()
            .map(|n| RoleSpec {
                name: n.to_string(),
                permissions: no_permissions(),
            })
            .chain(std::iter::once(RoleSpec {
                name: "Admin".into(),
                permissions: "8".into(),
            }))
            .collect();
        let channels = [
            "announcements",
            "sales",
            "support",
            "finance",
            "change-team",
            "feedback",
        ];
        Self {
            guilds: vec![GuildSpec {
                name: "Acme".into(),
                channels: channels.iter().map(|c| c.to_string()).collect(),
                roles,
                members,
                owner: Some("Olivia".into()),
            }],
        }
    }
}

impl WorldSpec {
    /// Guild "Busy": `n` teams (role, channel `team-00`… and one member each), a change
    /// lead (Claire) and the `change-team` channel. For load tests and benchmarks.
    pub fn busy(n: usize) -> Self {
        let teams: Vec<String> = (0..n).map(|i| format!("team-{i:02}")).collect();
        let role = |name: &str| RoleSpec {
            name: name.to_string(),
            permissions: no_permissions(),
        };
        let mut members: Vec<MemberSpec> = teams
            .iter()
            .map(|t| member(&format!("m-{t}"), &[t.as_str()]))
            .collect();
        members.push(member("Claire", &["Change Lead"]));
        Self {
            guilds: vec![GuildSpec {
                name: "Busy".into(),
                channels: teams
                    .iter()
                    .cloned()
                    .chain(["change-team".to_string()])
                    .collect(),
                roles: teams
                    .iter()
                    .map(|t| role(t))
                    .chain([role("Change Lead")])
                    .collect(),
                members,
                owner: None,
            }],
        }
    }

    /// Guild "Acme": one role and channel per (team, size), members `<team>-1`…
    /// (lower case), with `managers` a `<Team> lead` holding the team role and Manager;
    /// Claire the change lead; channels `change-team` and `extra`. For pulse tests,
    /// benchmarks and the demo.
    pub fn teams(teams: &[(&str, usize)], managers: bool, extra: &[&str]) -> Self {
        let named: Vec<(String, String, usize)> = teams
            .iter()
            .map(|(t, n)| (t.to_string(), t.to_lowercase(), *n))
            .collect();
        Self::teams_with(&named, managers, extra)
    }

    /// As [`WorldSpec::teams`], with each team's role and channel named: (role, channel, size).
    pub fn teams_with(teams: &[(String, String, usize)], managers: bool, extra: &[&str]) -> Self {
        let role = |name: &str| RoleSpec {
            name: name.to_string(),
            permissions: no_permissions(),
        };
        let mut members = vec![member("Claire", &["Change Lead"])];
        for (team, _, size) in teams {
            if managers {
                members.push(member(&format!("{team} lead"), &[team, "Manager"]));
            }
            members.extend(
                (1..=*size).map(|i| member(&format!("{}-{i}", team.to_lowercase()), &[team])),
            );
        }
        let mut channels: Vec<String> = teams.iter().map(|(_, c, _)| c.clone()).collect();
        channels.push("change-team".into());
        for c in extra {
            if !channels.iter().any(|x| x == c) {
                channels.push(c.to_string());
            }
        }
        Self {
            guilds: vec![GuildSpec {
                name: "Acme".into(),
                channels,
                roles: teams
                    .iter()
                    .map(|(t, _, _)| role(t))
                    .chain([role("Change Lead"), role("Manager")])
                    .collect(),
                members,
                owner: None,
            }],
        }
    }

    /// `[[teams]]` declarations for a plan, one per role that has a channel of its name
    /// (in any case).
    pub fn plan_teams(&self) -> String {
        let Some(g) = self.guilds.first() else {
            return String::new();
        };
        g.roles
            .iter()
            .filter_map(|r| {
                g.channels
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(&r.name))
                    .map(|c| (r, c))
            })
            .map(|(r, c)| {
                format!(
                    "\n[[teams]]\nname = \"{0}\"\nrole = \"{0}\"\nchannel = \"{c}\"\n",
                    r.name
                )
            })
            .collect()
    }
}

fn member(name: &str, roles: &[&str]) -> MemberSpec {
    MemberSpec {
        name: name.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

/// Copies the question sets Herald ships (`messages/polls`) into `messages/polls` of a
/// test's or bench's own messages folder, creating it.
pub fn copy_shipped_polls(messages: &std::path::Path) -> std::io::Result<()> {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("messages/polls");
    let polls = messages.join("polls");
    std::fs::create_dir_all(&polls)?;
    for entry in std::fs::read_dir(shipped)? {
        let from = entry?.path();
        if let Some(name) = from.file_name() {
            std::fs::copy(&from, polls.join(name))?;
        }
    }
    Ok(())
}
