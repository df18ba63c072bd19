package dev.keydesk.apikey;

import dev.keydesk.api.ApiError;
import dev.keydesk.api.BasicCredentials;
import dev.keydesk.user.User;
import io.javalin.http.Context;

/**
 * HTTP Basic {@code email:api_key} authentication with Zulip's statuses, codes and messages.
 * Routes get the caller as a loaded {@link User}: a cached key costs no database query at all.
 */
public final class ApiAuth {
    private final ApiKeyAuthenticator authenticator;

    public ApiAuth(ApiKeyAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** The account whose key authenticated this request. */
    public User require(Context ctx) {
        return requireKey(ctx).user();
    }

    /** The presented key and its account, for actions that must know which key authorized them. */
    public KeyOwner requireKey(Context ctx) {
        BasicCredentials credentials = BasicCredentials.parse(ctx.header("Authorization"));
        ApiKeyAuthenticator.Result result = authenticator.authenticate(credentials.email(), credentials.key());
        if (result instanceof ApiKeyAuthenticator.Authenticated ok) return ok.owner();
        if (result instanceof ApiKeyAuthenticator.Deactivated) {
            throw ApiError.unauthorized("USER_DEACTIVATED", "Account is deactivated");
        }
        if (result instanceof ApiKeyAuthenticator.Malformed) {
            throw ApiError.unauthorized("INVALID_API_KEY", "Malformed API key");
        }
        throw ApiError.unauthorized("INVALID_API_KEY", "Invalid API key");
    }

    /** An organization administrator (or owner) who is a person; anyone else gets 403. */
    public User requireAdmin(Context ctx) {
        User user = require(ctx);
        if (!user.isAdmin() || user.isBot()) {
            throw new ApiError(403, "BAD_REQUEST", "Must be an organization administrator");
        }
        return user;
    }
}
