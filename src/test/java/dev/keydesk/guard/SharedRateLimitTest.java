package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.Tuning;
import dev.keydesk.audit.Actor;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A service's per-key limit holds across Keydesk processes: two Keydesks on one PostgreSQL behind
 * a real nginx that sends the documented recipe's questions to them in turn (round robin), and a
 * client asking as fast as it can through nginx. The windows are shortened from a minute to a few
 * seconds so the test does not take minutes; everything else is as in production.
 */
@IntegrationTest
class SharedRateLimitTest {
    private static final Duration WINDOW = Duration.ofSeconds(8);
    private static final int LIMIT = 600;
    private static final int THREADS = 8;

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final List<Keydesk> processes = new ArrayList<>();
    private EchoUpstream upstream;
    private ProxyProcess nginx;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Nginx.isInstalled(), "nginx is not installed here (.ci/run installs it)");
        keydesk.reset();
        Tuning tuning = TestKeydesk.TUNING.withRateLimitWindow(WINDOW);
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
        String token = keydesk.primary().services().guard().register(Actor.commandLine(),
                new GuardActions.Spec("Grafana", "", Access.EVERYONE, LIMIT)).token();
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

        for (int round = 1; round <= 2; round++) {
            Map<Integer, Long> statuses = throughOneWindow(key);
            long admitted = statuses.getOrDefault(200, 0L);
            System.out.printf("window %d: %s (limit %d per window, two processes)%n", round, statuses, LIMIT);
            assertTrue(admitted >= LIMIT * 0.95 && admitted <= LIMIT * 1.05,
                    "admitted " + admitted + " of a limit of " + LIMIT + ": " + statuses);
            assertEquals(Map.of(200, admitted, 429, statuses.getOrDefault(429, 0L)), statuses, "only 200 and 429");
            assertTrue(statuses.getOrDefault(429, 0L) > LIMIT / 2, "the client asked for far more than the limit: " + statuses);
        }
    }

    /**
     * The answers to every request sent from just after a window's start to just before its end,
     * by status. Nothing else asks for the key, so the 200s are all the window admitted.
     */
    private Map<Integer, Long> throughOneWindow(String key) throws Exception {
        long windowMillis = WINDOW.toMillis();
        long now = TestKeydesk.CLOCK.millis();
        long start = (now / windowMillis + 1) * windowMillis;
        Thread.sleep(start - now + 50);
        long stopAt = start + windowMillis - 300;
        Map<Integer, LongAdder> counts = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                threads.add(pool.submit(() -> {
                    while (TestKeydesk.CLOCK.millis() < stopAt) {
                        Http.Response r = ask(key);
                        if (r.status() == 429) {
                            long retryAfter = Long.parseLong(r.header("Retry-After").orElseThrow());
                            if (retryAfter < 1 || retryAfter > WINDOW.toSeconds()) throw new AssertionError("Retry-After " + retryAfter);
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
        Map<Integer, Long> statuses = new TreeMap<>();
        counts.forEach((status, n) -> statuses.put(status, n.sum()));
        return statuses;
    }

    private Http.Response ask(String key) {
        return Http.send(HttpRequest.newBuilder(URI.create(nginx.url("/dashboards/1"))).header("X-Api-Key", key).GET().build());
    }
}
