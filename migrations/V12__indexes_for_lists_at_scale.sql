-- Lists stay fast at 100,000 bots and a million audit rows: trigram indexes for the "contains"
-- searches, and ordered indexes that keyset paging walks from either end.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Keys console: bots by name or e-mail fragment, in name order.
CREATE INDEX users_bot_name_trgm ON users USING gin (lower(full_name) gin_trgm_ops) WHERE is_bot;
CREATE INDEX users_bot_email_trgm ON users USING gin (lower(email) gin_trgm_ops) WHERE is_bot;
CREATE INDEX users_bot_name_order ON users (lower(full_name), id) WHERE is_bot;

-- Audit log: newest first, by event, by actor and target fragments.
-- Everything a row's Target filter looks at (its target and the accounts listed in its details),
-- lower-cased and one per line, so one trigram index serves the filter.
CREATE FUNCTION audit_target_text(label text, details jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(coalesce(label, '') || E'\n' || coalesce(
        (SELECT string_agg(t, E'\n') FROM jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(details -> 'targets') = 'array' THEN details -> 'targets' ELSE '[]' END) t), ''));

DROP INDEX audit_log_created;
DROP INDEX audit_log_event;
CREATE INDEX audit_log_newest ON audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_event_newest ON audit_log (event_type, created_at DESC, id DESC);
CREATE INDEX audit_log_actor_trgm ON audit_log USING gin (lower(coalesce(actor_label, '')) gin_trgm_ops);
CREATE INDEX audit_log_target_trgm ON audit_log USING gin (audit_target_text(target_label, details) gin_trgm_ops);
