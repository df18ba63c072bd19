package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How {@link RateLimits} shares a limit among processes, with the exchange played in memory
 * exactly as {@link RateLimitExchange} plays it through PostgreSQL (one process at a time, each
 * reading the others' written claims, then writing its own): the traffic patterns a fleet sees,
 * over one window whose clock stands still, ten exchanges a simulated second.
 */
class RateLimitsTest {
    private static final GuardedService SERVICE = new GuardedService(1, "Grafana", "", "everyone", 600,
            Instant.parse("2026-01-01T00:00:00Z"));
    private static final long NOW = 1_000_000_020_000L + 10; // just after a window began

    /** Processes sharing one table of claims: counter name → process → claim. */
    private static final class Fleet {
        final List<RateLimits> processes = new ArrayList<>();
        final Map<String, Map<Integer, Integer>> claims = new HashMap<>();

        Fleet(int n) {
            for (int i = 0; i < n; i++) {
                processes.add(new RateLimits(() -> NOW, Duration.ofMinutes(1), Duration.ZERO));
            }
            exchange(); // every process knows the others are alive, as after start
        }

        void exchange() {
            for (int p = 0; p < processes.size(); p++) {
                RateLimits limits = processes.get(p);
                Map<RateLimits.Counter, Integer> proposed = new HashMap<>();
                for (RateLimits.Counter counter : limits.dueForExchange()) {
                    Map<Integer, Integer> rows = claims.computeIfAbsent(counter.name, k -> new HashMap<>());
                    int others = 0, competitors = 0;
                    for (var row : rows.entrySet()) {
                        if (row.getKey() == p) continue;
                        others += row.getValue();
                        if (row.getValue() > 0) competitors++;
                    }
                    int claim = limits.resize(counter, others, competitors);
                    rows.put(p, claim);
                    proposed.put(counter, claim);
                }
                proposed.forEach(limits::grant);
                limits.exchanged(true, processes.size());
            }
        }

        /** {@code perTick[p]} requests to process p between exchanges, for {@code ticks} exchanges; returns those admitted. */
        int run(int ticks, int... perTick) {
            int admitted = 0;
            for (int t = 0; t < ticks; t++) {
                for (int p = 0; p < perTick.length; p++) {
                    for (int r = 0; r < perTick[p]; r++) {
                        long retryAfter = processes.get(p).take(SERVICE, 7, 600);
                        // A request that finds its process's claim used up while the limit is not
                        // reached waits for the next exchange (in production, at most a quarter second).
                        if (retryAfter == 1) {
                            exchange();
                            retryAfter = processes.get(p).take(SERVICE, 7, 600);
                        }
                        if (retryAfter == 0) admitted++;
                    }
                }
                exchange();
            }
            return admitted;
        }
    }

    @Test
    void twoProcessesUnderHeavyLoadAdmitTheLimitOnce() {
        Fleet fleet = new Fleet(2);
        int admitted = fleet.run(600, 300, 300);
        assertTrue(admitted >= 600 && admitted <= 615, "admitted " + admitted);
    }

    @Test
    void allTrafficThroughOneOfThreeProcessesStillGetsTheWholeLimit() {
        Fleet fleet = new Fleet(3);
        int admitted = fleet.run(600, 50, 0, 0);
        assertTrue(admitted >= 595 && admitted <= 605, "admitted " + admitted);
    }

    @Test
    void unevenTrafficIsNeitherRefusedUnderTheLimitNorLetPastIt() {
        Fleet fleet = new Fleet(2);
        // 9 requests a second (540 in the minute) on one process, 0.5 on the other: all admitted.
        int admitted = 0;
        for (int second = 0; second < 60; second++) {
            admitted += fleet.run(1, 9, second % 2);
            fleet.run(9, 0, 0);
        }
        assertEquals(540 + 30, admitted, "under the limit, nothing is refused");
        // Then a burst on the quiet process takes what is left, and no more.
        int burst = fleet.run(20, 0, 100);
        // The busy process, now idle, keeps a fiftieth of the limit (12) it will not use until the window ends.
        assertTrue(burst >= 30 - 12 && burst <= 30, "the burst got " + burst + " of the 30 left");
    }

    @Test
    void aProcessThatCannotReachTheDatabaseCountsAloneAgainstTheWholeLimit() {
        Fleet fleet = new Fleet(2);
        fleet.processes.get(0).exchanged(false, 1);
        int admitted = 0;
        for (int i = 0; i < 1000; i++) {
            if (fleet.processes.get(0).take(SERVICE, 7, 600) == 0) admitted++;
        }
        assertEquals(600, admitted);
        long retryAfter = fleet.processes.get(0).take(SERVICE, 7, 600);
        assertTrue(retryAfter >= 59 && retryAfter <= 60, "until the window ends: " + retryAfter);
    }
}
