-- Guilds, members seen, teams, campaigns and role configuration.
CREATE TABLE guilds (
    id            BIGINT PRIMARY KEY,
    name          TEXT   NOT NULL,
    first_seen_ms BIGINT NOT NULL
);

CREATE TABLE members (
    guild_id      BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    member_id     BIGINT NOT NULL,
    display_name  TEXT   NOT NULL,
    first_seen_ms BIGINT NOT NULL,
    last_seen_ms  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);

CREATE TABLE teams (
    id         BIGSERIAL PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    name       TEXT   NOT NULL,
    name_key   TEXT   NOT NULL,
    role_id    BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    CONSTRAINT teams_guild_name_key UNIQUE (guild_id, name_key)
);

CREATE TABLE campaigns (
    id         BIGSERIAL PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    name       TEXT   NOT NULL,
    timezone   TEXT   NOT NULL,
    go_live    TEXT,
    created_ms BIGINT NOT NULL,
    CONSTRAINT campaigns_guild_name_key UNIQUE (guild_id, name)
);

CREATE TABLE role_config (
    guild_id            BIGINT PRIMARY KEY,
    change_lead_role_id BIGINT,
    manager_role_id     BIGINT,
    updated_ms          BIGINT NOT NULL
);
