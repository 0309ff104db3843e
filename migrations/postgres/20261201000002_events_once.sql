-- Every event counted once, however many Herald instances receive it (during a take-over
-- both hold a gateway session and Discord sends each of them every event).
--
-- Interactions are claimed here before anything else happens: the first instance to
-- insert the row answers, the others say nothing. The key is a keyed hash of the
-- interaction id (see PrivacyKey::event), so the table holds no Discord id; only the day
-- is kept, to prune claims a day after they are made.
CREATE TABLE handled_events (
    kind      TEXT    NOT NULL,
    event_key TEXT    NOT NULL,
    day       BIGINT  NOT NULL,
    PRIMARY KEY (kind, event_key)
);
CREATE INDEX handled_events_day ON handled_events (day);

-- A reaction (message, member, emoji) and a feedback message (message) are signals once:
-- the signal row itself carries the event's keyed hash, unique per guild, and is folded
-- into the record in the same transaction. Pulse signals have none (NULLs never clash).
ALTER TABLE sentiment_signals ADD COLUMN event_key TEXT;
CREATE UNIQUE INDEX sentiment_signals_event ON sentiment_signals (guild_id, event_key);
