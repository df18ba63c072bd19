package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.Wait;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The e-mail an account gets when fetch_api_key hands a key to a device unlike any it keeps
 * logged in: a new combination of client, user agent and address. Sent through a Keydesk of
 * this test's own that trusts 127.0.0.1 as a proxy, so each call comes from the address it names
 * in X-Forwarded-For; the e-mails arrive at the shared test SMTP server.
 */
@IntegrationTest
class NewLoginNoticeTest {
    private static final String PHONE = "ZulipMobile/27.212 (Android 14)";
    private static Keydesk behindProxy;
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;

    @BeforeAll
    static void start() {
        behindProxy = TestKeydesk.get().startBehindProxy();
    }

    @AfterAll
    static void stop() {
        behindProxy.close();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        behindProxy.services().keyCache().forgetAll();
        iago = Fixtures.member("iago@zulip.com");
    }

    /** fetch_api_key from {@code address}; {@code client} (the parameter) may be null. */
    private static Http.Response fetch(String address, String client, String userAgent) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("username", "iago@zulip.com");
        form.put("password", Fixtures.PASSWORD);
        if (client != null) form.put("client", client);
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        Http.Response r = Http.send(HttpRequest.newBuilder(URI.create(url("/api/v1/fetch_api_key")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Forwarded-For", address)
                .header("User-Agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals(200, r.status(), r.body());
        return r;
    }

    private static String url(String path) {
        return "http://localhost:" + behindProxy.port() + path;
    }

    private MimeMessage[] awaitMails(int count) {
        return Mails.await(keydesk.mail(), count);
    }

    /** Every e-mail queued so far has been sent: the mailbox holds all there will be. */
    private MimeMessage[] allMailsOnceSent() {
        Mails.awaitOutboxEmpty();
        return keydesk.mail().getReceivedMessages();
    }

    @Test
    void aKnownClientNameFromANewAddressIsNoticed() {
        fetch("198.51.100.1", null, PHONE);
        assertEquals(1, awaitMails(1).length);

        // The name the phone goes by, claimed from somewhere else with the phone's very user agent.
        fetch("203.0.113.66", "ZulipMobile", PHONE);
        MimeMessage notice = awaitMails(2)[1];
        assertEquals("iago@zulip.com", Mails.recipient(notice));
        assertEquals("New login to your Keydesk account", Mails.subject(notice));
        String body = Mails.body(notice);
        assertTrue(body.contains("Client:     \"ZulipMobile\""), body);
        assertTrue(body.contains("User agent: \"" + PHONE + "\""), body);
        assertTrue(body.contains("Address:    203.0.113.66"), body);
        assertTrue(body.contains("Change your password"), body);
        assertTrue(body.contains("Log out"), body);
        assertTrue(body.contains(url("/account")), body);
        assertEquals(2, allMailsOnceSent().length);
    }

    @Test
    void aKnownClientNameWithANewUserAgentIsNoticed() {
        fetch("198.51.100.1", null, PHONE);
        awaitMails(1);
        // As reported: the caller names a client the account uses; its user agent gives it away.
        fetch("198.51.100.1", "ZulipMobile", "curl/8.5.0");
        String body = Mails.body(awaitMails(2)[1]);
        assertTrue(body.contains("Client:     \"ZulipMobile\""), body);
        assertTrue(body.contains("User agent: \"curl/8.5.0\""), body);
        assertTrue(body.contains("Address:    198.51.100.1"), body);
        assertEquals(2, allMailsOnceSent().length);
    }

    @Test
    void theSameCombinationAgainIsNotNoticed() {
        fetch("198.51.100.1", null, PHONE);
        awaitMails(1);
        fetch("198.51.100.1", null, PHONE);
        fetch("198.51.100.1", "ZulipMobile", PHONE); // the name the user agent gives anyway
        assertEquals(3, Fixtures.count("SELECT count(*) FROM devices WHERE user_id = " + iago.id()));
        assertEquals(1, allMailsOnceSent().length, "one notice for three logins of one device");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'email'"));
    }

    /**
     * A phone that fetches a key each time it starts, from whichever network it is on: once its
     * key has been used from an address, a login from there is no news.
     */
    @Test
    void anAddressADeviceUsedItsKeyFromIsKnown() {
        String key = fetch("198.51.100.1", null, PHONE).json().get("api_key").asText();
        awaitMails(1);
        Http.Response me = Http.send(HttpRequest.newBuilder(URI.create(url("/api/v1/users/me")))
                .header("Authorization", Http.basic("iago@zulip.com", key))
                .header("X-Forwarded-For", "192.0.2.200").GET().build());
        assertEquals(200, me.status(), me.body());
        Wait.until("the use from 192.0.2.200 to be recorded", Mails.WAIT,
                () -> Fixtures.count("SELECT count(*) FROM api_key_addresses WHERE ip = '192.0.2.200'") == 1);

        fetch("192.0.2.200", null, PHONE);
        assertEquals(1, allMailsOnceSent().length, "the phone was seen at 192.0.2.200");
        fetch("192.0.2.201", null, PHONE);
        assertEquals(2, awaitMails(2).length, "but nowhere else");
        assertTrue(Mails.body(keydesk.mail().getReceivedMessages()[1]).contains("Address:    192.0.2.201"));
    }

    @Test
    void aLoggedOutDeviceIsNoLongerKnown() {
        fetch("198.51.100.1", null, PHONE);
        awaitMails(1);
        Fixtures.deactivate(iago);
        Fixtures.reactivate(iago);
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"), "deactivation logged the device out");
        fetch("198.51.100.1", null, PHONE);
        assertEquals(2, awaitMails(2).length);
    }

    /**
     * The client's name is the caller's to choose, down to characters that break a line or turn
     * the text around: the notice shows them escaped, inside quotes.
     */
    @Test
    void whatTheCallerChoseIsQuotedAndEscaped() {
        String client = "Zulip\u202Eelibom\u0085Keydesk: all is well \"really\"\u2028\\";
        fetch("198.51.100.9", client, "curl/8.5.0");
        String body = Mails.body(awaitMails(1)[0]);
        assertTrue(body.contains("Client:     \"Zulip\\u{202E}elibom\\u{85}Keydesk: all is well \\\"really\\\"\\u{2028}\\\\\""),
                body);
        for (char hidden : new char[] {'\u202E', '\u0085', '\u2028'}) {
            assertFalse(body.indexOf(hidden) >= 0, "U+" + Integer.toHexString(hidden) + " reached the e-mail: " + body);
        }
    }
}
