package dev.keydesk.devicegrant;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.device.ClientName;
import dev.keydesk.ratelimit.RequestRateLimiter;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The client's side of the device authorization grant (RFC 8628): {@code POST
 * /api/v1/device_authorization} asks for a login and {@code POST /api/v1/device_token} polls for
 * its outcome. The first answers in Zulip's success shape with RFC 8628's fields added; the
 * second answers a key in fetch_api_key's shape, and everything else in OAuth's error shape
 * ({@code {"error", "error_description"}}, status 400, RFC 6749 §5.2), since OAuth device
 * clients read that and no Zulip client polls.
 */
public final class DeviceGrantApiRoutes {
    public static final String AUTHORIZATION_PATH = "/api/v1/device_authorization";
    public static final String TOKEN_PATH = "/api/v1/device_token";
    public static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
    /** Requests for a login per client address: plenty for people, too few to fill the table. */
    public static final RequestRateLimiter.Limit LIMIT = new RequestRateLimiter.Limit(20, Duration.ofMinutes(10));

    private final DeviceGrantActions grants;
    private final RequestRateLimiter limiter;
    private final String site;

    public DeviceGrantApiRoutes(DeviceGrantActions grants, RequestRateLimiter limiter, String site) {
        this.grants = grants;
        this.limiter = limiter;
        this.site = site;
    }

    public void register(RoutesConfig routes) {
        routes.post(AUTHORIZATION_PATH, this::authorize, RouteAccess.ANONYMOUS);
        routes.post(TOKEN_PATH, this::token, RouteAccess.ANONYMOUS);
    }

    /** {@code client} names the client as on fetch_api_key; RFC 8628's {@code client_id} does when it is missing. */
    private void authorize(Context ctx) {
        limiter.attemptFrom(ctx.ip()).ifPresent(wait -> {
            throw ApiError.rateLimited(wait.toSeconds());
        });
        ApiRequest req = ApiRequest.of(ctx);
        Optional<String> clientId = req.optional("client_id"); // read either way: it is not an ignored parameter
        Optional<String> named = req.optional(ApiRequest.CLIENT).or(() -> clientId);
        req.optional("scope"); // RFC 8628 allows it; a device key has no scope to narrow
        String client = ClientName.of(named.orElse(null), ctx.userAgent());
        DeviceGrantActions.Started started = grants.request(client, ctx.userAgent(), ctx.ip());
        String display = UserCode.display(started.userCode());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("device_code", started.deviceCode());
        answer.put("user_code", display);
        answer.put("verification_uri", site + DeviceGrantRoutes.PATH);
        answer.put("verification_uri_complete", site + DeviceGrantRoutes.PATH + "?user_code=" + display);
        answer.put("expires_in", DeviceGrantActions.LIFETIME.toSeconds());
        answer.put("interval", started.intervalSeconds());
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(answer));
    }

    private void token(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ApiRequest req = ApiRequest.of(ctx);
        Optional<String> grantType = req.optional("grant_type");
        req.optional("client_id");
        if (grantType.isPresent() && !grantType.get().equals(GRANT_TYPE)) {
            oauthError(ctx, "unsupported_grant_type", "grant_type must be " + GRANT_TYPE + ".");
            return;
        }
        if (ctx.queryParamMap().containsKey("device_code")) {
            oauthError(ctx, "invalid_request", "Send the device_code in the request body, not in the URL.");
            return;
        }
        Optional<String> deviceCode = req.optional("device_code");
        if (deviceCode.isEmpty()) {
            oauthError(ctx, "invalid_request", "Missing device_code.");
            return;
        }
        DeviceGrantActions.Poll poll = grants.poll(deviceCode.get(), ctx.userAgent(), ctx.ip());
        if (poll instanceof DeviceGrantActions.Refused refused) {
            oauthError(ctx, refused.error().code(), refused.error().description());
            return;
        }
        DeviceGrantActions.Issued issued = (DeviceGrantActions.Issued) poll;
        ctx.json(req.success(Map.of("api_key", issued.key(), "email", issued.user().email(), "user_id", issued.user().id())));
    }

    private static void oauthError(Context ctx, String error, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        ctx.status(400).json(body);
    }
}
