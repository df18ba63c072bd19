package dev.keydesk.guard;

import dev.keydesk.db.DatabaseAvailability;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background half of {@link RateLimits}: every 100 ms, one transaction that takes the
 * exchange's lock (so processes size their claims one after another, each seeing the others'
 * latest), reads the other processes' claims on the keys this one counted lately, and writes this
 * one's new claims, in a few statements whatever the traffic. Each process also marks itself
 * alive, so a process knows how many share the limits. No request ever waits on the database: a
 * request only reads what the last exchange left in memory.
 */
public final class RateLimitExchange implements AutoCloseable {
    /** The first key of the exchange's transaction-level advisory lock (two-key form, apart from other locks). */
    private static final int LOCK_SPACE = 0x6b64726c; // "kdrl"
    /** A process not seen for this long no longer counts as sharing the limits. */
    private static final Duration ALIVE_FOR = Duration.ofSeconds(2);
    private static final Duration MARK_ALIVE_EVERY = Duration.ofMillis(500);
    private static final Duration CLEAN_EVERY = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(RateLimitExchange.class);

    private final Jdbi jdbi;
    private final RateLimits limits;
    private final Duration every;
    private final UUID process = UUID.randomUUID();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keydesk-rate-limit-exchange");
        t.setDaemon(true);
        return t;
    });
    private long markedAliveAt;
    private long cleanedAt = System.nanoTime();
    private int live = 1;
    private boolean reachable = true;

    public RateLimitExchange(Jdbi jdbi, RateLimits limits, Duration every) {
        this.jdbi = jdbi;
        this.limits = limits;
        this.every = every;
        this.markedAliveAt = System.nanoTime() - MARK_ALIVE_EVERY.toNanos();
    }

    public void start() {
        worker.scheduleWithFixedDelay(this::runQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runQuietly() {
        try {
            exchange();
            if (!reachable) log.info("Rate limits are shared with the other Keydesk processes again");
            reachable = true;
            limits.exchanged(true, live);
        } catch (RuntimeException e) {
            if (reachable) {
                log.warn("Rate limits are counted by this process alone until the database answers again{}",
                        DatabaseAvailability.isUnavailable(e) ? "" : ": " + e.getMessage());
            }
            reachable = false;
            limits.exchanged(false, 1);
        }
    }

    /** One round: claims written and the others' read, and this process marked alive, when due. */
    void exchange() {
        List<RateLimits.Counter> due = limits.dueForExchange();
        long now = System.nanoTime();
        // After a failure, every round asks the database, so that only an answer counts as its return.
        boolean markAlive = !reachable || now - markedAliveAt >= MARK_ALIVE_EVERY.toNanos();
        boolean clean = now - cleanedAt >= CLEAN_EVERY.toNanos();
        if (due.isEmpty() && !markAlive && !clean) return;
        Map<RateLimits.Counter, Integer> proposed = new HashMap<>();
        jdbi.useTransaction(h -> {
            if (markAlive) {
                live = h.createQuery("""
                                WITH marked AS (INSERT INTO rate_limit_processes (process, seen_at) VALUES (:me, now())
                                                ON CONFLICT (process) DO UPDATE SET seen_at = EXCLUDED.seen_at)
                                SELECT count(*) + 1 FROM rate_limit_processes
                                WHERE process <> :me AND seen_at > now() - CAST(:alive AS interval)""")
                        .bind("me", process).bind("alive", ALIVE_FOR.toMillis() + " milliseconds")
                        .mapTo(Integer.class).one();
            }
            if (clean) {
                h.createUpdate("DELETE FROM rate_limit_claims WHERE window_end < :before")
                        .bind("before", limits.now() - limits.windowMillis()).execute();
                h.createUpdate("DELETE FROM rate_limit_processes WHERE seen_at < now() - interval '1 hour'").execute();
            }
            if (!due.isEmpty()) proposed.putAll(shareClaims(h, due));
        });
        if (markAlive) markedAliveAt = now;
        if (clean) cleanedAt = now;
        proposed.forEach(limits::grant);
    }

    /** Under the lock: the others' claims read, this process's sized and written. */
    private Map<RateLimits.Counter, Integer> shareClaims(Handle h, List<RateLimits.Counter> due) {
        h.execute("SELECT pg_advisory_xact_lock(?, 0)", LOCK_SPACE);
        String[] names = due.stream().map(c -> c.name).toArray(String[]::new);
        Map<String, int[]> others = new HashMap<>();
        h.createQuery("""
                        SELECT counter, sum(claimed) AS claimed, count(*) FILTER (WHERE claimed > 0) AS competitors
                        FROM rate_limit_claims WHERE counter = ANY(:names) AND process <> :me GROUP BY counter""")
                .bind("names", names).bind("me", process)
                .map((rs, ctx) -> others.put(rs.getString("counter"),
                        new int[] {(int) Math.min(Integer.MAX_VALUE, rs.getLong("claimed")), rs.getInt("competitors")}))
                .list();
        Map<RateLimits.Counter, Integer> proposed = new HashMap<>();
        Integer[] claims = new Integer[due.size()];
        Long[] ends = new Long[due.size()];
        for (int i = 0; i < due.size(); i++) {
            RateLimits.Counter counter = due.get(i);
            int[] theirs = others.getOrDefault(counter.name, new int[] {0, 0});
            claims[i] = limits.resize(counter, theirs[0], theirs[1]);
            ends[i] = counter.windowEnd;
            proposed.put(counter, claims[i]);
        }
        h.createUpdate("""
                        INSERT INTO rate_limit_claims (counter, process, claimed, window_end)
                        SELECT c.counter, :me, c.claimed, c.window_end FROM unnest(:names, :claims, :ends) AS c (counter, claimed, window_end)
                        ON CONFLICT (counter, process) DO UPDATE SET claimed = EXCLUDED.claimed""")
                .bind("names", names).bind("claims", claims).bind("ends", ends).bind("me", process).execute();
        return proposed;
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Gone at once rather than after ALIVE_FOR: the others' next claims are sized without this process.
        try {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM rate_limit_processes WHERE process = :me")
                    .bind("me", process).execute());
        } catch (RuntimeException e) {
            // The row ages out by itself.
        }
    }
}
