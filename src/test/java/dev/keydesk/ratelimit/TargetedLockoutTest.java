package dev.keydesk.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.Tuning;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.outbox.Backoff;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Wrong passwords from one address lock that address out of the account (5 in 30 minutes, as
 * Zulip counts them per username), not the account's owner elsewhere. The first tests' "attacker"
 * sends from 127.0.0.2, a second address of this machine's loopback network; the owner from
 * 127.0.0.1. The others speak to a server of this test's own that trusts 127.0.0.1 as a proxy,
 * naming any client address, IPv6 ones included, in X-Forwarded-For.
 */
@IntegrationTest
class TargetedLockoutTest {
    private static final String ATTACKER = "127.0.0.2";
    private static final String IAGO = "iago@zulip.com";
    private static final Pattern RESET_LINK = Pattern.compile("/accounts/password/reset/[A-Za-z0-9_-]{43}");
    private static Keydesk proxied;

    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;

    @BeforeAll
    static void start() {
        proxied = TestKeydesk.get().startSeparate(Map.of("KEYDESK_TRUSTED_PROXIES", "127.0.0.1"),
                Tuning.standard().withBackoff(new Backoff(0.01)));
    }

    @AfterAll
    static void stop() {
        proxied.close();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        proxied.services().keyCache().forgetAll();
        iago = Fixtures.member(IAGO);
    }

    private static String proxiedUrl() {
        return "http://localhost:" + proxied.port();
    }

    /** fetch_api_key for iago through the proxy, from {@code client}; returns the status code. */
    private static int fetchApiKeyVia(String client, String password) {
        return Http.postForm(proxiedUrl() + "/api/v1/fetch_api_key", Map.of("username", IAGO, "password", password), null,
                Map.of("X-Forwarded-For", client)).status();
    }

    /** How many of {@code guesses} wrong passwords from each of {@code clients} were checked (401) and refused (429). */
    private static int[] wrongPasswordsFrom(List<String> clients, int guesses) {
        int[] answers = new int[2];
        for (String client : clients) {
            for (int i = 0; i < guesses; i++) {
                int status = fetchApiKeyVia(client, "guess " + i + " from " + client);
                if (status == 401) answers[0]++;
                else if (status == 429) answers[1]++;
                else throw new AssertionError("unexpected status " + status + " for a wrong password from " + client);
            }
        }
        return answers;
    }

    /** {@code count} addresses, each in a /64 of its own: 2001:db8:{@code tag}:1::1, 2001:db8:{@code tag}:2::1, … */
    private static List<String> separatePrefixes(String tag, int count) {
        return java.util.stream.IntStream.rangeClosed(1, count).mapToObj(i -> "2001:db8:" + tag + ":" + Integer.toHexString(i) + "::1")
                .toList();
    }

    private static Http.Response reportVia(String client) {
        return Http.postForm(proxiedUrl() + "/api/v1/keys/report", Map.of("keys", ApiKeyFormat.generate()), null,
                Map.of("X-Forwarded-For", client));
    }

    private static WebClient browserAt(String client) {
        return new WebClient(proxiedUrl(), Map.of("X-Forwarded-For", client));
    }

    private static int requestResetFrom(String client) {
        WebClient browser = browserAt(client);
        WebClient.Page form = browser.get("/accounts/password/reset");
        assertEquals(200, form.status());
        return browser.submit(form, "/accounts/password/reset", Map.of("email", IAGO)).status();
    }

