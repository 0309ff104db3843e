-- Every scheduled job is an outbox row now (pulse openings, reminder steps, one row per
-- reminder direct message, closes, story posts), claimed by lane: rows are found by kind.
CREATE INDEX outbox_lane ON outbox (kind, status, next_attempt_ms);
