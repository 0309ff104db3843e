-- Which roles each member holds, as the gateway last showed them (GUILD_CREATE, member
-- add / update / remove): team sizes for the export without a Discord connection.
CREATE TABLE member_roles (
    guild_id  BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    role_id   BIGINT NOT NULL,
    PRIMARY KEY (guild_id, member_id, role_id)
);
CREATE INDEX member_roles_role ON member_roles (guild_id, role_id);
