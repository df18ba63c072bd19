package dev.keydesk.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * At most {@code limit} requests per client (an IPv4 address, an IPv6 /64: see {@link ClientBucket})
 * or per account in a sliding window. The requests are recorded in PostgreSQL next to the password attempts, so
 * the bound holds across every Keydesk process sharing the database; a refused request is not
 * recorded.
 */
public final class RequestRateLimiter {
    public record Limit(int requests, Duration window) {}

    private final Jdbi jdbi;
    private final String scope;
    private final Limit limit;
    private final ClientBucket clients;

    /** {@code scope} keeps these counts apart from other limits' ("leak-report"). */
    public RequestRateLimiter(Jdbi jdbi, String scope, Limit limit, ClientBucket clients) {
        this.jdbi = jdbi;
        this.scope = scope;
        this.limit = limit;
        this.clients = clients;
    }

    /** Records a request from the client at {@code address}, or says how long to wait when its limit is reached. */
    public Optional<Duration> attemptFrom(String address) {
        return attempt("ip:" + clients.of(address));
    }

    /** Records a request made by the account {@code userId}, wherever it comes from. */
    public Optional<Duration> attemptBy(long userId) {
        return attempt("user:" + userId);
    }

    private Optional<Duration> attempt(String key) {
        var recorded = Attempts.record(jdbi, List.of(scope + ":" + key), List.of(limit.requests()), limit.window());
        return recorded.refused() ? Optional.of(recorded.retryAfter()) : Optional.empty();
    }
}
