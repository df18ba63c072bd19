package dev.keydesk.ratelimit;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.keydesk.support.TestKeydesk;
import java.time.Duration;
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
        return new PasswordRateLimiter(jdbi, new PasswordRateLimiter.Limits(2, 5, 4, Duration.ofMinutes(30)), "test");
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
        limiter.forgive(right.attempt());
        // This address starts afresh (2 more), while the cap still counts the 3 failures elsewhere plus the one here.
        assertInstanceOf(PasswordRateLimiter.Allowed.class, limiter.attempt("iago@zulip.com", "10.0.5.1"));
        assertInstanceOf(PasswordRateLimiter.Limited.class, limiter.attempt("iago@zulip.com", "10.0.5.1"),
                "4 failures + 1 = the cap of 5");
    }
}
