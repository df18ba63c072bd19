package dev.keydesk.ratelimit;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The buckets shared by every limit: one row per bucket, holding the times of its attempts that
 * still count. An attempt is checked and counted in one call of the database function
 * {@code record_attempt} (migration V56), which takes the buckets' locks, so parallel attempts
 * take turns and none slips past a bound.
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
                .map((rs, ctx) -> new Recorded(Duration.ofSeconds(rs.getLong("wait_seconds")),
                        rs.getObject("attempted_at", OffsetDateTime.class)))
                .one());
    }
}
