-- Recognitions given by managers, the champion roster, and the wins log.
CREATE TABLE recognitions (
    id        BIGSERIAL PRIMARY KEY,
    guild_id  BIGINT  NOT NULL,
    giver_id  BIGINT  NOT NULL,
    member_id BIGINT  NOT NULL,
    team_name TEXT,
    value     TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    at_ms     BIGINT  NOT NULL
);
CREATE INDEX recognitions_by_time ON recognitions (guild_id, at_ms);
CREATE INDEX recognitions_by_giver ON recognitions (guild_id, giver_id, at_ms);

CREATE TABLE champions (
    guild_id      BIGINT  NOT NULL,
    member_id     BIGINT  NOT NULL,
    team_name     TEXT    NOT NULL,
    nominated_by  BIGINT  NOT NULL,
    at_ms         BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);

CREATE TABLE wins (
    id             BIGSERIAL PRIMARY KEY,
    guild_id       BIGINT  NOT NULL,
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    team_name      TEXT,
    recognition_id BIGINT  REFERENCES recognitions (id),
    added_by       BIGINT  NOT NULL,
    at_ms          BIGINT  NOT NULL
);
CREATE INDEX wins_by_time ON wins (guild_id, at_ms);
