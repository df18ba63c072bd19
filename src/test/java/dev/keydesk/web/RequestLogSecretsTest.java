package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.RequestLog;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request log, switched on as in production, while people use one-time links (setup,
 * invitation, password reset), passwords and keys: every request is logged, and none of those
 * secrets appears anywhere in what is logged meanwhile.
 */
@IntegrationTest
class RequestLogSecretsTest {
    /** A password no other test uses, so finding it in the log can only mean these requests put it there. */
    private static final String NEW_PASSWORD = "quiet owls keep 7 secrets";

    private final TestKeydesk keydesk = TestKeydesk.get();

    @BeforeEach
    void setUp() {
        keydesk.reset();
    }

    @Test
    void theSetupLinkAndTheOwnersPasswordStayOutOfTheRequestLog() {
        String token = Fixtures.setupToken();
        try (RequestLog log = RequestLog.on()) {
            WebClient browser = new WebClient(keydesk.baseUrl());
            Page form = browser.get("/setup/" + token);
            assertEquals(200, form.status(), form.body());
            Page account = browser.submit(form, "/setup/" + token, Map.of("org_name", "Acme", "full_name", "Desdemona",
                    "email", "desdemona@zulip.com", "password", NEW_PASSWORD, "password_confirm", NEW_PASSWORD));
            assertEquals("Account & privacy", account.doc().selectFirst("h1").text(), account.body());

            log.awaitLines(List.of("GET /setup/", "POST /setup/"));
            assertNotLogged(log, Map.of("setup token", token, "password", NEW_PASSWORD));
        }
    }

    @Test
    void anInvitationLinkAndTheInviteesPasswordStayOutOfTheRequestLog() {
        User iago = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        String token = Fixtures.invite(iago, "othello@zulip.com");
        try (RequestLog log = RequestLog.on()) {
            WebClient browser = new WebClient(keydesk.baseUrl());
            Page form = browser.get("/invite/" + token);
            assertEquals(200, form.status(), form.body());
            Page account = browser.submit(form, "/invite/" + token, Map.of("full_name", "Othello",
                    "password", NEW_PASSWORD, "password_confirm", NEW_PASSWORD));
            assertEquals("Account & privacy", account.doc().selectFirst("h1").text(), account.body());
            assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE email = 'othello@zulip.com'"));

            log.awaitLines(List.of("GET /invite/", "POST /invite/"));
            assertNotLogged(log, Map.of("invitation token", token, "password", NEW_PASSWORD));
        }
    }

    @Test
    void aResetLinkAndTheNewPasswordStayOutOfTheRequestLog() {
        Fixtures.member("iago@zulip.com");
        try (RequestLog log = RequestLog.on()) {
            WebClient browser = new WebClient(keydesk.baseUrl());
            Page sent = browser.submit(browser.get("/accounts/password/reset"), "/accounts/password/reset",
                    Map.of("email", "iago@zulip.com"));
            assertEquals(200, sent.status(), sent.body());
            assertTrue(keydesk.mail().waitForIncomingEmail(30_000, 1), "no reset e-mail arrived");
            MimeMessage mail = keydesk.mail().getReceivedMessages()[0];
            Matcher link = Pattern.compile(Pattern.quote(keydesk.baseUrl()) + "(/accounts/password/reset/([A-Za-z0-9_-]{43}))")
                    .matcher(Mails.body(mail));
            assertTrue(link.find(), Mails.body(mail));
            String path = link.group(1);
            String token = link.group(2);

            Page form = browser.get(path);
            assertEquals(200, form.status(), form.body());
            Page done = browser.submit(form, path, Map.of("new_password", NEW_PASSWORD, "new_password_confirm", NEW_PASSWORD));
            assertEquals(200, done.status(), done.body());
            assertEquals("Account & privacy", new WebClient(keydesk.baseUrl()).login("iago@zulip.com", NEW_PASSWORD)
                    .doc().selectFirst("h1").text(), "the new password works");

            // The request form's own path has no secret and is logged as it is.
            log.awaitLines(List.of("POST /accounts/password/reset 200 ", "GET /accounts/password/reset/",
                    "POST /accounts/password/reset/"));
            assertNotLogged(log, Map.of("reset token", token, "password", NEW_PASSWORD));
        }
    }

    @Test
    void keysAndPasswordsStayOutOfTheRequestLog() {
        User iago = Fixtures.member("iago@zulip.com");
        String key = Fixtures.keyOf(iago);
        String base = keydesk.baseUrl();
        try (RequestLog log = RequestLog.on()) {
            Page account = new WebClient(base).login("iago@zulip.com", Fixtures.PASSWORD);
            assertEquals("Account & privacy", account.doc().selectFirst("h1").text(), account.body());

            Http.Response fetched = Http.postForm(base + "/api/v1/fetch_api_key",
                    Http.form("username", "iago@zulip.com", "password", Fixtures.PASSWORD), null,
                    Map.of("User-Agent", "ZulipMobile/27.1 (iOS 17)"));
            assertEquals(200, fetched.status(), fetched.body());
            String deviceKey = fetched.json().get("api_key").asText();
            assertEquals(200, Http.get(base + "/api/v1/users/me", Http.basic("iago@zulip.com", deviceKey)).status());
            Http.Response regenerated = Http.postForm(base + "/api/v1/users/me/api_key/regenerate", Map.of(),
                    Http.basic("iago@zulip.com", key));
            assertEquals(200, regenerated.status(), regenerated.body());
            String newKey = regenerated.json().get("api_key").asText();
            assertEquals(401, Http.get(base + "/api/v1/users/me", Http.basic("iago@zulip.com", key)).status());

            log.awaitLines(List.of("POST /login 303 ", "POST /api/v1/fetch_api_key 200 ", "GET /api/v1/users/me 200 ",
                    "POST /api/v1/users/me/api_key/regenerate 200 ", "GET /api/v1/users/me 401 "));
            assertNotLogged(log, Map.of("password", Fixtures.PASSWORD, "key", key, "device key", deviceKey,
                    "new key", newKey, "Basic credentials", Http.basic("iago@zulip.com", key).substring("Basic ".length())));
        }
    }

    /** A made-up method of 7,000 letters takes a few characters of the log line, not 7,000. */
    @Test
    void aMadeUpLongMethodIsLoggedCutShort() {
        String method = "X" + "Q".repeat(6_999);
        try (RequestLog log = RequestLog.on()) {
            Http.Response answer = Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(keydesk.baseUrl() + "/api/v1/users/me"))
                    .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(405, answer.status());
            log.awaitLines(List.of("XQQQQQQQQQQQQQQQ… /api/v1/users/me 405 "));
            assertFalse(log.text().contains("Q".repeat(16)), log.text());
        }
    }

    /** Neither a secret nor its form-encoded spelling is anywhere in what was logged. */
    private static void assertNotLogged(RequestLog log, Map<String, String> secrets) {
        String logged = log.text();
        secrets.forEach((what, secret) -> {
            assertFalse(logged.contains(secret), "the log shows the " + what + ":\n" + logged);
            assertFalse(logged.contains(URLEncoder.encode(secret, StandardCharsets.UTF_8)),
                    "the log shows the " + what + ", form-encoded:\n" + logged);
        });
    }
}
