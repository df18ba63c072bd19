-- Bots are users with is_bot; their type, owners, avatar and (outgoing webhooks) service.
ALTER TABLE users ADD COLUMN bot_type smallint CHECK (bot_type IN (1, 2, 3));
ALTER TABLE users ADD CONSTRAINT users_bot_type_for_bots_only CHECK (is_bot = (bot_type IS NOT NULL));
ALTER TABLE users ADD COLUMN avatar_version integer NOT NULL DEFAULT 1;
CREATE INDEX users_active_name ON users (lower(full_name)) WHERE is_active;

-- The members who manage a bot; the earliest added is its primary owner (bot_owner_id in the API).
CREATE TABLE bot_owners (
    bot_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    owner_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (bot_id, owner_id)
);
CREATE INDEX bot_owners_owner ON bot_owners (owner_id);

-- Outgoing webhook bots: where events go, in which format, and the token that signs them
-- (encrypted under the master key, like API keys).
CREATE TABLE bot_services (
    bot_id           bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    payload_url      text NOT NULL,
    interface_type   smallint NOT NULL CHECK (interface_type IN (1, 2)),
    token_ciphertext bytea NOT NULL
);

-- Uploaded avatars, re-encoded as PNG. Users without a row get a generated one.
CREATE TABLE avatars (
    user_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    png        bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
