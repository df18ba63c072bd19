package dev.keydesk.audit;

import dev.keydesk.db.PlannedPerValue;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.KeysetPage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * The audit log, newest first, filtered by event type and by fragments of the actor's and
 * target's addresses; a row about several accounts matches through any of them. Only the filters
 * in use are in the statement, so each is served by its index: {@code (event_type, created_at DESC,
 * id DESC)}, the trigram index on the actor's label, and the one on {@code audit_target_text}
 * (the target and every account in the details). Pages continue from a {@link Cursor} over
 * {@code (created_at, id)}, whose key is the row's time as an ISO instant.
 */
final class AuditQueries {
    /** A filter; empty strings (and "%" patterns) are filters not in use. */
    record Filter(String event, String actorPattern, String targetPattern) {
        String where() {
            List<String> parts = new ArrayList<>();
            if (!event.isEmpty()) parts.add("event_type = :event");
            if (!"%".equals(actorPattern)) parts.add("lower(coalesce(actor_label, '')) LIKE :actor ESCAPE '!'");
            if (!"%".equals(targetPattern)) {
                // the index finds the candidates; the exact test (each account on its own) decides
                parts.add("""
                        audit_target_text(target_label, details) LIKE :target ESCAPE '!'
                        AND (lower(coalesce(target_label, '')) LIKE :target ESCAPE '!'
                             OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(details -> 'targets') = 'array'
                                                                                   THEN details -> 'targets' ELSE '[]' END) t
                                        WHERE lower(t) LIKE :target ESCAPE '!'))""");
            }
            return parts.isEmpty() ? "true" : String.join(" AND ", parts);
        }

        void bind(Query q) {
            if (!event.isEmpty()) q.bind("event", event);
            if (!"%".equals(actorPattern)) q.bind("actor", actorPattern);
            if (!"%".equals(targetPattern)) q.bind("target", targetPattern);
        }
    }

    private static final String COLUMNS =
            "SELECT id, event_type, actor_label, target_label, ip, details::text AS details, created_at FROM audit_log WHERE ";

    private final Jdbi jdbi;

    AuditQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The log's entries matching {@code filter}, newest first, for {@link KeysetPage}. */
    KeysetPage.Source<AuditEntry> source(Filter filter) {
        return new KeysetPage.Source<>() {
            @Override
            public List<AuditEntry> after(Cursor after, int limit) {
                return AuditQueries.this.after(filter, after, limit);
            }

            @Override
            public List<AuditEntry> before(Cursor before, int limit) {
                return AuditQueries.this.before(filter, before, limit);
            }
        };
    }

    /** Up to {@code limit} entries older than {@code after} (or the newest), newest first. */
    List<AuditEntry> after(Filter filter, Cursor after, int limit) {
        String sql = COLUMNS + filter.where()
                + (after == null ? "" : " AND (created_at, id) < (CAST(:at AS timestamptz), :id)")
                + " ORDER BY created_at DESC, id DESC LIMIT :limit";
        return run(sql, filter, after, limit);
    }

    /** Up to {@code limit} entries just newer than {@code before}, newest first. */
    List<AuditEntry> before(Filter filter, Cursor before, int limit) {
        String sql = COLUMNS + filter.where() + " AND (created_at, id) > (CAST(:at AS timestamptz), :id)"
                + " ORDER BY created_at, id LIMIT :limit";
        List<AuditEntry> rows = new ArrayList<>(run(sql, filter, before, limit));
        Collections.reverse(rows);
        return rows;
    }

    /** How many entries match, counted up to {@link CappedCount#CAP} and one more. */
    long cappedCount(Filter filter) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE " + filter.where()
                    + " LIMIT :cap) t").addCustomizer(PlannedPerValue.CUSTOMIZER).bind("cap", CappedCount.limit());
            filter.bind(q);
            return q.mapTo(Long.class).one();
        });
    }

    private List<AuditEntry> run(String sql, Filter filter, Cursor cursor, int limit) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).addCustomizer(PlannedPerValue.CUSTOMIZER).bind("limit", limit);
            filter.bind(q);
            if (cursor != null) q.bind("at", cursor.key()).bind("id", cursor.id());
            return q.map(ConstructorMapper.of(AuditEntry.class)).list();
        });
    }
}
