-- A session's form (CSRF) token is now derived from its cookie token with HMAC-SHA256 when a
-- request arrives, so it is no longer stored: a copy of this table holds neither the cookie
-- token (only its digest) nor the form token. Sessions stay signed in; forms opened before the
-- upgrade carry the old token and ask to be reloaded once.
ALTER TABLE sessions DROP COLUMN csrf_token;
