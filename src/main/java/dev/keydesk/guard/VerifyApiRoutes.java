package dev.keydesk.guard;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.user.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/**
 * {@code POST /api/v1/keys/verify}: for services that check keys themselves. The service token
 * comes as a Bearer token; the presented key (and, optionally, the e-mail it was sent with) in
 * the body, never the URL (URLs end up in the logs of proxies and servers). The answer says
 * whether the key may call this service and whose it is.
 */
public final class VerifyApiRoutes {
    private final KeyVerifier verifier;
    private final VerificationMetrics metrics;

    public VerifyApiRoutes(KeyVerifier verifier, VerificationMetrics metrics) {
        this.verifier = verifier;
        this.metrics = metrics;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/v1/keys/verify", this::verify, RouteAccess.SERVICE_TOKEN);
    }

    private void verify(Context ctx) {
        String serviceToken = PresentedKey.bearer(ctx.header("Authorization"));
        // The route is the service token's: a caller without one is refused before its input is read.
        if (!verifier.knowsService(serviceToken)) {
            metrics.record(new KeyVerifier.UnknownService());
            throw unknownService();
        }
        ApiRequest req = ApiRequest.of(ctx);
        String key = req.requiredSecret("key");
        String email = req.optional("email").filter(e -> !e.isBlank()).orElse(null);
        // The request the service is answering, when it says: needed for a key with method and path rules.
        Optional<String> method = req.optional("method").filter(m -> !m.isBlank());
        Optional<String> path = req.optional("path").filter(p -> !p.isBlank());
        KeyVerifier.Target target = method.isPresent() && path.isPresent()
                ? new KeyVerifier.Target(List.of(method.get()), List.of(path.get())) : null;
        KeyVerifier.Decision decision = verifier.verify(serviceToken, new KeyVerifier.Presented(key, email), ctx.ip(), target);
        metrics.record(decision);
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(body(decision)));
    }

    /**
     * The answer's fields for a decision: {@code valid} is true for {@link KeyVerifier.Allowed}
     * alone; anything else, including a decision this method does not know, says not valid.
     */
    static Map<String, Object> body(KeyVerifier.Decision decision) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (decision instanceof KeyVerifier.UnknownService) {
            throw unknownService();
        } else if (decision instanceof KeyVerifier.NoKey) {
            throw ApiError.missingArgument("key");
        } else if (decision instanceof KeyVerifier.Allowed allowed) {
            User user = allowed.owner().user();
            body.put("valid", true);
            body.put("user_id", user.id());
            body.put("email", user.email());
            body.put("full_name", user.fullName());
            body.put("role", user.role());
            body.put("is_bot", user.isBot());
            body.put("key_id", allowed.owner().keyId());
            body.put("metadata", allowed.owner().restrictions().metadata().pairs());
        } else if (decision instanceof KeyVerifier.Refused refused) {
            invalid(body, refused.code(), refused.message());
        } else if (decision instanceof KeyVerifier.NotAdmitted notAdmitted) {
            invalid(body, "FORBIDDEN", "This key may not call " + notAdmitted.service().name() + ".");
        } else if (decision instanceof KeyVerifier.OutOfScope outOfScope) {
            invalid(body, "FORBIDDEN", "This key's scope does not allow this request to " + outOfScope.service().name()
                    + " (send the request's method and path when the key is limited to some of them).");
        } else if (decision instanceof KeyVerifier.WrongAddress) {
            invalid(body, "FORBIDDEN", "This key may not be used from this address.");
        } else if (decision instanceof KeyVerifier.Limited limited) {
            invalid(body, "RATE_LIMIT_HIT", "API usage exceeded rate limit");
            body.put("retry_after", limited.retryAfterSeconds());
        } else {
            invalid(body, "INVALID_API_KEY", "The key could not be verified.");
        }
        return body;
    }

    private static ApiError unknownService() {
        return new ApiError(401, "UNAUTHORIZED", "Unknown or missing service token", Map.of(),
                Map.of("WWW-Authenticate", "Bearer realm=\"keydesk\""));
    }

    private static void invalid(Map<String, Object> body, String code, String message) {
        body.put("valid", false);
        body.put("code", code);
        body.put("reason", message);
    }
}
