//! Who sees which command in Discord's picker: change-lead and admin commands register
//! with `default_member_permissions`, so employees are not offered them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::helpers::{spawn_app, within};

/// Manage Events (1 << 33): what a server admin grants the Change Lead role.
const MANAGE_EVENTS: &str = "8589934592";
/// Manage Server (1 << 5): server administrators.
const MANAGE_GUILD: &str = "32";

#[tokio::test]
async fn employees_are_offered_only_the_commands_they_can_use() {
    within(60, async {
        let app = spawn_app().await;
        let commands = app.get("/_sim/commands").await;
        let seen: BTreeMap<String, Value> = commands
            .as_array()
            .expect("commands")
            .iter()
            .map(|c| {
                let name = c["name"].as_str().expect("name").to_string();
                (name, c["default_member_permissions"].clone())
            })
            .collect();
        let need = |p: &str| Value::String(p.into());
        for lead in ["comms", "team", "story", "pulse"] {
            assert_eq!(
                seen[lead],
                need(MANAGE_EVENTS),
                "/{lead} is for change leads"
            );
        }
        assert_eq!(seen["herald"], need(MANAGE_GUILD), "/herald is for admins");
        let everyone: Vec<&str> = seen
            .iter()
            .filter(|(_, p)| p.is_null())
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(
            everyone,
            [
                "actions",
                "adoption",
                "champion",
                "champions",
                "dashboard",
                "me",
                "readiness",
                "recognize",
                "report",
                "sentiment",
                "win"
            ]
        );
        app.finish().await;
    })
    .await;
}
