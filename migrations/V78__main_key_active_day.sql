-- The Keys console lists the bots whose key has been idle for 30 or 90 days, by name when asked.
-- Walking the bots by name and looking up each one's key is a B-tree descent per bot: when the
-- busy bots' names come first, that is thousands of descents before the first idle one. So each
-- account carries the day (UTC) its current main key was created or last used, and the walk
-- rules busy bots out from the row it already holds. The key's own dates still decide; the day
-- only rules out, so it may lag behind but never run ahead of them.
ALTER TABLE users ADD COLUMN main_key_active_on date;

UPDATE users u SET main_key_active_on = (greatest(k.created_at, k.last_used_at) AT TIME ZONE 'UTC')::date
FROM api_keys k
WHERE k.user_id = u.id AND k.kind = 'main' AND k.revoked_at IS NULL;

-- Kept by the database, so that every writer of a key's dates (Keydesk's actions, its usage
-- writer, an operator's repair) keeps the day right. The usage writer sets the day itself first,
-- so this finds nothing to change and takes no lock on users while its statement holds keys.
CREATE FUNCTION users_note_main_key_activity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    active_on date := (greatest(NEW.created_at, NEW.last_used_at) AT TIME ZONE 'UTC')::date;
BEGIN
    UPDATE users SET main_key_active_on = active_on
    WHERE id = NEW.user_id AND main_key_active_on IS DISTINCT FROM active_on;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_main_key_created AFTER INSERT ON api_keys FOR EACH ROW
    WHEN (NEW.kind = 'main' AND NEW.revoked_at IS NULL)
    EXECUTE FUNCTION users_note_main_key_activity();

-- Fires only when a key becomes the current main key or its day changes: at most once a day for
-- a key in use, not at each of its usage writer's updates.
CREATE TRIGGER api_keys_main_key_dates AFTER UPDATE OF created_at, last_used_at, kind, revoked_at, user_id ON api_keys FOR EACH ROW
    WHEN (NEW.kind = 'main' AND NEW.revoked_at IS NULL
          AND (OLD.kind <> 'main' OR OLD.revoked_at IS NOT NULL OR OLD.user_id <> NEW.user_id
               OR (greatest(OLD.created_at, OLD.last_used_at) AT TIME ZONE 'UTC')::date
                  <> (greatest(NEW.created_at, NEW.last_used_at) AT TIME ZONE 'UTC')::date))
    EXECUTE FUNCTION users_note_main_key_activity();
