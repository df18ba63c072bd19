-- Every key an account has held (its current key, old keys in their grace period, devices' keys,
-- revoked ones): a bot's month of use and the Keys list's sparklines read an account's keys
-- whatever their state, which the partial indexes on current keys cannot serve.
CREATE INDEX api_keys_user ON api_keys (user_id);
