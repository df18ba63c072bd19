package dev.keydesk.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Failed API authentications (a malformed, unknown or refused key) per client address (an IPv6
 * address counts as its /64, see {@link ClientBucket}), counted in memory. An address that fails {@code limit} times within {@code window} of its first
 * failure gets nothing but 429 for keys this process has not cached, until that window ends.
 *
 * <p>In memory, per process, on purpose: the counts are consulted on the API's hot path, where a
 * cached key and a remembered unknown key must cost no database query, and a shared count would
 * cost one per failure at least. Behind N processes an address may fail up to N times the limit
 * per window; the limit bounds the load a client that sprays made-up keys can put on the
 * database (each new key is one lookup), and no key can be guessed in any number of attempts.
 */
public final class AuthFailureLimiter {
    /** {@code limit} failures per address within {@code window} of its first. */
    public record Limits(int limit, Duration window) {
        public static Limits standard() {
            return new Limits(100, Duration.ofMinutes(1));
        }
    }

    /** The failures of one address in its current window, which began at its first failure. */
    private record Window(long startMillis, AtomicInteger failures) {}

    private final Limits limits;
    private final ClientBucket clients;
    private final LongSupplier clockMillis;
    private final Cache<String, Window> windows;

    public AuthFailureLimiter(Limits limits, ClientBucket clients, LongSupplier clockMillis) {
        this.limits = limits;
        this.clients = clients;
        this.clockMillis = clockMillis;
        this.windows = Caffeine.newBuilder()
                .maximumSize(200_000) // bounded memory, however many addresses fail
                .expireAfterWrite(limits.window())
                .build();
    }

    /** Seconds until this address may try again (at least 1), or 0 when it is not limited. */
    public long retryAfterSeconds(String address) {
        Window window = current(clients.of(address), false);
        if (window == null || window.failures().get() < limits.limit()) return 0;
        long left = window.startMillis() + limits.window().toMillis() - clockMillis.getAsLong();
        return Math.max(1, (left + 999) / 1000);
    }

    public void recordFailure(String address) {
        current(clients.of(address), true).failures().incrementAndGet();
    }

    /** The client's window, a fresh one if the last has ended (created only when {@code create}). */
    private Window current(String client, boolean create) {
        long now = clockMillis.getAsLong();
        Window window = windows.getIfPresent(client);
        if (window != null && now - window.startMillis() < limits.window().toMillis()) return window;
        if (!create) return null;
        return windows.asMap().compute(client, (a, old) ->
                old != null && now - old.startMillis() < limits.window().toMillis() ? old : new Window(now, new AtomicInteger()));
    }
}
