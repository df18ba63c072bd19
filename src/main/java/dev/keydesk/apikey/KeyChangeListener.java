package dev.keydesk.apikey;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for key changes made by any Keydesk process on the shared database and drops the
 * affected cache entries, so a regenerated or blocked key is refused everywhere within
 * milliseconds. If the connection drops, the whole cache is cleared before listening again,
 * since changes may have been missed meanwhile.
 */
public final class KeyChangeListener implements AutoCloseable {
    static final String CHANNEL = "keydesk_key_changes";
    private static final Logger log = LoggerFactory.getLogger(KeyChangeListener.class);
    private static final int POLL_MILLIS = 250;
    private static final long KEEPALIVE_NANOS = 5_000_000_000L;

    private final DataSource dataSource;
    private final KeyCache cache;
    private final Thread thread;
    private volatile boolean running = true;

    public KeyChangeListener(DataSource dataSource, KeyCache cache) {
        this.dataSource = dataSource;
        this.cache = cache;
        this.thread = new Thread(this::run, "keydesk-key-changes");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        while (running) {
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
                cache.forgetAll();
                if (!running) return;
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
