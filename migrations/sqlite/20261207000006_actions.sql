-- Close the loop: what Herald proposed for a team (one per trigger and episode), and
-- what became of it. Owners are members of the server (change leads, managers, sponsors,
-- champions); nothing here names an employee who answered anything.
CREATE TABLE actions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL,
    team_name       TEXT    NOT NULL,
    trigger_name    TEXT    NOT NULL,
    episode         TEXT    NOT NULL,
    play            TEXT    NOT NULL,
    seen            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    owner_id        INTEGER,
    due_day         INTEGER,
    note            TEXT,
    channel_id      INTEGER,
    repulse_id      INTEGER,
    effect          TEXT,
    message_id      INTEGER,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    UNIQUE (guild_id, team_name, trigger_name, episode)
);
CREATE INDEX actions_by_status ON actions (guild_id, status, due_day);
-- Every move of an action: who moved it, when, to what, and why.
CREATE TABLE action_events (
    action_id  INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    by_id      INTEGER,
    status     TEXT    NOT NULL,
    note       TEXT
);
CREATE INDEX action_events_by_action ON action_events (action_id, at_ms);
