package dev.keydesk.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Bounds password attempts per username and per client address, for fetch_api_key, the login
 * form and password re-entry alike. Attempts live in PostgreSQL, so the bound holds across
 * every Keydesk process sharing the database. An attempt is recorded before the password is
 * checked (so concurrent guesses cannot slip past the bound) and forgiven when it succeeds.
 */
public final class PasswordRateLimiter {
    public record Limits(int perUsername, int perIp, Duration window) {
        public static Limits standard() {
            return new Limits(5, 50, Duration.ofMinutes(30));
        }
    }

    /** A recorded attempt, to be forgiven if the password turns out right. */
    public record Attempt(String userBucket, long ipAttemptId) {}

    public sealed interface Decision permits Allowed, Limited {}

    public record Allowed(Attempt attempt) implements Decision {}

    public record Limited(Duration retryAfter) implements Decision {}

    private final Jdbi jdbi;
    private final Limits limits;
    private final String scope;

    /** {@code scope} keeps separate counts for separate things ("login", "reset"). */
    public PasswordRateLimiter(Jdbi jdbi, Limits limits, String scope) {
        this.jdbi = jdbi;
        this.limits = limits;
        this.scope = scope;
    }

    public Decision attempt(String username, String ip) {
        String userBucket = scope + ":user:" + (username == null ? "" : username.trim().toLowerCase(Locale.ROOT));
        String ipBucket = scope + ":ip:" + ip;
        return jdbi.inTransaction(h -> {
            // Fixed lock order (user bucket, then IP bucket) so two attempts cannot deadlock.
            for (String bucket : List.of(userBucket, ipBucket)) {
                h.createQuery("SELECT pg_advisory_xact_lock(hashtext(:b))").bind("b", bucket).mapTo(String.class).one();
            }
            Optional<Duration> userWait = waitFor(h, userBucket, limits.perUsername());
            Optional<Duration> ipWait = waitFor(h, ipBucket, limits.perIp());
            if (userWait.isPresent() || ipWait.isPresent()) {
                Duration wait = userWait.orElse(Duration.ZERO).compareTo(ipWait.orElse(Duration.ZERO)) >= 0
                        ? userWait.orElse(Duration.ZERO) : ipWait.get();
                return new Limited(wait);
            }
            insert(h, userBucket);
            long ipId = insert(h, ipBucket);
            h.createUpdate("DELETE FROM auth_attempts WHERE bucket IN (:u, :i) AND attempted_at < now() - :w")
                    .bind("u", userBucket).bind("i", ipBucket).bind("w", limits.window()).execute();
            return new Allowed(new Attempt(userBucket, ipId));
        });
    }

    /** The password was right: the username starts afresh and the address is not charged. */
    public void forgive(Attempt attempt) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM auth_attempts WHERE bucket = :u OR id = :id")
                .bind("u", attempt.userBucket()).bind("id", attempt.ipAttemptId()).execute());
    }

    private Optional<Duration> waitFor(Handle h, String bucket, int limit) {
        // With `limit` attempts in the window, the next one is allowed once the oldest of the
        // most recent `limit` attempts leaves the window.
        return h.createQuery("""
                        SELECT CEIL(EXTRACT(EPOCH FROM (attempted_at + :w - now())))::bigint
                        FROM auth_attempts
                        WHERE bucket = :b AND attempted_at > now() - :w
                        ORDER BY attempted_at DESC
                        OFFSET :offset LIMIT 1""")
                .bind("b", bucket).bind("w", limits.window()).bind("offset", limit - 1)
                .mapTo(Long.class)
                .findOne()
                .map(seconds -> Duration.ofSeconds(Math.max(1, seconds)));
    }

    private static long insert(Handle h, String bucket) {
        return h.createUpdate("INSERT INTO auth_attempts (bucket) VALUES (:b)")
                .bind("b", bucket).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }
}
