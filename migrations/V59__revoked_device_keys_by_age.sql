-- The retention job deletes the keys of logged-out devices some days after they were revoked:
-- this finds them by age without reading the live keys.
CREATE INDEX api_keys_revoked_devices ON api_keys (revoked_at) WHERE kind = 'device' AND revoked_at IS NOT NULL;
