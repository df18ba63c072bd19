-- How often each key was presented, per hour, where and with what outcome. Processes add their
-- counts to a row (INSERT … ON CONFLICT DO UPDATE SET count = count + EXCLUDED.count), so several
-- processes counting the same key add up.
-- key_id 0: a key no account holds (malformed or unknown), counted per service only.
-- service_id 0: Keydesk's own API; any other value is a guarded service's id.
-- No foreign keys: a key or service deleted later keeps its history until retention removes it,
-- and a write of counts never fails because of one deleted row.
CREATE TABLE key_usage_hourly (
    key_id     bigint      NOT NULL,
    hour       timestamptz NOT NULL,
    service_id bigint      NOT NULL,
    outcome    text        NOT NULL,
    count      bigint      NOT NULL,
    PRIMARY KEY (key_id, hour, service_id, outcome),
    CHECK (outcome IN ('allowed', 'invalid', 'deactivated', 'forbidden', 'rate_limited', 'expired')),
    CHECK (count > 0),
    CHECK (date_trunc('hour', hour) = hour)
);
-- The organization's totals, the keys with the most refusals, and retention all read by time.
CREATE INDEX key_usage_hourly_hour ON key_usage_hourly (hour);
