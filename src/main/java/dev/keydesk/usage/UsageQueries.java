package dev.keydesk.usage;

import dev.keydesk.apikey.KeyUseCounter;
import dev.keydesk.apikey.KeyUseOutcome;
import dev.keydesk.user.User;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/**
 * Reads of the usage counts: one key's series for the API, and the organization's totals, the
 * keys refused most and the keys nobody uses for the Usage page. Days are UTC days; the 30-day
 * reads take the daily sums, which the counter writes with the hourly rows.
 */
public final class UsageQueries {
    /** How many days the charts and the per-day series cover, today included. */
    public static final int DAYS = 30;
    /** How many hours the per-hour series covers, this one included. */
    public static final int HOURS = 48;
    /** A key unused this long is offered for blocking. */
    public static final Duration UNUSED_FOR = Duration.ofDays(90);
    static final int LISTED = 20;
    static final int UNUSED_LISTED = 100;

    /** One series point: a day ({@code at} its first instant) or an hour, a service (0: the API) and an outcome. */
    public record Point(Instant at, long serviceId, KeyUseOutcome outcome, long count) {}

    public record KeySeries(List<Point> days, List<Point> hours, Map<Long, String> serviceNames) {}

    /** A day's requests by outcome, every outcome present. */
    public record Day(LocalDate day, Map<KeyUseOutcome, Long> byOutcome) {
        public long total() {
            return byOutcome.values().stream().mapToLong(Long::longValue).sum();
        }

        public long get(KeyUseOutcome outcome) {
            return byOutcome.getOrDefault(outcome, 0L);
        }
    }

    /** A service's (0: the API; null name: deleted since) requests of the period by outcome. */
    public record ServiceTotals(long serviceId, String name, Map<KeyUseOutcome, Long> byOutcome) {
        public long total() {
            return byOutcome.values().stream().mapToLong(Long::longValue).sum();
        }

        public long get(KeyUseOutcome outcome) {
            return byOutcome.getOrDefault(outcome, 0L);
        }
    }

    /** A key refused in the period: whose it is (null names: deleted since), its kind, refusals and all requests. */
    public record RefusedKey(long keyId, Long userId, String fullName, String email, boolean bot, String kind,
                             long refused, long total) {}

    /** A bot's current key not used for {@link #UNUSED_FOR}; {@code lastUsedAt} null if never. */
    public record UnusedKey(long keyId, long botId, String fullName, String email, Instant createdAt, Instant lastUsedAt) {}

    private final Jdbi jdbi;

    public UsageQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The first day the charts cover. */
    static LocalDate firstDate(Instant now) {
        return LocalDate.ofInstant(firstDay(now), ZoneOffset.UTC);
    }

