-- Pulse polls. Who answered (pulse_voters) is kept apart from what was answered
-- (pulse_ballots). Both hold only keyed hashes (the key lives in privacy.key_file, not
-- here); ballots carry the day, never a time; the voters of a pulse are one sorted list,
-- so nothing orders answers to voters. On PostgreSQL the voters list is one row per pulse for the same reason.
CREATE TABLE pulses (
    id           BIGSERIAL PRIMARY KEY,
    guild_id     BIGINT  NOT NULL,
    source       TEXT    NOT NULL,
    set_id       TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    questions    TEXT    NOT NULL,
    anonymous    BIGINT  NOT NULL,
    opened_at_ms BIGINT  NOT NULL,
    closes_at_ms BIGINT  NOT NULL,
    closed_at_ms BIGINT,
    reminders    TEXT    NOT NULL,
    CONSTRAINT pulse_once UNIQUE (guild_id, source, opened_at_ms)
);
CREATE INDEX pulses_open ON pulses (closed_at_ms, closes_at_ms);

CREATE TABLE pulse_teams (
    pulse_id        BIGINT  NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    team_name       TEXT    NOT NULL,
    role_id         BIGINT  NOT NULL,
    channel_id      BIGINT  NOT NULL,
    members_at_open BIGINT  NOT NULL,
    message_id      BIGINT,
    results_posted  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (pulse_id, team_name)
);

CREATE TABLE pulse_voters (
    pulse_id BIGINT  NOT NULL PRIMARY KEY REFERENCES pulses (id) ON DELETE CASCADE,
    voters   TEXT    NOT NULL
);

CREATE TABLE pulse_ballots (
    pulse_id   BIGINT  NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    ballot_key TEXT    NOT NULL,
    team_name  TEXT    NOT NULL,
    day        TEXT    NOT NULL,
    answers    TEXT    NOT NULL,
    comment    TEXT,
    member_id  BIGINT,
    PRIMARY KEY (pulse_id, ballot_key)
);

CREATE TABLE pulse_flows (
    pulse_id BIGINT  NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    flow     TEXT    NOT NULL,
    PRIMARY KEY (pulse_id, flow)
);

CREATE TABLE pulse_reminders (
    pulse_id     BIGINT  NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    hours_before BIGINT  NOT NULL,
    PRIMARY KEY (pulse_id, hours_before)
);

CREATE TABLE pulse_mutes (
    guild_id   BIGINT  NOT NULL,
    member_key TEXT    NOT NULL,
    PRIMARY KEY (guild_id, member_key)
);
