package dev.keydesk.outbox;

import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Reading the outbox for pages: a bot's recent webhook deliveries. */
public final class OutboxQueries {
    private final Jdbi jdbi;

    public OutboxQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The newest deliveries to a bot's webhook, newest first. */
    public List<Delivery> deliveriesFor(long botId, int limit) {
        return jdbi.withExtension(OutboxDao.class, dao -> dao.deliveriesFor(botId, limit));
    }
}
