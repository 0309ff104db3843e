//! One conformance suite for every backend: what the `Store` promises.

use herald::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};
use herald::domain::team::TeamName;
use herald::store::{self, RoleConfig, StoreError};

use crate::helpers::{within, TestDb};

const G: GuildId = GuildId(1_000);

fn name(n: &str) -> TeamName {
    TeamName::parse(n).expect("valid name")
}

#[tokio::test]
async fn migrations_run_twice_without_change() {
    within(60, async {
        let db = TestDb::new().await;
        let first = store::connect(&db.url, 2)
            .await
            .expect("first connect migrates");
        first
            .add_team(G, &name("Sales"), RoleId(1), ChannelId(2), 0)
            .await
            .expect("insert");
        first.close().await;
        let again = store::connect(&db.url, 2)
            .await
            .expect("second connect is a no-op");
        assert_eq!(
            again.list_teams(G).await.expect("list").len(),
            1,
            "data survives a second migrate"
        );
        assert_eq!(
            again.backend().name(),
            if db.is_postgres() {
                "postgres"
            } else {
                "sqlite"
            }
        );
        again.close().await;
    })
    .await;
}

#[tokio::test]
async fn teams_are_added_listed_in_name_order_and_removed() {
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        s.add_team(G, &name("Support"), RoleId(11), ChannelId(21), 5)
            .await
            .expect("add");
        let sales = s
            .add_team(G, &name("Sales"), RoleId(10), ChannelId(20), 5)
            .await
            .expect("add");
        assert_eq!(
            (sales.name.as_str(), sales.role, sales.channel),
            ("Sales", RoleId(10), ChannelId(20))
        );
        let names: Vec<String> = s
            .list_teams(G)
            .await
            .expect("list")
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["Sales", "Support"]);
        assert_eq!(
            s.team_by_name(G, "sales")
                .await
                .expect("find")
                .map(|t| t.id),
            Some(sales.id)
        );
        assert!(
            s.list_teams(GuildId(2_000)).await.expect("list").is_empty(),
            "teams are per guild"
        );
        assert!(s.remove_team(G, "SALES").await.expect("remove"));
        assert!(
            !s.remove_team(G, "Sales").await.expect("remove again"),
            "a second remove finds nothing"
        );
        assert_eq!(s.list_teams(G).await.expect("list").len(), 1);
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_duplicate_team_name_in_any_case_is_a_conflict_and_changes_nothing() {
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        s.add_team(G, &name("Sales"), RoleId(10), ChannelId(20), 0)
            .await
            .expect("add");
        let err = s
            .add_team(G, &name("SALES"), RoleId(99), ChannelId(99), 0)
            .await
            .expect_err("duplicate refused");
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        let teams = s.list_teams(G).await.expect("list");
        assert_eq!(teams.len(), 1);
        assert_eq!(teams[0].role, RoleId(10), "the first team is untouched");
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn role_configuration_round_trips_and_defaults_to_unset() {
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        assert_eq!(s.role_config(G).await.expect("read"), RoleConfig::default());
        let set = RoleConfig {
            change_lead: Some(RoleId(u64::MAX >> 2)),
            manager: None,
        };
        s.set_role_config(G, &set, 1).await.expect("write");
        assert_eq!(
            s.role_config(G).await.expect("read"),
            set,
            "large snowflakes survive"
        );
        let both = RoleConfig {
            change_lead: Some(RoleId(5)),
            manager: Some(RoleId(6)),
        };
        s.set_role_config(G, &both, 2).await.expect("overwrite");
        assert_eq!(s.role_config(G).await.expect("read"), both);
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn guilds_and_members_are_upserted_not_duplicated() {
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        s.upsert_guild(G, "Acme", 1).await.expect("guild");
        s.upsert_guild(G, "Acme Ltd", 2)
            .await
            .expect("guild renamed");
        for i in 0..3 {
            s.upsert_members(G, &[(MemberId(7), format!("name {i}"))], i)
                .await
                .expect("member");
        }
        s.upsert_members(
            G,
            &[
                (MemberId(8), "other".to_string()),
                (MemberId(9), "third".to_string()),
            ],
            3,
        )
        .await
        .expect("member");
        assert_eq!(s.count_members(G).await.expect("count"), 3);
        s.ping().await.expect("ping");
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn member_roles_are_replaced_per_member_and_answer_who_holds_a_role() {
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        let (sales, support) = (RoleId(10), RoleId(11));
        s.set_member_roles(
            G,
            &[
                (MemberId(7), vec![sales, support]),
                (MemberId(8), vec![sales]),
                (MemberId(9), vec![support]),
            ],
        )
        .await
        .expect("roles");
        assert_eq!(
            s.stored_role_members(G, sales).await.expect("read"),
            [MemberId(7), MemberId(8)]
        );
        // A member update replaces that member's roles; a member who left has none.
        s.set_member_roles(G, &[(MemberId(7), vec![support]), (MemberId(8), vec![])])
            .await
            .expect("update");
        assert_eq!(s.stored_role_members(G, sales).await.expect("read"), []);
        assert_eq!(
            s.stored_roles(G).await.expect("read"),
            [(support, MemberId(7)), (support, MemberId(9))]
        );
        assert_eq!(s.role_sizes(G).await.expect("read"), [(support, 2)]);
        assert_eq!(
            s.stored_role_members(G, support).await.expect("read"),
            [MemberId(7), MemberId(9)]
        );
        assert_eq!(
            s.stored_role_members(GuildId(1), support)
                .await
                .expect("read"),
            [],
            "another guild's roles are its own"
        );
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn outbox_rows_are_inserted_once_claimed_once_changed_only_by_their_holder_and_superseded_by_a_sent_later_firing(
) {
    use herald::store::outbox::{kind, NewSend};
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        let row = |fire: i64| NewSend {
            guild: G,
            kind: kind::PLAN,
            item: "weekly".into(),
            team: "Sales".into(),
            channel: ChannelId(20),
            fire_at_ms: fire,
            body: None,
            ref_id: None,
        };
        assert_eq!(s.enqueue(&[row(10), row(20)]).await.expect("enqueue"), 2);
        assert_eq!(
            s.enqueue(&[row(10), row(20)]).await.expect("again"),
            0,
            "materialising twice inserts nothing"
        );
        let claimed = s.claim_due(30, "a", 60_000, 10).await.expect("claim");
        assert_eq!(
            claimed.iter().map(|r| r.fire_at_ms).collect::<Vec<_>>(),
            [10, 20]
        );
        assert!(
            s.claim_due(30, "b", 60_000, 10)
                .await
                .expect("claim")
                .is_empty(),
            "a claimed row is not claimed again under its lease"
        );
        let retaken = s.claim_due(30, "a", 60_000, 10).await.expect("claim");
        assert_eq!(
            retaken.iter().map(|r| r.id).collect::<Vec<_>>(),
            claimed.iter().map(|r| r.id).collect::<Vec<_>>(),
            "the instance holding them takes them back: its last pass did not finish"
        );
        assert!(s
            .mark_sent(claimed[1].id, "a", MessageId(7), 31, 11)
            .await
            .expect("sent"));
        assert!(
            s.newer_due(&claimed[0], 31).await.expect("newer"),
            "the later firing already went out: the earlier one is superseded"
        );
        assert!(!s.newer_due(&claimed[1], 31).await.expect("newer"));
        let again = s
            .claim_due(60_031, "b", 60_000, 10)
            .await
            .expect("claim after the lease");
        assert_eq!(
            again.iter().map(|r| r.id).collect::<Vec<_>>(),
            [claimed[0].id],
            "an expired lease frees the row; a sent one stays sent"
        );
        let taken = again[0].id;
        assert!(
            !s.mark_retry(taken, "a", 0, "late").await.expect("retry"),
            "a's lease ran out and b took the row: a cannot set it back to pending"
        );
        assert!(!s
            .mark_done(taken, "a", "failed", "late")
            .await
            .expect("done"));
        assert!(!s
            .mark_sent(taken, "a", MessageId(8), 60_040, 0)
            .await
            .expect("sent"));
        assert!(!s.extend_lease(taken, "a", 999_999).await.expect("extend"));
        let row = s.queued(taken).await.expect("row").expect("exists");
        assert_eq!(
            (row.status.as_str(), row.claimed_by.as_deref(), row.message),
            ("claimed", Some("b"), None),
            "the row is b's, untouched by a"
        );
        assert!(
            s.extend_lease(taken, "b", 200_000).await.expect("extend"),
            "b's post in flight keeps its claim"
        );
        assert!(
            s.claim_due(130_000, "c", 60_000, 10)
                .await
                .expect("claim")
                .is_empty(),
            "past the first lease but inside the renewed one: nobody takes it over"
        );
        assert!(s
            .mark_sent(taken, "b", MessageId(9), 130_001, 0)
            .await
            .expect("sent"));
        assert!(
            !s.mark_retry(taken, "b", 0, "twice").await.expect("retry"),
            "a sent row is never set back, not even by its holder"
        );
        s.close().await;
    })
    .await;
}

fn new_pulse(closes_at_ms: i64) -> herald::store::pulses::NewPulse {
    use herald::store::pulses::{NewPulse, PulseTeam};
    NewPulse {
        guild: G,
        source: "manual".into(),
        set_id: "adkar".into(),
        title: "Readiness".into(),
        questions: "{}".into(),
        anonymous: true,
        opened_at_ms: 0,
        closes_at_ms,
        reminders: vec![24, 4],
        teams: vec![PulseTeam {
            name: "Sales".into(),
            role: RoleId(10),
            channel: ChannelId(20),
            members_at_open: 40,
            message: None,
            results_posted: false,
        }],
    }
}

fn ballot(member: u64) -> herald::store::pulses::Ballot {
    herald::store::pulses::Ballot {
        ballot_key: format!("{:032x}", member + 1_000),
        team: "Sales".into(),
        day: "2026-03-02".into(),
        answers: format!("{}", member % 5 + 1).repeat(5),
        comment: None,
        member: None,
    }
}

#[tokio::test]
async fn concurrent_pulse_submissions_each_count_once_and_replays_change_nothing() {
    use herald::store::pulses::Submitted;
    within(60, async {
        let db = TestDb::new().await;
        let s = std::sync::Arc::new(store::connect(&db.url, 5).await.expect("connect"));
        let (id, new) = s.create_pulse(&new_pulse(10_000)).await.expect("create");
        assert!(new);
        assert_eq!(
            s.create_pulse(&new_pulse(10_000)).await.expect("again"),
            (id, false),
            "created once"
        );
        let tasks: Vec<_> = (0..40u64)
            .map(|m| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.submit(
                        id,
                        &ballot(m),
                        &format!("flow{m}"),
                        &format!("{:032x}", m),
                        5,
                    )
                    .await
                    .expect("submit")
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.expect("task"), Submitted::Saved);
        }
        assert_eq!(s.ballots(id).await.expect("ballots").len(), 40);
        let voters = s.voters(id).await.expect("voters");
        assert_eq!(voters.len(), 40, "no voter lost to a concurrent write");
        assert!(voters.windows(2).all(|w| w[0] < w[1]), "sorted");
        // The same flow again: nothing changes. A new flow: the ballot is replaced.
        let mut changed = ballot(3);
        changed.answers = "55555".into();
        assert_eq!(
            s.submit(id, &changed, "flow3", &format!("{:032x}", 3), 6)
                .await
                .expect("replay"),
            Submitted::Replay
        );
        assert_eq!(
            s.submit(id, &changed, "later", &format!("{:032x}", 3), 6)
                .await
                .expect("change"),
            Submitted::Replaced
        );
        let ballots = s.ballots(id).await.expect("ballots");
        assert_eq!(ballots.len(), 40);
        assert!(ballots
            .iter()
            .any(|b| b.ballot_key == changed.ballot_key && b.answers == "55555"));
        assert_eq!(s.voters(id).await.expect("voters").len(), 40);
        // After the close time nothing is taken.
        assert_eq!(
            s.submit(id, &ballot(99), "late", &format!("{:032x}", 99), 10_000)
                .await
                .expect("late"),
            Submitted::Closed
        );
        assert!(s.mark_pulse_closed(id, 10_000).await.expect("close"));
        assert!(
            !s.mark_pulse_closed(id, 10_001).await.expect("once"),
            "closed once"
        );
        assert!(s.unfinished_pulses().await.expect("list").is_empty());
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_story_draft_is_claimed_by_one_click_and_a_stale_post_is_taken_over() {
    use herald::store::stories::{StoryDraft, StoryStatus};
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 4).await.expect("connect");
        let draft = StoryDraft {
            id: "d1".into(),
            guild: G,
            author: MemberId(7),
            template: "stories/weekly.md".into(),
            team: None,
            status: StoryStatus::Open,
        };
        s.create_story_draft(&draft, 0).await.expect("create");
        assert_eq!(s.story_draft("d1").await.expect("read"), Some(draft));
        let claims: Vec<bool> =
            futures::future::join_all((0..4).map(|_| s.claim_story_draft("d1", 1_000, 0)))
                .await
                .into_iter()
                .map(|r| r.expect("claim"))
                .collect();
        assert_eq!(
            claims.iter().filter(|c| **c).count(),
            1,
            "one click wins: {claims:?}"
        );
        assert!(
            !s.claim_story_draft("d1", 2_000, 500).await.expect("claim"),
            "a post under way is not taken over"
        );
        assert!(
            s.claim_story_draft("d1", 9_000, 1_500)
                .await
                .expect("claim"),
            "a post whose instance died is taken over"
        );
        s.record_story_post("d1", "Sales", MessageId(5))
            .await
            .expect("record");
        s.record_story_post("d1", "Sales", MessageId(6))
            .await
            .expect("a retry records nothing new");
        assert_eq!(s.story_posts("d1").await.expect("posts"), ["Sales"]);
        assert!(s
            .move_story_draft("d1", StoryStatus::Posting, StoryStatus::Posted)
            .await
            .expect("move"));
        assert!(!s
            .move_story_draft("d1", StoryStatus::Open, StoryStatus::Cancelled)
            .await
            .expect("move"));
        assert!(
            !s.claim_story_draft("d1", 99_000_000, 99_000_000)
                .await
                .expect("claim"),
            "posted stays posted"
        );
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn one_instance_holds_the_gateway_lease_until_it_lapses_or_is_given_up() {
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        assert!(
            s.hold_gateway("a", 0, 15_000).await.expect("hold"),
            "free: a takes it"
        );
        assert!(
            !s.hold_gateway("b", 1_000, 15_000).await.expect("hold"),
            "a holds it"
        );
        assert!(
            s.hold_gateway("a", 10_000, 15_000).await.expect("renew"),
            "a renews"
        );
        assert!(
            !s.hold_gateway("b", 20_000, 15_000).await.expect("hold"),
            "past a's first lease but inside the renewed one"
        );
        assert!(
            s.hold_gateway("b", 25_001, 15_000).await.expect("hold"),
            "a stopped renewing: b takes over"
        );
        assert!(
            !s.hold_gateway("a", 25_002, 15_000).await.expect("renew"),
            "a, back late, cannot take it back while b's lease stands"
        );
        s.release_gateway("a")
            .await
            .expect("a gives up what it no longer has");
        assert!(
            !s.hold_gateway("c", 25_003, 15_000).await.expect("hold"),
            "still b's"
        );
        s.release_gateway("b").await.expect("release");
        assert!(
            s.hold_gateway("c", 25_004, 15_000).await.expect("hold"),
            "given up: c takes it at once"
        );
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_database_clock_reads_unix_milliseconds_near_real_time() {
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        let first = s.db_now_ms().await.expect("the database's clock");
        let off = first - chrono::Utc::now().timestamp_millis();
        assert!(
            off.abs() < 5_000,
            "the database's clock is {off} ms off real time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let later = s.db_now_ms().await.expect("the database's clock");
        assert!(
            later > first,
            "the clock moves on within a session ({first} then {later})"
        );
        s.close().await;
    })
    .await;
}

#[tokio::test]
async fn contributor_keys_are_counted_per_group_and_a_rebuild_keeps_the_groups() {
    use herald::domain::people::distinct_people;
    use herald::domain::record::{Signal, Source};
    within(60, async {
        let db = TestDb::new().await;
        let s = store::connect(&db.url, 2).await.expect("connect");
        let signal = |source, who: String| Signal {
            team: "Sales".into(),
            source,
            score: 0.5,
            contributor: who,
            at_ms: 86_400_000 * 10,
        };
        // The same five people answer two pulses (ballot keys that cannot be linked)
        // and three of them react (person keys): five people, not thirteen.
        for pulse in [1, 2] {
            let ballots: Vec<Signal> = (0..5)
                .map(|i| signal(Source::Pulse, format!("ballot-{pulse}-{i}")))
                .collect();
            let origin = format!("pulse:{pulse}");
            assert!(s
                .add_signals(G, &ballots, Some(&origin))
                .await
                .expect("add"));
        }
        for i in 0..3 {
            let event = format!("reaction-{i}");
            let r = signal(Source::Reaction, format!("person-{i}"));
            assert!(s.add_event_signal(G, &r, &event).await.expect("add"));
        }
        let groups = |s: std::sync::Arc<dyn herald::store::Store>| async move {
            let g = s
                .contributor_groups(G, Some("Sales"), 0)
                .await
                .expect("groups");
            g.into_iter()
                .map(|(_, scope, n)| (scope, n))
                .collect::<Vec<_>>()
        };
        let expected = vec![
            (String::new(), 3),
            ("pulse:1".to_string(), 5),
            ("pulse:2".to_string(), 5),
        ];
        assert_eq!(groups(s.clone()).await, expected);
        let week = herald::domain::record::monday_of(10);
        let weekly = |s: std::sync::Arc<dyn herald::store::Store>| async move {
            let mut c = s.week_key_counts(G, week - 7, week).await.expect("counts");
            c.sort();
            c
        };
        let per_week = vec![
            ("Sales".to_string(), String::new(), week, 3),
            ("Sales".to_string(), "pulse:1".to_string(), week, 5),
            ("Sales".to_string(), "pulse:2".to_string(), week, 5),
        ];
        assert_eq!(
            weekly(s.clone()).await,
            per_week,
            "each week's keys per group"
        );
        // A key seen again in the same week is not counted twice.
        let again = signal(Source::Reaction, "person-0".into());
        assert!(s
            .add_event_signal(G, &again, "reaction-again")
            .await
            .expect("add"));
        assert_eq!(
            weekly(s.clone()).await,
            per_week,
            "a key counts once a week"
        );
        assert_eq!(
            s.week_keys(G, "Sales", week, week)
                .await
                .expect("keys")
                .len(),
            13
        );
        let people = distinct_people(expected.iter().map(|(_, n)| *n), Some(6));
        assert_eq!(people.describe(), "at least 5 contributors");
        assert_eq!(s.rebuild_sentiment(G).await.expect("rebuild"), 14);
        assert_eq!(
            groups(s.clone()).await,
            expected,
            "a rebuild keeps each key's group"
        );
        assert_eq!(
            weekly(s.clone()).await,
            per_week,
            "a rebuild counts each week anew"
        );
        assert!(
            s.contributor_groups(G, Some("Sales"), 11)
                .await
                .expect("groups")
                .is_empty(),
            "no one after day 10"
        );
        s.close().await;
    })
    .await;
}
