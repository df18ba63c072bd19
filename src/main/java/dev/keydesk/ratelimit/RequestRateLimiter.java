package dev.keydesk.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * At most {@code limit} requests per key (a client address, say) in a sliding window. The
 * requests are recorded in PostgreSQL next to the password attempts, so the bound holds across
 * every Keydesk process sharing the database; a refused request is not recorded.
 */
public final class RequestRateLimiter {
    public record Limit(int requests, Duration window) {}

    private final Jdbi jdbi;
    private final String scope;
    private final Limit limit;

    /** {@code scope} keeps these counts apart from other limits' ("leak-report"). */
    public RequestRateLimiter(Jdbi jdbi, String scope, Limit limit) {
        this.jdbi = jdbi;
        this.scope = scope;
        this.limit = limit;
    }

    /** Records a request for {@code key}, or says how long to wait when the limit is reached. */
    public Optional<Duration> attempt(String key) {
        var recorded = Attempts.record(jdbi, List.of(scope + ":" + key), List.of(limit.requests()), limit.window());
        return recorded.refused() ? Optional.of(recorded.retryAfter()) : Optional.empty();
    }
}
