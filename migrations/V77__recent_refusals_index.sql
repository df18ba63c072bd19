-- The Keys console's "failing" filter starts from the keys refused in the last day: refusals are
-- few beside allowed requests, so this index finds them without reading every key's hours.
CREATE INDEX key_usage_hourly_refusals ON key_usage_hourly (hour, key_id) WHERE outcome <> 'allowed';
