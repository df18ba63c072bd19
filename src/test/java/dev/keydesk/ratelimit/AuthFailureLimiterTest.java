package dev.keydesk.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Failed API authentications per address, on a clock the test moves. */
class AuthFailureLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AuthFailureLimiter limiter = new AuthFailureLimiter(new AuthFailureLimiter.Limits(3, Duration.ofSeconds(60)),
            ClientBucket.standard(), now::get);

    @Test
    void anAddressIsLimitedOnceItFailedTheLimitWithinTheWindowOfItsFirstFailure() {
        assertEquals(0, limiter.retryAfterSeconds("203.0.113.7"));
        limiter.recordFailure("203.0.113.7");
        now.addAndGet(20_000);
        limiter.recordFailure("203.0.113.7");
        assertEquals(0, limiter.retryAfterSeconds("203.0.113.7"), "two failures of three");
        limiter.recordFailure("203.0.113.7");
        assertEquals(40, limiter.retryAfterSeconds("203.0.113.7"), "until a minute after the first failure");
        assertEquals(0, limiter.retryAfterSeconds("203.0.113.8"), "other addresses are not");
        now.addAndGet(39_500);
        assertEquals(1, limiter.retryAfterSeconds("203.0.113.7"), "never less than a second while limited");
        now.addAndGet(500);
        assertEquals(0, limiter.retryAfterSeconds("203.0.113.7"), "the window is over");
    }

    @Test
    void aNewWindowStartsAfresh() {
        for (int i = 0; i < 3; i++) limiter.recordFailure("2001:db8::1");
        now.addAndGet(60_000);
        limiter.recordFailure("2001:db8::1");
        limiter.recordFailure("2001:db8::1");
        assertEquals(0, limiter.retryAfterSeconds("2001:db8::1"));
        limiter.recordFailure("2001:db8::1");
        assertEquals(60, limiter.retryAfterSeconds("2001:db8::1"));
    }

    @Test
    void theAddressesOfOneIpv6Slash64CountAsOneClient() {
        limiter.recordFailure("2001:db8:5:6::1");
        limiter.recordFailure("2001:db8:5:6::2");
        limiter.recordFailure("2001:db8:5:6:ffff::3");
        assertEquals(60, limiter.retryAfterSeconds("2001:db8:5:6::4"), "another address of the same /64");
        assertEquals(0, limiter.retryAfterSeconds("2001:db8:5:7::1"), "the next /64 is another client");
        limiter.recordFailure("::ffff:203.0.113.9");
        limiter.recordFailure("203.0.113.9");
        limiter.recordFailure("203.0.113.9");
        assertEquals(60, limiter.retryAfterSeconds("203.0.113.9"), "an IPv4-mapped address is the IPv4 client");
    }
}
