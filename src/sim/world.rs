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

fn member(name: &str, roles: &[&str]) -> MemberSpec {
    MemberSpec {
        name: name.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}
