-- The Keys console's date orders (newest key first, most recently used first) walk the current
-- keys in index order, with keyset paging on (date, account id). A key never used sorts as used
-- at the epoch, after every used one; the expression and the condition (current main keys: the
-- console lists no device or old keys) match KeyListingQueries exactly.
CREATE INDEX api_keys_current_created ON api_keys (created_at DESC, user_id DESC) WHERE revoked_at IS NULL AND kind = 'main';
CREATE INDEX api_keys_current_last_used ON api_keys ((coalesce(last_used_at, 'epoch'::timestamptz)) DESC, user_id DESC)
    WHERE revoked_at IS NULL AND kind = 'main';
