-- The clients (an IPv4 address, an IPv6 /64) from which each username's right password was
-- entered lately, or a password reset link completed. The cap on one username's password attempts
-- from everywhere does not refuse these clients (their own counts still do), so someone spreading
-- wrong passwords over many addresses cannot lock the owner out where she signs in: see
-- PasswordRateLimiter for why that keeps guessing bounded.
--
-- Written by every right password, in place (a HOT update: last_success is in no index, and the
-- fill factor leaves room on the page); deleted by the retention job once too old to count.
CREATE TABLE known_clients (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text NOT NULL,
    client       text NOT NULL,
    last_success timestamptz NOT NULL,
    UNIQUE (username, client)
) WITH (fillfactor = 50);

-- Whether {@code from_client} is one of the {@code newest} clients that entered the right
-- password for {@code for_username} within {@code known_for}. Only the newest few count, so the
-- clients that escape the username's cap are few however many places the owner signs in from.
CREATE FUNCTION is_known_client(for_username text, from_client text, known_for interval, newest int)
    RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT FROM (SELECT k.client FROM known_clients k
                                WHERE k.username = for_username AND k.last_success > now() - known_for
                                ORDER BY k.last_success DESC LIMIT newest) recent
                   WHERE recent.client = from_client);
END
$$;

-- record_attempt of V56, where a bucket whose {@code enforced} entry is false never refuses the
-- attempt. Such a bucket is counted in while it has room, and left as it is once full: counted
-- into a full bucket, the attempt would push out its oldest time, and a right password forgiving
-- it would then leave a place free for one more attempt from a client the bucket does refuse.
CREATE FUNCTION record_attempt(buckets text[], limits int[], attempt_window interval, enforced boolean[])
    RETURNS TABLE (wait_seconds bigint, attempted_at timestamptz)
    LANGUAGE plpgsql AS $$
DECLARE
    longest_wait bigint := 0;
    held         timestamptz[];
    is_full      boolean[] := '{}';
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR i IN 1 .. cardinality(buckets) LOOP
        PERFORM pg_advisory_xact_lock(hashtext(buckets[i]));
    END LOOP;
    FOR i IN 1 .. cardinality(buckets) LOOP
        SELECT recent_attempts(b.attempts, attempt_window, limits[i]) INTO held
        FROM rate_limit_buckets b WHERE b.bucket = buckets[i];
        -- Full when it holds its limit within the window: wait until the oldest of those leaves.
        is_full[i] := coalesce(cardinality(held) >= limits[i], false);
        IF is_full[i] AND enforced[i] THEN
            longest_wait := greatest(longest_wait,
                ceil(extract(epoch FROM (held[1] + attempt_window - now())))::bigint, 1);
        END IF;
    END LOOP;
    IF longest_wait > 0 THEN
        RETURN QUERY SELECT longest_wait, NULL::timestamptz;
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(buckets) LOOP
        CONTINUE WHEN is_full[i];
        -- Rewritten from the row's current value, which a forgiving transaction may just have changed.
        INSERT INTO rate_limit_buckets AS b (bucket, attempts) VALUES (buckets[i], ARRAY[now()])
        ON CONFLICT (bucket) DO UPDATE
            SET attempts = recent_attempts(b.attempts, attempt_window, limits[i] - 1) || now();
    END LOOP;
    RETURN QUERY SELECT 0::bigint, now();
END
$$;

-- The three-argument form enforces every bucket: one body for both.
CREATE OR REPLACE FUNCTION record_attempt(buckets text[], limits int[], attempt_window interval)
    RETURNS TABLE (wait_seconds bigint, attempted_at timestamptz)
    LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT * FROM record_attempt(buckets, limits, attempt_window,
                                              array_fill(true, ARRAY[cardinality(buckets)]));
END
$$;
