package dev.keydesk.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The first-run page behind the one-time setup link. */
@IntegrationTest
class SetupPageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private String token;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        token = Fixtures.setupToken();
    }

    private Map<String, String> owner() {
        return Map.of("org_name", "Acme", "full_name", "Desdemona", "email", "desdemona@zulip.com",
                "password", "a long password", "password_confirm", "a long password");
    }

    @Test
    void theLinkCreatesTheOrganizationAndOwnerOnce() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page form = browser.get("/setup/" + token);
        assertEquals(200, form.status());
        Page account = browser.submit(form, "/setup/" + token, owner());
        assertEquals(200, account.status());
        assertEquals("Account & privacy", account.doc().selectFirst("h1").text());
        assertEquals("Owner", account.doc().select(".facts dd").get(2).text());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'organization_created'"));

        WebClient second = new WebClient(keydesk.baseUrl());
        assertEquals(404, second.get("/setup/" + token).status());
        Page again = second.post("/setup/" + token, owner());
        assertTrue(again.status() == 403 || again.status() == 404, "status " + again.status());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users"));
    }

    @Test
    void otherTokensOpenNothing() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        assertEquals(404, browser.get("/setup/not-the-token").status());
        assertEquals(404, browser.get("/setup/" + token.substring(1)).status());
    }

    @Test
    void badInputIsExplainedAndCreatesNothing() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        Page form = browser.get("/setup/" + token);
        Page mismatch = browser.submit(form, "/setup/" + token, Map.of("org_name", "Acme", "full_name", "D",
                "email", "d@zulip.com", "password", "a long password", "password_confirm", "another one"));
        assertEquals(400, mismatch.status());
        Page badEmail = browser.submit(form, "/setup/" + token, Map.of("org_name", "Acme", "full_name", "D",
                "email", "not-an-address", "password", "a long password", "password_confirm", "a long password"));
        assertEquals(400, badEmail.status());
        assertTrue(badEmail.doc().selectFirst("[role=alert]").text().contains("valid email"));
        Page noOrg = browser.submit(form, "/setup/" + token, Map.of("org_name", " ", "full_name", "D",
                "email", "d@zulip.com", "password", "a long password", "password_confirm", "a long password"));
        assertEquals(400, noOrg.status());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM organizations"));
        assertEquals(200, browser.get("/setup/" + token).status(), "the link still works after a failed try");
    }
}
