-- Keys that live like credentials: one key per device, old bot keys that keep working for a grace
-- period, expiry dates with warnings, and where each key was last used.

-- A device is now one fetch_api_key call with its own key. Earlier rows recorded clients of the
-- account's main key; they have no key of their own to log out, so they go.
DELETE FROM devices;
ALTER TABLE devices DROP CONSTRAINT devices_user_id_client_ip_key;
CREATE INDEX devices_user ON devices (user_id);

-- kind: 'main' (the account's key, shown and downloaded), 'device' (issued once to a device, never
-- shown again, so no ciphertext), 'retiring' (a replaced bot key in its grace period).
-- expires_at: a main key's expiry, or the end of a retiring key's grace period.
-- expiry_notices: how far the expiry warnings got (1: 7 days, 2: 1 day, 3: expired), so each is sent once.
ALTER TABLE api_keys ADD COLUMN kind text NOT NULL DEFAULT 'main' CHECK (kind IN ('main', 'device', 'retiring'));
ALTER TABLE api_keys ADD COLUMN device_id bigint REFERENCES devices (id) ON DELETE SET NULL;
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD COLUMN expiry_notices smallint NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN use_count bigint NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN replaced_at timestamptz;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_main_has_ciphertext
    CHECK (revoked_at IS NOT NULL OR kind <> 'main' OR ciphertext IS NOT NULL);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_only_main_shown CHECK (kind = 'main' OR ciphertext IS NULL);

-- Still exactly one current main key per account; device and retiring keys are extra rows.
DROP INDEX api_keys_one_current;
CREATE UNIQUE INDEX api_keys_one_current ON api_keys (user_id) WHERE revoked_at IS NULL AND kind = 'main';
CREATE INDEX api_keys_live ON api_keys (user_id) WHERE revoked_at IS NULL;
CREATE INDEX api_keys_deadlines ON api_keys (expires_at) WHERE revoked_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX api_keys_device ON api_keys (device_id) WHERE device_id IS NOT NULL;

-- The last client addresses that used each key (the newest five are kept).
CREATE TABLE api_key_addresses (
    key_id       bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    ip           text NOT NULL,
    last_used_at timestamptz NOT NULL,
    PRIMARY KEY (key_id, ip)
);

-- The owners' policy: the longest a bot key may live, in days (none by default).
ALTER TABLE organizations ADD COLUMN max_bot_key_lifetime_days integer CHECK (max_bot_key_lifetime_days BETWEEN 1 AND 3650);
