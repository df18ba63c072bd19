package dev.keydesk.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background thread that delivers queued work, with retries and backoff. Each process runs
 * one; they share the queue through leases, so an item is delivered by one of them.
 */
public final class OutboxSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxSender.class);
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final int BATCH = 10;

    private final Jdbi jdbi;
    private final Map<String, Deliverer> deliverers;
    private final Backoff backoff;
    private final Thread thread;
    private volatile boolean running = true;

    public OutboxSender(Jdbi jdbi, Map<String, Deliverer> deliverers, Backoff backoff) {
        this.jdbi = jdbi;
        this.deliverers = deliverers;
        this.backoff = backoff;
        this.thread = new Thread(this::run, "keydesk-outbox");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Asks the sender to look at the queue now rather than at its next poll. */
    public void wake() {
        LockSupport.unpark(thread);
    }

    private void run() {
        while (running) {
            boolean busy = false;
            try {
                List<OutboxItem> items = jdbi.withExtension(OutboxDao.class, dao -> dao.claim(BATCH, LEASE));
                for (OutboxItem item : items) deliver(item);
                busy = items.size() == BATCH;
            } catch (RuntimeException e) {
                log.warn("The outbox sender could not reach the database: {}", e.getMessage());
            }
            if (!busy && running) LockSupport.parkNanos(IDLE_POLL.toNanos());
        }
    }

    private void deliver(OutboxItem item) {
        try {
            Deliverer deliverer = deliverers.get(item.kind());
            if (deliverer == null) throw new DeliveryFailure("no deliverer for " + item.kind(), true);
            deliverer.deliver(item);
            jdbi.useExtension(OutboxDao.class, dao -> dao.markDelivered(item.id()));
        } catch (DeliveryFailure failure) {
            failed(item, failure.getMessage(), failure.permanent());
        } catch (RuntimeException e) {
            log.error("Unexpected error delivering {} #{}", item.kind(), item.id(), e);
            failed(item, String.valueOf(e), false);
        }
    }

    /** Schedules the next attempt, or gives up when the failure is permanent or the attempts are used up. */
    private void failed(OutboxItem item, String message, boolean permanent) {
        String error = truncate(message);
        if (permanent || item.attempts() >= item.maxAttempts()) {
            log.warn("Gave up on {} #{} after {} attempt(s): {}", item.kind(), item.id(), item.attempts(), error);
            jdbi.useExtension(OutboxDao.class, dao -> dao.markFailed(item.id(), error));
        } else {
            Instant next = Instant.now().plus(backoff.after(item.attempts()));
            jdbi.useExtension(OutboxDao.class, dao -> dao.markRetry(item.id(), next, error));
        }
    }

    private static String truncate(String s) {
        return s == null ? null : s.length() > 500 ? s.substring(0, 500) : s;
    }

    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
