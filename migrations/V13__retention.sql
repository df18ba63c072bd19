-- The retention job (see README, "What is kept, and for how long") deletes old rows in batches
-- by time; these indexes find them without reading the whole table.
CREATE INDEX auth_attempts_time ON auth_attempts (attempted_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE INDEX outbox_finished ON outbox ((coalesce(delivered_at, failed_at)))
    WHERE delivered_at IS NOT NULL OR failed_at IS NOT NULL;
CREATE INDEX password_resets_expiry ON password_resets (expires_at);
-- Deleting an account (a deleted bot) clears it from the audit rows it acted in
-- (ON DELETE SET NULL): without this index, each delete would read every audit row.
CREATE INDEX audit_log_actor ON audit_log (actor_id) WHERE actor_id IS NOT NULL;
