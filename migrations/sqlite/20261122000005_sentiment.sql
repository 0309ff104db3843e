-- The sentiment record. Raw signals keep a score, never a text; contributors are keyed
-- hashes, only counted. Cells are the running record per team, day and source, updated
-- as signals arrive; `herald sentiment rebuild` recomputes them from the signals.
CREATE TABLE sentiment_signals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    team_name   TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    score       REAL    NOT NULL,
    contributor TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    origin      TEXT
);
CREATE INDEX sentiment_signals_origin ON sentiment_signals (guild_id, origin);

CREATE TABLE sentiment_cells (
    guild_id  INTEGER NOT NULL,
    team_name TEXT    NOT NULL,
    day       INTEGER NOT NULL,
    source    TEXT    NOT NULL,
    n         INTEGER NOT NULL,
    total     REAL    NOT NULL,
    pos       INTEGER NOT NULL,
    neu       INTEGER NOT NULL,
    neg       INTEGER NOT NULL,
    PRIMARY KEY (guild_id, team_name, day, source)
);

-- The same cells with the sources summed: one row per team and day, for overviews.
CREATE TABLE sentiment_days (
    guild_id  INTEGER NOT NULL,
    team_name TEXT    NOT NULL,
    day       INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    total     REAL    NOT NULL,
    PRIMARY KEY (guild_id, team_name, day)
);

-- Each contributor's latest day per team: distinct people in a recent window is a count.
CREATE TABLE sentiment_last_seen (
    guild_id    INTEGER NOT NULL,
    team_name   TEXT    NOT NULL,
    contributor TEXT    NOT NULL,
    last_day    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, team_name, contributor)
);
CREATE INDEX sentiment_last_seen_day ON sentiment_last_seen (guild_id, last_day);

CREATE TABLE sentiment_alerts (
    guild_id   INTEGER NOT NULL,
    team_name  TEXT    NOT NULL,
    open       INTEGER NOT NULL,
    changed_ms INTEGER NOT NULL,
    PRIMARY KEY (guild_id, team_name)
);
