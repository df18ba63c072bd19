package dev.keydesk.keyconsole;

import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * Searching every bot of the organization by name or e-mail, a page at a time in name order.
 * Pages continue from a {@link Cursor} (keyset paging over the index on
 * {@code (lower(full_name), id) WHERE is_bot}); a search uses the trigram indexes on the bots'
 * lower-cased names and e-mails. Without a search the statement has no LIKE at all, so the
 * planner walks the ordered index.
 */
final class KeyListingQueries {
    private static final String COLUMNS = """
            SELECT u.id, u.email, u.full_name, u.bot_type, u.is_active, u.avatar_version,
                   k.created_at AS key_created_at, k.last_used_at, lower(u.full_name) AS sort_name
            FROM users u LEFT JOIN api_keys k ON k.user_id = u.id AND k.revoked_at IS NULL
            WHERE
            """;

    private final Jdbi jdbi;

    KeyListingQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    private static String matches(String pattern) {
        return "%".equals(pattern) ? "u.is_bot"
                : "u.is_bot AND (lower(u.full_name) LIKE :pattern ESCAPE '!' OR lower(u.email) LIKE :pattern ESCAPE '!')";
    }

    /** Up to {@code limit} bots after {@code after} (or from the start), in name order. */
    List<KeyListing> after(String pattern, Cursor after, int limit) {
        String sql = COLUMNS + matches(pattern)
                + (after == null ? "" : " AND (lower(u.full_name), u.id) > (:key, :id)")
                + " ORDER BY lower(u.full_name), u.id LIMIT :limit";
        return run(sql, pattern, after, limit);
    }

    /** Up to {@code limit} bots just before {@code before}, in name order. */
    List<KeyListing> before(String pattern, Cursor before, int limit) {
        String sql = COLUMNS + matches(pattern) + " AND (lower(u.full_name), u.id) < (:key, :id)"
                + " ORDER BY lower(u.full_name) DESC, u.id DESC LIMIT :limit";
        List<KeyListing> rows = new ArrayList<>(run(sql, pattern, before, limit));
        Collections.reverse(rows);
        return rows;
    }

    /** How many bots match, counted up to {@link CappedCount#CAP} and one more. */
    long cappedCount(String pattern) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT count(*) FROM (SELECT 1 FROM users u WHERE " + matches(pattern)
                    + " LIMIT :cap) t").bind("cap", CappedCount.limit());
            if (!"%".equals(pattern)) q.bind("pattern", pattern);
            return q.mapTo(Long.class).one();
        });
    }

    private List<KeyListing> run(String sql, String pattern, Cursor cursor, int limit) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bind("limit", limit);
            if (!"%".equals(pattern)) q.bind("pattern", pattern);
            if (cursor != null) q.bind("key", cursor.key()).bind("id", cursor.id());
            return q.map(ConstructorMapper.of(KeyListing.class)).list();
        });
    }
}
