-- Close the loop: what Herald proposed for a team (one per trigger and episode), and
-- what became of it. Owners are members of the server (change leads, managers, sponsors,
-- champions); nothing here names an employee who answered anything.
CREATE TABLE actions (
    id              BIGSERIAL PRIMARY KEY,
    guild_id        BIGINT NOT NULL,
    team_name       TEXT    NOT NULL,
    trigger_name    TEXT    NOT NULL,
    episode         TEXT    NOT NULL,
    play            TEXT    NOT NULL,
    seen            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    owner_id        BIGINT,
    due_day         BIGINT,
    note            TEXT,
    channel_id      BIGINT,
    repulse_id      BIGINT,
    effect          TEXT,
    message_id      BIGINT,
    created_ms      BIGINT NOT NULL,
    updated_ms      BIGINT NOT NULL,
    UNIQUE (guild_id, team_name, trigger_name, episode)
);
CREATE INDEX actions_by_status ON actions (guild_id, status, due_day);
-- Every move of an action: who moved it, when, to what, and why.
CREATE TABLE action_events (
    action_id  BIGINT NOT NULL,
    at_ms      BIGINT NOT NULL,
    by_id      BIGINT,
    status     TEXT    NOT NULL,
    note       TEXT
);
CREATE INDEX action_events_by_action ON action_events (action_id, at_ms);
