-- Ballots whose storage says nothing about the order people answered in.
--
-- One row per pulse and team holds that team's ballots as one JSON list sorted by
-- ballot key (a keyed hash, so the order is random to anyone without the key), rewritten
-- whole on every answer; the used answer flows join the pulse's voter list as one sorted
-- list. A row per ballot kept its insertion order: PostgreSQL's xmin and ctid, and the
-- cells of SQLite's pages, listed ballots in the order they were cast. Here a list's
-- xmin and ctid tell only when that team's list last changed. Superseded row versions stay
-- in PostgreSQL's data files until VACUUM reuses their space: the README's threat model
-- says what that means for someone who can read the raw files.
CREATE TABLE pulse_ballot_sets (
    pulse_id  BIGINT  NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    team_name TEXT    NOT NULL,
    ballots   TEXT    NOT NULL,
    PRIMARY KEY (pulse_id, team_name)
);

INSERT INTO pulse_ballot_sets (pulse_id, team_name, ballots)
SELECT pulse_id, team_name,
       json_agg(json_build_object('key', ballot_key, 'day', day, 'answers', answers,
                                    'comment', comment, 'member', member_id) ORDER BY ballot_key)::text
FROM pulse_ballots
GROUP BY pulse_id, team_name;

DROP TABLE pulse_ballots;

ALTER TABLE pulse_voters ADD COLUMN flows TEXT NOT NULL DEFAULT '';

UPDATE pulse_voters
SET flows = COALESCE((SELECT string_agg(flow, chr(10) ORDER BY flow) FROM pulse_flows f
                      WHERE f.pulse_id = pulse_voters.pulse_id), '');

DROP TABLE pulse_flows;
