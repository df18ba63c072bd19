-- Passkeys (WebAuthn credentials): a second factor after the password, a way to sign in on their
-- own, and a proof before a key is shown.

-- The user handle an account's passkeys carry (WebAuthn's user.id): random, so it says nothing
-- about the account, and the same for every passkey of one account.
CREATE TABLE passkey_user_handles (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    handle  bytea NOT NULL UNIQUE
);

-- One row per registered credential. public_key is the COSE key as the authenticator gave it;
-- sign_count is the last counter seen, so a counter that does not grow (a cloned authenticator)
-- can be refused. aaguid and the flags are kept because the assertion checks compare against them.
CREATE TABLE passkeys (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL,
    credential_id   bytea NOT NULL UNIQUE,
    public_key      bytea NOT NULL,
    aaguid          bytea NOT NULL,
    sign_count      bigint NOT NULL,
    user_handle     bytea NOT NULL,
    uv_initialized  boolean NOT NULL,
    backup_eligible boolean NOT NULL,
    backup_state    boolean NOT NULL,
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz
);
CREATE INDEX passkeys_by_user ON passkeys (user_id, created_at);

-- Challenges the server handed out for a ceremony, kept as digests, taken once (deleted when
-- used) and only before they expire. user_id is whom the ceremony is for, where it is known:
-- the signed-in person registering or proving themselves, the account of a pending sign-in.
CREATE TABLE passkey_challenges (
    digest     bytea PRIMARY KEY,
    purpose    text NOT NULL CHECK (purpose IN ('register', 'sign_in', 'second_factor', 'step_up')),
    user_id    bigint REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
