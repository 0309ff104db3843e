//! `/herald status`: version, database backend, uptime, teams and gateway latency.

use std::time::Duration;

use crate::domain::ids::GuildId;
use crate::error::AppResult;

use super::App;

/// Renders the status text for a guild.
pub async fn status(
    app: &App,
    guild: GuildId,
    gateway_latency: Option<Duration>,
) -> AppResult<String> {
    let teams = app.store.list_teams(guild).await?;
    let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
    let team_line = if names.is_empty() {
        "no teams yet (add one with `/team add`)".to_string()
    } else {
        format!("{} ({})", names.len(), names.join(", "))
    };
    let latency = gateway_latency.map_or("not measured yet".to_string(), |d| {
        format!("{} ms", d.as_millis())
    });
    Ok(format!(
        "**Herald {}**\nDatabase: {}\nUptime: {}\nTeams: {}\nGateway latency: {}",
        crate::VERSION,
        app.store.backend().name(),
        human_duration(app.started.elapsed()),
        team_line,
        latency
    ))
}

/// `3d 4h`, `2h 5m`, `4m 10s`, `12s`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, mins, secs) = (s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, _) => format!("{mins}m {secs}s"),
        (0, _, _) => format!("{hours}h {mins}m"),
        _ => format!("{days}d {hours}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_like_a_person_would_say_them() {
        assert_eq!(human_duration(Duration::from_secs(12)), "12s");
        assert_eq!(human_duration(Duration::from_secs(250)), "4m 10s");
        assert_eq!(human_duration(Duration::from_secs(7500)), "2h 5m");
        assert_eq!(
            human_duration(Duration::from_secs(3 * 86_400 + 4 * 3600)),
            "3d 4h"
        );
    }
}
