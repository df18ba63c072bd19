package dev.keydesk.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Reading the outbox for pages: a bot's recent webhook deliveries. */
public final class OutboxQueries {
    private final Jdbi jdbi;

    public OutboxQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Queue depth and the age of the oldest waiting item, read from the database at each scrape. */
    public void registerGauges(MeterRegistry meters) {
        Gauge.builder("keydesk_outbox_pending", this, q -> q.pendingStats()[0])
                .description("E-mails, webhook calls and leak reports waiting to be handled").register(meters);
        Gauge.builder("keydesk_outbox_oldest_pending_seconds", this, q -> q.pendingStats()[1])
                .description("Age of the oldest item waiting to be sent").register(meters);
    }

    private double[] pendingStats() {
        // The database's now(), like created_at: a metric of how long items wait, not a business deadline.
        try {
            return jdbi.withHandle(h -> h.createQuery("""
                            SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age
                            FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL""")
                    .map((rs, ctx) -> new double[] {rs.getDouble("n"), rs.getDouble("age")}).one());
        } catch (RuntimeException e) {
            return new double[] {Double.NaN, Double.NaN};
        }
    }

    /** The newest deliveries to a bot's webhook, newest first. */
    public List<Delivery> deliveriesFor(long botId, int limit) {
        return jdbi.withExtension(OutboxDao.class, dao -> dao.deliveriesFor(botId, limit));
    }
}
