package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.audit.Actor;
import dev.keydesk.config.Settings;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import io.micrometer.core.instrument.Meter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Collectors;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /metrics: off unless a token is configured, and then only for scrapers that present it. */
@IntegrationTest
class MetricsEndpointTest {
    private static final String TOKEN = "scrape-token-0123456789";
    private static final Set<String> KNOWN_TAGS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER");
    private final TestKeydesk keydesk = TestKeydesk.get();

    @Test
    void withoutATokenConfiguredThereAreNoMetrics() {
        assertEquals(404, Http.get(keydesk.baseUrl() + "/metrics", null).status());
        assertEquals(404, Http.get(keydesk.baseUrl() + "/metrics", "Bearer " + TOKEN).status());
    }

    @Test
    void aScraperWithTheTokenReadsPrometheusText() throws Exception {
        keydesk.reset();
        User hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
        try (Keydesk separate = Keydesk.start(Settings.fromMap(keydesk.env(Map.of(
                "KEYDESK_DATABASE_URL", keydesk.databaseUrl(), "KEYDESK_METRICS_TOKEN", TOKEN))), TestKeydesk.TUNING)) {
            String url = "http://localhost:" + separate.port();
            String service = separate.services().guard().register(Actor.commandLine(),
                    new GuardActions.Spec("Grafana", "", Access.EVERYONE, null)).token();
            String key = Fixtures.keyOf(hamlet);
            for (int i = 0; i < 3; i++) {
                Http.send(HttpRequest.newBuilder(URI.create(url + "/forward-auth"))
                        .header("X-Keydesk-Service-Token", service).header("X-Api-Key", key).GET().build());
            }
            assertEquals(401, Http.get(url + "/metrics", null).status());
            assertEquals(401, Http.get(url + "/metrics", "Bearer wrong-token-0123456789").status());
            Http.Response scrape = Http.get(url + "/metrics", "Bearer " + TOKEN);
            assertEquals(200, scrape.status());
            String text = scrape.body();
            for (String metric : new String[] {"keydesk_http_requests_seconds_count", "keydesk_http_request_statements",
                    "keydesk_verifications_total", "keydesk_key_lookups_total", "keydesk_outbox_pending",
                    "keydesk_key_invalidation_delay", "hikaricp_connections_active"}) {
                assertTrue(text.contains(metric), "the scrape has " + metric);
            }
            assertTrue(text.contains("keydesk_verifications_total{outcome=\"allowed\",service=\"Grafana\"} 3.0"), text);
            assertTrue(!text.contains(key), "no key in the metrics");
        }
    }

    @Test
    void madeUpMethodNamesDoNotGrowTheMeters() throws Exception {
        var registry = keydesk.primary().services().metrics().registry();
        Http.get(keydesk.baseUrl() + "/health", null);
        Set<Meter.Id> before = registry.getMeters().stream().map(Meter::getId).collect(Collectors.toSet());
        for (int i = 0; i < 200; i++) {
            String method = "M" + Integer.toString(i, 36).toUpperCase() + "X".repeat(7_000);
            assertEquals(405, statusOf(method, "/api/v1/users/me"), "a made-up method is refused");
        }
        Set<String> methods = registry.find("keydesk_http_requests").meters().stream()
                .map(Meter::getId).map(id -> id.getTag("method")).collect(Collectors.toSet());
        Set<String> unknown = methods.stream().filter(m -> !KNOWN_TAGS.contains(m)).collect(Collectors.toSet());
        assertEquals(0, unknown.size(), unknown.size() + " method tags a client made up");
        assertTrue(methods.contains("OTHER"), "the made-up methods were counted as OTHER");
        // What 200 made-up methods may add is one series: a meter of each kind tagged OTHER, no more.
        List<Meter.Id> added = registry.getMeters().stream().map(Meter::getId).filter(id -> !before.contains(id)).toList();
        assertTrue(added.stream().allMatch(id -> "OTHER".equals(id.getTag("method"))), "added: " + added.size());
        assertEquals(added.size(), added.stream().map(Meter.Id::getName).distinct().count(),
                "200 made-up methods added " + added.size() + " meters");
    }

    /** Java's HTTP client checks method names, so this one talks HTTP/1.1 on a socket. */
    private int statusOf(String method, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", keydesk.primary().port())) {
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            in.readAllBytes();
            return Integer.parseInt(head.substring(9, 12));
        }
    }
}
