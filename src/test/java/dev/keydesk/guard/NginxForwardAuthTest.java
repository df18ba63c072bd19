package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.keydesk.Keydesk;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotType;
import dev.keydesk.config.Settings;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Nginx;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's nginx configuration, run by a real nginx in front of an upstream that echoes the
 * headers it receives, with auth_request to a real Keydesk.
 */
@IntegrationTest
class NginxForwardAuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TestKeydesk keydesk = TestKeydesk.get();
    private HttpServer upstream;
    private Nginx nginx;
    private Keydesk separate;
    private User hamlet;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(Nginx.isInstalled(), "Debian's nginx is not installed (.ci/run installs it)");
        keydesk.reset();
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", exchange -> {
            Map<String, String> headers = new TreeMap<>(); // names in lower case
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
            byte[] body = JSON.writeValueAsBytes(Map.of("path", exchange.getRequestURI().toString(), "headers", headers));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
    }

    @AfterEach
    void tearDown() {
        if (nginx != null) nginx.close();
        if (upstream != null) upstream.stop(0);
        if (separate != null) separate.close();
    }

    /** Starts nginx with the README's configuration, pointed at this Keydesk and the echo upstream. */
    private void startNginx(int keydeskPort, String serviceToken) throws Exception {
        String recipe = readmeNginxRecipe()
                .replace("server 127.0.0.1:7070;", "server 127.0.0.1:" + keydeskPort + ";")
                .replace("listen 80;", "listen 127.0.0.1:{PORT};")
                .replace("kdsvc_your_service_token", serviceToken)
                .replace("http://127.0.0.1:3000", "http://127.0.0.1:" + upstream.getAddress().getPort());
        nginx = Nginx.start(recipe);
    }

    static String readmeNginxRecipe() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("### nginx\\n.*?```nginx\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "the README has an nginx recipe");
        return m.group(1);
    }

    private Http.Response through(String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(nginx.url(path))).GET();
        headers.forEach(request::header);
        return Http.send(request.build());
    }

    private String register(Access access, Integer rateLimit) {
        return keydesk.primary().services().guard().register(Actor.commandLine(),
                new GuardActions.Spec("Grafana", "", access, rateLimit)).token();
    }

    @Test
    void aKeyFromADownloadedZuliprcReachesTheUpstreamWithItsIdentity() throws Exception {
        startNginx(keydesk.primary().port(), register(Access.EVERYONE, null));
        User iago = Fixtures.member("iago@zulip.com");
        // The Basic credentials a Zulip client builds from the zuliprc the member downloads.
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
        browser.submit(browser.get("/account/api-key"), "/account/api-key", Map.of("password", Fixtures.PASSWORD));
        String zuliprc = browser.post("/account/zuliprc", Map.of("csrf_token", WebClient.csrf(browser.get("/account"))))
                .body();
        Map<String, String> rc = parseIni(zuliprc);

        Http.Response r = through("/dashboards/1?from=now", Map.of("Authorization", Http.basic(rc.get("email"), rc.get("key")),
                // Forged identity: nginx must replace every one of these.
                "X-Keydesk-User-Id", "1", "X-Keydesk-Email", "lear@zulip.com", "X-Keydesk-Role", "100",
                "X-Keydesk-Is-Bot", "true", "X-Keydesk-Full-Name", "King Lear", "X-Keydesk-Key-Id", "1"));
        assertEquals(200, r.status(), r.body() + nginx.errorLog());
        var headers = r.json().get("headers");
        assertEquals("/dashboards/1?from=now", r.json().get("path").asText());
        assertEquals(Long.toString(iago.id()), headers.get("x-keydesk-user-id").asText());
        assertEquals("iago@zulip.com", headers.get("x-keydesk-email").asText());
        assertEquals("400", headers.get("x-keydesk-role").asText());
        assertEquals("false", headers.get("x-keydesk-is-bot").asText());
        assertEquals("Member iago@zulip.com", headers.get("x-keydesk-full-name").asText());
        assertFalse(headers.get("x-keydesk-key-id").asText().equals("1") && iago.id() != 1, "the key id is Keydesk's");
        assertFalse(headers.has("authorization"), "the service never receives the key: " + headers);
        assertFalse(headers.has("x-api-key"));

        // A page on another site makes the browser post with the Basic credentials it stored.
        Http.Response crossSite = Http.send(HttpRequest.newBuilder(URI.create(nginx.url("/dashboards/1")))
                .header("Authorization", Http.basic(rc.get("email"), rc.get("key"))).header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString("delete=all")).build());
        assertEquals(403, crossSite.status(), nginx.errorLog());
    }

    @Test
    void refusalsReachTheClientWithTheirMeaning() throws Exception {
        startNginx(keydesk.primary().port(), register(Access.ADMINS, 2));
        User iago = Fixtures.member("iago@zulip.com");
        Http.Response noKey = through("/", Map.of());
        assertEquals(401, noKey.status());
        assertEquals("Basic realm=\"zulip\"", noKey.header("WWW-Authenticate").orElse(null));
        assertEquals(401, through("/", Map.of("X-Api-Key", "z".repeat(32))).status());
        assertEquals(403, through("/", Map.of("X-Api-Key", Fixtures.keyOf(iago))).status(), "not an administrator");

        String hamletKey = Fixtures.keyOf(hamlet);
        assertEquals(200, through("/", Map.of("X-Api-Key", hamletKey)).status());
        assertEquals(200, through("/", Map.of("X-Api-Key", hamletKey)).status());
        Http.Response limited = through("/", Map.of("X-Api-Key", hamletKey));
        assertEquals(429, limited.status(), nginx.errorLog());
        long retryAfter = Long.parseLong(limited.header("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    }

    @Test
    void aKeyBlockedInTheKeysConsoleIsRefusedByNginxAtOnce() throws Exception {
        // nginx asks the second process; the block happens in the first, through the Keys console.
        startNginx(keydesk.secondary().port(), register(Access.EVERYONE, null));
        BotActions.Created bot = keydesk.primary().services().bots().createBot(Actor.commandLine(), hamlet,
                new BotActions.NewBot("Deploy Bot", "deploy", BotType.GENERIC, null, BotInterface.ZULIP, null, List.of()));
        Map<String, String> auth = Map.of("Authorization", Http.basic(bot.bot().email(), bot.apiKey()));
        assertEquals(200, through("/", auth).status());

        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("hamlet@zulip.com", Fixtures.PASSWORD);
        String csrf = WebClient.csrf(admin.get("/keys"));
        assertEquals(200, admin.post("/keys/" + bot.bot().id() + "/block", Map.of("csrf_token", csrf, "confirmed", "yes")).status());
        long blockedAt = System.nanoTime();
        while (through("/", auth).status() != 401) {
            if (System.nanoTime() - blockedAt > 2_000_000_000L) throw new AssertionError("nginx still lets the blocked key in");
        }
        System.out.printf("nginx refused the blocked key %.1f ms after the Keys console answered%n",
                (System.nanoTime() - blockedAt) / 1e6);
        admin.post("/keys/" + bot.bot().id() + "/unblock", Map.of("csrf_token", csrf));
        assertEquals(200, through("/", auth).status(), "unblocked, the same key works again");
    }

    @Test
    void aKeydeskRestartIsSurvived() throws Exception {
        int port = freePort();
        Map<String, String> env = keydesk.env(Map.of("KEYDESK_PORT", Integer.toString(port),
                "KEYDESK_DATABASE_URL", keydesk.databaseUrl()));
        separate = Keydesk.start(Settings.fromMap(env), TestKeydesk.TUNING);
        startNginx(port, register(Access.EVERYONE, null));
        Map<String, String> auth = Map.of("X-Api-Key", Fixtures.keyOf(hamlet));
        assertEquals(200, through("/", auth).status());

        separate.close();
        Http.Response down = through("/", auth);
        assertEquals(503, down.status(), "while Keydesk is away, nginx says so instead of letting anyone in");
        separate = Keydesk.start(Settings.fromMap(env), TestKeydesk.TUNING);
        assertEquals(200, through("/", auth).status(), nginx.errorLog());
    }

    private static Map<String, String> parseIni(String text) {
        Map<String, String> values = new TreeMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        return values;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
