package dev.keydesk.bot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.security.MasterKey;
import dev.keydesk.security.Tokens;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v1/bots in pages (Keydesk's extension): at most 1,000 bots per answer in creation
 * order, {@code limit} and {@code after_id} to walk through them, {@code has_more} to say when to
 * stop, and one audit row per answer naming only that answer's bots.
 */
@IntegrationTest
class BotListPagingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bots seeded for the owner; a third of all seeded bots belong to someone else, in between. */
    private static final int OWN_BOTS = 2_500;

    private final TestKeydesk keydesk = TestKeydesk.get();
    private String api;
    private User owner;
    private String ownerAuth;
    private String otherAuth;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        api = keydesk.baseUrl() + "/api/v1";
        owner = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        User other = Fixtures.member("othello@zulip.com");
        ownerAuth = Http.basic(owner.email(), Fixtures.keyOf(owner));
        otherAuth = Http.basic(other.email(), Fixtures.keyOf(other));
    }

    private Http.Response list(String query, String auth) {
        return Http.get(api + "/bots" + query, auth);
    }

    private static List<Long> ids(Http.Response r) {
        List<Long> ids = new ArrayList<>();
        r.json().get("bots").forEach(bot -> ids.add(bot.get("user_id").asLong()));
        return ids;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }


    @Test
    void aFewBotsGetTodaysAnswerAndHasMoreFalse() {
        List<Long> created = new ArrayList<>();
        for (String name : List.of("charlie", "alpha", "bravo")) {
            Http.Response r = Http.postForm(api + "/bots", Map.of("full_name", "Bot " + name, "short_name", name), ownerAuth);
            assertEquals(200, r.status(), r.body());
            created.add(r.json().get("user_id").asLong());
        }
        Http.Response r = list("", ownerAuth);
        assertEquals(200, r.status(), r.body());
        assertEquals(List.of("result", "msg", "bots", "has_more"), fieldNames(r.json()));
        assertEquals(created, ids(r), "oldest first, whatever the names");
        assertFalse(r.json().get("has_more").asBoolean());
        assertEquals(List.of("username", "email", "user_id", "full_name", "bot_type", "is_active", "api_key", "avatar_url",
                        "default_sending_stream", "default_events_register_stream", "default_all_public_streams", "owner_id",
                        "services", "api_key_expires_at", "scope", "address_ranges", "metadata"),
                fieldNames(r.json().get("bots").get(0)));
        assertEquals("no-store", r.header("Cache-Control").orElse(""));

        Http.Response two = list("?limit=2", ownerAuth);
        assertEquals(created.subList(0, 2), ids(two));
        assertTrue(two.json().get("has_more").asBoolean());
        Http.Response rest = list("?limit=2&after_id=" + created.get(1), ownerAuth);
        assertEquals(created.subList(2, 3), ids(rest));
        assertFalse(rest.json().get("has_more").asBoolean());
        Http.Response past = list("?after_id=" + created.get(2), ownerAuth);
        assertEquals(List.of(), ids(past));
        assertFalse(past.json().get("has_more").asBoolean());
        assertFalse(past.body().contains("ignored_parameters_unsupported"), "limit and after_id are read: " + past.body());
    }

    @Test
    void pagesWalkThroughThousandsOfBotsOnceEachInCreationOrder() throws Exception {
        Map<Long, String> keys = seedBots();
        List<Long> expected = new ArrayList<>(keys.keySet());
        long deactivated = expected.remove(1_234);
        Fixtures.execute("UPDATE users SET is_active = false WHERE id = " + deactivated);

        // Without parameters: the first 1,000, and more to come.
        Http.Response first = list("", ownerAuth);
        assertEquals(200, first.status(), first.body());
        assertEquals(expected.subList(0, 1_000), ids(first));
        assertTrue(first.json().get("has_more").asBoolean());

        for (int limit : new int[] {1_000, 700, 499}) {
            List<Long> seen = new ArrayList<>();
            long after = 0;
            int answers = 0;
            boolean hasMore = true;
            while (hasMore) {
                long revealsBefore = reveals();
                Http.Response page = list("?limit=" + limit + (answers == 0 ? "" : "&after_id=" + after), ownerAuth);
                assertEquals(200, page.status(), page.body());
                List<Long> ids = ids(page);
                hasMore = page.json().get("has_more").asBoolean();
                assertTrue(ids.size() == limit || !hasMore, "only the last answer is short");
                for (JsonNode bot : page.json().get("bots")) {
                    assertEquals(keys.get(bot.get("user_id").asLong()), bot.get("api_key").asText());
                    assertEquals(owner.id(), bot.get("owner_id").asLong());
                }
                assertEquals(revealsBefore + 1, reveals());
                assertEquals(ids, lastRevealTargets(), "the audit row names exactly this answer's bots");
                seen.addAll(ids);
                after = ids.get(ids.size() - 1);
                answers++;
            }
            assertEquals(expected, seen, "every bot once, in creation order, with limit " + limit);
            assertEquals((expected.size() + limit - 1) / limit, answers);
        }

        // 2,499 bots in pages of 833: the third answer takes the last ones exactly and says so.
        Http.Response last = list("?limit=833&after_id=" + expected.get(2 * 833 - 1), ownerAuth);
        assertEquals(expected.subList(2 * 833, 3 * 833), ids(last));
        assertFalse(last.json().get("has_more").asBoolean());

        // The other owner's bots are theirs alone, whichever after_id anyone asks from.
        List<Long> othersInOrder = otherOwnersBots();
        Set<Long> others = new HashSet<>(othersInOrder);
        assertEquals(OWN_BOTS / 2, others.size());
        Http.Response theirs = list("", otherAuth);
        assertEquals(othersInOrder.subList(0, 1_000), ids(theirs));
        assertTrue(theirs.json().get("has_more").asBoolean());
        Http.Response theirRest = list("?after_id=" + othersInOrder.get(999), otherAuth);
        assertEquals(othersInOrder.subList(1_000, others.size()), ids(theirRest));
        assertFalse(theirRest.json().get("has_more").asBoolean());
        for (long id : ids(theirs)) assertFalse(keys.containsKey(id));
        Http.Response mineFromTheirs = list("?limit=5&after_id=" + ids(theirs).get(0), ownerAuth);
        assertEquals(5, ids(mineFromTheirs).size());
        for (long id : ids(mineFromTheirs)) assertFalse(others.contains(id));
    }

    @Test
    void badLimitsAndStartingPointsAreRefused() {
        long revealsBefore = reveals();
        for (String limit : List.of("0", "1001", "-1", "2147483648", "-9223372036854775808")) {
            Http.assertBadRequest(list("?limit=" + limit, ownerAuth), "limit must be between 1 and 1000");
        }
        for (String limit : List.of("99999999999999999999", "1.5", "true", "%221%22")) {
            Http.assertBadRequest(list("?limit=" + limit, ownerAuth), "limit is not an integer");
        }
        for (String limit : List.of("abc", "", "1%2C2")) {
            Http.assertBadRequest(list("?limit=" + limit, ownerAuth), "Argument \"limit\" is not valid JSON.");
        }
        Http.assertBadRequest(list("?after_id=-1", ownerAuth), "after_id must not be negative");
        Http.assertBadRequest(list("?after_id=-9223372036854775808", ownerAuth), "after_id must not be negative");
        Http.assertBadRequest(list("?after_id=99999999999999999999", ownerAuth), "after_id is not an integer");
        Http.assertBadRequest(list("?after_id=2.0", ownerAuth), "after_id is not an integer");
        Http.assertBadRequest(list("?after_id=abc", ownerAuth), "Argument \"after_id\" is not valid JSON.");
        Http.assertBadRequest(list("?limit=10&after_id=x", ownerAuth), "Argument \"after_id\" is not valid JSON.");
        assertEquals(revealsBefore, reveals(), "a refused call shows no key");

        assertEquals(200, list("?limit=1&after_id=9223372036854775807", ownerAuth).status(), "the largest id is fine");
        assertEquals(200, list("?limit=1000&after_id=0", ownerAuth).status());
    }

    /**
     * 2,500 bots for the owner and 1,250 for the other member, interleaved (every third bot is
     * theirs), each with a current key encrypted as the product stores it; written set-wise.
     * Returns the owner's bots' keys by id, in id order.
     */
    private Map<Long, String> seedBots() throws Exception {
        Jdbi jdbi = keydesk.primary().database().jdbi();
        KeyCipher cipher = new KeyCipher(MasterKey.loadOrCreate(keydesk.primary().services().settings().masterKeyFile()));
        String host = keydesk.primary().services().settings().externalUrl().getHost();
        long otherId = jdbi.withHandle(h -> h.createQuery("SELECT id FROM users WHERE email = 'othello@zulip.com'")
                .mapTo(Long.class).one());
        Map<Long, String> ownKeys = new LinkedHashMap<>();
        jdbi.useTransaction(h -> {
            List<Long> ids = h.createQuery("""
                            INSERT INTO users (email, full_name, role, is_bot, bot_type)
                            SELECT format('paged-%s-bot@%s', lpad(g::text, 5, '0'), :host),
                                   format('Paged bot %s', lpad((:n - g)::text, 5, '0')), 400, true, 1
                            FROM generate_series(1, :n) g
                            RETURNING id""")
                    .bind("host", host).bind("n", OWN_BOTS * 3 / 2).mapTo(Long.class).list();
            h.createUpdate("""
                            INSERT INTO bot_owners (bot_id, owner_id)
                            SELECT id, CASE WHEN ord % 3 = 0 THEN :other ELSE :owner END
                            FROM unnest(:ids) WITH ORDINALITY AS b(id, ord)""")
                    .bindArray("ids", Long.class, ids).bind("other", otherId).bind("owner", owner.id()).execute();
            PreparedBatch batch = h.prepareBatch("INSERT INTO api_keys (user_id, digest, ciphertext) VALUES (:id, :digest, :ciphertext)");
            for (int i = 0; i < ids.size(); i++) {
                long id = ids.get(i);
                String key = ApiKeyFormat.generate();
                batch.bind("id", id).bind("digest", Tokens.sha256(key)).bind("ciphertext", cipher.encrypt(id, key)).add();
                if ((i + 1) % 3 != 0) ownKeys.put(id, key);
            }
            batch.execute();
        });
        List<Long> sorted = ownKeys.keySet().stream().sorted().toList();
        assertEquals(new ArrayList<>(ownKeys.keySet()), sorted, "ids come out in the order the rows were made");
        assertEquals(OWN_BOTS, ownKeys.size());
        return ownKeys;
    }

    private List<Long> otherOwnersBots() {
        return keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT o.bot_id FROM bot_owners o JOIN users u ON u.id = o.owner_id
                        WHERE u.email = 'othello@zulip.com' ORDER BY o.bot_id""").mapTo(Long.class).list());
    }

    private static long reveals() {
        return Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_revealed'");
    }

    private List<Long> lastRevealTargets() throws Exception {
        Map<String, Object> row = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT target_user_id, details::text AS details FROM audit_log
                        WHERE event_type = 'api_key_revealed' ORDER BY id DESC LIMIT 1""").mapToMap().one());
        List<Long> ids = new ArrayList<>();
        if (row.get("target_user_id") != null) {
            ids.add(((Number) row.get("target_user_id")).longValue());
        } else {
            for (Iterator<JsonNode> it = JSON.readTree((String) row.get("details")).get("target_ids").elements(); it.hasNext(); ) {
                ids.add(it.next().asLong());
            }
        }
        return ids;
    }
}
