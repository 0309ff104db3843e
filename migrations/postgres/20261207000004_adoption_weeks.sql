-- Who was active in each calendar week (`week`: its Monday), kept by triggers as person
-- rows arrive or change, and how many per team and week: /adoption reads these few rows
-- instead of every person's every day.
CREATE TABLE adoption_week_people (
    guild_id   BIGINT NOT NULL,
    metric     TEXT   NOT NULL,
    team_name  TEXT   NOT NULL,
    week       BIGINT NOT NULL,
    person     TEXT   NOT NULL,
    PRIMARY KEY (guild_id, metric, team_name, week, person)
);
CREATE TABLE adoption_week_counts (
    guild_id   BIGINT NOT NULL,
    metric     TEXT   NOT NULL,
    team_name  TEXT   NOT NULL,
    week       BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (guild_id, metric, week, team_name)
);
CREATE FUNCTION adoption_person_week() RETURNS trigger AS $$
DECLARE
    monday BIGINT := NEW.day - ((NEW.day + 3) % 7);
BEGIN
    IF NEW.value > 0 THEN
        INSERT INTO adoption_week_people (guild_id, metric, team_name, week, person)
        VALUES (NEW.guild_id, NEW.metric, NEW.team_name, monday, NEW.person)
        ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM adoption_week_people
         WHERE guild_id = NEW.guild_id AND metric = NEW.metric AND team_name = NEW.team_name
           AND week = monday AND person = NEW.person
           AND NOT EXISTS (
               SELECT 1 FROM adoption_person_values v
                WHERE v.guild_id = NEW.guild_id AND v.metric = NEW.metric
                  AND v.team_name = NEW.team_name AND v.person = NEW.person AND v.value > 0
                  AND v.day BETWEEN monday AND monday + 6);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER adoption_person_week AFTER INSERT OR UPDATE ON adoption_person_values
    FOR EACH ROW EXECUTE FUNCTION adoption_person_week();
CREATE FUNCTION adoption_week_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO adoption_week_counts (guild_id, metric, team_name, week, n)
        VALUES (NEW.guild_id, NEW.metric, NEW.team_name, NEW.week, 1)
        ON CONFLICT (guild_id, metric, week, team_name)
        DO UPDATE SET n = adoption_week_counts.n + 1;
    ELSE
        UPDATE adoption_week_counts SET n = n - 1
         WHERE guild_id = OLD.guild_id AND metric = OLD.metric AND week = OLD.week
           AND team_name = OLD.team_name;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER adoption_week_count AFTER INSERT OR DELETE ON adoption_week_people
    FOR EACH ROW EXECUTE FUNCTION adoption_week_count();
-- The old tool's last seven days for every team at once.
CREATE INDEX adoption_team_values_by_day ON adoption_team_values (guild_id, metric, day);
