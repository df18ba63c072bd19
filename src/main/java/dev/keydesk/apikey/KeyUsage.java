package dev.keydesk.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keydesk.db.DatabaseAvailability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records when each key was last used, for the Keys page, without slowing the API or the
 * verification path: a use only marks the key's digest in memory (at most once a minute per
 * key), and a background thread writes the marked keys every second in one statement. The
 * UPDATE's condition bounds the writes across processes too. If the database is away, the marks
 * are dropped: the time is a hint.
 */
public final class KeyUsage implements AutoCloseable {
    static final Duration RESOLUTION = Duration.ofMinutes(1);
    private static final Duration FLUSH_EVERY = Duration.ofSeconds(1);
    private static final int MAX_PENDING = 100_000;
    private static final Logger log = LoggerFactory.getLogger(KeyUsage.class);

    private final Jdbi jdbi;
    private final Cache<String, Boolean> recentlyRecorded = Caffeine.newBuilder()
            .expireAfterWrite(RESOLUTION).maximumSize(200_000).build();
    /** Digests (in hex) of keys used since the last write. */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keydesk-key-usage");
        t.setDaemon(true);
        return t;
    });

    public KeyUsage(Jdbi jdbi) {
        this.jdbi = jdbi;
        writer.scheduleWithFixedDelay(this::flush, FLUSH_EVERY.toMillis(), FLUSH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    void recordUse(String digestHex) {
        if (recentlyRecorded.asMap().putIfAbsent(digestHex, Boolean.TRUE) != null) return;
        if (pending.size() < MAX_PENDING) pending.add(digestHex);
    }

    /** Writes every marked key's last use in one statement. */
    void flush() {
        if (pending.isEmpty()) return;
        List<String> digests = new ArrayList<>();
        for (String hex : List.copyOf(pending)) {
            if (pending.remove(hex)) digests.add(hex);
        }
        if (digests.isEmpty()) return;
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                            UPDATE api_keys SET last_used_at = now()
                            WHERE digest IN (SELECT decode(d, 'hex') FROM unnest(:digests) AS d) AND revoked_at IS NULL
                              AND (last_used_at IS NULL OR last_used_at < now() - :resolution)""")
                    .bind("digests", digests.toArray(new String[0])).bind("resolution", RESOLUTION).execute());
        } catch (RuntimeException e) {
            // During an outage the times are simply lost (a hint only); DatabaseAvailability logs the outage.
            if (!DatabaseAvailability.isUnavailable(e)) {
                log.warn("Could not record the last use of {} keys: {}", digests.size(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            if (writer.awaitTermination(2, TimeUnit.SECONDS)) flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
