-- Daily sums of key_usage_hourly, written by the same statement batch that adds to the hourly
-- rows, so the 30-day pages read a few rows per key (or per service) and day instead of summing
-- every hour of every key on each request.
-- key_usage_daily: per key, day (UTC), service and outcome; the keys refused most and each key's
-- 30-day series read it.
CREATE TABLE key_usage_daily (
    key_id     bigint NOT NULL,
    day        date   NOT NULL,
    service_id bigint NOT NULL,
    outcome    text   NOT NULL,
    count      bigint NOT NULL,
    PRIMARY KEY (key_id, day, service_id, outcome),
    CHECK (outcome IN ('allowed', 'invalid', 'deactivated', 'forbidden', 'rate_limited', 'expired')),
    CHECK (count > 0)
);
-- Refusals are few beside allowed requests: the keys refused most read only these.
CREATE INDEX key_usage_daily_refused ON key_usage_daily (day) WHERE outcome <> 'allowed';
CREATE INDEX key_usage_daily_day ON key_usage_daily (day);

-- usage_daily: the whole organization per day, service and outcome (every key, unknown ones too);
-- the Usage page's chart and its table by service read it.
CREATE TABLE usage_daily (
    day        date   NOT NULL,
    service_id bigint NOT NULL,
    outcome    text   NOT NULL,
    count      bigint NOT NULL,
    PRIMARY KEY (day, service_id, outcome),
    CHECK (outcome IN ('allowed', 'invalid', 'deactivated', 'forbidden', 'rate_limited', 'expired')),
    CHECK (count > 0)
);

INSERT INTO key_usage_daily (key_id, day, service_id, outcome, count)
SELECT key_id, (hour AT TIME ZONE 'UTC')::date, service_id, outcome, sum(count)
FROM key_usage_hourly GROUP BY 1, 2, 3, 4;

INSERT INTO usage_daily (day, service_id, outcome, count)
SELECT (hour AT TIME ZONE 'UTC')::date, service_id, outcome, sum(count)
FROM key_usage_hourly GROUP BY 1, 2, 3;
