package dev.keydesk.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(OutboxItem.class)
@RegisterConstructorMapper(Delivery.class)
public interface OutboxDao {
    @SqlUpdate("""
            INSERT INTO outbox (kind, payload, bot_id, event, secret, max_attempts)
            VALUES (:kind, CAST(:payload AS jsonb), :botId, :event, :secret, :maxAttempts)""")
    @GetGeneratedKeys("id")
    long insert(@Bind("kind") String kind, @Bind("payload") String payload, @Bind("botId") Long botId,
                @Bind("event") String event, @Bind("secret") byte[] secret, @Bind("maxAttempts") int maxAttempts);

    /**
     * Leases up to {@code limit} due items to this sender. Another process skips the locked rows,
     * and a sender that dies mid-delivery lets its lease run out, after which the item is retried.
     */
    @SqlQuery("""
            UPDATE outbox SET leased_until = now() + :lease, attempts = attempts + 1
            WHERE id IN (SELECT id FROM outbox
                         WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                           AND (leased_until IS NULL OR leased_until < now())
                         ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED)
            RETURNING id, kind, payload::text AS payload, bot_id, event, secret, attempts, max_attempts""")
    List<OutboxItem> claim(@Bind("limit") int limit, @Bind("lease") Duration lease);

    /** An e-mail's body (which may hold a one-time link) is dropped once it is no longer needed. */
    String FORGET_EMAIL_BODY = """
            payload = CASE WHEN kind = 'email' THEN jsonb_build_object('to', payload->>'to', 'subject', payload->>'subject')
                           ELSE payload END""";

    @SqlUpdate("UPDATE outbox SET delivered_at = now(), leased_until = NULL, last_error = NULL, " + FORGET_EMAIL_BODY
            + " WHERE id = :id")
    void markDelivered(@Bind("id") long id);

    @SqlUpdate("UPDATE outbox SET next_attempt_at = :next, leased_until = NULL, last_error = :error WHERE id = :id")
    void markRetry(@Bind("id") long id, @Bind("next") Instant next, @Bind("error") String error);

    @SqlUpdate("UPDATE outbox SET failed_at = now(), leased_until = NULL, last_error = :error, " + FORGET_EMAIL_BODY
            + " WHERE id = :id")
    void markFailed(@Bind("id") long id, @Bind("error") String error);

    @SqlQuery("""
            SELECT id, event, created_at, attempts, max_attempts, delivered_at, failed_at, next_attempt_at, last_error
            FROM outbox WHERE bot_id = :botId AND kind = 'webhook' ORDER BY created_at DESC, id DESC LIMIT :limit""")
    List<Delivery> deliveriesFor(@Bind("botId") long botId, @Bind("limit") int limit);
}
