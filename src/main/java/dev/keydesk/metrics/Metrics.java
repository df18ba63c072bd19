package dev.keydesk.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The process's meters, exposed in Prometheus' text format at {@code /metrics}. Micrometer keeps
 * them; features record through the registry they are given.
 *
 * <p>A meter lives as long as the process, one per distinct set of tag values, whether or not
 * anyone scrapes. So no tag takes a value a client chooses freely: the HTTP method is one of the
 * known methods or {@code OTHER}, and every tag is capped by a filter as a second line, so a
 * value set that grows by mistake stops growing instead of filling the heap.
 */
public final class Metrics {
    /** Methods with a meaning on the web; any other verb a client makes up is counted as OTHER. */
    private static final Set<String> KNOWN_METHODS = Set.of(
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "QUERY");
    static final String OTHER_METHOD = "OTHER";

    /** Well above what Keydesk itself can produce (about a hundred routes, a few dozen statuses). */
    static final int MAX_ROUTES = 500;
    static final int MAX_STATUSES = 100;
    static final int MAX_SERVICES = 2_000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public Metrics() {
        var config = registry.config();
        config.meterFilter(MeterFilter.maximumAllowableTags("keydesk_http", "method", KNOWN_METHODS.size() + 1, MeterFilter.deny()));
        config.meterFilter(MeterFilter.maximumAllowableTags("keydesk_http", "route", MAX_ROUTES, MeterFilter.deny()));
        config.meterFilter(MeterFilter.maximumAllowableTags("keydesk_http", "status", MAX_STATUSES, MeterFilter.deny()));
        config.meterFilter(MeterFilter.maximumAllowableTags("keydesk_verifications", "service", MAX_SERVICES, MeterFilter.deny()));
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** One HTTP request: by route template (not the raw path, so ids don't explode the series), method and status. */
    public void recordRequest(String route, String method, int status, Duration took, long statements, long transactions) {
        String methodTag = methodTag(method);
        Timer.builder("keydesk_http_requests")
                .description("HTTP requests by route, method and status")
                .tag("route", route).tag("method", methodTag).tag("status", Integer.toString(status))
                .register(registry).record(took);
        requestStatements(route, methodTag).record(statements);
        requestTransactions(route, methodTag).record(transactions);
    }

    /** SQL statements run while answering requests of one route: 0 for the cached hot paths. */
    public DistributionSummary requestStatements(String route, String method) {
        return DistributionSummary.builder("keydesk_http_request_statements")
                .description("SQL statements run per request, by route")
                .tag("route", route).tag("method", methodTag(method)).register(registry);
    }

    /** Transactions committed while answering requests of one route (a statement outside one counts as one). */
    public DistributionSummary requestTransactions(String route, String method) {
        return DistributionSummary.builder("keydesk_http_request_transactions")
                .description("Database transactions per request, by route")
                .tag("route", route).tag("method", methodTag(method)).register(registry);
    }

    /** The method as a tag value: one of the known methods, or OTHER for anything a client made up. */
    static String methodTag(String method) {
        String upper = method == null ? "" : method.toUpperCase(Locale.ROOT);
        return KNOWN_METHODS.contains(upper) ? upper : OTHER_METHOD;
    }

    /** The whole registry in Prometheus' text exposition format. */
    public String scrape() {
        return registry.scrape();
    }
}
