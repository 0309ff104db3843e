-- Each contributor key once per team and calendar week (`week`: the Monday, in days since
-- 1970-01-01), with its group: how many distinct people stood behind a past week's
-- figures, so a week that rested on too few people is never shown later.
CREATE TABLE sentiment_week_keys (
    guild_id    BIGINT  NOT NULL,
    team_name   TEXT    NOT NULL,
    week        BIGINT  NOT NULL,
    scope       TEXT    NOT NULL,
    contributor TEXT    NOT NULL,
    PRIMARY KEY (guild_id, team_name, week, contributor)
);
INSERT INTO sentiment_week_keys (guild_id, team_name, week, scope, contributor)
SELECT DISTINCT guild_id, team_name,
       (at_ms / 86400000) - ((at_ms / 86400000 + 3) % 7),
       COALESCE(origin, ''), contributor
  FROM sentiment_signals
 WHERE true -- SQLite reads ON CONFLICT after a bare FROM as a join's ON
ON CONFLICT DO NOTHING;
