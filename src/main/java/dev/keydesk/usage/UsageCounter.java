package dev.keydesk.usage;

import dev.keydesk.apikey.KeyUseCounter;
import dev.keydesk.apikey.KeyUseOutcome;
import dev.keydesk.db.DatabaseAvailability;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts key presentations per hour, key, service and outcome in memory, and adds the counts to
 * {@code key_usage_hourly} and its daily sums ({@code key_usage_daily} per key, {@code usage_daily}
 * for the organization) in one transaction every few seconds from a thread of its own. The request
 * thread only finds a counter (a lock-free read once the slot exists) and increments it: no lock
 * is waited for and no SQL runs.
 *
 * <p>Exact across processes: every process adds its own counts to the row, never sets it. A count
 * taken from a counter ({@link LongAdder#sumThenReset}, which resets cell by cell atomically) is
 * either written or, if the write fails, put back for the next round; so an outage delays counts
 * and a graceful stop ({@link #close}) writes what is left. Counters stay in the map while their
 * hour may still be counted, and leave it one full hour after it ended: a request thread would
 * have to stall that long between reading the clock and counting to miss the last write.
 */
public final class UsageCounter implements KeyUseCounter, AutoCloseable {
    static final Duration FLUSH_EVERY = Duration.ofSeconds(5);
    /** Beyond this many slots waiting to be written (a long outage with many keys), new ones are dropped. */
    static final int MAX_SLOTS = 500_000;
    private static final long HOUR_MILLIS = Duration.ofHours(1).toMillis();
    private static final Logger log = LoggerFactory.getLogger(UsageCounter.class);

    /** One row of the table: an hour (in hours since the epoch), a key, a service and an outcome. */
    record Slot(long hour, long keyId, long serviceId, KeyUseOutcome outcome) {}

    /** A count taken from memory, to be written. */
    record Count(Slot slot, long n) {}

    private final Jdbi jdbi;
    private final Clock clock;
    private final Map<Slot, LongAdder> counters = new ConcurrentHashMap<>();
    private final LongAdder dropped = new LongAdder();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keydesk-usage-counter");
        t.setDaemon(true);
        return t;
    });

    public UsageCounter(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Starts writing the counts every few seconds. */
    public void start() {
        writer.scheduleWithFixedDelay(this::flushQuietly, FLUSH_EVERY.toMillis(), FLUSH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void count(long keyId, long serviceId, KeyUseOutcome outcome) {
        Slot slot = new Slot(clock.millis() / HOUR_MILLIS, keyId, serviceId, outcome);
        LongAdder counter = counters.get(slot);
        if (counter == null) {
            if (counters.size() >= MAX_SLOTS) {
                dropped.increment();
                return;
            }
            counter = counters.computeIfAbsent(slot, s -> new LongAdder());
        }
        counter.increment();
    }

    /** How many slots are in memory. */
    int slots() {
        return counters.size();
    }

    /** Counts dropped because too many slots were waiting; reported in the log when written. */
    long dropped() {
        return dropped.sum();
    }

    /**
     * Takes every count out of memory (the counters of hours that ended over an hour ago leave the
     * map; {@code all} takes every counter out, for the last write).
     */
    List<Count> take(boolean all) {
        long oldestKept = clock.millis() / HOUR_MILLIS - 1;
        List<Count> taken = new ArrayList<>();
        for (Map.Entry<Slot, LongAdder> e : counters.entrySet()) {
            Slot slot = e.getKey();
            if (all || slot.hour() < oldestKept) counters.remove(slot, e.getValue());
            long n = e.getValue().sumThenReset();
            if (n > 0) taken.add(new Count(slot, n));
        }
        return taken;
    }

    /** Puts counts that could not be written back, to be written with the next round. */
    private void putBack(List<Count> counts) {
        for (Count c : counts) counters.computeIfAbsent(c.slot(), s -> new LongAdder()).add(c.n());
    }

    /** Writes every count taken now; on failure puts them back and rethrows. */
    public synchronized void flush() {
        flush(false);
    }

    private void flush(boolean all) {
        List<Count> counts = take(all);
        if (counts.isEmpty()) return;
        // One order for every process, so two processes adding to the same rows never deadlock.
        counts.sort(Comparator.comparingLong((Count c) -> c.slot().keyId()).thenComparingLong(c -> c.slot().hour())
                .thenComparingLong(c -> c.slot().serviceId()).thenComparing(c -> c.slot().outcome()));
        try {
            write(counts);
        } catch (RuntimeException e) {
            putBack(counts);
            throw e;
        }
        long lost = dropped.sumThenReset();
        if (lost > 0) log.warn("{} key uses were not counted: too many distinct keys were waiting to be written", lost);
    }

    private void write(List<Count> counts) {
        int n = counts.size();
        Long[] keyIds = new Long[n];
        Long[] hours = new Long[n];
        Long[] serviceIds = new Long[n];
        String[] outcomes = new String[n];
        Long[] amounts = new Long[n];
        for (int i = 0; i < n; i++) {
            Slot slot = counts.get(i).slot();
            keyIds[i] = slot.keyId();
            hours[i] = slot.hour() * (HOUR_MILLIS / 1000);
            serviceIds[i] = slot.serviceId();
            outcomes[i] = slot.outcome().dbName();
            amounts[i] = counts.get(i).n();
        }
        // The hourly rows and their daily sums change together, so the pages reading the sums
        // never disagree with the hourly series. Rows are taken in one order per table, and the
        // tables in one order, so processes writing at once wait for each other but never deadlock.
        jdbi.useTransaction(h -> {
            h.createUpdate(UPSERT_HOURLY).bind("keyIds", keyIds).bind("hours", hours).bind("serviceIds", serviceIds)
                    .bind("outcomes", outcomes).bind("amounts", amounts).execute();
            h.createUpdate(UPSERT_KEY_DAILY).bind("keyIds", keyIds).bind("hours", hours).bind("serviceIds", serviceIds)
                    .bind("outcomes", outcomes).bind("amounts", amounts).execute();
            h.createUpdate(UPSERT_DAILY).bind("keyIds", keyIds).bind("hours", hours).bind("serviceIds", serviceIds)
                    .bind("outcomes", outcomes).bind("amounts", amounts).execute();
        });
    }

    private static final String COUNTS = """
            unnest(:keyIds, :hours, :serviceIds, :outcomes, :amounts)
                 WITH ORDINALITY AS c (key_id, epoch, service_id, outcome, count, position)""";

    private static final String UPSERT_HOURLY = """
            INSERT INTO key_usage_hourly AS u (key_id, hour, service_id, outcome, count)
            SELECT key_id, to_timestamp(epoch), service_id, outcome, count FROM %s
            ORDER BY position
            ON CONFLICT (key_id, hour, service_id, outcome) DO UPDATE SET count = u.count + EXCLUDED.count""".formatted(COUNTS);

    private static final String UPSERT_KEY_DAILY = """
            INSERT INTO key_usage_daily AS u (key_id, day, service_id, outcome, count)
            SELECT key_id, (to_timestamp(epoch) AT TIME ZONE 'UTC')::date, service_id, outcome, sum(count) FROM %s
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (key_id, day, service_id, outcome) DO UPDATE SET count = u.count + EXCLUDED.count""".formatted(COUNTS);

    private static final String UPSERT_DAILY = """
            INSERT INTO usage_daily AS u (day, service_id, outcome, count)
            SELECT (to_timestamp(epoch) AT TIME ZONE 'UTC')::date, service_id, outcome, sum(count) FROM %s
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (day, service_id, outcome) DO UPDATE SET count = u.count + EXCLUDED.count""".formatted(COUNTS);

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            // Kept in memory and written with the next round; DatabaseAvailability reports an outage.
            if (!DatabaseAvailability.isUnavailable(e)) log.warn("Could not write key usage counts: {}", e.getMessage());
        }
    }

    /** Forgets every count not yet written (tests that empty the database between them). */
    public void forget() {
        counters.clear();
    }

    /** Stops the writer, then writes everything counted so far. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) log.warn("The key usage writer did not stop in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                flush(true);
            } catch (RuntimeException e) {
                log.warn("Could not write the last key usage counts: {}", e.getMessage());
            }
        }
    }
}
