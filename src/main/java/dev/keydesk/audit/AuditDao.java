package dev.keydesk.audit;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/**
 * The audit log, newest first, filtered by event type and by fragments of the actor's and
 * target's addresses; a row about several accounts matches through any of them.
 */
@RegisterConstructorMapper(AuditEntry.class)
public interface AuditDao {
    String FILTER = """
            (:event = '' OR event_type = :event)
            AND (:actor = '%' OR lower(coalesce(actor_label, '')) LIKE :actor ESCAPE '!')
            AND (:target = '%' OR lower(coalesce(target_label, '')) LIKE :target ESCAPE '!'
                 OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(details -> 'targets') = 'array'
                                                                        THEN details -> 'targets' ELSE '[]' END) t
                            WHERE lower(t) LIKE :target ESCAPE '!'))""";

    @SqlQuery("SELECT id, event_type, actor_label, target_label, ip, details::text AS details, created_at FROM audit_log WHERE "
            + FILTER + " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset")
    List<AuditEntry> search(@Bind("event") String event, @Bind("actor") String actor, @Bind("target") String target,
                            @Bind("limit") int limit, @Bind("offset") long offset);

    @SqlQuery("SELECT count(*) FROM audit_log WHERE " + FILTER)
    long count(@Bind("event") String event, @Bind("actor") String actor, @Bind("target") String target);
}
