package dev.keydesk.user;

import dev.keydesk.ratelimit.PasswordRateLimiter;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Checks a username and password under the shared rate limit. Used by fetch_api_key, the login
 * form and password re-entry, so each counts against the same bound. The bound is counted per
 * username and client address (with a larger cap per username), so the address given must be
 * the client's: wrong passwords from one address do not refuse the right one from another.
 *
 * <p>Before the hash is verified there are two statements (the attempt, counted in one call, and
 * the account); after a right password, one transaction forgives the attempt and does what the
 * password opens ({@link Opening}), so nothing else waits on the database around argon2.
 */
public final class PasswordCheck {
    public sealed interface Outcome<T> permits Verified, WrongCredentials, RateLimited, Deactivated {}

    /** The password was right and the account active; {@code opened} is what the opening returned. */
    public record Verified<T>(User user, T opened) implements Outcome<T> {}

    /** Unknown account or wrong password: callers must not tell the two apart. */
    public record WrongCredentials<T>() implements Outcome<T> {}

    public record RateLimited<T>(Duration retryAfter) implements Outcome<T> {}

    /** Said only once the password was right, as Zulip does. */
    public record Deactivated<T>(User user) implements Outcome<T> {}

    /**
     * What a right password opens for an active account, done in the transaction that forgives the
     * attempt. {@code checkedHash} is the hash the password was verified against: an opening that
     * writes can make its write depend on it being still the account's, since the password may
     * have changed while argon2 ran.
     */
    @FunctionalInterface
    public interface Opening<T> {
        T open(Handle handle, User user, String checkedHash);
    }

    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final PasswordRateLimiter limiter;

    public PasswordCheck(Jdbi jdbi, PasswordHasher hasher, PasswordRateLimiter limiter) {
        this.jdbi = jdbi;
        this.hasher = hasher;
        this.limiter = limiter;
    }

    /** Only checks: a right password for an active account is {@code Verified} with nothing opened. */
    public Outcome<Void> check(String username, String password, String ip) {
        return check(username, password, ip, (handle, user, checkedHash) -> null);
    }

    public <T> Outcome<T> check(String username, String password, String ip, Opening<T> opening) {
        var decision = limiter.attempt(username, ip);
        if (decision instanceof PasswordRateLimiter.Limited limited) {
            return new RateLimited<>(limited.retryAfter());
        }
        var attempt = ((PasswordRateLimiter.Allowed) decision).attempt();
        // The same single query whether or not the account exists, then always one argon2 verification.
        Optional<UserDao.StoredPassword> stored = jdbi.withHandle(h -> UserDao.findStoredPassword(h, username));
        if (!hasher.verify(stored.map(UserDao.StoredPassword::passwordHash).orElse(null), password)) {
            return new WrongCredentials<>();
        }
        User user = stored.get().user();
        String checkedHash = stored.get().passwordHash();
        return jdbi.inTransaction(h -> {
            Outcome<T> outcome = user.isActive() ? new Verified<>(user, opening.open(h, user, checkedHash))
                    : new Deactivated<>(user);
            // Last, so the rate limit's rows stay locked only until the commit.
            limiter.forgive(h, attempt);
            return outcome;
        });
    }
}