    /** The first instant of the first day the charts cover. */
    static Instant firstDay(Instant now) {
        return now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(DAYS - 1));
    }

    /**
     * Whether {@code caller} may see the usage of key {@code keyId}: an administrator (a person),
     * the account that holds it, or an owner of the bot that holds it. False for a key that does not exist.
     */
    public boolean mayRead(User caller, long keyId) {
        if (!caller.isActive()) return false;
        boolean admin = caller.isAdmin() && !caller.isBot();
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = :key
                                         AND (:admin OR k.user_id = :caller
                                              OR EXISTS (SELECT 1 FROM bot_owners o WHERE o.bot_id = k.user_id AND o.owner_id = :caller)))""")
                .bind("key", keyId).bind("admin", admin).bind("caller", caller.id())
                .mapTo(Boolean.class).one());
    }

    /** One key's requests per day for {@link #DAYS} days and per hour for {@link #HOURS} hours. */
    public KeySeries keySeries(long keyId, Instant now) {
        return jdbi.inTransaction(h -> {
            h.execute("SET TRANSACTION READ ONLY");
            List<Point> days = h.createQuery("""
                            SELECT day, service_id, outcome, count AS n FROM key_usage_daily
                            WHERE key_id = :key AND day >= :from ORDER BY 1, 2, 3""")
                    .bind("key", keyId).bind("from", firstDate(now))
                    .map((rs, ctx) -> new Point(rs.getObject("day", LocalDate.class).atStartOfDay(ZoneOffset.UTC).toInstant(),
                            rs.getLong("service_id"), KeyUseOutcome.fromDb(rs.getString("outcome")), rs.getLong("n")))
                    .list();
            List<Point> hours = h.createQuery("""
                            SELECT hour, service_id, outcome, count FROM key_usage_hourly
                            WHERE key_id = :key AND hour >= :from ORDER BY 1, 2, 3""")
                    .bind("key", keyId).bind("from", now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(HOURS - 1)))
                    .map((rs, ctx) -> new Point(rs.getTimestamp("hour").toInstant(), rs.getLong("service_id"),
                            KeyUseOutcome.fromDb(rs.getString("outcome")), rs.getLong("count")))
                    .list();
            Map<Long, String> names = new TreeMap<>();
            h.createQuery("SELECT id, name FROM guarded_services")
                    .map((rs, ctx) -> Map.entry(rs.getLong("id"), rs.getString("name")))
                    .forEach(e -> names.put(e.getKey(), e.getValue()));
            return new KeySeries(days, hours, names);
        });
    }

    /** The organization's requests per day by outcome, every one of the {@link #DAYS} days present. */
    public List<Day> organizationDays(Instant now) {
        Instant from = firstDay(now);
        Map<LocalDate, Map<KeyUseOutcome, Long>> byDay = new TreeMap<>();
        for (int i = 0; i < DAYS; i++) byDay.put(LocalDate.ofInstant(from, ZoneOffset.UTC).plusDays(i), zeros());
        jdbi.useHandle(h -> h.createQuery("""
                        SELECT day, outcome, sum(count) AS n FROM usage_daily WHERE day >= :from GROUP BY 1, 2""")
                .bind("from", firstDate(now))
                .map((rs, ctx) -> Map.entry(rs.getObject("day", LocalDate.class),
                        Map.entry(KeyUseOutcome.fromDb(rs.getString("outcome")), rs.getLong("n"))))
                .forEach(e -> {
                    Map<KeyUseOutcome, Long> day = byDay.get(e.getKey());
                    if (day != null) day.put(e.getValue().getKey(), e.getValue().getValue());
                }));
        return byDay.entrySet().stream().map(e -> new Day(e.getKey(), e.getValue())).toList();
    }

    /** Each service's (and the API's) requests of the {@link #DAYS} days by outcome, the busiest first. */
    public List<ServiceTotals> byService(Instant now) {
        Map<Long, ServiceTotals> rows = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("""
                        SELECT u.service_id, s.name, u.outcome, sum(u.count) AS n
                        FROM usage_daily u LEFT JOIN guarded_services s ON s.id = u.service_id
                        WHERE u.day >= :from GROUP BY 1, 2, 3""")
                .bind("from", firstDate(now))
                .map((rs, ctx) -> new Object[] {rs.getLong("service_id"), rs.getString("name"),
                        KeyUseOutcome.fromDb(rs.getString("outcome")), rs.getLong("n")})
                .forEach(r -> rows.computeIfAbsent((Long) r[0], id -> new ServiceTotals(id, (String) r[1], zeros()))
                        .byOutcome().put((KeyUseOutcome) r[2], (Long) r[3])));
        return rows.values().stream().sorted((a, b) -> Long.compare(b.total(), a.total())).toList();
    }

    /** The keys refused most in the {@link #DAYS} days (unknown keys apart), most refusals first. */
    public List<RefusedKey> mostRefused(Instant now) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT t.key_id, k.user_id, u.full_name, u.email, coalesce(u.is_bot, false) AS is_bot, k.kind,
                               t.refused, t.total
                        FROM (SELECT key_id, sum(count) AS refused FROM key_usage_daily
                              WHERE day >= :from AND outcome <> 'allowed' AND key_id <> :noKey
                              GROUP BY key_id ORDER BY refused DESC, key_id LIMIT :limit) r
                        CROSS JOIN LATERAL (SELECT r.key_id, r.refused, sum(count) AS total FROM key_usage_daily
                                            WHERE key_id = r.key_id AND day >= :from) t
                        LEFT JOIN api_keys k ON k.id = t.key_id LEFT JOIN users u ON u.id = k.user_id
                        ORDER BY t.refused DESC, t.key_id""")
                .bind("from", firstDate(now)).bind("noKey", KeyUseCounter.NO_KEY).bind("limit", LISTED)
                .map((rs, ctx) -> new RefusedKey(rs.getLong("key_id"), (Long) rs.getObject("user_id"), rs.getString("full_name"),
                        rs.getString("email"), rs.getBoolean("is_bot"), rs.getString("kind"), rs.getLong("refused"),
                        rs.getLong("total")))
                .list());
    }

    /**
     * Active bots' current keys neither used nor created in the last {@link #UNUSED_FOR}, the longest
     * unused first. Read from each key's last use, which is kept longer than the hourly counts.
     */
    public List<UnusedKey> unusedBotKeys(Instant now) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT k.id, u.id AS bot_id, u.full_name, u.email, k.created_at, k.last_used_at
                        FROM api_keys k JOIN users u ON u.id = k.user_id
                        WHERE k.revoked_at IS NULL AND k.kind = 'main' AND u.is_bot AND u.is_active
                          AND coalesce(k.last_used_at, k.created_at) < :cutoff AND k.created_at < :cutoff
                        ORDER BY coalesce(k.last_used_at, k.created_at), k.id LIMIT :limit""")
                .bind("cutoff", now.minus(UNUSED_FOR)).bind("limit", UNUSED_LISTED)
                .map((rs, ctx) -> new UnusedKey(rs.getLong("id"), rs.getLong("bot_id"), rs.getString("full_name"),
                        rs.getString("email"), rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("last_used_at") == null ? null : rs.getTimestamp("last_used_at").toInstant()))
                .list());
    }

    /** Whose keys a {@link #reports} call reads: an account's own keys (a bot's, say), or each of its devices' keys. */
    public enum KeyGroup { ACCOUNT, DEVICES }

    /** An hour of the period and its requests. */
    public record HourCount(Instant hour, long count) {}

    /**
     * The per-key reads look each key's rows up by its primary key: {@code OFFSET 0} keeps the
     * lateral subquery a lookup per key, where a plain join may lead the planner to read every
     * key's rows of the period along the hour or day index (a million rows at 10,000 used keys).
     */
    private static final String PER_KEY = "OFFSET 0";

    /** How many of the period's busiest hours a report lists. */
    static final int BUSIEST = 3;

    /**
     * The {@link #DAYS} days' use of {@code userId}'s keys in ONE statement: per day and outcome,
     * per service and outcome, and per hour (for the busiest ones), grouped by the account
     * ({@link KeyGroup#ACCOUNT}: its keys without a device, a key and the old ones it replaced) or by
     * device. Every group asked for that has no use is absent.
     */
    public Map<Long, UsageReport> reports(long userId, KeyGroup group, Instant now) {
        Instant from = firstDay(now);
        String keys = group == KeyGroup.ACCOUNT
                ? "SELECT id, user_id AS grp FROM api_keys WHERE user_id = :user AND device_id IS NULL"
                : "SELECT id, device_id AS grp FROM api_keys WHERE user_id = :user AND device_id IS NOT NULL";
        Map<Long, Map<LocalDate, Map<KeyUseOutcome, Long>>> days = new TreeMap<>();
        Map<Long, Map<Long, ServiceTotals>> services = new TreeMap<>();
        Map<Long, List<HourCount>> hours = new TreeMap<>();
        // GROUPING(hour, service, outcome) tells the three sets apart: 6 per day, 4 per service, 3 per hour.
        jdbi.useHandle(h -> h.createQuery("""
                        WITH k AS (%s)
                        SELECT k.grp, GROUPING(u.hour, u.service_id, u.outcome) AS g,
                               date_trunc('day', u.hour, 'UTC') AS day, u.hour, u.service_id, s.name, u.outcome, sum(u.count) AS n
                        FROM k CROSS JOIN LATERAL (SELECT * FROM key_usage_hourly
                                                   WHERE key_id = k.id AND hour >= :from %s) u
                        LEFT JOIN guarded_services s ON s.id = u.service_id
                        GROUP BY GROUPING SETS ((k.grp, date_trunc('day', u.hour, 'UTC'), u.outcome),
                                                (k.grp, u.service_id, s.name, u.outcome), (k.grp, u.hour))""".formatted(keys, PER_KEY))
                .bind("user", userId).bind("from", from)
                .map((rs, ctx) -> {
                    long grp = rs.getLong("grp");
                    long n = rs.getLong("n");
                    switch (rs.getInt("g")) {
                        case 6 -> {
                            // A count stamped after today (a clock ahead) has no bar; it still counts in the other sets.
                            Map<KeyUseOutcome, Long> day = days.computeIfAbsent(grp, x -> emptyDays(from))
                                    .get(LocalDate.ofInstant(rs.getTimestamp("day").toInstant(), ZoneOffset.UTC));
                            if (day != null) day.put(KeyUseOutcome.fromDb(rs.getString("outcome")), n);
                        }
                        case 4 -> services.computeIfAbsent(grp, x -> new TreeMap<>())
                                .computeIfAbsent(rs.getLong("service_id"), id -> new ServiceTotals(id, names(rs, id), zeros()))
                                .byOutcome().put(KeyUseOutcome.fromDb(rs.getString("outcome")), n);
                        case 3 -> hours.computeIfAbsent(grp, x -> new ArrayList<>())
                                .add(new HourCount(rs.getTimestamp("hour").toInstant(), n));
                        default -> throw new IllegalStateException("unexpected grouping " + rs.getInt("g"));
                    }
                    return grp;
                })
                .list());
        Map<Long, UsageReport> out = new TreeMap<>();
        for (var e : days.entrySet()) {
            long grp = e.getKey();
            List<Day> dayList = e.getValue().entrySet().stream().map(d -> new Day(d.getKey(), d.getValue())).toList();
            List<ServiceTotals> byService = services.getOrDefault(grp, Map.of()).values().stream()
                    .sorted((a, b) -> Long.compare(b.total(), a.total())).toList();
            List<HourCount> busiest = hours.getOrDefault(grp, List.of()).stream()
                    .sorted(Comparator.comparingLong(HourCount::count).reversed().thenComparing(HourCount::hour))
                    .limit(BUSIEST).toList();
            out.put(grp, UsageReport.of(dayList, byService, busiest));
        }
        return out;
    }

    /**
     * Each of these accounts' requests per day over the {@link #DAYS} days, all their keys together,
     * as a sparkline: one statement for a whole list page. An account without use gets {@link UsageSparkline#NONE}.
     */
    public Map<Long, UsageSparkline> sparklines(java.util.Collection<Long> userIds, Instant now) {
        if (userIds.isEmpty()) return Map.of();
        Instant from = firstDay(now);
        Map<Long, Map<LocalDate, UsageSparkline.DayCount>> byUser = new java.util.HashMap<>();
        jdbi.useHandle(h -> h.createQuery("""
                        SELECT k.user_id, u.day, sum(u.count) AS n,
                               coalesce(sum(u.count) FILTER (WHERE u.outcome <> 'allowed'), 0) AS refused
                        FROM api_keys k CROSS JOIN LATERAL (SELECT day, outcome, count FROM key_usage_daily
                                                            WHERE key_id = k.id AND day >= :from %s) u
                        WHERE k.user_id = ANY(:users) GROUP BY 1, 2""".formatted(PER_KEY))
                .bind("users", userIds.stream().mapToLong(Long::longValue).toArray()).bind("from", firstDate(now))
                .map((rs, ctx) -> {
                    byUser.computeIfAbsent(rs.getLong("user_id"), x -> new java.util.HashMap<>())
                            .put(rs.getObject("day", LocalDate.class),
                                    new UsageSparkline.DayCount(rs.getLong("n"), rs.getLong("refused")));
                    return 0;
                })
                .list());
        LocalDate first = LocalDate.ofInstant(from, ZoneOffset.UTC);
        Map<Long, UsageSparkline> out = new java.util.HashMap<>();
        for (long id : userIds) out.put(id, byUser.containsKey(id) ? UsageSparkline.of(first, byUser.get(id)) : UsageSparkline.NONE);
        return out;
    }

    private static String names(java.sql.ResultSet rs, long serviceId) {
        try {
            return rs.getString("name");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every one of the {@link #DAYS} days from {@code from}, each with every outcome at zero. */
    private static Map<LocalDate, Map<KeyUseOutcome, Long>> emptyDays(Instant from) {
        Map<LocalDate, Map<KeyUseOutcome, Long>> byDay = new TreeMap<>();
        for (int i = 0; i < DAYS; i++) byDay.put(LocalDate.ofInstant(from, ZoneOffset.UTC).plusDays(i), zeros());
        return byDay;
    }

    /** A service as the pages name it: Keydesk's own API, a guarded service, or one deleted since. */
    public static String serviceName(long serviceId, String name) {
        if (serviceId == KeyUseCounter.OWN_API) return "Keydesk API";
        return name == null ? "Deleted service #" + serviceId : name;
    }

    private static Map<KeyUseOutcome, Long> zeros() {
        Map<KeyUseOutcome, Long> m = new EnumMap<>(KeyUseOutcome.class);
        for (KeyUseOutcome o : KeyUseOutcome.values()) m.put(o, 0L);
        return m;
    }
}
