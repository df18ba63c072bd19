package dev.keydesk.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters of one API call, from an urlencoded or multipart body (for other methods than
 * GET) and the query string; as in Zulip, a body parameter wins over a query parameter of the
 * same name. Tracks which ones the endpoint read, so the rest can be reported back, sorted, as
 * {@code ignored_parameters_unsupported}, as Zulip does.
 *
 * <p>Zulip sends strings as they are and every other type JSON-encoded: an integer arrives as
 * {@code 3}, a boolean as {@code true}, and a string-typed parameter declared as JSON (such as
 * {@code payload_url}) as {@code "https://…"} with its quotes. The {@code json…} readers here are
 * the one place that decodes them, with Zulip's messages when a value does not decode.
 */
public final class ApiRequest {
    /** Zulip reads {@code client} (the client's name) on every endpoint, so it is never reported as ignored. */
    public static final String CLIENT = "client";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final String NO_FORM_PARTS = "keydesk.no-form-parts";

    private final Map<String, String> params;
    private final Map<String, String> bodyParams;
    private final Set<String> inUrl;
    private final Set<String> read = new TreeSet<>();

    private ApiRequest(Map<String, String> params, Map<String, String> bodyParams, Set<String> inUrl) {
        this.params = params;
        this.bodyParams = bodyParams;
        this.inUrl = inUrl;
        read.add(CLIENT);
    }

    /** Notes that the request's body is a multipart form without any part (see RequestBodies). */
    public static void markNoFormParts(Context ctx) {
        ctx.attribute(NO_FORM_PARTS, Boolean.TRUE);
    }

    /** Whether the body may hold form fields or files; false for an empty multipart form, which must not be parsed. */
    public static boolean hasFormParts(Context ctx) {
        return ctx.attribute(NO_FORM_PARTS) == null;
    }

    public static ApiRequest of(Context ctx) {
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, String> body = new LinkedHashMap<>();
        if (ctx.method() != HandlerType.GET && ctx.method() != HandlerType.HEAD && hasFormParts(ctx)) {
            ctx.formParamMap().forEach((k, v) -> putFirst(body, k, v)); // already parsed by RequestBodies
        }
        body.forEach(params::putIfAbsent); // a body parameter wins over the query's
        Set<String> inUrl = Set.copyOf(ctx.queryParamMap().keySet());
        ctx.queryParamMap().forEach((k, v) -> putFirst(params, k, v));
        return new ApiRequest(params, body, inUrl);
    }

    private static void putFirst(Map<String, String> params, String key, List<String> values) {
        if (!values.isEmpty()) params.putIfAbsent(key, values.get(0));
    }

    /** A plain string parameter that must be present. */
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

    /** A plain string parameter. */
    public Optional<String> optional(String name) {
        read.add(name);
        return Optional.ofNullable(params.get(name));
    }

    /** A JSON-encoded string parameter ({@code "\"text\""}). */
    public Optional<String> jsonString(String name) {
        return json(name).map(value -> {
            if (!value.isTextual()) throw ApiError.badRequest(name + " is not a string");
            return value.textValue();
        });
    }

    /** A JSON-encoded integer parameter ({@code 3}). */
    public Optional<Long> jsonInt(String name) {
        return json(name).map(value -> {
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw ApiError.badRequest(name + " is not an integer");
            }
            return value.longValue();
        });
    }

    /** A JSON-encoded boolean parameter ({@code true}). */
    public Optional<Boolean> jsonBool(String name) {
        return json(name).map(value -> {
            if (!value.isBoolean()) throw ApiError.badRequest(name + " is not a boolean");
            return value.booleanValue();
        });
    }

    /** A JSON-encoded parameter of any shape (an object, a list, null). */
    public Optional<JsonNode> jsonValue(String name) {
        return json(name);
    }

    private Optional<JsonNode> json(String name) {
        return optional(name).map(raw -> {
            try {
                JsonNode value = JSON.readTree(raw);
                if (value == null || value.isMissingNode()) throw new IllegalArgumentException("empty");
                return value;
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw ApiError.badRequest("Argument \"" + name + "\" is not valid JSON.");
            }
        });
    }

    /** A success body: the fields given, plus the parameters this endpoint did not use. */
    public Map<String, Object> success(Map<String, ?> fields) {
        Set<String> ignored = new TreeSet<>(params.keySet());
        ignored.removeAll(read);
        return successBody(fields, ignored);
    }

    /**
     * Zulip's success shape, {@code {"result": "success", "msg": "", …fields}}, naming the
     * parameters that were not used (if any, in {@code ignored}'s order): the one place that builds it.
     */
    public static Map<String, Object> successBody(Map<String, ?> fields, Collection<String> ignored) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("result", "success");
        body.put("msg", "");
        body.putAll(fields);
        if (!ignored.isEmpty()) body.put("ignored_parameters_unsupported", List.copyOf(ignored));
        return body;
    }
}
