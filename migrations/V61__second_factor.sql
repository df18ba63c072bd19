-- A second factor for signing in: an authenticator app (TOTP, RFC 6238) and recovery codes.

-- One authenticator per account. The secret is encrypted under the master key (bound to the
-- account, like API keys). confirmed_at is NULL while the person has not yet entered a code from
-- the app: such a secret protects nothing yet. last_used_step is the 30-second step of the last
-- code accepted, so a code (or an older one) is never accepted twice.
CREATE TABLE totp_factors (
    user_id           bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_ciphertext bytea NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    confirmed_at      timestamptz,
    last_used_step    bigint
);

-- Single-use recovery codes; only their SHA-256 digests are kept.
CREATE TABLE recovery_codes (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    UNIQUE (user_id, digest)
);

-- Someone who entered the right password and still owes a code: not a session, it opens no page.
-- Only the digest of the browser's token is kept; the row lives a few minutes.
CREATE TABLE pending_sign_ins (
    token_digest bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next_path    text NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX pending_sign_ins_expiry ON pending_sign_ins (expires_at);

-- Who must have a second factor: nobody, the administrators (and owners), or everyone.
ALTER TABLE organizations ADD COLUMN second_factor_required text NOT NULL DEFAULT 'nobody'
    CHECK (second_factor_required IN ('nobody', 'admins', 'everyone'));
