package dev.keydesk.ratelimit;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Wrong passwords from one address lock that address out of the account (5 in 30 minutes, as
 * Zulip counts them per username), not the account's owner elsewhere. The "attacker" sends from
 * 127.0.0.2, a second address of this machine's loopback network; the owner from 127.0.0.1.
 */
@IntegrationTest
class TargetedLockoutTest {
    private static final String ATTACKER = "127.0.0.2";

    private final TestKeydesk keydesk = TestKeydesk.get();

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.member("iago@zulip.com");
    }

    /** POST /api/v1/fetch_api_key from {@code from}; returns the status code. */
    private int fetchApiKeyFrom(String from, String password) throws IOException {
        byte[] body = Http.urlencode(Map.of("username", "iago@zulip.com", "password", password))
                .getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", keydesk.primary().port()), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/fetch_api_key HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 "), answer);
            return Integer.parseInt(answer.substring(9, 12));
        }
    }

    private int fetchApiKeyFromHere(String password) {
        return Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Map.of("username", "iago@zulip.com", "password", password), null).status();
    }

    @Test
    void fiveWrongPasswordsFromElsewhereDoNotLockTheOwnerOut() throws Exception {
        for (int i = 1; i <= 5; i++) assertEquals(401, fetchApiKeyFrom(ATTACKER, "guess " + i), "guess " + i);
        assertEquals(429, fetchApiKeyFrom(ATTACKER, "guess 6"));

        assertEquals(200, fetchApiKeyFromHere(Fixtures.PASSWORD), "the owner's own address is not locked");
        WebClient browser = new WebClient(keydesk.baseUrl());
        WebClient.Page account = browser.login("iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(200, account.status());
        assertTrue(account.doc().selectFirst("form[action=/logout]") != null, "signed in:\n" + account.body());
    }

    @Test
    void theAddressThatGuessedStaysLockedOutEvenWithTheRightPassword() throws Exception {
        for (int i = 1; i <= 5; i++) assertEquals(401, fetchApiKeyFrom(ATTACKER, "guess " + i), "guess " + i);
        assertEquals(429, fetchApiKeyFrom(ATTACKER, Fixtures.PASSWORD), "the right password does not help the guesser");
        // The owner signing in elsewhere does not lift the guesser's lockout.
        assertEquals(200, fetchApiKeyFromHere(Fixtures.PASSWORD));
        assertEquals(429, fetchApiKeyFrom(ATTACKER, Fixtures.PASSWORD));
        assertEquals(429, fetchApiKeyFrom(ATTACKER, "guess 7"));
    }
}
