-- Reports of leaked keys wait in the outbox like e-mails and webhook calls: the public report
-- endpoint only queues the reported keys' digests (never a key), and a background sender
-- revokes whichever of them are current keys, so the answer is the same whatever was reported.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('email', 'webhook', 'leak_report'));

-- The Keys console's lookup and the leak reports find a key's audit entries through its id.
CREATE INDEX audit_log_key_id ON audit_log ((details ->> 'key_id')) WHERE details ->> 'key_id' IS NOT NULL;
