package dev.keydesk.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The process's meters, exposed in Prometheus' text format at {@code /metrics}. Micrometer keeps
 * them; features record through the registry they are given.
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public MeterRegistry registry() {
        return registry;
    }

    /** One HTTP request: by route template (not the raw path, so ids don't explode the series), method and status. */
    public void recordRequest(String route, String method, int status, Duration took, long statements) {
        Timer.builder("keydesk_http_requests")
                .description("HTTP requests by route, method and status")
                .tag("route", route).tag("method", method).tag("status", Integer.toString(status))
                .register(registry).record(took);
        requestStatements(route, method).record(statements);
    }

    /** SQL statements run while answering requests of one route: 0 for the cached hot paths. */
    public DistributionSummary requestStatements(String route, String method) {
        return DistributionSummary.builder("keydesk_http_request_statements")
                .description("SQL statements run per request, by route")
                .tag("route", route).tag("method", method).register(registry);
    }

    /** The whole registry in Prometheus' text exposition format. */
    public String scrape() {
        return registry.scrape();
    }
}
