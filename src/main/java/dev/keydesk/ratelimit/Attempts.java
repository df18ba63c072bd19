package dev.keydesk.ratelimit;

import java.sql.Array;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The attempts table shared by every limit: one row per counted attempt, per bucket. An attempt
 * is checked and counted in one call of the database function {@code record_attempt} (migration
 * V50), which takes the buckets' locks, so parallel attempts take turns and none slips past a
 * bound.
 */
final class Attempts {
    private Attempts() {}

    /** Either how long to wait (nothing was counted) or the ids of the rows counted, in bucket order. */
    record Recorded(Duration retryAfter, long[] ids) {
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
                        "SELECT wait_seconds, attempt_ids FROM record_attempt(:buckets, :limits, :window)")
                .bindArray("buckets", String.class, buckets)
                .bindArray("limits", Integer.class, limits)
                .bind("window", window)
                .map((rs, ctx) -> {
                    long seconds = rs.getLong("wait_seconds");
                    Array ids = rs.getArray("attempt_ids");
                    return new Recorded(Duration.ofSeconds(seconds),
                            ids == null ? new long[0] : Arrays.stream((Long[]) ids.getArray()).mapToLong(Long::longValue).toArray());
                })
                .one());
    }
}
