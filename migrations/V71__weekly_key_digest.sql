-- The weekly digest of keys to look at, e-mailed to the owners.
-- Whether each person wants it (only owners get it; the choice is kept whatever their role).
ALTER TABLE users ADD COLUMN weekly_key_digest boolean NOT NULL DEFAULT true;

-- One row per ISO week whose digest was queued (or found empty): inserted in the transaction that
-- queues the e-mails, so two processes running the job at once queue it once. The organization is
-- the only one (organizations.id is always 1), so the week alone is the key.
CREATE TABLE key_digest_weeks (
    week       text        PRIMARY KEY CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    run_at     timestamptz NOT NULL,
    recipients integer     NOT NULL CHECK (recipients >= 0)
);
