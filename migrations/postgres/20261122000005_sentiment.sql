-- The sentiment record. Raw signals keep a score, never a text; contributors are keyed
-- hashes, only counted. Cells are the running record per team, day and source, updated
-- as signals arrive; `herald sentiment rebuild` recomputes them from the signals.
CREATE TABLE sentiment_signals (
    id          BIGSERIAL PRIMARY KEY,
    guild_id    BIGINT  NOT NULL,
    team_name   TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    score       DOUBLE PRECISION NOT NULL,
    contributor TEXT    NOT NULL,
    at_ms       BIGINT  NOT NULL,
    origin      TEXT
);
CREATE INDEX sentiment_signals_origin ON sentiment_signals (guild_id, origin);

CREATE TABLE sentiment_cells (
    guild_id  BIGINT  NOT NULL,
    team_name TEXT    NOT NULL,
    day       BIGINT  NOT NULL,
    source    TEXT    NOT NULL,
    n         BIGINT  NOT NULL,
    total     DOUBLE PRECISION NOT NULL,
    pos       BIGINT  NOT NULL,
    neu       BIGINT  NOT NULL,
    neg       BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, team_name, day, source)
);

-- The same cells with the sources summed: one row per team and day, for overviews.
CREATE TABLE sentiment_days (
    guild_id  BIGINT  NOT NULL,
    team_name TEXT    NOT NULL,
    day       BIGINT  NOT NULL,
    n         BIGINT  NOT NULL,
    total     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (guild_id, team_name, day)
);

-- Each contributor's latest day per team: distinct people in a recent window is a count.
CREATE TABLE sentiment_last_seen (
    guild_id    BIGINT  NOT NULL,
    team_name   TEXT    NOT NULL,
    contributor TEXT    NOT NULL,
    last_day    BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, team_name, contributor)
);
CREATE INDEX sentiment_last_seen_day ON sentiment_last_seen (guild_id, last_day);

CREATE TABLE sentiment_alerts (
    guild_id   BIGINT  NOT NULL,
    team_name  TEXT    NOT NULL,
    open       BIGINT  NOT NULL,
    changed_ms BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, team_name)
);
