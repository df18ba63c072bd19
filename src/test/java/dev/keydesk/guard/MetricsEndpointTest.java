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
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /metrics: off unless a token is configured, and then only for scrapers that present it. */
@IntegrationTest
class MetricsEndpointTest {
    private static final String TOKEN = "scrape-token-0123456789";
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
}
