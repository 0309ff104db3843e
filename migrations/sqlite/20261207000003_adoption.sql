-- Adoption figures as they arrive (POST /api/v1/adoption, herald adoption import): one
-- value per source, metric, team and day, replaced when the same day is sent again.
CREATE TABLE adoption_team_values (
    guild_id   INTEGER NOT NULL,
    metric     TEXT    NOT NULL,
    team_name  TEXT    NOT NULL,
    day        INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (guild_id, metric, team_name, day, source)
);
-- Per-person rows are kept only under a keyed hash of the person (the key is not in the
-- database), within each of their teams: a team's figure is counted from them, and no
-- row can be linked to a member from the database.
CREATE TABLE adoption_person_values (
    guild_id   INTEGER NOT NULL,
    metric     TEXT    NOT NULL,
    team_name  TEXT    NOT NULL,
    day        INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    person     TEXT    NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (guild_id, metric, team_name, day, source, person)
);
