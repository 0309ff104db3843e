use std::collections::HashMap;
use std::io::Write;

use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn file_with(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(text.as_bytes()).expect("write");
    f
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    let s = Settings::load(None, &env(&[])).expect("defaults load");
    assert_eq!(s.database_url, "sqlite://herald.db");
    assert_eq!(s.min_group_size, 5);
    assert_eq!(s.http_listen.to_string(), "127.0.0.1:8080");
    assert_eq!(s.origin("database.url"), Origin::Default);
}

#[test]
fn the_environment_overrides_the_file() {
    let f = file_with("[http]\nlisten = \"127.0.0.1:9000\"\n[privacy]\nmin_group_size = 7\n");
    let s = Settings::load(
        Some(f.path()),
        &env(&[("HERALD__PRIVACY__MIN_GROUP_SIZE", "9")]),
    )
    .unwrap();
    assert_eq!(s.http_listen.port(), 9000);
    assert_eq!(s.min_group_size, 9);
    assert_eq!(
        s.origin("privacy.min_group_size"),
        Origin::Env("HERALD__PRIVACY__MIN_GROUP_SIZE".into())
    );
}

#[test]
fn an_unknown_key_in_the_file_names_its_line() {
    let f = file_with("[database]\nurl = \"sqlite://x.db\"\ncolour = \"red\"\n");
    let err = Settings::load(Some(f.path()), &env(&[])).unwrap_err();
    let line = err.to_string();
    assert!(
        line.contains(":3:1: database.colour: unknown setting"),
        "{line}"
    );
    let err = Settings::load(None, &env(&[("HERALD__PRIVACY__MIN_GROUP_SZE", "5")])).unwrap_err();
    assert!(
        err.to_string().contains(
            "unknown setting `privacy.min_group_sze`; did you mean `privacy.min_group_size`?"
        ),
        "{err}"
    );
}

