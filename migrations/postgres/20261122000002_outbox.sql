-- The durable outbox, schedule cursors, pauses, acknowledgements and announcement drafts.
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    guild_id        BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    item_id         TEXT    NOT NULL,
    team_name       TEXT    NOT NULL,
    channel_id      BIGINT  NOT NULL,
    fire_at_ms      BIGINT  NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT  NOT NULL,
    lease_until_ms  BIGINT,
    claimed_by      TEXT,
    message_id      BIGINT,
    sent_at_ms      BIGINT,
    late_ms         BIGINT,
    last_error      TEXT,
    body            TEXT,
    ref_id          BIGINT,
    CONSTRAINT outbox_once UNIQUE (guild_id, kind, item_id, channel_id, fire_at_ms)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_ms);
CREATE INDEX outbox_item ON outbox (guild_id, item_id, status);

CREATE TABLE schedule_cursors (
    guild_id BIGINT  NOT NULL,
    item_id  TEXT    NOT NULL,
    until_ms BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

CREATE TABLE comms_pauses (
    guild_id  BIGINT  NOT NULL,
    item_id   TEXT    NOT NULL,
    paused_ms BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, item_id)
);

CREATE TABLE acks (
    outbox_id BIGINT  NOT NULL,
    member_id BIGINT  NOT NULL,
    at_ms     BIGINT  NOT NULL,
    PRIMARY KEY (outbox_id, member_id)
);

CREATE TABLE drafts (
    id         TEXT    PRIMARY KEY,
    guild_id   BIGINT  NOT NULL,
    author_id  BIGINT  NOT NULL,
    audience   TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_ms BIGINT  NOT NULL
);
