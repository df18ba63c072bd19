package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.Tuning;
import dev.keydesk.config.Settings;
import dev.keydesk.outbox.Backoff;
import dev.keydesk.ratelimit.AuthFailureLimiter;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failed API authentication is limited per client address, here 5 failures within a minute of
 * the first, on a server of this test's own that trusts 127.0.0.1 as a proxy, so that each test
 * speaks from addresses of its own through X-Forwarded-For.
 */
@IntegrationTest
class ApiKeyFailureLimitTest {
    private static final int LIMIT = 5;
    private static Keydesk limited;
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User hamlet;
    private String hamletKey;

    @BeforeAll
    static void start() {
        TestKeydesk shared = TestKeydesk.get();
        Tuning tuning = Tuning.standard().withBackoff(new Backoff(0.01))
                .withApiKeyFailures(new AuthFailureLimiter.Limits(LIMIT, Duration.ofMinutes(1)));
        limited = Keydesk.start(Settings.fromMap(shared.env(Map.of(
                "KEYDESK_DATABASE_URL", shared.databaseUrl(),
                "KEYDESK_TRUSTED_PROXIES", "127.0.0.1"))), tuning);
    }

    @AfterAll
    static void stop() {
        limited.close();
    }

    @BeforeEach
    void setUp() throws InterruptedException {
        keydesk.reset();
        limited.services().keyCache().forgetAll();
        long noticesHeard = noticesHeardByLimited();
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.MEMBER);
        hamletKey = Fixtures.keyOf(hamlet);
        // Hamlet's creation is announced to this test's server too; once it has heard it, a key
        // it caches stays cached (a late notice would rightly drop it).
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (noticesHeardByLimited() == noticesHeard) {
            if (System.nanoTime() > deadline) throw new AssertionError("Timed out waiting for the account's notice");
            Thread.sleep(10);
        }
    }

    /** Key change notices from other processes handled by this test's server. */
    private static long noticesHeardByLimited() {
        return limited.services().metrics().registry().get("keydesk_key_invalidation_delay").timer().count();
    }

    @Test
    void afterTooManyFailuresAnAddressGets429WithoutAQueryButACachedKeyStillWorks() throws Exception {
        String client = "198.51.100.10";
        assertEquals(200, me(client, "hamlet@zulip.com", hamletKey).status(), "cached now");
        User othello = Fixtures.user("othello@zulip.com", "Othello", Role.MEMBER);
        String othelloKey = Fixtures.keyOf(othello); // never used here: not cached

        for (int i = 0; i < LIMIT; i++) {
            Http.Response refused = me(client, "hamlet@zulip.com", ApiKeyFormat.generate());
            assertEquals(401, refused.status(), "failure " + (i + 1));
        }
        long lookups = limited.services().authenticator().databaseLookups();
        Http.Response limitedAnswer = me(client, "hamlet@zulip.com", ApiKeyFormat.generate());
        assertEquals(429, limitedAnswer.status());
        assertEquals("RATE_LIMIT_HIT", limitedAnswer.json().get("code").asText());
        assertEquals("API usage exceeded rate limit", limitedAnswer.json().get("msg").asText());
        long retryAfter = Long.parseLong(limitedAnswer.header("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "seconds left of the minute: " + retryAfter);
        assertEquals(retryAfter, limitedAnswer.json().get("retry-after").asLong());

        assertEquals(429, me(client, "othello@zulip.com", othelloKey).status(), "an uncached key is not looked up");
        assertEquals(429, me(client, "hamlet@zulip.com", "not a key").status());
        assertEquals(lookups, limited.services().authenticator().databaseLookups(), "no lookup while limited");
        assertEquals(200, me(client, "hamlet@zulip.com", hamletKey).status(), "a cached key is still served");

        assertEquals(200, me("198.51.100.11", "othello@zulip.com", othelloKey).status(), "other addresses are not limited");
    }

    @Test
    void parallelFailuresFromOneAddressAreBoundedAndLookUpNothingOnceLimited() throws Exception {
        String client = "2001:db8::77";
        int requests = 60;
        long lookupsBefore = limited.services().authenticator().databaseLookups();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            Callable<Integer> call = () -> {
                start.await();
                return me(client, "hamlet@zulip.com", ApiKeyFormat.generate()).status();
            };
            answers.add(pool.submit(call));
        }
        start.countDown();
        int unauthorized = 0;
        int tooMany = 0;
        for (Future<Integer> answer : answers) {
            int status = answer.get();
            if (status == 401) unauthorized++;
            else if (status == 429) tooMany++;
            else throw new AssertionError("unexpected status " + status);
        }
        pool.shutdown();
        // Requests already past the check when the limit was reached still finish: at most one per thread.
        assertTrue(unauthorized >= LIMIT && unauthorized < LIMIT + 8, unauthorized + " answered 401");
        assertEquals(requests, unauthorized + tooMany);
        assertEquals(unauthorized, limited.services().authenticator().databaseLookups() - lookupsBefore,
                "one lookup per 401 (each key was new), none per 429");
    }

    @Test
    void realKeysPresentedWithAnotherAccountsEmailCountAsFailures() {
        String client = "198.51.100.20";
        for (int i = 0; i < LIMIT; i++) {
            assertEquals(401, me(client, "othello@zulip.com", hamletKey).status(), "wrong e-mail");
        }
        assertEquals(429, me(client, "hamlet@zulip.com", ApiKeyFormat.generate()).status());
    }

    private static Http.Response me(String client, String email, String key) {
        return Http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + limited.port() + "/api/v1/users/me"))
                .header("Authorization", Http.basic(email, key))
                .header("X-Forwarded-For", client)
                .GET().build());
    }
}
