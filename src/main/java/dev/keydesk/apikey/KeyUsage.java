package dev.keydesk.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keydesk.db.DatabaseAvailability;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records when each key was last used, for the Keys page, without slowing the API: at most one
 * write a minute per key (per process, and the UPDATE's condition bounds it across processes),
 * made by a background thread. If the queue is full, a write is dropped: the time is a hint.
 */
public final class KeyUsage implements AutoCloseable {
    static final Duration RESOLUTION = Duration.ofMinutes(1);
    private static final Logger log = LoggerFactory.getLogger(KeyUsage.class);

    private final Jdbi jdbi;
    private final Cache<String, Boolean> recentlyRecorded = Caffeine.newBuilder()
            .expireAfterWrite(RESOLUTION).maximumSize(100_000).build();
    private final ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(10_000), r -> {
                Thread t = new Thread(r, "keydesk-key-usage");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

    public KeyUsage(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    void recordUse(byte[] digest, String digestHex) {
        if (recentlyRecorded.asMap().putIfAbsent(digestHex, Boolean.TRUE) != null) return;
        writer.execute(() -> {
            try {
                jdbi.useHandle(h -> h.createUpdate("""
                                UPDATE api_keys SET last_used_at = now()
                                WHERE digest = :digest AND revoked_at IS NULL
                                  AND (last_used_at IS NULL OR last_used_at < now() - :resolution)""")
                        .bind("digest", digest).bind("resolution", RESOLUTION).execute());
            } catch (RuntimeException e) {
                // During an outage the time is simply lost (a hint only); DatabaseAvailability logs the outage.
                if (!DatabaseAvailability.isUnavailable(e)) log.warn("Could not record a key's last use: {}", e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
