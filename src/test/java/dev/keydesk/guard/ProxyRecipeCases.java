package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.keydesk.Keydesk;
import dev.keydesk.support.EchoUpstream;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.ProxyProcess;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every forward-auth recipe of docs/running.md must do, asked through a real proxy that runs it
 * in front of a real Keydesk and an upstream that echoes what it receives. A subclass starts its
 * proxy with the recipe as an operator would copy it.
 */
@IntegrationTest
abstract class ProxyRecipeCases {
    /** An origin no guarded service has. */
    static final String FOREIGN_ORIGIN = "https://evil.example";

    protected final TestKeydesk keydesk = TestKeydesk.get();
    protected EchoUpstream upstream;
    private Keydesk trusting;
    private Keydesk separate;
    private HttpServer fakeKeydesk;

    /** Whether the proxy is installed here; the tests are skipped without it. */
    protected abstract boolean proxyInstalled();

    /** Starts the proxy with the documented recipe, asking the Keydesk on {@code keydeskPort}, in front of {@link #upstream}. */
    protected abstract ProxyProcess startRecipe(int keydeskPort, String serviceToken) throws Exception;

    private ProxyProcess proxy;

    protected void startProxy(int keydeskPort, String serviceToken) throws Exception {
        proxy = startRecipe(keydeskPort, serviceToken);
    }

    /** The address of {@code path} through the proxy. */
    protected String url(String path) {
        return proxy.url(path);
    }

    /** The proxy's log, for failure messages. */
    protected String proxyLog() {
        return proxy == null ? "" : proxy.log();
    }

    @BeforeEach
    void startUpstream() throws IOException {
        assumeTrue(proxyInstalled(), "the proxy is not installed here (.ci/run installs it)");
        keydesk.reset();
        upstream = EchoUpstream.start();
    }

    @AfterEach
    void stopEverything() {
        if (proxy != null) proxy.close();
        if (upstream != null) upstream.close();
        if (trusting != null) trusting.close();
        if (separate != null) separate.close();
        if (fakeKeydesk != null) fakeKeydesk.stop(0);
    }

    /**
     * A stand-in for Keydesk that gives every question the same answer, for answers a real Keydesk
     * gives only in circumstances hard to arrange (its database away) or not at all (a header
     * missing): the recipe must hold whatever Keydesk says. Returns its port.
     */
    protected int startFakeKeydesk(int status, Map<String, String> headers) throws IOException {
        fakeKeydesk = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fakeKeydesk.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            headers.forEach(exchange.getResponseHeaders()::add);
            byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        fakeKeydesk.start();
        return fakeKeydesk.getAddress().getPort();
    }

    /** The fenced block, in docs/running.md, of {@code language} under the heading {@code ### heading}. */
    static String docsRecipe(String heading, String language) throws IOException {
        String docs = Files.readString(Path.of("docs/running.md"));
        Matcher m = Pattern.compile("### " + Pattern.quote(heading) + "\\n.*?```" + Pattern.quote(language) + "\\n(.*?)```",
                Pattern.DOTALL).matcher(docs);
        if (!m.find()) throw new AssertionError("docs/running.md has no " + language + " block under ### " + heading);
        return m.group(1);
    }

