package dev.keydesk.digest;

import dev.keydesk.apikey.KeyUseCounter;
import dev.keydesk.db.DatabaseAvailability;
import dev.keydesk.mail.Emails;
import dev.keydesk.mail.Emails.DigestLine;
import dev.keydesk.mail.Emails.DigestSection;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.usage.UsageQueries;
import dev.keydesk.user.Role;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The weekly key digest: once per ISO week, from Monday 08:00 UTC on, each owner who has not
 * turned it off gets one e-mail listing the bots' keys nobody used for 90 days, the keys whose
 * refusals spiked, and the keys that expire within 14 days; with none of these, nobody gets one.
 *
 * <p>Every process checks now and then. The week is claimed by inserting its row into
 * {@code key_digest_weeks} (the week is the primary key) in the transaction that queues the
 * e-mails: a second process inserting the same week waits for the first one's transaction and
 * then finds the row, so the week's e-mails are queued once, or (if the first one rolled back)
 * by the second. A process that was down on Monday catches up later in the same week; a week
 * that passed with every process down is skipped, since its news is stale.
 */
public final class KeyDigest implements AutoCloseable {
    public static final DayOfWeek DAY = DayOfWeek.MONDAY;
    public static final LocalTime TIME = LocalTime.of(8, 0);
    /** How many keys each list names; the count says how many there are in all. */
    static final int LISTED = 20;
    static final Duration EXPIRING_WITHIN = Duration.ofDays(14);
    /** Refusals spike: at least this many requests (or refusals) in the last 24 hours, so one stray refusal is not news. */
    static final long SPIKE_MIN = 20;
    /** …and refused more than this share of them… */
    static final double SPIKE_SHARE = 0.10;
    /** …or more than this many times the previous 7 days' daily average of refusals. */
    static final long SPIKE_FACTOR = 3;
    private static final Logger log = LoggerFactory.getLogger(KeyDigest.class);

