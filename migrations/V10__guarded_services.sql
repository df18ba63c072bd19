-- The organization's other services that Keydesk keys open, through forward-auth or the verify API.
CREATE TABLE guarded_services (
    id                    bigserial PRIMARY KEY,
    name                  text        NOT NULL,
    description           text        NOT NULL DEFAULT '',
    access                text        NOT NULL CHECK (access IN ('everyone', 'admins', 'chosen')),
    rate_limit_per_minute integer     CHECK (rate_limit_per_minute BETWEEN 1 AND 1000000),
    -- SHA-256 of the service token the proxy presents; the token itself is shown once.
    token_digest          bytea       NOT NULL UNIQUE,
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX guarded_services_name ON guarded_services (lower(name));

-- With access 'chosen': the people and bots whose keys the service admits.
CREATE TABLE guarded_service_members (
    service_id bigint NOT NULL REFERENCES guarded_services (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, user_id)
);
CREATE INDEX guarded_service_members_user ON guarded_service_members (user_id);
