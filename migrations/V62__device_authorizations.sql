-- The OAuth 2.0 device authorization grant (RFC 8628): a client without a browser asks for a
-- login, a signed-in person approves it on /device by its user code, and the client's polling
-- then receives a device key of its own, once. Only digests of both codes are kept, so neither
-- can be read back from the database; a row is history once it expires, and the retention job
-- deletes it then.
CREATE TABLE device_authorizations (
    id                 bigserial PRIMARY KEY,
    device_code_digest bytea NOT NULL UNIQUE,
    user_code_digest   bytea NOT NULL UNIQUE,
    client             text NOT NULL,
    user_agent         text NOT NULL,
    ip                 text NOT NULL,
    requested_at       timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    -- Seconds the client must wait between polls; grows by 5 each time it polls sooner (slow_down).
    interval_seconds   integer NOT NULL,
    last_polled_at     timestamptz,
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'issued')),
    -- Who approved or denied it; the key is issued to this account.
    user_id            bigint REFERENCES users (id) ON DELETE CASCADE,
    decided_at         timestamptz,
    CHECK ((status = 'pending') = (user_id IS NULL))
);

CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
