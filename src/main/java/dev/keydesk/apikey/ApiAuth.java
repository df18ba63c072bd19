package dev.keydesk.apikey;

import dev.keydesk.api.ApiError;
import dev.keydesk.api.BasicCredentials;
import dev.keydesk.audit.Actor;
import dev.keydesk.ratelimit.AuthFailureLimiter;
import dev.keydesk.user.User;
import dev.keydesk.access.RouteAccess;
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
    private final KeyUseCounter uses;

    public ApiAuth(ApiKeyAuthenticator authenticator, AuthFailureLimiter failures, KeyUseCounter uses) {
        this.authenticator = authenticator;
        this.failures = failures;
        this.uses = uses;
    }

    /**
     * The access check for API routes, run before the handler: the key must be valid, and for
     * {@link RouteAccess#API_MEMBER_OR_ADMIN} and {@link RouteAccess#API_ADMIN} belong to such a
     * person. Refusals are Zulip's answers. The key is kept for {@link #caller} and {@link #key}.
     */
    public User authorize(Context ctx, RouteAccess access) {
        KeyOwner key = requireKey(ctx);
        User user = key.user();
        try {
            switch (access) {
                case API_KEY -> { }
                case API_MEMBER_OR_ADMIN -> requireMemberOrAdmin(user);
                case API_ADMIN -> requireAdmin(user);
                default -> throw new IllegalArgumentException("Not an API key role: " + access);
            }
        } catch (ApiError refused) {
            uses.count(key.keyId(), KeyUseCounter.OWN_API, KeyUseOutcome.FORBIDDEN);
            throw refused;
        }
        uses.count(key.keyId(), KeyUseCounter.OWN_API, KeyUseOutcome.ALLOWED);
        return user;
    }

    /** The account whose key the access check accepted for this request. */
    public static User caller(Context ctx) {
        return key(ctx).user();
    }

    /** The key the access check accepted, for actions that must know which key authorized them. */
    public static KeyOwner key(Context ctx) {
        KeyOwner owner = ctx.attribute(PRESENTED_KEY);
        if (owner == null) throw new IllegalStateException("The route was not registered for an API key");
        return owner;
    }

    /**
     * The presented key and its account, for actions that must know which key authorized them.
     * An address that failed too often gets 429 for any key this process does not hold in its
     * cache, without a database query; a key it holds (a real, recently used one) still works.
     */
    private KeyOwner requireKey(Context ctx) {
        BasicCredentials credentials = BasicCredentials.parse(ctx.header("Authorization"));
        String address = ctx.ip();
        long retryAfter = failures.retryAfterSeconds(address);
        ApiKeyAuthenticator.Result result = retryAfter > 0
                ? authenticator.authenticateFromCache(credentials.email(), credentials.key(), address)
                : authenticator.authenticate(credentials.email(), credentials.key(), address);
        if (retryAfter > 0 && !(result instanceof ApiKeyAuthenticator.Authenticated)) {
            uses.count(result, KeyUseCounter.OWN_API, KeyUseOutcome.RATE_LIMITED);
            throw ApiError.rateLimited(retryAfter);
        }
        if (!(result instanceof ApiKeyAuthenticator.Authenticated)) failures.recordFailure(address);
        if (result instanceof ApiKeyAuthenticator.Authenticated ok) {
            Integer botType = ok.owner().user().botType();
            if (botType != null && botType == INCOMING_WEBHOOK_BOT) {
                uses.count(result, KeyUseCounter.OWN_API, KeyUseOutcome.FORBIDDEN);
                throw ApiError.unauthorized("This API is not available to incoming webhook bots.");
            }
            ctx.attribute(PRESENTED_KEY, ok.owner());
            // Counted by authorize, once the route's role has had its say.
            return ok.owner();
        }
        uses.count(result, KeyUseCounter.OWN_API, KeyUseOutcome.of(result));
        if (result instanceof ApiKeyAuthenticator.Deactivated) throw ApiError.unauthorized("Account is deactivated");
        if (result instanceof ApiKeyAuthenticator.WrongAddress) {
            throw ApiError.unauthorized("INVALID_API_KEY", "This API key may not be used from this address.");
        }
        if (result instanceof ApiKeyAuthenticator.Expired) {
            throw ApiError.unauthorized("INVALID_API_KEY", "API key expired");
        }
        if (result instanceof ApiKeyAuthenticator.Malformed) throw ApiError.unauthorized("Malformed API key");
        throw ApiError.unauthorized("Invalid API key");
    }

    /**
     * The caller of a request the access check authenticated, naming the key that authorized it,
     * for the audit rows of what the request changes.
     */
    public static Actor actor(Context ctx) {
        KeyOwner owner = key(ctx);
        return Actor.api(owner.user().id(), ctx.ip(), owner.label());
    }

    /**
     * A person who is a member, moderator, administrator or owner: Zulip's rule for the bot
     * endpoints, which bots and guests may not use.
     */
    private static void requireMemberOrAdmin(User user) {
        if (user.isGuest()) throw ApiError.badRequest("Not allowed for guest users");
        if (user.isBot()) throw ApiError.badRequest("This endpoint does not accept bot requests.");
    }

    /**
     * An organization administrator (or owner) who is a person; anyone else gets Zulip's 400. Also
     * for checks that depend on the data (reactivating a person rather than a bot).
     */
    public static void requireAdmin(User user) {
        if (!user.isAdmin() || user.isBot()) throw ApiError.administratorRequired();
    }
}
