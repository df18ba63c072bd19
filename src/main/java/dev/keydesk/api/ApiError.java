package dev.keydesk.api;

import java.util.LinkedHashMap;
import java.util.Map;

/** An API failure in Zulip's shape: {"result": "error", "msg": …, "code": …} with Zulip's status. */
public class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> extra;
    private final Map<String, String> headers;

    public ApiError(int status, String code, String msg) {
        this(status, code, msg, Map.of(), Map.of());
    }

    public ApiError(int status, String code, String msg, Map<String, Object> extra, Map<String, String> headers) {
        super(msg, null, false, false);
        this.status = status;
        this.code = code;
        this.extra = extra;
        this.headers = headers;
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Map<String, Object> body() {
        Map<String, Object> body = body(code, getMessage());
        body.putAll(extra);
        return body;
    }

    /**
     * Zulip's error shape, {@code {"result": "error", "msg": …, "code": …}} in that order: the one
     * place that builds it, for answers that are not thrown (forward-auth's). A new map, which the
     * caller may extend.
     */
    public static Map<String, Object> body(String code, String msg) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("result", "error");
        body.put("msg", msg);
        body.put("code", code);
        return body;
    }

    public static ApiError badRequest(String msg) {
        return new ApiError(400, "BAD_REQUEST", msg);
    }

    public static ApiError missingArgument(String name) {
        return new ApiError(400, "REQUEST_VARIABLE_MISSING", "Missing '" + name + "' argument",
                Map.of("var_name", name), Map.of());
    }

    /** Zulip's answer when an endpoint is for organization administrators only. */
    public static ApiError administratorRequired() {
        return new ApiError(400, "UNAUTHORIZED_PRINCIPAL", "Must be an organization administrator");
    }

    public static ApiError notFound() {
        return new ApiError(404, "BAD_REQUEST", "Endpoint not found");
    }

    /**
     * A refused Basic authentication. Zulip answers every failure of HTTP Basic authentication on
     * its API (malformed header, malformed or unknown key, deactivated account, incoming webhook
     * bot) with 401 and code UNAUTHORIZED; only its message says which.
     */
    public static ApiError unauthorized(String msg) {
        return unauthorized("UNAUTHORIZED", msg);
    }

    public static ApiError unauthorized(String code, String msg) {
        return new ApiError(401, code, msg, Map.of(), Map.of("WWW-Authenticate", "Basic realm=\"zulip\""));
    }

    public static ApiError rateLimited(long retryAfterSeconds) {
        return new ApiError(429, "RATE_LIMIT_HIT", "API usage exceeded rate limit",
                Map.of("retry-after", (double) retryAfterSeconds),
                Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }
}
