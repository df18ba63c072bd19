package dev.keydesk.support;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.keydesk.Keydesk;
import dev.keydesk.Tuning;
import dev.keydesk.outbox.Backoff;
import dev.keydesk.config.ConfigException;
import dev.keydesk.config.Settings;
import dev.keydesk.ratelimit.AuthFailureLimiter;
import java.time.Duration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Two Keydesk processes' worth of servers for the whole test run, sharing one embedded
 * PostgreSQL: {@link #primary()} owns the embedded database (as `java -jar keydesk.jar` would),
 * {@link #secondary()} connects to it through KEYDESK_DATABASE_URL with development mode on.
 * Tests call {@link #reset()} first, so each starts from an empty organization.
 */
public final class TestKeydesk {
    private static TestKeydesk instance;

    /** The clock of key expiry and grace periods in both servers; {@link #reset()} sets it back. */
    public static final TestClock CLOCK = new TestClock();

    /**
     * Retries come a hundred times sooner than in production, and key deadlines are looked at every
     * 200 ms instead of every 30 s, so tests see them within seconds; every test calls from
     * 127.0.0.1, so its failed API authentications are not limited here (ApiKeyFailureLimitTest
     * runs its own server with a small limit).
     */
    public static final Tuning TUNING = Tuning.standard().withBackoff(new Backoff(0.01))
            .withApiKeyFailures(new AuthFailureLimiter.Limits(Integer.MAX_VALUE, Duration.ofMinutes(1)))
            .withClock(CLOCK, Duration.ofMillis(200))
            // The weekly key digest runs only when a test asks: in the background it would mail other tests' owners.
            .withWeeklyDigestCheckEvery(null);

    private final Path dataDir;
    private final GreenMail mail;
    private final Keydesk primary;
    private final Keydesk secondary;

    private TestKeydesk() throws IOException {
        dataDir = Files.createTempDirectory("keydesk-test");
        mail = new GreenMail(new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        primary = start(Map.of());
        secondary = start(Map.of("KEYDESK_DATABASE_URL", databaseUrl(), "KEYDESK_DEV", "true"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                secondary.close();
                primary.close();
                mail.stop();
            } finally {
                deleteTree(dataDir); // a benchmark's seeded database is over a gigabyte: runs must not pile up
            }
        }));
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(path);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("Could not remove the test data in " + root + ": " + e.getMessage());
        }
    }

    /** The SMTP server both test servers send their e-mail to. */
    public GreenMail mail() {
        return mail;
    }

    /**
     * A port chosen as free may be taken by another program before the server binds it (two
     * builds on one machine, say): then the server is started again on another port.
     */
    private Keydesk start(Map<String, String> extra) {
        for (int attempt = 1; ; attempt++) {
            try {
                return Keydesk.start(Settings.fromMap(env(extra)), TUNING);
            } catch (ConfigException e) {
                if (attempt == 3 || !e.getMessage().contains("Address already in use")) throw e;
            }
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public static synchronized TestKeydesk get() {
        if (instance == null) {
            try {
                instance = new TestKeydesk();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    /** Settings for a Keydesk on a random port with this run's data directory and master key. */
    public Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("KEYDESK_PORT", "0");
        env.put("KEYDESK_DATA_DIR", dataDir.toString());
        env.put("KEYDESK_SMTP_HOST", "127.0.0.1");
        env.put("KEYDESK_SMTP_PORT", Integer.toString(mail.getSmtp().getPort()));
        env.put("KEYDESK_SMTP_TLS", "none");
        env.put("KEYDESK_SMTP_FROM", "keydesk@example.com");
        // The tests' webhook receivers listen on this machine.
        env.put("KEYDESK_WEBHOOKS_ALLOW_PRIVATE", "true");
        env.putAll(extra);
        return env;
    }

    /**
     * A Keydesk of a test's own on the shared database, with these settings besides the shared
     * ones, for what the shared servers are not set up for; the test closes it.
     */
    public Keydesk startSeparate(Map<String, String> extra) {
        return startSeparate(extra, TUNING);
    }

    public Keydesk startSeparate(Map<String, String> extra, Tuning tuning) {
        Map<String, String> settings = new HashMap<>(extra);
        settings.putIfAbsent("KEYDESK_DATABASE_URL", databaseUrl());
        return Keydesk.start(Settings.fromMap(env(settings)), tuning);
    }

    /**
     * A separate Keydesk that trusts 127.0.0.1 as a proxy: a test's call then comes from the
     * address it names in X-Forwarded-For.
     */
    public Keydesk startBehindProxy() {
        return startSeparate(Map.of("KEYDESK_TRUSTED_PROXIES", "127.0.0.1"));
    }

    public Keydesk primary() {
        return primary;
    }

    public Keydesk secondary() {
        return secondary;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String baseUrl() {
        return "http://localhost:" + primary.port();
    }

    public String secondaryUrl() {
        return "http://localhost:" + secondary.port();
    }

    /** The JDBC URL of the shared embedded database, for processes started by tests. */
    public String databaseUrl() {
        return "postgresql://postgres@localhost:" + embeddedPort() + "/postgres";
    }

    private int embeddedPort() {
        try {
            return Integer.parseInt(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(3).trim());
        } catch (IOException e) {
            throw new IllegalStateException("The embedded PostgreSQL server is not running", e);
        }
    }

    /**
     * The servers' background writers (key usage, key deadlines, outbox) may hold a lock TRUNCATE
     * needs while it holds one they need; PostgreSQL then aborts one side, sometimes TRUNCATE.
     */
    private static void truncate(org.jdbi.v3.core.Handle h, String sql) {
        for (int attempt = 1; ; attempt++) {
            try {
                h.execute(sql);
                return;
            } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
                boolean deadlock = e.getCause() instanceof java.sql.SQLException sql2 && "40P01".equals(sql2.getSQLState());
                if (!deadlock || attempt == 5) throw e;
            }
        }
    }

    /**
     * Tables that survive {@link #reset()}: the migration history, the master-key check, and the
     * shared rate limits' claims and processes, which the servers' exchange writes ten times a
     * second (their counters name each service by its registration time, so no test sees another's).
     */
    private static final List<String> KEPT_TABLES = List.of("flyway_schema_history", "master_key_check",
            "rate_limit_claims", "rate_limit_processes");

    /**
     * Empties every table but {@link #KEPT_TABLES}, every cache and the mailbox. The tables are read
     * from the database, so a table added by a new migration is emptied too.
     */
    public void reset() {
        // Counts of earlier tests' keys would land on the reused ids of this test's keys.
        primary.services().usageCounter().forget();
        secondary.services().usageCounter().forget();
        primary.database().jdbi().useHandle(h -> {
            List<String> tables = h.createQuery("""
                            SELECT quote_ident(tablename) FROM pg_tables
                            WHERE schemaname = 'public' AND tablename::text <> ALL(:kept)
                            ORDER BY tablename""")
                    .bind("kept", KEPT_TABLES.toArray(new String[0]))
                    .mapTo(String.class)
                    .list();
            if (!tables.isEmpty()) truncate(h, "TRUNCATE " + String.join(", ", tables) + " RESTART IDENTITY CASCADE");
        });
        try {
            mail.purgeEmailFromAllMailboxes();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        CLOCK.reset();
        primary.services().keyCache().forgetAll();
        secondary.services().keyCache().forgetAll();
        primary.services().organizationName().forget();
        secondary.services().organizationName().forget();
    }
}
