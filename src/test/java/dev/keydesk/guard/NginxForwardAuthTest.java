package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.bot.BotActions;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Nginx;
import dev.keydesk.support.ProxyProcess;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nginx configuration of docs/running.md, run by a real nginx in front of an upstream that echoes the
 * headers it receives, with auth_request to a real Keydesk: the cases every recipe must pass
 * ({@link ProxyRecipeCases}), and nginx's own (a zuliprc's key, a block seen by the other process).
 */
@IntegrationTest
class NginxForwardAuthTest extends ProxyRecipeCases {
    private User hamlet;

    @Override
    protected boolean proxyInstalled() {
        return Nginx.isInstalled();
    }

    @BeforeEach
    void setUp() {
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
    }

    /** Starts nginx with the documented configuration, pointed at this Keydesk and the echo upstream. */
    @Override
    protected ProxyProcess startRecipe(int keydeskPort, String serviceToken) throws Exception {
        return Nginx.start(substitute(docsRecipe("nginx", "nginx"),
                "server 127.0.0.1:7070;", "server 127.0.0.1:" + keydeskPort + ";",
                "listen 80;", "listen 127.0.0.1:{PORT};",
                "kdsvc_your_service_token", serviceToken,
                "http://127.0.0.1:3000", "http://127.0.0.1:" + upstream.port()));
    }

    private Http.Response through(String path, Map<String, String> headers) {
        return send("GET", path, headers);
    }

    @Test
    void aKeyFromADownloadedZuliprcReachesTheUpstreamWithItsIdentity() throws Exception {
        startProxy(keydesk.primary().port(), register(Access.EVERYONE, null));
        User iago = Fixtures.member("iago@zulip.com");
        // The Basic credentials a Zulip client builds from the zuliprc the member downloads.
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
        browser.submit(browser.get("/account/api-key"), "/account/api-key", Map.of("password", Fixtures.PASSWORD));
        String zuliprc = browser.post("/account/zuliprc", Map.of("csrf_token", WebClient.csrf(browser.get("/account"))))
                .body();
        Map<String, String> rc = parseIni(zuliprc);

        Map<String, String> headers = new java.util.LinkedHashMap<>(forgedIdentity()); // nginx must replace every one
        headers.put("Authorization", Http.basic(rc.get("email"), rc.get("key")));
        Http.Response r = through("/dashboards/1?from=now", headers);
        assertEquals(200, r.status(), r.body() + proxyLog());
        assertEquals("/dashboards/1?from=now", r.json().get("path").asText());
        assertIdentity(r.json(), iago, "Member iago@zulip.com", mainKeyId(iago));
    }

    @Test
    void aKeyBlockedInTheKeysConsoleIsRefusedByNginxAtOnce() throws Exception {
        // nginx asks the second process; the block happens in the first, through the Keys console.
        startProxy(keydesk.secondary().port(), register(Access.EVERYONE, null));
        BotActions.Created bot = Fixtures.bot(hamlet, "Deploy Bot", "deploy");
        Map<String, String> auth = Map.of("Authorization", Http.basic(bot.bot().email(), bot.apiKey()));
        assertEquals(200, through("/", auth).status());

        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("hamlet@zulip.com", Fixtures.PASSWORD);
        String csrf = WebClient.csrf(admin.get("/keys"));
        assertEquals(200, admin.post("/keys/" + bot.bot().id() + "/block", Map.of("csrf_token", csrf, "confirmed", "yes")).status());
        long blockedAt = System.nanoTime();
        while (through("/", auth).status() != 401) {
            if (System.nanoTime() - blockedAt > 30_000_000_000L) throw new AssertionError("nginx still lets the blocked key in after 30 s");
            Thread.sleep(5);
        }
        System.out.printf("nginx refused the blocked key %.1f ms after the Keys console answered%n",
                (System.nanoTime() - blockedAt) / 1e6);
        assertEquals(200, admin.post("/keys/" + bot.bot().id() + "/unblock", Map.of("csrf_token", csrf)).status());
        // The unblock reaches the other process the way the block did: by notification, soon after.
        long unblockedAt = System.nanoTime();
        while (through("/", auth).status() != 200) {
            if (System.nanoTime() - unblockedAt > 30_000_000_000L) throw new AssertionError("unblocked, the key still fails after 30 s");
            Thread.sleep(5);
        }
    }

    private static Map<String, String> parseIni(String text) {
        Map<String, String> values = new TreeMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        return values;
    }
}
