-- What limits an account's keys (device_id NULL: every key of the account, its main key, old keys
-- in their grace period and its devices' keys) or one device's key (narrowing the account's):
-- scope: NULL for every service that admits the account, else {"<service id>": ["GET /api/**", …]}
--        where an empty list opens the whole service;
-- address_ranges: CIDR prefix blocks the key may be used from, empty for anywhere;
-- metadata: {"name": "value", …} handed to the services the key opens (accounts' rows only).
CREATE TABLE key_restrictions (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id      bigint REFERENCES devices (id) ON DELETE CASCADE,
    scope          jsonb,
    address_ranges text[] NOT NULL DEFAULT '{}',
    metadata       jsonb NOT NULL DEFAULT '{}',
    CHECK (scope IS NULL OR jsonb_typeof(scope) = 'object'),
    CHECK (jsonb_typeof(metadata) = 'object'),
    CHECK (device_id IS NULL OR metadata = '{}')
);
CREATE UNIQUE INDEX key_restrictions_account ON key_restrictions (user_id) WHERE device_id IS NULL;
CREATE UNIQUE INDEX key_restrictions_device ON key_restrictions (device_id) WHERE device_id IS NOT NULL;
