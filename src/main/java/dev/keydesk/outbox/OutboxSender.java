package dev.keydesk.outbox;

import dev.keydesk.db.DatabaseAvailability;
import dev.keydesk.security.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background threads that deliver queued work, with retries and backoff: one thread per
 * kind, so slow webhooks never hold up e-mail. Each process runs its own; they share the queue
 * through leases, so an item is delivered by one of them. One delivery takes seconds (a webhook
 * call is cut off after five), well inside the two-minute lease.
 */
public final class OutboxSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxSender.class);
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);
    private static final Duration LEASE = Duration.ofMinutes(2);

    private final Jdbi jdbi;
    private final Map<String, Deliverer> deliverers;
    private final Backoff backoff;
    private final Clock clock;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    public OutboxSender(Jdbi jdbi, Map<String, Deliverer> deliverers, Backoff backoff, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.deliverers = deliverers;
        this.backoff = backoff;
        deliverers.forEach((kind, deliverer) -> {
            Thread thread = new Thread(() -> run(kind, deliverer), "keydesk-outbox-" + kind);
            thread.setDaemon(true);
            threads.add(thread);
        });
    }

    public void start() {
        threads.forEach(Thread::start);
    }

    /** Asks the senders to look at the queue now rather than at their next poll. */
    public void wake() {
        threads.forEach(LockSupport::unpark);
    }

    private void run(String kind, Deliverer deliverer) {
        while (running) {
            Optional<OutboxItem> item = Optional.empty();
            try {
                String token = Tokens.newToken();
                item = jdbi.withExtension(OutboxDao.class, dao -> dao.claim(kind, LEASE, token, clock.instant()));
                item.ifPresent(i -> deliver(deliverer, i));
            } catch (RuntimeException e) {
                // An outage is logged once by DatabaseAvailability; the queue is looked at again at the next poll.
                if (!DatabaseAvailability.isUnavailable(e)) {
                    log.warn("The {} sender could not use the database: {}", kind, e.getMessage());
                }
            }
            if (item.isEmpty() && running) LockSupport.parkNanos(IDLE_POLL.toNanos());
        }
    }

    /**
     * Delivers one item and records the outcome. If recording fails (the database went away),
     * the exception reaches the loop and the item is delivered again once its lease ends.
     */
    private void deliver(Deliverer deliverer, OutboxItem item) {
        try {
            deliverer.deliver(item);
        } catch (DeliveryFailure failure) {
            failed(item, failure.getMessage(), failure.permanent());
            return;
        } catch (RuntimeException e) {
            log.error("Unexpected error delivering {} #{}", item.kind(), item.id(), e);
            failed(item, String.valueOf(e), false);
            return;
        }
        jdbi.useExtension(OutboxDao.class, dao -> dao.markDelivered(item.id(), item.leaseToken()));
    }

    /** Schedules the next attempt, or gives up when the failure is permanent or the attempts are used up. */
    private void failed(OutboxItem item, String message, boolean permanent) {
        String error = truncate(message);
        if (permanent || item.attempts() >= item.maxAttempts()) {
            log.warn("Gave up on {} #{} after {} attempt(s): {}", item.kind(), item.id(), item.attempts(), error);
            jdbi.useExtension(OutboxDao.class, dao -> dao.markFailed(item.id(), item.leaseToken(), error));
        } else {
            Instant next = clock.instant().plus(backoff.after(item.attempts()));
            jdbi.useExtension(OutboxDao.class, dao -> dao.markRetry(item.id(), item.leaseToken(), next, error));
        }
    }

    private static String truncate(String s) {
        return s == null ? null : s.length() > 500 ? s.substring(0, 500) : s;
    }

    @Override
    public void close() {
        running = false;
        wake();
        for (Thread thread : threads) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deliverers.values().forEach(Deliverer::close);
    }
}
