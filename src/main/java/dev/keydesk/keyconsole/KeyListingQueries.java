package dev.keydesk.keyconsole;

import dev.keydesk.db.PlannedPerValue;
import dev.keydesk.user.AccountSearch;
import dev.keydesk.db.LikePattern;
import dev.keydesk.keyconsole.KeyListQuery.Sort;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.KeysetPage;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * Searching and filtering every bot of the organization, a page at a time in the chosen order.
 * Pages continue from a {@link Cursor} (keyset paging on the sort key and the bot's id): by name
 * over the index on {@code (lower(full_name), id) WHERE is_bot}, by date over the indexes on the
 * current keys' dates and account ids. A search compares each bot's search text
 * ({@link AccountSearch}), which the bots' trigram index holds. Without a search the statement has
 * no LIKE at all, so the planner walks an ordered index.
 * A key that was never used sorts as used at the epoch: last, among the oldest. The expiry filter
 * compares the current key's expiry with the page's clock ({@code now}).
 */
final class KeyListingQueries {
    private static final String COLUMNS = """
            SELECT u.id, u.email, u.full_name, u.bot_type, u.is_active, u.avatar_version,
                   k.created_at AS key_created_at, k.last_used_at, k.expires_at AS key_expires_at,
                   (SELECT string_agg(a.ip, ', ' ORDER BY a.last_used_at DESC, a.ip) FROM api_key_addresses a
                    WHERE a.key_id = k.id) AS recent_addresses,
                   lower(u.full_name) AS sort_name
            """;
    /** By name: every bot, with its current main key if it has one. */
    private static final String FROM_BOTS =
            " FROM users u LEFT JOIN api_keys k ON k.user_id = u.id AND k.kind = 'main' AND k.revoked_at IS NULL WHERE ";
    /**
     * By date: the current main keys, walked in the order of their index, and their bots. Every bot has
     * one current main key from its creation on (a new key replaces the old one in one transaction;
     * the old one, in its grace period, is a 'retiring' key and is not listed).
     */
    private static final String FROM_KEYS =
            " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.revoked_at IS NULL AND k.kind = 'main' AND ";

    /** Found once: {@code ConstructorMapper.of} looks the record's constructor up again on every call. */
    private static final RowMapper<KeyListing> ROWS = ConstructorMapper.of(KeyListing.class);

    /** The Keys page's expiry filter: every key, those expiring within 7 days, those expired. */
    enum ExpiryFilter {
        ALL(""),
        SOON(" AND k.expires_at > :now AND k.expires_at <= CAST(:now AS timestamptz) + interval '7 days'"),
        EXPIRED(" AND k.expires_at <= :now");

        private final String condition;

        ExpiryFilter(String condition) {
            this.condition = condition;
        }

        /** Unknown values mean every key, like the page's other filters. */
        static ExpiryFilter of(String raw) {
            if ("soon".equals(raw)) return SOON;
            if ("expired".equals(raw)) return EXPIRED;
            return ALL;
        }

        /** The value of the page's {@code expiry} parameter: empty for every key, so addresses stay short. */
        String param() {
            return this == ALL ? "" : name().toLowerCase(Locale.ROOT);
        }
    }

    /** The failing filter looks at this many hours, the current one included. */
    static final int FAILING_HOURS = 24;

    private final Jdbi jdbi;
    private final ExpiryFilter expiry;
    private final Instant now;
    /** {@link #failingAccounts()}, once read. */
    private long[] failing;

    KeyListingQueries(Jdbi jdbi, ExpiryFilter expiry, Instant now) {
        this.jdbi = jdbi;
        this.expiry = expiry;
        this.now = now;
    }

    /** The cursor a row stands for in {@code sort}. */
    static Cursor cursorOf(KeyListing row, Sort sort) {
        return switch (sort) {
            case NAME -> new Cursor(row.sortName(), row.id());
            case CREATED -> new Cursor(orEpoch(row.keyCreatedAt()).toString(), row.id());
            case LAST_USED -> new Cursor(orEpoch(row.lastUsedAt()).toString(), row.id());
        };
    }

    private static Instant orEpoch(Instant when) {
        return when == null ? Instant.EPOCH : when;
    }

    /** The sort key, as written in the index that serves it (migrations V12 and V40). */
    private static String sortKey(Sort sort) {
        return switch (sort) {
            case NAME -> "lower(u.full_name)";
            case CREATED -> "k.created_at";
            case LAST_USED -> "coalesce(k.last_used_at, 'epoch'::timestamptz)";
        };
    }

    /** Rows with the same sort key go by the bot's id (for dates, as the keys' index holds it). */
    private static String tieBreak(Sort sort) {
        return sort == Sort.NAME ? "u.id" : "k.user_id";
    }

    private static String from(Sort sort) {
        return COLUMNS + (sort == Sort.NAME ? FROM_BOTS : FROM_KEYS);
    }

    /** A cursor's key as the statement compares it; empty when it cannot be one of {@code sort}'s keys. */
    private static Optional<String> cursorKey(Sort sort, Cursor cursor) {
        if (sort == Sort.NAME) return Optional.of(":key");
        try {
            Instant.parse(cursor.key());
            return Optional.of("CAST(:key AS timestamptz)");
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The conditions of {@code query}, for a statement that walks in {@code walk}'s order. */
    private String where(KeyListQuery query, Sort walk) {
        StringBuilder sql = new StringBuilder("u.is_bot");
        if (!query.search().isEmpty()) {
            sql.append(" AND ").append(AccountSearch.matches("u", "pattern"));
        }
        if ("active".equals(query.state())) sql.append(" AND u.is_active");
        if ("blocked".equals(query.state())) sql.append(" AND NOT u.is_active");
        if ("unrestricted".equals(query.state())) {
            sql.append(" AND NOT EXISTS (SELECT 1 FROM key_restrictions r WHERE r.user_id = u.id AND r.device_id IS NULL)");
        }
        if (query.type() != null) sql.append(" AND u.bot_type = :type");
        if (!query.owner().isEmpty()) {
            sql.append(" AND EXISTS (SELECT 1 FROM bot_owners o JOIN users ou ON ou.id = o.owner_id WHERE o.bot_id = u.id"
                    + " AND " + AccountSearch.matches("ou", "owner") + ")");
        }
        switch (query.use()) {
            // As the Usage page counts a key unused: neither used nor created since; the same date as the Last used column.
            case "unused30", "unused90" -> {
                sql.append(" AND k.created_at < :unusedSince AND (k.last_used_at IS NULL OR k.last_used_at < :unusedSince)");
                // Implied by the above, and written as the Last used order's key so that its index starts at the bound.
                if (walk == Sort.LAST_USED) sql.append(" AND ").append(sortKey(Sort.LAST_USED)).append(" < :unusedSince");
                // Implied as well (migration V78): walking by name, the bot's own row rules the busy ones
                // out, where looking up each one's key would cost a descent of the keys' index per bot.
                // Only there: in the date orders it would change the planner's estimates, not the walk.
                if (walk == Sort.NAME) sql.append(" AND u.main_key_active_on <= :unusedSinceDay");
            }
            case "failing" -> sql.append(" AND u.id = ANY(:failing)");
            default -> { }
        }
        sql.append(expiry.condition);
        return sql.toString();
    }

    /** Binds the values {@link #where} names for the same {@code walk}. */
    private void bindFilters(Query q, KeyListQuery query, Sort walk) {
        if (!query.search().isEmpty()) q.bind("pattern", LikePattern.contains(query.search()));
        if (expiry != ExpiryFilter.ALL) q.bind("now", now);
        if (query.type() != null) q.bind("type", query.type().code());
        if (!query.owner().isEmpty()) q.bind("owner", LikePattern.contains(query.owner()));
        if (query.use().startsWith("unused")) {
            Instant since = now.minus(Duration.ofDays(query.use().equals("unused30") ? 30 : 90));
            q.bind("unusedSince", since);
            if (walk == Sort.NAME) q.bind("unusedSinceDay", LocalDate.ofInstant(since, ZoneOffset.UTC));
        }
        if (query.use().equals("failing")) q.bind("failing", failingAccounts());
    }

    /**
     * The accounts whose keys (every key of the account, old keys in their grace period too: an
     * account still presenting one is failing as well) were refused more than a tenth of the time
     * in the last {@link #FAILING_HOURS} hours. Read once per page, for its count and its rows
     * alike. Only an account with a refused key can be failing: those keys are found first, from
     * the refusals' own index. Today's requests all fall inside the window, so if each refused key
     * of an account was refused no more than a tenth of its own requests today, the account cannot
     * be failing: a refused key's sum of today (one covering-index read) rules it out before its
     * account is even looked up, and the few accounts left are judged on all their keys' hours.
     * ({@code OFFSET 0} keeps each refused key's account a lookup by id: joined plainly, the
     * planner would rather merge all keys in id order.)
     */
    private long[] failingAccounts() {
        if (failing == null) {
            Instant since = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(FAILING_HOURS - 1));
            failing = jdbi.withHandle(h -> h.createQuery("""
                            WITH refused AS (
                                SELECT r.key_id, sum(r.count) AS n FROM key_usage_hourly r
                                WHERE r.hour >= :since AND r.outcome <> 'allowed' GROUP BY r.key_id),
                            suspects AS (
                                SELECT DISTINCT k.user_id FROM refused x
                                CROSS JOIN LATERAL (SELECT rk.user_id FROM api_keys rk WHERE rk.id = x.key_id OFFSET 0) k
                                WHERE 10 * x.n > (SELECT coalesce(sum(d.count), 0) FROM key_usage_daily d
                                                  WHERE d.key_id = x.key_id AND d.day = :today))
                            SELECT s.user_id FROM suspects s
                            WHERE (SELECT 10 * sum(f.count) FILTER (WHERE f.outcome <> 'allowed') > sum(f.count)
                                   FROM key_usage_hourly f
                                   WHERE f.hour >= :since AND f.key_id IN (SELECT fk.id FROM api_keys fk WHERE fk.user_id = s.user_id))""")
                    .bind("since", since).bind("today", LocalDate.ofInstant(now, ZoneOffset.UTC))
                    .mapTo(Long.class).stream().mapToLong(Long::longValue).toArray());
        }
        return failing;
    }

    /** The bots {@code query} lists, in its order, for {@link KeysetPage}. */
    KeysetPage.Source<KeyListing> source(KeyListQuery query) {
        return new KeysetPage.Source<>() {
            @Override
            public List<KeyListing> after(Cursor after, int limit) {
                return KeyListingQueries.this.after(query, after, limit);
            }

            @Override
            public List<KeyListing> before(Cursor before, int limit) {
                return KeyListingQueries.this.before(query, before, limit);
            }
        };
    }

    /** Up to {@code limit} bots after {@code after} (or from the start), in the query's order. */
    List<KeyListing> after(KeyListQuery query, Cursor after, int limit) {
        Sort sort = query.sort();
        String key = sortKey(sort);
        String forward = sort.newestFirst() ? "<" : ">";
        String order = sort.newestFirst() ? " DESC" : "";
        Optional<String> cursorKey = after == null ? Optional.empty() : cursorKey(sort, after);
        if (after != null && cursorKey.isEmpty()) after = null;
        String id = tieBreak(sort);
        String sql = from(sort) + where(query, sort)
                + (after == null ? "" : " AND (" + key + ", " + id + ") " + forward + " (" + cursorKey.get() + ", :id)")
                + " ORDER BY " + key + order + ", " + id + order + " LIMIT :limit";
        return run(sql, query, after, limit);
    }

    /** Up to {@code limit} bots just before {@code before}, in the query's order. */
    List<KeyListing> before(KeyListQuery query, Cursor before, int limit) {
        Sort sort = query.sort();
        Optional<String> cursorKey = cursorKey(sort, before);
        if (cursorKey.isEmpty()) return List.of();
        String key = sortKey(sort);
        String backward = sort.newestFirst() ? ">" : "<";
        String order = sort.newestFirst() ? "" : " DESC";
        String id = tieBreak(sort);
        String sql = from(sort) + where(query, sort) + " AND (" + key + ", " + id + ") " + backward + " (" + cursorKey.get() + ", :id)"
                + " ORDER BY " + key + order + ", " + id + order + " LIMIT :limit";
        List<KeyListing> rows = new ArrayList<>(run(sql, query, before, limit));
        Collections.reverse(rows);
        return rows;
    }

    /** How many bots match, counted up to {@link CappedCount#CAP} and one more. */
    long cappedCount(KeyListQuery query) {
        return jdbi.withHandle(h -> {
            // Only the expiry and unused filters need the keys; without them the count reads the bots alone.
            // Idle keys are counted in the Last used order, from its index's bound down: the order makes the
            // planner walk that index rather than merge every key with every bot (17 ms against under 4 at 100,000 bots).
            boolean unused = query.use().startsWith("unused");
            String from = unused ? FROM_KEYS : expiry != ExpiryFilter.ALL ? FROM_BOTS : " FROM users u WHERE ";
            Sort walk = unused ? Sort.LAST_USED : Sort.NAME;
            String order = unused ? " ORDER BY " + sortKey(Sort.LAST_USED) + " DESC, k.user_id DESC" : "";
            Query q = h.createQuery("SELECT count(*) FROM (SELECT 1" + from + where(query, walk)
                    + order + " LIMIT :cap) t").addCustomizer(PlannedPerValue.CUSTOMIZER).bind("cap", CappedCount.limit());
            bindFilters(q, query, walk);
            return q.mapTo(Long.class).one();
        });
    }

    private List<KeyListing> run(String sql, KeyListQuery query, Cursor cursor, int limit) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).addCustomizer(PlannedPerValue.CUSTOMIZER).bind("limit", limit);
            bindFilters(q, query, query.sort());
            if (cursor != null) q.bind("key", cursor.key()).bind("id", cursor.id());
            return q.map(ROWS).list();
        });
    }
}
