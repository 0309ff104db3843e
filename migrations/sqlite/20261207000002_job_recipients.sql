-- Who a job that messages several people one by one (a digest, a manager briefing) has
-- already reached, with the message: a retry after a passing failure goes on from the
-- next person instead of messaging the earlier ones again.
CREATE TABLE job_recipients (
    outbox_id   INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    sent_ms     INTEGER NOT NULL,
    PRIMARY KEY (outbox_id, member_id)
);
