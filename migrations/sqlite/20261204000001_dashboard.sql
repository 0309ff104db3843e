-- The leadership dashboard's sign-in. A link from `/dashboard` (or a digest) is used once:
-- its nonce is kept until it would have expired anyway. A session is found by the hash of
-- its cookie (the cookie itself is never stored) and holds the teams it may show, fixed
-- when the link was made; signing out ends it.
CREATE TABLE dashboard_links (
    nonce      TEXT   NOT NULL PRIMARY KEY,
    used_ms    BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE TABLE dashboard_sessions (
    id_hash    TEXT   NOT NULL PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    member_id  BIGINT NOT NULL,
    scope      TEXT   NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    ended_ms   BIGINT
);
