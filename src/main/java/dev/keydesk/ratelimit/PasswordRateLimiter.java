package dev.keydesk.ratelimit;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Bounds password attempts for fetch_api_key, the login form and password re-entry alike, in
 * three counts: per username from one client (Zulip's 5 in 30 minutes), per username from
 * everywhere (a larger cap, which bounds guessing spread over many clients), and per client over
 * all usernames. A client is an IPv4 address or an IPv6 /64 ({@link ClientBucket}): counted per
 * IPv6 address, anyone holding a /64 would be an endless supply of fresh clients. Attempts live
 * in PostgreSQL, so the bounds hold across every Keydesk process sharing the database. An attempt
 * is recorded before the password is checked (so concurrent guesses cannot slip past a bound)
 * and forgiven when it succeeds.
 *
 * <p>Counting a username per client means that someone guessing from one place locks out only
 * that place. The cap per username is different: whoever fills it, from enough clients, would
 * lock the owner out everywhere. So it does not refuse the username's <em>known clients</em>:
 * the {@link #KNOWN_PER_USERNAME} clients that most recently entered its right password (or
 * completed a reset link sent to its mailbox) within {@link #KNOWN_FOR}. Why guessing stays
 * bounded all the same:
 * <ul>
 *   <li>A client becomes known only by proving the password or the mailbox, so someone guessing
 *       cannot make their own clients known; every guess of theirs from anywhere else counts
 *       against the one cap per username, however many addresses or prefixes they spread over.
 *   <li>Guesses from a known client are still held to that client's own 5 per username (and 50 in
 *       all), and at most {@link #KNOWN_PER_USERNAME} clients are known per username. So in one
 *       window a username takes at most cap + 5 × {@link #KNOWN_PER_USERNAME} wrong passwords
 *       (150 with the standard limits), whatever anyone without the password does. (The owner's
 *       right password clears her client's own count, as it always has: someone sharing that
 *       client gets its 5 again each time she signs in there.)
 *   <li>Letting any client that has not failed yet through instead would not be bounded: each
 *       fresh client would bring one more guess, and one IPv6 /48 alone holds 65,536 /64s.
 * </ul>
 * The price: an owner at a client that is not known waits like everyone else while the cap is
 * full, unless she completes a password reset from there (the reset request itself cannot be
 * blocked by strangers: see {@link #requestMail}).
 */
public final class PasswordRateLimiter {
    /** How long a right password keeps its client known for the username. */
    public static final Duration KNOWN_FOR = Duration.ofDays(30);
    /** How many of a username's clients are known at most: the most recent ones. */
    public static final int KNOWN_PER_USERNAME = 10;

    /**
     * @param perUsernameFromAddress attempts on one username from one client
     * @param perUsername attempts on one username from all clients but its known ones together
     * @param perIp attempts from one client on all usernames together
     */
    public record Limits(int perUsernameFromAddress, int perUsername, int perIp, Duration window) {
        public static Limits standard() {
            return new Limits(5, 100, 50, Duration.ofMinutes(30));
        }
    }

    /** A recorded attempt, to be forgiven if the password turns out right. */
    public record Attempt(String userBucket, String userFromAddressBucket, String ipBucket, OffsetDateTime attemptedAt,
                          String username, String client) {}

    public sealed interface Decision permits Allowed, Limited {}

    public record Allowed(Attempt attempt) implements Decision {}

    public record Limited(Duration retryAfter) implements Decision, MailRequest {}

    /** What to do with a request to e-mail an account (a password reset link). */
    public sealed interface MailRequest permits SendMail, AlreadyMailed, Limited {}

    /** Send it. */
    public record SendMail() implements MailRequest {}

    /**
     * The account had its share of e-mails this window, asked for by clients it does not know:
     * answer as usual and send nothing. Each of those e-mails holds a link that still works.
     */
    public record AlreadyMailed() implements MailRequest {}

    private final Jdbi jdbi;
    private final Limits limits;
    private final String scope;
    private final ClientBucket clients;

    /** {@code scope} keeps separate counts for separate things ("login", "reset"). */
    public PasswordRateLimiter(Jdbi jdbi, Limits limits, String scope, ClientBucket clients) {
        this.jdbi = jdbi;
        this.limits = limits;
        this.scope = scope;
        this.clients = clients;
    }

    private static String normalized(String username) {
        return username == null ? "" : username.trim().toLowerCase(Locale.ROOT);
    }

    public Decision attempt(String username, String ip) {
        String user = normalized(username);
        String client = clients.of(ip);
        String userBucket = scope + ":user:" + user;
        String userFromAddressBucket = scope + ":user-ip:" + client + ":" + user;
        String ipBucket = scope + ":ip:" + client;
        // Always this order (username, username from client, client), so two attempts cannot deadlock.
        var recorded = Attempts.recordUnlessKnown(jdbi, List.of(userBucket, userFromAddressBucket, ipBucket),
                List.of(limits.perUsername(), limits.perUsernameFromAddress(), limits.perIp()), limits.window(), user, client);
        if (recorded.refused()) return new Limited(recorded.retryAfter());
        return new Allowed(new Attempt(userBucket, userFromAddressBucket, ipBucket, recorded.attemptedAt(), user, client));
    }

    /**
     * A request to e-mail the account {@code email}, from {@code ip}. The client's own counts (on
     * this account, and in all) refuse it when full, as for passwords. The account's count does
     * not: when the account has had its e-mails this window, the request is {@link AlreadyMailed}
     * (and not counted), unless it comes from one of the account's known clients. So strangers can
     * neither flood the mailbox (it gets at most the account's limit, plus what its known clients
     * ask for within their own limits) nor stop the owner from asking: each e-mail they caused
     * holds a working link, as long as the window is no longer than a link lives.
     */
    public MailRequest requestMail(String email, String ip) {
        String user = normalized(email);
        String client = clients.of(ip);
        // The client's counts first and on their own: a refused request must leave the account's count alone.
        var own = Attempts.record(jdbi, List.of(scope + ":user-ip:" + client + ":" + user, scope + ":ip:" + client),
                List.of(limits.perUsernameFromAddress(), limits.perIp()), limits.window());
        if (own.refused()) return new Limited(own.retryAfter());
        var account = Attempts.recordUnlessKnown(jdbi, List.of(scope + ":user:" + user), List.of(limits.perUsername()),
                limits.window(), user, client);
        return account.refused() ? new AlreadyMailed() : new SendMail();
    }

    /**
     * The password was right: this client starts afresh on this username and is known for it from
     * now on, and this attempt is not charged (inside the caller's transaction, with the work the
     * right password allows). Failures from other clients still count towards the username's
     * cap, so the owner signing in does not reopen the account to someone guessing elsewhere.
     */
    public void forgive(Handle h, Attempt attempt) {
        // Rows are updated in place, never deleted here (see migration V56), and locked in the
        // order record_attempt locks them (username, username from client, client): in the
        // index's order instead, a forgiving and a new attempt on the same buckets could each hold
        // a row the other waits for. The known client's row is written only once the username's
        // bucket is locked (it reads from "locked"), so two forgivings cannot take the two in
        // opposite orders either.
        h.createUpdate("""
                        WITH locked AS MATERIALIZED (
                            SELECT bucket FROM rate_limit_buckets WHERE bucket IN (:u, :ua, :i)
                            ORDER BY CASE bucket WHEN :u THEN 1 WHEN :ua THEN 2 ELSE 3 END
                            FOR UPDATE),
                        known AS (
                            INSERT INTO known_clients (username, client, last_success)
                            SELECT :username, :client, now() WHERE EXISTS (SELECT FROM locked)
                            ON CONFLICT (username, client) DO UPDATE SET last_success = excluded.last_success)
                        UPDATE rate_limit_buckets b
                        SET attempts = CASE WHEN b.bucket = :ua THEN '{}' ELSE without_one_attempt(b.attempts, :at) END
                        FROM locked WHERE b.bucket = locked.bucket""")
                .bind("u", attempt.userBucket()).bind("ua", attempt.userFromAddressBucket()).bind("i", attempt.ipBucket())
                .bind("at", attempt.attemptedAt())
                .bind("username", attempt.username()).bind("client", attempt.client())
                .execute();
    }

    /**
     * Makes the client at {@code ip} known for {@code username} without a password: for a
     * password reset completed there, which proved the account's mailbox.
     */
    public void rememberClient(Handle h, String username, String ip) {
        h.createUpdate("""
                        INSERT INTO known_clients (username, client, last_success) VALUES (:username, :client, now())
                        ON CONFLICT (username, client) DO UPDATE SET last_success = excluded.last_success""")
                .bind("username", normalized(username)).bind("client", clients.of(ip))
                .execute();
    }
}
