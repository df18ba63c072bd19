-- A rate-limited attempt (a password tried, a leak report) in one round trip instead of a dozen:
-- fetch_api_key's rate is bounded by argon2, and every statement before the hash is checked is
-- latency added to each call.
--
-- Locks the buckets in the order given (callers pass a fixed order, so two attempts cannot
-- deadlock), then answers how many seconds to wait if any bucket already holds its limit of
-- attempts within the window; otherwise counts this attempt in every bucket, drops the bucket
-- rows that have left the window, and returns the new rows' ids (in bucket order) so that a
-- right password can be forgiven.
--
-- The attempt rows are a rate limiter's memory, not a record: the transaction commits without
-- waiting for its WAL flush, so an attempt costs no disk wait. A crash may forget the last
-- fraction of a second of attempts, never more.
CREATE FUNCTION record_attempt(buckets text[], limits int[], attempt_window interval)
    RETURNS TABLE (wait_seconds bigint, attempt_ids bigint[])
    LANGUAGE plpgsql AS $$
DECLARE
    longest_wait bigint := 0;
    bucket_wait  bigint;
    ids          bigint[] := '{}';
    new_id       bigint;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR i IN 1 .. cardinality(buckets) LOOP
        PERFORM pg_advisory_xact_lock(hashtext(buckets[i]));
    END LOOP;
    FOR i IN 1 .. cardinality(buckets) LOOP
        -- Full when the limit-th most recent attempt is still in the window: wait until it leaves.
        SELECT ceil(extract(epoch FROM (a.attempted_at + attempt_window - now())))::bigint INTO bucket_wait
        FROM auth_attempts a
        WHERE a.bucket = buckets[i] AND a.attempted_at > now() - attempt_window
        ORDER BY a.attempted_at DESC
        OFFSET limits[i] - 1 LIMIT 1;
        IF FOUND THEN
            longest_wait := greatest(longest_wait, bucket_wait, 1);
        END IF;
    END LOOP;
    IF longest_wait > 0 THEN
        RETURN QUERY SELECT longest_wait, NULL::bigint[];
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(buckets) LOOP
        INSERT INTO auth_attempts (bucket) VALUES (buckets[i]) RETURNING id INTO new_id;
        ids := ids || new_id;
    END LOOP;
    DELETE FROM auth_attempts WHERE bucket = ANY (buckets) AND attempted_at < now() - attempt_window;
    RETURN QUERY SELECT 0::bigint, ids;
END
$$;
