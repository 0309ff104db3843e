-- Who was active in each calendar week (`week`: its Monday), kept by triggers as person
-- rows arrive or change, and how many per team and week: /adoption reads these few rows
-- instead of every person's every day.
CREATE TABLE adoption_week_people (
    guild_id   INTEGER NOT NULL,
    metric     TEXT    NOT NULL,
    team_name  TEXT    NOT NULL,
    week       INTEGER NOT NULL,
    person     TEXT    NOT NULL,
    PRIMARY KEY (guild_id, metric, team_name, week, person)
);
CREATE TABLE adoption_week_counts (
    guild_id   INTEGER NOT NULL,
    metric     TEXT    NOT NULL,
    team_name  TEXT    NOT NULL,
    week       INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (guild_id, metric, week, team_name)
);
CREATE TRIGGER adoption_person_active AFTER INSERT ON adoption_person_values
WHEN NEW.value > 0
BEGIN
    INSERT INTO adoption_week_people (guild_id, metric, team_name, week, person)
    VALUES (NEW.guild_id, NEW.metric, NEW.team_name, NEW.day - ((NEW.day + 3) % 7), NEW.person)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER adoption_person_active_again AFTER UPDATE ON adoption_person_values
WHEN NEW.value > 0
BEGIN
    INSERT INTO adoption_week_people (guild_id, metric, team_name, week, person)
    VALUES (NEW.guild_id, NEW.metric, NEW.team_name, NEW.day - ((NEW.day + 3) % 7), NEW.person)
    ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER adoption_person_inactive AFTER UPDATE ON adoption_person_values
WHEN NEW.value <= 0
BEGIN
    DELETE FROM adoption_week_people
     WHERE guild_id = NEW.guild_id AND metric = NEW.metric AND team_name = NEW.team_name
       AND week = NEW.day - ((NEW.day + 3) % 7) AND person = NEW.person
       AND NOT EXISTS (
           SELECT 1 FROM adoption_person_values v
            WHERE v.guild_id = NEW.guild_id AND v.metric = NEW.metric
              AND v.team_name = NEW.team_name AND v.person = NEW.person AND v.value > 0
              AND v.day BETWEEN NEW.day - ((NEW.day + 3) % 7) AND NEW.day - ((NEW.day + 3) % 7) + 6);
END;
CREATE TRIGGER adoption_week_person_counted AFTER INSERT ON adoption_week_people
BEGIN
    INSERT INTO adoption_week_counts (guild_id, metric, team_name, week, n)
    VALUES (NEW.guild_id, NEW.metric, NEW.team_name, NEW.week, 1)
    ON CONFLICT (guild_id, metric, week, team_name) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER adoption_week_person_uncounted AFTER DELETE ON adoption_week_people
BEGIN
    UPDATE adoption_week_counts SET n = n - 1
     WHERE guild_id = OLD.guild_id AND metric = OLD.metric AND week = OLD.week
       AND team_name = OLD.team_name;
END;
-- The old tool's last seven days for every team at once.
CREATE INDEX adoption_team_values_by_day ON adoption_team_values (guild_id, metric, day);
