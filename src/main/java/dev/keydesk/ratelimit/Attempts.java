package dev.keydesk.ratelimit;

import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The attempts table shared by every limit: one row per counted attempt, per bucket. */
final class Attempts {
    private Attempts() {}

    /**
     * How long until the next attempt in {@code bucket} is allowed, when {@code limit} attempts are
     * already in the window: until the oldest of the most recent {@code limit} leaves it.
     */
    static Optional<Duration> waitFor(Handle h, String bucket, int limit, Duration window) {
        return h.createQuery("""
                        SELECT CEIL(EXTRACT(EPOCH FROM (attempted_at + :w - now())))::bigint
                        FROM auth_attempts
                        WHERE bucket = :b AND attempted_at > now() - :w
                        ORDER BY attempted_at DESC
                        OFFSET :offset LIMIT 1""")
                .bind("b", bucket).bind("w", window).bind("offset", limit - 1)
                .mapTo(Long.class)
                .findOne()
                .map(seconds -> Duration.ofSeconds(Math.max(1, seconds)));
    }

    static long insert(Handle h, String bucket) {
        return h.createUpdate("INSERT INTO auth_attempts (bucket) VALUES (:b)")
                .bind("b", bucket).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }
}
