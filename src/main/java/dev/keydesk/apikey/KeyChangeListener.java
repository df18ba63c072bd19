package dev.keydesk.apikey;

import dev.keydesk.db.DatabaseAvailability;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for key changes made by any Keydesk process on the shared database and drops the
 * affected cache entries, so a regenerated or blocked key is refused everywhere within
 * milliseconds. Whenever it starts listening (again), the whole cache is cleared, since changes
 * may have been missed meanwhile. If only its connection was lost, the cache is also cleared at
 * once. If the database itself is unreachable, the cache is kept until the database is back:
 * cached keys keep answering requests that need nothing else (users/me), for at most the
 * cache's two-minute lifetime, and the listener waits for the database instead of retrying.
 */
public final class KeyChangeListener implements AutoCloseable {
    static final String CHANNEL = "keydesk_key_changes";
    private static final Logger log = LoggerFactory.getLogger(KeyChangeListener.class);
    private static final int POLL_MILLIS = 250;
    private static final long KEEPALIVE_NANOS = 5_000_000_000L;

    private final DataSource dataSource;
    private final KeyCache cache;
    private final DatabaseAvailability availability;
    private final Thread thread;
    private volatile boolean running = true;

    public KeyChangeListener(DataSource dataSource, KeyCache cache, DatabaseAvailability availability) {
        this.dataSource = dataSource;
        this.cache = cache;
        this.availability = availability;
        this.thread = new Thread(this::run, "keydesk-key-changes");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        while (running) {
            if (!availability.awaitAvailable(Duration.ofSeconds(1))) continue;
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                cache.forgetAll();
                PGConnection pg = connection.unwrap(PGConnection.class);
                long lastCheck = System.nanoTime();
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications != null) {
                        for (PGNotification n : notifications) cache.onNotification(n.getParameter());
                    }
                    if (System.nanoTime() - lastCheck > KEEPALIVE_NANOS) {
                        // A connection that died silently would never deliver another notification:
                        // a round trip now and then turns that into an error, and a reconnect.
                        try (Statement statement = connection.createStatement()) {
                            statement.execute("SELECT 1");
                        }
                        lastCheck = System.nanoTime();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) return;
                // An outage is logged once by DatabaseAvailability; the loop then waits for its end.
                if (availability.isOutage(e)) continue;
                cache.forgetAll();
                log.warn("Lost the key-change listener connection ({}); reconnecting", e.getMessage());
                sleepQuietly();
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
