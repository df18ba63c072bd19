package dev.keydesk.guard;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.user.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /forward-auth}: the endpoint reverse proxies ask before passing a request on (nginx
 * {@code auth_request}, Traefik ForwardAuth, Caddy {@code forward_auth}, Envoy {@code ext_authz}).
 * Any method and any path below it are accepted, since Envoy appends the original path. The
 * proxy names its service with the {@code X-Keydesk-Service-Token} header; the answer is 200 with
 * identity headers for the upstream, or 401 / 403 / 429 with Zulip's error body.
 */
public final class ForwardAuthRoutes {
    public static final String PATH = "/forward-auth";
    public static final String SERVICE_TOKEN_HEADER = "X-Keydesk-Service-Token";
    /** The identity headers; a proxy must overwrite them, so a client can never supply its own. */
    public static final List<String> IDENTITY_HEADERS = List.of("X-Keydesk-User-Id", "X-Keydesk-Email",
            "X-Keydesk-Full-Name", "X-Keydesk-Role", "X-Keydesk-Is-Bot", "X-Keydesk-Key-Id", "X-Keydesk-Meta");
    /** The original method as proxies pass it: Traefik and Caddy, then the nginx recipe. */
    static final List<String> METHOD_HEADERS = List.of("X-Forwarded-Method", "X-Original-Method");
    /** The original URI as proxies pass it: Traefik and Caddy, then the nginx recipe (Envoy appends it to the path). */
    static final List<String> URI_HEADERS = List.of("X-Forwarded-Uri", "X-Original-URI");
    private static final List<HandlerType> METHODS = List.of(HandlerType.GET, HandlerType.HEAD, HandlerType.POST,
            HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE, HandlerType.OPTIONS);

    private final KeyVerifier verifier;
    private final VerificationMetrics metrics;

    public ForwardAuthRoutes(KeyVerifier verifier, VerificationMetrics metrics) {
        this.verifier = verifier;
        this.metrics = metrics;
    }

    public void register(RoutesConfig routes) {
        for (HandlerType method : METHODS) {
            routes.addHttpHandler(method, PATH, this::check, RouteAccess.SERVICE_TOKEN);
            routes.addHttpHandler(method, PATH + "/<rest>", this::check, RouteAccess.SERVICE_TOKEN);
        }
    }

    private void check(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        KeyVerifier.Presented presented = PresentedKey.from(ctx.header("Authorization"), ctx.header("X-Api-Key"));
        KeyVerifier.Decision decision = verifier.verify(ctx.header(SERVICE_TOKEN_HEADER), presented, ctx.ip(),
                target(ctx.req().getMethod(), ctx.req().getRequestURI(), name -> headerValues(ctx, name)));
        metrics.record(decision);
        // Browsers replay Basic credentials a person once typed in, even on requests another site
        // makes them send: such a request must not act with them. Bearer and X-Api-Key headers are
        // never added by a browser on its own.
        boolean storedCredentialsCrossSite = decision instanceof KeyVerifier.Allowed && presented.email() != null
                && isCrossSiteWrite(ctx);
        Answer answer = answer(decision, storedCredentialsCrossSite);
        answer.headers().forEach(ctx::header);
        ctx.status(answer.status()).json(answer.body());
    }

    private static List<String> headerValues(Context ctx, String name) {
        Enumeration<String> values = ctx.req().getHeaders(name);
        return values == null ? List.of() : Collections.list(values);
    }

    /**
     * The request the proxy asks about. Methods: every value of the method headers, and the
     * question's own method unless it is GET beside such a header (Traefik, Caddy and nginx ask
     * with GET whatever the request; Envoy asks with the original method and sends no header).
     * URIs: every value of the URI headers, and the path below {@code /forward-auth} (Envoy's).
     */
    static KeyVerifier.Target target(String ownMethod, String requestUri, java.util.function.Function<String, List<String>> headers) {
        List<String> methods = new java.util.ArrayList<>();
        for (String name : METHOD_HEADERS) {
            for (String value : headers.apply(name)) {
                for (String entry : value.split(",", -1)) methods.add(entry.strip());
            }
        }
        if (methods.isEmpty() || !"GET".equalsIgnoreCase(ownMethod)) methods.add(ownMethod);
        List<String> uris = new java.util.ArrayList<>();
        // A URI may hold commas: each header value is one URI.
        for (String name : URI_HEADERS) uris.addAll(headers.apply(name));
        if (requestUri != null && requestUri.startsWith(PATH + "/")) uris.add(requestUri.substring(PATH.length()));
        return new KeyVerifier.Target(methods, uris);
    }

