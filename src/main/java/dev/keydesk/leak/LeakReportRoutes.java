package dev.keydesk.leak;

import dev.keydesk.access.RouteAccess;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.apikey.LeakNotice;
import dev.keydesk.ratelimit.RequestRateLimiter;
import dev.keydesk.user.AccountRules;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code POST /api/v1/keys/report}: anyone may report keys they found lying about, without an
 * account. The answer is the same success whatever the strings are (live keys, revoked ones,
 * random text): the work is queued ({@link LeakReports}) and nothing in the answer depends on it.
 * Only the rate limit per client address, counted in PostgreSQL across every process, and bad
 * input change the answer, and both depend on the request alone.
 */
public final class LeakReportRoutes {
    public static final String PATH = "/api/v1/keys/report";
    public static final RequestRateLimiter.Limit LIMIT = new RequestRateLimiter.Limit(20, Duration.ofMinutes(10));
    static final int MAX_KEYS = 100;
    static final int MAX_URL = 2000;
    static final int MAX_SOURCE = 200;
    private static final Set<String> PARAMETERS = Set.of("keys", "url", "source", ApiRequest.CLIENT);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LeakReports reports;
    private final RequestRateLimiter limiter;

    public LeakReportRoutes(LeakReports reports, RequestRateLimiter limiter) {
        this.reports = reports;
        this.limiter = limiter;
    }

    public void register(RoutesConfig routes) {
        routes.post(PATH, this::report, RouteAccess.ANONYMOUS);
    }

    /** What a report says, whichever way it was sent, and the success body to answer it with. */
    private record Report(List<String> keys, LeakNotice where, Map<String, Object> success) {}

    private void report(Context ctx) {
        limiter.attemptFrom(ctx.ip()).ifPresent(wait -> {
            throw ApiError.rateLimited(wait.toSeconds());
        });
        if (ctx.queryParamMap().containsKey("keys")) {
            throw ApiError.badRequest("Send the keys in the request body, not in the URL.");
        }
        String contentType = ctx.header("Content-Type");
        Report report = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json")
                ? fromJson(ctx) : fromForm(ctx);
        reports.queue(report.keys(), report.where(), ctx.ip());
        ctx.json(report.success());
    }

    /** Repeated {@code keys} fields, or one holding a JSON array as Zulip's clients send lists. */
    private static Report fromForm(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        req.optional("keys");
        List<String> values = ApiRequest.hasFormParts(ctx) ? ctx.formParams("keys") : List.of();
        List<String> keys;
        if (values.isEmpty()) {
            throw ApiError.missingArgument("keys");
        } else if (values.size() == 1 && values.get(0).strip().startsWith("[")) {
            try {
                keys = strings(JSON.readTree(values.get(0)));
            } catch (JsonProcessingException e) {
                throw ApiError.badRequest("Argument \"keys\" is not valid JSON.");
            }
        } else {
            keys = values;
        }
        LeakNotice where = new LeakNotice(url(req.optional("url").orElse(null)), source(req.optional("source").orElse(null)));
        return new Report(checked(keys), where, req.success(Map.of()));
    }

    /** {@code {"keys": [...], "url": "...", "source": "..."}}. */
    private static Report fromJson(Context ctx) {
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body());
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("The request body is not valid JSON.");
        }
        if (body == null || !body.isObject()) throw ApiError.badRequest("The request body must be a JSON object.");
        if (!body.has("keys")) throw ApiError.missingArgument("keys");
        List<String> keys = strings(body.get("keys"));
        LeakNotice where = new LeakNotice(url(textField(body, "url")), source(textField(body, "source")));
        Set<String> ignored = new TreeSet<>(ctx.queryParamMap().keySet());
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) ignored.add(names.next());
        ignored.removeAll(PARAMETERS);
        return new Report(checked(keys), where, ApiRequest.successBody(Map.of(), ignored));
    }

    private static String textField(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) return null;
        if (!value.isTextual()) throw ApiError.badRequest(name + " is not a string");
        return value.textValue();
    }

    private static List<String> strings(JsonNode array) {
        if (array == null || !array.isArray()) throw ApiError.badRequest("keys must be a list of strings.");
        List<String> keys = new ArrayList<>();
        for (JsonNode item : array) {
            if (!item.isTextual()) throw ApiError.badRequest("keys must be a list of strings.");
            keys.add(item.textValue());
        }
        return keys;
    }

    private static List<String> checked(List<String> keys) {
        if (keys.isEmpty()) throw ApiError.badRequest("Send at least one key.");
        if (keys.size() > MAX_KEYS) throw ApiError.badRequest("At most " + MAX_KEYS + " keys per report.");
        return keys.stream().map(String::strip).toList();
    }

    /** Where the keys were found: an http(s) URL, passed on to the keys' owners. */
    private static String url(String raw) {
        if (raw == null || raw.isBlank()) return null;
        String url = raw.strip();
        String problem = "url must be an http:// or https:// URL of at most " + MAX_URL + " characters.";
        if (url.length() > MAX_URL || AccountRules.hasControlCharacters(url)) throw ApiError.badRequest(problem);
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw ApiError.badRequest(problem);
            }
        } catch (java.net.URISyntaxException e) {
            throw ApiError.badRequest(problem);
        }
        return url;
    }

    /** Free text about where the keys were found ("CI log of build 4711"). */
    private static String source(String raw) {
        if (raw == null || raw.isBlank()) return null;
        String source = raw.strip();
        if (source.length() > MAX_SOURCE || AccountRules.hasControlCharacters(source)) {
            throw ApiError.badRequest("source must be at most " + MAX_SOURCE + " characters, without control characters.");
        }
        return source;
    }
}
