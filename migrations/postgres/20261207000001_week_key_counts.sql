-- How many keys of each group spoke per team and calendar week, kept by a trigger as
-- keys are first seen (a key already recorded that week is not counted again): the
-- past-week gate reads these few rows instead of every key.
CREATE TABLE sentiment_week_counts (
    guild_id    BIGINT  NOT NULL,
    team_name   TEXT    NOT NULL,
    week        BIGINT  NOT NULL,
    scope       TEXT    NOT NULL,
    n           BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, week, team_name, scope)
);
INSERT INTO sentiment_week_counts (guild_id, team_name, week, scope, n)
SELECT guild_id, team_name, week, scope, COUNT(*)
  FROM sentiment_week_keys
 GROUP BY guild_id, team_name, week, scope;
CREATE FUNCTION sentiment_week_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO sentiment_week_counts (guild_id, team_name, week, scope, n)
        VALUES (NEW.guild_id, NEW.team_name, NEW.week, NEW.scope, 1)
        ON CONFLICT (guild_id, week, team_name, scope)
        DO UPDATE SET n = sentiment_week_counts.n + 1;
    ELSE
        UPDATE sentiment_week_counts SET n = n - 1
         WHERE guild_id = OLD.guild_id AND week = OLD.week
           AND team_name = OLD.team_name AND scope = OLD.scope;
        DELETE FROM sentiment_week_counts
         WHERE guild_id = OLD.guild_id AND week = OLD.week
           AND team_name = OLD.team_name AND scope = OLD.scope AND n <= 0;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER sentiment_week_keys_counted AFTER INSERT OR DELETE ON sentiment_week_keys
    FOR EACH ROW EXECUTE FUNCTION sentiment_week_count();
