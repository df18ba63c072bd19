package dev.keydesk.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Per-key request limits of guarded services, counted in memory in fixed one-minute windows.
 * Each Keydesk process counts its own requests, so behind N processes a key may make up to N
 * times the limit per minute: the limit guards a service against a runaway client, and needs
 * no database round trip on the hot path.
 */
public final class RateLimits {
    private static final long WINDOW_MILLIS = 60_000;

    private final Cache<String, AtomicInteger> counters = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofMillis(2 * WINDOW_MILLIS))
            .maximumSize(500_000)
            .build();
    private final LongSupplier clock;

    public RateLimits(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    /**
     * Counts one request of a key to a service; returns 0 if allowed, else the seconds until the
     * window ends. The service is named by its id and registration time, so a counter can never
     * outlive its service into another that got the same id (after a database restore).
     */
    public long take(GuardedService service, long keyId, int perMinute) {
        long now = clock.getAsLong();
        long window = now / WINDOW_MILLIS;
        String counter = service.id() + ":" + service.createdAt().toEpochMilli() + ":" + keyId + ":" + window;
        AtomicInteger count = counters.get(counter, k -> new AtomicInteger());
        if (count.incrementAndGet() <= perMinute) return 0;
        return Math.max(1, ((window + 1) * WINDOW_MILLIS - now + 999) / 1000);
    }
}