#[test]
fn a_wrong_type_in_the_file_names_its_line_and_column() {
    let f = file_with("[privacy]\n\nmin_group_size = \"five\"\n");
    let err = Settings::load(Some(f.path()), &env(&[])).unwrap_err();
    assert_eq!(err.key, "privacy.min_group_size");
    assert!(
        matches!(
            err.origin,
            Origin::File {
                line: 3,
                col: 18,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.message.contains("expected a number"), "{err}");
}

#[test]
fn a_group_size_below_three_is_refused() {
    let err = Settings::load(None, &env(&[("HERALD__PRIVACY__MIN_GROUP_SIZE", "2")])).unwrap_err();
    assert_eq!(
        err.origin,
        Origin::Env("HERALD__PRIVACY__MIN_GROUP_SIZE".into())
    );
    assert!(err.message.contains("smaller than 3"), "{err}");
}

#[test]
fn an_unknown_environment_key_is_named() {
    let err = Settings::load(None, &env(&[("HERALD__DATABASE__URLL", "x")])).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("environment variable HERALD__DATABASE__URLL"),
        "{err}"
    );
}

#[test]
fn broken_toml_is_reported_with_its_line() {
    let f = file_with("[database]\nurl = \"unterminated\n");
    let err = Settings::load(Some(f.path()), &env(&[])).unwrap_err();
    assert!(matches!(err.origin, Origin::File { line: 2, .. }), "{err}");
}

#[test]
fn the_token_comes_from_discord_token_or_a_file() {
    let s = Settings::load(None, &env(&[("DISCORD_TOKEN", "abc")])).unwrap();
    assert_eq!(s.discord_token.as_ref().map(Secret::expose), Some("abc"));
    let tf = file_with("from-file\n");
    let path = tf.path().display().to_string();
    let s = Settings::load(None, &env(&[("HERALD__DISCORD__TOKEN_FILE", &path)])).unwrap();
    assert_eq!(
        s.discord_token.as_ref().map(Secret::expose),
        Some("from-file")
    );
}

#[test]
fn the_token_never_shows_in_debug_output() {
    let s = Settings::load(None, &env(&[("DISCORD_TOKEN", "canary-7f3a9")])).unwrap();
    assert!(!format!("{s:?}").contains("canary-7f3a9"));
}

#[test]
fn mirrors_come_from_tables_or_the_environment_and_their_urls_stay_secret() {
    let f = file_with(
        "[mirrors.slack]\nkind = \"slack\"\nurl = \"https://hooks.example.com/T0/B0/secret-xyz\"\n",
    );
    let s = Settings::load(
        Some(f.path()),
        &env(&[
            ("HERALD__MIRRORS__OPS__KIND", "json"),
            ("HERALD__MIRRORS__OPS__URL", "http://127.0.0.1:9/x"),
        ]),
    )
    .unwrap();
    assert_eq!(s.mirrors["slack"].kind, MirrorKind::Slack);
    assert_eq!(s.mirrors["ops"].url.expose(), "http://127.0.0.1:9/x");
    assert!(!format!("{s:?}").contains("secret-xyz"));
    let err = Settings::load(None, &env(&[("HERALD__MIRRORS__OPS__KIND", "email")])).unwrap_err();
    assert!(
        err.message.contains("expected `slack`, `teams` or `json`"),
        "{err}"
    );
    let err = Settings::load(None, &env(&[("HERALD__MIRRORS__OPS__KIND", "json")])).unwrap_err();
    assert!(err.message.contains("`url` is missing"), "{err}");
}

#[test]
fn champion_settings_read_a_cap_a_channel_and_a_list_of_values() {
    let f = file_with(
        "[champions]\nchannel = \"kudos\"\ndaily_cap = 3\nvalues = \"Early adopter, Patient teacher\"\n",
    );
    let s = Settings::load(Some(f.path()), &env(&[])).expect("valid");
    assert_eq!(s.champions_channel.as_deref(), Some("kudos"));
    assert_eq!(s.recognition_daily_cap, 3);
    assert_eq!(s.recognition_values, ["Early adopter", "Patient teacher"]);
    let err = Settings::load(None, &env(&[("HERALD__CHAMPIONS__VALUES", " , ")]))
        .expect_err("an empty list is refused");
    assert_eq!(err.key, "champions.values");
    assert!(
        err.message.contains("separated by commas"),
        "{}",
        err.message
    );
}

#[test]
fn reaction_scores_read_as_emoji_equals_score_and_refuse_out_of_range() {
    let s = Settings::load(None, &env(&[])).expect("defaults");
    assert!(s.reaction_scores.contains(&("👍".to_string(), 1.0)));
    assert!(s.reaction_scores.contains(&("😕".to_string(), -0.5)));
    let s = Settings::load(
        None,
        &env(&[("HERALD__SENTIMENT__REACTIONS", "🚀=0.8, 🐢=-0.3")]),
    )
    .expect("valid");
    assert_eq!(
        s.reaction_scores,
        [("🚀".to_string(), 0.8), ("🐢".to_string(), -0.3)]
    );
    let err = Settings::load(None, &env(&[("HERALD__SENTIMENT__REACTIONS", "🚀=2")]))
        .expect_err("out of range");
    assert_eq!(err.key, "sentiment.reactions");
    let f = file_with("[sentiment]\nalert_drop = 0.25\nhalf_life_days = 7\n");
    let s = Settings::load(Some(f.path()), &env(&[])).expect("floats from the file");
    assert_eq!(
        (s.sentiment_alert_drop, s.sentiment_half_life_days),
        (0.25, 7.0)
    );
}

/// A secret no error or `Debug` print may show, whichever key it was pasted into.
const CANARY: &str = "hunter2canary";

/// Both faces of an error (what the CLI prints and what a `{:?}` log would) hide the canary.
fn assert_hides_canary(err: &ConfigError, case: &str) {
    let shown = format!("{err}\n{err:?}");
    assert!(!shown.contains(CANARY), "{case} echoed the secret: {shown}");
}

/// Malformed values that carry the canary, one per way a value can be wrong.
const BAD_VALUES: &[&str] = &[
    "hunter2canary",
    "hunter2canary=x, =",
    "postgre://u:hunter2canary@db/x",
    "postgresql:/u:hunter2canary@db/x",
    "hunter2canary:9/x",
    "ftp://hooks.example.com/T0/hunter2canary",
    "hunter2canary-and-then-enough-text-to-be-longer-than-eighty-characters-for-any-list",
];

/// Keys that take any non-empty text, so no value above is malformed for them.
const FREE_TEXT_KEYS: &[&str] = &[
    "discord.token",
    "messages.dir",
    "http.dashboard_key_file",
    "privacy.key_file",
    "privacy.old_key_file",
    "roles.change_lead",
    "roles.manager",
    "roles.sponsor",
    "champions.channel",
    "adoption.token",
];

/// `[section]\nkey = "value"` for a `section.key`.
fn toml_for(key: &str, value: &str) -> String {
    let (section, name) = key.split_once('.').expect("section.key");
    format!("[{section}]\n{name} = \"{value}\"\n")
}

#[test]
fn no_error_for_any_key_echoes_the_bad_value_from_the_environment_or_the_file() {
    let mut refused = std::collections::BTreeSet::new();
    for key in KEYS {
        let var = format!("HERALD__{}", key.to_ascii_uppercase().replace('.', "__"));
        for value in BAD_VALUES {
            if let Err(e) = Settings::load(None, &env(&[(&var, value)])) {
                assert_hides_canary(&e, &format!("{var}={value}"));
                refused.insert(*key);
            }
            let f = file_with(&toml_for(key, value));
            if let Err(e) = Settings::load(Some(f.path()), &env(&[])) {
                assert_hides_canary(&e, &format!("herald.toml {key} = {value}"));
                refused.insert(*key);
            }
        }
    }
    let err = Settings::load(None, &env(&[("HERALD__DATABASE__URLL", CANARY)])).unwrap_err();
    assert_hides_canary(&err, "an unknown key");
    let never_refused: Vec<&str> = KEYS
        .iter()
        .copied()
        .filter(|k| !refused.contains(k))
        .collect();
    assert_eq!(
        never_refused, FREE_TEXT_KEYS,
        "every other key met at least one malformed value, so its error path ran"
    );
}

#[test]
fn a_bad_mirror_never_shows_its_webhook_token() {
    let cases: &[(&str, &str)] = &[
        (
            "HERALD__MIRRORS__OPS__URL",
            "hooks.slack.com/services/T0/B0/hunter2canary",
        ),
        (
            "HERALD__MIRRORS__OPS__URL",
            "ftp://hooks.example.com/T0/hunter2canary",
        ),
        (
            "HERALD__MIRRORS__OPS__URL",
            "hooks.example.com:443/hunter2canary",
        ),
        ("HERALD__MIRRORS__OPS__URL", "hunter2canary"),
        ("HERALD__MIRRORS__OPS__KIND", "hunter2canary"),
    ];
    for (var, value) in cases {
        let err = Settings::load(None, &env(&[(var, value)])).expect_err(value);
        assert_hides_canary(&err, &format!("{var}={value}"));
    }
    let f =
        file_with("[mirrors.ops]\nkind = \"slack\"\nurl = \"hooks.slack.com/T0/hunter2canary\"\n");
    let err = Settings::load(Some(f.path()), &env(&[])).expect_err("no scheme");
    assert_hides_canary(&err, "a mirror url in herald.toml");
    assert!(
        err.message.contains("expected a URL like https://"),
        "{err}"
    );
}

#[test]
fn a_mistyped_database_url_says_what_is_wrong_without_its_password() {
    for url in [
        "postgre://u:hunter2canary@db/x",
        "postgre://u@db/x?password=hunter2canary",
        "postgresql:/u:hunter2canary@db/x",
        "postgres://u:hunter2canary@[::1/x",
        "postgres://u:hunter2canary@db:54x32/x",
        "u:hunter2canary@db/x",
    ] {
        let err = Settings::load(None, &env(&[("HERALD__DATABASE__URL", url)])).expect_err(url);
        assert_hides_canary(&err, url);
        assert!(
            err.message.contains("not a database URL") || err.message.contains("not a valid URL"),
            "{err}"
        );
    }
    let err = Settings::load(
        None,
        &env(&[("HERALD__DATABASE__URL", "postgre://u:hunter2canary@db/x")]),
    )
    .unwrap_err();
    assert!(
        err.message.starts_with("`***://***:***@db/***` is not"),
        "{err}"
    );
}

#[test]
fn broken_toml_never_quotes_the_line_it_could_not_read() {
    let broken = [
        "[discord]\ntoken = hunter2canary\n",
        "[discord]\ntoken = \"hunter2canary\n",
        "[discord]\ntoken = 'hunter2canary\n",
        "[discord]\ntoken = \"\"\"hunter2canary\n",
        "[discord]\ntoken = \"hunter2canary\" x\n",
        "[discord]\ntoken = \"hunter2\\qcanary\"\n",
        "[discord]\ntoken = [\"hunter2canary\",\n",
        "token = \"hunter2canary\"\n",
        "hunter2canary\n",
        "[hunter2canary\n",
        "[database]\nurl = postgres://u:hunter2canary@db/x\n",
        "[privacy]\nmin_group_size = \"hunter2canary\"\n",
        "[discord]\ntoken = [\"hunter2canary\"]\n",
    ];
    for text in broken {
        let f = file_with(text);
        let err = Settings::load(Some(f.path()), &env(&[])).expect_err(text);
        assert_hides_canary(&err, text);
        assert!(
            matches!(err.origin, Origin::File { line: 1.., .. }),
            "{err}"
        );
    }
}

#[test]
fn a_value_outside_any_section_names_its_kind_not_its_text() {
    let f = file_with("token = \"hunter2canary\"\n");
    let err = Settings::load(Some(f.path()), &env(&[])).unwrap_err();
    assert_eq!(
        err.message,
        "expected a [section] of settings, found string outside any section"
    );
}

#[test]
fn an_unreadable_token_file_is_named_by_its_origin_not_its_path() {
    let err = Settings::load(None, &env(&[("HERALD__DISCORD__TOKEN_FILE", CANARY)])).unwrap_err();
    assert_hides_canary(&err, "token_file from the environment");
    assert_eq!(
        err.origin,
        Origin::Env("HERALD__DISCORD__TOKEN_FILE".into())
    );
    assert!(err.message.contains("set discord.token instead"), "{err}");
    let f = file_with("[discord]\ntoken_file = \"/nowhere/hunter2canary\"\n");
    let err = Settings::load(Some(f.path()), &env(&[])).unwrap_err();
    assert_hides_canary(&err, "token_file from herald.toml");
    assert!(err.message.contains("not found"), "{err}");
}

#[test]
fn debug_of_loaded_settings_shows_no_password_token_or_webhook_path() {
    let f = file_with(
        "[mirrors.slack]\nkind = \"slack\"\nurl = \"https://hooks.example.com/T0/B0/hunter2canary?token=hunter2canary\"\n",
    );
    let s = Settings::load(
        Some(f.path()),
        &env(&[
            (
                "HERALD__DATABASE__URL",
                "postgres://u:hunter2canary@db/x?password=hunter2canary&sslmode=require",
            ),
            ("DISCORD_TOKEN", CANARY),
            (
                "HERALD__DISCORD__API_BASE",
                "http://u:hunter2canary@127.0.0.1:9",
            ),
            ("HERALD__MIRRORS__OPS__KIND", "json"),
            (
                "HERALD__MIRRORS__OPS__URL",
                "http://127.0.0.1:9/hooks/hunter2canary",
            ),
        ]),
    )
    .expect("valid settings");
    let shown = format!("{s:?}\n{s:#?}");
    assert!(!shown.contains(CANARY), "{shown}");
    assert!(
        shown.contains("postgres://u:***@db/x?password=***&sslmode=***"),
        "the database is still recognisable: {shown}"
    );
}
