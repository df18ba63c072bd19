-- The keys refused most add up a month of refusals per key: with each refused row's key and count
-- held beside its day, the sum reads this index alone, never the table (it replaces the index on
-- day that pointed into the table).
CREATE INDEX key_usage_daily_refusals ON key_usage_daily (day, key_id) INCLUDE (count) WHERE outcome <> 'allowed';
DROP INDEX key_usage_daily_refused;
-- A key's days of use (each Keys row's sparkline, a key's total among the keys refused most) read
-- from the index too: outcome and count beside the key and day.
CREATE INDEX key_usage_daily_by_key ON key_usage_daily (key_id, day) INCLUDE (outcome, count);
