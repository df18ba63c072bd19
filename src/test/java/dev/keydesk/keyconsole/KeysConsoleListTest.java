package dev.keydesk.keyconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotType;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Keys console's lists and bulk actions over HTTP without JavaScript: sorting with keyset
 * paging in every order, the filters, bulk block / unblock / delete after one question, the
 * way back to the same list, messages that name the keys, and the account picker at 10,000 people.
 */
@IntegrationTest
class KeysConsoleListTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User admin;
    private User member;
    private WebClient browser;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        member = Fixtures.member("cordelia@zulip.com");
        browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    private static List<String> names(Page page) {
        return page.doc().select("tbody tr[data-name]").stream().map(r -> r.attr("data-name")).toList();
    }

    private static String flash(Page page) {
        Element flash = page.doc().selectFirst("main > .flash");
        return flash == null ? "" : flash.text();
    }

    /** Every name of a list, following Next from {@code first} to the end. */
    private List<String> walk(String first) {
        List<String> all = new ArrayList<>();
        Page page = browser.get(first);
        while (true) {
            assertEquals(200, page.status());
            all.addAll(names(page));
            Element next = page.doc().selectFirst("a[rel=next]");
            if (next == null) return all;
            page = browser.get(next.attr("href"));
        }
    }

    @Test
    void everySortPagesThroughEveryKeyOnceInItsOrderAndBack() {
        List<Bot> bots = new ArrayList<>();
        for (int i = 0; i < 120; i++) bots.add(Fixtures.bot(member, String.format("Sorted %03d", i)).bot());
        // Creation and last use in an order unlike the names', with ties and keys never used.
        for (int i = 0; i < bots.size(); i++) {
            long id = bots.get(i).id();
            Fixtures.execute("UPDATE api_keys SET created_at = timestamptz '2026-01-01 00:00:00+00' + interval '"
                    + ((i * 37) % 50) + " minutes', last_used_at = "
                    + (i % 3 == 0 ? "NULL" : "timestamptz '2026-02-01 00:00:00+00' + interval '" + ((i * 53) % 90) + " seconds'")
                    + " WHERE user_id = " + id + " AND revoked_at IS NULL");
        }
        record Expected(String name, long id, long created, long used) {}
        List<Expected> expected = new ArrayList<>();
        for (int i = 0; i < bots.size(); i++) {
            expected.add(new Expected(bots.get(i).fullName(), bots.get(i).id(), (i * 37) % 50, i % 3 == 0 ? -1 : (i * 53) % 90));
        }
        List<String> byName = expected.stream().map(Expected::name).toList();
        List<String> byCreated = expected.stream().sorted(Comparator.comparingLong(Expected::created)
                .thenComparingLong(Expected::id).reversed()).map(Expected::name).toList();
        List<String> byUse = expected.stream().sorted(Comparator.comparingLong(Expected::used)
                .thenComparingLong(Expected::id).reversed()).map(Expected::name).toList();

        assertEquals(byName, walk("/keys"));
        assertEquals(byCreated, walk("/keys?sort=created"));
        assertEquals(byUse, walk("/keys?sort=last_used"));

        // The sort links keep the search and filters; the current column says how it is sorted.
        Page sorted = browser.get("/keys?q=Sorted&state=active&sort=created");
        Element createdHeader = sorted.doc().select("thead th").stream()
                .filter(th -> th.text().startsWith("Created")).findFirst().orElseThrow();
        assertEquals("descending", createdHeader.attr("aria-sort"));
        Element nameLink = sorted.doc().select("thead th a").stream().filter(a -> a.text().equals("Name")).findFirst().orElseThrow();
        assertEquals("/keys?q=Sorted&state=active", nameLink.attr("href"));
        assertEquals("ascending", browser.get(nameLink.attr("href")).doc().select("thead th[aria-sort]").attr("aria-sort"));

        // Previous from the last page of a date order leads back through the same pages.
        Page page = browser.get("/keys?sort=last_used");
        Page second = browser.get(page.doc().selectFirst("a[rel=next]").attr("href"));
        Page third = browser.get(second.doc().selectFirst("a[rel=next]").attr("href"));
        assertNull(third.doc().selectFirst("a[rel=next]"));
        Page backToSecond = browser.get(third.doc().selectFirst("a[rel=prev]").attr("href"));
        assertEquals(names(second), names(backToSecond));
        Page backToFirst = browser.get(backToSecond.doc().selectFirst("a[rel=prev]").attr("href"));
        assertEquals(names(page), names(backToFirst));

        // A cursor that is not a date in a date order is no cursor: the first page.
        for (String bad : List.of("after=sorted+010%7C5", "before=yesterday%7C1", "after=2026-13-01T00:00:00Z%7C1")) {
            Page odd = browser.get("/keys?sort=created&" + bad);
            assertEquals(200, odd.status(), bad);
            assertEquals(byCreated.get(0), names(odd).get(0), bad);
        }
    }

    @Test
    void filtersByStatusTypeAndOwner() {
        User owner = Fixtures.user("othello@zulip.com", "Othello Moor", Role.MEMBER);
        Fixtures.bot(member, "Plain One");
        Bot blocked = Fixtures.bot(member, "Blocked One").bot();
        Fixtures.newBot("Webhook One").webhook("https://ci.example.com/hook").createdBy(member);
        Fixtures.newBot("Othello's Bot").type(BotType.INCOMING_WEBHOOK).createdBy(owner);
        Fixtures.deactivateBot(blocked.id());

        assertEquals(List.of("Blocked One"), names(browser.get("/keys?state=blocked")));
        assertEquals(List.of("Othello's Bot", "Plain One", "Webhook One"), names(browser.get("/keys?state=active")));
        assertEquals(List.of("Webhook One"), names(browser.get("/keys?type=3")));
        assertEquals(List.of("Othello's Bot"), names(browser.get("/keys?owner=othello")));
        assertEquals(List.of("Othello's Bot"), names(browser.get("/keys?owner=MOOR")));
        assertEquals(List.of("Blocked One"), names(browser.get("/keys?owner=cordelia%40&state=blocked")));
        Page none = browser.get("/keys?type=2&state=blocked");
        assertEquals(List.of(), names(none));
        assertTrue(none.text().contains("No API key matches these filters"), none.text());
        // Values the form never sends are no filter at all.
        for (String odd : List.of("state=gone", "type=9", "type=x", "type=-1", "sort=random", "owner=" + "o".repeat(300))) {
            Page page = browser.get("/keys?" + odd);
            assertEquals(200, page.status(), odd);
        }
        assertEquals(4, names(browser.get("/keys?state=gone&type=9&sort=random")).size());
        // The filter form shows what is filtered.
        Page filtered = browser.get("/keys?state=blocked&type=1&owner=cordelia");
        assertEquals("blocked", filtered.doc().selectFirst("#key-state option[selected]").attr("value"));
        assertEquals("1", filtered.doc().selectFirst("#key-type option[selected]").attr("value"));
        assertEquals("cordelia", filtered.doc().selectFirst("#key-owner").attr("value"));
    }

    private static List<Map.Entry<String, String>> bulkForm(Page page, String action, List<Bot> bots, boolean confirmed) {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        fields.add(Map.entry("csrf_token", WebClient.csrf(page)));
        fields.add(Map.entry("back", page.doc().selectFirst("#bulk-keys input[name=back]").attr("value")));
        fields.add(Map.entry("action", action));
        if (confirmed) fields.add(Map.entry("confirmed", "yes"));
        for (Bot b : bots) fields.add(Map.entry("ids", Long.toString(b.id())));
        return fields;
    }

    /** Submits the confirmation page's form as it is. */
    private Page confirm(Page question) {
        Element form = question.doc().selectFirst("main form");
        List<Map.Entry<String, String>> fields = form.select("input[name]").stream()
                .map(i -> Map.entry(i.attr("name"), i.attr("value"))).collect(Collectors.toList());
        return browser.post(form.attr("action"), fields);
    }

    @Test
    void bulkActionsAskOnceNamingTheCountAndReturnToTheSameList() {
        List<Bot> bots = new ArrayList<>();
        for (int i = 0; i < 60; i++) bots.add(Fixtures.bot(member, String.format("Batch %02d", i)).bot());
        Page first = browser.get("/keys?q=Batch&sort=created");
        Page second = browser.get(first.doc().selectFirst("a[rel=next]").attr("href"));
        String here = second.uri().getRawPath() + "?" + second.uri().getRawQuery();
        assertEquals(here, second.doc().selectFirst("#bulk-keys input[name=back]").attr("value"));
        List<Bot> chosen = List.of(bots.get(0), bots.get(1), bots.get(2));

        Page question = browser.post("/keys/bulk", bulkForm(second, "block", chosen, false));
        assertEquals(200, question.status());
        assertEquals("Block 3 keys?", question.doc().selectFirst("h1").text());
        assertTrue(question.text().contains("Batch 00, Batch 01, Batch 02"), question.text());
        assertEquals(here, question.doc().selectFirst("a.button").attr("href"), "Cancel returns to the same list");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated'"),
                "asking changes nothing");

        Page done = confirm(question);
        assertEquals(200, done.status());
        assertEquals(here, done.uri().getRawPath() + "?" + done.uri().getRawQuery(), "back on the same page of the same list");
        assertEquals(names(second), names(done));
        assertEquals("3 keys were blocked: Batch 00, Batch 01 and Batch 02.", flash(done));
        assertEquals(List.of("Batch 00", "Batch 01", "Batch 02"),
                done.doc().select("tr.changed").eachAttr("data-name").stream().sorted().toList(), "the changed rows are marked");
        assertEquals(3, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated'"));
        for (Bot b : chosen) assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_active AND id = " + b.id()));

        // Asked again for the same keys (a second tab): nothing happens twice.
        Page again = confirm(browser.post("/keys/bulk", bulkForm(second, "block", chosen, false)));
        assertEquals("No key was blocked: the chosen keys were already blocked or are gone.", flash(again));
        assertEquals(3, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated'"));

        Page unblocked = confirm(browser.post("/keys/bulk", bulkForm(second, "unblock", List.of(bots.get(0), bots.get(5)), false)));
        assertEquals("Batch 00 was unblocked and its key works again.", flash(unblocked));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_reactivated'"));

        Page deleteQuestion = browser.post("/keys/bulk", bulkForm(second, "delete", bots.subList(10, 17), false));
        assertEquals("Delete 7 keys?", deleteQuestion.doc().selectFirst("h1").text());
        Page deleted = confirm(deleteQuestion);
        assertEquals("7 keys were deleted: Batch 10, Batch 11, Batch 12, Batch 13, Batch 14 and 2 more.", flash(deleted));
        assertEquals(7, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deleted'"));
        assertEquals(53, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }

    @Test
    void parallelBulkRequestsChangeEachKeyExactlyOnce() throws Exception {
        List<Bot> bots = new ArrayList<>();
        for (int i = 0; i < 12; i++) bots.add(Fixtures.bot(member, String.format("Race %02d", i)).bot());
        Page list = browser.get("/keys");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // Overlapping sets in different orders: blocks of everything, and deletes of a few.
                List<Bot> set = new ArrayList<>(bots);
                if (i % 2 == 1) java.util.Collections.reverse(set);
                String action = i < 6 ? "block" : "delete";
                List<Bot> chosen = action.equals("delete") ? set.subList(0, 3) : set;
                calls.add(() -> browser.post("/keys/bulk", bulkForm(list, action, chosen, true)).status());
            }
            for (Future<Integer> status : pool.invokeAll(calls)) assertEquals(200, status.get());
        } finally {
            pool.shutdownNow();
        }
        long deleted = Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deleted'");
        assertEquals(6, deleted, "each end of the list deleted once");
        long deactivated = Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated'");
        long remainingBlocked = Fixtures.count("SELECT count(*) FROM users WHERE is_bot AND NOT is_active");
        assertEquals(6, remainingBlocked, "every remaining key is blocked");
        assertTrue(deactivated >= 6 && deactivated <= 12, "at most one block row per key: " + deactivated);
        assertEquals(0, Fixtures.count("""
                SELECT count(*) FROM (SELECT target_label FROM audit_log WHERE event_type = 'bot_deactivated'
                GROUP BY target_label HAVING count(*) > 1) twice"""), "no key was blocked twice");
    }

    @Test
    void badBulkInputIsRefusedClearly() {
        Bot one = Fixtures.bot(member, "Only One").bot();
        Page list = browser.get("/keys");
        String csrf = WebClient.csrf(list);
        assertEquals(400, browser.post("/keys/bulk", List.of(Map.entry("csrf_token", csrf), Map.entry("action", "block"))).status());
        assertEquals(400, browser.post("/keys/bulk", List.of(Map.entry("csrf_token", csrf), Map.entry("action", "explode"),
                Map.entry("ids", Long.toString(one.id())))).status());
        assertEquals(404, browser.post("/keys/bulk", List.of(Map.entry("csrf_token", csrf), Map.entry("action", "block"),
                Map.entry("ids", "banana"))).status());
        assertEquals(404, browser.post("/keys/bulk", List.of(Map.entry("csrf_token", csrf), Map.entry("action", "block"),
                Map.entry("ids", Long.toString(member.id())))).status(), "a person is not a key");
        List<Map.Entry<String, String>> tooMany = new ArrayList<>(List.of(Map.entry("csrf_token", csrf), Map.entry("action", "delete")));
        IntStream.range(0, 101).forEach(i -> tooMany.add(Map.entry("ids", Long.toString(one.id() + 1000 + i))));
        Page many = browser.post("/keys/bulk", tooMany);
        assertEquals(400, many.status());
        assertTrue(many.text().contains("at most 100"), many.text());
        assertEquals(403, browser.post("/keys/bulk", List.of(Map.entry("action", "block"),
                Map.entry("ids", Long.toString(one.id())), Map.entry("confirmed", "yes"))).status(), "no form token");
        // A back address elsewhere is ignored: the list is where the browser returns.
        Page done = browser.post("/keys/bulk", List.of(Map.entry("csrf_token", csrf), Map.entry("action", "block"),
                Map.entry("ids", Long.toString(one.id())), Map.entry("confirmed", "yes"), Map.entry("back", "https://evil.example/keys")));
        assertEquals("/keys", done.uri().getRawPath());
        assertTrue(Fixtures.count("SELECT count(*) FROM users WHERE is_bot AND NOT is_active") == 1);

        WebClient memberBrowser = new WebClient(keydesk.baseUrl());
        memberBrowser.login("cordelia@zulip.com", Fixtures.PASSWORD);
        Page memberPage = memberBrowser.get("/account");
        assertEquals(403, memberBrowser.post("/keys/bulk", List.of(Map.entry("csrf_token", WebClient.csrf(memberPage)),
                Map.entry("action", "delete"), Map.entry("ids", Long.toString(one.id())), Map.entry("confirmed", "yes"))).status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }

    @Test
    void aSingleActionWithoutJavaScriptReturnsToTheSameSearchSortAndPage() {
        for (int i = 0; i < 55; i++) Fixtures.bot(member, String.format("Return %02d", i));
        Page first = browser.get("/keys?q=Return&sort=created&state=active");
        Page second = browser.get(first.doc().selectFirst("a[rel=next]").attr("href"));
        String here = second.uri().getRawPath() + "?" + second.uri().getRawQuery();
        Element row = second.doc().selectFirst("tbody tr[data-name]");
        String name = row.attr("data-name");
        String action = row.selectFirst("form[action$=/block]").attr("action");
        Page question = browser.submit(second, action, Map.of());
        assertEquals("Block API Key", question.doc().selectFirst("h1").text());
        assertEquals(here, question.doc().selectFirst("main form input[name=back]").attr("value"));
        assertNotNull(question.doc().selectFirst("a.button[autofocus]"), "Cancel has the focus, not Block");
        Page done = confirm(question);
        assertEquals(here, done.uri().getRawPath() + "?" + done.uri().getRawQuery());
        assertEquals(name + " was blocked. Its key authenticates nothing until it is unblocked.", flash(done));
        // The filter is "active": the blocked key has left this list; the rest of the page is as it was.
        assertFalse(names(done).contains(name));
    }

    @Test
    void aRefusedFormComesBackWithWhatWasTypedAndTheMessageBesideItsField() {
        Fixtures.bot(member, "Taken Name");
        Page form = browser.get("/keys/new");
        assertEquals(List.of(Long.toString(admin.id())), form.doc().select("input[name=accounts][checked]").eachAttr("value"),
                "the creator is ticked");
        Page refused = browser.submit(form, "/keys", Map.of("name", "Taken Name", "webhook_url", "https://ci.example.com/x",
                "accounts", Long.toString(member.id())));
        assertEquals(400, refused.status());
        Element name = refused.doc().selectFirst("#key-name");
        assertEquals("Taken Name", name.attr("value"));
        assertEquals("true", name.attr("aria-invalid"));
        Element error = refused.doc().getElementById(name.attr("aria-describedby"));
        assertNotNull(error, "the message is tied to the field");
        assertEquals("Name is already in use!", error.text());
        assertEquals("https://ci.example.com/x", refused.doc().selectFirst("#key-webhook").attr("value"));
        assertEquals(List.of(Long.toString(member.id())), refused.doc().select("input[name=accounts][checked]").eachAttr("value"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }

    @Test
    void theAccountPickerStaysSmallAndSearchableAtTenThousandPeople() throws Exception {
        Fixtures.execute("""
                INSERT INTO users (email, full_name, role, is_active)
                SELECT format('person-%s@zulip.com', lpad(n::text, 5, '0')), format('Person %s', lpad(n::text, 5, '0')), 400, true
                FROM generate_series(1, 10000) n""");
        Bot owned = Fixtures.bot(member, "Picker Bot").bot();
        Page list = browser.get("/keys");
        assertTrue(list.body().length() < 80_000, "the Keys page is " + list.body().length() + " characters");
        Element newPicker = list.doc().selectFirst("#new-key-dialog [data-account-picker]");
        assertTrue(newPicker.select("input[name=accounts]").size() <= 21, "a bounded list of accounts to tick");
        assertEquals(List.of(Long.toString(admin.id())), newPicker.select("input[name=accounts][checked]").eachAttr("value"));
        assertTrue(newPicker.text().contains("More accounts match"), newPicker.text());

        // Without JavaScript: Find submits the form, which comes back with the matches and what was typed.
        Page form = browser.get("/keys/new");
        assertTrue(form.body().length() < 40_000, "the New API Key page is " + form.body().length() + " characters");
        Page found = browser.submit(form, "/keys", Map.of("name", "Half Typed", "picker_q", "person-0999", "picker_find", "1"));
        assertEquals(200, found.status());
        assertEquals("Half Typed", found.doc().selectFirst("#key-name").attr("value"));
        List<String> matches = found.doc().select("[data-picker-results] label").eachText();
        assertEquals(10, matches.size(), matches.toString());
        assertTrue(matches.get(0).startsWith("Person 09990"), matches.toString());
        assertEquals(List.of(Long.toString(admin.id())), found.doc().select("input[name=accounts][checked]").eachAttr("value"),
                "the chosen accounts stay chosen");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"), "searching creates nothing");
        long chosenId = Long.parseLong(found.doc().selectFirst("[data-picker-results] input").attr("value"));
        List<Map.Entry<String, String>> create = new ArrayList<>(List.of(Map.entry("csrf_token", WebClient.csrf(found)),
                Map.entry("name", "Half Typed"), Map.entry("accounts", Long.toString(admin.id())),
                Map.entry("accounts", Long.toString(chosenId))));
        Page created = browser.post("/keys", create);
        assertEquals("Half Typed was created.", flash(created));
        assertEquals(2, Fixtures.count("SELECT count(*) FROM bot_owners o JOIN users u ON u.id = o.bot_id WHERE u.full_name = 'Half Typed'"));

        // With JavaScript the same search answers as JSON, as short as the list.
        JsonNode json = new ObjectMapper().readTree(browser.get("/account-choices?q=person-0").body());
        assertEquals(20, json.size());
        assertEquals("Person 00001", json.get(0).get("full_name").asText());
        assertEquals(1, new ObjectMapper().readTree(browser.get("/account-choices?q=PERSON-10000").body()).size());
        assertEquals(0, new ObjectMapper().readTree(browser.get("/account-choices?q=%25").body()).size(), "% is literal");

        // The bot page's owners: the same picker for the member who owns the bot.
        WebClient owner = new WebClient(keydesk.baseUrl());
        owner.login("cordelia@zulip.com", Fixtures.PASSWORD);
        Page edit = owner.get("/bots/" + owned.id() + "/edit");
        assertTrue(edit.body().length() < 40_000, "the bot form is " + edit.body().length() + " characters");
        assertEquals(List.of(Long.toString(member.id())), edit.doc().select("input[name=owner_ids][checked]").eachAttr("value"));
        // A member finds someone they share no bot with only by the whole address, not by part of it.
        Page partial = owner.submit(edit, "/bots/" + owned.id() + "/edit", Map.of("picker_q", "iago", "picker_find", "1"));
        assertEquals(200, partial.status());
        assertEquals(List.of(), partial.doc().select("[data-picker-results] input").eachAttr("value"));
        Page ownerSearch = owner.submit(edit, "/bots/" + owned.id() + "/edit",
                Map.of("picker_q", "iago@zulip.com", "picker_find", "1"));
        assertEquals(200, ownerSearch.status());
        assertEquals(List.of(Long.toString(admin.id())), ownerSearch.doc().select("[data-picker-results] input").eachAttr("value"));
    }
}
