package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotType;
import dev.keydesk.keyscope.AddressRanges;
import dev.keydesk.keyscope.KeyMetadata;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import dev.keydesk.keyscope.ScopeRule;
import dev.keydesk.support.EchoUpstream;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Nginx;
import dev.keydesk.support.ProxyProcess;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A key's scope, address ranges and metadata through the nginx recipe of docs/running.md, run by a
 * real nginx: the method and URI nginx passes decide, every spelling of a path out of scope is
 * refused, and the upstream receives the key's metadata in one header that a client cannot forge.
 */
@IntegrationTest
class NginxKeyLimitsTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private EchoUpstream upstream;
    private ProxyProcess nginx;
    private GuardedService service;
    private BotActions.Created bot;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Nginx.isInstalled(), "nginx is not installed here (.ci/run installs it)");
        keydesk.reset();
        upstream = EchoUpstream.start();
        User hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
        GuardActions.Registered registered = keydesk.primary().services().guard().register(Actor.commandLine(),
                new GuardActions.Spec("Grafana", "", Access.EVERYONE, null));
        service = registered.service();
        nginx = Nginx.start(ProxyRecipeCases.substitute(ProxyRecipeCases.docsRecipe("nginx", "nginx"),
                "server 127.0.0.1:7070;", "server 127.0.0.1:" + keydesk.primary().port() + ";",
                "listen 80;", "listen 127.0.0.1:{PORT};",
                "kdsvc_your_service_token", registered.token(),
                "http://127.0.0.1:3000", "http://127.0.0.1:" + upstream.port()));
        bot = keydesk.primary().services().bots().createBot(Actor.commandLine(), hamlet,
                new BotActions.NewBot("Reader Bot", "reader", BotType.GENERIC, null, BotInterface.ZULIP, null, List.of()));
    }

    @AfterEach
    void stop() {
        if (nginx != null) nginx.close();
        if (upstream != null) upstream.close();
    }

    private void limit(KeyScope scope, AddressRanges ranges, KeyMetadata metadata) {
        keydesk.primary().services().keyRestrictions().setForAccount(Actor.commandLine(), bot.bot().id(),
                new KeyRestrictions.Limits(scope, ranges, metadata));
    }

    private Http.Response send(String method, String rawPath, Map<String, String> extra) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(nginx.url(rawPath)));
        if (method.equals("GET")) {
            request.GET();
        } else {
            request.header("Content-Type", "application/x-www-form-urlencoded").method(method, HttpRequest.BodyPublishers.ofString("a=b"));
        }
        request.header("Authorization", Http.basic(bot.bot().email(), bot.apiKey()));
        extra.forEach(request::header);
        return Http.send(request.build());
    }

    @Test
    void aScopedKeyIsAllowedAndRefusedByMethodAndPath() {
        limit(KeyScope.of(Map.of(service.id(), List.of(ScopeRule.parse("GET /api/**"), ScopeRule.parse("* /metrics")))),
                AddressRanges.ANYWHERE, KeyMetadata.NONE);
        assertEquals(200, send("GET", "/api/dashboards/1?x=1", Map.of()).status(), nginx.log());
        assertEquals(200, send("GET", "/api", Map.of()).status());
        assertEquals(200, send("DELETE", "/metrics", Map.of()).status());
        assertEquals(403, send("POST", "/api/dashboards", Map.of()).status(), "a write where only reads are allowed");
        assertEquals(403, send("GET", "/admin", Map.of()).status(), "a path outside every rule");
        // A client's own method and URI headers only ever add signals that must be allowed too.
        assertEquals(403, send("POST", "/api/dashboards", Map.of("X-Forwarded-Method", "GET", "X-Original-Method", "GET"))
                .status());
        assertEquals(403, send("GET", "/admin", Map.of("X-Forwarded-Uri", "/api/x")).status());
        assertEquals(403, send("GET", "/api/x", Map.of("X-Forwarded-Uri", "/admin")).status());
        // Spellings that nginx passes on as they are, each of which a server may read as a path out of scope.
        for (String path : List.of("/api/../admin", "/api/%2e%2e/admin", "/api%2f..%2fadmin", "/api/..;/admin",
                "//admin", "/admin;x=1", "/%61dmin", "/api/%252e%252e/admin", "/API/x")) {
            Http.Response r = send("GET", path, Map.of());
            // nginx refuses some spellings itself (400); the upstream, which answers only 200, must never see one.
            assertFalse(r.status() == 200, path + " reached the upstream: " + r.body());
        }
        // A key without rules for another service cannot open it, and other keys are not affected.
        GuardedService billing = keydesk.primary().services().guard().register(Actor.commandLine(),
                new GuardActions.Spec("Billing", "", Access.EVERYONE, null)).service();
        limit(KeyScope.of(Map.of(billing.id(), List.of())), AddressRanges.ANYWHERE, KeyMetadata.NONE);
        assertEquals(403, send("GET", "/api/x", Map.of()).status());
        limit(KeyScope.UNRESTRICTED, AddressRanges.ANYWHERE, KeyMetadata.NONE);
        assertEquals(200, send("POST", "/admin", Map.of()).status());
    }

    @Test
    void readOnly() {
        limit(KeyScope.of(Map.of(service.id(), List.of(ScopeRule.parse("read-only")))), AddressRanges.ANYWHERE, KeyMetadata.NONE);
        assertEquals(200, send("GET", "/anything", Map.of()).status());
        assertEquals(403, send("PUT", "/anything", Map.of()).status());
        assertEquals(403, send("DELETE", "/anything", Map.of()).status());
    }

    @Test
    void aKeyUsedFromOutsideItsRangesIsRefusedEverywhereAndAuditedOncePerMinute() {
        limit(KeyScope.UNRESTRICTED, AddressRanges.parse("203.0.113.0/24, 2001:db8::/32"), KeyMetadata.NONE);
        assertEquals(403, send("GET", "/api/x", Map.of()).status());
        assertEquals(403, send("GET", "/api/x", Map.of("X-Forwarded-For", "203.0.113.5")).status(),
                "the recipe sets X-Forwarded-For itself");
        Http.Response api = Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/api/v1/users/me"))
                .header("Authorization", Http.basic(bot.bot().email(), bot.apiKey())).GET().build());
        assertEquals(401, api.status(), api.body());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_address_refused'"
                + " AND target_user_id = " + bot.bot().id()), "three refusals within a minute, one row");
        limit(KeyScope.UNRESTRICTED, AddressRanges.parse("127.0.0.0/8, ::1"), KeyMetadata.NONE);
        assertEquals(200, send("GET", "/api/x", Map.of()).status());
    }

    @Test
    void metadataReachesTheUpstreamInOneHeaderAClientCannotForge() {
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put("team", "payments");
        pairs.put("tenant", "42");
        pairs.put("note", "a&b=c é");
        limit(KeyScope.UNRESTRICTED, AddressRanges.ANYWHERE, KeyMetadata.of(pairs));
        JsonNode seen = send("GET", "/x", Map.of("X-Keydesk-Meta", "team=admins")).json();
        assertEquals("note=a%26b%3Dc%20%C3%A9&team=payments&tenant=42", seen.get("headers").path("x-keydesk-meta").asText(null),
                seen.toString());
        limit(KeyScope.UNRESTRICTED, AddressRanges.ANYWHERE, KeyMetadata.NONE);
        JsonNode none = send("GET", "/x", Map.of("X-Keydesk-Meta", "team=admins")).json();
        assertFalse(none.get("headers").path("x-keydesk-meta").asText("").contains("admins"),
                "a key without metadata leaves no room for the client's: " + none);
    }
}
