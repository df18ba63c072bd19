package dev.keydesk.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.bot.BotActions;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The owners' weekly key digest: what it lists for seeded usage and expiry rows, as the test SMTP
 * server receives it; no e-mail with nothing to report or for an owner who turned it off; once
 * per week across two processes running it at the same moment.
 */
@IntegrationTest
class KeyDigestTest {
    private static final String SUBJECT = "Weekly key digest";
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User desdemona;
    private Instant now;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        // A Wednesday noon in the ISO week after today's: the week's digest is due, whatever day the tests run on.
        Instant wednesday = Instant.now().atZone(ZoneOffset.UTC).toLocalDate().plusWeeks(1)
                .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).plusDays(2).atTime(12, 0).toInstant(ZoneOffset.UTC);
        TestKeydesk.CLOCK.advance(Duration.between(Instant.now(), wednesday));
        now = TestKeydesk.CLOCK.instant();
        desdemona = Fixtures.user("desdemona@zulip.com", "Desdemona", Role.OWNER);
    }

    private KeyDigest primary() {
        return keydesk.primary().services().keyDigest();
    }

    private KeyDigest secondary() {
        return keydesk.secondary().services().keyDigest();
    }

    private static long keyOf(long userId) {
        return Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND kind = 'main' AND user_id = " + userId);
    }

    /** A bot whose key was created {@code daysAgo} days ago and last used {@code usedDaysAgo} days ago (null: never). */
    private BotActions.Created bot(String name, int daysAgo, Integer usedDaysAgo) {
        BotActions.Created bot = Fixtures.bot(desdemona, name);
        keydesk.primary().database().jdbi().useHandle(h -> h.createUpdate(
                        "UPDATE api_keys SET created_at = :created, last_used_at = :used WHERE id = :id")
                .bind("created", now.minus(Duration.ofDays(daysAgo)))
                .bind("used", usedDaysAgo == null ? null : now.minus(Duration.ofDays(usedDaysAgo)))
                .bind("id", keyOf(bot.bot().id())).execute());
        return bot;
    }

    private void expires(long userId, Duration in) {
        keydesk.primary().database().jdbi().useHandle(h -> h.createUpdate("UPDATE api_keys SET expires_at = :at WHERE id = :id")
                .bind("at", now.plus(in)).bind("id", keyOf(userId)).execute());
    }

    /** Adds {@code count} presentations of the key with {@code outcome}, {@code hoursAgo} hours before the current hour. */
    private void used(long userId, int hoursAgo, String outcome, long count) {
        keydesk.primary().database().jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                        VALUES (:key, :hour, 0, :outcome, :count)
                        ON CONFLICT (key_id, hour, service_id, outcome) DO UPDATE SET count = key_usage_hourly.count + EXCLUDED.count""")
                .bind("key", keyOf(userId)).bind("hour", now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(hoursAgo)))
                .bind("outcome", outcome).bind("count", count).execute());
    }

    /** Refusals on each of the 7 days before the last 24 hours. */
    private void refusedDailyTheWeekBefore(long userId, long perDay) {
        for (int day = 1; day <= 7; day++) used(userId, 24 * day + 1, "forbidden", perDay);
    }

    /** The digests the test SMTP server received once the outbox is empty, by recipient. */
    private static List<MimeMessage> digests() {
        Mails.awaitOutboxEmpty();
        return Arrays.stream(keydesk().mail().getReceivedMessages()).filter(m -> Mails.subject(m).startsWith(SUBJECT)).toList();
    }

    private static TestKeydesk keydesk() {
        return TestKeydesk.get();
    }

    private static long queuedDigests() {
        return Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'email' AND payload ->> 'subject' LIKE '" + SUBJECT + "%'");
    }

    @Test
    void listsExactlyTheKeysToLookAt() {
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN); // an administrator, not an owner: no digest
        // 22 bots' keys unused for 90 days (one never used, the others last used 91 days ago): the first 20 by name are named.
        for (int i = 1; i <= 22; i++) bot("Idle %02d".formatted(i), 120, i == 1 ? null : 91);
        bot("Busy", 120, 2); // used two days ago
        bot("Fresh", 30, null); // never used, but only 30 days old

        // Refused 30 of 100 times in the last 24 hours: more than 10 %.
        BotActions.Created shareSpike = bot("Share Spike", 10, 0);
        used(shareSpike.bot().id(), 0, "allowed", 70);
        used(shareSpike.bot().id(), 5, "forbidden", 30);
        // Refused 25 of 1025 times (2.4 %), but about once a day the week before: more than three times as often.
        BotActions.Created surge = bot("Surge", 10, 0);
        used(surge.bot().id(), 3, "allowed", 1000);
        used(surge.bot().id(), 23, "rate_limited", 25);
        refusedDailyTheWeekBefore(surge.bot().id(), 1);
        // Refused 25 of 1025 times, as on any day the week before (70 a day): no spike.
        BotActions.Created chronic = bot("Chronic", 10, 0);
        used(chronic.bot().id(), 3, "allowed", 1000);
        used(chronic.bot().id(), 2, "forbidden", 25);
        refusedDailyTheWeekBefore(chronic.bot().id(), 70);
        // Refused 5 of 15 times: a third, but too few requests to be news.
        BotActions.Created quiet = bot("Quiet", 10, 0);
        used(quiet.bot().id(), 1, "allowed", 10);
        used(quiet.bot().id(), 1, "expired", 5);
        // Refused 50 times 25 hours ago: before the last 24 hours.
        BotActions.Created yesterday = bot("Yesterday", 10, 0);
        used(yesterday.bot().id(), 24, "forbidden", 50);

        // Expiring: a person's key in 10 days and a bot's in 3 are listed, the soonest first; one in 20 days is not.
        User cordelia = Fixtures.user("cordelia@zulip.com", "Cordelia", Role.MEMBER);
        expires(cordelia.id(), Duration.ofDays(10));
        BotActions.Created soon = bot("Soon", 10, 0);
        expires(soon.bot().id(), Duration.ofDays(3));
        BotActions.Created later = bot("Later", 10, 0);
        expires(later.bot().id(), Duration.ofDays(20));

        assertEquals(Optional.of(1), primary().runDue(), "one owner");
        List<MimeMessage> digests = digests();
        assertEquals(1, digests.size());
        MimeMessage mail = digests.get(0);
        assertEquals("desdemona@zulip.com", Mails.recipient(mail));
        String week = KeyDigest.week(now);
        assertEquals("Weekly key digest for Test Org: " + week, Mails.subject(mail));
        String body = Mails.body(mail).replace("\r\n", "\n");

        String unused = between(body, "Bots' keys nobody used for 90 days: 22\n", "\n\n");
        List<String> named = names(unused);
        List<String> first20 = new ArrayList<>();
        for (int i = 1; i <= 20; i++) first20.add("Idle %02d".formatted(i));
        assertEquals(first20, named, unused);
        assertTrue(unused.contains("\"Idle 01\" <" + Fixtures.findBot(idOf("Idle 01")).orElseThrow().email() + ">: never used"), unused);
        assertTrue(unused.contains("  … and 2 more"), unused);

        String refused = between(body, "Keys refused much more than usual in the last 24 hours: 2\n", "\n\n");
        assertEquals(List.of("Share Spike", "Surge"), names(refused), refused);
        assertTrue(refused.contains("refused 30 of 100 times (the week before: 0 a day on average)"), refused);
        assertTrue(refused.contains("refused 25 of 1025 times (the week before: 1 a day on average)"), refused);

        String expiring = between(body, "Keys that expire within 14 days: 2\n", "\n\n");
        assertEquals(List.of("Soon", "Cordelia"), names(expiring), expiring);

        String site = keydesk.primary().services().settings().site();
        assertTrue(body.contains(site + "/usage"), body);
        assertTrue(body.contains(site + "/account#weekly-digest"), body);
        assertEquals(1, Fixtures.count("SELECT count(*) FROM key_digest_weeks WHERE week = '" + week + "' AND recipients = 1"));
    }

    private long idOf(String fullName) {
        return Fixtures.count("SELECT id FROM users WHERE full_name = '" + fullName + "'");
    }

    /** The text after {@code start} up to {@code end} (or the end). */
    private static String between(String body, String start, String end) {
        int from = body.indexOf(start);
        assertTrue(from >= 0, "no \"" + start.strip() + "\" in:\n" + body);
        from += start.length();
        int to = body.indexOf(end, from);
        return body.substring(from, to < 0 ? body.length() : to);
    }

    /** The quoted names of a list's lines, in order. */
    private static List<String> names(String section) {
        return section.lines().filter(l -> l.startsWith("  - \"")).map(l -> l.substring(5, l.indexOf('"', 5))).toList();
    }

    @Test
    void nothingToReportSendsNothing() {
        bot("Busy", 120, 2);
        BotActions.Created fine = bot("Fine", 10, 0);
        used(fine.bot().id(), 1, "allowed", 500);
        used(fine.bot().id(), 1, "forbidden", 3);
        expires(fine.bot().id(), Duration.ofDays(30));

        assertEquals(Optional.of(0), primary().runDue());
        assertEquals(0, queuedDigests());
        assertEquals(List.of(), digests());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM key_digest_weeks WHERE recipients = 0"), "the week is done all the same");
        // Something to report later in the same week waits for the next week's digest.
        bot("Idle", 120, null);
        assertEquals(Optional.empty(), primary().runDue());
        assertEquals(0, queuedDigests());
    }

    @Test
    void anOwnerWhoTurnedItOffGetsNone() {
        User othello = Fixtures.user("othello@zulip.com", "Othello", Role.OWNER);
        User cordelia = Fixtures.user("cordelia@zulip.com", "Cordelia", Role.MEMBER);
        bot("Idle", 120, null);

        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(othello.email(), Fixtures.PASSWORD);
        Page account = browser.get("/account");
        assertNotNull(account.doc().selectFirst("#weekly-digest input[name=weekly_digest][checked]"), "on until turned off");
        // Like every form: without the form token, nothing changes.
        assertEquals(403, browser.post("/account/weekly-digest", Map.of()).status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE id = " + othello.id() + " AND weekly_key_digest"));
        // Unticked: the browser sends no weekly_digest field.
        Page after = browser.post("/account/weekly-digest", Map.of("csrf_token", WebClient.csrf(account)));
        assertTrue(after.body().contains("You will no longer get the weekly key digest."), after.body());
        assertNull(after.doc().selectFirst("#weekly-digest input[name=weekly_digest][checked]"), after.body());
        assertEquals(List.of("weekly_digest_changed"), Fixtures.auditEvents(othello.id()).stream()
                .filter(e -> e.startsWith("weekly")).toList());
        assertEquals(400, browser.post("/account/weekly-digest", Map.of("csrf_token", WebClient.csrf(after),
                "weekly_digest", "maybe")).status());

        // A member has no such choice: not on the page, and refused.
        WebClient member = new WebClient(keydesk.baseUrl());
        Page memberAccount = member.login(cordelia.email(), Fixtures.PASSWORD);
        memberAccount = member.get("/account");
        assertNull(memberAccount.doc().selectFirst("#weekly-digest"));
        assertEquals(403, member.post("/account/weekly-digest", Map.of("csrf_token", WebClient.csrf(memberAccount),
                "weekly_digest", "yes")).status());

        assertEquals(Optional.of(1), primary().runDue());
        List<MimeMessage> digests = digests();
        assertEquals(List.of("desdemona@zulip.com"), digests.stream().map(Mails::recipient).toList());
    }

    @Test
    void twoProcessesAtTheSameMomentQueueOneDigestPerOwnerAWeek() throws Exception {
        Fixtures.user("othello@zulip.com", "Othello", Role.OWNER);
        bot("Idle", 120, null);

        assertEquals(List.of(1, 1), runTogether(), "each owner's digest once, whichever process queued it");
        assertEquals(2, queuedDigests());
        assertEquals(List.of(0, 0), runTogether(), "the same week again: nothing new");
        assertEquals(2, queuedDigests());
        List<MimeMessage> first = digests();
        assertEquals(List.of("desdemona@zulip.com", "othello@zulip.com"),
                first.stream().map(Mails::recipient).sorted().toList());

        TestKeydesk.CLOCK.advance(Duration.ofDays(7));
        assertEquals(List.of(1, 1), runTogether(), "next week: a new digest");
        assertEquals(4, queuedDigests());
        assertEquals(4, digests().size());
        assertEquals(2, Fixtures.count("SELECT count(*) FROM key_digest_weeks"));
    }

    /**
     * Runs the job in both processes at the same moment, five rounds over; returns how many digests
     * these rounds queued to each owner (in order of the owners' ids), checked against what the
     * runs said they queued.
     */
    private List<Integer> runTogether() throws Exception {
        long before = Fixtures.count("SELECT coalesce(max(id), 0) FROM outbox");
        int queued = 0;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                CountDownLatch start = new CountDownLatch(1);
                Future<Optional<Integer>> a = pool.submit(() -> {
                    start.await();
                    return primary().runDue();
                });
                Future<Optional<Integer>> b = pool.submit(() -> {
                    start.await();
                    return secondary().runDue();
                });
                start.countDown();
                queued += a.get(30, TimeUnit.SECONDS).orElse(0) + b.get(30, TimeUnit.SECONDS).orElse(0);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Integer> perOwner = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT count(o.id) FROM users u
                        LEFT JOIN outbox o ON o.id > :before AND o.kind = 'email' AND o.payload ->> 'to' = u.email
                          AND o.payload ->> 'subject' LIKE 'Weekly key digest%'
                        WHERE u.role = 100 GROUP BY u.id ORDER BY u.id""")
                .bind("before", before).mapTo(Integer.class).list());
        assertEquals(queued, perOwner.stream().mapToInt(Integer::intValue).sum(), "what the runs said they queued is in the outbox");
        return perOwner;
    }
}