    /** Reset e-mails queued for iago: one audit row each. */
    private long resetMailsQueued() {
        return Fixtures.auditEvents(iago.id()).stream().filter("password_reset_requested"::equals).count();
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

    @Test
    void oneIpv6PrefixIsOneClientSoItCannotLockTheOwnerOut() {
        // A hundred wrong passwords, each from another address of one /64, as anyone holding a /64 can send them.
        List<String> sameNetwork = java.util.stream.IntStream.rangeClosed(1, 100)
                .mapToObj(i -> "2001:db8:1:2::" + Integer.toHexString(i)).toList();
        int[] answers = wrongPasswordsFrom(sameNetwork, 1);

        assertEquals(200, fetchApiKeyVia("198.51.100.7", Fixtures.PASSWORD), "the owner elsewhere is not locked out");
        WebClient.Page account = browserAt("203.0.113.9").login(IAGO, Fixtures.PASSWORD);
        assertTrue(account.doc().selectFirst("form[action=/logout]") != null, "signed in from elsewhere:\n" + account.body());
        assertEquals(5, answers[0], "the /64 had the 5 guesses one address has");
        assertEquals(95, answers[1]);
        assertEquals(429, fetchApiKeyVia("2001:db8:1:2:ffff::1", "another guess"), "the /64 stays limited");
        assertEquals(429, fetchApiKeyVia("2001:db8:1:2::77", Fixtures.PASSWORD), "even with the right password");
    }

    @Test
    void guessesSpreadOverManyPrefixesMeetTheCapWhileTheOwnerStillGetsInWhereSheSignedInBefore() {
        assertEquals(200, fetchApiKeyVia("2001:db8:ffff:1::10", Fixtures.PASSWORD), "iago's own network, before the attack");

        int[] answers = wrongPasswordsFrom(separatePrefixes("a", 25), 5);
        assertEquals(100, answers[0], "the username's cap: 100 wrong passwords checked in all");
        assertEquals(25, answers[1]);
        assertEquals(429, fetchApiKeyVia("2001:db8:b:1::1", "a guess from yet another prefix"));
        assertEquals(429, fetchApiKeyVia("198.51.100.99", Fixtures.PASSWORD),
                "at an address never used, even the right password waits: the cap bounds guessing from anywhere");

        // Another address of the /64 iago signed in from (privacy addresses change): still hers.
        assertEquals(200, fetchApiKeyVia("2001:db8:ffff:1::20", Fixtures.PASSWORD), "the owner where she signed in before");
        // Someone on iago's own network has that network's 5 guesses, no more.
        int[] fromHerNetwork = wrongPasswordsFrom(List.of("2001:db8:ffff:1::99"), 7);
        assertEquals(5, fromHerNetwork[0]);
        assertEquals(2, fromHerNetwork[1]);
    }

    @Test
    void resetRequestsFromStrangersDoNotBlockTheOwnersOwnAndTheMailsStayBounded() throws Exception {
        assertEquals(200, fetchApiKeyVia("2001:db8:ffff:1::10", Fixtures.PASSWORD), "iago uses Keydesk from home");
        for (String stranger : List.of("198.51.100.21", "198.51.100.22", "198.51.100.23")) {
            assertEquals(200, requestResetFrom(stranger), stranger);
        }
        assertEquals(200, requestResetFrom("2001:db8:ffff:1::30"), "iago's own request from home");
        assertEquals(4, resetMailsQueued(), "her request sent her a link of its own");

        // More strangers are answered as always, but send the account nothing more this hour.
        for (String stranger : separatePrefixes("c", 10)) assertEquals(200, requestResetFrom(stranger), stranger);
        assertEquals(200, requestResetFrom("198.51.100.50"), "iago, at a café");
        assertEquals(4, resetMailsQueued(), "three e-mails an hour from strangers' requests, however many ask");
        // One /64 asking again and again is refused, as one address is.
        for (int i = 1; i <= 3; i++) requestResetFrom("2001:db8:d:1::" + i);
        assertEquals(429, requestResetFrom("2001:db8:d:1::99"));
    }

    @Test
    void aResetCompletedFromANewAddressLetsTheOwnerInThereDespiteTheCap() throws Exception {
        wrongPasswordsFrom(separatePrefixes("a", 20), 5);
        String cafe = "198.51.100.50";
        assertEquals(429, fetchApiKeyVia(cafe, Fixtures.PASSWORD), "the cap is full");

        assertEquals(200, requestResetFrom(cafe));
        String link = awaitResetLink();
        WebClient browser = browserAt(cafe);
        WebClient.Page form = browser.get(link);
        assertEquals(200, form.status(), form.body());
        WebClient.Page done = browser.submit(form, link, Map.of("new_password", "a brand new passphrase",
                "new_password_confirm", "a brand new passphrase"));
        assertEquals(200, done.status(), done.body());

        assertEquals(200, fetchApiKeyVia(cafe, "a brand new passphrase"), "the address that proved the mailbox is hers");
        assertEquals(429, fetchApiKeyVia("198.51.100.51", "a brand new passphrase"), "the cap still holds elsewhere");
    }

    private String awaitResetLink() throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<MimeMessage> mails = Arrays.stream(keydesk.mail().getReceivedMessages())
                    .filter(m -> IAGO.equals(Mails.recipient(m)) && "Reset your Keydesk password".equals(Mails.subject(m))).toList();
            if (!mails.isEmpty()) {
                Matcher link = RESET_LINK.matcher(Mails.body(mails.get(mails.size() - 1)));
                assertTrue(link.find(), Mails.body(mails.get(mails.size() - 1)));
                return link.group();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no reset e-mail arrived");
    }

    @Test
    void leakReportsAreCountedPerIpv6Prefix() {
        for (int i = 1; i <= 20; i++) assertEquals(200, reportVia("2001:db8:5:6::" + Integer.toHexString(i)).status(), "report " + i);
        Http.Response limited = reportVia("2001:db8:5:6:abcd::1");
        assertEquals(429, limited.status(), "the same /64");
        assertEquals(200, reportVia("2001:db8:5:7::1").status(), "the next /64 is another client");
    }

    @Test
    void failedApiKeysAreCountedPerIpv6Prefix() {
        for (int i = 1; i <= 100; i++) {
            Http.Response failed = Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(proxiedUrl() + "/api/v1/users/me"))
                    .header("Authorization", Http.basic(IAGO, ApiKeyFormat.generate()))
                    .header("X-Forwarded-For", "2001:db8:7:8::" + Integer.toHexString(i)).GET().build());
            assertEquals(401, failed.status(), "failure " + i);
        }
        Http.Response limited = Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(proxiedUrl() + "/api/v1/users/me"))
                .header("Authorization", Http.basic(IAGO, ApiKeyFormat.generate()))
                .header("X-Forwarded-For", "2001:db8:7:8::ffff").GET().build());
        assertEquals(429, limited.status(), "the same /64");
    }
}
