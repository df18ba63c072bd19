package dev.keydesk;

import dev.keydesk.outbox.Backoff;
import dev.keydesk.ratelimit.AuthFailureLimiter;
import dev.keydesk.ratelimit.PasswordRateLimiter;

/** Limits and delays that are fixed in production and shortened by tests. */
public record Tuning(PasswordRateLimiter.Limits loginLimits, PasswordRateLimiter.Limits resetLimits, Backoff backoff,
                     AuthFailureLimiter.Limits apiKeyFailures) {
    public static Tuning standard() {
        return new Tuning(PasswordRateLimiter.Limits.standard(),
                // Reset e-mails: 3 an hour per address whatever asks for them, 20 an hour per client.
                new PasswordRateLimiter.Limits(3, 3, 20, java.time.Duration.ofHours(1)), Backoff.standard(),
                AuthFailureLimiter.Limits.standard());
    }

    public Tuning withBackoff(Backoff backoff) {
        return new Tuning(loginLimits, resetLimits, backoff, apiKeyFailures);
    }
}
