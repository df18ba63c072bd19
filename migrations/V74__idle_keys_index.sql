-- The Usage page lists the current keys unused for 90 days, the longest unused first: this index
-- holds current keys in that order, so the list reads the few idle ones instead of every key.
CREATE INDEX api_keys_current_idle ON api_keys ((coalesce(last_used_at, created_at)), id)
    WHERE revoked_at IS NULL AND kind = 'main';
