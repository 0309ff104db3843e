-- Which kind of key a contributor is: '' for a person's key (reactions, feedback), or
-- the pulse whose ballot it is ('pulse:N'). Ballots of different pulses cannot be linked,
-- so distinct people are counted per group and never added across groups.
ALTER TABLE sentiment_last_seen ADD COLUMN scope TEXT NOT NULL DEFAULT '';
UPDATE sentiment_last_seen SET scope = s.origin
  FROM (SELECT DISTINCT guild_id, team_name, contributor, origin FROM sentiment_signals
         WHERE origin IS NOT NULL) AS s
 WHERE s.guild_id = sentiment_last_seen.guild_id
   AND s.team_name = sentiment_last_seen.team_name
   AND s.contributor = sentiment_last_seen.contributor;
