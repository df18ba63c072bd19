package dev.keydesk;

import dev.keydesk.outbox.Backoff;
import dev.keydesk.ratelimit.AuthFailureLimiter;
import dev.keydesk.ratelimit.PasswordRateLimiter;
import java.time.Clock;
import java.time.Duration;

/**
 * Limits, delays and the clock that are fixed in production and changed by tests. The clock is
 * what key expiry and grace periods are measured against, so tests move it instead of waiting.
 */
public record Tuning(PasswordRateLimiter.Limits loginLimits, PasswordRateLimiter.Limits resetLimits, Backoff backoff,
                     AuthFailureLimiter.Limits apiKeyFailures, Clock clock, Duration keyDeadlineCheckEvery,
                     Duration weeklyDigestCheckEvery, boolean countKeyUses) {
    public static Tuning standard() {
        return new Tuning(PasswordRateLimiter.Limits.standard(),
                // Reset e-mails: 3 an hour per account from one client, 3 an hour per account asked for by
                // clients it does not know (no longer than a reset link lives), 20 an hour per client.
                new PasswordRateLimiter.Limits(3, 3, 20, java.time.Duration.ofHours(1)), Backoff.standard(),
                AuthFailureLimiter.Limits.standard(), Clock.systemUTC(), Duration.ofSeconds(30),
                // Whether the week's key digest is due: a few minutes late on Monday morning is on time.
                Duration.ofMinutes(10), true);
    }

    public Tuning withBackoff(Backoff backoff) {
        return new Tuning(loginLimits, resetLimits, backoff, apiKeyFailures, clock, keyDeadlineCheckEvery, weeklyDigestCheckEvery,
                countKeyUses);
    }

    public Tuning withApiKeyFailures(AuthFailureLimiter.Limits apiKeyFailures) {
        return new Tuning(loginLimits, resetLimits, backoff, apiKeyFailures, clock, keyDeadlineCheckEvery, weeklyDigestCheckEvery,
                countKeyUses);
    }

    public Tuning withClock(Clock clock, Duration keyDeadlineCheckEvery) {
        return new Tuning(loginLimits, resetLimits, backoff, apiKeyFailures, clock, keyDeadlineCheckEvery, weeklyDigestCheckEvery,
                countKeyUses);
    }

    /** null: the weekly key digest never runs in the background (tests run it when they choose). */
    public Tuning withWeeklyDigestCheckEvery(Duration every) {
        return new Tuning(loginLimits, resetLimits, backoff, apiKeyFailures, clock, keyDeadlineCheckEvery, every, countKeyUses);
    }

    /** The same, counting no key use: for the benchmark that sets the key path beside itself without counting. */
    public Tuning withoutKeyUseCounting() {
        return new Tuning(loginLimits, resetLimits, backoff, apiKeyFailures, clock, keyDeadlineCheckEvery, weeklyDigestCheckEvery,
                false);
    }
}
