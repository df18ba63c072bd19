-- Limits the approving person chose for the device's key, kept with the approval until the
-- client's poll issues the key and applies them in the same transaction (so the key never
-- exists without them). Same forms as key_restrictions: scope NULL for no scope of its own,
-- address_ranges empty for no ranges of its own; both unset means no limits of its own.
ALTER TABLE device_authorizations
    ADD COLUMN key_scope          jsonb CHECK (key_scope IS NULL OR jsonb_typeof(key_scope) = 'object'),
    ADD COLUMN key_address_ranges text[] NOT NULL DEFAULT '{}';
