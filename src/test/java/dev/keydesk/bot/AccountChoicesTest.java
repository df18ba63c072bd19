package dev.keydesk.bot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The owner pickers' search ({@code GET /account-choices} and the form's Find button) lists only
 * whom the caller may pick: administrators anyone, a member the people they already see on their
 * own bots and anyone else only by the whole e-mail address; and each account's searches are
 * limited in number.
 */
@IntegrationTest
class AccountChoicesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;
    private User othello;
    private long botId;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
        iago = Fixtures.member("iago@zulip.com");
        othello = Fixtures.member("othello@zulip.com");
        Fixtures.member("cordelia@zulip.com");
        Fixtures.member("prospero@zulip.com");
        botId = Fixtures.newBot("Deploy Bot").shortName("deploy").owners(iago, othello).createdBy(iago).bot().id();
    }

    private WebClient signedIn(String email) {
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(email, Fixtures.PASSWORD);
        return browser;
    }

    private static List<String> emails(WebClient browser, String q) throws Exception {
        WebClient.Page page = browser.get("/account-choices?q=" + q);
        assertEquals(200, page.status(), page.body());
        List<String> emails = new ArrayList<>();
        for (JsonNode person : JSON.readTree(page.body())) emails.add(person.get("email").asText());
        return emails;
    }

    @Test
    void aMemberFindsThePeopleOfTheirOwnBotsAndOthersOnlyByTheWholeAddress() throws Exception {
        WebClient member = signedIn("iago@zulip.com");
        assertEquals(List.of("iago@zulip.com", "othello@zulip.com"), sorted(emails(member, "")));
        assertEquals(List.of("iago@zulip.com", "othello@zulip.com"), sorted(emails(member, "zulip.com")));
        assertEquals(List.of(), emails(member, "cordelia"));
        assertEquals(List.of(), emails(member, "cordelia%40zulip"));
        assertEquals(List.of("cordelia@zulip.com"), emails(member, "CORDELIA%40zulip.com"));

        WebClient lonely = signedIn("prospero@zulip.com");
        assertEquals(List.of("prospero@zulip.com"), emails(lonely, ""), "a member without bots sees only themself");

        WebClient admin = signedIn("hamlet@zulip.com");
        assertEquals(List.of("cordelia@zulip.com", "hamlet@zulip.com", "iago@zulip.com", "othello@zulip.com",
                "prospero@zulip.com"), sorted(emails(admin, "")));
    }

    @Test
    void theFormsFindButtonListsNoMoreThanTheScriptsSearch() {
        WebClient member = signedIn("iago@zulip.com");
        WebClient.Page edit = member.get("/bots/" + botId + "/edit");
        assertEquals(200, edit.status());
        WebClient.Page found = member.post("/bots/" + botId + "/edit", List.of(
                Map.entry("csrf_token", WebClient.csrf(edit)), Map.entry("full_name", "Deploy Bot"),
                Map.entry("owner_ids", Long.toString(iago.id())), Map.entry("owner_ids", Long.toString(othello.id())),
                Map.entry(AccountPicker.SEARCH, "zulip"), Map.entry(AccountPicker.FIND, "Find")));
        assertEquals(200, found.status(), found.body());
        List<String> listed = found.doc().select("[data-picker-results] label").eachText();
        assertTrue(listed.stream().noneMatch(l -> l.contains("cordelia") || l.contains("prospero") || l.contains("hamlet")),
                listed.toString());
        assertEquals(2, found.doc().select("input[name=owner_ids][checked]").size(), "the chosen owners stay chosen");
    }

    @Test
    void eachAccountsSearchesAreLimited() throws Exception {
        WebClient member = signedIn("iago@zulip.com");
        int limit = AccountChoicesRoutes.LIMIT.requests();
        for (int i = 0; i < limit; i++) {
            assertEquals(200, member.get("/account-choices?q=o" + i).status(), "search " + (i + 1));
        }
        WebClient.Page refused = member.get("/account-choices?q=cordelia%40zulip.com");
        assertEquals(429, refused.status());
        assertNotNull(refused.header("Retry-After"));
        assertTrue(Long.parseLong(refused.header("Retry-After")) >= 1);
        assertTrue(!refused.body().contains("cordelia@zulip.com"), refused.body());

        assertEquals(List.of("cordelia@zulip.com"), emails(signedIn("othello@zulip.com"), "cordelia%40zulip.com"),
                "another account is not limited by iago's searches");
    }

    private static List<String> sorted(List<String> list) {
        return list.stream().sorted().toList();
    }
}
