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
    private static final String FROM = """
            FROM users u LEFT JOIN api_keys k ON k.user_id = u.id AND k.kind = 'main' AND k.revoked_at IS NULL
            WHERE
            """;
    private static final String COLUMNS = """
            SELECT u.id, u.email, u.full_name, u.bot_type, u.is_active, u.avatar_version,
                   k.created_at AS key_created_at, k.last_used_at, k.expires_at AS key_expires_at,
                   (SELECT string_agg(a.ip, ', ' ORDER BY a.last_used_at DESC, a.ip) FROM api_key_addresses a
                    WHERE a.key_id = k.id) AS recent_addresses,
                   lower(u.full_name) AS sort_name
            """ + FROM;

    /** The Keys page's expiry filter: every key, those expiring within 7 days, those expired. */
    enum ExpiryFilter {
        ALL(""), SOON(" AND k.expires_at > :now AND k.expires_at <= CAST(:now AS timestamptz) + interval '7 days'"), EXPIRED(" AND k.expires_at <= :now");

        private final String condition;

        ExpiryFilter(String condition) {
            this.condition = condition;
        }

        static ExpiryFilter of(String raw) {
            if ("soon".equals(raw)) return SOON;
            if ("expired".equals(raw)) return EXPIRED;
            return ALL;
        }

        String param() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Jdbi jdbi;
    private final ExpiryFilter expiry;
    private final java.time.Instant now;

    KeyListingQueries(Jdbi jdbi, ExpiryFilter expiry, java.time.Instant now) {
        this.jdbi = jdbi;
        this.expiry = expiry;
        this.now = now;
    }

    private String matches(String pattern) {
        return ("%".equals(pattern) ? "u.is_bot"
                : "u.is_bot AND (lower(u.full_name) LIKE :pattern ESCAPE '!' OR lower(u.email) LIKE :pattern ESCAPE '!')")
                + expiry.condition;
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
            Query q = h.createQuery("SELECT count(*) FROM (SELECT 1 " + (expiry == ExpiryFilter.ALL ? "FROM users u WHERE " : FROM)
                    + matches(pattern) + " LIMIT :cap) t").bind("cap", CappedCount.limit());
            if (!"%".equals(pattern)) q.bind("pattern", pattern);
            if (expiry != ExpiryFilter.ALL) q.bind("now", now);
            return q.mapTo(Long.class).one();
        });
    }

    private List<KeyListing> run(String sql, String pattern, Cursor cursor, int limit) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bind("limit", limit);
            if (!"%".equals(pattern)) q.bind("pattern", pattern);
            if (cursor != null) q.bind("key", cursor.key()).bind("id", cursor.id());
            if (expiry != ExpiryFilter.ALL) q.bind("now", now);
            return q.map(ConstructorMapper.of(KeyListing.class)).list();
        });
    }
}
