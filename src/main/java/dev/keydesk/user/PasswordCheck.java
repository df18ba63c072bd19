package dev.keydesk.user;

import dev.keydesk.ratelimit.PasswordRateLimiter;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Checks a username and password under the shared rate limit. Used by fetch_api_key, the login
 * form and password re-entry, so each counts against the same bound. The bound is counted per
 * username and client address (with a larger cap per username), so the address given must be
 * the client's: wrong passwords from one address do not refuse the right one from another.
 */
public final class PasswordCheck {
    public sealed interface Outcome permits Verified, WrongCredentials, RateLimited, Deactivated {}

    public record Verified(User user) implements Outcome {}

    /** Unknown account or wrong password: callers must not tell the two apart. */
    public record WrongCredentials() implements Outcome {}

    public record RateLimited(Duration retryAfter) implements Outcome {}

    /** Said only once the password was right, as Zulip does. */
    public record Deactivated(User user) implements Outcome {}

    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final PasswordRateLimiter limiter;

    public PasswordCheck(Jdbi jdbi, PasswordHasher hasher, PasswordRateLimiter limiter) {
        this.jdbi = jdbi;
        this.hasher = hasher;
        this.limiter = limiter;
    }

    public Outcome check(String username, String password, String ip) {
        var decision = limiter.attempt(username, ip);
        if (decision instanceof PasswordRateLimiter.Limited limited) {
            return new RateLimited(limited.retryAfter());
        }
        var attempt = ((PasswordRateLimiter.Allowed) decision).attempt();
        // The same single query whether or not the account exists, then always one argon2 verification.
        Optional<UserDao.StoredPassword> stored = jdbi.withExtension(UserDao.class, dao -> dao.findStoredPassword(username));
        if (!hasher.verify(stored.map(UserDao.StoredPassword::passwordHash).orElse(null), password)) {
            return new WrongCredentials();
        }
        limiter.forgive(attempt);
        User user = jdbi.withExtension(UserDao.class, dao -> dao.findById(stored.get().id())).orElseThrow();
        return user.isActive() ? new Verified(user) : new Deactivated(user);
    }
}
