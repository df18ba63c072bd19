package dev.keydesk.bot;

import dev.keydesk.db.PlannedPerValue;
import dev.keydesk.user.AccountSearch;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.KeysetPage;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * Your bots: one person's active or inactive bots, searched by name or e-mail, a page at a time in
 * name order, with when each key was last used. The statement starts from the index of
 * {@code bot_owners} by owner, so it reads that person's bots only, however many accounts the
 * organization has; pages continue from a {@link Cursor} over {@code (lower(full_name), id)}.
 */
final class OwnedBotQueries {
    /** {@code pattern} "%" is no search. */
    record Filter(long ownerId, boolean active, String pattern) {
        String where() {
            return "u.is_active = :active" + ("%".equals(pattern) ? ""
                    : " AND " + AccountSearch.matches("u", "pattern"));
        }

        boolean searched() {
            return !"%".equals(pattern);
        }

        void bind(Query q) {
            q.bind("ownerId", ownerId).bind("active", active);
            if (!"%".equals(pattern)) q.bind("pattern", pattern);
        }
    }

    /** A bot as listed, with its key's last use and {@code sortName}, the sort key as the database computes it. */
    public record Listed(long id, String email, String fullName, int botType, boolean isActive, Instant dateJoined,
                  int avatarVersion, Instant lastUsedAt, String sortName) {
        Bot bot() {
            return new Bot(id, email, fullName, botType, isActive, dateJoined, avatarVersion);
        }

        Cursor cursor() {
            return new Cursor(sortName, id);
        }
    }

    /**
     * The owner's bots, each looked up by its id. {@code OFFSET 0} keeps each subquery a
     * per-row index lookup: joined plainly, the planner reads all the organization's accounts (or
     * keys) into a hash table as soon as someone owns a few hundred bots.
     */
    private static final String BOTS = """
             FROM bot_owners o
            JOIN LATERAL (SELECT * FROM users WHERE id = o.bot_id AND is_bot OFFSET 0) u ON true
            """;
    private static final String OWNED = " WHERE o.owner_id = :ownerId AND ";
    private static final String FROM = BOTS + OWNED;
    /**
     * The key's last use is a subquery in the select list, not a join: PostgreSQL then evaluates it
     * after the sort and limit, for the page's rows alone rather than for every bot the person owns.
     */
    private static final String COLUMNS = "SELECT " + BotDao.BOT_COLUMNS + ", (SELECT last_used_at FROM api_keys"
            + " WHERE user_id = u.id AND kind = 'main' AND revoked_at IS NULL) AS last_used_at, lower(u.full_name) AS sort_name"
            + BOTS + OWNED;

    private final Jdbi jdbi;

    OwnedBotQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    KeysetPage.Source<Listed> source(Filter filter) {
        return KeysetPage.inNameOrder(COLUMNS + filter.where(), (sql, cursor, limit) -> run(sql, filter, cursor, limit));
    }

    /** How many active and inactive bots the person owns: the tabs' counts. */
    long[] counts(long ownerId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FILTER (WHERE u.is_active) AS active, "
                        + "count(*) FILTER (WHERE NOT u.is_active) AS inactive" + FROM + "true")
                .bind("ownerId", ownerId)
                .map((rs, ctx) -> new long[] {rs.getLong("active"), rs.getLong("inactive")}).one());
    }

    /**
     * How many bots match, counted up to {@link CappedCount#CAP} and one more; without a search that
     * is the tab's own count, already read with {@link #counts}.
     */
    long cappedCount(Filter filter, long[] counts) {
        if (!filter.searched()) return Math.min(counts[filter.active() ? 0 : 1], CappedCount.limit());
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT count(*) FROM (SELECT 1" + FROM + filter.where() + " LIMIT :cap) t")
                    .addCustomizer(PlannedPerValue.CUSTOMIZER).bind("cap", CappedCount.limit());
            filter.bind(q);
            return q.mapTo(Long.class).one();
        });
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
