package dev.keydesk.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.apikey.KeyUseOutcome;
import dev.keydesk.support.TestClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The in-memory side of usage counting: every increment is taken exactly once, however they interleave. */
class UsageCounterTest {
    private static final int THREADS = 8;
    private static final int PER_THREAD = 200_000;

    @Test
    void parallelIncrementsAreTakenExactlyOnceWhileTakesRunAlongside() throws Exception {
        TestClock clock = new TestClock();
        UsageCounter counter = new UsageCounter(null, clock); // never writes here: only take() is used
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean counting = new AtomicBoolean(true);
        Map<UsageCounter.Slot, Long> taken = new HashMap<>();
        try {
            List<Future<?>> workers = new java.util.ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        // Four keys, two services, two outcomes: threads share every slot.
                        counter.count(i % 4, (i / 4) % 2, (i + thread) % 2 == 0 ? KeyUseOutcome.ALLOWED : KeyUseOutcome.INVALID);
                    }
                    return null;
                }));
            }
            Thread taker = new Thread(() -> {
                while (counting.get()) addAll(taken, counter.take(false));
            });
            taker.start();
            start.countDown();
            for (Future<?> worker : workers) worker.get(60, TimeUnit.SECONDS);
            counting.set(false);
            taker.join(60_000);
        } finally {
            pool.shutdownNow();
        }
        addAll(taken, counter.take(true));

        assertEquals((long) THREADS * PER_THREAD, taken.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(16, taken.size(), "4 keys x 2 services x 2 outcomes: " + taken.keySet());
        for (long n : taken.values()) assertEquals((long) THREADS * PER_THREAD / 16, n);
        assertTrue(counter.take(true).isEmpty(), "nothing is taken twice");
    }

    @Test
    void eachHourIsItsOwnSlotAndAnEndedHourLeavesMemoryAnHourLater() {
        TestClock clock = new TestClock();
        UsageCounter counter = new UsageCounter(null, clock);
        clock.advance(Duration.ofMillis(3_600_000 - clock.millis() % 3_600_000)); // the start of an hour
        counter.count(5, 0, KeyUseOutcome.ALLOWED);
        clock.advance(Duration.ofMinutes(59));
        counter.count(5, 0, KeyUseOutcome.ALLOWED);
        clock.advance(Duration.ofMinutes(2)); // the next hour
        counter.count(5, 0, KeyUseOutcome.ALLOWED);

        List<UsageCounter.Count> first = counter.take(false);
        assertEquals(List.of(2L, 1L), first.stream().sorted(java.util.Comparator.comparingLong(c -> c.slot().hour()))
                .map(UsageCounter.Count::n).toList());
        assertEquals(2, counter.slots(), "both hours are still being counted");
        clock.advance(Duration.ofHours(2));
        assertTrue(counter.take(false).isEmpty());
        assertEquals(0, counter.slots(), "hours that ended over an hour ago leave memory");
    }

    private static void addAll(Map<UsageCounter.Slot, Long> into, List<UsageCounter.Count> counts) {
        for (UsageCounter.Count c : counts) into.merge(c.slot(), c.n(), Long::sum);
    }
}
