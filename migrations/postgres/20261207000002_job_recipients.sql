-- Who a job that messages several people one by one (a digest, a manager briefing) has
-- already reached, with the message: a retry after a passing failure goes on from the
-- next person instead of messaging the earlier ones again.
CREATE TABLE job_recipients (
    outbox_id   BIGINT NOT NULL,
    member_id   BIGINT NOT NULL,
    message_id  BIGINT NOT NULL,
    sent_ms     BIGINT NOT NULL,
    PRIMARY KEY (outbox_id, member_id)
);