    /** What the proxy is told: a status (200 lets the request through), headers and Zulip's body. */
    record Answer(int status, Map<String, String> headers, Map<String, Object> body) {}

    /**
     * The answer to a decision. Only {@link KeyVerifier.Allowed} lets a request through; anything
     * else, including a decision this method does not know, is refused, since a proxy reads any
     * 2xx as "let it in".
     */
    static Answer answer(KeyVerifier.Decision decision, boolean storedCredentialsCrossSite) {
        if (decision instanceof KeyVerifier.Allowed allowed && !storedCredentialsCrossSite) {
            return new Answer(200, identityHeaders(allowed), ApiRequest.successBody(Map.of(), List.of()));
        } else if (decision instanceof KeyVerifier.Allowed) {
            return error(403, "FORBIDDEN", "Cross-site requests with a browser's stored credentials are refused.", false);
        } else if (decision instanceof KeyVerifier.UnknownService) {
            return error(401, "UNAUTHORIZED", "Unknown or missing service token", false);
        } else if (decision instanceof KeyVerifier.NoKey) {
            return error(401, "UNAUTHORIZED", "Not logged in: API authentication or user session required", true);
        } else if (decision instanceof KeyVerifier.Refused refused) {
            return error(401, refused.code(), refused.message(), true);
        } else if (decision instanceof KeyVerifier.NotAdmitted notAdmitted) {
            return error(403, "FORBIDDEN", "This key may not call " + notAdmitted.service().name() + ".", false);
        } else if (decision instanceof KeyVerifier.OutOfScope) {
            return error(403, "FORBIDDEN", "This key's scope does not allow this request.", false);
        } else if (decision instanceof KeyVerifier.WrongAddress) {
            return error(403, "FORBIDDEN", "This key may not be used from this address.", false);
        } else if (decision instanceof KeyVerifier.Limited limited) {
            Map<String, Object> body = ApiError.body("RATE_LIMIT_HIT", "API usage exceeded rate limit");
            body.put("retry-after", (double) limited.retryAfterSeconds());
            return new Answer(429, Map.of("Retry-After", Long.toString(limited.retryAfterSeconds())), body);
        }
        return error(401, "UNAUTHORIZED", "The key could not be verified.", true);
    }

    /** A state-changing request that a browser made for another site (see {@link CrossSiteWrite}). */
    static boolean isCrossSiteWrite(Context ctx) {
        return CrossSiteWrite.test(ctx.req().getMethod(), name -> {
            Enumeration<String> values = ctx.req().getHeaders(name);
            return values == null ? List.of() : Collections.list(values);
        });
    }

    /** Header values are ASCII: a name with other characters is sent percent-encoded (UTF-8). */
    static Map<String, String> identityHeaders(KeyVerifier.Allowed allowed) {
        User user = allowed.owner().user();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Keydesk-User-Id", Long.toString(user.id()));
        headers.put("X-Keydesk-Email", user.email());
        headers.put("X-Keydesk-Full-Name", headerSafe(user.fullName()));
        headers.put("X-Keydesk-Role", Integer.toString(user.role()));
        headers.put("X-Keydesk-Is-Bot", Boolean.toString(user.isBot()));
        headers.put("X-Keydesk-Key-Id", Long.toString(allowed.owner().keyId()));
        // Always sent, empty without metadata, so a proxy copies one fixed header and a client's own never survives.
        headers.put("X-Keydesk-Meta", allowed.owner().restrictions().metadata().header());
        return headers;
    }

    static String headerSafe(String value) {
        boolean plain = value.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '%');
        return plain ? value : URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Answer error(int status, String code, String msg, boolean challenge) {
        return new Answer(status, challenge ? Map.of("WWW-Authenticate", "Basic realm=\"zulip\"") : Map.of(),
                ApiError.body(code, msg));
    }
}
