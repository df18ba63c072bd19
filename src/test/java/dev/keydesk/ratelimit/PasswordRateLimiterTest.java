package dev.keydesk.ratelimit;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.TestKeydesk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The limiter on its own, against the real database, with small limits: per username and
 * address, per username from everywhere (a cap that bounds guessing spread over many addresses),
 * and per address.
 */
@IntegrationTest
class PasswordRateLimiterTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private Jdbi jdbi;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        jdbi = keydesk.primary().database().jdbi();
    }

    private PasswordRateLimiter limiter() {
        // 2 per username and address, 5 per username, 4 per address.
        return new PasswordRateLimiter(jdbi, new PasswordRateLimiter.Limits(2, 5, 4, Duration.ofMinutes(30)), "test", ClientBucket.standard());
    }

    @Test
    void eachAddressHasItsOwnCountForAUsername() {
        PasswordRateLimiter limiter = limiter();
        for (int i = 0; i < 2; i++) assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.0.1"));
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.0.1"));
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("IAGO@zulip.com ", "10.0.0.1"), "the same username");
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.0.2"));
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("othello@zulip.com", "10.0.0.1"));
    }

    @Test
    void aUsernameHasACapOverAllAddresses() {
        PasswordRateLimiter limiter = limiter();
        for (int i = 1; i <= 5; i++) {
            assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.1." + i));
        }
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.2.1"),
                "guessing spread over addresses meets the cap");
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("othello@zulip.com", "10.0.2.1"));
    }

    @Test
    void anAddressHasACapOverAllUsernames() {
        PasswordRateLimiter limiter = limiter();
        for (int i = 1; i <= 4; i++) {
            assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("user" + i + "@zulip.com", "10.0.3.1"));
        }
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("user5@zulip.com", "10.0.3.1"));
    }

    @Test
    void theRightPasswordClearsItsAddressButNotOtherAddressesFailures() {
        PasswordRateLimiter limiter = limiter();
        for (int i = 1; i <= 3; i++) limiter.attempt("iago@zulip.com", "10.0.4." + i);   // failures elsewhere
        limiter.attempt("iago@zulip.com", "10.0.5.1");                                    // a failure here
        PasswordRateLimiter.Allowed right = (PasswordRateLimiter.Allowed) limiter.attempt("iago@zulip.com", "10.0.5.1");
        jdbi.useHandle(h -> limiter.forgive(h, right.attempt()));
        // The cap still counts the 3 failures elsewhere plus the one here: one more from anywhere else fills it.
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.5.2"));
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.5.3"),
                "4 failures + 1 = the cap of 5");
        // The address that was right starts afresh (2 more) and is known now, so the full cap does not refuse it.
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.5.1"));
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.5.1"));
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.5.1"),
                "its own count of 2 still holds");
    }

    @Test
    void onlyTheNewestKnownClientsOfAUsernameEscapeItsCap() {
        PasswordRateLimiter limiter = limiter();
        int clients = PasswordRateLimiter.KNOWN_PER_USERNAME + 1;
        for (int i = 1; i <= clients; i++) {
            // Each right password a moment after the last, so "newest" is well defined.
            jdbi.useHandle(h -> h.execute("SELECT pg_sleep(0.002)"));
            String address = "10.0.11." + i;
            jdbi.useTransaction(h -> limiter.forgive(h, ((PasswordRateLimiter.Allowed) limiter.attempt("iago@zulip.com", address)).attempt()));
        }
        for (int i = 1; i <= 5; i++) limiter.attempt("iago@zulip.com", "10.0.12." + i);  // the cap of 5, from elsewhere
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.13.1"));
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.11." + clients), "the newest");
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.11.2"),
                "the oldest of the newest " + PasswordRateLimiter.KNOWN_PER_USERNAME);
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.11.1"), "one too many");
    }

    @Test
    void knownClientsAreLongAgoNoLonger() {
        PasswordRateLimiter limiter = limiter();
        jdbi.useTransaction(h -> limiter.forgive(h, ((PasswordRateLimiter.Allowed) limiter.attempt("iago@zulip.com", "10.0.14.1")).attempt()));
        for (int i = 1; i <= 5; i++) limiter.attempt("iago@zulip.com", "10.0.15." + i);
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.14.1"));
        jdbi.useHandle(h -> h.execute("UPDATE known_clients SET last_success = now() - interval '30 days 1 second'"));
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.14.1"), "after 30 days");
    }

    @Test
    void aClientIsAnIpv6Slash64() {
        PasswordRateLimiter limiter = limiter();
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "2001:db8:1:2::1"));
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "2001:db8:1:2::2"));
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "2001:db8:1:2:ffff::3"),
                "the per-address count of 2, over one /64");
        assertEquals(2, attemptsIn("test:user-ip:2001:db8:1:2::/64:iago@zulip.com"));
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "2001:db8:1:3::1"), "the next /64");
    }

    @Test
    void anAccountsMailsAreBoundedWithoutStrangersBlockingItsKnownClients() {
        // 2 per account from one client, 5 per account from clients it does not know, 4 per client.
        PasswordRateLimiter limiter = limiter();
        PasswordRateLimiter login = new PasswordRateLimiter(jdbi, new PasswordRateLimiter.Limits(2, 5, 4, Duration.ofMinutes(30)),
                "login", ClientBucket.standard());
        jdbi.useTransaction(h -> login.forgive(h, ((PasswordRateLimiter.Allowed) login.attempt("iago@zulip.com", "2001:db8:ffff:1::1")).attempt()));
        for (int i = 1; i <= 5; i++) {
            assertInstanceOf(PasswordRateLimiter.SendMail.class, limiter.requestMail("iago@zulip.com", "10.0.16." + i));
        }
        assertInstanceOf(PasswordRateLimiter.AlreadyMailed.class, limiter.requestMail("IAGO@zulip.com", "10.0.16.9"),
                "the account had its 5");
        assertInstanceOf(PasswordRateLimiter.SendMail.class, limiter.requestMail("iago@zulip.com", "2001:db8:ffff:1::2"),
                "a client the account knows (any address of its /64)");
        assertInstanceOf(PasswordRateLimiter.SendMail.class, limiter.requestMail("iago@zulip.com", "2001:db8:ffff:1::3"));
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.requestMail("iago@zulip.com", "2001:db8:ffff:1::4"),
                "but within its own count of 2");
        // One client's count over all accounts: 10.0.16.9 asked once (for iago), so 3 more, then refused.
        for (int i = 1; i <= 3; i++) limiter.requestMail("someone" + i + "@zulip.com", "10.0.16.9");
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.requestMail("someone9@zulip.com", "10.0.16.9"));
    }

    @Test
    void rememberingAClientMakesItKnown() {
        PasswordRateLimiter limiter = limiter();
        for (int i = 1; i <= 5; i++) limiter.attempt("iago@zulip.com", "10.0.17." + i);
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.18.1"));
        jdbi.useHandle(h -> limiter.rememberClient(h, " Iago@Zulip.com", "10.0.18.1"));
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.18.1"));
    }

    @Test
    void parallelAttemptsTakeTurnsSoNoneSlipsPastALimit() throws Exception {
        PasswordRateLimiter limiter = limiter();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<PasswordRateLimiter.Decision>> decisions = new ArrayList<>();
            for (int i = 0; i < 16; i++) decisions.add(pool.submit(() -> limiter.attempt("iago@zulip.com", "10.0.6.1")));
            int allowed = 0;
            for (var decision : decisions) if (decision.get() instanceof PasswordRateLimiter.Allowed) allowed++;
            assertEquals(2, allowed, "the limit per username and address");
        } finally {
            pool.shutdownNow();
        }
        long counted = jdbi.withHandle(h -> h.createQuery("SELECT coalesce(sum(cardinality(attempts)), 0) FROM rate_limit_buckets WHERE bucket LIKE 'test:%'")
                .mapTo(Long.class).one());
        assertEquals(6, counted, "a refused attempt counts nowhere; each allowed one in its three buckets");
    }

    @Test
    void aRefusalSaysHowLongUntilTheOldestCountedAttemptLeavesTheWindow() {
        PasswordRateLimiter limiter = limiter();
        for (int i = 0; i < 2; i++) limiter.attempt("iago@zulip.com", "10.0.7.1");
        var limited = assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.7.1"));
        long seconds = limited.retryAfter().toSeconds();
        assertTrue(seconds > 29 * 60 && seconds <= 30 * 60, "about the 30-minute window: " + seconds + " s");
    }

    @Test
    void rightAndWrongPasswordsInParallelLeaveExactlyTheWrongOnesCounted() throws Exception {
        // Limits high enough that nothing is refused: only the counting is under test.
        var limiter = new PasswordRateLimiter(jdbi, new PasswordRateLimiter.Limits(100, 1000, 100, Duration.ofMinutes(30)), "test", ClientBucket.standard());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> wrongs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String address = "10.0.9." + t;
                wrongs.add(pool.submit(() -> {
                    int wrong = 0;
                    for (int i = 0; i < 20; i++) {
                        var allowed = (PasswordRateLimiter.Allowed) limiter.attempt("iago@zulip.com", address);
                        if (i % 3 == 0) {
                            jdbi.useTransaction(h -> limiter.forgive(h, allowed.attempt()));
                        } else {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            int wrong = 0;
            for (var w : wrongs) wrong += w.get();
            assertEquals(wrong, attemptsIn("test:user:iago@zulip.com"), "no forgiving undid a parallel attempt, none was lost");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void forgivingLocksTheBucketsInTheOrderAnAttemptDoes() throws Exception {
        // An attempt locks username, username from address, address, in that order. While another
        // transaction holds the username's row, a forgiving must wait for it before locking the
        // address's: holding the address's while waiting, it could deadlock with that attempt.
        PasswordRateLimiter limiter = limiter();
        var allowed = (PasswordRateLimiter.Allowed) limiter.attempt("iago@zulip.com", "10.0.10.1");
        // The username's row rewritten, so it no longer comes first in the table, as after a while of use.
        jdbi.useHandle(h -> h.execute("UPDATE rate_limit_buckets SET attempts = attempts WHERE bucket = 'test:user:iago@zulip.com'"));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Handle attempt = jdbi.open()) {
            attempt.begin();
            attempt.createQuery("SELECT 1 FROM rate_limit_buckets WHERE bucket = 'test:user:iago@zulip.com' FOR UPDATE")
                    .mapTo(Integer.class).one();
            Future<?> forgiving = pool.submit(() -> jdbi.useTransaction(h -> limiter.forgive(h, allowed.attempt())));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (waitingForALock() == 0) {
                assertTrue(System.nanoTime() < deadline, "the forgiving waits for the username's row");
                Thread.sleep(5);
            }
            // Throws "could not obtain lock" if the forgiving took the address's row first.
            attempt.createQuery("SELECT 1 FROM rate_limit_buckets WHERE bucket = 'test:ip:10.0.10.1' FOR UPDATE NOWAIT")
                    .mapTo(Integer.class).one();
            attempt.rollback();
            forgiving.get();
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, attemptsIn("test:user:iago@zulip.com"));
        assertEquals(0, attemptsIn("test:ip:10.0.10.1"));
    }

    private long waitingForALock() {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE rate_limit_buckets%'""")
                .mapTo(Long.class).one());
    }

    @Test
    void aBucketKeepsOnlyTheAttemptsThatStillCount() {
        String bucket = "test:user-ip:10.0.8.1:iago@zulip.com";
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO rate_limit_buckets VALUES (:b, ARRAY[now() - interval '40 minutes', "
                + "now() - interval '31 minutes'])").bind("b", bucket).execute());
        PasswordRateLimiter limiter = limiter();
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.8.1"), "both left the window");
        assertEquals(1, attemptsIn(bucket), "the old ones are gone");
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.8.1"));
        for (int i = 0; i < 3; i++) assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.8.1"));
        assertEquals(2, attemptsIn(bucket), "a refused attempt adds nothing: the bucket holds its limit at most");
    }

    @Test
    void forgivingRemovesOneAttemptEvenWhenTwoHaveTheSameTime() {
        boolean oneRemoved = jdbi.withHandle(h -> h.createQuery("""
                        SELECT without_one_attempt(ARRAY[t, t, t + interval '1 second'], t) = ARRAY[t, t + interval '1 second']
                               AND without_one_attempt(ARRAY[t], t - interval '1 second') = ARRAY[t]
                        FROM (SELECT now() AS t) n""").mapTo(Boolean.class).one());
        assertTrue(oneRemoved, "one occurrence removed; an absent time changes nothing");
    }

    private long attemptsIn(String bucket) {
        return jdbi.withHandle(h -> h.createQuery("SELECT coalesce(sum(cardinality(attempts)), 0) FROM rate_limit_buckets WHERE bucket = :b")
                .bind("b", bucket).mapTo(Long.class).one());
    }
}
