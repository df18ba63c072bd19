-- Work for the background sender: e-mails and webhook calls, kept until delivered (or given up;
-- an e-mail then keeps only its address and subject, since its body may hold a one-time link),
-- so nothing is lost when Keydesk restarts. Claimed rows are leased, so several processes can
-- share the queue.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('email', 'webhook')),
    payload         jsonb NOT NULL,
    bot_id          bigint,          -- webhooks: which bot (no foreign key: the log outlives a deleted bot)
    event           text,            -- webhooks: key.regenerated, key.blocked, …
    secret          bytea,           -- webhooks: the bot's token, encrypted under the master key
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    lease_token     text,            -- who holds the lease; only they may record the outcome
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    failed_at       timestamptz,
    last_error      text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_bot ON outbox (bot_id, created_at DESC) WHERE bot_id IS NOT NULL;

-- Password reset links: single use, one hour, stored as digests.
CREATE TABLE password_resets (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_digest bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
