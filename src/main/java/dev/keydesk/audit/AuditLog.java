package dev.keydesk.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Writes audit rows. Always called with the handle of the transaction that makes the change,
 * so a change and its record commit or roll back together.
 */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSERT = """
            INSERT INTO audit_log (event_type, actor_id, target_user_id, ip, details, actor_label, target_label)
            VALUES (:event, :actor, :target, :ip, CAST(:details AS jsonb),
                    COALESCE((SELECT email FROM users WHERE id = :actor), :via),
                    (SELECT email FROM users WHERE id = :target))""";

    private AuditLog() {}

    public static void record(Handle handle, AuditEvent event, Actor actor, Long targetUserId, Map<String, ?> details) {
        Map<String, Object> all = new LinkedHashMap<>(details);
        all.put("via", actor.via());
        handle.createUpdate(INSERT)
                .bind("event", event.dbName())
                .bind("actor", actor.userId())
                .bind("target", targetUserId)
                .bind("ip", actor.ip())
                .bind("details", toJson(all))
                .bind("via", actor.via())
                .execute();
    }

    /** One row per target, written as a single batch. */
    public static void recordEach(Handle handle, AuditEvent event, Actor actor, Collection<Long> targets,
                                  Map<String, ?> details) {
        if (targets.isEmpty()) return;
        Map<String, Object> all = new LinkedHashMap<>(details);
        all.put("via", actor.via());
        String json = toJson(all);
        PreparedBatch batch = handle.prepareBatch(INSERT);
        for (Long target : targets) {
            batch.bind("event", event.dbName()).bind("actor", actor.userId()).bind("target", target)
                    .bind("ip", actor.ip()).bind("details", json).bind("via", actor.via()).add();
        }
        batch.execute();
    }

    public static void record(Handle handle, AuditEvent event, Actor actor, Long targetUserId) {
        record(handle, event, actor, targetUserId, Map.of());
    }

    private static String toJson(Map<String, Object> details) {
        try {
            return JSON.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Audit details must be plain values", e);
        }
    }
}
