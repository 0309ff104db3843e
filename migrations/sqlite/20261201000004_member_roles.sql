-- Which roles each member holds, as the gateway last showed them (GUILD_CREATE, member
-- add / update / remove): team sizes for the export without a Discord connection.
CREATE TABLE member_roles (
    guild_id  INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    role_id   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id, role_id)
) WITHOUT ROWID;
CREATE INDEX member_roles_role ON member_roles (guild_id, role_id);
