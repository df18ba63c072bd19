package dev.keydesk.ratelimit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The buckets shared by every limit: one row per bucket, holding the times of its attempts that
 * still count. An attempt is checked and counted in one call of the database function
 * {@code record_attempt} (migrations V56 and V58), which takes the buckets' locks, so parallel
 * attempts take turns and none slips past a bound.
 */
final class Attempts {
    private Attempts() {}

    /** Either how long to wait (nothing was counted) or the time the attempt was counted at. */
    record Recorded(Duration retryAfter, OffsetDateTime attemptedAt) {
        boolean refused() {
            return !retryAfter.isZero();
        }
    }

    /**
     * Counts one attempt in every bucket of {@code buckets}, unless one of them already holds its
     * limit (the same position of {@code limits}) within {@code window}: then nothing is counted
     * and the answer says how long until the oldest of those attempts leaves the window.
     */
    static Recorded record(Jdbi jdbi, List<String> buckets, List<Integer> limits, Duration window) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT wait_seconds, attempted_at FROM record_attempt(:buckets, :limits, :window)")
                .bindArray("buckets", String.class, buckets)
                .bindArray("limits", Integer.class, limits)
                .bind("window", window)
                .map(Attempts::recorded)
                .one());
    }

    /**
     * As {@link #record}, except that the first bucket's limit does not refuse the attempt (it is
     * still counted in) when {@code client} is one of {@code username}'s known clients
     * ({@link PasswordRateLimiter#KNOWN_FOR}, {@link PasswordRateLimiter#KNOWN_PER_USERNAME}).
     * Still one statement.
     */
    static Recorded recordUnlessKnown(Jdbi jdbi, List<String> buckets, List<Integer> limits, Duration window,
                                      String username, String client) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT wait_seconds, attempted_at FROM record_attempt(:buckets, :limits, :window,
                            ARRAY[NOT is_known_client(:username, :client, :knownFor, :newest)]
                                || array_fill(true, ARRAY[cardinality(:buckets) - 1]))""")
                .bindArray("buckets", String.class, buckets)
                .bindArray("limits", Integer.class, limits)
                .bind("window", window)
                .bind("username", username)
                .bind("client", client)
                .bind("knownFor", PasswordRateLimiter.KNOWN_FOR)
                .bind("newest", PasswordRateLimiter.KNOWN_PER_USERNAME)
                .map(Attempts::recorded)
                .one());
    }

    private static Recorded recorded(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Recorded(Duration.ofSeconds(rs.getLong("wait_seconds")), rs.getObject("attempted_at", OffsetDateTime.class));
    }
}
