package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.Wait;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keys that live like credentials, end to end over HTTP on both test processes: a key per
 * device with its own logout, a bot key rotated with a grace period, expiry with its warnings,
 * and where keys were last used. Time is moved with the servers' shared test clock, never waited for.
 */
@IntegrationTest
class KeyLifetimesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a change may take to reach the other process, or a background writer to run. */
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestKeydesk keydesk = TestKeydesk.get();
    private User hamlet;
    private String hamletAuth;
    private HttpServer receiver;
    private final List<JsonNode> webhookCalls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        keydesk.reset();
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.OWNER);
        hamletAuth = Http.basic(hamlet.email(), Fixtures.keyOf(hamlet));
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            webhookCalls.add(JSON.readTree(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void tearDown() {
        receiver.stop(0);
        TestKeydesk.CLOCK.reset();
    }

    private String hookUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    private static int me(String base, String email, String key) {
        return Http.get(base + "/api/v1/users/me", Http.basic(email, key)).status();
    }

    /** Both processes answer {@code status} to the key (the second one once it has heard of the change). */
    private void assertEverywhere(int status, String email, String key) {
        assertEquals(status, me(keydesk.baseUrl(), email, key), "primary");
        waitFor(() -> me(keydesk.secondaryUrl(), email, key) == status, "secondary answers " + status);
    }

    private static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("Not within " + WAIT + ": " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private String fetchKey(String userAgent) {
        Http.Response r = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", hamlet.email(), "password", Fixtures.PASSWORD), null, Map.of("User-Agent", userAgent));
        assertEquals(200, r.status(), r.body());
        return r.json().get("api_key").asText();
    }

    private WebClient loggedIn() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        assertEquals(200, browser.login(hamlet.email(), Fixtures.PASSWORD).status());
        return browser;
    }

    /** The devices table's rows, not those of the usage tables below it (there once a device's use is counted). */
    private static final String DEVICE_ROWS = "#devices .table-scroll > table > tbody > tr";

    private static Element deviceRow(WebClient.Page page, String client) {
        for (Element row : page.doc().select(DEVICE_ROWS)) {
            if (row.child(0).text().equals(client)) return row;
        }
        return null;
    }

    // ---------------------------------------------------------------- a key per device

    @Test
    void eachDeviceHasItsOwnKeyAndIsLoggedOutAlone() {
        String mainKey = Fixtures.keyOf(hamlet);
        String phone = fetchKey("ZulipMobile/27.212 (Android 14)");
        String terminal = fetchKey("ZulipTerminal/0.7.0");
        assertNotEquals(phone, terminal);
        for (String key : List.of(mainKey, phone, terminal)) assertEverywhere(200, hamlet.email(), key);

        WebClient browser = loggedIn();
        WebClient.Page account = browser.get("/account");
        Element phoneRow = deviceRow(account, "ZulipMobile");
        assertNotNull(phoneRow, account.text());
        assertNotNull(deviceRow(account, "ZulipTerminal"));
        String logout = phoneRow.selectFirst("form").attr("action");

        // The password is asked again; a wrong one changes nothing.
        WebClient.Page ask = browser.submit(account, logout, Map.of());
        assertEquals(200, ask.status());
        assertNotNull(ask.doc().selectFirst("input[name=password]"), ask.text());
        WebClient.Page wrong = browser.submit(ask, logout, Map.of("password", "not it"));
        assertEquals(400, wrong.status());
        assertEquals(200, me(keydesk.baseUrl(), hamlet.email(), phone));

        WebClient.Page done = browser.submit(wrong, logout, Map.of("password", Fixtures.PASSWORD));
        assertEquals(200, done.status());
        assertTrue(done.text().contains("The device has been logged out"), done.text());
        assertNull(deviceRow(done, "ZulipMobile"));

        assertEverywhere(401, hamlet.email(), phone);
        assertEverywhere(200, hamlet.email(), terminal);
        assertEverywhere(200, hamlet.email(), mainKey);
        assertEquals(mainKey, Fixtures.keyOf(hamlet), "the main key is untouched");
        assertTrue(Fixtures.auditEvents(hamlet.id()).contains("device_logged_out"));

        // Logging out again, or someone else's device, finds nothing.
        assertEquals(404, browser.post(logout, Map.of("csrf_token", WebClient.csrf(done), "confirmed", "yes")).status());
        Fixtures.member("cordelia@zulip.com");
        WebClient cordelia = new WebClient(keydesk.baseUrl());
        WebClient.Page theirs = cordelia.login("cordelia@zulip.com", Fixtures.PASSWORD);
        String terminalLogout = deviceRow(browser.get("/account"), "ZulipTerminal").selectFirst("form").attr("action");
        assertEquals(404, cordelia.post(terminalLogout, Map.of("csrf_token", WebClient.csrf(theirs), "confirmed", "yes",
                "password", Fixtures.PASSWORD)).status());
        assertEquals(200, me(keydesk.baseUrl(), hamlet.email(), terminal));
    }

    /** Gives hamlet a device with a key of its own, as fetch_api_key does, without a password check. */
    private String issueDirectly(String client) {
        return Fixtures.deviceKey(hamlet, client, client + "/1.0", "192.0.2.7");
    }

    private long liveDeviceKeys() {
        return Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'device' AND revoked_at IS NULL AND user_id = " + hamlet.id());
    }

    @Test
    void pastTheLimitTheDeviceUnusedLongestIsLoggedOut() {
        int limit = ApiKeyActions.MAX_DEVICES_PER_ACCOUNT;
        String forgotten = issueDirectly("ZulipTerminal");
        assertEverywhere(200, hamlet.email(), forgotten); // now cached in both processes
        List<String> others = new ArrayList<>();
        for (int i = 1; i < limit; i++) others.add(issueDirectly("ZulipMobile"));
        // Every phone counts as used later than the terminal can be, even should a process write
        // the terminal's use above only after this.
        Fixtures.execute("UPDATE api_keys SET last_used_at = now() + interval '1 hour' WHERE kind = 'device' AND id > "
                + "(SELECT min(id) FROM api_keys WHERE kind = 'device')");
        assertEquals(limit, liveDeviceKeys());
        assertEquals(200, me(keydesk.baseUrl(), hamlet.email(), forgotten), "at the limit, nobody is logged out");

        String newest = fetchKey("ZulipElectron/5.11.1");
        assertEquals(limit, liveDeviceKeys());
        assertEverywhere(401, hamlet.email(), forgotten);
        assertEverywhere(200, hamlet.email(), newest);
        assertEverywhere(200, hamlet.email(), others.get(0));
        assertEverywhere(200, hamlet.email(), Fixtures.keyOf(hamlet));
        assertEquals(limit, Fixtures.count("SELECT count(*) FROM devices WHERE user_id = " + hamlet.id()),
                "the logged-out device's row is gone, as when it is logged out by hand");

        List<String> events = Fixtures.auditEvents(hamlet.id());
        assertEquals(1, events.stream().filter("devices_logged_out"::equals).count(), events.toString());
        WebClient browser = loggedIn();
        WebClient.Page account = browser.get("/account");
        assertEquals(limit, account.doc().select(DEVICE_ROWS).size());
        assertTrue(account.doc().select("#devices").text().contains(
                "At most 100 stay logged in: signing in on one more logs out the device unused the longest."), account.text());
        assertNull(deviceRow(account, "ZulipTerminal"));
        assertNotNull(deviceRow(account, "ZulipElectron"));
        WebClient.Page audit = browser.get("/audit-log");
        assertTrue(audit.text().contains("Logged out 1 device unused the longest, as an account keeps at most 100 devices logged in."),
                audit.text());
    }

    @Test
    void parallelLoginsAtTheLimitKeepEveryNewKeyAndTheNextLoginTrimsToTheLimit() throws Exception {
        int limit = ApiKeyActions.MAX_DEVICES_PER_ACCOUNT;
        for (int i = 1; i < limit; i++) issueDirectly("ZulipMobile");
        Fixtures.execute("UPDATE api_keys SET last_used_at = now() - interval '1 hour' WHERE kind = 'device'");
        int n = 4; // within the 5 attempts a username may have from one address
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Http.Response>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String base = i % 2 == 0 ? keydesk.baseUrl() : keydesk.secondaryUrl();
            results.add(pool.submit(() -> {
                start.await();
                return Http.postForm(base + "/api/v1/fetch_api_key",
                        Http.form("username", hamlet.email(), "password", Fixtures.PASSWORD), null, Map.of("User-Agent", "ZulipElectron/5.11.1"));
            }));
        }
        start.countDown();
        List<Http.Response> responses = new ArrayList<>();
        for (Future<Http.Response> r : results) responses.add(r.get());
        pool.shutdown();
        List<String> fetched = new ArrayList<>();
        for (Http.Response r : responses) {
            assertEquals(200, r.status(), r.body());
            fetched.add(r.json().get("api_key").asText());
        }
        // Several logins that counted at once may leave a device or more beyond the limit, never fewer than it.
        long afterBurst = liveDeviceKeys();
        assertTrue(afterBurst >= limit && afterBurst <= limit + n - 1, "live device keys after the burst: " + afterBurst);
        fetched.add(fetchKey("ZulipTerminal/0.7.0"));
        assertEquals(limit, liveDeviceKeys());
        for (String key : fetched) assertEquals(200, me(keydesk.baseUrl(), hamlet.email(), key), "a key just issued stays");
    }

    @Test
    void generatingANewKeyLogsOutEveryDevice() {
        String phone = fetchKey("ZulipMobile/27.212 (Android 14)");
        String terminal = fetchKey("ZulipTerminal/0.7.0");
        assertEverywhere(200, hamlet.email(), phone);
        assertEverywhere(200, hamlet.email(), terminal);

        Http.Response regenerated = Http.postForm(keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate", Map.of(),
                hamletAuth);
        assertEquals(200, regenerated.status(), regenerated.body());

        assertEverywhere(401, hamlet.email(), phone);
        assertEverywhere(401, hamlet.email(), terminal);
        assertEverywhere(200, hamlet.email(), regenerated.json().get("api_key").asText());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices WHERE user_id = " + hamlet.id()));
    }

    /**
     * Zulip's do_deactivate_user and do_reactivate_user leave an account's key alone
     * (zerver/tests/test_users.py: a reactivated user's API key works again); Keydesk does the same
     * for every key of the account, devices' included, except a device logged out meanwhile.
     */
    @Test
    void deactivationSuspendsEveryKeyAndReactivationRestoresThoseNotLoggedOutMeanwhile() {
        User cordelia = Fixtures.member("cordelia@zulip.com");
        String phone = fetchKeyOf(cordelia, "ZulipMobile/27.212 (Android 14)");
        String terminal = fetchKeyOf(cordelia, "ZulipTerminal/0.7.0");
        String mainKey = Fixtures.keyOf(cordelia);
        for (String key : List.of(mainKey, phone, terminal)) assertEverywhere(200, cordelia.email(), key);

        String user = keydesk.baseUrl() + "/api/v1/users/" + cordelia.id();
        assertEquals(200, Http.raw("DELETE", user, "application/x-www-form-urlencoded", new byte[0],
                Map.of("Authorization", hamletAuth)).status());
        for (String key : List.of(mainKey, phone, terminal)) {
            assertDeactivatedEverywhere(cordelia.email(), key);
        }
        assertEquals(2, Fixtures.count("SELECT count(*) FROM devices WHERE user_id = " + cordelia.id()),
                "the devices are suspended, not logged out");

        // Logged out on its own while the account is deactivated: it stays out.
        long terminalId = Fixtures.count("SELECT id FROM devices WHERE user_id = " + cordelia.id() + " AND client = 'ZulipTerminal'");
        assertTrue(keydesk.primary().services().apiKeys().logOutDevice(dev.keydesk.audit.Actor.commandLine(),
                cordelia.id(), terminalId));

        assertEquals(200, Http.postForm(user + "/reactivate", Map.of(), hamletAuth).status());
        assertEverywhere(200, cordelia.email(), mainKey);
        assertEverywhere(200, cordelia.email(), phone);
        assertEverywhere(401, cordelia.email(), terminal);
        Http.Response refused = Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(cordelia.email(), terminal));
        assertEquals("Invalid API key", refused.json().get("msg").asText());
    }

    /** A device logged out by Generate new API key before the deactivation stays logged out after it. */
    @Test
    void devicesLoggedOutByANewKeyStayOutAfterReactivation() {
        User cordelia = Fixtures.member("cordelia@zulip.com");
        String phone = fetchKeyOf(cordelia, "ZulipMobile/27.212 (Android 14)");
        String newKey = keydesk.primary().services().apiKeys().regenerateKey(dev.keydesk.audit.Actor.commandLine(), cordelia.id());
        assertEverywhere(401, cordelia.email(), phone);
        keydesk.primary().services().accounts().deactivate(dev.keydesk.audit.Actor.commandLine(), cordelia.id());
        assertDeactivatedEverywhere(cordelia.email(), newKey);
        keydesk.primary().services().accounts().reactivate(dev.keydesk.audit.Actor.commandLine(), cordelia.id());
        assertEverywhere(200, cordelia.email(), newKey);
        assertEverywhere(401, cordelia.email(), phone);
    }

    private void assertDeactivatedEverywhere(String email, String key) {
        for (String base : List.of(keydesk.baseUrl(), keydesk.secondaryUrl())) {
            Wait.until("the deactivation to reach " + base, WAIT, () -> {
                Http.Response r = Http.get(base + "/api/v1/users/me", Http.basic(email, key));
                return r.status() == 401 && r.json().get("msg").asText().equals("Account is deactivated");
            });
        }
    }

    private String fetchKeyOf(User user, String userAgent) {
        Http.Response fetched = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", user.email(), "password", Fixtures.PASSWORD), null, Map.of("User-Agent", userAgent));
        assertEquals(200, fetched.status(), fetched.body());
        return fetched.json().get("api_key").asText();
    }

    /**
     * Zulip's regenerate_api_key view works with any key that authenticates the account; a device's
     * key replaces the account's key as Generate new API key does, and the audit row names the device.
     */
    @Test
    void aDeviceKeyReplacesTheMainKeyAsGenerateNewApiKeyDoes() {
        String phone = fetchKey("ZulipMobile/27.212 (Android 14)");
        String terminal = fetchKey("ZulipTerminal/0.7.0");
        String mainKey = Fixtures.keyOf(hamlet);
        long phoneId = Fixtures.count("SELECT id FROM devices WHERE user_id = " + hamlet.id() + " AND client = 'ZulipMobile'");
        Http.Response regenerated = Http.postForm(keydesk.baseUrl() + "/api/v1/users/me/api_key/regenerate", Map.of(),
                Http.basic(hamlet.email(), phone));
        assertEquals(200, regenerated.status(), regenerated.body());
        String newKey = regenerated.json().get("api_key").asText();
        assertEquals(newKey, Fixtures.keyOf(hamlet), "the answer is the account's new main key");
        for (String old : List.of(mainKey, phone, terminal)) assertEverywhere(401, hamlet.email(), old);
        assertEverywhere(200, hamlet.email(), newKey);
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices WHERE user_id = " + hamlet.id()));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_changed' AND details ->> 'key' = "
                + "'device " + phoneId + " (ZulipMobile)'"), "the audit row names the device whose key did it");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'devices_logged_out' AND target_user_id = "
                + hamlet.id() + " AND (details ->> 'devices')::int = 2"));
    }

    // ---------------------------------------------------------------- rotation with a grace period

    private long hookBot() {
        Http.Response created = Http.postForm(keydesk.baseUrl() + "/api/v1/bots",
                Http.form("full_name", "Deploy Hook", "short_name", "deploy", "bot_type", "3",
                        "payload_url", "\"" + hookUrl() + "\""), hamletAuth);
        assertEquals(200, created.status(), created.body());
        return created.json().get("user_id").asLong();
    }

    private List<String> events() {
        return webhookCalls.stream().map(call -> call.get("event").asText()).toList();
    }

    @Test
    void duringTheGracePeriodBothKeysWorkAndAfterItOnlyTheNewOne() {
        long botId = hookBot();
        String email = "deploy-bot@localhost";
        String oldKey = Fixtures.keyOf(botId);
        assertEverywhere(200, email, oldKey);

        Http.Response rotated = Http.postForm(keydesk.baseUrl() + "/api/v1/bots/" + botId + "/api_key/regenerate",
                Http.form("grace_period", "3600"), hamletAuth);
        assertEquals(200, rotated.status(), rotated.body());
        String newKey = rotated.json().get("api_key").asText();
        Instant graceEnd = Instant.parse(rotated.json().get("old_key_works_until").asText());
        assertTrue(Duration.between(TestKeydesk.CLOCK.instant(), graceEnd).compareTo(Duration.ofMinutes(59)) > 0);

        assertEverywhere(200, email, oldKey);
        assertEverywhere(200, email, newKey);
        for (int i = 0; i < 3; i++) assertEquals(200, me(keydesk.baseUrl(), email, oldKey));

        // The regeneration's notice says when the old key stops.
        waitFor(() -> events().contains("key.regenerated"), "key.regenerated arrives");
        JsonNode regenerated = webhookCalls.stream().filter(c -> c.get("event").asText().equals("key.regenerated"))
                .findFirst().orElseThrow();
        assertEquals(graceEnd, Instant.parse(regenerated.get("old_key_works_until").asText()));

        // The owner sees the old key's uses on the bot's page.
        WebClient browser = loggedIn();
        // At least the four uses made here since the rotation (each process writes its own count).
        waitFor(() -> oldKeyUsesShown(browser, botId) >= 4, "the old key's uses are shown");
        assertEquals(1, browser.get("/bots").doc().select("tr[data-bot-id=" + botId + "]").size(),
                "Your bots lists the bot once while its old key still works");
        String botPage = browser.get("/bots/" + botId).text();
        assertTrue(botPage.contains("since the rotation, last from 127.0.0.1"), botPage);

        // An hour later, on the clock: the old key is refused by both processes, with no notice needed.
        TestKeydesk.CLOCK.advance(Duration.ofMinutes(61));
        assertEquals(401, me(keydesk.baseUrl(), email, oldKey));
        assertEquals(401, me(keydesk.secondaryUrl(), email, oldKey));
        assertEquals(200, me(keydesk.baseUrl(), email, newKey));
        assertEquals(200, me(keydesk.secondaryUrl(), email, newKey));

        waitFor(() -> events().contains("key.retired"), "key.retired arrives");
        assertEquals(1, events().stream().filter("key.retired"::equals).count(), "retired exactly once");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM outbox WHERE event = 'key.retired'"));
        assertFalse(browser.get("/bots/" + botId).text().contains("Old keys still working"));
    }

    /** N in "Used N times since the rotation" on the bot's page; 0 before any use is shown. */
    private static long oldKeyUsesShown(WebClient browser, long botId) {
        Element item = browser.get("/bots/" + botId).doc().selectFirst(".old-key");
        var m = java.util.regex.Pattern.compile("Used (\\d+) times").matcher(item == null ? "" : item.text());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void aGracePeriodCanBeEndedEarlyWithOneClick() {
        long botId = hookBot();
        String email = "deploy-bot@localhost";
        String oldKey = Fixtures.keyOf(botId);
        WebClient browser = loggedIn();
        WebClient.Page page = browser.get("/bots/" + botId);
        WebClient.Page rotated = browser.submit(page, "/bots/" + botId + "/api-key/regenerate",
                Map.of("confirmed", "yes", "grace_period", "86400"));
        assertEquals(200, rotated.status());
        assertEverywhere(200, email, oldKey);
        Element oldKeyItem = rotated.doc().selectFirst(".old-key");
        assertNotNull(oldKeyItem, rotated.text());
        String end = oldKeyItem.selectFirst("form").attr("action");

        WebClient.Page ended = browser.submit(rotated, end, Map.of());
        assertTrue(ended.text().contains("The grace period has ended"), ended.text());
        assertEverywhere(401, email, oldKey);
        waitFor(() -> events().contains("key.retired"), "key.retired arrives");
        assertEquals(404, browser.submit(rotated, end, Map.of()).status(), "already ended");
    }

    @Test
    void gracePeriodsOutsideZeroToSevenDaysAreRefused() {
        long botId = hookBot();
        String key = Fixtures.keyOf(botId);
        for (String bad : List.of("-1", "604801", "\"soon\"", "1.5")) {
            Http.Response r = Http.postForm(keydesk.baseUrl() + "/api/v1/bots/" + botId + "/api_key/regenerate",
                    Http.form("grace_period", bad), hamletAuth);
            assertEquals(400, r.status(), bad + ": " + r.body());
        }
        assertEquals(key, Fixtures.keyOf(botId), "nothing changed");
    }

    @Test
    void parallelRotationsWithAGracePeriodLeaveOneMainKey() throws Exception {
        long botId = hookBot();
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String base = i % 2 == 0 ? keydesk.baseUrl() : keydesk.secondaryUrl();
            results.add(pool.submit((Callable<Integer>) () -> {
                start.await();
                return Http.postForm(base + "/api/v1/bots/" + botId + "/api_key/regenerate",
                        Http.form("grace_period", "3600"), hamletAuth).status();
            }));
        }
        start.countDown();
        for (Future<Integer> r : results) assertEquals(200, r.get());
        pool.shutdown();
        assertEquals(1, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'main' AND revoked_at IS NULL AND user_id = " + botId));
        assertEquals(n, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'retiring' AND revoked_at IS NULL AND user_id = " + botId));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind <> 'main' AND ciphertext IS NOT NULL"));
    }

    // ---------------------------------------------------------------- expiry

    private List<MimeMessage> mailsAbout(String subjectPart) {
        return Arrays.stream(keydesk.mail().getReceivedMessages())
                .filter(m -> Mails.subject(m).contains(subjectPart)).toList();
    }

    /** Both processes look for due deadlines at once, several times: each notice must be queued once. */
    private void runDeadlinesEverywhere() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            var deadlines = (i % 2 == 0 ? keydesk.primary() : keydesk.secondary()).services().keyDeadlines();
            runs.add(pool.submit(() -> {
                start.await();
                return deadlines.runDue();
            }));
        }
        start.countDown();
        for (Future<Integer> run : runs) run.get();
        pool.shutdown();
    }

    @Test
    void expiryIsWarnedOfTwiceAnnouncedOnceAndThenRefused() throws Exception {
        long botId = hookBot();
        String email = "deploy-bot@localhost";
        String key = Fixtures.keyOf(botId);
        Instant expiry = TestKeydesk.CLOCK.instant().plus(Duration.ofDays(10)).truncatedTo(ChronoUnit.SECONDS);
        Http.Response set = patch(keydesk.baseUrl() + "/api/v1/bots/" + botId,
                Http.form("api_key_expires_at", expiry.toString()), hamletAuth);
        assertEquals(200, set.status(), set.body());
        assertEquals(expiry, Instant.parse(set.json().get("api_key_expires_at").asText()));
        Http.Response listed = Http.get(keydesk.baseUrl() + "/api/v1/bots", hamletAuth);
        assertEquals(200, listed.status(), listed.body());
        assertEquals(expiry, Instant.parse(listed.json().get("bots").get(0).get("api_key_expires_at").asText()),
                "GET /bots names the expiry too");
        assertEverywhere(200, email, key);

        runDeadlinesEverywhere();
        assertTrue(mailsAbout("expires soon").isEmpty(), "ten days away: no warning yet");

        TestKeydesk.CLOCK.advance(Duration.ofDays(4)); // six days left
        runDeadlinesEverywhere();
        waitFor(() -> mailsAbout("expires soon").size() == 1, "the 7-day warning is mailed");
        assertEquals(hamlet.email(), Mails.recipient(mailsAbout("expires soon").get(0)));
        waitFor(() -> events().contains("key.expiring"), "key.expiring arrives");
        assertEquals(200, me(keydesk.secondaryUrl(), email, key), "still working");

        TestKeydesk.CLOCK.advance(Duration.ofDays(5).plusHours(12)); // half a day left
        runDeadlinesEverywhere();
        waitFor(() -> mailsAbout("expires soon").size() == 2, "the 1-day warning is mailed");

        TestKeydesk.CLOCK.advance(Duration.ofDays(1));
        Http.Response refused = Http.get(keydesk.secondaryUrl() + "/api/v1/users/me", Http.basic(email, key));
        assertEquals(401, refused.status());
        assertEquals("INVALID_API_KEY", refused.json().get("code").asText());
        assertEquals("API key expired", refused.json().get("msg").asText());
        assertEquals(401, me(keydesk.baseUrl(), email, key));

        runDeadlinesEverywhere();
        waitFor(() -> mailsAbout("has expired").size() == 1, "the expiry is mailed");
        waitFor(() -> events().contains("key.expired"), "key.expired arrives");
        runDeadlinesEverywhere();
        assertEquals(2, mailsAbout("expires soon").size(), "each warning exactly once");
        assertEquals(1, mailsAbout("has expired").size());
        assertEquals(List.of("key.expiring", "key.expiring", "key.expired"),
                events().stream().filter(e -> e.startsWith("key.expir")).toList());
        JsonNode expired = webhookCalls.stream().filter(c -> c.get("event").asText().equals("key.expired")).findFirst().orElseThrow();
        assertEquals(expiry, Instant.parse(expired.get("expires_at").asText()));

        // A regenerated key gets a fresh lifetime of the same length and works again.
        Http.Response regenerated = Http.postForm(keydesk.baseUrl() + "/api/v1/bots/" + botId + "/api_key/regenerate",
                Map.of(), hamletAuth);
        assertEquals(200, regenerated.status(), regenerated.body());
        Instant fresh = Instant.parse(regenerated.json().get("api_key_expires_at").asText());
        assertTrue(fresh.isAfter(TestKeydesk.CLOCK.instant().plus(Duration.ofDays(9))), fresh.toString());
        assertEverywhere(200, email, regenerated.json().get("api_key").asText());
    }

    @Test
    void anExpiryMustBeInTheFutureAndWithinThePolicy() {
        long botId = hookBot();
        for (String bad : List.of("2001-01-01", "tomorrow", "2030-13-01")) {
            Http.Response r = patch(keydesk.baseUrl() + "/api/v1/bots/" + botId,
                    Http.form("api_key_expires_at", bad), hamletAuth);
            assertEquals(400, r.status(), bad + ": " + r.body());
        }

        // The owners' policy: bot keys live at most 30 days; a new bot's key gets that lifetime.
        WebClient browser = loggedIn();
        WebClient.Page keys = browser.get("/keys");
        WebClient.Page saved = browser.submit(keys, "/keys/policy", Map.of("max_bot_key_lifetime_days", "30"));
        assertEquals(200, saved.status());
        Http.Response created = Http.postForm(keydesk.baseUrl() + "/api/v1/bots",
                Http.form("full_name", "Short Lived", "short_name", "short"), hamletAuth);
        assertEquals(200, created.status(), created.body());
        Instant expiry = Instant.parse(created.json().get("api_key_expires_at").asText());
        assertTrue(expiry.isAfter(Instant.now().plus(Duration.ofDays(29))) && expiry.isBefore(Instant.now().plus(Duration.ofDays(31))));
        long shortId = created.json().get("user_id").asLong();
        Http.Response tooLong = patch(keydesk.baseUrl() + "/api/v1/bots/" + shortId,
                Http.form("api_key_expires_at", Instant.now().plus(Duration.ofDays(60)).toString()), hamletAuth);
        assertEquals(400, tooLong.status());
        Http.Response never = patch(keydesk.baseUrl() + "/api/v1/bots/" + shortId,
                Http.form("api_key_expires_at", ""), hamletAuth);
        assertEquals(400, never.status(), "no expiry at all is beyond the policy too");

        // Administrators who are not owners do not see or change the policy.
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        WebClient admin = new WebClient(keydesk.baseUrl());
        WebClient.Page adminKeys = admin.login("iago@zulip.com", Fixtures.PASSWORD);
        adminKeys = admin.get("/keys");
        assertEquals(null, adminKeys.doc().selectFirst("#key-policy"));
        assertEquals(403, admin.post("/keys/policy", Map.of("csrf_token", WebClient.csrf(adminKeys),
                "max_bot_key_lifetime_days", "")).status());
        assertEquals(30, Fixtures.count("SELECT max_bot_key_lifetime_days FROM organizations"));
    }

    @Test
    void theKeysConsoleShowsAndFiltersExpiry() {
        long soon = hookBot();
        Http.Response other = Http.postForm(keydesk.baseUrl() + "/api/v1/bots",
                Http.form("full_name", "Forever Bot", "short_name", "forever"), hamletAuth);
        assertEquals(200, other.status());
        assertEquals(200, patch(keydesk.baseUrl() + "/api/v1/bots/" + soon, Http.form("api_key_expires_at",
                TestKeydesk.CLOCK.instant().plus(Duration.ofDays(3)).plusSeconds(600).toString()), hamletAuth).status());
        WebClient browser = loggedIn();
        WebClient.Page all = browser.get("/keys");
        assertTrue(all.text().contains("Expires in 3 days"), all.text());
        assertTrue(browser.get("/keys?expiry=soon").text().contains("Deploy Hook"));
        assertFalse(browser.get("/keys?expiry=soon").text().contains("Forever Bot"));
        assertFalse(browser.get("/keys?expiry=expired").text().contains("Deploy Hook"));

        TestKeydesk.CLOCK.advance(Duration.ofDays(4));
        WebClient.Page expired = browser.get("/keys?expiry=expired");
        assertTrue(expired.text().contains("Deploy Hook") && expired.text().contains("Expired"), expired.text());
        assertFalse(expired.text().contains("Forever Bot"));
    }

    @Test
    void theExpiryIsSetOnTheKeysFormsAndTheBotsPage() {
        WebClient browser = loggedIn();
        WebClient.Page keys = browser.get("/keys/new");
        WebClient.Page created = browser.submit(keys, "/keys", Map.of("name", "Nightly Export", "accounts",
                Long.toString(hamlet.id()), "expires_on", "2030-01-31"));
        assertEquals(200, created.status(), created.text());
        long botId = Fixtures.count("SELECT id FROM users WHERE full_name = 'Nightly Export'");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'main' AND revoked_at IS NULL AND user_id = "
                + botId + " AND expires_at = '2030-01-31T00:00:00Z'"));

        WebClient.Page edit = browser.get("/keys/" + botId + "/edit");
        assertEquals("2030-01-31", edit.doc().selectFirst("input[name=expires_on]").attr("value"));
        browser.submit(edit, "/keys/" + botId + "/edit", Map.of("expires_on", ""));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'main' AND revoked_at IS NULL AND user_id = "
                + botId + " AND expires_at IS NULL"), "an empty date removes the expiry");

        WebClient.Page botPage = browser.get("/bots/" + botId);
        assertEquals("Never", botPage.doc().selectFirst("#key-expires").text());
        WebClient.Page set = browser.submit(botPage, "/bots/" + botId + "/api-key/expiry", Map.of("expires_on", "2031-06-01"));
        assertTrue(set.doc().selectFirst("#key-expires").text().startsWith("1 Jun 2031 00:00 UTC (Expires in"), set.text());
        assertEquals(400, browser.submit(set, "/bots/" + botId + "/api-key/expiry", Map.of("expires_on", "2001-06-01")).status());
        assertEquals(400, browser.submit(set, "/bots/" + botId + "/api-key/expiry", Map.of("expires_on", "June")).status());
        assertTrue(Fixtures.auditEvents(botId).contains("api_key_expiry_changed"));
    }

    // ---------------------------------------------------------------- where a key was last used

    @Test
    void accountAndPrivacyShowsWhereEachDeviceKeyWasLastUsed() {
        String phone = fetchKey("ZulipMobile/27.212 (Android 14)");
        WebClient browser = loggedIn();
        assertEquals("Never", deviceRow(browser.get("/account"), "ZulipMobile").child(3).text());
        assertEquals(200, me(keydesk.baseUrl(), hamlet.email(), phone));
        waitFor(() -> deviceRow(browser.get("/account"), "ZulipMobile").child(4).text().startsWith("127.0.0.1 ("),
                "the device's address is shown");
        assertNotEquals("Never", deviceRow(browser.get("/account"), "ZulipMobile").child(3).text());
    }

    private static Http.Response patch(String url, Map<String, String> form, String authorization) {
        return Http.raw("PATCH", url, "application/x-www-form-urlencoded",
                Http.urlencode(form).getBytes(StandardCharsets.UTF_8), Map.of("Authorization", authorization));
    }

    private static void assertNull(Object value) {
        assertEquals(null, value);
    }
}
