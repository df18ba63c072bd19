package dev.keydesk.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters of one API call, from the query string and (for other methods than GET) an
 * urlencoded or multipart body. Tracks which ones the endpoint read, so the rest can be
 * reported back as {@code ignored_parameters_unsupported}, as Zulip does.
 */
public final class ApiRequest {
    private final Map<String, String> params;
    private final Map<String, String> bodyParams;
    private final Set<String> inUrl;
    private final Set<String> read = new TreeSet<>();

    private ApiRequest(Map<String, String> params, Map<String, String> bodyParams, Set<String> inUrl) {
        this.params = params;
        this.bodyParams = bodyParams;
        this.inUrl = inUrl;
    }

    public static ApiRequest of(Context ctx) {
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, String> body = new LinkedHashMap<>();
        ctx.queryParamMap().forEach((k, v) -> putFirst(params, k, v));
        Set<String> inUrl = Set.copyOf(params.keySet());
        if (ctx.method() != HandlerType.GET && ctx.method() != HandlerType.HEAD) {
            ctx.formParamMap().forEach((k, v) -> putFirst(body, k, v)); // already parsed by RequestBodies
            body.forEach(params::putIfAbsent);
        }
        return new ApiRequest(params, body, inUrl);
    }

    private static void putFirst(Map<String, String> params, String key, List<String> values) {
        if (!values.isEmpty()) params.putIfAbsent(key, values.get(0));
    }

    public String required(String name) {
        read.add(name);
        String value = params.get(name);
        if (value == null) throw ApiError.missingArgument(name);
        return value;
    }

    /**
     * A secret, such as a password: taken from the request body only, and refused (400) when the
     * URL carries it too, since URLs end up in the logs of proxies, servers and browsers.
     */
    public String requiredSecret(String name) {
        read.add(name);
        if (inUrl.contains(name)) {
            throw ApiError.badRequest("Send the " + name + " in the request body, not in the URL.");
        }
        String value = bodyParams.get(name);
        if (value == null) throw ApiError.missingArgument(name);
        return value;
    }

    public Optional<String> optional(String name) {
        read.add(name);
        return Optional.ofNullable(params.get(name));
    }

    /** A success body: the fields given, plus the parameters this endpoint did not use. */
    public Map<String, Object> success(Map<String, ?> fields) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("result", "success");
        body.put("msg", "");
        body.putAll(fields);
        List<String> ignored = new ArrayList<>();
        for (String name : params.keySet()) {
            if (!read.contains(name)) ignored.add(name);
        }
        if (!ignored.isEmpty()) body.put("ignored_parameters_unsupported", ignored);
        return body;
    }
}
