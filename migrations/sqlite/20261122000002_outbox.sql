-- The durable outbox, schedule cursors, pauses, acknowledgements and announcement drafts.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    item_id         TEXT    NOT NULL,
    team_name       TEXT    NOT NULL,
    channel_id      INTEGER NOT NULL,
    fire_at_ms      INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    lease_until_ms  INTEGER,
    claimed_by      TEXT,
    message_id      INTEGER,
    sent_at_ms      INTEGER,
    late_ms         INTEGER,
    last_error      TEXT,
    body            TEXT,
    ref_id          INTEGER,
    CONSTRAINT outbox_once UNIQUE (guild_id, kind, item_id, channel_id, fire_at_ms)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_ms);
CREATE INDEX outbox_item ON outbox (guild_id, item_id, status);

CREATE TABLE schedule_cursors (
    guild_id INTEGER NOT NULL,
    item_id  TEXT    NOT NULL,
    until_ms INTEGER NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

CREATE TABLE comms_pauses (
    guild_id  INTEGER NOT NULL,
    item_id   TEXT    NOT NULL,
    paused_ms INTEGER NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

CREATE TABLE acks (
    outbox_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    at_ms     INTEGER NOT NULL,
    PRIMARY KEY (outbox_id, member_id)
);

CREATE TABLE drafts (
    id         TEXT    PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    author_id  INTEGER NOT NULL,
    audience   TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_ms INTEGER NOT NULL
);
