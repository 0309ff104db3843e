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
