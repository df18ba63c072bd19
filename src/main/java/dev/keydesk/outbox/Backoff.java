package dev.keydesk.outbox;

import java.time.Duration;
import java.util.List;

/**
 * When to try again: 10 s, 30 s, 2 min, 5 min, 15 min, 30 min, then every hour, so a webhook's
 * eight attempts span about two hours. {@code scale} shortens the schedule (tests use a small one).
 */
public record Backoff(double scale) {
    private static final List<Duration> DELAYS = List.of(Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(30));
    private static final Duration LAST = Duration.ofHours(1);

    public static Backoff standard() {
        return new Backoff(1.0);
    }

    /** The wait after the given (1-based) failed attempt. */
    public Duration after(int attempt) {
        Duration base = attempt - 1 < DELAYS.size() ? DELAYS.get(Math.max(0, attempt - 1)) : LAST;
        return Duration.ofMillis(Math.max(1, Math.round(base.toMillis() * scale)));
    }
}
