-- Guilds, members seen, teams, campaigns and role configuration.
CREATE TABLE guilds (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    first_seen_ms INTEGER NOT NULL
);

CREATE TABLE members (
    guild_id      INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL,
    display_name  TEXT    NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    role_id    INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    CONSTRAINT teams_guild_name_key UNIQUE (guild_id, name_key)
);

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    timezone   TEXT    NOT NULL,
    go_live    TEXT,
    created_ms INTEGER NOT NULL,
    CONSTRAINT campaigns_guild_name_key UNIQUE (guild_id, name)
);

CREATE TABLE role_config (
    guild_id            INTEGER PRIMARY KEY,
    change_lead_role_id INTEGER,
    manager_role_id     INTEGER,
    updated_ms          INTEGER NOT NULL
);
