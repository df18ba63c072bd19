package dev.keydesk.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.audit.Actor;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The retention job against the real database, at an explicit "now" (rows are written with
 * times relative to it): what is past its keeping time goes, in batches, everything else stays,
 * and only one process sweeps at a time.
 */
@IntegrationTest
class RetentionTest {
    private static final Instant NOW = Instant.parse("2031-03-01T12:00:00Z");
    private final TestKeydesk keydesk = TestKeydesk.get();
    private final Jdbi jdbi = keydesk.primary().database().jdbi();
    private User hamlet;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.MEMBER);
    }

    @Test
    void theServersPolicyKeepsTheAuditLogAndDeletesOnlyWhatIsPastItsTime() {
        jdbi.useHandle(h -> {
            // Password attempts: the longest window is the reset e-mails' hour.
            insertAttempts(h, Retention.BATCH * 2 + 17, NOW.minus(Duration.ofMinutes(61)));
            insertAttempts(h, 3, NOW.minus(Duration.ofMinutes(59)));
            // A bucket is kept while any of its attempts counts; an emptied one (all forgiven) goes.
            h.createUpdate("INSERT INTO rate_limit_buckets VALUES ('login:user:a@example.com', ARRAY[CAST(:old AS timestamptz), CAST(:recent AS timestamptz)]), "
                            + "('login:user:b@example.com', '{}')")
                    .bind("old", NOW.minus(Duration.ofHours(5))).bind("recent", NOW.minus(Duration.ofMinutes(1))).execute();
            h.createUpdate("INSERT INTO known_clients (username, client, last_success) VALUES ('a@example.com', '192.0.2.1', :old), "
                            + "('a@example.com', '192.0.2.2', :recent)")
                    .bind("old", NOW.minus(Duration.ofDays(31))).bind("recent", NOW.minus(Duration.ofDays(29))).execute();
            insertSession(h, "old", NOW.minus(Duration.ofDays(15)));
            insertSession(h, "recent", NOW.minus(Duration.ofDays(13)));
            insertOutbox(h, "delivered_at", NOW.minus(Duration.ofDays(31)));
            insertOutbox(h, "failed_at", NOW.minus(Duration.ofDays(31)));
            insertOutbox(h, "delivered_at", NOW.minus(Duration.ofDays(29)));
            insertOutbox(h, null, NOW.minus(Duration.ofDays(400))); // still waiting: never deleted
            insertReset(h, NOW.minus(Duration.ofDays(2)));
            insertReset(h, NOW.plus(Duration.ofMinutes(30)));
            // Device logins: one expired a second ago, one still usable.
            h.createUpdate("INSERT INTO device_authorizations (device_code_digest, user_code_digest, client, user_agent, ip, "
                            + "requested_at, expires_at, interval_seconds) VALUES ('\\x01', '\\x01', 'c', '', '192.0.2.1', :t, :gone, 5), "
                            + "('\\x02', '\\x02', 'c', '', '192.0.2.1', :t, :live, 5)")
                    .bind("t", NOW.minus(Duration.ofMinutes(10))).bind("gone", NOW.minusSeconds(1)).bind("live", NOW.plusSeconds(1))
                    .execute();
            h.execute("DELETE FROM audit_log");
            h.createUpdate("INSERT INTO audit_log (event_type, created_at) VALUES ('login', :at)")
                    .bind("at", NOW.minus(Duration.ofDays(4000))).execute();
        });

        Map<String, Long> deleted = keydesk.primary().services().retention().sweep(NOW).orElseThrow();

        assertEquals(Map.of("rate_limit_buckets", (long) Retention.BATCH * 2 + 18, "known_clients", 1L, "sessions", 1L,
                "password_resets", 1L, "device_authorizations", 1L, "outbox", 2L, "device_keys", 0L, "key_usage_hourly", 0L,
                "key_usage_daily", 0L, "usage_daily", 0L),
                deleted);
        assertEquals(1, Fixtures.count("SELECT count(*) FROM device_authorizations WHERE device_code_digest = '\\x02'"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM known_clients WHERE client = '192.0.2.2'"));
        assertEquals(4, Fixtures.count("SELECT count(*) FROM rate_limit_buckets"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM rate_limit_buckets WHERE bucket = 'login:user:a@example.com'"));
        assertEquals(List.of("recent"), jdbi.withHandle(h -> h.createQuery("SELECT ip FROM sessions").mapTo(String.class).list()));
        assertEquals(2, Fixtures.count("SELECT count(*) FROM outbox"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM password_resets"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log"), "kept forever by default");
    }

    /**
     * A logged-out device's key is deleted 90 days (the default of KEYDESK_DEVICE_KEY_RETENTION_DAYS)
     * after it was revoked, with the addresses it was used from; a device still logged in, a key
     * revoked more recently and the account's old main keys stay, and so do the audit rows.
     */
    @Test
    void theKeysOfLoggedOutDevicesGoAfterTheirDaysAndTheirAuditRowsStay() {
        ApiKeyActions keys = keydesk.primary().services().apiKeys();
        for (String client : List.of("Gone", "Recent", "Live")) {
            keys.issueToDevice(hamlet, client, "ZulipTest/1.0", "192.0.2.1", "test").orElseThrow();
        }
        keys.regenerateKey(Actor.commandLine(), hamlet.id()); // logs all three out; the old main key is revoked too
        keys.issueToDevice(hamlet, "Live", "ZulipTest/1.0", "192.0.2.1", "test").orElseThrow();
        jdbi.useHandle(h -> {
            List<Long> revoked = h.createQuery("SELECT id FROM api_keys WHERE kind = 'device' AND revoked_at IS NOT NULL ORDER BY id")
                    .mapTo(Long.class).list();
            assertEquals(3, revoked.size());
            h.createUpdate("UPDATE api_keys SET revoked_at = :at WHERE id = :id")
                    .bind("at", NOW.minus(Duration.ofDays(91))).bind("id", revoked.get(0)).execute();
            h.createUpdate("UPDATE api_keys SET revoked_at = :at WHERE id = :id")
                    .bind("at", NOW.minus(Duration.ofDays(89))).bind("id", revoked.get(1)).execute();
            h.createUpdate("UPDATE api_keys SET revoked_at = :at WHERE id = :id")
                    .bind("at", NOW.minus(Duration.ofDays(400))).bind("id", revoked.get(2)).execute();
            h.createUpdate("UPDATE api_keys SET revoked_at = :at WHERE kind = 'main' AND revoked_at IS NOT NULL")
                    .bind("at", NOW.minus(Duration.ofDays(400))).execute();
            h.createUpdate("INSERT INTO api_key_addresses (key_id, ip, last_used_at) VALUES (:id, '192.0.2.9', :at)")
                    .bind("id", revoked.get(0)).bind("at", NOW.minus(Duration.ofDays(100))).execute();
        });
        long auditRows = Fixtures.count("SELECT count(*) FROM audit_log");

        Map<String, Long> deleted = keydesk.primary().services().retention().sweep(NOW).orElseThrow();

        assertEquals(2L, deleted.get("device_keys"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'device' AND revoked_at IS NOT NULL"),
                "the key revoked 89 days ago stays");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'device' AND revoked_at IS NULL"),
                "the device still logged in keeps its key");
        assertEquals(2, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'main'"), "main keys are not device keys");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM api_key_addresses"));
        assertEquals(auditRows, Fixtures.count("SELECT count(*) FROM audit_log"));
        assertEquals(4, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'device_key_issued'"));
    }

    /** Hourly key usage goes after KEYDESK_USAGE_RETENTION_DAYS (90 by default): whole hours older than that. */
    @Test
    void keyUsageCountsGoAfterTheirDays() {
        jdbi.useHandle(h -> {
            for (int days : new int[] {400, 91, 89, 1}) {
                h.createUpdate("""
                                INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                                VALUES (7, date_trunc('hour', CAST(:at AS timestamptz)), 0, 'allowed', 3)""")
                        .bind("at", NOW.minus(Duration.ofDays(days))).execute();
            }
        });

        Fixtures.rollUpUsage();
        Map<String, Long> deleted = keydesk.primary().services().retention().sweep(NOW).orElseThrow();

        assertEquals(2L, deleted.get("key_usage_hourly"));
        assertEquals(2L, deleted.get("key_usage_daily"), "the daily sums of the same days");
        assertEquals(2L, deleted.get("usage_daily"));
        assertEquals(List.of(NOW.minus(Duration.ofDays(89)), NOW.minus(Duration.ofDays(1))).stream()
                        .map(t -> java.time.LocalDate.ofInstant(t, java.time.ZoneOffset.UTC).toString()).toList(),
                jdbi.withHandle(h -> h.createQuery("SELECT day::text FROM key_usage_daily WHERE key_id = 7 ORDER BY day")
                        .mapTo(String.class).list()));
        assertEquals(2, Fixtures.count("SELECT count(*) FROM key_usage_hourly WHERE key_id = 7"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM key_usage_hourly WHERE key_id = 7 AND hour < CAST('"
                + NOW.minus(Duration.ofDays(90)) + "' AS timestamptz)"));
    }

    @Test
    void anAuditRetentionDeletesOlderAuditRows() {
        jdbi.useHandle(h -> {
            h.execute("DELETE FROM audit_log");
            for (int days : new int[] {91, 120, 89, 1}) {
                h.createUpdate("INSERT INTO audit_log (event_type, created_at) VALUES ('login', :at)")
                        .bind("at", NOW.minus(Duration.ofDays(days))).execute();
            }
        });
        Retention ninetyDays = new Retention(jdbi, new Retention.Policy(Duration.ofHours(1), Duration.ofDays(14),
                Duration.ofDays(30), Optional.of(Duration.ofDays(90)), Duration.ofDays(90), Duration.ofDays(90)), keydesk.primary().database().availability(),
                TestKeydesk.CLOCK);
        assertEquals(2L, ninetyDays.sweep(NOW).orElseThrow().get("audit_log"));
        assertEquals(2, Fixtures.count("SELECT count(*) FROM audit_log WHERE created_at > '2030-12-01'"));
        assertEquals(2, Fixtures.count("SELECT count(*) FROM audit_log"));
    }

    @Test
    void aSweepIsSkippedWhileAnotherProcessSweeps() throws Exception {
        jdbi.useHandle(h -> insertAttempts(h, 10, NOW.minus(Duration.ofDays(1))));
        Retention retention = keydesk.primary().services().retention();
        try (Handle other = jdbi.open()) { // another process's sweep holds the lock
            other.createQuery("SELECT pg_advisory_lock(19268, 1)").mapTo(String.class).one();
            assertEquals(Optional.empty(), retention.sweep(NOW));
            assertEquals(Optional.empty(), keydesk.secondary().services().retention().sweep(NOW));
            assertEquals(10, Fixtures.count("SELECT count(*) FROM rate_limit_buckets"), "nothing deleted meanwhile");
            other.createQuery("SELECT pg_advisory_unlock(19268, 1)").mapTo(Boolean.class).one();
        }

        // Both processes at once: each row is deleted once, and a sweep that finds the lock taken says so.
        jdbi.useHandle(h -> insertAttempts(h, Retention.BATCH * 3, NOW.minus(Duration.ofDays(1))));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Optional<Map<String, Long>>>> sweeps = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Retention process = i % 2 == 0 ? retention : keydesk.secondary().services().retention();
            sweeps.add(pool.submit(() -> process.sweep(NOW)));
        }
        long total = 0;
        for (Future<Optional<Map<String, Long>>> sweep : sweeps) {
            total += sweep.get().map(d -> d.get("rate_limit_buckets")).orElse(0L);
        }
        pool.shutdown();
        assertEquals(Retention.BATCH * 3 + 10, total);
        assertEquals(0, Fixtures.count("SELECT count(*) FROM rate_limit_buckets"));
        assertTrue(Fixtures.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 19268") == 0,
                "the lock is released");
    }

    @Test
    void aBucketCountedInWhileTheSweepPicksItIsKept() throws Exception {
        String bucket = "login:ip:198.51.100.77";
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO rate_limit_buckets VALUES (:b, ARRAY[CAST(:at AS timestamptz)])")
                .bind("b", bucket).bind("at", NOW.minus(Duration.ofDays(1))).execute());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Handle attempt = jdbi.open()) {
            // An attempt counts in the bucket and has not committed when the sweep picks the bucket as old.
            attempt.begin();
            attempt.createUpdate("UPDATE rate_limit_buckets SET attempts = ARRAY[CAST(:at AS timestamptz)] WHERE bucket = :b")
                    .bind("b", bucket).bind("at", NOW).execute();
            Future<Optional<Map<String, Long>>> sweep = pool.submit(() -> keydesk.primary().services().retention().sweep(NOW));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Fixtures.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    + "AND query LIKE 'DELETE FROM rate_limit_buckets%'") == 0) {
                assertTrue(System.nanoTime() < deadline, "the sweep waits for the attempt's row");
                Thread.sleep(5);
            }
            attempt.commit();
            assertEquals(0L, sweep.get().orElseThrow().get("rate_limit_buckets"));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, Fixtures.count("SELECT count(*) FROM rate_limit_buckets WHERE bucket = '" + bucket + "'"),
                "the fresh attempt still counts");
    }

    private static void insertAttempts(Handle h, int n, Instant at) {
        h.createUpdate("INSERT INTO rate_limit_buckets (bucket, attempts) SELECT 'login:ip:' || gen_random_uuid(), ARRAY[CAST(:at AS timestamptz)] "
                + "FROM generate_series(1, :n) g").bind("at", at).bind("n", n).execute();
    }

    private void insertSession(Handle h, String label, Instant lastSeen) {
        h.createUpdate("INSERT INTO sessions (token_digest, user_id, ip, user_agent, last_seen_at) "
                        + "VALUES (sha256(CAST(:label AS bytea)), :user, :label, '', :at)")
                .bind("label", label).bind("user", hamlet.id()).bind("at", lastSeen).execute();
    }

    private static void insertOutbox(Handle h, String finishedColumn, Instant at) {
        String columns = finishedColumn == null ? "" : ", " + finishedColumn;
        String values = finishedColumn == null ? "" : ", :at";
        // Never due, so the running servers' senders leave it alone.
        h.createUpdate("INSERT INTO outbox (kind, payload, max_attempts, created_at, next_attempt_at" + columns + ") "
                + "VALUES ('email', '{}', 5, :at, 'infinity'" + values + ")").bind("at", at).execute();
    }

    private void insertReset(Handle h, Instant expiresAt) {
        h.createUpdate("INSERT INTO password_resets (user_id, token_digest, expires_at) "
                        + "VALUES (:user, sha256(CAST(:at AS text)::bytea), :at)")
                .bind("user", hamlet.id()).bind("at", expiresAt).execute();
    }
}
