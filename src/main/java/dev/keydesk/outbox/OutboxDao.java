package dev.keydesk.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
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

    /** Many items of one kind in one round trip; the lists run in step. */
    @SqlBatch("""
            INSERT INTO outbox (kind, payload, bot_id, event, secret, max_attempts)
            VALUES (:kind, CAST(:payload AS jsonb), :botId, :event, :secret, :maxAttempts)""")
    void insertAll(@Bind("kind") String kind, @Bind("payload") List<String> payloads, @Bind("botId") List<Long> botIds,
                   @Bind("event") List<String> events, @Bind("secret") List<byte[]> secrets,
                   @Bind("maxAttempts") int maxAttempts);

    /**
     * Leases the next due item of this kind to this sender. Another process skips the locked row,
     * and a sender that dies mid-delivery lets its lease run out, after which the item is retried.
     * The subquery is compared with {@code =}, which PostgreSQL evaluates once; under {@code IN}
     * the planner may run it again per row and lease several items at once.
     */
    @SqlQuery("""
            UPDATE outbox SET leased_until = CAST(:now AS timestamptz) + :lease, lease_token = :token, attempts = attempts + 1
            WHERE id = (SELECT id FROM outbox
                        WHERE kind = :kind AND delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= :now
                          AND (leased_until IS NULL OR leased_until < :now)
                        ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, kind, payload::text AS payload, bot_id, event, secret, attempts, max_attempts, lease_token""")
    Optional<OutboxItem> claim(@Bind("kind") String kind, @Bind("lease") Duration lease, @Bind("token") String token,
                               @Bind("now") Instant now);

    /** An e-mail's body (which may hold a one-time link) is dropped once it is no longer needed. */
    String FORGET_EMAIL_BODY = """
            payload = CASE WHEN kind = 'email' THEN jsonb_build_object('to', payload->>'to', 'subject', payload->>'subject')
                           ELSE payload END""";

    // The outcome is recorded only by the lease holder, so a sender whose lease ran out cannot
    // overwrite what the process that took the item over recorded.

    @SqlUpdate("UPDATE outbox SET delivered_at = now(), leased_until = NULL, last_error = NULL, " + FORGET_EMAIL_BODY
            + " WHERE id = :id AND lease_token = :token")
    void markDelivered(@Bind("id") long id, @Bind("token") String token);

    @SqlUpdate("UPDATE outbox SET next_attempt_at = :next, leased_until = NULL, last_error = :error"
            + " WHERE id = :id AND lease_token = :token")
    void markRetry(@Bind("id") long id, @Bind("token") String token, @Bind("next") Instant next, @Bind("error") String error);

    @SqlUpdate("UPDATE outbox SET failed_at = now(), leased_until = NULL, last_error = :error, " + FORGET_EMAIL_BODY
            + " WHERE id = :id AND lease_token = :token")
    void markFailed(@Bind("id") long id, @Bind("token") String token, @Bind("error") String error);

    @SqlQuery("""
            SELECT id, event, created_at, attempts, max_attempts, delivered_at, failed_at, next_attempt_at, last_error
            FROM outbox WHERE bot_id = :botId AND kind = 'webhook' ORDER BY created_at DESC, id DESC LIMIT :limit""")
    List<Delivery> deliveriesFor(@Bind("botId") long botId, @Bind("limit") int limit);
}
