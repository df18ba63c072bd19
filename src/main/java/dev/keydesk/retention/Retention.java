package dev.keydesk.retention;

import dev.keydesk.db.DatabaseAvailability;
import dev.keydesk.ratelimit.PasswordRateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention job: nothing that is only history grows forever. Every hour it deletes password
 * attempts older than the longest rate-limit window, clients no longer known for a username,
 * sessions idle past their expiry, used or expired password-reset links, expired device logins,
 * delivered or abandoned outbox items after the configured days, the keys of logged-out devices
 * after the configured days, the hourly counts of key uses after the configured days, and, only if
 * configured, audit rows older than their retention.
 *
 * <p>Rows go in batches of {@link #BATCH} (one short statement each, found by an index on
 * their time), so the job never holds long locks nor writes one huge transaction. One process
 * at a time sweeps: a PostgreSQL advisory lock, held for the sweep by its connection, makes
 * every other process skip that round.
 */
public final class Retention implements AutoCloseable {
    /**
     * How long each kind of row is kept.
     *
     * @param authAttempts password attempts: the longest window any rate limit looks back over
     * @param sessions sessions since they were last seen: their idle expiry
     * @param outbox delivered or abandoned e-mails and webhook calls
     * @param audit audit rows; empty to keep them forever
     * @param revokedDeviceKeys the keys of devices that were logged out, since they were
     * @param usage the hourly counts of key uses
     */
    public record Policy(Duration authAttempts, Duration sessions, Duration outbox, Optional<Duration> audit,
                         Duration revokedDeviceKeys, Duration usage) {}

    static final int BATCH = 5_000;
    /** The advisory lock of the sweep (a two-key lock: a space no transaction lock here uses). */
    private static final int LOCK_CLASS = 0x4b44; // "KD"
    private static final int LOCK_RETENTION = 1;
    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final Jdbi jdbi;
    private final Policy policy;
    private final DatabaseAvailability availability;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "keydesk-retention");
        thread.setDaemon(true);
        return thread;
    });

    public Retention(Jdbi jdbi, Policy policy, DatabaseAvailability availability, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.policy = policy;
        this.availability = availability;
    }

    /** Sweeps a minute after start, then every hour. */
    public void start() {
        scheduler.scheduleWithFixedDelay(this::sweepQuietly, 60, INTERVAL.toSeconds(), TimeUnit.SECONDS);
    }

    private void sweepQuietly() {
        if (!availability.isAvailable()) return; // the outage is logged elsewhere; the next round catches up
        try {
            sweep(clock.instant()).ifPresent(deleted -> {
                if (deleted.values().stream().anyMatch(n -> n > 0)) log.info("Retention deleted {}", deleted);
            });
        } catch (RuntimeException e) {
            if (!availability.isOutage(e)) log.warn("Retention sweep failed; trying again in an hour", e);
        }
    }

    /**
     * Deletes what is older than the policy allows at {@code now}. Returns the rows deleted per
     * table, or empty when another process is sweeping.
     */
    public Optional<Map<String, Long>> sweep(Instant now) {
        try (Handle h = jdbi.open()) {
            boolean locked = h.createQuery("SELECT pg_try_advisory_lock(:c, :k)")
                    .bind("c", LOCK_CLASS).bind("k", LOCK_RETENTION).mapTo(Boolean.class).one();
            if (!locked) return Optional.empty();
            try {
                Map<String, Long> deleted = new LinkedHashMap<>();
                // A bucket whose attempts have all left the window (or were forgiven) counts nothing.
                deleted.put("rate_limit_buckets", inBatches(h, "rate_limit_buckets", "bucket",
                        "NOT EXISTS (SELECT FROM unnest(attempts) t WHERE t >= :cutoff)", now.minus(policy.authAttempts())));
                // A client known for a username stops counting as such after a while (PasswordRateLimiter).
                deleted.put("known_clients", inBatches(h, "known_clients", "id", "last_success < :cutoff",
                        now.minus(PasswordRateLimiter.KNOWN_FOR)));
                deleted.put("sessions", inBatches(h, "sessions", "id", "last_seen_at < :cutoff", now.minus(policy.sessions())));
                // A reset link is worth nothing once used or expired; a day's grace keeps it for a support question.
                deleted.put("password_resets", inBatches(h, "password_resets", "id", "expires_at < :cutoff",
                        now.minus(Duration.ofDays(1))));
                // A device login's codes are worth nothing once expired (ten minutes after it was asked for).
                deleted.put("device_authorizations", inBatches(h, "device_authorizations", "id", "expires_at < :cutoff", now));
                deleted.put("outbox", inBatches(h, "outbox", "id",
                        "(delivered_at IS NOT NULL OR failed_at IS NOT NULL) AND coalesce(delivered_at, failed_at) < :cutoff",
                        now.minus(policy.outbox())));
                // A logged-out device's key never works again; its audit rows (which name it by id) stay.
                // Where it was used (api_key_addresses) goes with it.
                deleted.put("device_keys", inBatches(h, "api_keys", "id",
                        "kind = 'device' AND revoked_at IS NOT NULL AND revoked_at < :cutoff", now.minus(policy.revokedDeviceKeys())));
                // An hour's counts go once the whole hour is older than the retention.
                deleted.put("key_usage_hourly", inBatches(h, "key_usage_hourly", "ctid",
                        "hour < CAST(:cutoff AS timestamptz) - interval '1 hour'", now.minus(policy.usage())));
                // A day's sums go once the whole day is older than the retention, like its hours.
                String dayGone = "day < (CAST(:cutoff AS timestamptz) AT TIME ZONE 'UTC')::date";
                deleted.put("key_usage_daily", inBatches(h, "key_usage_daily", "ctid", dayGone, now.minus(policy.usage())));
                deleted.put("usage_daily", inBatches(h, "usage_daily", "ctid", dayGone, now.minus(policy.usage())));
                if (policy.audit().isPresent()) {
                    deleted.put("audit_log", inBatches(h, "audit_log", "id", "created_at < :cutoff", now.minus(policy.audit().get())));
                }
                return Optional.of(deleted);
            } finally {
                h.createQuery("SELECT pg_advisory_unlock(:c, :k)")
                        .bind("c", LOCK_CLASS).bind("k", LOCK_RETENTION).mapTo(Boolean.class).one();
            }
        }
    }

    /**
     * Deletes the rows of {@code table} matching {@code condition}, a batch per statement; {@code key}
     * identifies a row. The condition is asked again of the row being deleted: a row changed since
     * the batch was picked (a session just seen, a bucket just counted in) is then left alone.
     */
    private static long inBatches(Handle h, String table, String key, String condition, Instant cutoff) {
        long total = 0;
        while (true) {
            int n = h.createUpdate("DELETE FROM " + table + " WHERE " + key + " IN (SELECT " + key + " FROM " + table + " WHERE "
                            + condition + " LIMIT :batch) AND " + condition)
                    .bind("cutoff", cutoff).bind("batch", BATCH).execute();
            total += n;
            if (n < BATCH) return total;
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