    /** {@code text} with each of {@code pairs}' first strings replaced by the second; each must occur. */
    static String substitute(String text, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (!text.contains(pairs[i])) throw new AssertionError("the recipe no longer holds \"" + pairs[i] + "\":\n" + text);
            text = text.replace(pairs[i], pairs[i + 1]);
        }
        return text;
    }

    /** Registers the guarded service the proxy in front of it stands for, and returns its token. */
    String register(Access access, Integer rateLimit) {
        return Fixtures.service("Grafana", "", access, rateLimit).token();
    }

    Http.Response send(String method, String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)));
        if (method.equals("GET")) {
            request.GET();
        } else {
            request.header("Content-Type", "application/x-www-form-urlencoded")
                    .method(method, HttpRequest.BodyPublishers.ofString("delete=all"));
        }
        headers.forEach(request::header);
        return Http.send(request.build());
    }

    /** What the client sends to pose as somebody else: every identity header Keydesk answers with. */
    static Map<String, String> forgedIdentity() {
        Map<String, String> forged = new LinkedHashMap<>();
        for (String name : ForwardAuthRoutes.IDENTITY_HEADERS) forged.put(name, "forged");
        return forged;
    }

    static long mainKeyId(User user) {
        return Fixtures.count("SELECT id FROM api_keys WHERE kind = 'main' AND revoked_at IS NULL AND user_id = " + user.id());
    }

    /** The upstream saw exactly Keydesk's identity of {@code user}, and neither the key nor the service token. */
    static void assertIdentity(JsonNode seen, User user, String fullName, long keyId) {
        JsonNode headers = seen.get("headers");
        assertEquals(Long.toString(user.id()), headers.path("x-keydesk-user-id").asText(null), headers.toString());
        assertEquals(user.email(), headers.path("x-keydesk-email").asText(null));
        assertEquals(fullName, headers.path("x-keydesk-full-name").asText(null));
        assertEquals(Integer.toString(user.role()), headers.path("x-keydesk-role").asText(null));
        assertEquals(Boolean.toString(user.isBot()), headers.path("x-keydesk-is-bot").asText(null));
        assertEquals(Long.toString(keyId), headers.path("x-keydesk-key-id").asText(null));
        assertFalse(headers.has("authorization"), "the service never receives the key: " + headers);
        assertFalse(headers.has("x-api-key"), headers.toString());
        assertFalse(headers.has(ForwardAuthRoutes.SERVICE_TOKEN_HEADER.toLowerCase(java.util.Locale.ROOT)),
                "the service token is for Keydesk alone: " + headers);
    }

    @Test
    void theUpstreamSeesKeydesksIdentityAndNeitherTheKeyNorTheServiceToken() throws Exception {
        startProxy(keydesk.primary().port(), Fixtures.service("Grafana", Access.EVERYONE).token());
        User iago = Fixtures.member("iago@zulip.com");
        String key = Fixtures.keyOf(iago);
        for (Map<String, String> credentials : List.of(Map.of("Authorization", Http.basic(iago.email(), key)),
                Map.of("Authorization", "Bearer " + key), Map.of("X-Api-Key", key))) {
            Map<String, String> headers = new LinkedHashMap<>(forgedIdentity());
            headers.putAll(credentials);
            Http.Response r = send("GET", "/dashboards/1?from=now", headers);
            assertEquals(200, r.status(), credentials.keySet() + ": " + r.body() + proxyLog());
            assertEquals("/dashboards/1?from=now", r.json().get("path").asText());
            assertIdentity(r.json(), iago, "Member iago@zulip.com", mainKeyId(iago));
        }
    }

    @Test
    void aBrowsersStoredBasicCredentialsCannotWriteForAnotherSite() throws Exception {
        startProxy(keydesk.primary().port(), Fixtures.service("Grafana", Access.EVERYONE).token());
        User iago = Fixtures.member("iago@zulip.com");
        String basic = Http.basic(iago.email(), Fixtures.keyOf(iago));
        Map<String, Map<String, String>> refused = new LinkedHashMap<>();
        refused.put("a page on another site posts a form",
                Map.of("Authorization", basic, "Sec-Fetch-Site", "cross-site", "Origin", FOREIGN_ORIGIN));
        refused.put("an older browser sends Origin alone", Map.of("Authorization", basic, "Origin", FOREIGN_ORIGIN));
        refused.put("an opaque origin", Map.of("Authorization", basic, "Origin", "null"));
        refused.put("a forged X-Forwarded-Method hides nothing",
                Map.of("Authorization", basic, "Sec-Fetch-Site", "cross-site", "X-Forwarded-Method", "GET"));
        refused.put("nor does a forged X-Original-Method",
                Map.of("Authorization", basic, "Origin", FOREIGN_ORIGIN, "X-Original-Method", "GET"));
        refused.put("nor a forged X-Forwarded-Host",
                Map.of("Authorization", basic, "Origin", FOREIGN_ORIGIN, "X-Forwarded-Host", "evil.example"));
        refused.forEach((what, headers) -> {
            Http.Response r = send("POST", "/dashboards/1", headers);
            // Keydesk's 403 (the echoing upstream only ever answers 200); nginx sends its own page with it.
            assertEquals(403, r.status(), what + ": " + r.body() + proxyLog());
        });
        assertEquals(200, send("GET", "/dashboards/1", Map.of("Authorization", basic, "Sec-Fetch-Site", "cross-site",
                "Origin", FOREIGN_ORIGIN)).status(), "reading is not acting");
    }

    @Test
    void writesNoOtherSiteCanMakeStillPass() throws Exception {
        startProxy(keydesk.primary().port(), Fixtures.service("Grafana", Access.EVERYONE).token());
        User iago = Fixtures.member("iago@zulip.com");
        String key = Fixtures.keyOf(iago);
        String basic = Http.basic(iago.email(), key);
        String ownOrigin = url("");
        Map<String, Map<String, String>> allowed = new LinkedHashMap<>();
        allowed.put("curl and Zulip clients send no fetch metadata", Map.of("Authorization", basic));
        allowed.put("the service's own page", Map.of("Authorization", basic, "Sec-Fetch-Site", "same-origin", "Origin", ownOrigin));
        allowed.put("an older browser on the service's own page", Map.of("Authorization", basic, "Origin", ownOrigin));
        allowed.put("a Bearer key is never added by a browser",
                Map.of("Authorization", "Bearer " + key, "Sec-Fetch-Site", "cross-site", "Origin", FOREIGN_ORIGIN));
        allowed.put("nor is X-Api-Key", Map.of("X-Api-Key", key, "Sec-Fetch-Site", "cross-site", "Origin", FOREIGN_ORIGIN));
        allowed.forEach((what, headers) -> {
            for (String method : List.of("POST", "DELETE")) {
                Http.Response r = send(method, "/dashboards/1", headers);
                assertEquals(200, r.status(), what + ", " + method + ": " + r.body() + proxyLog());
                assertEquals(method, r.json().get("method").asText(), what);
                assertIdentity(r.json(), iago, "Member iago@zulip.com", mainKeyId(iago));
            }
        });
    }

    @Test
    void aKeyIsRecordedAsUsedFromTheAddressTheProxySawNotOneTheClientNamed() throws Exception {
        // As in production: the proxy is listed in KEYDESK_TRUSTED_PROXIES.
        trusting = keydesk.startBehindProxy();
        startProxy(trusting.port(), Fixtures.service("Grafana", Access.EVERYONE).token());
        User iago = Fixtures.member("iago@zulip.com");
        String key = Fixtures.keyOf(iago);
        Http.Response r = send("GET", "/", Map.of("X-Api-Key", key, "X-Forwarded-For", "203.0.113.66"));
        assertEquals(200, r.status(), r.body() + proxyLog());

        long keyId = mainKeyId(iago);
        String addresses = "SELECT count(*) FROM api_key_addresses WHERE key_id = " + keyId;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Fixtures.count(addresses) == 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("the use was not recorded within 10 s");
            Thread.sleep(20);
        }
        List<String> recorded = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT ip FROM api_key_addresses WHERE key_id = :id ORDER BY ip").bind("id", keyId).mapTo(String.class).list());
        assertEquals(List.of("127.0.0.1"), recorded, "where the test client really is");
    }

    @Test
    void clientsOwnKeydeskHeadersNeverReachTheUpstreamEvenWhenKeydesksAnswerLacksOne() throws Exception {
        // Keydesk answers with the user id alone: every other identity header the client forged must
        // still be gone, and so must a service token the client sent (the token is for Keydesk alone).
        startProxy(startFakeKeydesk(200, Map.of("X-Keydesk-User-Id", "42")), "kdsvc_token_of_the_fake");
        Map<String, String> headers = new LinkedHashMap<>(forgedIdentity());
        headers.put("X-Keydesk-Service-Token", "forged");
        headers.put("X-Api-Key", "z".repeat(32));
        Http.Response r = send("GET", "/", headers);
        assertEquals(200, r.status(), r.body() + proxyLog());
        JsonNode seen = r.json().get("headers");
        assertEquals("42", seen.path("x-keydesk-user-id").asText(null), seen.toString());
        seen.fieldNames().forEachRemaining(name -> assertFalse(seen.get(name).asText().contains("forged"),
                "the client's " + name + " reached the upstream: " + seen));
        assertFalse(seen.has("x-keydesk-service-token"), seen.toString());
        assertFalse(seen.has("x-api-key"), "the key is removed: " + seen);
    }

    @Test
    void refusalsReachTheClientWithTheirMeaning() throws Exception {
        User othello = Fixtures.user("othello@zulip.com", "Othello", Role.ADMIN);
        startProxy(keydesk.primary().port(), register(Access.ADMINS, 2));
        User iago = Fixtures.member("iago@zulip.com");
        Http.Response noKey = send("GET", "/", Map.of());
        assertEquals(401, noKey.status(), noKey.body() + proxyLog());
        assertEquals("Basic realm=\"zulip\"", noKey.header("WWW-Authenticate").orElse(null));
        assertEquals(401, send("GET", "/", Map.of("X-Api-Key", "z".repeat(32))).status());
        assertEquals(403, send("GET", "/", Map.of("X-Api-Key", Fixtures.keyOf(iago))).status(), "not an administrator");

        Map<String, String> adminsKey = Map.of("X-Api-Key", Fixtures.keyOf(othello));
        assertEquals(200, send("GET", "/", adminsKey).status());
        assertEquals(200, send("GET", "/", adminsKey).status());
        Http.Response limited = send("GET", "/", adminsKey);
        assertEquals(429, limited.status(), proxyLog());
        long retryAfter = Long.parseLong(limited.header("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    }

    @Test
    void keydesksOwn503ComesThroughWithItsRetryAfter() throws Exception {
        // What Keydesk answers while its database is unreachable and the key is not cached.
        startProxy(startFakeKeydesk(503, Map.of("Retry-After", "5")), "kdsvc_token_of_the_fake");
        Http.Response r = send("GET", "/", Map.of("X-Api-Key", "z".repeat(32)));
        assertEquals(503, r.status(), r.body() + proxyLog());
        assertEquals("5", r.header("Retry-After").orElse(null));
    }

    @Test
    void aKeydeskRestartIsSurvived() throws Exception {
        int port = freePort();
        Map<String, String> samePort = Map.of("KEYDESK_PORT", Integer.toString(port));
        separate = keydesk.startSeparate(samePort);
        startProxy(port, register(Access.EVERYONE, null));
        Map<String, String> auth = Map.of("X-Api-Key", Fixtures.keyOf(Fixtures.member("iago@zulip.com")));
        assertEquals(200, send("GET", "/", auth).status(), proxyLog());

        separate.close();
        separate = null;
        Http.Response down = send("GET", "/", auth);
        assertEquals(503, down.status(), "while Keydesk is away, the proxy says so instead of letting anyone in: "
                + down.body() + proxyLog());
        separate = keydesk.startSeparate(samePort);
        assertEquals(200, send("GET", "/", auth).status(), proxyLog());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
