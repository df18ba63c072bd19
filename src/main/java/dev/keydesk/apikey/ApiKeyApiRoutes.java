package dev.keydesk.apikey;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.device.ClientName;
import dev.keydesk.user.EmailAddress;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.User;
import dev.keydesk.user.UserQueries;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;

/** fetch_api_key, its development twin, and regenerating one's own key through the API. */
public final class ApiKeyApiRoutes {
    private final PasswordCheck passwords;
    private final ApiKeyActions keys;
    private final UserQueries users;
    private final boolean devMode;
    private final java.util.function.BooleanSupplier passwordLoginEnabled;

    public ApiKeyApiRoutes(PasswordCheck passwords, ApiKeyActions keys, UserQueries users,
                           boolean devMode) {
        this(passwords, keys, users, devMode, () -> true);
    }

    public ApiKeyApiRoutes(PasswordCheck passwords, ApiKeyActions keys, UserQueries users,
                           boolean devMode, java.util.function.BooleanSupplier passwordLoginEnabled) {
        this.passwordLoginEnabled = passwordLoginEnabled;
        this.passwords = passwords;
        this.keys = keys;
        this.users = users;
        this.devMode = devMode;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/v1/fetch_api_key", this::fetchApiKey, RouteAccess.ANONYMOUS);
        // As on a Zulip production server, the route exists only in development mode (404 otherwise).
        if (devMode) routes.post("/api/v1/dev_fetch_api_key", this::devFetchApiKey, RouteAccess.ANONYMOUS);
        routes.post("/api/v1/users/me/api_key/regenerate", this::regenerate, RouteAccess.API_KEY);
    }

    /** Deliberately ignores any Authorization header: the credentials are the username and password. */
    private void fetchApiKey(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        String username = req.required("username").trim();
        String password = req.requiredSecret("password");
        if (!EmailAddress.isValid(username)) {
            throw ApiError.badRequest("Enter a valid email address.");
        }
        if (!passwordLoginEnabled.getAsBoolean()) {
            // Zulip's answer when the organization has turned password authentication off.
            throw ApiError.unauthorized("PASSWORD_AUTH_DISABLED", "Password authentication is disabled in this organization");
        }
        String client = clientOf(ctx, req);
        PasswordCheck.Outcome<Optional<String>> outcome = passwords.check(username, password, ctx.ip(),
                (h, user, checkedHash) -> keys.issueToDevice(h, user, checkedHash, client, ctx.userAgent(), ctx.ip(),
                        "fetch_api_key"));
        if (outcome instanceof PasswordCheck.RateLimited<Optional<String>> limited) {
            throw ApiError.rateLimited(limited.retryAfter().toSeconds());
        }
        if (outcome instanceof PasswordCheck.Deactivated<Optional<String>>) {
            throw ApiError.unauthorized("USER_DEACTIVATED", "Account is deactivated");
        }
        // Empty: the password was changed while it was being checked, so it is wrong now.
        if (!(outcome instanceof PasswordCheck.Verified<Optional<String>> verified) || verified.opened().isEmpty()) {
            throw ApiError.unauthorized("AUTHENTICATION_FAILED", "Your username or password is incorrect");
        }
        sendKey(ctx, req, verified.user(), verified.opened().get());
    }

    /** Zulip's answers: AUTHENTICATION_FAILED for an unknown account, USER_DEACTIVATED for a deactivated one. */
    private void devFetchApiKey(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        String username = req.required("username").trim();
        if (!EmailAddress.isValid(username)) throw ApiError.badRequest("Enter a valid email address.");
        User user = users.findByEmail(username)
                .orElseThrow(() -> ApiError.unauthorized("AUTHENTICATION_FAILED", "Your username or password is incorrect"));
        if (!user.isActive()) throw ApiError.unauthorized("USER_DEACTIVATED", "Account is deactivated");
        String key = keys.issueToDevice(user, clientOf(ctx, req), ctx.userAgent(), ctx.ip(), "dev_fetch_api_key")
                .orElseThrow(() -> ApiError.unauthorized("USER_DEACTIVATED", "Account is deactivated"));
        sendKey(ctx, req, user, key);
    }

    private static String clientOf(Context ctx, ApiRequest req) {
        return ClientName.of(req.optional(ApiRequest.CLIENT).orElse(null), ctx.userAgent());
    }

    private static void sendKey(Context ctx, ApiRequest req, User user, String key) {
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(Map.of("api_key", key, "email", user.email(), "user_id", user.id())));
    }

    /**
     * Zulip's POST /users/me/api_key/regenerate with any key of the account: a device's key
     * authenticates what the main key does, so it may also replace the account's key, exactly as
     * Generate new API key does (every device logged out, this one included).
     */
    private void regenerate(Context ctx) {
        KeyOwner presented = ApiAuth.key(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        long userId = presented.user().id();
        String key = keys.regenerateOwnKey(ApiAuth.actor(ctx), userId, presented.keyId())
                .orElseThrow(() -> ApiError.unauthorized("Invalid API key"));
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(Map.of("api_key", key)));
    }
}
