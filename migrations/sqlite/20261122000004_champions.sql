-- Recognitions given by managers, the champion roster, and the wins log.
CREATE TABLE recognitions (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id  INTEGER NOT NULL,
    giver_id  INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    team_name TEXT,
    value     TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    at_ms     INTEGER NOT NULL
);
CREATE INDEX recognitions_by_time ON recognitions (guild_id, at_ms);
CREATE INDEX recognitions_by_giver ON recognitions (guild_id, giver_id, at_ms);

CREATE TABLE champions (
    guild_id      INTEGER NOT NULL,
    member_id     INTEGER NOT NULL,
    team_name     TEXT    NOT NULL,
    nominated_by  INTEGER NOT NULL,
    at_ms         INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);

CREATE TABLE wins (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    team_name      TEXT,
    recognition_id INTEGER REFERENCES recognitions (id),
    added_by       INTEGER NOT NULL,
    at_ms          INTEGER NOT NULL
);
CREATE INDEX wins_by_time ON wins (guild_id, at_ms);
