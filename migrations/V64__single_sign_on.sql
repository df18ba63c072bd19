-- Single sign-on through an OpenID Connect provider.

-- The provider's stable identity of a person (issuer + subject), once linked to an account: later
-- sign-ins find the account by it, whatever e-mail address the provider reports by then.
CREATE TABLE sso_identities (
    issuer     text NOT NULL,
    subject    text NOT NULL,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    linked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
-- One identity per account and provider.
CREATE UNIQUE INDEX sso_identities_user ON sso_identities (user_id, issuer);

-- Sign-ins sent to the provider and not back yet: the state the answer must carry, the nonce the
-- ID token must carry and the PKCE verifier. Each is taken once (deleted), and is worth ten minutes.
CREATE TABLE sso_logins (
    state          text PRIMARY KEY,
    nonce          text NOT NULL,
    code_verifier  text NOT NULL,
    next           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sso_logins_created ON sso_logins (created_at);

-- Owners may turn password sign-in off for everyone but owners (who keep it to get back in
-- should the provider fail); fetch_api_key then refuses passwords as Zulip does.
ALTER TABLE organizations ADD COLUMN password_login boolean NOT NULL DEFAULT true;
