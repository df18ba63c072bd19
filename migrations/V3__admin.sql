-- When a key last authenticated a request (written at most once a minute per key).
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;

-- When a person last logged in (login form or fetch_api_key).
ALTER TABLE users ADD COLUMN last_login_at timestamptz;

-- Single-use invitation links; only the token's digest is kept.
CREATE TABLE invitations (
    id           bigserial PRIMARY KEY,
    token_digest bytea NOT NULL UNIQUE,
    email        text NOT NULL,
    role         smallint NOT NULL CHECK (role IN (100, 200, 300, 400, 600)),
    invited_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX invitations_pending ON invitations (created_at DESC) WHERE used_at IS NULL AND revoked_at IS NULL;

-- Who the actor and target were, kept as text so the record survives a deleted account.
ALTER TABLE audit_log ADD COLUMN actor_label text;
ALTER TABLE audit_log ADD COLUMN target_label text;
UPDATE audit_log a SET actor_label = (SELECT email FROM users u WHERE u.id = a.actor_id),
                       target_label = (SELECT email FROM users u WHERE u.id = a.target_user_id);
CREATE INDEX audit_log_event ON audit_log (event_type, created_at DESC);
