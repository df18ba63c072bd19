package dev.keydesk.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Writes audit rows. Always called with the handle of the transaction that makes the change,
 * so a change and its record commit or roll back together.
 */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The start of every statement that writes audit rows, this class's and the few that another
     * feature's statement writes itself (see {@link Row}): one list of columns to keep in step.
     */
    public static final String INSERT_INTO =
            "INSERT INTO audit_log (event_type, actor_id, target_user_id, ip, details, actor_label, target_label)\n";
    private static final String INSERT = INSERT_INTO + """
            VALUES (:event, :actor, :target, :ip, CAST(:details AS jsonb),
                    COALESCE((SELECT email FROM users WHERE id = :actor), :via),
                    (SELECT email FROM users WHERE id = :target))""";

    private AuditLog() {}

    public static void record(Handle handle, AuditEvent event, Actor actor, Long targetUserId, Map<String, ?> details) {
        bindActor(handle.createUpdate(INSERT), "", event, actor, details).bind("target", targetUserId).execute();
    }

    /**
     * A row of its own about each of {@code targets}, all written by one statement: a change to a
     * thousand accounts reads in the log like a thousand single changes, at the cost of one.
     */
    public static void recordEach(Handle handle, AuditEvent event, Actor actor, Collection<Long> targets) {
        if (targets.isEmpty()) return;
        bindActor(handle.createUpdate(INSERT_INTO + """
                        SELECT :event, :actor, u.id, :ip, CAST(:details AS jsonb),
                               COALESCE((SELECT email FROM users WHERE id = :actor), :via), u.email
                        FROM users u WHERE u.id = ANY(:targets) ORDER BY u.id"""), "", event, actor, Map.of())
                .bindArray("targets", Long.class, targets)
                .execute();
    }

    /**
     * One row about several accounts: with one target, an ordinary row about it; with more, a row
     * without a single target whose details list them all, as {@code target_ids} and (kept should
     * an account be deleted later) their addresses as {@code targets}, which the Audit log's
     * target filter searches too. {@code targets} maps each account's id to its address: the
     * caller has them at hand, and looking a thousand of them up again and gathering them in SQL
     * more than doubled the statement's time.
     */
    public static void recordForAll(Handle handle, AuditEvent event, Actor actor, SortedMap<Long, String> targets,
                                    Map<String, ?> details) {
        if (targets.isEmpty()) return;
        if (targets.size() == 1) {
            record(handle, event, actor, targets.firstKey(), details);
            return;
        }
        Map<String, Object> all = new LinkedHashMap<>(details);
        all.put("target_ids", List.copyOf(targets.keySet()));
        all.put("targets", List.copyOf(targets.values()));
        bindActor(handle.createUpdate(INSERT_INTO + """
                        VALUES (:event, :actor, NULL, :ip, CAST(:details AS jsonb),
                                COALESCE((SELECT email FROM users WHERE id = :actor), :via), NULL)"""),
                "", event, actor, all).execute();
    }

    public static void record(Handle handle, AuditEvent event, Actor actor, Long targetUserId) {
        record(handle, event, actor, targetUserId, Map.of());
    }

    /**
     * A row that another feature's statement writes along with the change it records, when the
     * row must name something that statement makes (a new id, a count): that statement inserts
     * into {@code audit_log} itself, taking these values from the parameters {@link #bindRow}
     * names. Used only where the round trip saved counts (fetch_api_key's).
     */
    public record Row(AuditEvent event, Actor actor, Map<String, ?> details) {}

    /**
     * Binds {@code row} as {@code :<name>_event}, {@code :<name>_actor}, {@code :<name>_ip},
     * {@code :<name>_details} (JSON, to which the statement may add its own keys) and
     * {@code :<name>_via} (the actor's label when there is no acting account).
     */
    public static <S extends SqlStatement<S>> S bindRow(S statement, String name, Row row) {
        return bindActor(statement, name + "_", row.event(), row.actor(), row.details());
    }

    /**
     * What every row binds: the event, who did it (and with which key, how, from where) and the
     * details, under names that start with {@code prefix} (empty for this class's own statements).
     */
    private static <S extends SqlStatement<S>> S bindActor(S insert, String prefix, AuditEvent event, Actor actor,
                                                          Map<String, ?> details) {
        Map<String, Object> all = new LinkedHashMap<>(details);
        all.put("via", actor.via());
        if (actor.key() != null) all.put("key", actor.key());
        return insert.bind(prefix + "event", event.dbName())
                .bind(prefix + "actor", actor.userId())
                .bind(prefix + "ip", actor.ip())
                .bind(prefix + "details", toJson(all))
                .bind(prefix + "via", actor.via());
    }

    private static String toJson(Map<String, Object> details) {
        try {
            return JSON.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Audit details must be plain values", e);
        }
    }
}
