package dev.keydesk.db;

import com.zaxxer.hikari.HikariDataSource;
import dev.keydesk.config.ConfigException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * Whether PostgreSQL can be used right now, so that requests fail at once while it cannot,
 * instead of each waiting for a connection that will not come.
 *
 * <p>Everything goes through {@link #dataSource()}. While the database is up, it hands out pool
 * connections, and the pool waits at most {@link #CONNECTION_TIMEOUT} for one. When the pool
 * cannot open a connection in that time, or a connection breaks in use and a direct connection
 * attempt fails too, the database is marked down: one WARN line, and from then on
 * {@code getConnection} throws at once (an {@link SQLTransientConnectionException}, which the
 * error handling answers with 503). A background thread then tries a direct connection every
 * {@link #PROBE_INTERVAL}; as soon as PostgreSQL accepts one and the pool hands out a working
 * connection again, the database is marked up: one INFO line.
 */
public final class DatabaseAvailability implements AutoCloseable {
    /** How long a request waits for a pool connection before the database counts as unreachable. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofMillis(500);
    static final Duration PROBE_INTERVAL = Duration.ofMillis(200);
    /** How long a request waits in all when the database is up but every connection is busy. */
    static final Duration BUSY_POOL_WAIT = Duration.ofSeconds(5);
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);
    private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

    private final String jdbcUrl;
    private final Properties probeProperties = new Properties();
    private final Object lock = new Object();
    private final DataSource guarded = new Guarded();
    private final Thread prober = new Thread(this::probeLoop, "keydesk-database-probe");
    private volatile HikariDataSource pool;
    private volatile boolean available = true;
    private volatile boolean running = true;
    private boolean checkRequested;
    private long downSince;

    DatabaseAvailability(String jdbcUrl, String user, String password) {
        this.jdbcUrl = jdbcUrl;
        if (user != null) probeProperties.setProperty("user", user);
        if (password != null) probeProperties.setProperty("password", password);
        probeProperties.setProperty("connectTimeout", "2");
        probeProperties.setProperty("socketTimeout", "2");
        probeProperties.setProperty("loginTimeout", "2");
        probeProperties.setProperty("ApplicationName", "keydesk availability probe");
        prober.setDaemon(true);
    }

    /** Starts watching the pool: from now on its connections go out through {@link #dataSource()}. */
    void start(HikariDataSource pool) {
        this.pool = pool;
        prober.start();
    }

    /** The data source every part of Keydesk uses: the pool's connections, or an immediate failure while the database is down. */
    public DataSource dataSource() {
        return guarded;
    }

    public boolean isAvailable() {
        return available;
    }

    /**
     * Waits until the database is available (returns true at once if it is), at most {@code timeout};
     * for background workers that have nothing to do without it.
     */
    public boolean awaitAvailable(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!available && running) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return available;
                }
            }
            return available;
        }
    }

    /**
     * For a worker whose connection just failed with {@code failure}: true if the database itself
     * is unreachable (checked now with a direct connection attempt, and then marked down), false
     * if it answers and only that connection was lost, or the failure had nothing to do with reaching it.
     */
    public boolean isOutage(Throwable failure) {
        if (!available) return true;
        if (!isUnavailable(failure)) return false;
        try {
            probe();
            return false;
        } catch (SQLException e) {
            markDown(e);
            return true;
        }
    }

    /**
     * True when {@code e} (or a cause) says the database could not be reached or the connection
     * broke: no connection to be had in time, a connection failure (SQLSTATE class 08), the server
     * shutting down or starting up (57P01, 57P02, 57P03), a refused TCP connection.
     */
    public static boolean isUnavailable(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t instanceof SQLTransientConnectionException || t instanceof ConnectException) return true;
            if (t instanceof SQLException sql && isConnectionFailure(sql)) return true;
        }
        return false;
    }

    static boolean isConnectionFailure(SQLException e) {
        String state = e.getSQLState();
        // 08P01 (protocol violation) is about the message Keydesk sent, not about reaching the server.
        return state != null && (state.startsWith("08") && !state.equals("08P01") || state.equals("57P01")
                || state.equals("57P02") || state.equals("57P03"));
    }

    /** From the pool: a connection failed in use. If it was a connection failure, check the database now. */
    void connectionFailed(SQLException e) {
        if (!isConnectionFailure(e)) return;
        synchronized (lock) {
            if (available && !checkRequested) {
                checkRequested = true;
                lock.notifyAll();
            }
        }
    }

    private void markDown(Throwable cause) {
        synchronized (lock) {
            if (!available || !running) return;
            available = false;
            downSince = System.nanoTime();
            lock.notifyAll();
        }
        log.warn("The database is unreachable ({}); answering 503 until it is back", ConfigException.rootMessage(cause));
        HikariDataSource current = pool;
        // Connections to the server that went away are useless; let the pool open fresh ones later.
        if (current != null && current.getHikariPoolMXBean() != null) current.getHikariPoolMXBean().softEvictConnections();
    }

    private void markUp() {
        long seconds;
        synchronized (lock) {
            if (available) return;
            available = true;
            seconds = Duration.ofNanos(System.nanoTime() - downSince).toSeconds();
            lock.notifyAll();
        }
        log.info("The database is reachable again (after about {} s)", seconds);
    }

    private void probeLoop() {
        while (running) {
            boolean check;
            synchronized (lock) {
                while (running && available && !checkRequested) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                check = checkRequested;
                checkRequested = false;
            }
            if (!running) return;
            if (available && check) {
                try {
                    probe();
                } catch (SQLException e) {
                    markDown(e);
                }
            } else if (!available) {
                if (recovered()) {
                    markUp();
                } else {
                    pause();
                }
            }
        }
    }

    /** PostgreSQL accepts a direct connection, and the pool hands out one that works. */
    private boolean recovered() {
        try {
            probe();
            try (Connection connection = pool.getConnection()) {
                if (!connection.isValid(1)) {
                    pool.evictConnection(connection);
                    return false;
                }
            }
            return true;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** A fresh connection straight from the driver, not the pool: answers within seconds even if the pool would wait. */
    private void probe() throws SQLException {
        try (Connection connection = DRIVER.connect(jdbcUrl, probeProperties)) {
            if (connection == null) throw new SQLException("Not a PostgreSQL URL: " + jdbcUrl);
            if (!connection.isValid(2)) throw new SQLTransientConnectionException("The database does not answer", "08006");
        }
    }

    private void pause() {
        synchronized (lock) {
            if (!running) return;
            try {
                lock.wait(PROBE_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            running = false;
            lock.notifyAll();
        }
        try {
            prober.join(3_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Thrown at once while the database is down: no stack trace, nothing to learn from one. */
    private static final class Unavailable extends SQLTransientConnectionException {
        Unavailable() {
            super("The database is unreachable", "08001");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private final class Guarded implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            long deadline = System.nanoTime() + BUSY_POOL_WAIT.toNanos();
            while (true) {
                if (!available) throw new Unavailable();
                try {
                    return pool.getConnection();
                } catch (SQLTransientConnectionException e) {
                    // The pool waited its whole timeout; with a cause, it tried to open connections and failed.
                    if (e.getCause() != null) {
                        markDown(e.getCause());
                        throw e;
                    }
                    // Without one, every connection is simply busy: a burst of work, not an outage.
                    // Keep waiting a while longer, unless the database is found to be down meanwhile.
                    if (System.nanoTime() > deadline) throw e;
                }
            }
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("Keydesk's pool has one set of credentials");
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return pool.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            pool.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            pool.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return pool.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return pool.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return iface.isInstance(this) ? iface.cast(this) : pool.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return iface.isInstance(this) || pool.isWrapperFor(iface);
        }
    }
}
