-- Story previews as drafts. "Post it" claims a draft once (open -> posting -> posted, or
-- open -> cancelled), so a double click, a replayed click or two instances racing post a
-- story once; story_posts records each team's post, so "Post it" again after a failure
-- finishes only the teams still without it. claimed_ms lets a post whose instance died
-- be taken over after ten minutes.
CREATE TABLE story_drafts (
    id         TEXT    PRIMARY KEY,
    guild_id   BIGINT  NOT NULL,
    author_id  BIGINT  NOT NULL,
    template   TEXT    NOT NULL,
    team_name  TEXT,
    status     TEXT    NOT NULL,
    created_ms BIGINT  NOT NULL,
    claimed_ms BIGINT
);

CREATE TABLE story_posts (
    draft_id   TEXT    NOT NULL REFERENCES story_drafts (id) ON DELETE CASCADE,
    team_name  TEXT    NOT NULL,
    message_id BIGINT  NOT NULL,
    PRIMARY KEY (draft_id, team_name)
);
