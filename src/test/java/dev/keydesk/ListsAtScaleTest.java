package dev.keydesk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.AccountSearch;
import dev.keydesk.user.Role;
import java.util.List;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Keys console and the Audit log at real size: 100,000 bots and 200,000 audit rows, seeded
 * set-wise. Checks the answers over HTTP and, with EXPLAIN, that searches and filters use an index
 * rather than reading every row. Timings are printed, never asserted.
 */
@IntegrationTest
class ListsAtScaleTest {
    private static final int BOTS = 100_000;
    private static final int AUDIT_ROWS = 200_000;

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final Jdbi jdbi = keydesk.primary().database().jdbi();
    private WebClient admin;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        long started = System.nanoTime();
        jdbi.useHandle(h -> {
            h.execute("""
                    INSERT INTO users (email, full_name, role, is_bot, bot_type)
                    SELECT format('scale-%s-bot@keydesk.test', lpad(n::text, 6, '0')),
                           format('Scale Bot %s', lpad(n::text, 6, '0')), 400, true, 1
                    FROM generate_series(1, ?) n""", BOTS);
            h.execute("""
                    INSERT INTO audit_log (event_type, actor_label, target_label, ip, created_at)
                    SELECT (ARRAY['api_key_revealed', 'user_created', 'bot_created'])[1 + n % 3],
                           format('actor-%s@keydesk.test', n % 500), format('target-%s@keydesk.test', n % 20000),
                           '192.0.2.1', now() - make_interval(secs => n)
                    FROM generate_series(1, ?) n""", AUDIT_ROWS);
            // Every bot has a current key; every third was never used.
            h.execute("""
                    INSERT INTO api_keys (user_id, digest, ciphertext, created_at, last_used_at)
                    SELECT id, sha256(id::text::bytea), '\\x00'::bytea, timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => (id * 7919) % 100000),
                           CASE WHEN id % 3 = 0 THEN NULL ELSE timestamptz '2026-06-01 00:00:00+00' + make_interval(secs => (id * 104729) % 50000) END
                    FROM users WHERE is_bot""");
            h.execute("ANALYZE api_keys");
            h.execute("ANALYZE users");
            h.execute("ANALYZE audit_log");
        });
        System.out.printf("seeded %,d bots and %,d audit rows in %d ms%n", BOTS, AUDIT_ROWS, millisSince(started));
        admin = new WebClient(keydesk.baseUrl());
        admin.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    @Test
    void keysConsolePagesAndSearchesOneHundredThousandBots() {
        Page first = timed("Keys, first page", () -> admin.get("/keys"));
        assertEquals(200, first.status());
        assertEquals(expectedNames(1, 50), names(first));
        assertTrue(first.text().contains("1,000+ API keys"), "the count stops at 1,000");
        assertNull(first.doc().selectFirst("a[rel=prev]"));

        Page second = timed("Keys, next page", () -> admin.get(first.doc().selectFirst("a[rel=next]").attr("href")));
        assertEquals(expectedNames(51, 100), names(second));
        Page back = admin.get(second.doc().selectFirst("a[rel=prev]").attr("href"));
        assertEquals(names(first), names(back));

        Page deep = timed("Keys, a page deep in the list", () -> admin.get("/keys?after=scale+bot+090000%7C0"));
        assertEquals(expectedNames(90_000, 90_049), names(deep));

        Page search = timed("Keys, search", () -> admin.get("/keys?q=bot+04242"));
        assertEquals(expectedNames(42_420, 42_429), names(search));
        assertTrue(search.text().contains("10 API keys"));
        assertNull(search.doc().selectFirst("a[rel=next]"));

        Page byEmail = timed("Keys, search by e-mail", () -> admin.get("/keys?q=scale-077777-bot%40"));
        assertEquals(List.of("Scale Bot 077777"), names(byEmail));

        String plan = explain("""
                SELECT u.id, u.email, u.full_name, u.bot_type, u.is_active, u.avatar_version,
                       k.created_at AS key_created_at, k.last_used_at, k.expires_at AS key_expires_at,
                       (SELECT string_agg(a.ip, ', ' ORDER BY a.last_used_at DESC, a.ip) FROM api_key_addresses a
                        WHERE a.key_id = k.id) AS recent_addresses,
                       lower(u.full_name) AS sort_name
                FROM users u LEFT JOIN api_keys k ON k.user_id = u.id AND k.kind = 'main' AND k.revoked_at IS NULL
                WHERE u.is_bot AND """ + AccountSearch.matches("u", "p").replace(":p", "'%bot 04242%'") + """
                ORDER BY lower(u.full_name), u.id LIMIT 51""");
        assertFalse(plan.contains("Seq Scan on users"), plan);
        assertTrue(plan.contains("users_bot_search_trgm"), plan);

        String order = explain("""
                SELECT u.id FROM users u WHERE u.is_bot AND (lower(u.full_name), u.id) > ('scale bot 090000', 0)
                ORDER BY lower(u.full_name), u.id LIMIT 51""");
        assertTrue(order.contains("users_bot_name_order"), order);
    }

