-- A reply to a pulse comment, and whether its author has answered (once). The author is
-- not stored: the comment is named by its ballot's keyed hash, which the ballots table
-- already holds, and only the privacy key (outside the database) leads from it to a
-- person. The replier is stored: they chose to reply.
CREATE TABLE comment_replies (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    pulse_id        INTEGER NOT NULL,
    team_name       TEXT    NOT NULL,
    ballot_key      TEXT    NOT NULL,
    by_id           INTEGER NOT NULL,
    at_ms           INTEGER NOT NULL,
    answered_at_ms  INTEGER
);
