package dev.keydesk.ratelimit;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Bounds password attempts for fetch_api_key, the login form and password re-entry alike, in
 * three counts: per username from one client address (Zulip's 5 in 30 minutes), per username
 * from everywhere (a larger cap, which bounds guessing spread over many addresses), and per
 * address over all usernames. Counting a username per address means that someone guessing from
 * one place locks out only that place, not the account's owner everywhere. Attempts live in
 * PostgreSQL, so the bounds hold across every Keydesk process sharing the database. An attempt
 * is recorded before the password is checked (so concurrent guesses cannot slip past a bound)
 * and forgiven when it succeeds.
 */
public final class PasswordRateLimiter {
    /**
     * @param perUsernameFromAddress attempts on one username from one address
     * @param perUsername attempts on one username from all addresses together
     * @param perIp attempts from one address on all usernames together
     */
    public record Limits(int perUsernameFromAddress, int perUsername, int perIp, Duration window) {
        public static Limits standard() {
            return new Limits(5, 100, 50, Duration.ofMinutes(30));
        }
    }

    /** A recorded attempt, to be forgiven if the password turns out right. */
    public record Attempt(String userBucket, String userFromAddressBucket, String ipBucket, OffsetDateTime attemptedAt) {}

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
        String user = username == null ? "" : username.trim().toLowerCase(Locale.ROOT);
        String userBucket = scope + ":user:" + user;
        String userFromAddressBucket = scope + ":user-ip:" + ip + ":" + user;
        String ipBucket = scope + ":ip:" + ip;
        // Always this order (username, username from address, address), so two attempts cannot deadlock.
        var recorded = Attempts.record(jdbi, List.of(userBucket, userFromAddressBucket, ipBucket),
                List.of(limits.perUsername(), limits.perUsernameFromAddress(), limits.perIp()), limits.window());
        if (recorded.refused()) return new Limited(recorded.retryAfter());
        return new Allowed(new Attempt(userBucket, userFromAddressBucket, ipBucket, recorded.attemptedAt()));
    }

    /**
     * The password was right: this address starts afresh on this username, and this attempt is
     * not charged (inside the caller's transaction, with the work the right password allows).
     * Failures from other addresses still count towards the username's cap, so the
     * owner signing in does not reopen the account to someone guessing elsewhere.
     */
    public void forgive(Handle h, Attempt attempt) {
        // Rows are updated in place, never deleted here (see migration V56), and locked in the
        // order record_attempt locks them (username, username from address, address): in the
        // index's order instead, a forgiving and a new attempt on the same buckets could each hold
        // a row the other waits for.
        h.createUpdate("""
                        WITH locked AS MATERIALIZED (
                            SELECT bucket FROM rate_limit_buckets WHERE bucket IN (:u, :ua, :i)
                            ORDER BY CASE bucket WHEN :u THEN 1 WHEN :ua THEN 2 ELSE 3 END
                            FOR UPDATE)
                        UPDATE rate_limit_buckets b
                        SET attempts = CASE WHEN b.bucket = :ua THEN '{}' ELSE without_one_attempt(b.attempts, :at) END
                        FROM locked WHERE b.bucket = locked.bucket""")
                .bind("u", attempt.userBucket()).bind("ua", attempt.userFromAddressBucket()).bind("i", attempt.ipBucket())
                .bind("at", attempt.attemptedAt()).execute();
    }
}
