package dev.keydesk.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Meter;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The meters' tags take bounded values whatever clients send. */
class MetricsTest {
    @Test
    void madeUpMethodsAreCountedAsOther() {
        assertEquals("GET", Metrics.methodTag("GET"));
        assertEquals("PATCH", Metrics.methodTag("patch"));
        assertEquals("OTHER", Metrics.methodTag("FOO"));
        assertEquals("OTHER", Metrics.methodTag("X".repeat(7_000)));
        assertEquals("OTHER", Metrics.methodTag(""));
        assertEquals("OTHER", Metrics.methodTag(null));
    }

    @Test
    void thousandsOfMadeUpMethodsAddOneSeries() {
        Metrics metrics = new Metrics();
        metrics.recordRequest("unmatched", "GET", 404, Duration.ofMillis(1), 0, 0);
        for (int i = 0; i < 5_000; i++) {
            metrics.recordRequest("unmatched", "JUNK" + "Z".repeat(i % 50) + i, 405, Duration.ofMillis(1), 0, 0);
        }
        Set<String> methods = tagValues(metrics, "keydesk_http_requests", "method");
        assertEquals(Set.of("GET", "OTHER"), methods);
        assertEquals(2, metrics.registry().find("keydesk_http_requests").meters().size());
        assertEquals(2, metrics.registry().find("keydesk_http_request_statements").meters().size());
        assertEquals(2, metrics.registry().find("keydesk_http_request_transactions").meters().size());
    }

    @Test
    void everyTagIsCappedEvenWhenACallerPassesEndlessValues() {
        Metrics metrics = new Metrics();
        for (int i = 0; i < Metrics.MAX_ROUTES * 3; i++) {
            metrics.recordRequest("/route/" + i, "GET", 200, Duration.ofMillis(1), 0, 0);
        }
        for (int status = 0; status < Metrics.MAX_STATUSES * 3; status++) {
            metrics.recordRequest("/route/0", "GET", 1000 + status, Duration.ofMillis(1), 0, 0);
        }
        for (int i = 0; i < Metrics.MAX_SERVICES * 2; i++) {
            metrics.registry().counter("keydesk_verifications", "service", "service " + i, "outcome", "allowed").increment();
        }
        assertEquals(Metrics.MAX_ROUTES, tagValues(metrics, "keydesk_http_requests", "route").size());
        assertTrue(tagValues(metrics, "keydesk_http_requests", "status").size() <= Metrics.MAX_STATUSES);
        assertEquals(Metrics.MAX_SERVICES, tagValues(metrics, "keydesk_verifications", "service").size());
    }

    private static Set<String> tagValues(Metrics metrics, String name, String tag) {
        return metrics.registry().find(name).meters().stream()
                .map(Meter::getId).map(id -> id.getTag(tag)).collect(Collectors.toSet());
    }
}
