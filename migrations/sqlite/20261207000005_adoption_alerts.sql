-- One adoption alert per episode: open while its rule holds for a team, closed when it
-- stops holding, so the next time it holds is a new episode.
CREATE TABLE adoption_alerts (
    guild_id   INTEGER NOT NULL,
    team_name  TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    open       INTEGER NOT NULL,
    changed_ms INTEGER NOT NULL,
    PRIMARY KEY (guild_id, team_name, kind)
);
