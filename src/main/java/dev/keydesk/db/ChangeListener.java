package dev.keydesk.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on PostgreSQL NOTIFY channels for changes made by any Keydesk process sharing the
 * database, and hands each notification's payload to that channel's subscriber, so caches drop
 * what changed within milliseconds. Whenever it starts listening (again), every subscriber's
 * {@link Subscriber#resync()} runs, since notifications may have been missed meanwhile. If only
 * its connection was lost, they resync at once too. If the database itself is unreachable, the
 * caches are kept until the database is back: cached keys keep answering requests that need
 * nothing else, for at most a cache's lifetime, and the listener waits instead of retrying.
 */
public final class ChangeListener implements AutoCloseable {
    /** What a cache does with the notifications of its channel. */
    public interface Subscriber {
        void onNotification(String payload);

        /** Forget everything: notifications may have been missed. */
        void resync();
    }

    private static final Logger log = LoggerFactory.getLogger(ChangeListener.class);
    private static final int POLL_MILLIS = 250;
    private static final long KEEPALIVE_NANOS = 5_000_000_000L;
    /** How long {@link #start} waits for the first LISTEN (the database may be away at startup). */
    private static final Duration FIRST_LISTEN_WAIT = Duration.ofSeconds(10);

    private final DataSource dataSource;
    private final Map<String, Subscriber> subscribers;
    private final DatabaseAvailability availability;
    private final Thread thread;
    private volatile boolean running = true;
    /** Opened once the channels are first listened to and the subscribers have resynced. */
    private final CountDownLatch listening = new CountDownLatch(1);

    /** Channel names must be plain identifiers; they are written into LISTEN statements. */
    public ChangeListener(DataSource dataSource, Map<String, Subscriber> subscribers, DatabaseAvailability availability) {
        for (String channel : subscribers.keySet()) {
            if (!channel.matches("[a-z_]+")) throw new IllegalArgumentException("Bad channel name " + channel);
        }
        this.dataSource = dataSource;
        this.subscribers = Map.copyOf(subscribers);
        this.availability = availability;
        this.thread = new Thread(this::run, "keydesk-change-listener");
        this.thread.setDaemon(true);
    }

    /**
     * Starts listening and waits (a bounded while) until the channels are listened to: the first
     * resync forgets everything, so a process that served requests before it would drop the keys
     * it had just cached, and would not hear of changes made in between until that resync.
     */
    public void start() {
        thread.start();
        try {
            if (!listening.await(FIRST_LISTEN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Not yet listening for changes after {}; starting anyway", FIRST_LISTEN_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running) {
            if (!availability.awaitAvailable(Duration.ofSeconds(1))) continue;
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    for (String channel : subscribers.keySet()) statement.execute("LISTEN " + channel);
                }
                resyncAll();
                listening.countDown();
                PGConnection pg = connection.unwrap(PGConnection.class);
                long lastCheck = System.nanoTime();
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications != null) {
                        for (PGNotification n : notifications) {
                            Subscriber subscriber = subscribers.get(n.getName());
                            if (subscriber != null) subscriber.onNotification(n.getParameter());
                        }
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
                resyncAll();
                log.warn("Lost the change listener connection ({}); reconnecting", e.getMessage());
                sleepQuietly();
            }
        }
    }

    private void resyncAll() {
        subscribers.values().forEach(Subscriber::resync);
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
