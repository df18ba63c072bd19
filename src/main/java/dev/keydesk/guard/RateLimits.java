package dev.keydesk.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Per-key request limits of guarded services, in fixed one-minute windows, held for
 * the whole organization however many Keydesk processes answer. A request is decided in memory,
 * with no database round trip: each process admits a key's requests against its <em>claim</em>,
 * the part of the window's limit it has reserved for itself. A background exchange
 * ({@link RateLimitExchange}, every 100 ms) writes each process's claims to PostgreSQL and reads the
 * others', one process at a time, and sizes the next claim: what the key asked of this process
 * lately, within this process's share of what nobody has claimed or used yet. A process that stops
 * needing its claim gives it back at the next exchange. So the processes' claims together never
 * exceed the limit, except for what a process admits for a key before its first exchange about
 * it (see {@link #firstClaim}).
 *
 * <p>If the exchange cannot reach the database, each process counts alone against the whole
 * limit (as if it were the only one) until it can again: a service keeps answering through a
 * database outage, and behind N processes a key may then make up to N times its limit.
 */
public final class RateLimits {
    /**
     * Before a key's first exchange in a window, a process admits at most this fraction of the
     * limit divided by the number of live processes: the most the limit can be overrun by, when
     * others had already claimed the rest.
     */
    static final int FIRST_CLAIM_DIVISOR = 40;
    /** The smallest claim a process holds beyond what it used: a fiftieth of the limit. */
    static final int MIN_HEADROOM_DIVISOR = 50;

    private final long windowMillis;
    private final LongSupplier clock;
    private final Cache<String, Counter> counters;
    /** Set by the exchange: whether claims are shared, and by how many processes. */
    private volatile boolean shared;
    private volatile int liveProcesses = 1;
    private final Object exchanged = new Object();
    private long exchanges;
    private final long waitForExchangeMillis;

    /** One key's requests to one service in one window, as this process sees them. */
    static final class Counter {
        final String name;
        final long windowEnd;
        int limit;
        /** Requests admitted here. */
        int used;
        /** How many this process may admit in the window while the exchange works. */
        int claimed;
        /** Requests asked of this process since its last exchange, admitted or not. */
        int asked;
        /** The other processes' claims and how many of them claim, at the last exchange. */
        int othersClaimed;
        int competitors;
        /** Whether an exchange has written this counter's claim. */
        boolean written;

        Counter(String name, long windowEnd, int limit, int claimed) {
            this.name = name;
            this.windowEnd = windowEnd;
            this.limit = limit;
            this.claimed = claimed;
        }
    }

    /**
     * @param window the length of a window (a minute; a per-minute limit is counted per window)
     * @param waitForExchange how long a request whose process has used up its claim waits for the next
     *     exchange when the limit is not yet reached (more than one exchange interval)
     */
    public RateLimits(LongSupplier clockMillis, Duration window, Duration waitForExchange) {
        this.clock = clockMillis;
        this.windowMillis = window.toMillis();
        this.waitForExchangeMillis = waitForExchange.toMillis();
        this.counters = Caffeine.newBuilder()
                .expireAfterWrite(Duration.ofMillis(2 * windowMillis))
                .maximumSize(500_000)
                .build();
    }

    /**
     * Counts one request of a key to a service; returns 0 if allowed, else the seconds after which
     * to try again. The service is named by its id and registration time, so a counter can never
     * outlive its service into another that got the same id (after a database restore).
     */
    public long take(GuardedService service, long keyId, int perWindow) {
        long now = clock.getAsLong();
        long window = now / windowMillis;
        String name = service.id() + ":" + service.createdAt().toEpochMilli() + ":" + keyId + ":" + window;
        Counter counter = counters.get(name, k -> new Counter(k, (window + 1) * windowMillis, perWindow,
                firstClaim(perWindow)));
        long exchangesBefore;
        synchronized (counter) {
            counter.limit = perWindow;
            counter.asked++;
            if (admit(counter)) return 0;
            if (exhausted(counter)) return secondsLeft(counter, now);
            exchangesBefore = exchangeCount();
        }
        // The limit is not reached, but this process has used its claim: the next exchange (within
        // a tenth of a second) sizes it again. Only the first requests of a burst ever wait here:
        // once the limit is reached, refusals are immediate.
        awaitExchangeAfter(exchangesBefore);
        synchronized (counter) {
            if (admit(counter)) return 0;
            return exhausted(counter) ? secondsLeft(counter, clock.getAsLong()) : 1;
        }
    }

    private boolean admit(Counter counter) {
        // Alone (no exchange running or reachable), a process counts against the whole limit.
        int allowance = shared ? counter.claimed : counter.limit;
        if (counter.used < allowance) {
            counter.used++;
            return true;
        }
        return false;
    }

    private boolean exhausted(Counter counter) {
        return !shared || (long) counter.used + counter.othersClaimed >= counter.limit;
    }

    private static long secondsLeft(Counter counter, long now) {
        return Math.max(1, (counter.windowEnd - now + 999) / 1000);
    }

    /**
     * What a process may admit for a key before its first exchange about it: the whole limit for a
     * process that is alone, else a small share, so that processes that all start a window at
     * once overrun the limit by at most a fortieth of it.
     */
    int firstClaim(int limit) {
        int live = liveProcesses;
        if (!shared || live <= 1) return limit;
        return (int) Math.max(1, ceilDiv(limit, (long) FIRST_CLAIM_DIVISOR * live));
    }

    // ---- what the exchange calls ----

    /** The claims to write: counters of the current window that were asked for, are new, or hold too much. */
    List<Counter> dueForExchange() {
        long now = clock.getAsLong();
        List<Counter> due = new ArrayList<>();
        for (Counter counter : counters.asMap().values()) {
            if (counter.windowEnd <= now) continue;
            synchronized (counter) {
                if (counter.asked > 0 || !counter.written || counter.claimed > counter.used + headroom(counter.limit, 0)) {
                    due.add(counter);
                }
            }
        }
        return due;
    }

    /**
     * Sizes a counter's claim from the others' claims just read (under the exchange's lock): what
     * it asked for lately, twice over, within its share of what is left. A claim that shrinks
     * takes effect at once, before it is written; one that grows only once it is committed
     * ({@link #grant}), so other processes can never have counted on what this one admits.
     */
    int resize(Counter counter, int othersClaimed, int competitors) {
        synchronized (counter) {
            counter.othersClaimed = othersClaimed;
            counter.competitors = competitors;
            long free = Math.max(0, (long) counter.limit - othersClaimed - counter.used);
            long share = competitors == 0 ? free : ceilDiv(free, competitors + 1);
            int proposed = (int) (counter.used + Math.min(headroom(counter.limit, counter.asked), share));
            counter.asked = 0;
            if (proposed < counter.claimed) counter.claimed = Math.max(proposed, counter.used);
            return proposed;
        }
    }

    /** After the claims were committed: a claim that grew may now be used. */
    void grant(Counter counter, int claimed) {
        synchronized (counter) {
            counter.written = true;
            if (claimed > counter.claimed) counter.claimed = claimed;
        }
    }

    /** Whether claims are shared (the exchange reached the database), and among how many live processes. */
    void exchanged(boolean reachable, int live) {
        liveProcesses = Math.max(1, live);
        shared = reachable;
        synchronized (exchanged) {
            exchanges++;
            exchanged.notifyAll();
        }
    }

    private long exchangeCount() {
        synchronized (exchanged) {
            return exchanges;
        }
    }

    private void awaitExchangeAfter(long seen) {
        long deadline = System.nanoTime() + waitForExchangeMillis * 1_000_000;
        synchronized (exchanged) {
            while (exchanges == seen) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) return;
                try {
                    exchanged.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    long windowMillis() {
        return windowMillis;
    }

    long now() {
        return clock.getAsLong();
    }

    /** The least a process keeps claimed beyond its use: twice what was just asked of it, and a fiftieth of the limit. */
    static long headroom(int limit, int asked) {
        return Math.max(Math.max(1, ceilDiv(limit, MIN_HEADROOM_DIVISOR)), 2L * asked);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