    @Test
    void keysConsoleSortsOneHundredThousandKeysByDateAlongTheirIndexes() {
        for (String sort : List.of("created", "last_used")) {
            Page first = timed("Keys by " + sort + ", first page", () -> admin.get("/keys?sort=" + sort));
            assertEquals(50, names(first).size());
            Page second = timed("Keys by " + sort + ", next page", () -> admin.get(first.doc().selectFirst("a[rel=next]").attr("href")));
            assertEquals(50, names(second).size());
            assertTrue(java.util.Collections.disjoint(names(first), names(second)), "no key on two pages");
            Page back = admin.get(second.doc().selectFirst("a[rel=prev]").attr("href"));
            assertEquals(names(first), names(back));
        }
        List<String> newest = jdbi.withHandle(h -> h.createQuery("""
                SELECT u.full_name FROM api_keys k JOIN users u ON u.id = k.user_id
                WHERE k.revoked_at IS NULL AND k.kind = 'main' AND u.is_bot ORDER BY k.created_at DESC, k.user_id DESC LIMIT 50""")
                .mapTo(String.class).list());
        assertEquals(newest, names(admin.get("/keys?sort=created")));

        String created = explain("""
                SELECT u.id FROM api_keys k JOIN users u ON u.id = k.user_id
                WHERE k.revoked_at IS NULL AND k.kind = 'main' AND u.is_bot AND (k.created_at, k.user_id) < (timestamptz '2026-01-01 12:00:00+00', 0)
                ORDER BY k.created_at DESC, k.user_id DESC LIMIT 51""");
        assertTrue(created.contains("api_keys_current_created"), created);
        String used = explain("""
                SELECT u.id FROM api_keys k JOIN users u ON u.id = k.user_id
                WHERE k.revoked_at IS NULL AND k.kind = 'main' AND u.is_bot
                ORDER BY coalesce(k.last_used_at, 'epoch'::timestamptz) DESC, k.user_id DESC LIMIT 51""");
        assertTrue(used.contains("api_keys_current_last_used"), used);
    }

    @Test
    void auditLogPagesAndFiltersTwoHundredThousandRows() {
        Page first = timed("Audit log, first page", () -> admin.get("/audit-log"));
        assertEquals(200, first.status());
        assertEquals(50, first.doc().select("table.audit tbody tr").size());
        assertTrue(first.text().contains("1,000+ entries"));

        Page older = timed("Audit log, older page", () -> admin.get(first.doc().selectFirst("a[rel=next]").attr("href")));
        assertEquals(50, older.doc().select("table.audit tbody tr").size());
        assertFalse(older.doc().select("table.audit tbody tr").first().text()
                .equals(first.doc().select("table.audit tbody tr").first().text()));

        Page nothing = timed("Audit log, a target filter matching nothing",
                () -> admin.get("/audit-log?target=nobody-like-this"));
        assertEquals(200, nothing.status());
        assertTrue(nothing.text().contains("0 entries") && nothing.text().contains("No entries match."));

        Page oneTarget = timed("Audit log, one target", () -> admin.get("/audit-log?target=target-12345%40"));
        assertEquals(10, oneTarget.doc().select("table.audit tbody tr").size());
        assertTrue(oneTarget.text().contains("10 entries"));

        Page byEvent = timed("Audit log, one event", () -> admin.get("/audit-log?event=bot_created"));
        assertEquals(50, byEvent.doc().select("table.audit tbody tr").size());
        Page olderByEvent = timed("Audit log, one event, older page",
                () -> admin.get(byEvent.doc().selectFirst("a[rel=next]").attr("href")));
        assertEquals(50, olderByEvent.doc().select("table.audit tbody tr").size());
        assertTrue(olderByEvent.doc().select("table.audit tbody tr").stream().allMatch(r -> r.child(1).text().equals("bot created")));

        String plan = explain("""
                SELECT id FROM audit_log
                WHERE audit_target_text(target_label, details) LIKE '%nobody-like-this%' ESCAPE '!'
                  AND (lower(coalesce(target_label, '')) LIKE '%nobody-like-this%' ESCAPE '!'
                       OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(details -> 'targets') = 'array'
                                                                             THEN details -> 'targets' ELSE '[]' END) t
                                  WHERE lower(t) LIKE '%nobody-like-this%' ESCAPE '!'))
                ORDER BY created_at DESC, id DESC LIMIT 51""");
        assertFalse(plan.contains("Seq Scan on audit_log"), plan);
        assertTrue(plan.contains("audit_log_target_trgm"), plan);
    }

    private String explain(String sql) {
        String plan = jdbi.withHandle(h -> String.join("\n",
                h.createQuery("EXPLAIN (ANALYZE, COSTS OFF) " + sql).mapTo(String.class).list()));
        System.out.println(plan);
        return plan;
    }

    private static List<String> expectedNames(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(n -> String.format("Scale Bot %06d", n)).toList();
    }

    private static List<String> names(Page page) {
        return page.doc().select("tr[data-name]").stream().map(r -> r.attr("data-name")).toList();
    }

    private static Page timed(String what, java.util.function.Supplier<Page> request) {
        long started = System.nanoTime();
        Page page = request.get();
        System.out.printf("%s: %d ms%n", what, millisSince(started));
        return page;
    }

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
