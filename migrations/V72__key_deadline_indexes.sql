-- The deadline job asks every second for keys whose next notice is due. With only the index on
-- expires_at, each ask walked every key that had expired and already been told so (expired main
-- keys stay unrevoked), so its cost grew with the number of expired keys. These indexes hold only
-- the keys a notice or retirement is still due for.
CREATE INDEX api_keys_notices_due ON api_keys (expires_at)
    WHERE kind = 'main' AND revoked_at IS NULL AND expires_at IS NOT NULL AND expiry_notices < 3;
CREATE INDEX api_keys_retiring ON api_keys (expires_at) WHERE kind = 'retiring' AND revoked_at IS NULL;
