package dev.keydesk.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import com.zaxxer.hikari.pool.HikariPool;
import dev.keydesk.config.ConfigException;
import dev.keydesk.config.Settings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The connection pool, the embedded server when there is one, and the migrated schema. */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final EmbeddedPostgres embedded;
    private final HikariDataSource pool;
    private final DatabaseAvailability availability;
    private final Jdbi jdbi;
    private final LongAdder statements = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    /** Statements ([0]) and transactions ([1]) the current thread has run. */
    private static final ThreadLocal<long[]> ON_THIS_THREAD = ThreadLocal.withInitial(() -> new long[2]);

    private Database(EmbeddedPostgres embedded, HikariDataSource pool, DatabaseAvailability availability) {
        this.embedded = embedded;
        this.pool = pool;
        this.availability = availability;
        this.jdbi = Jdbi.create(availability.dataSource()).installPlugin(new SqlObjectPlugin()).installPlugin(new PostgresPlugin());
        BeforeCommit.install(jdbi, () -> {
            transactions.increment();
            ON_THIS_THREAD.get()[1]++;
        });
        jdbi.setSqlLogger(new SqlLogger() {
            @Override
            public void logBeforeExecution(StatementContext context) {
                statements.increment();
                ON_THIS_THREAD.get()[0]++;
                if (isAutoCommit(context)) { // a statement outside a transaction is one
                    transactions.increment();
                    ON_THIS_THREAD.get()[1]++;
                }
            }
        });
    }

    /** Connects (starting the embedded server if no external one is configured) and migrates. */
    public static Database open(Settings settings) {
        return open(settings, null);
    }

    /** With a meter registry, the pool reports its use (active, idle, pending connections) there. */
    public static Database open(Settings settings, MeterRegistry meters) {
        EmbeddedPostgres embedded = null;
        HikariConfig config = new HikariConfig();
        try {
            if (settings.database() instanceof Settings.External external) {
                config.setJdbcUrl(external.jdbcUrl());
                if (external.user() != null) config.setUsername(external.user());
                if (external.password() != null) config.setPassword(external.password());
            } else {
                Path dataDir = settings.dataDir().resolve("postgres");
                OptionalInt runningPort = runningEmbeddedPort(dataDir);
                if (runningPort.isPresent()) {
                    // Another Keydesk process (a running server, say) already runs this data directory.
                    config.setJdbcUrl("jdbc:postgresql://localhost:" + runningPort.getAsInt() + "/postgres");
                    config.setUsername("postgres");
                } else {
                    embedded = startEmbedded(dataDir);
                    config.setJdbcUrl(embedded.getJdbcUrl("postgres", "postgres"));
                }
            }
            config.setPoolName("keydesk");
            config.setMaximumPoolSize(11); // ten for requests, one held by the key-change listener
            // A request waits this long for a connection, then gets a 503 (see DatabaseAvailability).
            config.setConnectionTimeout(DatabaseAvailability.CONNECTION_TIMEOUT.toMillis());
            config.setValidationTimeout(500);
            // Connections are opened when needed, so while the database is away (and nobody waits for
            // one) the pool stops retrying, and is not asleep in a long backoff when it comes back.
            config.setMinimumIdle(0);
            config.setInitializationFailTimeout(5_000);
            if (meters != null) config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
            DatabaseAvailability availability = new DatabaseAvailability(config.getJdbcUrl(), config.getUsername(),
                    config.getPassword());
            config.setExceptionOverride(new SQLExceptionOverride() {
                @java.lang.Override
                public SQLExceptionOverride.Override adjudicate(SQLException e) {
                    availability.connectionFailed(e);
                    return SQLExceptionOverride.Override.CONTINUE_EVICT; // the pool's own judgement
                }
            });
            HikariDataSource pool = new HikariDataSource(config);
            try {
                migrate(pool);
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
            availability.start(pool);
            return new Database(embedded, pool, availability);
        } catch (HikariPool.PoolInitializationException e) {
            closeQuietly(embedded);
            throw new ConfigException("Cannot reach the database at " + config.getJdbcUrl() + ": " + ConfigException.rootMessage(e), e);
        } catch (FlywayException e) {
            closeQuietly(embedded);
            throw new ConfigException("Cannot migrate the database: " + ConfigException.rootMessage(e), e);
        } catch (RuntimeException e) {
            closeQuietly(embedded);
            throw e;
        }
    }

    private static EmbeddedPostgres startEmbedded(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            log.info("Starting the embedded PostgreSQL server with its data in {}", dataDir);
            // The library turns fsync and synchronous_commit off, as suits a throwaway test
            // database; this one keeps real data across restarts, so a commit must be on disk
            // before it is answered (else a crash or power cut could lose it, or the database).
            return EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("Cannot start the embedded PostgreSQL server in " + dataDir + ": " + ConfigException.rootMessage(e), e);
        }
    }

    /**
     * The port of an embedded server already running on this data directory, read from
     * PostgreSQL's own lock file (line 1: process id, line 4: port).
     */
    private static OptionalInt runningEmbeddedPort(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) return OptionalInt.empty();
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) return OptionalInt.empty();
            long pid = Long.parseLong(lines.get(0).trim());
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return alive ? OptionalInt.of(Integer.parseInt(lines.get(3).trim())) : OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    /** How many SQL statements the current thread has run, in any database: read before and after a request. */
    public static long statementsOnThisThread() {
        return ON_THIS_THREAD.get()[0];
    }

    /** How many transactions the current thread has committed (a statement outside one counts as one). */
    public static long transactionsOnThisThread() {
        return ON_THIS_THREAD.get()[1];
    }

    /** How many SQL statements this process has run, background work included. */
    public long statementsRun() {
        return statements.sum();
    }

    /** How many transactions this process has committed (a statement run outside one counts as one). */
    public long transactionsRun() {
        return transactions.sum();
    }

    private static boolean isAutoCommit(StatementContext context) {
        try {
            return context.getConnection().getAutoCommit();
        } catch (SQLException e) {
            return false;
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** Connections for everything in Keydesk; refused at once while the database is down. */
    public DataSource dataSource() {
        return availability.dataSource();
    }

    public DatabaseAvailability availability() {
        return availability;
    }

    /** True when a connection can be had and answers a trivial query (false at once during an outage). */
    public boolean isReachable() {
        if (!availability.isAvailable()) return false;
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        availability.close();
        pool.close();
        closeQuietly(embedded);
    }

    private static void closeQuietly(EmbeddedPostgres embedded) {
        if (embedded == null) return;
        try {
            embedded.close();
        } catch (IOException e) {
            log.warn("The embedded PostgreSQL server did not stop cleanly: {}", e.getMessage());
        }
    }

}
