//! The anonymity audit: after an anonymous pulse, a dump of every table holds no member
//! id, no plain hash of one, and nothing that orders answers to voters; only the key file
//! matches the participation rows to people.

use herald::app::pulse::key::PrivacyKey;
use sha2::Digest;

use crate::helpers::{dump_tables, within};
use crate::pulse_results::adkar_scenario;

#[tokio::test]
async fn an_anonymous_pulse_leaves_no_member_id_and_no_order_linking_answers_to_voters() {
    within(120, async {
        let app = adkar_scenario().await;
        let world = app.get("/_sim/world").await;
        let people: Vec<(String, u64)> = world["guilds"][0]["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap_or_default().to_string(),
                    m["id"].as_str().and_then(|i| i.parse().ok()).expect("id"),
                )
            })
            .collect();
        let tables = dump_tables(&app).await;
        // Every form of a member id an auditor might look for, unkeyed hashes included.
        let mut needles: Vec<String> = vec![];
        for (_, id) in &people {
            let dec = id.to_string();
            needles.push(dec.clone());
            needles.push(hex::encode(sha2::Sha256::digest(dec.as_bytes())));
            needles.push(hex::encode(sha2::Sha256::digest(id.to_be_bytes())));
            needles.push(hex::encode(sha2::Sha256::digest(id.to_le_bytes())));
        }
        for (table, (_, rows)) in &tables {
            // `members` is the server directory: everyone, respondent or not.
            // `members` and `member_roles` are the server directory: everyone, respondent
            // or not, as the gateway shows them.
            if table == "members" || table == "member_roles" {
                continue;
            }
            for row in rows {
                for cell in row {
                    for n in &needles {
                        let short = &n[..n.len().min(32)];
                        assert!(
                            !cell.contains(short),
                            "table {table} holds a member id or its plain hash: {row:?}"
                        );
                    }
                }
            }
        }
        let (columns, sets) = &tables["pulse_ballot_sets"];
        let mut cols = columns.clone();
        cols.sort();
        assert_eq!(
            cols,
            ["ballots", "pulse_id", "team_name"],
            "one list per team, no row per ballot"
        );
        let at = columns
            .iter()
            .position(|c| c == "ballots")
            .expect("ballots");
        let ballots: Vec<serde_json::Value> = sets
            .iter()
            .flat_map(|row| {
                serde_json::from_str::<Vec<serde_json::Value>>(&row[at]).expect("a JSON list")
            })
            .collect();
        assert_eq!(ballots.len(), 15);
        for b in &ballots {
            let mut fields: Vec<&String> = b.as_object().expect("object").keys().collect();
            fields.sort();
            assert_eq!(
                fields,
                ["answers", "comment", "day", "key", "member"],
                "no time finer than a day, no row number"
            );
            assert_eq!(b["day"], "2026-03-02", "the day only");
        }
        for row in sets {
            let keys: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&row[at])
                .expect("list")
                .iter()
                .map(|b| b["key"].as_str().unwrap_or_default().to_string())
                .collect();
            assert!(
                keys.windows(2).all(|w| w[0] < w[1]),
                "each list is sorted by keyed hash"
            );
        }
        let (voter_cols, voters) = &tables["pulse_voters"];
        assert_eq!(
            voters.len(),
            1,
            "one list per pulse, not a row per voter in answer order"
        );
        let list = &voters[0][voter_cols
            .iter()
            .position(|c| c == "voters")
            .expect("voters")];
        let flows = &voters[0][voter_cols.iter().position(|c| c == "flows").expect("flows")];
        let flows: Vec<&str> = flows.lines().collect();
        assert_eq!(flows.len(), 15, "one used flow per answer");
        assert!(
            flows.windows(2).all(|w| w[0] < w[1]),
            "the flows are one sorted list too"
        );
        let keys: Vec<&str> = (0..list.len())
            .step_by(32)
            .map(|i| &list[i..i + 32])
            .collect();
        assert_eq!(keys.len(), 15);
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "sorted, so the order says nothing"
        );
        // With the key file the rows match the respondents; with any other key, nobody.
        let key_path = app.herald().app.settings.privacy_key_file.clone();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_path)
                .expect("key file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the key file is private");
        }
        let key = PrivacyKey::load_or_create(&key_path).expect("key");
        let wrong = PrivacyKey::from_bytes(rand::random());
        let respondents: Vec<u64> = people
            .iter()
            .filter(|(n, _)| {
                let (team, i) = n.rsplit_once('-').unwrap_or(("", "99"));
                let i: usize = i.parse().unwrap_or(99);
                matches!(
                    (team, i),
                    ("sales", 1..=7) | ("support", 1..=5) | ("finance", 1..=3)
                )
            })
            .map(|(_, id)| *id)
            .collect();
        assert_eq!(respondents.len(), 15);
        let matched = |k: &PrivacyKey| {
            people
                .iter()
                .filter(|(_, id)| {
                    keys.contains(&k.voter(1, herald::domain::ids::MemberId(*id)).as_str())
                })
                .map(|(_, id)| *id)
                .collect::<Vec<u64>>()
        };
        let mut with_key = matched(&key);
        with_key.sort();
        let mut expected = respondents.clone();
        expected.sort();
        assert_eq!(
            with_key, expected,
            "the key file matches exactly the respondents"
        );
        assert!(
            matched(&wrong).is_empty(),
            "without the key file no row matches anyone"
        );
        app.finish().await;
    })
    .await;
}