    private final Jdbi jdbi;
    private final Clock clock;
    private final Outbox outbox;
    private final String site;
    private final Duration every;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keydesk-key-digest");
        t.setDaemon(true);
        return t;
    });

    /** {@code every}: how often to check whether this week's digest is due; null, never in the background. */
    public KeyDigest(Jdbi jdbi, Clock clock, Outbox outbox, String site, Duration every) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.outbox = outbox;
        this.site = site;
        this.every = every;
    }

    public void start() {
        if (every == null) return;
        worker.scheduleWithFixedDelay(this::runQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runQuietly() {
        try {
            runDue();
        } catch (RuntimeException e) {
            if (!DatabaseAvailability.isUnavailable(e)) log.warn("Could not queue the weekly key digest", e);
        }
    }

    /** The ISO week {@code at} falls in, as {@code 2026-W50}. */
    static String week(Instant at) {
        ZonedDateTime utc = at.atZone(ZoneOffset.UTC);
        return "%d-W%02d".formatted(utc.get(IsoFields.WEEK_BASED_YEAR), utc.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
    }

    /** When the digest of the week {@code at} falls in is due. */
    static Instant dueAt(Instant at) {
        return at.atZone(ZoneOffset.UTC).toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                .with(TemporalAdjusters.nextOrSame(DAY)).atTime(TIME).toInstant(ZoneOffset.UTC);
    }

    /**
     * Queues this week's digest if it is due and no process has yet. Returns how many e-mails it
     * queued (0 when there was nothing to report or no owner wants it), or empty when it is not due
     * yet or this week's was already handled.
     */
    public Optional<Integer> runDue() {
        Instant now = clock.instant();
        if (now.isBefore(dueAt(now))) return Optional.empty();
        String week = week(now);
        return jdbi.inTransaction(h -> {
            boolean claimed = h.createQuery("""
                            INSERT INTO key_digest_weeks (week, run_at, recipients) VALUES (:week, :now, 0)
                            ON CONFLICT (week) DO NOTHING RETURNING week""")
                    .bind("week", week).bind("now", now).mapTo(String.class).findOne().isPresent();
            if (!claimed) return Optional.empty();
            int queued = queue(h, week, now);
            h.createUpdate("UPDATE key_digest_weeks SET recipients = :n WHERE week = :week")
                    .bind("n", queued).bind("week", week).execute();
            if (queued > 0) log.info("Queued the weekly key digest of {} for {} owner(s)", week, queued);
            return Optional.of(queued);
        });
    }

    private int queue(Handle h, String week, Instant now) {
        DigestSection unused = unusedBotKeys(h, now);
        DigestSection refused = refusalSpikes(h, now);
        DigestSection expiring = expiringKeys(h, now);
        if (unused.total() + refused.total() + expiring.total() == 0) return 0;
        List<String> owners = h.createQuery("""
                        SELECT email FROM users WHERE role = :owner AND is_active AND NOT is_bot AND weekly_key_digest
                        ORDER BY id""")
                .bind("owner", Role.OWNER.code()).mapTo(String.class).list();
        Emails.Email email = Emails.keyDigest(OrganizationName.current(h), week, unused, refused, expiring,
                site + "/usage", site + "/account#weekly-digest");
        for (String owner : owners) outbox.email(h, owner, email.subject(), email.body());
        return owners.size();
    }

    /** Active bots' current keys neither used nor created for 90 days, as the Usage page lists them. */
    private static DigestSection unusedBotKeys(Handle h, Instant now) {
        return section(h.createQuery("""
                        SELECT u.full_name, u.email, k.created_at, k.last_used_at, count(*) OVER () AS total
                        FROM api_keys k JOIN users u ON u.id = k.user_id
                        WHERE k.revoked_at IS NULL AND k.kind = 'main' AND u.is_bot AND u.is_active
                          AND k.created_at < :cutoff AND (k.last_used_at IS NULL OR k.last_used_at < :cutoff)
                        ORDER BY lower(u.full_name), k.id LIMIT :limit""")
                .bind("cutoff", now.minus(UsageQueries.UNUSED_FOR)).bind("limit", LISTED)
                .map((rs, ctx) -> row(rs, rs.getTimestamp("last_used_at") == null
                        ? "never used (created " + Emails.when(instant(rs, "created_at")) + ")"
                        : "last used " + Emails.when(instant(rs, "last_used_at"))))
                .list());
    }

    /**
     * Keys whose refusals spiked. "The last 24 hours" are the current hour and the 23 before it;
     * "the week before" the 7 × 24 hours before those. A key spiked when, in the last 24 hours,
     * it was presented at least {@link #SPIKE_MIN} times and more than {@link #SPIKE_SHARE} of
     * those were refused, or it was refused at least {@link #SPIKE_MIN} times and more than
     * {@link #SPIKE_FACTOR} times its daily average of refusals the week before. Unknown keys
     * (no account holds them) are not listed: there is nobody to name.
     */
    private static DigestSection refusalSpikes(Handle h, Instant now) {
        Instant from = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(23));
        return section(h.createQuery("""
                        SELECT u.full_name, u.email, k.kind, t.refused, t.total, t.before, count(*) OVER () AS total_rows
                        FROM (SELECT key_id,
                                     coalesce(sum(count) FILTER (WHERE hour >= :from AND outcome <> 'allowed'), 0) AS refused,
                                     coalesce(sum(count) FILTER (WHERE hour >= :from), 0) AS total,
                                     coalesce(sum(count) FILTER (WHERE hour < :from AND outcome <> 'allowed'), 0) AS before
                              FROM key_usage_hourly
                              WHERE hour >= CAST(:from AS timestamptz) - interval '7 days' AND key_id <> :noKey
                              GROUP BY key_id) t
                        JOIN api_keys k ON k.id = t.key_id JOIN users u ON u.id = k.user_id
                        WHERE (t.total >= :min AND t.refused > :share * t.total)
                           OR (t.refused >= :min AND t.refused * 7 > :factor * t.before)
                        ORDER BY t.refused DESC, k.id LIMIT :limit""")
                .bind("from", from).bind("noKey", KeyUseCounter.NO_KEY).bind("min", SPIKE_MIN)
                .bind("share", SPIKE_SHARE).bind("factor", SPIKE_FACTOR).bind("limit", LISTED)
                .map((rs, ctx) -> row(rs, "total_rows", kind(rs.getString("kind")) + ", refused " + rs.getLong("refused")
                        + " of " + rs.getLong("total") + " times (the week before: "
                        + Math.round(rs.getLong("before") / 7.0) + " a day on average)"))
                .list());
    }

    /** Current main keys of active accounts that expire within {@link #EXPIRING_WITHIN}, the soonest first. */
    private static DigestSection expiringKeys(Handle h, Instant now) {
        return section(h.createQuery("""
                        SELECT u.full_name, u.email, k.expires_at, count(*) OVER () AS total
                        FROM api_keys k JOIN users u ON u.id = k.user_id
                        WHERE k.revoked_at IS NULL AND k.kind = 'main' AND u.is_active
                          AND k.expires_at > :now AND k.expires_at <= :until
                        ORDER BY k.expires_at, k.id LIMIT :limit""")
                .bind("now", now).bind("until", now.plus(EXPIRING_WITHIN)).bind("limit", LISTED)
                .map((rs, ctx) -> row(rs, "expires " + Emails.when(instant(rs, "expires_at"))))
                .list());
    }

    private record Row(DigestLine line, long total) {}

    private static Row row(ResultSet rs, String detail) throws SQLException {
        return row(rs, "total", detail);
    }

    private static Row row(ResultSet rs, String totalColumn, String detail) throws SQLException {
        return new Row(new DigestLine(rs.getString("full_name"), rs.getString("email"), detail), rs.getLong(totalColumn));
    }

    private static DigestSection section(List<Row> rows) {
        List<DigestLine> lines = new ArrayList<>();
        for (Row r : rows) lines.add(r.line());
        return new DigestSection(rows.isEmpty() ? 0 : rows.get(0).total(), lines);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t.toInstant();
    }

    private static String kind(String kind) {
        return switch (kind) {
            case "main" -> "its key";
            case "device" -> "a device's key";
            case "retiring" -> "its old key (in its grace period)";
            default -> kind + " key";
        };
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
