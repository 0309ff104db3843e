//! `Debug` for [`Settings`]: every field, with the URLs redacted and the token hidden.

use std::fmt;

use super::{redact_url, Settings};

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every field is named on purpose: a new setting fails to compile here until
        // someone decides whether it may be printed as it is.
        let Settings {
            database_url,
            database_max_connections,
            discord_token,
            discord_api_base,
            discord_guild_id,
            messages_dir,
            http_listen,
            public_url,
            dashboard_key_file,
            min_group_size,
            privacy_key_file,
            privacy_old_key_file,
            log_format,
            change_lead_role,
            manager_role,
            sponsor_role,
            champions_channel,
            recognition_daily_cap,
            recognition_values,
            sentiment_half_life_days,
            sentiment_alert_drop,
            sentiment_alert_floor,
            feedback_channels,
            reaction_scores,
            adoption_token,
            mirrors,
            origins: _,
        } = self;
        f.debug_struct("Settings")
            .field("database_url", &redact_url(database_url))
            .field("database_max_connections", database_max_connections)
            .field("discord_token", discord_token)
            .field(
                "discord_api_base",
                &discord_api_base.as_deref().map(redact_url),
            )
            .field("discord_guild_id", discord_guild_id)
            .field("messages_dir", messages_dir)
            .field("http_listen", http_listen)
            .field("public_url", &public_url.as_deref().map(redact_url))
            .field("dashboard_key_file", dashboard_key_file)
            .field("min_group_size", min_group_size)
            .field("privacy_key_file", privacy_key_file)
            .field("privacy_old_key_file", privacy_old_key_file)
            .field("log_format", log_format)
            .field("change_lead_role", change_lead_role)
            .field("manager_role", manager_role)
            .field("sponsor_role", sponsor_role)
            .field("champions_channel", champions_channel)
            .field("recognition_daily_cap", recognition_daily_cap)
            .field("recognition_values", recognition_values)
            .field("sentiment_half_life_days", sentiment_half_life_days)
            .field("sentiment_alert_drop", sentiment_alert_drop)
            .field("sentiment_alert_floor", sentiment_alert_floor)
            .field("feedback_channels", feedback_channels)
            .field("reaction_scores", reaction_scores)
            // A `Secret`: its `Debug` is redacted.
            .field("adoption_token", adoption_token)
            // `Mirror`'s URL is a `Secret`, whose `Debug` is redacted.
            .field("mirrors", mirrors)
            .finish_non_exhaustive()
    }
}
