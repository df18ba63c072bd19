package dev.keydesk.people;

import dev.keydesk.db.PlannedPerValue;
import dev.keydesk.user.AccountSearch;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.KeysetPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * The Users page's list: people (never bots) in name order, searched by name or e-mail and
 * filtered by role and state, a page at a time. Pages continue from a {@link Cursor} over the
 * index on {@code (lower(full_name), id) WHERE NOT is_bot}; a search compares each person's search
 * text ({@link AccountSearch}), which the people's trigram index holds. Only the filters in use are
 * in the statement.
 */
final class PeopleQueries {
    /** What the list shows: {@code pattern} "%" is no search, {@code role} null any role, {@code active} null either state. */
    record Filter(String pattern, Integer role, Boolean active) {
        String where() {
            List<String> parts = new ArrayList<>(List.of("NOT u.is_bot"));
            if (!"%".equals(pattern)) {
                parts.add(AccountSearch.matches("u", "pattern"));
            }
            if (role != null) parts.add("u.role = :role");
            if (active != null) parts.add("u.is_active = :active");
            return String.join(" AND ", parts);
        }

        void bind(Query q) {
            if (!"%".equals(pattern)) q.bind("pattern", pattern);
            if (role != null) q.bind("role", role);
            if (active != null) q.bind("active", active);
        }
    }

    /** One person as listed, with {@code sortName}, the page's sort key as the database computes it. */
    public record Listed(long id, String email, String fullName, int role, boolean isActive, java.time.Instant lastLoginAt,
                  String sortName) {
        Cursor cursor() {
            return new Cursor(sortName, id);
        }
    }

    private static final String COLUMNS = """
            SELECT u.id, u.email, u.full_name, u.role, u.is_active, u.last_login_at, lower(u.full_name) AS sort_name
            FROM users u WHERE
            """;

    private final Jdbi jdbi;

    PeopleQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    KeysetPage.Source<Listed> source(Filter filter) {
        return KeysetPage.inNameOrder(COLUMNS + filter.where(), (sql, cursor, limit) -> run(sql, filter, cursor, limit));
    }

    /** How many people match, counted up to {@link CappedCount#CAP} and one more. */
    long cappedCount(Filter filter) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT count(*) FROM (SELECT 1 FROM users u WHERE " + filter.where() + " LIMIT :cap) t")
                    .addCustomizer(PlannedPerValue.CUSTOMIZER).bind("cap", CappedCount.limit());
            filter.bind(q);
            return q.mapTo(Long.class).one();
        });
    }

    /** A person's name, for a notice about them; empty for a bot or an id that names nobody. */
    Optional<String> nameOf(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT full_name FROM users WHERE id = :id AND NOT is_bot")
                .bind("id", id).mapTo(String.class).findOne());
    }

    private List<Listed> run(String sql, Filter filter, Cursor cursor, int limit) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).addCustomizer(PlannedPerValue.CUSTOMIZER).bind("limit", limit);
            filter.bind(q);
            if (cursor != null) q.bind("key", cursor.key()).bind("id", cursor.id());
            return q.map(ConstructorMapper.of(Listed.class)).list();
        });
    }
}
