package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.Tuning;
import dev.keydesk.support.EchoUpstream;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Nginx;
import dev.keydesk.support.ProxyProcess;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A service's per-key limit holds across Keydesk processes: two Keydesks on one PostgreSQL behind
 * a real nginx that sends the documented recipe's questions to them in turn (round robin), and a
 * client asking as fast as it can through nginx. The two Keydesks' clock stands still while the
 * client asks, so each minute's window lasts until the client has asked far more than the limit
 * however slow the machine is, and moves a minute on between windows.
 */
@IntegrationTest
class SharedRateLimitTest {
    private static final int LIMIT = 600;
    private static final int THREADS = 8;

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final List<Keydesk> processes = new ArrayList<>();
    /** Just after a minute began. */
    private final HeldClock clock = new HeldClock(Instant.ofEpochMilli((System.currentTimeMillis() / 60_000 + 1) * 60_000 + 10));
    private EchoUpstream upstream;
    private ProxyProcess nginx;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Nginx.isInstalled(), "nginx is not installed here (.ci/run installs it)");
        keydesk.reset();
        Tuning tuning = TestKeydesk.TUNING.withClock(clock, Duration.ofSeconds(30));
        processes.add(keydesk.startSeparate(Map.of(), tuning));
        processes.add(keydesk.startSeparate(Map.of(), tuning));
        upstream = EchoUpstream.start();
    }

    @AfterEach
    void stop() {
        if (nginx != null) nginx.close();
        if (upstream != null) upstream.close();
        processes.forEach(Keydesk::close);
    }

    @Test
    void twoProcessesBehindRoundRobinNginxAdmitTheLimitOnceBetweenThem() throws Exception {
        String token = Fixtures.service("Grafana", "", Access.EVERYONE, LIMIT).token();
        nginx = Nginx.start(ProxyRecipeCases.substitute(ProxyRecipeCases.docsRecipe("nginx", "nginx"),
                "server 127.0.0.1:7070;", "server 127.0.0.1:" + processes.get(0).port() + "; server 127.0.0.1:"
                        + processes.get(1).port() + ";",
                "listen 80;", "listen 127.0.0.1:{PORT};",
                "kdsvc_your_service_token", token,
                "http://127.0.0.1:3000", "http://127.0.0.1:" + upstream.port()));
        User iago = Fixtures.member("iago@zulip.com");
        String key = Fixtures.keyOf(iago);
        // Both processes know the key before the windows counted below (as they would in production).
        for (int i = 0; i < 4; i++) assertEquals(200, ask(key).status(), nginx.log());
        clock.advance(Duration.ofMinutes(1)); // the minutes counted below start with nothing used

        for (int round = 1; round <= 2; round++) {
            Map<Integer, Long> statuses = throughOneWindow(key);
            long admitted = statuses.getOrDefault(200, 0L);
            System.out.printf("minute %d: %s (limit %d a minute, two processes)%n", round, statuses, LIMIT);
            assertTrue(admitted >= LIMIT * 0.95 && admitted <= LIMIT * 1.05,
                    "admitted " + admitted + " of a limit of " + LIMIT + ": " + statuses);
            assertEquals(Map.of(200, admitted, 429, statuses.getOrDefault(429, 0L)), statuses, "only 200 and 429");
        }
    }

    /**
     * The answers, by status, to requests sent by {@link #THREADS} threads while the clock stands
     * still, until more than the limit were refused; then the clock moves to the next window.
     * Nothing else asks for the key, so the 200s are all the window admitted.
     */
    private Map<Integer, Long> throughOneWindow(String key) throws Exception {
        Map<Integer, LongAdder> counts = new ConcurrentHashMap<>();
        long deadline = System.nanoTime() + 120_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                threads.add(pool.submit(() -> {
                    while (counts.getOrDefault(429, new LongAdder()).sum() <= LIMIT) {
                        if (System.nanoTime() > deadline) throw new AssertionError("not refused more than " + LIMIT
                                + " times within two minutes: " + counts);
                        Http.Response r = ask(key);
                        if (r.status() == 429) {
                            long retryAfter = Long.parseLong(r.header("Retry-After").orElseThrow());
                            if (retryAfter < 1 || retryAfter > 60) throw new AssertionError("Retry-After " + retryAfter);
                        }
                        counts.computeIfAbsent(r.status(), s -> new LongAdder()).increment();
                    }
                    return null;
                }));
            }
            for (Future<?> f : threads) f.get();
        } finally {
            pool.shutdown();
        }
        clock.advance(Duration.ofMinutes(1));
        Map<Integer, Long> statuses = new TreeMap<>();
        counts.forEach((status, n) -> statuses.put(status, n.sum()));
        return statuses;
    }

    /** A clock that stands still until moved. */
    private static final class HeldClock extends Clock {
        private final AtomicReference<Instant> now;

        HeldClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        void advance(Duration by) {
            now.updateAndGet(t -> t.plus(by));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    private Http.Response ask(String key) {
        return Http.send(HttpRequest.newBuilder(URI.create(nginx.url("/dashboards/1"))).header("X-Api-Key", key).GET().build());
    }
}
