-- Rate-limited attempts kept as one row per bucket holding its recent attempt times, instead of
-- one row per attempt.
--
-- With a row per attempt, every right password left dead rows behind: the attempt was inserted
-- in three buckets before the hash was checked and deleted again after. Under steady use (a
-- client fetching keys, a person signing in) each bucket's index range filled with dead entries
-- that every later count and every forgiving delete had to walk until vacuum came by; that was
-- half of PostgreSQL's work in a fetch_api_key call. A bucket row is updated in place instead:
-- its key never changes, so with room left on its page (the fill factor) PostgreSQL updates it
-- without touching the index (a HOT update) and prunes the old versions itself.
--
-- A bucket holds at most its limit of attempts, and only those within the window:
-- whether an attempt is allowed depends on nothing else (the limit-th newest one), so trimming
-- changes no answer. Attempt times are the attempting transaction's now(), to the microsecond.
CREATE TABLE rate_limit_buckets (
    bucket   text PRIMARY KEY,
    attempts timestamptz[] NOT NULL
) WITH (fillfactor = 50);

DROP FUNCTION record_attempt(text[], int[], interval);
DROP TABLE auth_attempts;

-- The attempts of a bucket that still count at now(): within the window, at most {@code cap}, oldest
-- first. In PL/pgSQL, whose plans each session keeps: a SQL function with a subquery is planned
-- again on every call.
CREATE FUNCTION recent_attempts(attempts timestamptz[], attempt_window interval, cap int)
    RETURNS timestamptz[] LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT array_agg(t ORDER BY t) FROM (
        SELECT t FROM unnest(attempts) t WHERE t > now() - attempt_window ORDER BY t DESC LIMIT cap) newest), '{}');
END
$$;

-- The array without one occurrence of {@code attempt} (equal times are interchangeable).
CREATE FUNCTION without_one_attempt(attempts timestamptz[], attempt timestamptz)
    RETURNS timestamptz[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN array_position(attempts, attempt) IS NULL THEN attempts
                ELSE attempts[:array_position(attempts, attempt) - 1] || attempts[array_position(attempts, attempt) + 1:] END;

-- Locks the buckets in the order given (callers pass a fixed order, so two attempts cannot
-- deadlock), then answers how many seconds to wait if any bucket already holds its limit of
-- attempts within the window; otherwise counts this attempt in every bucket and returns its time,
-- which a right password hands back to be forgiven.
--
-- The buckets are a rate limiter's memory, not a record: the transaction commits without waiting
-- for its WAL flush, so an attempt costs no disk wait. A crash may forget the last fraction of a
-- second of attempts, never more.
CREATE FUNCTION record_attempt(buckets text[], limits int[], attempt_window interval)
    RETURNS TABLE (wait_seconds bigint, attempted_at timestamptz)
    LANGUAGE plpgsql AS $$
DECLARE
    longest_wait bigint := 0;
    held         timestamptz[];
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR i IN 1 .. cardinality(buckets) LOOP
        PERFORM pg_advisory_xact_lock(hashtext(buckets[i]));
    END LOOP;
    FOR i IN 1 .. cardinality(buckets) LOOP
        SELECT recent_attempts(b.attempts, attempt_window, limits[i]) INTO held
        FROM rate_limit_buckets b WHERE b.bucket = buckets[i];
        -- Full when it holds its limit within the window: wait until the oldest of those leaves.
        IF cardinality(held) >= limits[i] THEN
            longest_wait := greatest(longest_wait,
                ceil(extract(epoch FROM (held[1] + attempt_window - now())))::bigint, 1);
        END IF;
    END LOOP;
    IF longest_wait > 0 THEN
        RETURN QUERY SELECT longest_wait, NULL::timestamptz;
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(buckets) LOOP
        -- Rewritten from the row's current value, which a forgiving transaction may just have changed.
        INSERT INTO rate_limit_buckets AS b (bucket, attempts) VALUES (buckets[i], ARRAY[now()])
        ON CONFLICT (bucket) DO UPDATE
            SET attempts = recent_attempts(b.attempts, attempt_window, limits[i] - 1) || now();
    END LOOP;
    RETURN QUERY SELECT 0::bigint, now();
END
$$;
