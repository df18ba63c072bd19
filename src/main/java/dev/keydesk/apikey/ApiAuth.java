package dev.keydesk.apikey;

import dev.keydesk.api.ApiError;
import dev.keydesk.api.BasicCredentials;
import dev.keydesk.audit.Actor;
import dev.keydesk.ratelimit.AuthFailureLimiter;
import dev.keydesk.user.User;
import io.javalin.http.Context;

/**
 * HTTP Basic {@code email:api_key} authentication with Zulip's statuses, codes and messages.
 * Routes get the caller as a loaded {@link User}: a cached key costs no database query at all.
 *
 * <p>As on a Zulip server, every refusal of the credentials is a 401 with code UNAUTHORIZED
 * (the message says why), and the keys of incoming webhook bots, which may only post
 * through webhook integrations in Zulip, are refused on every endpoint here, including the
 * regeneration of their own key: their owners manage them with their own keys.
 */
public final class ApiAuth {
    /** Zulip's bot type for incoming webhook bots. */
    private static final int INCOMING_WEBHOOK_BOT = 2;

    private static final String PRESENTED_KEY = "keydesk.presentedKey";

    private final ApiKeyAuthenticator authenticator;
    private final AuthFailureLimiter failures;

    public ApiAuth(ApiKeyAuthenticator authenticator, AuthFailureLimiter failures) {
        this.authenticator = authenticator;
        this.failures = failures;
    }

    /** The account whose key authenticated this request. */
    public User require(Context ctx) {
        return requireKey(ctx).user();
    }

    /**
     * The presented key and its account, for actions that must know which key authorized them.
     * An address that failed too often gets 429 for any key this process does not hold in its
     * cache, without a database query; a key it holds (a real, recently used one) still works.
     */
    public KeyOwner requireKey(Context ctx) {
        BasicCredentials credentials = BasicCredentials.parse(ctx.header("Authorization"));
        String address = ctx.ip();
        long retryAfter = failures.retryAfterSeconds(address);
        ApiKeyAuthenticator.Result result = retryAfter > 0
                ? authenticator.authenticateFromCache(credentials.email(), credentials.key(), address)
                : authenticator.authenticate(credentials.email(), credentials.key(), address);
        if (retryAfter > 0 && !(result instanceof ApiKeyAuthenticator.Authenticated)) throw ApiError.rateLimited(retryAfter);
        if (!(result instanceof ApiKeyAuthenticator.Authenticated)) failures.recordFailure(address);
        if (result instanceof ApiKeyAuthenticator.Authenticated ok) {
            Integer botType = ok.owner().user().botType();
            if (botType != null && botType == INCOMING_WEBHOOK_BOT) {
                throw ApiError.unauthorized("This API is not available to incoming webhook bots.");
            }
            ctx.attribute(PRESENTED_KEY, ok.owner());
            return ok.owner();
        }
        if (result instanceof ApiKeyAuthenticator.Deactivated) throw ApiError.unauthorized("Account is deactivated");
        if (result instanceof ApiKeyAuthenticator.Expired) {
            throw ApiError.unauthorized("INVALID_API_KEY", "API key expired");
        }
        if (result instanceof ApiKeyAuthenticator.Malformed) throw ApiError.unauthorized("Malformed API key");
        throw ApiError.unauthorized("Invalid API key");
    }

    /**
     * The caller of a request authenticated by {@link #require} and its siblings, naming the key
     * that authorized it, for the audit rows of what the request changes.
     */
    public static Actor actor(Context ctx) {
        KeyOwner owner = ctx.attribute(PRESENTED_KEY);
        if (owner == null) throw new IllegalStateException("The request was not authenticated with an API key");
        return Actor.api(owner.user().id(), ctx.ip(), owner.label());
    }

    /**
     * A person who is a member, moderator, administrator or owner: Zulip's rule for the bot
     * endpoints, which bots and guests may not use.
     */
    public User requireMemberOrAdmin(Context ctx) {
        User user = require(ctx);
        if (user.isGuest()) throw ApiError.badRequest("Not allowed for guest users");
        if (user.isBot()) throw ApiError.badRequest("This endpoint does not accept bot requests.");
        return user;
    }

    /** An organization administrator (or owner) who is a person; anyone else gets Zulip's 400. */
    public User requireAdmin(Context ctx) {
        User user = require(ctx);
        requireAdmin(user);
        return user;
    }

    public static void requireAdmin(User user) {
        if (!user.isAdmin() || user.isBot()) throw ApiError.administratorRequired();
    }
}
