package dev.keydesk.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keydesk.db.DatabaseAvailability;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
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
 * Records when and from where each key was last used, without slowing the API or the
 * verification path: a use only marks the key and the client's address in memory (at most once
 * a minute per key and address), and a background thread writes the marks every second in a
 * few statements, keeping each key's five newest addresses. The uses of old keys in their grace
 * period are also counted, so their owners see which automation still uses them. The UPDATE's
 * condition bounds the writes across processes too. If the database is away, the marks are
 * dropped: they are hints.
 */
public final class KeyUsage implements AutoCloseable {
    static final Duration RESOLUTION = Duration.ofMinutes(1);
    /** How many distinct client addresses are kept per key. */
    public static final int ADDRESSES_KEPT = 5;
    private static final Duration FLUSH_EVERY = Duration.ofSeconds(1);
    private static final int MAX_PENDING = 100_000;
    /** A key whose last use is older than {@link #RESOLUTION}: only its use is written again (bounds writes across processes). */
    private static final String NOT_RECORDED_WITHIN_RESOLUTION =
            "(k.last_used_at IS NULL OR k.last_used_at < CAST(:now AS timestamptz) - :resolution)";
    private static final Logger log = LoggerFactory.getLogger(KeyUsage.class);

    /** A key (by digest, which never repeats, and row id) used from an address. */
    private record Use(String digestHex, long keyId, String ip) {}

    private final Jdbi jdbi;
    private final Clock clock;
    private final Cache<Use, Boolean> recentlyRecorded = Caffeine.newBuilder()
            .expireAfterWrite(RESOLUTION).maximumSize(200_000).build();
    /** Uses marked since the last write. */
    private final Map<Use, Boolean> pending = new ConcurrentHashMap<>();
    /** Uses of old keys since the last write, by key id. */
    private final Map<Long, LongAdder> oldKeyUses = new ConcurrentHashMap<>();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keydesk-key-usage");
        t.setDaemon(true);
        return t;
    });

    public KeyUsage(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        writer.scheduleWithFixedDelay(this::flush, FLUSH_EVERY.toMillis(), FLUSH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    void recordUse(String digestHex, KeyOwner key, String ip) {
        if (key.kind() == KeyKind.RETIRING && oldKeyUses.size() < MAX_PENDING) {
            oldKeyUses.computeIfAbsent(key.keyId(), id -> new LongAdder()).increment();
        }
        Use use = new Use(digestHex, key.keyId(), ip == null ? "" : ip);
        if (recentlyRecorded.asMap().putIfAbsent(use, Boolean.TRUE) != null) return;
        if (pending.size() < MAX_PENDING) pending.put(use, Boolean.TRUE);
    }

    /** Writes every marked use: the keys' last use, their addresses, and the old keys' counts. */
    void flush() {
        List<Use> uses = new ArrayList<>();
        for (Use use : List.copyOf(pending.keySet())) {
            if (pending.remove(use) != null) uses.add(use);
        }
        List<Long> counted = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        for (Long keyId : List.copyOf(oldKeyUses.keySet())) {
            LongAdder adder = oldKeyUses.remove(keyId);
            if (adder != null) {
                counted.add(keyId);
                counts.add(adder.sum());
            }
        }
        if (uses.isEmpty() && counted.isEmpty()) return;
        try {
            // One statement at a time, not one transaction: no lock on one table is held while
            // waiting for another, so these hints never deadlock with the changes they describe.
            Instant now = clock.instant();
            jdbi.useHandle(h -> {
                if (!uses.isEmpty()) {
                    Long[] ids = uses.stream().map(Use::keyId).toArray(Long[]::new);
                    String[] digests = uses.stream().map(Use::digestHex).toArray(String[]::new);
                    String[] ips = uses.stream().map(Use::ip).toArray(String[]::new);
                    // A row is the key's only if its digest matches too: a row id alone could have
                    // been taken by another key since (a database restored, or emptied by tests).
                    // The accounts' day of main-key activity first, in a statement of its own: the
                    // keys' trigger then finds it set, so no statement here waits for a lock on
                    // users while holding keys (migration V78).
                    h.createUpdate("""
                                    UPDATE users a SET main_key_active_on = CAST(:today AS date)
                                    FROM unnest(:ids, :digests) AS u (key_id, digest)
                                    JOIN api_keys k ON k.id = u.key_id AND k.digest = decode(u.digest, 'hex')
                                    WHERE a.id = k.user_id AND k.kind = 'main' AND k.revoked_at IS NULL
                                      AND a.main_key_active_on IS DISTINCT FROM CAST(:today AS date)
                                      AND k.created_at <= :now AND """ + NOT_RECORDED_WITHIN_RESOLUTION)
                            .bind("ids", ids).bind("digests", digests).bind("today", LocalDate.ofInstant(now, ZoneOffset.UTC))
                            .bind("resolution", RESOLUTION).bind("now", now).execute();
                    h.createUpdate("""
                                    UPDATE api_keys k SET last_used_at = :now
                                    FROM unnest(:ids, :digests) AS u (key_id, digest)
                                    WHERE k.id = u.key_id AND k.digest = decode(u.digest, 'hex') AND k.revoked_at IS NULL
                                      AND """ + NOT_RECORDED_WITHIN_RESOLUTION)
                            .bind("ids", ids).bind("digests", digests).bind("resolution", RESOLUTION).bind("now", now)
                            .execute();
                    h.createUpdate("""
                                    INSERT INTO api_key_addresses (key_id, ip, last_used_at)
                                    SELECT DISTINCT u.key_id, u.ip, CAST(:now AS timestamptz) FROM unnest(:ids, :digests, :ips) AS u (key_id, digest, ip)
                                    WHERE u.ip <> '' AND EXISTS (SELECT 1 FROM api_keys k
                                                                 WHERE k.id = u.key_id AND k.digest = decode(u.digest, 'hex'))
                                    ON CONFLICT (key_id, ip) DO UPDATE SET last_used_at = EXCLUDED.last_used_at""")
                            .bind("ids", ids).bind("digests", digests).bind("ips", ips).bind("now", now).execute();
                    h.createUpdate("""
                                    DELETE FROM api_key_addresses a WHERE a.key_id = ANY(:ids)
                                      AND (SELECT count(*) FROM api_key_addresses b
                                           WHERE b.key_id = a.key_id AND (b.last_used_at, b.ip) > (a.last_used_at, a.ip)) >= :kept""")
                            .bind("ids", ids).bind("kept", ADDRESSES_KEPT).execute();
                }
                if (!counted.isEmpty()) {
                    h.createUpdate("""
                                    UPDATE api_keys k SET use_count = k.use_count + c.n
                                    FROM unnest(:ids, :counts) AS c (id, n) WHERE k.id = c.id""")
                            .bind("ids", counted.toArray(new Long[0])).bind("counts", counts.toArray(new Long[0])).execute();
                }
            });
        } catch (RuntimeException e) {
            // During an outage the marks are simply lost (hints only); DatabaseAvailability logs the outage.
            if (!DatabaseAvailability.isUnavailable(e)) {
                log.warn("Could not record the use of {} keys: {}", uses.size() + counted.size(), e.getMessage());
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
