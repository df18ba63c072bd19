package dev.keydesk.apikey;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.db.DatabaseAvailability;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a key's time comes: old keys whose grace period is over are retired, and
 * keys with an expiry are warned about 7 days and 1 day before it and announced when it passes.
 * Every process runs this; each row is claimed by a conditional UPDATE … RETURNING in the
 * transaction that queues its notices, so each notice is queued exactly once across processes.
 * (The key itself stops working at its instant whether or not this has run: the authenticator
 * checks the time on every use.)
 */
public final class KeyDeadlines implements AutoCloseable {
    static final Duration FIRST_WARNING = Duration.ofDays(7);
    static final Duration LAST_WARNING = Duration.ofDays(1);
    /** Rows claimed per statement, so one pass never holds many locks. */
    private static final int BATCH = 200;
    private static final Logger log = LoggerFactory.getLogger(KeyDeadlines.class);

    /** One claimed row: whose key, and its deadline. */
    private record Due(long keyId, long userId, Instant at) {}

    private final Jdbi jdbi;
    private final Clock clock;
    private final KeyEventListener events;
    private final Duration every;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keydesk-key-deadlines");
        t.setDaemon(true);
        return t;
    });

    public KeyDeadlines(Jdbi jdbi, Clock clock, KeyEventListener events, Duration every) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.events = events;
        this.every = every;
    }

    public void start() {
        worker.scheduleWithFixedDelay(this::runQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runQuietly() {
        try {
            runDue();
        } catch (RuntimeException e) {
            if (!DatabaseAvailability.isUnavailable(e)) log.warn("Could not handle key deadlines", e);
        }
    }

    /** Handles everything due now; returns how many deadlines it claimed. */
    public int runDue() {
        Instant now = clock.instant();
        int handled = 0;
        int claimed;
        do {
            claimed = jdbi.inTransaction(h -> handleBatch(h, now));
            handled += claimed;
        } while (claimed >= BATCH);
        return handled;
    }

    private int handleBatch(Handle h, Instant now) {
        List<Due> retired = claim(h, """
                UPDATE api_keys SET revoked_at = :now WHERE id IN (
                    SELECT id FROM api_keys WHERE kind = 'retiring' AND revoked_at IS NULL AND expires_at <= :now
                    ORDER BY expires_at LIMIT :batch FOR UPDATE SKIP LOCKED)
                RETURNING id, user_id, expires_at""", now, 0);
        for (Due due : retired) {
            AuditLog.record(h, AuditEvent.OLD_KEY_RETIRED, Actor.system(), due.userId(),
                    Map.of("key_id", due.keyId(), "early", false));
            events.oldKeyRetired(h, due.userId(), due.at());
        }
        List<Due> expired = claim(h, noticeUpdate(3, "expires_at <= :now"), now, 0);
        for (Due due : expired) {
            AuditLog.record(h, AuditEvent.API_KEY_EXPIRED, Actor.system(), due.userId(),
                    Map.of("expires_at", due.at().toString()));
            events.expired(h, due.userId(), due.at());
        }
        // The nearest warning only: a key set to expire in two days gets the 1-day one, not both at once.
        List<Due> lastWarnings = claim(h, noticeUpdate(2, "expires_at > :now AND expires_at <= CAST(:now AS timestamptz) + :window"),
                now, LAST_WARNING.toSeconds());
        List<Due> firstWarnings = claim(h, noticeUpdate(1, "expires_at > CAST(:now AS timestamptz) + :lastWindow AND expires_at <= CAST(:now AS timestamptz) + :window"),
                now, FIRST_WARNING.toSeconds());
        for (Due due : lastWarnings) events.expiring(h, due.userId(), due.at());
        for (Due due : firstWarnings) events.expiring(h, due.userId(), due.at());
        return retired.size() + expired.size() + lastWarnings.size() + firstWarnings.size();
    }

    /** Claims main keys that have not had notice {@code stage} (nor a later one) and match {@code when}. */
    private static String noticeUpdate(int stage, String when) {
        return """
                UPDATE api_keys SET expiry_notices = %d WHERE id IN (
                    SELECT id FROM api_keys WHERE kind = 'main' AND revoked_at IS NULL AND expires_at IS NOT NULL
                      AND expiry_notices < %d AND %s
                    ORDER BY expires_at LIMIT :batch FOR UPDATE SKIP LOCKED)
                RETURNING id, user_id, expires_at""".formatted(stage, stage, when);
    }

    private static List<Due> claim(Handle h, String sql, Instant now, long windowSeconds) {
        var query = h.createQuery(sql).bind("now", now).bind("batch", BATCH);
        if (sql.contains(":window")) query.bind("window", Duration.ofSeconds(windowSeconds));
        if (sql.contains(":lastWindow")) query.bind("lastWindow", LAST_WARNING);
        return query.map((rs, ctx) -> new Due(rs.getLong("id"), rs.getLong("user_id"), rs.getTimestamp("expires_at").toInstant()))
                .list();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
