-- The organization: exactly one row per deployment.
CREATE TABLE organizations (
    id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One-time links printed at first start; only their SHA-256 digests are kept.
CREATE TABLE setup_tokens (
    token_digest bytea PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- A value encrypted under the master key, so a process started with the wrong key stops at once.
CREATE TABLE master_key_check (
    id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    check_value bytea NOT NULL
);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL,
    full_name     text NOT NULL,
    role          smallint NOT NULL CHECK (role IN (100, 200, 300, 400, 600)),
    is_active     boolean NOT NULL DEFAULT true,
    is_bot        boolean NOT NULL DEFAULT false,
    password_hash text,
    timezone      text NOT NULL DEFAULT '',
    date_joined   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

-- Every key a user ever had. The current one has revoked_at NULL; a revoked key keeps its digest
-- (history, audit) but loses its ciphertext, since it never needs to be shown again.
CREATE TABLE api_keys (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest      bytea NOT NULL UNIQUE,
    ciphertext  bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CHECK (revoked_at IS NOT NULL OR ciphertext IS NOT NULL)
);
CREATE UNIQUE INDEX api_keys_one_current ON api_keys (user_id) WHERE revoked_at IS NULL;

CREATE TABLE sessions (
    id                 bigserial PRIMARY KEY,
    token_digest       bytea NOT NULL UNIQUE,
    user_id            bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token         text NOT NULL,
    ip                 text NOT NULL,
    user_agent         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_seen_at       timestamptz NOT NULL DEFAULT now(),
    reauthenticated_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Clients that obtained a key through fetch_api_key.
CREATE TABLE devices (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client        text NOT NULL,
    user_agent    text NOT NULL,
    ip            text NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, client, ip)
);

-- Password attempts per bucket ("user:<email>", "ip:<address>"), shared by every process.
CREATE TABLE auth_attempts (
    id           bigserial PRIMARY KEY,
    bucket       text NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_attempts_bucket ON auth_attempts (bucket, attempted_at);

CREATE TABLE audit_log (
    id             bigserial PRIMARY KEY,
    event_type     text NOT NULL,
    actor_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    target_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    ip             text,
    details        jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created ON audit_log (created_at DESC);
CREATE INDEX audit_log_target ON audit_log (target_user_id);
